"""Usage controls by auditors and recovery cases for misused or undue amounts."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.applications.models import ApplicationPart
from grants.engine.models import status_column
from grants.extensions import db
from grants.types import UTCDateTime


class Control(ApplicationPart, db.Model):
    __tablename__ = "control"
    workflow = "control"

    status: Mapped[str] = status_column("control")
    findings_count: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCase(ApplicationPart, db.Model):
    __tablename__ = "recovery_case"
    workflow = "recovery"

    status: Mapped[str] = status_column("recovery")
    principal: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    repaid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    legal_basis: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
