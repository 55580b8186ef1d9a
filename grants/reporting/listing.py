"""What the report pages list: a grant's reports and the periods still to come, the officers' list across
calls (filtered, a page at a time), and the version of a report a page shows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from grants.applications.models import Application
from grants.calls.models import Call
from grants.extensions import db
from grants.finance.models import Agreement
from grants.reporting import cadence
from grants.reporting.models import Report, ReportForm, ReportVersion
from grants.types import utcnow
from workflows import WORKFLOWS

PAGE = 50
STATES = WORKFLOWS["report"].state_names


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    call_id: int | None = None
    late: bool = False

    @classmethod
    def from_args(cls, args, call_id: int | None = None) -> Filters:
        status = args.get("status") if args.get("status") in STATES else None
        return cls(status=status, call_id=call_id, late=args.get("late") == "1")


def page(filters: Filters, number: int) -> dict:
    query = (select(Report).join(Report.application).options(contains_eager(Report.application))
             .order_by(Report.due_at, Report.id))
    if filters.status:
        query = query.where(Report.status == filters.status)
    if filters.call_id:
        query = query.where(Application.call_id == filters.call_id)
    if filters.late:
        query = query.where(Report.due_at < utcnow(), Report.status != "accepted")
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    reports = db.session.scalars(query.limit(PAGE).offset((max(number, 1) - 1) * PAGE)).all()
    calls = db.session.execute(select(Call.id, Call.title).join(ReportForm, ReportForm.call_id == Call.id)
                               .order_by(Call.title)).all()
    return {"reports": reports, "total": total, "number": max(number, 1), "pages": max(-(-total // PAGE), 1),
            "calls": calls, "states": STATES, "late": {r.id for r in reports if is_late(r)}}


def of_member(user) -> list[Report]:
    """Reports of the organisations the person belongs to: not yet accepted first (by deadline), then the rest."""
    organisations = [m.organisation_id for m in user.memberships]
    if not organisations:
        return []
    return list(db.session.scalars(
        select(Report).join(Report.application).options(contains_eager(Report.application))
        .where(Application.organisation_id.in_(organisations))
        .order_by((Report.status == "accepted"), Report.due_at, Report.id).limit(200)))


def of_grant(application: Application) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.application_id == application.id)
                                   .order_by(Report.final, Report.starts_on, Report.id)))


def upcoming(application: Application) -> list[cadence.Period]:
    """The periods of the agreement not reported on yet (their reports appear when they begin)."""
    row = db.session.execute(select(Agreement.starts_on, Agreement.ends_on, ReportForm)
                             .join(ReportForm, ReportForm.call_id == application.call_id)
                             .where(Agreement.application_id == application.id,
                                    ReportForm.published_at.is_not(None))).first()
    if row is None:
        return []
    starts_on, ends_on, form = row
    made = set(db.session.scalars(select(Report.period).where(Report.application_id == application.id)))
    until = db.session.scalar(select(func.max(Report.ends_on)).where(Report.application_id == application.id,
                                                                      Report.final.is_(False)))
    return [p for p in cadence.periods(starts_on, ends_on, form.cadence, form.due_days, form.final_due_days, until)
            if p.key not in made]


QUARTERS = {1: _l("Q1"), 2: _l("Q2"), 3: _l("Q3"), 4: _l("Q4")}


def is_late(report: Report) -> bool:
    """Past its deadline and not accepted: what holds the grant's payments, whatever the report's state."""
    return report.due_at is not None and report.due_at < utcnow() and report.status != "accepted"


def period_label(key: str) -> str:
    """'2026-11' → 'listopad 2026' / 'November 2026'; '2026-Q3' → 'III kwartał 2026' / 'Q3 2026'."""
    if key == cadence.FINAL:
        return str(_l("Final report"))
    year, _dash, part = key.partition("-")
    if part.startswith("Q") and part[1:].isdigit():
        return f"{QUARTERS.get(int(part[1:]), part)} {year}"
    if year.isdigit() and part.isdigit():
        return format_date(date(int(year), int(part), 1), "LLLL y")
    return key


def shown_version(versions: list[ReportVersion], number: str | None) -> ReportVersion | None:
    """The latest submitted version, or the one ?version=N names (404 for a number the report has not got)."""
    if number is None:
        return versions[-1] if versions else None
    found = next((v for v in versions if str(v.number) == number), None)
    if found is None:
        abort(404)
    return found
