"""Grantee reports, as the web's report pages show them: the grantee's people read their own grants' reports, staff
who read applications (program and finance officers, auditors) read every report; anyone else sees none (404).
The answers are those the report's page shows: the draft to the grantee's owners and editors while they may
change it, otherwise the latest submitted version. The grantee submits, the program officer accepts or returns
through the transitions endpoint (an acceptance releases the payments held for the report, as on the web)."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import false, select

from grants.access import Permission, get_or_404, has_permission
from grants.api.core import QUERY, READ, PageArgs, access, answers, bp, page_schema, paged
from grants.api.transitions import register_object
from grants.applications.models import Application
from grants.auth.models import Membership
from grants.reporting import listing
from grants.reporting import operations as ops
from grants.reporting.models import Report
from grants.reporting.permissions import can_read_report, is_grantee
from grants.types import LARGEST_ID
from workflows import WORKFLOWS

WORKFLOW = WORKFLOWS["report"]
ROW_ID = "int(max=2147483647)"  # its id column is a 32-bit integer: a larger id is no row (404)


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    period = fields.String(required=True, metadata={"description": "e.g. 2026-11, 2026-Q4, final."})
    status = fields.String(required=True, metadata={"description": "The state in the report workflow."})
    due_at = fields.DateTime(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    final = fields.Boolean(required=True)
    late = fields.Boolean(required=True, metadata={"description": "Past its deadline and not accepted: the "
                                                                  "grant's payments are held."})
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class ReportDetailSchema(ReportSchema):
    answers = fields.Dict(allow_none=True, metadata={"description": (
        "The draft to the grantee's owners and editors while they may change it; to everyone else the latest "
        "submitted version's; null when nothing is submitted yet.")})
    submitted_version = fields.Integer(allow_none=True, metadata={"description": "The number of the submitted "
                                                                                 "version shown, if any."})


ReportPage = page_schema(ReportSchema, "ReportPage")


class ReportArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(WORKFLOW.state_names), metadata={"description": "Only in it."})
    application_id = fields.Integer(validate=validate.Range(1, LARGEST_ID),
                                    metadata={"description": "Only this grant's."})
    call_id = fields.Integer(validate=validate.Range(1, LARGEST_ID), metadata={"description": "Only this call's."})


def _visible():
    """The reports the caller may read, as a condition: the staff's list (/reports/) or the member's (/mine)."""
    if has_permission(current_user, Permission.APPLICATION_ANY_READ):
        return None
    if not current_user.memberships:
        return false()
    return Application.organisation_id.in_(select(Membership.organisation_id)
                                           .where(Membership.user_id == current_user.id))


COLUMNS = ("id", "application_id", "period", "status", "due_at", "starts_on", "ends_on", "final", "version")


def _row(report: Report) -> dict:
    return {name: getattr(report, name) for name in COLUMNS} | {"late": listing.is_late(report)}


@bp.get("/reports")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(ReportArgs, **QUERY)
@bp.response(200, ReportPage)
@bp.doc(tags=["Reports"], summary="Reports the caller may read", security=[{"token": []}])
def list_reports(args):
    query = select(Report).join(Application, Application.id == Report.application_id)
    condition = _visible()
    if condition is not None:
        query = query.where(condition)
    for key, column in (("status", Report.status), ("application_id", Report.application_id),
                        ("call_id", Application.call_id)):
        if args.get(key) is not None:
            query = query.where(column == args[key])
    page = paged(query, Report.id, args)
    page["items"] = [_row(report) for report in page["items"]]
    return page


@bp.get(f"/reports/<{ROW_ID}:report_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, ReportDetailSchema)
@bp.doc(tags=["Reports"], summary="A report with the answers its page shows the caller", security=[{"token": []}])
def get_report(report_id: int):
    report = get_or_404(Report, report_id, can_read_report)
    if is_grantee(current_user, report) and report.status in ops.EDITABLE:
        answers, number = report.answers or {}, None
    else:
        versions = ops.versions(report)
        answers, number = (versions[-1].answers, versions[-1].number) if versions else (None, None)
    return _row(report) | {"answers": answers, "submitted_version": number}


def _after(report: Report, trigger: str, user) -> None:
    """As the officer's decision on the web: an accepted report releases the payments it held."""
    if trigger == "accept":
        ops.release_payments(report.application_id)


register_object("reports", Report, can_read_report, after=_after)
