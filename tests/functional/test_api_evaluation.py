"""An application's scorecards through the JSON API, exactly within the results page's rules: the applicant sees
nothing before the results are published and afterwards only anonymised scorecards (no evaluator's name, id or
round); an evaluator still scoring never reads another's scorecard, even one who also reads applications; staff
see the stage's points only once all its scorecards are in; other organisations and evaluators get 404."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from grants.api import tokens
from grants.auth.models import Role
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.extensions import db as _db
from tests import factories

CRITERIA = [
    {"id": "need", "name": {"pl": "Potrzeba", "en": "Need"}, "max_points": 40, "weight": "1", "section_min": None},
    {"id": "plan", "name": {"pl": "Plan", "en": "Plan"}, "max_points": 30, "weight": "1", "section_min": None},
]
WHY = "Uzasadnienie wystarczająco długie, by je przyjąć."


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _token(user) -> str:
    _row, secret = tokens.create(user, "test", False, 30)
    _db.session.commit()
    return secret


def _scores(card, evaluator, need: int, plan: int, submit: bool = True) -> None:
    ops.save(card, evaluator, {"need": need, "plan": plan}, {"need": WHY, "plan": WHY},
             True, "Komentarz.")
    if submit:
        ops.submit(card, evaluator)


@pytest.fixture
def world(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    first = factories.user(Role.EVALUATOR, name="Ewa Pierwsza-Oceniająca")
    second = factories.user(Role.EVALUATOR, Role.AUDITOR, name="Adam Drugi-Oceniający")  # also reads applications
    call = factories.call(budget="500000.00", criteria=CRITERIA,
                          parameters={"justification_min_chars": 20, "discrepancy_percent": "30"})
    application = factories.application(call, status="merit_review", number="E/1",
                                        submitted_at=datetime(2026, 3, 1, 10, tzinfo=timezone.utc))
    theirs = factories.application(factories.call(), status="rejected", number="E/2",
                                   submitted_at=datetime(2026, 3, 1, 11, tzinfo=timezone.utc))
    for person in (first, second):
        ops.add_to_pool(call, person, officer)
    cards = [ops.assign(application, person, officer) for person in (first, second)]
    for card, person in zip(cards, (first, second)):
        ops.declare(card, person, "pl")
    _scores(cards[0], first, 30, 20)
    _scores(cards[1], second, 31, 21, submit=False)  # a draft: still scoring
    _db.session.commit()
    return {"officer": officer, "first": first, "second": second, "call": call, "application": application,
            "theirs": theirs, "cards": cards, "owner": application.organisation.memberships[0].user,
            "stranger": theirs.organisation.memberships[0].user, "auditor": factories.user(Role.AUDITOR),
            "finance": factories.user(Role.FINANCE_OFFICER), "evaluator": factories.user(Role.EVALUATOR),
            "admin": factories.user(Role.ADMIN)}


def _get(client, world, who: str, application=None):
    application = application or world["application"]
    return client.get(f"/api/v1/applications/{application.id}/scorecards", headers=_bearer(_token(world[who])))


def test_before_the_stage_is_complete_nobody_reads_the_points_and_whoever_still_scores_gets_404(client, db, world):
    for who in ("owner", "first", "second", "stranger", "evaluator", "admin"):
        response = _get(client, world, who)
        assert response.status_code == 404, who
        assert "Oceniaj" not in response.get_data(as_text=True) and "need" not in response.get_data(as_text=True)
    for who in ("officer", "auditor", "finance"):  # the first card is in, but the stage is not complete
        response = _get(client, world, who)
        assert response.status_code == 200 and response.get_json()["scorecards"] == [], who
    assert client.get(f"/api/v1/applications/{world['application'].id}/scorecards").status_code == 401
    assert client.get(f"/api/v1/applications/{2**40}/scorecards",
                      headers=_bearer(_token(world["officer"]))).status_code == 404


def test_staff_read_who_scored_once_the_stage_is_complete_the_applicant_still_nothing(client, db, world):
    ops.submit(world["cards"][1], world["second"])
    _db.session.commit()
    assert world["application"].status == "scored"
    body = _get(client, world, "officer").get_json()
    assert [(c["evaluator_name"], c["number"], c["round"]) for c in body["scorecards"]] == [
        ("Ewa Pierwsza-Oceniająca", 1, 1), ("Adam Drugi-Oceniający", 2, 1)]
    assert body["scorecards"][1]["points"] == {"need": 31, "plan": 21} and body["scorecards"][1]["total"] == "52.00"
    assert _get(client, world, "second").status_code == 200  # submitted: now a reader like any auditor
    assert _get(client, world, "first").status_code == 404  # an evaluator alone never reads results
    assert _get(client, world, "owner").status_code == 404  # scored, not yet published


def test_after_the_results_the_applicant_reads_anonymised_scorecards_only(client, db, world):
    ops.submit(world["cards"][1], world["second"])
    results.publish(results.compute(world["call"], world["officer"]), world["officer"])
    _db.session.commit()
    assert world["application"].status == "selected"
    response = _get(client, world, "owner")
    assert response.status_code == 200
    body, text = response.get_json(), response.get_data(as_text=True)
    assert body["final_score"] == "51.00" and body["commission"] is False
    assert [set(card) for card in body["scorecards"]] == [
        {"number", "total", "recommend", "points", "justifications", "comment"}] * 2
    assert [(c["number"], c["points"]) for c in body["scorecards"]] == [
        (1, {"need": 30, "plan": 20}), (2, {"need": 31, "plan": 21})]
    for name in (world["first"].name, world["second"].name):
        assert name not in text
    again = client.get(f"/api/v1/applications/{world['application'].id}/scorecards",
                       headers={**_bearer(_token(world["owner"])), "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert _get(client, world, "stranger").status_code == 404  # another organisation's result
    assert _get(client, world, "owner", world["theirs"]).status_code == 404
    assert _get(client, world, "stranger", world["theirs"]).get_json()["scorecards"] == []
