"""Two copies of the scheduler at once do each job duty once: a lost job not replaced in time gets one recovery
case, a missed PS status one, and a PS reminder goes out once (PostgreSQL, two processes)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.control.models import RecoveryCase
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.services.mail import OutboxMessage
from grants.support.models import Job, PsStatus
from tests import factories
from tests.support.processes import attempt, run_processes

pytestmark = pytest.mark.postgres_only


def _duties(sync, moment: str) -> dict:
    from grants.support.jobs import duties

    sync.together()
    return attempt(duties, datetime.fromisoformat(moment))


@pytest.mark.parametrize("round_", range(2))
def test_two_schedulers_recover_a_lost_job_and_a_missed_ps_status_once(app, db, app_config, round_):
    factories.user(Role.PROGRAM_OFFICER)
    call = factories.call("job_support", budget="400000.00")
    lost_grant, late_grant, reminded_grant = (
        factories.application(call, status="implementation", awarded_amount=Decimal("70424.00")) for _ in range(3))
    today = date.today()
    for grant in (lost_grant, late_grant, reminded_grant):
        factories.agreement(grant, starts_on=today - timedelta(days=400), award="70424.00",
                            schedule_model="job_grant_and_bridging", jobs=["1", "1"], rates={"job_create": "35212.00"})
        _db.session.add(Payment(application_id=grant.id, kind="job_grant", amount=Decimal("70424.00"),
                                status="paid", paid_on=today - timedelta(days=390)))
    _db.session.add_all([
        Job(application_id=lost_grant.id, status="lost", fte=Decimal("1"), starts_on=today - timedelta(days=390),
            lost_on=today - timedelta(days=100), replace_by=today - timedelta(days=8), person_name="A"),
        Job(application_id=late_grant.id, status="financed", fte=Decimal("1"), starts_on=today - timedelta(days=390),
            person_name="B"),
        PsStatus(application_id=late_grant.id, due_on=today - timedelta(days=3)),
        PsStatus(application_id=reminded_grant.id, due_on=today + timedelta(days=10))])
    _db.session.commit()
    moment = datetime.combine(today, datetime.min.time(), timezone.utc).replace(hour=12).isoformat()
    results = run_processes(app_config, {"one": (_duties, (moment,)), "two": (_duties, (moment,))})
    assert all(r["outcome"] == "ok" for r in results.values()), results
    _db.session.expire_all()
    cases = _db.session.execute(select(RecoveryCase.application_id, RecoveryCase.principal)).all()
    assert sorted(cases) == sorted([(lost_grant.id, Decimal("35212.00")), (late_grant.id, Decimal("35212.00"))])
    reminders = _db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.contains("PS")))
    members = len(reminded_grant.organisation.memberships)
    assert reminders == members  # the grant due in ten days: reminded once, whichever copy did it
