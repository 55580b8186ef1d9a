"""Payments: tranches, instalments and purchases, each moving through the payment workflow; and the dated rate
tables agreements read (grants/finance/rates.py)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import ApplicationPart
from grants.auth.models import User
from grants.engine.models import status_column
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class Payment(ApplicationPart, db.Model):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)
    workflow = "payment"

    kind: Mapped[str] = mapped_column(String(30))  # lump_sum, advance, final, job_grant, bridging, item
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    bank_account: Mapped[str | None] = mapped_column(String(34))
    status: Mapped[str] = status_column("payment")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Rate(db.Model):
    """One row of a dated table: `value` from `starts_on` until the next row's start."""

    __tablename__ = "rate"
    __table_args__ = (UniqueConstraint("name", "starts_on", name="uq_rate_name_start"),
                      CheckConstraint("value > 0", name="value_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    source: Mapped[str | None] = mapped_column(Text)  # where the value was published
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    set_by: Mapped[User | None] = relationship()
