"""One list of the agreements of every call (/agreements/all/), for the staff who read any agreement: program
officers, finance officers and auditors. Filters (call, call type, the grant's state, applicant type, organisation,
region, award range, signed between), search, sorting, pages of 50 with the sum of their awards, CSV and XLSX of
what is filtered, saved filters.

The page runs a fixed number of queries whatever the number of agreements (a test counts them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterator
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from grants import labels, saved_filters
from grants.access import Permission, require
from grants.applications.models import Application
from grants.auth.models import Organisation, Programme
from grants.calls.models import Call
from grants.exports import csv_response, local_minute, xlsx_response
from grants.extensions import db
from grants.finance.models import Agreement
from grants.listing import PAGE_SIZE, Scope, day_start, narrowed, one_of, paged, scope_choices, typed_amount, typed_day
from grants.web import page_number
from workflows import WORKFLOWS

bp = Blueprint("all_agreements", __name__, url_prefix="/agreements/all")
WORKFLOW = WORKFLOWS["application"]  # an agreement's state is its grant's: the application's
# The application's states once an agreement is prepared: signing, the project, its settlement and durability,
# a recovery, its end (or the applicant's resignation before signing).
GRANT_STATES = ("agreement", "implementation", "settlement", "durability", "recovery", "closed", "cancelled")
FILTER_KEYS = ("call", "call_type", "state", "org_type", "organisation", "region", "award_from", "award_to",
               "signed_from", "signed_to", "q", "sort", "dir")
LIST_NAME = "agreements"  # of its saved filters
SORTS = {"signed": Agreement.signed_at, "award": Agreement.award, "number": Agreement.number,
         "organisation": Organisation.name}
COLUMNS = (Agreement.id, Agreement.number, Agreement.award, Agreement.starts_on, Agreement.ends_on,
           Agreement.signed_at, Application.id.label("application_id"), Application.title, Application.status,
           Organisation.name.label("organisation_name"), Organisation.type.label("organisation_type"),
           Call.title.label("call_title"))


@dataclass(frozen=True)
class Filters(Scope):
    state: str | None = None
    award_from: Decimal | None = None
    award_to: Decimal | None = None
    signed_from: date | None = None
    signed_to: date | None = None
    sort: str = "signed"

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(**Scope.read(args, SORTS, "signed"), state=one_of(args, "state", GRANT_STATES),
                   award_from=typed_amount(args.get("award_from")), award_to=typed_amount(args.get("award_to")),
                   signed_from=typed_day(args.get("signed_from")), signed_to=typed_day(args.get("signed_to")))

    def query(self):
        query = (select(*COLUMNS).select_from(Agreement)
                 .join(Application, Application.id == Agreement.application_id)
                 .join(Organisation, Organisation.id == Application.organisation_id)
                 .join(Call, Call.id == Application.call_id))
        zone = ZoneInfo(Programme.for_request().time_zone)
        query = narrowed(self.scoped(query), (
            (lambda v: Application.status == v, self.state),
            (lambda v: Agreement.award >= v, self.award_from), (lambda v: Agreement.award <= v, self.award_to),
            (lambda v: Agreement.signed_at >= day_start(v, zone), self.signed_from),
            (lambda v: Agreement.signed_at < day_start(v, zone, next_day=True), self.signed_to),
            (lambda v: or_(Agreement.number.icontains(v, autoescape=True), Application.matching(v),
                           Organisation.matching(v)), self.q)))
        return self.ordered(query, SORTS[self.sort], Agreement.id)


def export_rows(query) -> Iterator[list]:
    """The filtered agreements as a sheet shows them (in the order of `header`)."""
    locale = str(get_locale())
    zone = ZoneInfo(Programme.for_request().time_zone)
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        signed = local_minute(row.signed_at, zone)
        yield [row.number, row.call_title, row.title, row.organisation_name,
               str(labels.ORGANISATION_TYPE_LABELS.get(row.organisation_type, row.organisation_type)),
               WORKFLOW.state(row.status).label(locale), row.award, row.starts_on, row.ends_on,
               signed.date() if signed else None]


def header() -> list[str]:
    return [_("Agreement number"), _("Call"), _("Project"), _("Organisation"), _("Type"), _("Grant state"),
            _("Award"), _("Starts on"), _("Ends on"), _("Signed")]


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    filters = Filters.from_args(request.args)
    locale = str(get_locale())
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "finance/agreements_across.html", filters=filters, args=args, locale=locale,
        saved=saved_filters.bar(bp, LIST_NAME, "all_agreements.index", args),
        state_labels={name: WORKFLOW.state(name).label(locale) for name in GRANT_STATES},
        sort_labels={"signed": _("Signed"), "award": _("Award"), "number": _("Agreement number"),
                     "organisation": _("Organisation")},
        **scope_choices(locale),
        **paged(filters.query(), request.args.get("page", type=page_number) or 1, PAGE_SIZE, sum_of="award"))


@bp.route("/agreements.csv")
@require(Permission.APPLICATION_ANY_READ)
def export_csv():
    return csv_response(export_rows(Filters.from_args(request.args).query()), "agreements.csv", header())


@bp.route("/agreements.xlsx")
@require(Permission.APPLICATION_ANY_READ)
def export_xlsx():
    return xlsx_response(export_rows(Filters.from_args(request.args).query()), "agreements.xlsx", header(),
                         _("Agreements"))


saved_filters.add_routes(bp, LIST_NAME, FILTER_KEYS, "all_agreements.index", Permission.APPLICATION_ANY_READ)
