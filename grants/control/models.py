"""Usage controls by auditors and recovery cases for misused or undue amounts."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class Control(Versioned, db.Model):
    __tablename__ = "control"
    workflow = "control"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = status_column("control")
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()


class RecoveryCase(Versioned, db.Model):
    __tablename__ = "recovery_case"
    workflow = "recovery"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    status: Mapped[str] = status_column("recovery")
    principal: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    repaid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    legal_basis: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
