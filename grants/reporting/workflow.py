"""Binds the report workflow to Report."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from grants.applications.workflow import is_member
from grants.engine.registry import bind
from grants.reporting.models import Report
from workflows.base import MEMBER


def facts(report: Report, now: datetime) -> dict[str, Any]:
    # Report forms arrive with the reporting area; until then an empty form has nothing missing.
    return {"missing_answers": [], "due_at": report.due_at}


BINDING = bind(
    Report,
    facts=facts,
    relations={MEMBER: lambda user, report: is_member(user, report.application.organisation_id)},
)
