"""Grantee reports due on a call's cadence."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants.applications.models import Application
from grants.engine.models import Versioned, status_column
from grants.extensions import db
from grants.types import UTCDateTime, utcnow


class Report(Versioned, db.Model):
    __tablename__ = "report"
    workflow = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    period: Mapped[str] = mapped_column(String(20))  # e.g. 2026-11, 2026-Q4, final
    status: Mapped[str] = status_column("report")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
