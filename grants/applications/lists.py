"""Officers' and auditors' list of a call's applications: filters, search, counts, CSV and XLSX exports.

The page runs a fixed number of queries whatever the number of applications (a test counts them).
"""
from __future__ import annotations

from typing import Iterator
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request, url_for
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
from grants.exports import csv_response, local_minute, xlsx_response
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


def staff_state_counts(call_ids: list[int] | None) -> dict[int, dict[str, int]]:
    """The per-state counts the database keeps (counts.py) of what staff see: drafts only where the programme
    lets them read drafts."""
    counts = state_counts(call_ids)
    if not staff_read_drafts():
        for states in counts.values():
            states.pop("draft", None)
    return counts


@bp.route("/applications/")
@require(Permission.APPLICATION_ANY_READ)
def index(call_id: int):
    call = get_call_or_404(call_id, can_read_applications_of)
    query = _filtered(call)
    # Per-state counts are kept by the database (counts.py); the total needs its own count only when
    # the organisation type or a search narrows the list.
    counts = staff_state_counts([call.id]).get(call.id, {})
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


def header(with_call: bool = False) -> list[str]:
    """The export's first row: what export_rows yields, in its order."""
    return [pgettext("application", "Number"), *([_("Call")] if with_call else []), _("Title"), _("Organisation"),
            _("Type"), _("State"), _("Requested amount"), _("Submitted")]


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
