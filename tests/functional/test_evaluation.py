"""Merit evaluation through the web: the pool, assignments and seeded draws, the declaration before anything
is shown, scoring and sealing, the automatic next step, the ranking, results, appeals and promotions."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update

from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.core import fire
from grants.errors import Refusal
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.models import Draw, Ranking, Scorecard, ScorecardStatus
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

CRITERIA = [
    {"id": "need", "name": {"pl": "Potrzeba", "en": "Need"}, "max_points": 40, "weight": "1", "section_min": None},
    {"id": "plan", "name": {"pl": "Plan", "en": "Plan"}, "max_points": 30, "weight": "2", "section_min": 10},
]
WHY = "Uzasadnienie wystarczająco długie, by je przyjąć."


@contextmanager
def refusal_saying(words: str):
    """A refusal whose English text says these words (whatever language the session last spoke)."""
    with pytest.raises(Refusal) as caught:
        yield
    assert words in caught.value.text("en"), caught.value.text("en")


@pytest.fixture
def setting(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en", name="Olga Opiekunka")
    evaluators = [factories.user(Role.EVALUATOR, locale="en", name=f"Ewaluator {n}") for n in range(4)]
    call = factories.call(budget="100000.00", criteria=CRITERIA,
                          parameters={"justification_min_chars": 20, "discrepancy_percent": "30"})
    applications = [factories.application(call, status="merit_review", requested=amount, number=f"X/{n}",
                                          submitted_at=datetime(2026, 3, 1, 10, n, tzinfo=timezone.utc))
                    for n, amount in enumerate(("60000.00", "30000.00", "30000.00"))]
    for evaluator in evaluators:
        ops.add_to_pool(call, evaluator, officer)
    factories.db.session.commit()
    return {"officer": officer, "evaluators": evaluators, "call": call, "applications": applications}


def _score(client, card: Scorecard, need: int, plan: int, recommend: str = "yes", submit: bool = True):
    path = f"/evaluation/{card.id}"
    data = {"csrf_token": csrf_token(client, path), "points-need": need, "points-plan": plan,
            "justification-need": WHY, "justification-plan": WHY, "recommend": recommend, "comment": "Dobrze."}
    if submit:
        data["submit"] = "1"
    return client.post(f"{path}/scores", data=data)


def _declare(client, card: Scorecard):
    return client.post(f"/evaluation/{card.id}/declare", data={"csrf_token": csrf_token(client, "/evaluation/")})


def test_a_draw_is_even_seeded_recorded_and_never_gives_one_person_twice(client, auth, db, setting):
    auth.login(setting["officer"].email)
    path = f"/manage/calls/{setting['call'].id}/evaluation/"
    response = auth.post(path + "draw", {"seed": "jesien-2026"}, token_from=path)
    assert response.status_code == 303
    cards = db.session.scalars(select(Scorecard)).all()
    assert len(cards) == 6  # three applications, two evaluators each
    for application in setting["applications"]:
        people = [c.evaluator_id for c in cards if c.application_id == application.id]
        assert len(people) == len(set(people)) == 2
    load = sorted(db.session.execute(select(func.count()).select_from(Scorecard).group_by(Scorecard.evaluator_id))
                  .scalars())
    assert load == [1, 1, 2, 2]  # six places over four people: nobody has two more than another
    draw = db.session.scalars(select(Draw)).one()
    assert draw.seed == "jesien-2026" and len(draw.result) == 6
    # The same seed on the same data gives the same draw.
    assignment = sorted((c.application_id, c.evaluator_id) for c in cards)
    for card in cards:
        db.session.delete(card)
    db.session.commit()
    auth.post(path + "draw", {"seed": "jesien-2026"}, token_from=path)
    assert sorted((c.application_id, c.evaluator_id) for c in db.session.scalars(select(Scorecard))) == assignment


def test_nothing_of_the_application_is_shown_before_the_declaration(client, auth, db, setting):
    application = setting["applications"][0]
    evaluator, other = setting["evaluators"][:2]
    card = ops.assign(application, evaluator, setting["officer"])
    db.session.commit()
    auth.login(evaluator.email)
    queue = client.get("/evaluation/").get_data(as_text=True)
    assert application.title not in queue and "shown after your declaration" in queue
    page = client.get(f"/evaluation/{card.id}").get_data(as_text=True)
    assert application.title not in page and "I declare" in page
    for path in (f"/evaluation/{card.id}/version.pdf", f"/evaluation/results/{application.id}",
                 f"/applications/{application.id}"):
        assert client.get(path).status_code == 404, path
    assert _score(client, card, 30, 20).status_code == 404  # no scoring before the declaration
    assert _declare(client, card).status_code == 303
    assert application.title in client.get(f"/evaluation/{card.id}").get_data(as_text=True)
    opened = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation:application:opened")).all()
    assert len(opened) == 1
    auth.logout()
    # Another evaluator, not assigned: the scorecard looks like nothing at all.
    auth.login(other.email)
    assert client.get(f"/evaluation/{card.id}").status_code == 404
    assert _declare(client, card).status_code == 404


def test_a_conflict_ends_the_assignment_for_good_and_tells_the_officer(client, auth, db, setting):
    from grants.services.mail import OutboxMessage

    application, evaluator = setting["applications"][0], setting["evaluators"][0]
    card = ops.assign(application, evaluator, setting["officer"])
    db.session.commit()
    auth.login(evaluator.email)
    refused = client.post(f"/evaluation/{card.id}/conflict", data={"csrf_token": csrf_token(client, "/evaluation/")})
    assert refused.status_code == 422 and "Say briefly what the conflict is" in refused.get_data(as_text=True)
    client.post(f"/evaluation/{card.id}/conflict", data={"csrf_token": csrf_token(client, "/evaluation/"),
                                                         "reason": "Jestem członkiem zarządu tej spółdzielni."})
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).status == ScorecardStatus.CONFLICT
    assert client.get(f"/evaluation/{card.id}").status_code == 404
    assert _declare(client, card).status_code == 404
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == setting["officer"].email)).all()
    assert any("conflict" in m.subject for m in mails)
    # Never again on this application, by hand or by a draw.
    with refusal_saying("already had this application"):
        ops.assign(db.session.get(Application, application.id), evaluator, setting["officer"])
    db.session.rollback()
    ops.draw(setting["call"], setting["officer"], seed="x")
    db.session.commit()
    people = db.session.scalars(select(Scorecard.evaluator_id).where(Scorecard.application_id == application.id,
                                                                     Scorecard.status != ScorecardStatus.CONFLICT))
    assert evaluator.id not in set(people)


def test_scoring_checks_each_criterion_seals_the_card_and_moves_the_application_on(client, auth, db, setting):
    application = setting["applications"][1]
    first, second = setting["evaluators"][:2]
    cards = [ops.assign(application, person, setting["officer"]) for person in (first, second)]
    db.session.commit()
    auth.login(first.email)
    _declare(client, cards[0])
    too_many = _score(client, cards[0], 41, 20)
    assert too_many.status_code == 422 and "Whole points from 0 to 40" in too_many.get_data(as_text=True)
    path = f"/evaluation/{cards[0].id}"
    short = client.post(f"{path}/scores", data={"csrf_token": csrf_token(client, path), "points-need": 30,
                                                "points-plan": 20, "justification-need": "Krótko.",
                                                "recommend": "yes", "submit": "1"})
    assert short.status_code == 422 and "at least 20 characters" in short.get_data(as_text=True)
    assert _score(client, cards[0], 30, 20).status_code == 303
    db.session.expire_all()
    sealed = db.session.get(Scorecard, cards[0].id)
    assert sealed.status == ScorecardStatus.SUBMITTED and sealed.total == Decimal("70.00") and sealed.content_hash
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation:scorecard:submitted")).one()
    assert entry.data["sha256"] == sealed.content_hash
    # Sealed: the page refuses a second submission, and so does the database.
    assert _score(client, sealed, 10, 10).status_code == 409
    with pytest.raises(Exception, match="sealed"):
        db.session.execute(update(Scorecard).where(Scorecard.id == sealed.id).values(comment="zmiana"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="sealed"):
        db.session.execute(text("DELETE FROM scorecard WHERE id = :id"), {"id": sealed.id})
    db.session.rollback()
    assert db.session.get(Application, application.id).status == "merit_review"  # one of two is in
    auth.logout()
    auth.login(second.email)
    _declare(client, cards[1])
    assert _score(client, cards[1], 32, 22).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "scored"  # complete_review, by the system


def test_a_discrepancy_calls_a_third_evaluator_from_the_pool(client, auth, db, setting):
    application = setting["applications"][0]
    first, second = setting["evaluators"][:2]
    cards = [ops.assign(application, person, setting["officer"]) for person in (first, second)]
    db.session.commit()
    for person, card, points in ((first, cards[0], (40, 30)), (second, cards[1], (10, 10))):
        auth.login(person.email)
        _declare(client, card)
        _score(client, card, *points)
        auth.logout()
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "third_review"
    third = db.session.scalars(select(Scorecard).where(Scorecard.application_id == application.id,
                                                       Scorecard.slot == 3)).one()
    assert third.evaluator_id not in (first.id, second.id)
    auth.login(third.evaluator.email)
    _declare(client, third)
    _score(client, third, 35, 25)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "scored"
    auth.logout()
    auth.login(setting["officer"].email)
    overview = client.get(f"/manage/calls/{setting['call'].id}/evaluation/").get_data(as_text=True)
    assert 'data-testid="discrepancy"' in overview


def _scored(setting, db, scores):
    """Every application scored by two evaluators with these (need, plan) points, through the operations."""
    for application, (need, plan) in zip(setting["applications"], scores):
        for evaluator in setting["evaluators"][:2]:
            card = ops.assign(application, evaluator, setting["officer"])
            ops.declare(card, evaluator, "en")
            ops.save(card, evaluator, {"need": need, "plan": plan}, {"need": WHY, "plan": WHY}, True, "")
            ops.submit(card, evaluator)
    db.session.commit()
    assert {a.status for a in setting["applications"]} == {"scored"}


def test_the_ranking_selects_within_the_budget_publishes_in_one_go_and_is_proved_by_recomputation(
        client, auth, db, setting, app):
    from grants.services.mail import OutboxMessage

    # Scores 100, 60, 90 of 100; amounts 60,000, 30,000, 30,000; budget 100,000.
    _scored(setting, db, [(40, 30), (20, 20), (30, 30)])
    auth.login(setting["officer"].email)
    path = f"/manage/calls/{setting['call'].id}/ranking/"
    assert auth.post(path + "compute", {}, token_from=path).status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert 'data-testid="ranking-status">Draft' in page
    first, second, third = setting["applications"]
    ranking = db.session.scalars(select(Ranking)).one()
    placed = {e.application_id: (e.position, e.outcome, e.score) for e in results.entries(ranking)}
    assert placed[first.id] == (1, "selected", Decimal("100.00"))
    assert placed[third.id] == (2, "selected", Decimal("90.00"))
    assert placed[second.id] == (3, "reserve", Decimal("60.00"))  # 60 % passes; 10,000 left does not cover it
    assert "Identical" in client.get(path + "?verify=1").get_data(as_text=True)
    assert auth.post(path + "publish", {}, token_from=path).status_code == 303
    db.session.expire_all()
    assert [db.session.get(Application, a.id).status for a in (first, second, third)] == \
        ["selected", "reserve", "selected"]
    assert db.session.get(Application, first.id).awarded_amount == Decimal("60000.00")
    assert results.awarded(setting["call"]) == Decimal("90000.00")
    reserve = db.session.get(Application, second.id)
    assert reserve.appeal_due_at is not None and reserve.appeal_due_at > ranking.notice_at
    owners = {a.organisation.memberships[0].user.email for a in setting["applications"]}
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_(owners),
                                                          OutboxMessage.body_text.like("%/applications/%"))).all()
    assert len(told) == 3 and all(setting["call"].title in m.body_text for m in told)
    # Promotion: refused while the budget does not cover it; allowed once a selected applicant resigns.
    auth.logout()
    auth.login(setting["officer"].email)
    promote = f"/applications/{second.id}/actions/promote"
    refused = auth.post(promote, {"version": reserve.version}, token_from=f"/applications/{second.id}")
    assert refused.status_code == 422 and "budget does not cover" in refused.get_data(as_text=True)
    resigned = db.session.get(Application, third.id)
    fire(resigned, "resign", resigned.organisation.memberships[0].user, "Rezygnujemy.")
    db.session.commit()
    reserve = db.session.get(Application, second.id)
    assert auth.post(promote, {"version": reserve.version},
                     token_from=f"/applications/{second.id}").status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, second.id).status == "selected"
    assert results.awarded(setting["call"]) == Decimal("90000.00")


def test_two_promotions_of_more_than_the_budget_allows_do_not_both_succeed(client, auth, db):
    """Before: the awarded amount was never written, so both 300,000 promotions in a 400,000 call went through
    and the available budget still read 400,000. This test starts from a real ranking, not a preset amount."""
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    evaluators = [factories.user(Role.EVALUATOR) for _ in range(2)]
    call = factories.call(budget="400000.00", criteria=CRITERIA, parameters={"justification_min_chars": 1})
    applications = [factories.application(call, status="merit_review", requested="300000.00", number=f"P/{n}",
                                          submitted_at=datetime(2026, 3, 1, 10, n, tzinfo=timezone.utc))
                    for n in range(3)]
    for evaluator in evaluators:
        ops.add_to_pool(call, evaluator, officer)
    _scored({"applications": applications, "evaluators": evaluators, "officer": officer}, db,
            [(40, 30), (35, 30), (30, 30)])
    ranking = results.compute(call, officer)
    results.publish(ranking, officer)
    db.session.commit()
    statuses = [db.session.get(Application, a.id).status for a in applications]
    assert statuses == ["selected", "reserve", "reserve"]
    assert results.awarded(call) == Decimal("300000.00")
    for application in applications[1:]:
        with refusal_saying("budget"):
            fire(db.session.get(Application, application.id), "promote", officer)
        db.session.rollback()
    assert results.awarded(call) == Decimal("300000.00")


def test_the_scheduler_marks_overdue_scorecards_once_and_reminds_their_evaluators(db, setting):
    from datetime import timedelta

    from grants.evaluation.reminders import mark_overdue
    from grants.services.mail import OutboxMessage
    from grants.types import utcnow

    application, evaluator = setting["applications"][0], setting["evaluators"][0]
    card = ops.assign(application, evaluator, setting["officer"])
    db.session.commit()
    assert mark_overdue(utcnow()) == 0  # due in 14 days
    later = utcnow() + timedelta(days=15)
    assert mark_overdue(later) == 1
    assert mark_overdue(later) == 0  # once
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).overdue_at is not None
    reminders = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == evaluator.email,
                                                               OutboxMessage.subject.like("%overdue%"))).all()
    assert len(reminders) == 1 and "/evaluation/" in reminders[0].body_text


def test_an_appeal_upheld_against_the_merit_review_is_re_evaluated_by_someone_new_and_cannot_lower_the_score(
        client, auth, db, setting):
    """The applicant sees their anonymised scorecards after the results, appeals within the window; the officer
    upholds; a new evaluator (never one who had it) re-scores lower; the final list keeps the earlier score."""
    from grants.services.mail import OutboxMessage

    _scored(setting, db, [(40, 30), (20, 20), (30, 30)])
    officer = setting["officer"]
    results.publish(results.compute(setting["call"], officer), officer)
    db.session.commit()
    reserve = db.session.get(Application, setting["applications"][1].id)
    assert reserve.status == "reserve"
    owner = reserve.organisation.memberships[0].user
    auth.login(owner.email)
    response = client.get(f"/evaluation/results/{reserve.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Oceniający 1" in page and "Oceniający 2" in page and "60,00" in page  # the applicant reads Polish
    assert not any(e.name in page for e in setting["evaluators"])  # anonymised
    detail = f"/applications/{reserve.id}"
    assert 'data-testid="results-link"' in client.get(detail).get_data(as_text=True)
    appealed = auth.post(f"{detail}/actions/appeal",
                         {"version": reserve.version, "reason": "Plan oceniono zbyt nisko."}, token_from=detail)
    assert appealed.status_code == 303
    auth.logout()
    auth.login(officer.email)
    reserve = db.session.get(Application, reserve.id)
    assert reserve.status == "appeal"
    upheld = auth.post(f"{detail}/actions/uphold", {"version": reserve.version, "reason": "Ponowna ocena planu."},
                       token_from=detail)
    assert upheld.status_code == 303
    db.session.expire_all()
    reserve = db.session.get(Application, reserve.id)
    assert reserve.status == "merit_review"
    decided = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == owner.email,
                                                             OutboxMessage.body_text.like("%Ponowna ocena%"))).all()
    assert len(decided) == 1 and "Ponowna ocena planu." in decided[0].body_text
    # The two who scored it cannot re-evaluate; a new one can, once.
    with refusal_saying("already had this application"):
        ops.assign(reserve, setting["evaluators"][0], officer)
    db.session.rollback()
    reserve = db.session.get(Application, reserve.id)
    card = ops.assign(reserve, setting["evaluators"][2], officer)
    assert card.round == 2
    db.session.commit()
    with refusal_saying("already has the evaluators"):
        ops.assign(reserve, setting["evaluators"][3], officer)
    db.session.rollback()
    card = db.session.get(Scorecard, card.id)
    evaluator = setting["evaluators"][2]
    ops.declare(card, evaluator, "en")
    ops.save(card, evaluator, {"need": 10, "plan": 10}, {"need": WHY, "plan": WHY}, False, "")  # 30 < 60
    ops.submit(card, evaluator)
    db.session.commit()
    assert db.session.get(Application, reserve.id).status == "scored"
    final = results.compute(setting["call"], officer)
    entry = next(e for e in results.entries(final) if e.application_id == reserve.id)
    assert entry.score == Decimal("60.00") and entry.passed  # not lowered to 30
    assert results.verify(final)


def test_a_formal_rejection_opens_an_appeal_window_of_working_days_shown_with_its_date(client, auth, db):
    """Before: the appeal deadline was never set, and the rejected applicant met a disabled button."""
    from datetime import timedelta

    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    owner = factories.user(Role.APPLICANT, locale="en")
    application = factories.application(factories.call(), factories.organisation(owner), status="formal_check",
                                        number="F/1")
    db.session.commit()
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    # Friday 4 December 2026, noon in Warsaw: five working days end on Friday 11 December.
    friday = datetime(2026, 12, 4, 11, 0, tzinfo=timezone.utc)
    fire(application, "reject", officer, "Brak podpisu.", now=friday)
    db.session.commit()
    application = db.session.get(Application, application.id)
    assert application.appeal_due_at == datetime(2026, 12, 11, 22, 59, 59, 999999, tzinfo=timezone.utc)
    auth.logout()
    auth.login(owner.email)
    text = client.get(page).get_data(as_text=True)
    assert "can be lodged until Dec 11, 2026, 11:59" in text
    assert 'data-trigger="appeal" disabled' not in text and 'data-trigger="appeal"' in text
    # After the deadline the appeal is refused and says so.
    with refusal_saying("appeal period has ended"):
        fire(application, "appeal", owner, "Za późno.", now=application.appeal_due_at + timedelta(seconds=1))
    db.session.rollback()


def test_an_administrators_day_off_moves_the_appeal_deadline(client, auth, db):
    from grants.auth.models import DayOff

    auth.login(factories.user(Role.ADMIN, locale="en").email)
    added = auth.post("/admin/programme/days-off", {"day": "2026-12-07", "description": "Zamknięcie biura"},
                      token_from="/admin/programme")
    assert added.status_code == 302
    assert "Zamknięcie biura" in client.get("/admin/programme").get_data(as_text=True)
    refused = auth.post("/admin/programme/days-off", {"day": "", "description": ""}, token_from="/admin/programme")
    assert refused.status_code == 302 and db.session.scalar(select(func.count()).select_from(DayOff)) == 1
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(factories.call(), status="formal_check", number="D/1")
    fire(application, "reject", officer, "Brak podpisu.", now=datetime(2026, 12, 4, 11, 0, tzinfo=timezone.utc))
    db.session.commit()
    # Five working days from Friday 4 December, Monday 7 December off: Monday 14 December.
    assert db.session.get(Application, application.id).appeal_due_at.date().isoformat() == "2026-12-14"


def _bulk(call, organisation, evaluators, n: int) -> None:
    """n applications in merit review, each with two submitted scorecards, inserted set-wise."""
    from sqlalchemy import insert

    from grants.extensions import db
    from grants.types import utcnow

    now = utcnow()
    first = (db.session.scalar(select(func.max(Application.id))) or 0) + 1
    db.session.execute(insert(Application), [
        {"id": first + i, "call_id": call.id, "organisation_id": organisation.id, "title": f"Wniosek {i}",
         "status": "merit_review", "number": f"{call.id}/{first + i:06d}", "requested_amount": Decimal("1000"),
         "answers": {}, "correction_rounds": 0, "correction_items": [], "formal_checklist": {}, "created_at": now,
         "version": 1, "search_text": ""} for i in range(n)])
    db.session.execute(insert(Scorecard), [
        {"application_id": first + i, "call_id": call.id, "evaluator_id": evaluators[(i + k) % len(evaluators)].id,
         "slot": k + 1, "round": 1, "status": "submitted", "assigned_at": now, "due_at": now, "submitted_at": now,
         "points": {"need": 30, "plan": 20}, "justifications": {}, "recommend": True, "total": Decimal("70"),
         "content_hash": "0" * 64} for i in range(n) for k in range(2)])
    db.session.commit()


def test_the_overview_and_the_queue_cost_the_same_queries_for_10_and_300_applications(client, auth, db, setting):
    from tests.support.queries import recorded_statements

    organisation = setting["applications"][0].organisation
    evaluators = setting["evaluators"]
    small = factories.call(criteria=CRITERIA)
    large = factories.call(criteria=CRITERIA)
    for call in (small, large):
        for evaluator in evaluators:
            ops.add_to_pool(call, evaluator, setting["officer"])
    db.session.commit()
    _bulk(small, organisation, evaluators, 10)
    _bulk(large, organisation, evaluators, 300)

    def queries(path: str, email: str) -> int:
        auth.login(email)
        client.get(path)  # warm: the user loader's first read
        with recorded_statements(db.engine) as statements:
            assert client.get(path).status_code == 200
        auth.logout()
        return len(statements)

    officer = setting["officer"].email
    assert queries(f"/manage/calls/{small.id}/evaluation/", officer) == \
        queries(f"/manage/calls/{large.id}/evaluation/", officer)
    few = queries("/evaluation/", evaluators[0].email)
    _bulk(large, organisation, evaluators, 300)
    assert queries("/evaluation/", evaluators[0].email) == few
    auth.login(evaluators[0].email)
    page = client.get("/evaluation/").get_data(as_text=True)
    assert page.count("data-card=") == 50 and 'data-testid="next-page"' in page  # a page at a time
    assert client.get("/evaluation/?page=2").status_code == 200


def test_promotions_follow_the_reserve_list_top_first(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    evaluators = [factories.user(Role.EVALUATOR) for _ in range(2)]
    call = factories.call(budget="100000.00", criteria=CRITERIA, parameters={"justification_min_chars": 1})
    amounts = ("60000.00", "30000.00", "40000.00", "30000.00")
    applications = [factories.application(call, status="merit_review", requested=amount, number=f"T/{n}",
                                          submitted_at=datetime(2026, 3, 1, 10, n, tzinfo=timezone.utc))
                    for n, amount in enumerate(amounts)]
    for evaluator in evaluators:
        ops.add_to_pool(call, evaluator, officer)
    _scored({"applications": applications, "evaluators": evaluators, "officer": officer}, db,
            [(40, 30), (35, 30), (30, 30), (25, 30)])
    results.publish(results.compute(call, officer), officer)
    db.session.commit()
    a, b, c, d = (db.session.get(Application, x.id) for x in applications)
    assert [x.status for x in (a, b, c, d)] == ["selected", "selected", "reserve", "reserve"]
    _resign_then_promote_top_first(db, officer, resigning=b, top=c, lower=d)
    assert results.awarded(call) == Decimal("100000.00")


def _resign_then_promote_top_first(db, officer, *, resigning, top, lower) -> None:
    """A selected applicant resigns; the lower reserve application is refused while the top one fits, which
    is then promoted."""
    resigning = db.session.get(Application, resigning.id)
    fire(resigning, "resign", resigning.organisation.memberships[0].user, "Rezygnujemy.")
    db.session.commit()
    with refusal_saying(f"Promote {top.number} first"):
        fire(db.session.get(Application, lower.id), "promote", officer)
    db.session.rollback()
    fire(db.session.get(Application, top.id), "promote", officer)
    db.session.commit()
    assert db.session.get(Application, top.id).status == "selected"


def test_after_an_appeal_the_reserve_list_follows_scores_across_the_published_lists(client, auth, db):
    """Before: a list published after an appeal left the earlier places standing, and "top of the reserve list
    first" compared places on different lists, so an application re-scored to 61 (1st on its own list) went
    before one at 70 (3rd on the first list)."""
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    evaluators = [factories.user(Role.EVALUATOR) for _ in range(3)]
    call = factories.call(budget="100000.00", criteria=CRITERIA, parameters={"justification_min_chars": 1})
    applications = [factories.application(call, status="merit_review", requested=amount, number=f"T/{n}",
                                          submitted_at=datetime(2026, 3, 1, 10, n, tzinfo=timezone.utc))
                    for n, amount in enumerate(("60000.00", "30000.00", "30000.00", "30000.00"))]
    for evaluator in evaluators:
        ops.add_to_pool(call, evaluator, officer)
    _scored({"applications": applications, "evaluators": evaluators, "officer": officer}, db,
            [(40, 30), (30, 30), (30, 20), (10, 10)])  # 100, 90, 70 and 30 of 100
    first_list = results.compute(call, officer)
    results.publish(first_list, officer)
    db.session.commit()
    a, b, c, d = (db.session.get(Application, x.id) for x in applications)
    assert [x.status for x in (a, b, c, d)] == ["selected", "selected", "reserve", "rejected"]
    fire(d, "appeal", d.organisation.memberships[0].user, "Plan oceniono zbyt nisko.")
    fire(d, "uphold", officer, "Ponowna ocena.")
    card = ops.assign(d, evaluators[2], officer)
    ops.declare(card, evaluators[2], "en")
    ops.save(card, evaluators[2], {"need": 21, "plan": 20}, {"need": WHY, "plan": WHY}, True, "")  # 61
    ops.submit(card, evaluators[2])
    second_list = results.compute(call, officer)
    results.publish(second_list, officer)
    db.session.commit()
    assert db.session.get(Application, d.id).status == "reserve"
    places = {e.application_id: e for e in results.entries(first_list)}
    assert places[d.id].superseded_by_id == second_list.id and places[c.id].superseded_by_id is None
    assert [row.number for row in results.standing(call.id, "reserve")] == ["T/2", "T/3"]
    auth.login(officer.email)
    page = client.get(f"/manage/calls/{call.id}/ranking/?ranking={first_list.id}").get_data(as_text=True)
    assert 'data-testid="lists"' in page and page.count("data-superseded") == 1
    assert "ranked again after an appeal" in page
    auth.logout()
    _resign_then_promote_top_first(db, officer, resigning=b, top=c, lower=d)


def test_an_appeal_decided_once_cannot_be_brought_again_and_the_applicant_is_told_why(db, setting):
    """Before: after a dismissal the page said the appeal period had ended, while the deadline was days away."""
    _scored(setting, db, [(40, 30), (20, 20), (30, 30)])
    officer = setting["officer"]
    results.publish(results.compute(setting["call"], officer), officer)
    db.session.commit()
    reserve = db.session.get(Application, setting["applications"][1].id)
    owner = reserve.organisation.memberships[0].user
    fire(reserve, "appeal", owner, "Plan oceniono zbyt nisko.")
    fire(reserve, "dismiss", officer, "Ocena jest zgodna z kryteriami.")
    db.session.commit()
    reserve = db.session.get(Application, reserve.id)
    assert reserve.status == "reserve" and reserve.appeal_due_at > utcnow()
    with refusal_saying("already been decided"):
        fire(reserve, "appeal", owner, "Jeszcze raz.")


def test_the_applicant_reads_the_amount_awarded_and_why_it_was_reduced(client, auth, db, setting):
    from grants.services.mail import OutboxMessage

    _scored(setting, db, [(40, 30), (20, 20), (30, 30)])
    officer, first = setting["officer"], setting["applications"][0]
    results.reduce_amount(first, officer, Decimal("50000.00"), "Koszty sprzętu zawyżone.")
    results.publish(results.compute(setting["call"], officer), officer)
    db.session.commit()
    owner = first.organisation.memberships[0].user
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == owner.email)).one()
    assert "50" in mail.body_text and "Koszty sprzętu zawyżone." in mail.body_text
    auth.login(owner.email)
    page = client.get(f"/evaluation/results/{first.id}").get_data(as_text=True)
    assert 'data-testid="awarded"' in page and "Koszty sprzętu zawyżone." in page


def test_officers_never_score_and_applicants_never_score_their_own(db, setting):
    application = setting["applications"][0]
    officer_evaluator = factories.user(Role.PROGRAM_OFFICER, Role.EVALUATOR, name="Oficer Oceniający")
    member = factories.user(Role.EVALUATOR, name="Członek Spółdzielni")
    from grants.auth.models import Membership, MembershipRole

    db.session.add(Membership(user=member, organisation_id=application.organisation_id, role=MembershipRole.VIEWER))
    for person in (officer_evaluator, member):
        ops.add_to_pool(setting["call"], person, setting["officer"])
    db.session.commit()
    for person in (officer_evaluator, member):
        with refusal_saying("cannot evaluate this application"):
            ops.assign(db.session.get(Application, application.id), person, setting["officer"])
        db.session.rollback()
    draw = ops.draw(setting["call"], setting["officer"], seed="s")
    assert officer_evaluator.id not in {evaluator for _, evaluator, _ in draw.result}
    assert [application.id, member.id] not in [[a, e] for a, e, _ in draw.result]  # others' applications only


def test_scorecards_stay_hidden_from_staff_until_the_stage_is_complete(client, auth, db, setting):
    """An officer (or an auditor) reads the points only once every scorecard of the stage is in; an evaluator
    who also reads applications never sees the others' while still scoring."""
    application = setting["applications"][0]
    first, second = setting["evaluators"][:2]
    cards = [ops.assign(application, person, setting["officer"]) for person in (first, second)]
    ops.declare(cards[0], first, "en")
    ops.save(cards[0], first, {"need": 30, "plan": 20}, {"need": WHY, "plan": WHY}, True, "")
    ops.submit(cards[0], first)
    db.session.commit()
    auth.login(setting["officer"].email)
    page = client.get(f"/evaluation/results/{application.id}").get_data(as_text=True)
    assert 'data-testid="scorecard"' not in page and first.name not in page
    auth.logout()
    ops.declare(db.session.get(Scorecard, cards[1].id), second, "en")
    ops.save(db.session.get(Scorecard, cards[1].id), second, {"need": 31, "plan": 20}, {"need": WHY, "plan": WHY},
             True, "")
    ops.submit(db.session.get(Scorecard, cards[1].id), second)
    db.session.commit()
    auth.login(setting["officer"].email)
    assert client.get(f"/evaluation/results/{application.id}").get_data(as_text=True).count(
        'data-testid="scorecard"') == 2


