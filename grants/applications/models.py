"""Applications (wnioski): answers, requested amount and the state of the application workflow."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from grants.auth.models import Organisation
from grants.calls.models import Call
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class Application(Versioned, db.Model):
    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint("requested_amount >= 0", name="requested_not_negative"),
        CheckConstraint("awarded_amount IS NULL OR awarded_amount >= 0", name="awarded_not_negative"),
    )
    workflow = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = status_column("application")
    requested_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    awarded_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_rounds: Mapped[int] = mapped_column(Integer, default=0)
    correction_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    appealed_from: Mapped[str | None] = mapped_column(String(40))
    appeal_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    durability_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    call: Mapped[Call] = relationship()
    organisation: Mapped[Organisation] = relationship()


class ApplicationPart(Versioned):
    """A workflow object that belongs to one application (a payment, report, control, job …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @declared_attr
    def application_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("application.id"), index=True)

    @declared_attr
    def application(cls) -> Mapped[Application]:
        return relationship(Application)
