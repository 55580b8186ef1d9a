"""The dashboards' figures, each from one SQL aggregate over the programme (or one call) and a period.

- Applications count from their submission (drafts are not applications yet): by state now, and by the kind of
  applicant on the day they were submitted (an informal group registered as a cooperative since counts as a group
  for what it sent before), with how many were awarded.
- A decision is the first of: selected, reserve list, rejected, formally rejected; an application with an amount
  awarded is decided and awarded. The success rate is the share of decided applications that were awarded; the
  time to a decision counts days from the submission.
- Money by month of the programme's calendar: awarded (the day an application was first selected), committed
  (agreements signed), paid (the day the bank paid), recovered (repayments of recovery cases).
- Jobs: created within the period (a replacement is not a new job) and maintained at its end, by the enterprise's
  path to the PS status: an existing PS (the status held when the first job began), a new PS (registered within a
  year before its first job, or not yet registered) or a converting PES (an older entity becoming a PS).
- From accepted reports, every count, hours and table question (advisory hours by kind, sessions and participants
  by demographic), as the indicators page adds them up.
- Now, whatever the period: overdue reports and payments on hold.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, text

from grants.applications.models import Application
from grants.auth.models import Organisation, OrganisationKindChange, Programme
from grants.calls.models import Call
from grants.control.models import RecoveryCase, RecoveryRepayment
from grants.engine.models import TransitionHistory
from grants.extensions import db
from grants.finance.models import Agreement, Payment
from grants.organisations.kinds import kind_on
from grants.reporting import indicators
from grants.reporting.models import Report
from grants.support.models import Job, PsStatus

DECISIONS = ("selected", "reserve", "rejected", "formally_rejected")
DAY_BUCKETS = (30, 60, 90, 180)  # up to 30 days, 31–60, …, over 180
PS_GROUPS = ("existing_ps", "new_ps", "converting_pes")
NEW_PS_MONTHS = 12


@dataclass(frozen=True)
class Scope:
    call_id: int | None = None
    start: date | None = None
    end: date | None = None

    def moments(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The period as UTC moments: from the start of its first local day to the start of the day after it."""
        def at(day: date) -> datetime:
            return datetime.combine(day, time(0), zone).astimezone(timezone.utc)

        return (at(self.start) if self.start else None, at(self.end + timedelta(days=1)) if self.end else None)


@dataclass
class Dashboard:
    scope: Scope
    budget: Decimal = Decimal(0)
    by_state: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    decided: int = 0
    awarded: int = 0
    mean_days: Decimal | None = None
    day_buckets: list[int] = field(default_factory=list)
    money: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # measure → month → amount
    jobs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # created|maintained → group → …
    report_figures: list = field(default_factory=list)
    overdue_reports: int = 0
    on_hold: tuple[int, Decimal] = (0, Decimal(0))

    @property
    def success_rate(self) -> Decimal | None:
        return (Decimal(self.awarded * 100) / self.decided).quantize(Decimal("0.1")) if self.decided else None

    @property
    def submitted(self) -> int:
        return sum(self.by_state.values())

    def totals(self) -> dict[str, Decimal]:
        return {measure: sum(months.values(), Decimal("0.00")) for measure, months in self.money.items()}

    def months(self) -> list[str]:
        """Every month from the first with any money to the last (at most ten years), gaps included."""
        found = sorted({month for months in self.money.values() for month in months})
        if not found:
            return []
        year, month = map(int, found[0].split("-"))
        every = []
        while len(every) < 120 and f"{year:04d}-{month:02d}" <= found[-1]:
            every.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return every

    def cumulative(self) -> dict[str, list[Decimal]]:
        """Each measure added up month by month, over every month that has any money."""
        result = {}
        for measure, months in self.money.items():
            running, values = Decimal("0.00"), []
            for month in self.months():
                running += months.get(month, Decimal(0))
                values.append(running)
            result[measure] = values
        return result


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _month(column, moment: bool):
    """'YYYY-MM' of a day, or of a moment in the programme's time zone (SQLite, a demo database, reads UTC)."""
    if _postgres():
        if moment:
            column = func.timezone(Programme.for_request().time_zone, func.timezone("UTC", column))
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _days_between(later, earlier):
    if _postgres():
        return func.extract("epoch", later - earlier) / 86400
    return func.julianday(later) - func.julianday(earlier)


def _in_call(query, scope: Scope):
    return query.where(Application.call_id == scope.call_id) if scope.call_id else query


def _between(query, column, start, end):
    if start is not None:
        query = query.where(column >= start)
    if end is not None:
        query = query.where(column < end if isinstance(end, datetime) else column <= end)
    return query


def _submitted(scope: Scope, zone: ZoneInfo):
    start, end = scope.moments(zone)
    query = _in_call(select(Application.id).where(Application.submitted_at.is_not(None)), scope)
    return _between(query, Application.submitted_at, start, end)


