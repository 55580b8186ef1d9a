"""fire(), available_actions() and tick() on real rows: who may act, why not, what is written."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Membership, MembershipRole, Role
from grants.control.models import RecoveryCase
from grants.engine.core import (
    GuardsFailed,
    InvalidTransition,
    NotAllowed,
    ReasonRequired,
    StaleObject,
    available_actions,
    fire,
    history_of,
)
from grants.engine.models import TransitionHistory
from grants.engine.tick import tick
from grants.errors import Refusal
from grants.finance.models import Payment
from grants.reporting.models import Report
from grants.services import audit
from grants.services.audit import AuditEntry
from grants.support.models import Job
from grants.types import utcnow
from tests import factories

IBAN = "PL61109010140000071219812874"


def _audit_count(db, action: str, obj) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == action, AuditEntry.object_id == str(obj.id)))


def test_a_transition_writes_state_history_and_one_audit_entry(db):
    owner = factories.user(Role.APPLICANT)
    application = factories.application(owner=owner)
    history = fire(application, "submit", owner)
    db.session.commit()
    assert application.status == "submitted" and application.version == 2
    assert (history.from_state, history.to_state, history.trigger, history.actor_id) == \
        ("draft", "submitted", "submit", owner.id)
    assert application.number and application.submitted_at is not None  # the submit effect
    assert _audit_count(db, "workflow:application:submit", application) == 1
    assert [h.to_state for h in history_of(application)] == ["submitted"]
    assert audit.verify().ok


def test_role_is_checked_first_with_the_reason_in_both_languages(db):
    owner = factories.user(Role.APPLICANT)
    application = factories.application(owner=owner, status="submitted")
    with pytest.raises(NotAllowed) as refused:
        fire(application, "start_check", owner)
    assert refused.value.status == 403
    assert "Start formal check" in refused.value.text("en")
    assert "Rozpocznij ocenę formalną" in refused.value.text("pl")


def test_relation_is_checked_after_the_role(db):
    application = factories.application(owner=factories.user(Role.APPLICANT))
    stranger = factories.user(Role.APPLICANT)
    viewer = factories.user(Role.APPLICANT)
    db.session.add(Membership(user=viewer, organisation=application.organisation, role=MembershipRole.VIEWER))
    db.session.commit()
    for actor in (stranger, viewer):  # viewers read, they do not act
        with pytest.raises(NotAllowed):
            fire(application, "submit", actor)
    db.session.rollback()
    assert application.status == "draft" and history_of(application) == []


def test_a_refusal_lists_every_unmet_condition(db):
    owner = factories.user(Role.APPLICANT)
    form = [{"id": "plan", "required": True}, {"id": "note", "required": False}]
    call = factories.call("restructuring_grant", open_now=False, form=form)
    ngo = factories.organisation(owner, type="ngo")  # restructuring grants are for social cooperatives
    application = factories.application(call, ngo, requested="999999.00")
    with pytest.raises(GuardsFailed) as refused:
        fire(application, "submit", owner)
    messages = refused.value.text("en")
    assert "not accepting applications" in messages
    assert "required answers are missing" in messages
    assert "eligibility rules" in messages
    assert len(refused.value.messages) == 3
    assert "Nabór nie przyjmuje" in refused.value.text("pl")


def test_system_steps_cannot_be_taken_by_people(db):
    officer = factories.user(Role.PROGRAM_OFFICER, Role.ADMIN)
    application = factories.application(status="correction", correction_due_at=utcnow() - timedelta(days=1))
    with pytest.raises(NotAllowed) as refused:
        fire(application, "leave_unconsidered", officer)
    assert "system" in refused.value.text("en")


def test_a_reason_is_required_where_declared(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="formal_check")
    with pytest.raises(ReasonRequired):
        fire(application, "reject", officer, reason="   ")
    fire(application, "reject", officer, reason="Brak wymaganego statusu")
    assert history_of(application)[0].reason == "Brak wymaganego statusu"


def test_a_stale_form_is_told_it_changed_meanwhile(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="formal_check")
    seen = application.version
    application.title = "edited by someone else"
    db.session.commit()
    with pytest.raises(StaleObject) as refused:
        fire(application, "accept", officer, expected_version=seen)
    assert "changed meanwhile" in refused.value.text("en")
    assert application.status == "formal_check"


def test_acting_on_a_state_that_has_moved_on_is_a_conflict(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="formal_check")
    fire(application, "accept", officer)
    db.session.commit()
    with pytest.raises(InvalidTransition) as refused:
        fire(application, "reject", officer, reason="late")
    assert "Merit review" in refused.value.text("en")


def test_correction_effect_and_one_round_only(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    owner = factories.user(Role.APPLICANT)
    call = factories.call(form=[{"id": "summary", "type": "long_text", "label": {"pl": "Opis", "en": "Summary"}}])
    application = factories.application(call, owner=owner, status="formal_check")
    db.session.commit()
    now = utcnow()
    with pytest.raises(Refusal) as no_items:  # what to correct is part of the transition, whoever fires it
        fire(application, "request_correction", officer, reason="Podpis", now=now)
    assert no_items.value.status == 422 and "Choose at least one item" in no_items.value.text("en")
    db.session.rollback()
    fire(application, "request_correction", officer, reason="Podpis", now=now, items=["answer:summary", "bogus"])
    assert application.correction_items == ["answer:summary"]
    assert application.correction_due_at == now + timedelta(days=7)
    fire(application, "resubmit", owner, now=now + timedelta(days=6))
    with pytest.raises(GuardsFailed) as refused:
        fire(application, "request_correction", officer, reason="Znowu", items=["answer:summary"])
    assert "No correction round is left" in refused.value.text("en")


def test_appeal_returns_where_it_came_from_when_dismissed(db):
    owner, officer = factories.user(Role.APPLICANT), factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(owner=owner, status="formally_rejected",
                                        appeal_due_at=utcnow() + timedelta(days=3))
    fire(application, "appeal", owner, reason="Dokument był w załączniku 3")
    assert application.appealed_from == "formally_rejected"
    fire(application, "dismiss", officer, reason="Dokument nie spełnia wymogów")
    assert application.status == "formally_rejected"
    with pytest.raises(GuardsFailed):  # the appeal decision is final: no second appeal
        fire(application, "appeal", owner, reason="Jeszcze raz")


def test_upheld_formal_appeal_goes_back_to_formal_check(db):
    owner, officer = factories.user(Role.APPLICANT), factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(owner=owner, status="formally_rejected",
                                        appeal_due_at=utcnow() + timedelta(days=3))
    fire(application, "appeal", owner, reason="Błąd w ocenie")
    fire(application, "uphold", officer, reason="Zasadne")
    assert application.status == "formal_check"


def test_call_type_options_disable_steps(db):
    package = factories.call("development_package")
    application = factories.application(package, status="merit_review")
    owner_actions = available_actions(application, factories.user(Role.PROGRAM_OFFICER))
    assert "request_third_review" not in [a.trigger for a in owner_actions]
    with pytest.raises(InvalidTransition):
        fire(application, "request_third_review", None)


def test_available_actions_show_what_this_user_may_do_and_why_not(db):
    owner = factories.user(Role.APPLICANT)
    application = factories.application(factories.call(open_now=False), owner=owner)
    actions = {a.trigger: a for a in available_actions(application, owner)}
    assert set(actions) == {"submit", "withdraw"}
    assert not actions["submit"].enabled
    assert any("not accepting" in m.en for m in actions["submit"].unmet)
    assert actions["withdraw"].enabled
    assert available_actions(application, factories.user(Role.APPLICANT)) == []  # not a member
    assert available_actions(application, factories.user(Role.AUDITOR)) == []


def test_settlement_accept_picks_the_branch_and_explains_only_real_conditions(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    restructuring = factories.call("restructuring_grant")  # no durability, control required
    application = factories.application(restructuring, status="settlement")
    with pytest.raises(GuardsFailed) as refused:
        fire(application, "accept_settlement", officer)
    assert [m.en for m in refused.value.messages] == ["A usage control must be closed before the grant closes."]
    jobs = factories.call("job_support")  # six months of durability
    with_durability = factories.application(jobs, status="settlement")
    fire(with_durability, "accept_settlement", officer)
    assert with_durability.status == "durability" and with_durability.durability_ends_at is not None


def _payment(db, application, **fields) -> Payment:
    payment = Payment(application=application, kind="advance", amount=Decimal(fields.pop("amount", "1000.00")),
                      bank_account=fields.pop("bank_account", IBAN), **fields)
    db.session.add(payment)
    db.session.commit()
    return payment


def test_payment_four_eyes_and_award_limit(db):
    preparer, approver = factories.user(Role.FINANCE_OFFICER), factories.user(Role.FINANCE_OFFICER)
    application = factories.application(status="implementation", awarded_amount=Decimal("1500.00"))
    payment = _payment(db, application)
    fire(payment, "request", preparer)
    assert payment.prepared_by_id == preparer.id
    with pytest.raises(NotAllowed):
        fire(payment, "approve", preparer)
    fire(payment, "approve", approver)
    second = _payment(db, application, amount="600.00")
    with pytest.raises(GuardsFailed) as refused:
        fire(second, "request", preparer)
    assert "exceed the awarded amount" in refused.value.text("en")


def test_bank_account_is_checked(db):
    application = factories.application(status="implementation", awarded_amount=Decimal("5000"))
    payment = _payment(db, application, bank_account="PL61109010140000071219812875")  # one digit off
    with pytest.raises(GuardsFailed) as refused:
        fire(payment, "request", factories.user(Role.FINANCE_OFFICER))
    assert "bank account" in refused.value.text("en")


# --- tick ---------------------------------------------------------------------------------------

def test_tick_leaves_an_uncorrected_application_unconsidered_once(db):
    due = utcnow() - timedelta(minutes=1)
    late = factories.application(status="correction", correction_due_at=due)
    on_time = factories.application(status="correction", correction_due_at=utcnow() + timedelta(days=2))
    assert tick()["application:leave_unconsidered"] == 1
    assert tick() == {}  # idempotent
    db.session.expire_all()
    assert db.session.get(Application, late.id).status == "formally_rejected"
    assert db.session.get(Application, on_time.id).status == "correction"
    rows = db.session.scalars(select(TransitionHistory).where(TransitionHistory.object_id == late.id)).all()
    assert [(r.trigger, r.actor_id) for r in rows] == [("leave_unconsidered", None)]


def test_tick_marks_reports_overdue_and_that_holds_the_next_payment(db):
    application = factories.application(status="implementation", awarded_amount=Decimal("10000"))
    report = Report(application=application, period="2026-10", due_at=utcnow() - timedelta(days=1))
    payment = Payment(application=application, kind="bridging", amount=Decimal("4000"), bank_account=IBAN,
                      due_at=utcnow() - timedelta(hours=1))
    db.session.add_all([report, payment])
    db.session.commit()
    fired = tick()
    assert fired["report:mark_overdue"] == 1 and fired["payment:hold"] == 1
    assert tick() == {}
    db.session.expire_all()
    assert db.session.get(Report, report.id).status == "overdue"
    assert db.session.get(Payment, payment.id).status == "on_hold"


def test_tick_releases_a_due_instalment_when_its_conditions_hold(db):
    application = factories.application(status="implementation", awarded_amount=Decimal("10000"))
    payment = Payment(application=application, kind="bridging", amount=Decimal("4000"), bank_account=IBAN,
                      due_at=utcnow() - timedelta(hours=1))
    future = Payment(application=application, kind="bridging", amount=Decimal("4000"), bank_account=IBAN,
                     due_at=utcnow() + timedelta(days=30))
    db.session.add_all([payment, future])
    db.session.commit()
    assert tick()["payment:release"] == 1
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == "requested"
    assert db.session.get(Payment, future.id).status == "planned"


def test_tick_moves_jobs_through_durability_and_recoveries_to_overdue(db):
    application = factories.application(factories.call("job_support"), status="implementation")
    past = utcnow() - timedelta(days=1)
    job = Job(application=application, status="financed", financed_until=past, durability_ends_at=past)
    case = RecoveryCase(application=application, status="notified", principal=Decimal("1200.00"), due_at=past)
    db.session.add_all([job, case])
    db.session.commit()
    fired = tick()
    assert fired["job:start_durability"] == 1 and fired["recovery:mark_overdue"] == 1
    assert fired["job:complete"] == 1  # durability had ended too: the same run completes it
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "completed"
    assert db.session.get(RecoveryCase, case.id).status == "overdue"


def test_tick_ends_durability_of_an_application(db):
    application = factories.application(factories.call("job_support"), status="durability",
                                        durability_ends_at=utcnow() - timedelta(days=1))
    assert tick()["application:end_durability"] == 1
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "closed"


def test_tick_command(app, db):
    factories.application(status="correction", correction_due_at=utcnow() - timedelta(days=1))
    runner = app.test_cli_runner()
    assert "application:leave_unconsidered: 1" in runner.invoke(args=["pomost", "tick"]).output
    assert "Nothing due" in runner.invoke(args=["pomost", "tick"]).output


def test_trigger_data_cannot_rewrite_what_the_audit_says(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="submitted")
    fire(application, "start_check", officer, **{"from": "draft", "to": "closed", "note": "x"})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "workflow:application:start_check")).one()
    assert (entry.data["from"], entry.data["to"]) == ("submitted", "formal_check")
    assert entry.data["data"] == {"from": "draft", "to": "closed", "note": "x"}


@pytest.mark.sqlite_only
def test_a_write_that_lost_the_version_race_is_a_conflict_not_a_crash(app, db, monkeypatch):
    """Someone else's write lands between our read and our UPDATE (SQLite has no row lock to stop it)."""
    from sqlalchemy import update

    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="formal_check")
    from grants.engine import core

    db.session.commit()
    original = core.lock

    def lock_then_race(obj):
        original(obj)
        with db.engine.begin() as other:  # a second connection commits a change meanwhile
            other.execute(update(Application).where(Application.id == obj.id)
                          .values(version=Application.version + 1))

    # On PostgreSQL the row lock makes the other writer wait instead (tests/workflows/test_concurrency.py).
    monkeypatch.setattr(core, "lock", lock_then_race)
    with pytest.raises(StaleObject):
        fire(application, "accept", officer)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "formal_check"
    assert history_of(application) == []


