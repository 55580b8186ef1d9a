"""One list of the applications of every call, for officers, finance and auditors: filters (call, call type,
state, applicant type, organisation, region, amount range, submitted between), search, sorting, pages, CSV and
XLSX, saved filters.

The page runs a fixed number of queries whatever the number of applications (a test counts them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from grants import labels, saved_filters
from grants.access import Permission, require
from grants.applications.lists import COLUMNS, WORKFLOW, csv_response, export_rows, header, xlsx_response
from grants.applications.models import Application
from grants.applications.permissions import staff_read_drafts, visible_to_staff
from grants.auth.models import Organisation, OrganisationType, Programme
from grants.calls.models import Call
from grants.extensions import db
from grants.listing import PAGE_SIZE, by_organisation, day_start, one_of, paged, typed_amount, typed_day
from grants.registry.forms import VOIVODESHIP_LABELS
from grants.web import page_number, row_id
from workflows.call_types import CALL_TYPES

bp = Blueprint("all_applications", __name__, url_prefix="/applications/all")
FILTER_KEYS = ("call", "call_type", "state", "org_type", "organisation", "region", "amount_from", "amount_to",
               "submitted_from", "submitted_to", "q", "sort", "dir")
LIST_NAME = "applications"  # of its saved filters
SORTS = {"submitted": Application.submitted_at, "amount": Application.requested_amount,
         "number": Application.number, "organisation": Organisation.name}
LIST_COLUMNS = (*COLUMNS, Call.title.label("call_title"))


@dataclass(frozen=True)
class Filters:
    call: int | None = None
    call_type: str | None = None
    state: str | None = None
    org_type: str | None = None
    organisation: str = ""  # words of its name
    region: str | None = None  # the voivodeship of its registry entry
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str = ""
    sort: str = "submitted"
    descending: bool = True

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(call=args.get("call", type=row_id), call_type=one_of(args, "call_type", CALL_TYPES),
                   state=one_of(args, "state", WORKFLOW.state_names),
                   org_type=one_of(args, "org_type", {t.value for t in OrganisationType}),
                   organisation=(args.get("organisation") or "").strip()[:200],
                   region=one_of(args, "region", VOIVODESHIP_LABELS),
                   amount_from=typed_amount(args.get("amount_from")), amount_to=typed_amount(args.get("amount_to")),
                   submitted_from=typed_day(args.get("submitted_from")),
                   submitted_to=typed_day(args.get("submitted_to")),
                   q=(args.get("q") or "").strip()[:200], sort=one_of(args, "sort", SORTS) or "submitted",
                   descending=args.get("dir") != "asc")

    def query(self):
        query = (select(*LIST_COLUMNS).join(Application.organisation).join(Call, Call.id == Application.call_id)
                 .where(visible_to_staff()))
        zone = ZoneInfo(Programme.for_request().time_zone)
        for condition, value in (
                (lambda v: Application.call_id == v, self.call), (lambda v: Call.call_type == v, self.call_type),
                (lambda v: Application.status == v, self.state), (lambda v: Organisation.type == v, self.org_type),
                (lambda v: Application.requested_amount >= v, self.amount_from),
                (lambda v: Application.requested_amount <= v, self.amount_to),
                (lambda v: Application.submitted_at >= day_start(v, zone), self.submitted_from),
                (lambda v: Application.submitted_at < day_start(v, zone, next_day=True), self.submitted_to),
                (lambda v: or_(Application.matching(v), Organisation.matching(v)), self.q)):
            if value not in (None, ""):
                query = query.where(condition(value))
        query = by_organisation(query, self.organisation, self.region)
        column = SORTS[self.sort]
        return query.order_by(column.desc().nulls_last() if self.descending else column.asc().nulls_last(),
                              Application.id.desc())


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    filters = Filters.from_args(request.args)
    locale = str(get_locale())
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "applications/across.html", filters=filters, args=args, workflow=WORKFLOW, locale=locale,
        saved=saved_filters.bar(bp, LIST_NAME, "all_applications.index", args),
        calls=db.session.execute(select(Call.id, Call.title).order_by(Call.title)).all(),
        call_types={name: kind.label(locale) for name, kind in CALL_TYPES.items()},
        state_labels={state.name: state.label(locale) for state in WORKFLOW.states
                      if state.name != "draft" or staff_read_drafts()},
        sort_labels={"submitted": _("Submitted"), "amount": _("Requested amount"),
                     "number": pgettext("application", "Number"), "organisation": _("Organisation")},
        type_labels={t: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
        type_choices={t.value: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
        regions=VOIVODESHIP_LABELS,
        **paged(filters.query(), request.args.get("page", type=page_number) or 1, PAGE_SIZE))


@bp.route("/applications.csv")
@require(Permission.APPLICATION_ANY_READ)
def export_csv():
    return csv_response(export_rows(Filters.from_args(request.args).query(), with_call=True), "applications.csv",
                        header(with_call=True))


@bp.route("/applications.xlsx")
@require(Permission.APPLICATION_ANY_READ)
def export_xlsx():
    return xlsx_response(export_rows(Filters.from_args(request.args).query(), with_call=True), "applications.xlsx",
                         header(with_call=True), _("Applications"))


saved_filters.add_routes(bp, LIST_NAME, FILTER_KEYS, "all_applications.index", Permission.APPLICATION_ANY_READ)