def by_state(scope: Scope, zone: ZoneInfo) -> dict[str, int]:
    ids = _submitted(scope, zone).subquery()
    rows = db.session.execute(select(Application.status, func.count()).join(ids, ids.c.id == Application.id)
                              .group_by(Application.status))
    return {status: n for status, n in rows}


def by_kind(scope: Scope, zone: ZoneInfo) -> dict[str, dict[str, int]]:
    """By the kind the applicant had on the day it submitted (a group that later registered as a cooperative
    counts as a group for what it sent before). Counted by today's kinds, then the few applications of
    organisations whose kind changed are moved to the kind they had that day."""
    ids = _submitted(scope, zone).subquery()
    won = case((Application.awarded_amount.is_not(None), 1), else_=0)
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"submitted": 0, "awarded": 0})
    for kind, n, awarded in db.session.execute(
            select(Organisation.type, func.count(), func.sum(won)).join(ids, ids.c.id == Application.id)
            .join(Organisation, Organisation.id == Application.organisation_id).group_by(Organisation.type)):
        result[_kind(kind)]["submitted"] += n
        result[_kind(kind)]["awarded"] += int(awarded or 0)
    changed = select(OrganisationKindChange.organisation_id).distinct()
    for today, then, awarded in db.session.execute(
            select(Organisation.type, kind_on(Application.organisation_id, Application.submitted_at), won)
            .join(ids, ids.c.id == Application.id).join(Organisation, Organisation.id == Application.organisation_id)
            .where(Application.organisation_id.in_(changed))):
        for kind, step in ((_kind(today), -1), (_kind(then), 1)):
            result[kind]["submitted"] += step
            result[kind]["awarded"] += step * awarded
    return {kind: counts for kind, counts in result.items() if counts["submitted"]}


def _kind(kind) -> str:
    return str(getattr(kind, "value", kind))


def _first(states: tuple[str, ...]):
    """Each application's first entry into one of the states: (application id, when)."""
    return (select(TransitionHistory.object_id.label("application_id"), func.min(TransitionHistory.at).label("at"))
            .where(TransitionHistory.workflow == "application", TransitionHistory.to_state.in_(states))
            .group_by(TransitionHistory.object_id).subquery())


def decisions(scope: Scope, zone: ZoneInfo) -> tuple[int, int, Decimal | None, list[int]]:
    """How many decided, how many of them awarded, the mean days to a decision and the days' buckets. An
    application with an amount awarded counts as decided and awarded even where its history is not kept here
    (one carried over from before the programme used Pomost)."""
    first = _first(DECISIONS)
    ids = _submitted(scope, zone).subquery()
    days = _days_between(first.c.at, Application.submitted_at)
    won = Application.awarded_amount.is_not(None)
    buckets = [func.sum(case((and_(days > low, days <= high), 1), else_=0))
               for low, high in zip((-1, *DAY_BUCKETS), DAY_BUCKETS)]
    row = db.session.execute(
        select(func.sum(case((or_(first.c.at.is_not(None), won), 1), else_=0)), func.sum(case((won, 1), else_=0)),
               func.avg(days), *buckets, func.sum(case((days > DAY_BUCKETS[-1], 1), else_=0)))
        .select_from(Application).join(ids, ids.c.id == Application.id)
        .outerjoin(first, first.c.application_id == Application.id)).one()
    decided, awarded, mean, *counts = row
    mean_days = Decimal(str(mean)).quantize(Decimal("0.1")) if mean is not None else None
    return int(decided or 0), int(awarded or 0), mean_days, [int(n or 0) for n in counts]


def money(scope: Scope, zone: ZoneInfo) -> dict[str, dict[str, Decimal]]:
    """By month: awarded (the day first selected, else the agreement's signature, else the submission),
    committed, paid, recovered."""
    start, end = scope.moments(zone)
    selected = _first(("selected",))
    awarded_at = func.coalesce(selected.c.at, Agreement.signed_at, Application.submitted_at)
    queries = {
        "awarded": _between(select(_month(awarded_at, True), func.sum(Application.awarded_amount))
                            .outerjoin(selected, selected.c.application_id == Application.id)
                            .outerjoin(Agreement, Agreement.application_id == Application.id)
                            .where(Application.awarded_amount.is_not(None)), awarded_at, start, end),
        "committed": _between(select(_month(Agreement.signed_at, True), func.sum(Agreement.award))
                              .join(Application, Application.id == Agreement.application_id)
                              .where(Agreement.signed_at.is_not(None)), Agreement.signed_at, start, end),
        "paid": _between(select(_month(Payment.paid_on, False), func.sum(Payment.amount))
                         .join(Application, Application.id == Payment.application_id)
                         .where(Payment.status == "paid", Payment.paid_on.is_not(None)),
                         Payment.paid_on, scope.start, scope.end),
        "recovered": _between(select(_month(RecoveryRepayment.paid_on, False), func.sum(RecoveryRepayment.amount))
                              .join(RecoveryCase, RecoveryCase.id == RecoveryRepayment.case_id)
                              .join(Application, Application.id == RecoveryCase.application_id),
                              RecoveryRepayment.paid_on, scope.start, scope.end),
    }
    result = {}
    for measure, query in queries.items():
        rows = db.session.execute(_in_call(query, scope).group_by(text("1")))  # by the month
        result[measure] = {month: Decimal(str(amount or 0)) for month, amount in rows if month}
    return result