def test_a_batch_fires_each_object_with_its_own_history_and_audit_entry_or_none_at_all(db):
    """fire_many(): what a bank file and a statement use. Each object is checked as fire() checks it; one
    refusal refuses the whole batch, and nothing of it is written."""
    from grants.engine.core import fire_many

    preparer = factories.user(Role.FINANCE_OFFICER)
    payments = [_payment(db, factories.application(status="implementation", awarded_amount=Decimal("5000.00")))
                for _ in range(3)]
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(NotAllowed):  # the role is checked as fire() checks it
        fire_many([(p, {}) for p in payments], "request", factories.user(Role.APPLICANT))
    db.session.rollback()
    histories = fire_many([(p, {"note": n}) for n, p in enumerate(payments)], "request", preparer)
    db.session.commit()
    assert [(h.object_id, h.trigger, h.data) for h in histories] == [
        (p.id, "request", {"note": n}) for n, p in enumerate(payments)]
    assert all(p.status == "requested" and p.prepared_by_id == preparer.id for p in payments)  # effects ran
    assert [_audit_count(db, "workflow:payment:request", p) for p in payments] == [1, 1, 1]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before + 3
    assert audit.verify().ok  # appended in one write, the chain still links up
    payments[1].status = "approved"  # one has moved on meanwhile: the batch is refused whole
    db.session.commit()
    with pytest.raises(InvalidTransition):
        fire_many([(p, {}) for p in payments], "reject", factories.user(Role.FINANCE_OFFICER), "Powód")
    db.session.rollback()
    assert [p.status for p in payments] == ["requested", "approved", "requested"]


def test_a_batch_whose_row_was_written_meanwhile_is_refused_whole(db):
    """The batch writes each shape of change in one UPDATE … WHERE version = :seen; a row another writer bumped
    is counted missing, and nothing of the batch stays."""
    from sqlalchemy import update

    from grants.engine.core import fire_many
    from grants.locking import mark_locked

    preparer = factories.user(Role.FINANCE_OFFICER)
    payments = [_payment(db, factories.application(status="implementation", awarded_amount=Decimal("5000.00")))
                for _ in range(3)]
    for payment in payments:
        mark_locked(payment)  # as if the batch's SELECT … FOR UPDATE had read them
    table = Payment.__table__  # behind the session's back, as another process would
    db.session.execute(update(table).where(table.c.id == payments[2].id).values(version=table.c.version + 1))
    with pytest.raises(StaleObject):
        fire_many([(p, {}) for p in payments], "request", preparer)
    db.session.expire_all()
    assert [db.session.get(Payment, p.id).status for p in payments] == ["planned"] * 3
    assert db.session.scalar(select(func.count()).select_from(TransitionHistory)
                             .where(TransitionHistory.trigger == "request")) == 0
