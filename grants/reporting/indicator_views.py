"""The staff's indicators page: totals from accepted reports and from the jobs, per call and period, on screen
and as CSV."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from grants.access import Permission, require
from grants.calls.models import Call
from grants.exports import safe_cell
from grants.extensions import db
from grants.labels import ORGANISATION_TYPE_LABELS
from grants.reporting import indicators
from grants.ui import localised
from grants.web import row_id

bp = Blueprint("indicators", __name__, url_prefix="/reports/indicators")


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None


def _cell(value) -> str:
    return safe_cell("" if value is None else str(value))  # never a formula in a spreadsheet


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    call_id, start, end = request.args.get("call", type=row_id), _day("from"), _day("to")
    if start and end and start > end:
        start, end = end, start  # typed the other way round
    figures = indicators.report_figures(call_id, start, end)
    jobs = indicators.job_figures(call_id, start, end)
    if request.args.get("format") == "csv":
        return _csv(figures, jobs)
    calls = db.session.execute(select(Call.id, Call.title).order_by(Call.title)).all()
    return render_template("reporting/indicators.html", figures=figures, jobs=jobs, calls=calls, call_id=call_id,
                           start=start, end=end, localised=localised, job_kinds=sorted({*jobs["created"],
                                                                                         *jobs["maintained"]}),
                           kinds={str(k.value): label for k, label in ORGANISATION_TYPE_LABELS.items()})


def _csv(figures, jobs) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Indicator"), _("Row"), _("Column"), _("Total"), _("Reports")])
    for f in figures:
        writer.writerow([_cell(localised(f.label)), _cell(localised(f.row_label)), _cell(localised(f.column_label)),
                         f.total, f.reports])
    writer.writerow([])
    writer.writerow([_("Jobs"), _("Organisation type"), _("People"), _("FTE")])
    labels = {str(k.value): str(label) for k, label in ORGANISATION_TYPE_LABELS.items()}
    for measure, title in (("created", _("Created")), ("maintained", _("Maintained"))):
        for kind, counted in sorted(jobs[measure].items()):
            writer.writerow([title, labels.get(kind, kind), counted["people"], counted["fte"]])
    return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="indicators.csv"'})
