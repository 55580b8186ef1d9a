"""Payments: tranches, instalments and purchases, each moving through the payment workflow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.applications.models import ApplicationPart
from grants.engine.models import status_column
from grants.extensions import db
from grants.types import UTCDateTime


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
