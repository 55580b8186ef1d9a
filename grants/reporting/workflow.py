"""Binds the report workflow to Report."""
from __future__ import annotations

from grants.access import acts_for
from grants.applications.queries import counts_by_call
from grants.engine.registry import bind, plug
from grants.reporting.models import Report
from workflows.base import MEMBER

BINDING = bind(Report, counts=lambda: counts_by_call(Report))
PLUG = plug(
    Report,
    # Report forms arrive with the reporting area; until then an empty form has nothing missing.
    facts={"missing_answers": lambda report, now: [], "due_at": lambda report, now: report.due_at},
    relations={MEMBER: lambda user, report: acts_for(user, report.application.organisation_id)},
)
