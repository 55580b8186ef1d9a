"""Indicators from accepted reports and from the jobs, per call and period (they feed the dashboards).

Every count and hours question of a report form adds up over the accepted reports whose period ends within the
chosen dates, and every cell of a table question (sessions by kind, participants by demographic, hours by kind
of advice) adds up by row and column. Jobs count as created when they start within the dates (replacements
not counted again), and as maintained when they started by the end date and are kept today (financed, in
durability, or completed), by the kind of organisation that created them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Organisation
from grants.extensions import db
from grants.reporting.models import Report, ReportForm
from grants.support.models import Job

KEPT = ("financed", "durability", "completed")


@dataclass
class Figure:
    question: str
    label: Any  # {"pl": …, "en": …}
    row: str | None = None
    row_label: Any = None
    column_label: Any = None
    kind: str = "count"
    total: Decimal = Decimal(0)
    reports: int = 0


def _number(value: Any) -> Decimal | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _accepted(call_id: int | None, start: date | None, end: date | None):
    query = (select(Report.answers, Report.form_id).join(Application, Application.id == Report.application_id)
             .where(Report.status == "accepted", Report.form_id.is_not(None)))
    if call_id:
        query = query.where(Application.call_id == call_id)
    if start:
        query = query.where(Report.ends_on >= start)
    if end:
        query = query.where(Report.ends_on <= end)
    return db.session.execute(query).all()


def report_figures(call_id: int | None = None, start: date | None = None, end: date | None = None) -> list[Figure]:
    """Totals of every count, hours and table question over the accepted reports, in the forms' order."""
    rows = _accepted(call_id, start, end)
    forms = {f.id: f.questions for f in db.session.scalars(
        select(ReportForm).where(ReportForm.id.in_({form_id for _answers, form_id in rows})))}
    figures: dict[tuple, Figure] = {}
    for answers, form_id in rows:
        for q in forms.get(form_id) or ():
            value = (answers or {}).get(q["id"])
            if q["type"] in ("count", "hours"):
                _add(figures, (q["id"],), Figure(q["id"], q["label"], kind=q["type"]), _number(value))
            elif q["type"] == "table":
                for row in q.get("options") or ():
                    for column in q.get("columns") or ():
                        cell = ((value or {}).get(row["id"]) or {}).get(column["id"])
                        _add(figures, (q["id"], row["id"], column["id"]),
                             Figure(q["id"], q["label"], row["id"], row["label"], column["label"],
                                    column.get("type") or "count"), _number(cell))
    return list(figures.values())


def _add(figures: dict, key: tuple, new: Figure, value: Decimal | None) -> None:
    figure = figures.setdefault(key, new)
    if value is not None:
        figure.total += value
        figure.reports += 1


def job_figures(call_id: int | None = None, start: date | None = None, end: date | None = None) -> dict[str, dict]:
    """Jobs created within the dates and kept at their end, in FTE and in people, by kind of organisation."""
    base = (select(Organisation.type, func.count(Job.id), func.coalesce(func.sum(Job.fte), 0))
            .join(Application, Application.id == Job.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id).group_by(Organisation.type))
    if call_id:
        base = base.where(Application.call_id == call_id)
    created = base.where(Job.replaces_id.is_(None))
    kept = base.where(Job.status.in_(KEPT))
    if start:
        created = created.where(Job.starts_on >= start)
    if end:
        created, kept = created.where(Job.starts_on <= end), kept.where(Job.starts_on <= end)
    result: dict[str, dict] = defaultdict(dict)
    for name, query in (("created", created), ("maintained", kept)):
        for kind, people, fte in db.session.execute(query):
            result[name][str(getattr(kind, "value", kind))] = {"people": people, "fte": Decimal(str(fte))}
    return {"created": dict(result["created"]), "maintained": dict(result["maintained"])}
