"""Binds the payment workflow to Payment."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from grants.applications.models import Application
from grants.engine.registry import bind
from grants.extensions import db
from grants.identifiers import valid_bank_account
from grants.finance.models import Payment
from grants.reporting.models import Report
from workflows.base import NOT_PREPARER, Context
from workflows.guards import GRANT

COMMITTED_STATES = ("approved", "exported", "paid")
GRANT_RUNNING = ("implementation", "settlement", "durability")


def holds(payment: Payment) -> list[str]:
    """Why this payment may not go out now."""
    reasons = []
    if payment.application.status not in GRANT_RUNNING:
        reasons.append("grant_not_running")
    overdue = db.session.scalar(select(func.count()).select_from(Report)
                                .where(Report.application_id == payment.application_id, Report.status == "overdue"))
    if overdue:
        reasons.append("report_overdue")
    return reasons


def facts(payment: Payment, now: datetime) -> dict[str, Any]:
    committed = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.application_id == payment.application_id, Payment.id != payment.id,
               Payment.status.in_(COMMITTED_STATES)))
    return {
        "payment_holds": holds(payment),
        "paid_and_approved_total": Decimal(committed),
        "amount": payment.amount,
        "award": payment.application.awarded_amount or Decimal("0"),
        "bank_account_valid": valid_bank_account(payment.bank_account),
        "due_at": payment.due_at,
    }


def _on_request(payment: Payment, actor: Any, ctx: Context, from_state: str) -> None:
    payment.prepared_by_id = getattr(actor, "id", None)


BINDING = bind(
    Payment,
    facts=facts,
    relations={NOT_PREPARER: lambda user, payment: payment.prepared_by_id != user.id},
    effects={"request": _on_request, "release": _on_request},
    scopes={GRANT: lambda payment: (Application, payment.application_id)},
)