def test_a_ranking_made_stale_by_a_reduction_is_not_published(db, setting):
    _scored(setting, db, [(40, 30), (20, 20), (30, 30)])
    officer = setting["officer"]
    draft = results.compute(setting["call"], officer)
    db.session.commit()
    results.reduce_amount(db.session.get(Application, setting["applications"][0].id), officer, Decimal("50000.00"),
                          "Część kosztów nie kwalifikuje się.")
    db.session.commit()
    with refusal_saying("no longer matches its inputs"):
        results.publish(db.session.get(Ranking, draft.id), officer)
    db.session.rollback()
    assert db.session.get(Ranking, draft.id).status.value == "draft"


@pytest.mark.postgres_only
def test_the_last_two_scorecards_submitted_at_once_still_move_the_application_on(app, db, setting):
    """Before the application's row was locked, each saw the other's card as unsubmitted: nothing fired and
    the application stayed in merit review for good."""
    from tests.conftest import AuthActions
    from tests.support.threads import post_at_once

    application = setting["applications"][1]
    people = setting["evaluators"][:2]
    cards = [ops.assign(application, person, setting["officer"]) for person in people]
    for person, card in zip(people, cards):
        ops.declare(card, person, "en")
        ops.save(card, person, {"need": 30, "plan": 20}, {"need": WHY, "plan": WHY}, True, "")
    db.session.commit()
    requests = []
    for person, card in zip(people, cards):
        browser = app.test_client()
        AuthActions(browser).login(person.email)
        requests.append((browser, f"/evaluation/{card.id}/scores", {
            "csrf_token": csrf_token(browser, f"/evaluation/{card.id}"), "points-need": 30, "points-plan": 20,
            "justification-need": WHY, "justification-plan": WHY, "recommend": "yes", "submit": "1"}))
    assert sorted(post_at_once(requests)) == [303, 303]
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "scored"
