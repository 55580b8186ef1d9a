"""Officers' and auditors' list of a call's applications: filters, search, counts, CSV and XLSX exports.

The page runs a fixed number of queries whatever the number of applications (a test counts them).
"""
from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Iterator
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Blueprint, Response, render_template, request, send_file, stream_with_context, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from grants import labels
from grants.access import Permission, require
from grants.applications.counts import state_counts
from grants.applications.models import Application
from grants.applications.permissions import staff_read_drafts, visible_to_staff
from grants.auth.models import Organisation, OrganisationType, Programme
from grants.calls.models import Call
from grants.calls.permissions import can_read_applications_of, get_call_or_404
from grants.extensions import db
from grants.web import page_number
from workflows import WORKFLOWS

bp = Blueprint("application_lists", __name__, url_prefix="/manage/calls/<int:call_id>")
PAGE_SIZE = 50
WORKFLOW = WORKFLOWS["application"]
EXPORT_BATCH = 1000
FILTERS = ("state", "type", "q")  # the query arguments the page's links carry on



# What the list and the exports show of each application: plain rows, not the whole object with its answers.
COLUMNS = (Application.id, Application.number, Application.title, Application.status, Application.requested_amount,
           Application.submitted_at, Organisation.name.label("organisation_name"),
           Organisation.type.label("organisation_type"))


def _filtered(call: Call):
    """The call's applications with the request's filters applied (state, organisation type, search)."""
    query = (select(*COLUMNS).join(Application.organisation)
             .where(Application.call_id == call.id, visible_to_staff()))
    state = request.args.get("state")
    if state in WORKFLOW.state_names:
        query = query.where(Application.status == state)
    org_type = request.args.get("type")
    if org_type in {t.value for t in OrganisationType}:
        query = query.where(Organisation.type == org_type)
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(or_(Application.matching(q), Organisation.matching(q)))
    return query


@bp.route("/applications/")
@require(Permission.APPLICATION_ANY_READ)
def index(call_id: int):
    call = get_call_or_404(call_id, can_read_applications_of)
    query = _filtered(call)
    # Per-state counts are kept by the database (counts.py); the total needs its own count only when
    # the organisation type or a search narrows the list.
    counts = state_counts([call.id]).get(call.id, {})
    if not staff_read_drafts():
        counts.pop("draft", None)
    if request.args.get("type") or (request.args.get("q") or "").strip():
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    elif request.args.get("state") in WORKFLOW.state_names:
        total = counts.get(request.args["state"], 0)
    else:
        total = sum(counts.values())
    page = request.args.get("page", 1, type=page_number)
    rows = db.session.execute(query.order_by(Application.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    args = {k: v for k, v in request.args.items() if k in FILTERS}
    pages = {"previous": page - 1 if page > 1 else None, "next": page + 1 if page * PAGE_SIZE < total else None}
    locale = str(get_locale())
    return render_template("applications/list.html", call=call, rows=rows, total=total, counts=counts,
                           workflow=WORKFLOW, locale=locale, args=args, pages=pages, org_types=list(OrganisationType),
                           state_labels={state.name: state.label(locale) for state in WORKFLOW.states},
                           type_labels={t: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
                           detail_url=_detail_url_prefix())


def _detail_url_prefix() -> str:
    """/applications/ : each row's link is this and the id (one url_for per row would be a tenth of the page)."""
    url = url_for("applications.detail", application_id=0)
    if not url.endswith("/0"):
        raise RuntimeError(f"the application page's URL no longer ends with its id: {url}")
    return url[:-1]


def export_rows(query, with_call: bool = False) -> Iterator[list]:
    """The rows of a list's query (COLUMNS, in its order, and `call_title` with_call) as a sheet shows them."""
    locale = str(get_locale())
    zone = ZoneInfo(Programme.for_request().time_zone)
    for row in db.session.execute(query.execution_options(yield_per=EXPORT_BATCH)):
        yield [row.number or "", *([row.call_title] if with_call else []), row.title, row.organisation_name,
               str(labels.ORGANISATION_TYPE_LABELS.get(row.organisation_type, row.organisation_type)),
               WORKFLOW.state(row.status).label(locale), row.requested_amount, local_minute(row.submitted_at, zone)]


def local_minute(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC time as the programme's local time, to the minute (what a person reads in a sheet)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(str(value))


def header(with_call: bool = False) -> list[str]:
    """The export's first row: what export_rows yields, in its order."""
    return [pgettext("application", "Number"), *([_("Call")] if with_call else []), _("Title"), _("Organisation"),
            _("Type"), _("State"), _("Requested amount"), _("Submitted")]


FORMULA_STARTS = frozenset("=+-@\t\r")


def safe_cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return would run as a formula in a spreadsheet
    # (CSV injection, OWASP's list): a leading apostrophe makes it text.
    return "'" + value if value[:1] in FORMULA_STARTS else value


def csv_response(rows: Iterator[list], filename: str, first_row: list[str]) -> Response:
    """Streamed row by row: a large list never sits in memory whole. `first_row` names the columns."""

    def generate():
        # UTF-8 with a byte-order mark: without it Excel on Windows reads the file as cp1250 and garbles
        # Polish letters; other programs skip the mark. Amounts use a dot, times are the programme's.
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(first_row)
        for row in rows:
            writer.writerow([_csv_cell(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_response(rows: Iterator[list], filename: str, first_row: list[str], sheet_name: str) -> Response:
    """One sheet named `sheet_name`: `first_row` in bold, then the rows."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    # constant_memory: rows are flushed to a temporary file as they are written.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    formats = {Decimal: workbook.add_format({"num_format": "#,##0.00"}),
               datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               date: workbook.add_format({"num_format": "yyyy-mm-dd"})}
    sheet.write_row(0, 0, first_row, bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            # Amounts and counts as numbers (a sheet sums them), times and days as dates; text stays text, never
            # a formula.
            if isinstance(value, Decimal):
                sheet.write_number(index, column, value, formats[Decimal])
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(index, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(index, column, value, formats[datetime])
            elif isinstance(value, date):
                sheet.write_datetime(index, column, value, formats[date])
            else:
                sheet.write_string(index, column, value or "")
    workbook.close()
    out.seek(0)
    return send_file(out, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=filename)


@bp.route("/applications.csv")
@require(Permission.APPLICATION_ANY_READ)
def export_csv(call_id: int):
    call = get_call_or_404(call_id, can_read_applications_of)
    return csv_response(export_rows(_filtered(call).order_by(Application.id)), f"call-{call.id}-applications.csv",
                        header())


@bp.route("/applications.xlsx")
@require(Permission.APPLICATION_ANY_READ)
def export_xlsx(call_id: int):
    call = get_call_or_404(call_id, can_read_applications_of)
    return xlsx_response(export_rows(_filtered(call).order_by(Application.id)), f"call-{call.id}-applications.xlsx",
                         header(), _("Applications"))
