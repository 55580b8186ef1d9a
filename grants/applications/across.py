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

from grants import saved_filters
from grants.access import Permission, require
from grants.applications.lists import COLUMNS, WORKFLOW, export_rows, header, staff_state_counts
from grants.applications.models import Application
from grants.applications.permissions import staff_read_drafts, visible_to_staff
from grants.auth.models import Organisation, Programme
from grants.calls.models import Call
from grants.exports import csv_response, xlsx_response
from grants.extensions import db
from grants.listing import PAGE_SIZE, Scope, day_start, narrowed, one_of, paged, scope_choices, typed_amount, typed_day
from grants.web import page_number

bp = Blueprint("all_applications", __name__, url_prefix="/applications/all")
FILTER_KEYS = ("call", "call_type", "state", "org_type", "organisation", "region", "amount_from", "amount_to",
               "submitted_from", "submitted_to", "q", "sort", "dir")
LIST_NAME = "applications"  # of its saved filters
SORTS = {"submitted": Application.submitted_at, "amount": Application.requested_amount,
         "number": Application.number, "organisation": Organisation.name}
LIST_COLUMNS = (*COLUMNS, Call.title.label("call_title"))


@dataclass(frozen=True)
class Filters(Scope):
    state: str | None = None
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    sort: str = "submitted"

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(**Scope.read(args, SORTS, "submitted"), state=one_of(args, "state", WORKFLOW.state_names),
                   amount_from=typed_amount(args.get("amount_from")), amount_to=typed_amount(args.get("amount_to")),
                   submitted_from=typed_day(args.get("submitted_from")),
                   submitted_to=typed_day(args.get("submitted_to")))

    def query(self):
        query = (select(*LIST_COLUMNS).join(Application.organisation).join(Call, Call.id == Application.call_id)
                 .where(visible_to_staff()))
        zone = ZoneInfo(Programme.for_request().time_zone)
        query = narrowed(self.scoped(query), (
            (lambda v: Application.status == v, self.state),
            (lambda v: Application.requested_amount >= v, self.amount_from),
            (lambda v: Application.requested_amount <= v, self.amount_to),
            (lambda v: Application.submitted_at >= day_start(v, zone), self.submitted_from),
            (lambda v: Application.submitted_at < day_start(v, zone, next_day=True), self.submitted_to),
            (lambda v: or_(Application.matching(v), Organisation.matching(v)), self.q)))
        return self.ordered(query, SORTS[self.sort], Application.id)

    def kept_total(self) -> int | None:
        """How many applications the list shows, from the per-state counts the database keeps (as the call's own
        list reads them), when nothing but the call, its type and the state narrows it; None when another filter
        does, and they are counted."""
        if any(value not in (None, "") for value in (
                self.org_type, self.organisation, self.region, self.q, self.amount_from, self.amount_to,
                self.submitted_from, self.submitted_to)):
            return None
        calls = None
        if self.call_type:
            calls = list(db.session.scalars(select(Call.id).where(Call.call_type == self.call_type)))
        if self.call:
            calls = [self.call] if calls is None or self.call in calls else []
        return sum(n for states in staff_state_counts(calls).values() for state, n in states.items()
                   if self.state in (None, state))


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    filters = Filters.from_args(request.args)
    locale = str(get_locale())
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "applications/across.html", filters=filters, args=args, workflow=WORKFLOW, locale=locale,
        saved=saved_filters.bar(bp, LIST_NAME, "all_applications.index", args),
        state_labels={state.name: state.label(locale) for state in WORKFLOW.states
                      if state.name != "draft" or staff_read_drafts()},
        sort_labels={"submitted": _("Submitted"), "amount": _("Requested amount"),
                     "number": pgettext("application", "Number"), "organisation": _("Organisation")},
        **scope_choices(locale),
        **paged(filters.query(), request.args.get("page", type=page_number) or 1, PAGE_SIZE,
                known_total=filters.kept_total()))


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