def ps_group(founded_on: date | None, obtained_on: date | None, first_job: date | None) -> str:
    """The enterprise's path to the PS status, as the jobs it created are reported."""
    if obtained_on and first_job and obtained_on <= first_job:
        return "existing_ps"
    if founded_on is None or first_job is None or \
            founded_on >= date(first_job.year - 1, first_job.month, min(first_job.day, 28)):
        return "new_ps"
    return "converting_pes"


def jobs(scope: Scope) -> dict[str, dict[str, dict[str, Any]]]:
    """Jobs created in the period and maintained at its end, by the PS group: people and FTE."""
    created_when = Job.replaces_id.is_(None)
    if scope.start:
        created_when = and_(created_when, Job.starts_on >= scope.start)
    if scope.end:
        created_when = and_(created_when, Job.starts_on <= scope.end)
    kept_when = Job.status.in_(indicators.KEPT)
    if scope.end:
        kept_when = and_(kept_when, Job.starts_on <= scope.end)
    query = (select(Organisation.founded_on, PsStatus.obtained_on, func.min(Job.starts_on),
                    func.sum(case((created_when, 1), else_=0)), func.sum(case((created_when, Job.fte), else_=0)),
                    func.sum(case((kept_when, 1), else_=0)), func.sum(case((kept_when, Job.fte), else_=0)))
             .select_from(Job).join(Application, Application.id == Job.application_id)
             .join(Organisation, Organisation.id == Application.organisation_id)
             .outerjoin(PsStatus, PsStatus.application_id == Application.id)
             .group_by(Application.id, Organisation.founded_on, PsStatus.obtained_on))
    result = {measure: {group: {"people": 0, "fte": Decimal(0)} for group in PS_GROUPS}
              for measure in ("created", "maintained")}
    for founded_on, obtained_on, first, made, made_fte, kept, kept_fte in db.session.execute(_in_call(query, scope)):
        group = ps_group(founded_on, obtained_on, first)
        for measure, people, fte in (("created", made, made_fte), ("maintained", kept, kept_fte)):
            result[measure][group]["people"] += int(people or 0)
            result[measure][group]["fte"] += Decimal(str(fte or 0))
    return result


def now_figures(scope: Scope) -> tuple[int, tuple[int, Decimal]]:
    """Overdue reports and payments on hold, as they are now."""
    overdue = db.session.scalar(_in_call(select(func.count(Report.id)).join(
        Application, Application.id == Report.application_id).where(Report.status == "overdue"), scope))
    held = db.session.execute(_in_call(select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount), 0))
                                       .join(Application, Application.id == Payment.application_id)
                                       .where(Payment.status == "on_hold"), scope)).one()
    return overdue or 0, (held[0], Decimal(str(held[1])))


def budget(scope: Scope) -> Decimal:
    query = select(func.coalesce(func.sum(Call.budget), 0))
    if scope.call_id:
        query = query.where(Call.id == scope.call_id)
    return Decimal(str(db.session.scalar(query)))


def dashboard(scope: Scope) -> Dashboard:
    zone = ZoneInfo(Programme.for_request().time_zone)
    decided, awarded, mean_days, buckets = decisions(scope, zone)
    overdue, on_hold = now_figures(scope)
    return Dashboard(scope=scope, budget=budget(scope), by_state=by_state(scope, zone), by_kind=by_kind(scope, zone),
                     decided=decided, awarded=awarded, mean_days=mean_days, day_buckets=buckets,
                     money=money(scope, zone), jobs=jobs(scope),
                     report_figures=indicators.report_figures(scope.call_id, scope.start, scope.end),
                     overdue_reports=overdue, on_hold=on_hold)


def counted(figure) -> Decimal | int:
    """A figure's total: a whole number for a count (so a spreadsheet shows 17, not 17.00), as is for hours."""
    total = figure.total
    return int(total) if figure.kind != "hours" and total == total.to_integral_value() else total


def table_figures(figures) -> dict[str, dict[str, Any]]:
    """The report's table questions, each as rows × columns of totals (for a chart and its table)."""
    tables: dict[str, dict[str, Any]] = defaultdict(lambda: {"label": None, "rows": {}, "columns": {}, "cells": {}})
    for f in figures:
        if f.row is None:
            continue
        table = tables[f.question]
        table["label"] = f.label
        row_key, column_key = str(f.row), _column_key(f.column_label)
        table["rows"].setdefault(row_key, f.row_label)
        table["columns"].setdefault(column_key, f.column_label)
        table["cells"][(row_key, column_key)] = counted(f)
    return dict(tables)


def _column_key(label) -> str:
    return (label.get("en") or label.get("pl") or "") if isinstance(label, dict) else str(label)
