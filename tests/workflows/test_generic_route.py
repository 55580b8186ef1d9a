"""Every declared trigger, fired through the generic action route, either runs whole — state, history,
audit and every effect the areas declared for it — or is refused and leaves nothing behind."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import grants.models  # noqa: F401 - every area plugged in
from grants.applications.models import Application, ApplicationVersion
from grants.auth.models import Membership, MembershipRole, Role
from grants.engine.models import TransitionHistory
from grants.engine.registry import binding_for
from grants.finance.models import Payment
from grants.services.audit import AuditEntry
from grants.services.mail import OutboxMessage
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token
from workflows import WORKFLOWS
from workflows.base import SYSTEM

WORKFLOW = WORKFLOWS["application"]
FORM = [{"id": "summary", "type": "long_text", "required": False, "label": {"pl": "Opis", "en": "Summary"}}]


def _count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


# What each trigger with declared effects must have left behind when it went through.
def _submitted(db, application, before):
    versions = _count(db, ApplicationVersion, application_id=application.id)
    receipts = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.subject.contains(application.number or "?")))
    return versions == before["versions"] + 1 and receipts >= 1 and application.correction_items == []


MARKS = {
    "submit": lambda db, application, before: application.number is not None and _submitted(db, application, before),
    "resubmit": _submitted,
    "request_correction": None,  # needs the items to correct: the generic route must refuse it
    "appeal": lambda db, application, before: application.appealed_from == before["status"],
    "accept_settlement": lambda db, application, before: (application.durability_ends_at is not None) == (
        application.status == "durability") and _told(db, application),
    # A settlement lists its expenditure first (grants/reporting/settlement.py): never bare.
    "submit_settlement": None,
    "return_settlement": lambda db, application, before: _told(db, application),
    # Decisions an applicant may appeal against open the window (evaluation/workflow.py).
    "reject": lambda db, application, before: _window_opened(application, before),
    "leave_unconsidered": lambda db, application, before: _window_opened(application, before),
    "rank_reject": lambda db, application, before: _window_opened(application, before),
    "rank_reserve": lambda db, application, before: _window_opened(application, before)
    and application.awarded_amount is not None,
    # Selecting writes the amount the call's budget counts.
    "rank_select": lambda db, application, before: application.awarded_amount == application.requested_amount,
    "promote": lambda db, application, before: application.awarded_amount == application.requested_amount,
    # The decision on an appeal is emailed; upheld against the merit review, it opens a re-evaluation round.
    "uphold": lambda db, application, before: _told(db, application) and (
        application.status == "merit_review") == _reevaluations(db, application),
    "dismiss": lambda db, application, before: _told(db, application),
    # The officer records a signing once the agreement has everything (grants/finance): never bare.
    "sign": None,
    # A resignation drops the planned payments and tells the officers the budget is free.
    "resign": lambda db, application, before: _count(db, Payment, application_id=application.id) == 0
    and db.session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.body_text.like(f"%/manage/calls/{application.call_id}/ranking/%"))) == 1,
}


def _window_opened(application, before) -> bool:
    return application.appeal_due_at is not None and application.appeal_due_at != before["appeal_due_at"]


def _told(db, application) -> bool:
    owners = [m.user.email for m in application.organisation.memberships]
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.recipient.in_(owners))) >= 1


def _reevaluations(db, application) -> bool:
    from grants.evaluation.models import Reevaluation

    return _count(db, Reevaluation, application_id=application.id) == 1


def test_every_trigger_with_effects_has_its_mark_here():
    """A new effect plugged into the application workflow must say here what it leaves behind."""
    binding = binding_for(Application)
    assert {trigger for trigger in WORKFLOW.triggers if binding.effects_of(trigger)} == set(MARKS)


def test_only_the_application_workflow_has_a_generic_action_route(app):
    generic = {rule.endpoint for rule in app.url_map.iter_rules() if "<trigger>" in rule.rule}
    # each walked trigger by trigger (controls and recoveries in test_generic_route_control.py)
    # and the API's one route, firing through the same engine what those fire (tests/functional/test_api*.py)
    assert generic == {"applications.act", "payments.act", "controls.act", "recoveries.act", "api.fire_transition"}


def _arrange(db, trigger: str):
    declared = WORKFLOW.transitions_from(next(t.source[0] for t in WORKFLOW.transitions if t.trigger == trigger),
                                         trigger)[0]
    owner = factories.user(Role.APPLICANT, locale="en")
    role = next((r for r in sorted(declared.who) if r != SYSTEM), "program_officer")
    actor = owner if role == "applicant" else factories.user(Role(role), locale="en")
    durability = {"durability_months": 6} if trigger == "accept_settlement" else {}
    call = factories.call(form=FORM, parameters=durability)
    application = factories.application(call, owner=owner, status=declared.source[0],
                                        number=None if trigger == "submit" else f"T/{trigger}",
                                        answers={"summary": "Plan"}, appeal_due_at=utcnow() + timedelta(days=3),
                                        correction_due_at=utcnow() + timedelta(days=3), awarded_amount=None,
                                        correction_rounds=0)
    if trigger == "resubmit":
        application.correction_items = ["answer:summary"]
    if trigger == "appeal":
        application.appealed_from = None
    if trigger == "resign":
        factories.user(Role.PROGRAM_OFFICER)
        db.session.add(Payment(application_id=application.id, kind="lump_sum", amount=1000, status="planned"))
    db.session.commit()
    return application, actor


@pytest.mark.parametrize("trigger", WORKFLOW.triggers)
def test_the_generic_route_runs_the_whole_transition_or_refuses(client, auth, db, trigger):
    application, actor = _arrange(db, trigger)
    before = {"status": application.status, "versions": _count(db, ApplicationVersion, application_id=application.id),
              "audit": _count(db, AuditEntry), "history": _count(db, TransitionHistory),
              "appeal_due_at": application.appeal_due_at}
    auth.login(actor.email)
    page = f"/applications/{application.id}"
    token = csrf_token(client, page) if client.get(page).status_code == 200 else csrf_token(client, "/account")
    response = client.post(f"{page}/actions/{trigger}",
                           data={"csrf_token": token, "version": application.version, "reason": "Powód"})
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    if response.status_code == 303:
        assert MARKS.get(trigger, "no effects") is not None, f"{trigger} must not go through without its data"
        assert application.status in {t.dest for t in WORKFLOW.transitions_from(before["status"], trigger)}
        assert _count(db, TransitionHistory) == before["history"] + 1
        if MARKS.get(trigger):
            assert MARKS[trigger](db, application, before), f"{trigger} went through without its effects"
    else:
        assert 400 <= response.status_code < 500
        assert application.status == before["status"]
        assert _count(db, TransitionHistory) == before["history"]
        assert _count(db, ApplicationVersion, application_id=application.id) == before["versions"]
        # Signing in writes its own audit entry; the refused transition writes none.
        assert _count(db, AuditEntry) == before["audit"] + 1


def test_request_correction_through_the_generic_route_says_why(client, auth, db):
    application, officer = _arrange(db, "request_correction")
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    response = client.post(f"{page}/actions/request_correction",
                           data={"csrf_token": csrf_token(client, page), "version": application.version,
                                 "reason": "Podpis"})
    assert response.status_code == 422 and "Choose at least one item to correct." in response.get_data(as_text=True)


def test_submit_through_the_generic_route_freezes_and_sends_the_receipt(client, auth, db):
    """The defect this shape fixes: the generic route submitted without a frozen version or a receipt."""
    application, owner = _arrange(db, "submit")
    db.session.add(Membership(user=factories.user(Role.APPLICANT), organisation_id=application.organisation_id,
                              role=MembershipRole.EDITOR))
    db.session.commit()
    auth.login(owner.email)
    page = f"/applications/{application.id}"
    response = client.post(f"{page}/actions/submit", data={"csrf_token": csrf_token(client, page),
                                                           "version": application.version})
    assert response.status_code == 303
    db.session.expire_all()
    version = db.session.scalars(select(ApplicationVersion)).one()
    receipts = db.session.scalars(select(OutboxMessage)).all()
    assert version.answers == {"summary": "Plan"} and len(receipts) == 2
    assert all(version.content_hash in message.body_text for message in receipts)
