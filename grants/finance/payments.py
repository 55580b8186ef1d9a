"""What finance officers read of payments: a filtered page of them and their sums per state, in a fixed number
of queries whatever their number (columns, not objects)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal

from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Organisation
from grants.calls.models import Call
from grants.extensions import db
from grants.finance.models import Payment
from grants.search import fold

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    call_id: int | None = None
    status: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    grantee: str | None = None

    def apply(self, query, *, with_status: bool = True):
        if self.call_id:
            query = query.where(Application.call_id == self.call_id)
        if with_status and self.status:
            query = query.where(Payment.status == self.status)
        if self.due_from:
            query = query.where(Payment.due_at >= datetime.combine(self.due_from, time(), timezone.utc))
        if self.due_to:
            query = query.where(Payment.due_at < datetime.combine(self.due_to, time.max, timezone.utc))
        if self.grantee:
            query = query.where(Organisation.search_text.contains(fold(self.grantee)))
        return query


def _joined(*columns):
    return (select(*columns).select_from(Payment).join(Application, Application.id == Payment.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id))


def _scoped(filters: Filters, *columns):
    """Payments with only the joins the filters need: counting 100,000 payments should not join their grantees."""
    query = select(*columns).select_from(Payment)
    if filters.call_id or filters.grantee:
        query = query.join(Application, Application.id == Payment.application_id)
    if filters.grantee:
        query = query.join(Organisation, Organisation.id == Application.organisation_id)
    return query


def page(filters: Filters, number: int, sums_by_state: dict[str, tuple[int, Decimal]]) -> tuple[list, int]:
    """A page of payments (plain rows) and how many match (read from the sums per state, not counted again)."""
    rows = db.session.execute(filters.apply(_joined(
        Payment.id, Payment.kind, Payment.period, Payment.amount, Payment.currency, Payment.status, Payment.due_at,
        Payment.payee, Application.id.label("application_id"), Application.number, Organisation.name.label("grantee")))
        .order_by(Payment.due_at, Payment.id).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    if filters.status:
        return rows, sums_by_state.get(filters.status, (0, 0))[0]
    return rows, sum(count for count, _ in sums_by_state.values())


def sums(filters: Filters) -> dict[str, tuple[int, Decimal]]:
    """{state: (count, sum)} of the payments the filters match, whatever their state, summed in SQL."""
    return {status: (count, Decimal(total)) for status, count, total in db.session.execute(
        filters.apply(_scoped(filters, Payment.status, func.count(), func.coalesce(func.sum(Payment.amount), 0)),
                      with_status=False).group_by(Payment.status))}


def calls() -> list[tuple[int, str]]:
    """The calls that have payments: a semi-join that stops at each call's first one."""
    has_payments = (select(Payment.id).join(Application, Application.id == Payment.application_id)
                    .where(Application.call_id == Call.id).exists())
    return list(db.session.execute(select(Call.id, Call.title).where(has_payments).order_by(Call.title)))
