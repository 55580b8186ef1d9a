"""A report overdue at the moment a payment is approved holds that payment, even when the scheduler marks the
report overdue in one process while a finance officer approves in another (DESIGN §3.3, issue: invariants)."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.auth.models import Role, User
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.reporting.models import Report
from grants.types import utcnow
from tests import factories
from tests.support.processes import attempt, run_processes

pytestmark = pytest.mark.postgres_only

ACCOUNT = "PL61109010140000071219812874"


def _tick(sync, moment: str) -> dict:
    from grants.engine.tick import tick

    sync.together()
    return attempt(tick, datetime.fromisoformat(moment))


def _approve(sync, actor_id: int, payment_id: int, moment: str) -> dict:
    from grants.engine.core import fire

    actor, payment = _db.session.get(User, actor_id), _db.session.get(Payment, payment_id)
    sync.together()
    return attempt(fire, payment, "approve", actor, now=datetime.fromisoformat(moment))


@pytest.mark.parametrize("round_", range(3))
def test_a_report_falling_overdue_while_a_payment_is_approved_holds_it(app, db, app_config, round_):
    preparer, approver = factories.user(Role.FINANCE_OFFICER), factories.user(Role.FINANCE_OFFICER)
    application = factories.application(factories.call(budget="400000.00"), status="implementation",
                                        awarded_amount=Decimal("90000.00"))
    deadline = utcnow() + timedelta(days=1)
    report = Report(application_id=application.id, period="2026-11", status="draft", due_at=deadline, answers={})
    payment = Payment(application_id=application.id, kind="advance", amount=Decimal("72000.00"), bank_account=ACCOUNT,
                      due_at=utcnow() - timedelta(days=1), status="requested", prepared_by_id=preparer.id)
    db.session.add_all([report, payment])
    db.session.commit()
    moment = (deadline + timedelta(seconds=1)).isoformat()  # both act just after the report's deadline
    results = run_processes(app_config, {"tick": (_tick, (moment,)),
                                         "approve": (_approve, (approver.id, payment.id, moment))})
    db.session.expire_all()
    assert results["approve"]["outcome"] != "ok", results
    assert db.session.scalar(select(Payment.status).where(Payment.id == payment.id)) in ("requested", "on_hold")
    assert db.session.scalar(select(Report.status).where(Report.id == report.id)) == "overdue"
