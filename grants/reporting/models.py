"""Grantee reports due on a call's cadence."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from grants.applications.models import ApplicationPart
from grants.engine.models import status_column
from grants.extensions import db
from grants.types import UTCDateTime


class Report(ApplicationPart, db.Model):
    __tablename__ = "report"
    workflow = "report"

    period: Mapped[str] = mapped_column(String(20))  # e.g. 2026-11, 2026-Q4, final
    status: Mapped[str] = status_column("report")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
