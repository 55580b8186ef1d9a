"""Binds the report workflow to Report, holds a grant's payments while a report is late, and tells the application
workflow about the grant's settlement (its lines, and what submitting, accepting and returning it do).

A report past its deadline and not yet accepted holds the grant's payments that are planned or waiting for
approval (an approved one has passed its checks): the hold reads the deadline, not the report's state, so a
payment approved at the very moment the scheduler marks a report overdue is held all the same, and an accepted
report releases them. A report submitted by its deadline and waiting for the officer holds nothing.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
import grants.finance.workflow  # noqa: F401 - the payment's binding, whose holds this area adds to
from grants.access import acts_for
from grants.applications.models import Application
from grants.applications.queries import counts_by_call
from grants.engine.registry import bind, plug
from grants.evaluation.operations import program_officers
from grants.extensions import db
from grants.finance.workflow import add_hold
from grants.reporting import operations, settlement
from grants.reporting.models import Report, ReportVersion
from grants.services.mail import queue_mail
from workflows.base import MEMBER, Context


def report_late(payment, now) -> bool:
    """A report of the grant is past its deadline and not accepted — unless it was submitted by the deadline and
    waits for the officer (a grantee on time is not held for the officer's queue)."""
    on_time = exists().where(ReportVersion.report_id == Report.id, ReportVersion.number == 1,
                             ReportVersion.submitted_at <= Report.due_at)
    return bool(db.session.scalar(select(exists().where(
        Report.application_id == payment.application_id, Report.due_at < now, Report.status != "accepted",
        ~((Report.status == "submitted") & on_time)))))


def _submitted(report: Report, actor, ctx: Context, from_state: str) -> None:
    with db.session.no_autoflush:
        version = operations.freeze(report, actor)
        officers = program_officers()
    ctx.data["report_version"] = version.number
    for officer in officers:
        queue_mail(officer.email, _l("%(number)s: a report to check", number=report.application.number),
                   "report_submitted", locale=officer.locale, report=report, application=report.application)


def _returned(report: Report, actor, ctx: Context, from_state: str) -> None:
    with db.session.no_autoflush:
        latest = db.session.scalar(select(ReportVersion).where(ReportVersion.report_id == report.id)
                                   .order_by(ReportVersion.number.desc()).limit(1))
    if latest is not None:
        latest.decision_note = ctx.reason
    operations.tell_members(report, "report_returned", _l("%(number)s: your report needs changes",
                                                          number=report.application.number), reason=ctx.reason)


BINDING = bind(Report, counts=lambda: counts_by_call(Report))
PLUG = plug(
    Report,
    facts={"missing_answers": lambda report, now: operations.missing(report),
           "due_at": lambda report, now: report.due_at},
    relations={MEMBER: lambda user, report: acts_for(user, report.application.organisation_id)},
    effects={
        "submit": _submitted,
        "return": _returned,
        "accept": lambda report, actor, ctx, from_state: operations.tell_members(
            report, "report_accepted", _l("%(number)s: your report is accepted", number=report.application.number)),
        "mark_overdue": lambda report, actor, ctx, from_state: operations.tell_members(
            report, "report_overdue", _l("%(number)s: a report is overdue", number=report.application.number)),
    },
)
add_hold("report_late", _l("A report of the grant is past its deadline and not yet accepted."), report_late)
SETTLEMENT_PLUG = plug(
    Application,
    facts={"settlement_lines": settlement.line_count},
    effects={"submit_settlement": settlement.freeze, "accept_settlement": settlement.accepted,
             "return_settlement": settlement.returned},
)
