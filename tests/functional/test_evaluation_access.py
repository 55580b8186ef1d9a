"""Every evaluation route tried as every role and as unrelated people (an evaluator not assigned, an applicant
of another organisation): 403 or 404, and never a word of the application (DESIGN §4 invariant 4)."""
from __future__ import annotations

import pytest

from grants.applications.models import Attachment
from grants.auth.models import Role
from grants.evaluation import operations as ops
from tests import factories
from tests.conftest import csrf_token

TITLE = "Tajny tytuł wniosku o dotację"


@pytest.fixture
def world(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    assigned, declared, unrelated = (factories.user(Role.EVALUATOR) for _ in range(3))
    owner = factories.user(Role.APPLICANT)
    call = factories.call(criteria=[{"id": "c", "name": {"pl": "K", "en": "C"}, "max_points": 10, "weight": "1",
                                     "section_min": None}])
    application = factories.application(call, factories.organisation(owner), status="merit_review", title=TITLE,
                                        number="A/1")
    attachment = Attachment(application_id=application.id, requirement_id="plan", original_name="plan.pdf",
                            storage_key="x", sha256="0" * 64, size=10, content_type="application/pdf")
    db.session.add(attachment)
    for person in (assigned, declared, unrelated):
        ops.add_to_pool(call, person, officer)
    waiting = ops.assign(application, assigned, officer)
    reading = ops.assign(application, declared, officer)
    ops.declare(reading, declared, "pl")
    db.session.commit()
    people = {"officer": officer, "assigned": assigned, "declared": declared, "unrelated evaluator": unrelated,
              "owner": owner, "other applicant": factories.user(Role.APPLICANT),
              "finance": factories.user(Role.FINANCE_OFFICER), "auditor": factories.user(Role.AUDITOR),
              "admin": factories.user(Role.ADMIN)}
    db.session.commit()
    return {"people": people, "call": call, "application": application, "waiting": waiting, "reading": reading,
            "attachment": attachment}


def _routes(w) -> list[tuple[str, str, set[str]]]:
    """(method, path, who may): everyone else gets 403 or 404."""
    call, app, waiting, reading = w["call"].id, w["application"].id, w["waiting"].id, w["reading"].id
    manage = f"/manage/calls/{call}"
    return [
        ("GET", "/evaluation/", {"assigned", "declared", "unrelated evaluator"}),
        ("GET", f"/evaluation/{waiting}", {"assigned"}),
        ("GET", f"/evaluation/{reading}", {"declared"}),
        ("GET", f"/evaluation/{reading}/version.pdf", set()),  # nothing submitted yet: 404 for all
        ("GET", f"/evaluation/{reading}/files/{w['attachment'].id}", set()),  # not in a submitted version
        ("POST", f"/evaluation/{waiting}/declare", {"assigned"}),
        ("POST", f"/evaluation/{waiting}/conflict", {"assigned"}),
        ("POST", f"/evaluation/{reading}/scores", {"declared"}),
        ("GET", f"/evaluation/results/{app}", {"officer", "auditor", "finance"}),  # the owner: once published
        ("GET", f"{manage}/evaluation/", {"officer"}),
        ("POST", f"{manage}/evaluation/pool", {"officer"}),
        ("POST", f"{manage}/evaluation/pool/{w['people']['unrelated evaluator'].id}/remove", {"officer"}),
        ("POST", f"{manage}/evaluation/pool/{w['people']['unrelated evaluator'].id}/chair", {"officer"}),
        ("POST", f"{manage}/evaluation/draw", {"officer"}),
        ("POST", f"{manage}/evaluation/assign", {"officer"}),
        ("POST", f"{manage}/evaluation/scorecards/{waiting}/withdraw", {"officer"}),
        ("GET", f"{manage}/ranking/", {"officer"}),
        ("POST", f"{manage}/ranking/compute", {"officer"}),
        ("POST", f"{manage}/ranking/publish", set()),  # no draft to publish: 404 even for the officer
        ("POST", f"{manage}/ranking/applications/{app}/reduce", {"officer"}),
    ]


def test_every_evaluation_route_refuses_whoever_it_is_not_for(client, auth, db, world):
    leaks = []
    for name, person in world["people"].items():
        auth.login(person.email)
        token = csrf_token(client, "/account")
        for method, path, allowed in _routes(world):
            if name in allowed:
                continue
            response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
            body = response.get_data(as_text=True)
            if response.status_code not in (403, 404) or TITLE in body:
                leaks.append(f"{name} {method} {path}: {response.status_code}")
        auth.logout()
    assert leaks == []


def test_the_routes_are_open_to_those_they_are_for(client, auth, db, world):
    """The other half: the same routes answer the people they are for (so the test above is not vacuous)."""
    people = world["people"]
    reads = [(m, p, who) for m, p, who in _routes(world) if m == "GET" and who]
    for method, path, allowed in reads:
        for name in allowed:
            auth.login(people[name].email)
            assert client.get(path).status_code == 200, (name, path)
            auth.logout()
    auth.login(people["declared"].email)
    assert TITLE in client.get(f"/evaluation/{world['reading'].id}").get_data(as_text=True)
