"""One list of the payments of every call (/payments/all/), for finance officers: filters (call, call type,
payment state, kind, applicant type, organisation, region, amount range, due between, paid between), search,
sorting, pages of 50 with the sum of their amounts, CSV and XLSX of what is filtered, saved filters.

The page runs a fixed number of queries whatever the number of payments (a test counts them).
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

from grants import saved_filters
from grants.access import Permission, require
from grants.applications.models import Application
from grants.auth.models import Organisation, Programme
from grants.calls.models import Call
from grants.exports import csv_response, local_minute, xlsx_response
from grants.extensions import db
from grants.finance.agreements import PAYMENT_KINDS
from grants.finance.models import Agreement, Payment
from grants.listing import PAGE_SIZE, Scope, day_start, narrowed, one_of, paged, scope_choices, typed_amount, typed_day
from grants.web import page_number
from workflows import WORKFLOWS

bp = Blueprint("all_payments", __name__, url_prefix="/payments/all")
WORKFLOW = WORKFLOWS["payment"]
FILTER_KEYS = ("call", "call_type", "state", "kind", "org_type", "organisation", "region", "amount_from",
               "amount_to", "due_from", "due_to", "paid_from", "paid_to", "q", "sort", "dir")
LIST_NAME = "payments"  # of its saved filters
SORTS = {"due": Payment.due_at, "paid": Payment.paid_on, "amount": Payment.amount, "organisation": Organisation.name}
COLUMNS = (Payment.id, Payment.kind, Payment.period, Payment.amount, Payment.currency, Payment.status,
           Payment.due_at, Payment.paid_on, Payment.payee, Application.id.label("application_id"),
           Application.title, Agreement.number.label("agreement_number"), Organisation.name.label("organisation_name"),
           Call.title.label("call_title"))


@dataclass(frozen=True)
class Filters(Scope):
    state: str | None = None
    kind: str | None = None
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    due_from: date | None = None
    due_to: date | None = None
    paid_from: date | None = None
    paid_to: date | None = None
    sort: str = "due"

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(**Scope.read(args, SORTS, "due"), state=one_of(args, "state", WORKFLOW.state_names),
                   kind=one_of(args, "kind", PAYMENT_KINDS), amount_from=typed_amount(args.get("amount_from")),
                   amount_to=typed_amount(args.get("amount_to")), due_from=typed_day(args.get("due_from")),
                   due_to=typed_day(args.get("due_to")), paid_from=typed_day(args.get("paid_from")),
                   paid_to=typed_day(args.get("paid_to")))

    def query(self):
        query = (select(*COLUMNS).select_from(Payment)
                 .join(Application, Application.id == Payment.application_id)
                 .join(Organisation, Organisation.id == Application.organisation_id)
                 .join(Call, Call.id == Application.call_id)
                 .outerjoin(Agreement, Agreement.application_id == Payment.application_id))
        zone = ZoneInfo(Programme.for_request().time_zone)
        query = narrowed(self.scoped(query), (
            (lambda v: Payment.status == v, self.state), (lambda v: Payment.kind == v, self.kind),
            (lambda v: Payment.amount >= v, self.amount_from), (lambda v: Payment.amount <= v, self.amount_to),
            (lambda v: Payment.due_at >= day_start(v, zone), self.due_from),
            (lambda v: Payment.due_at < day_start(v, zone, next_day=True), self.due_to),
            (lambda v: Payment.paid_on >= v, self.paid_from), (lambda v: Payment.paid_on <= v, self.paid_to),
            (lambda v: or_(Agreement.number.icontains(v, autoescape=True), Application.matching(v),
                           Organisation.matching(v), Payment.payee.icontains(v, autoescape=True)), self.q)))
        return self.ordered(query, SORTS[self.sort], Payment.id)


def export_rows(query) -> Iterator[list]:
    """The filtered payments as a sheet shows them (in the order of `header`)."""
    locale = str(get_locale())
    zone = ZoneInfo(Programme.for_request().time_zone)
    for row in db.session.execute(query.execution_options(yield_per=1000)):
        due = local_minute(row.due_at, zone)
        yield [row.agreement_number or "", row.call_title, row.title, row.organisation_name,
               str(PAYMENT_KINDS.get(row.kind, row.kind)), row.period, row.amount,
               WORKFLOW.state(row.status).label(locale), due.date() if due else None, row.paid_on,
               row.payee or _("the grantee")]


def header() -> list[str]:
    return [_("Agreement number"), _("Call"), _("Project"), _("Organisation"), _("Kind"), _("Month"), _("Amount"),
            _("State"), _("Due"), _("Day paid"), _("Paid to")]


@bp.route("/")
@require(Permission.PAYMENT_ANY_READ)
def index():
    filters = Filters.from_args(request.args)
    locale = str(get_locale())
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "finance/payments_across.html", filters=filters, args=args, locale=locale,
        saved=saved_filters.bar(bp, LIST_NAME, "all_payments.index", args),
        state_labels={state.name: state.label(locale) for state in WORKFLOW.states},
        kinds={name: str(label) for name, label in PAYMENT_KINDS.items()},
        sort_labels={"due": _("Due"), "paid": _("Day paid"), "amount": _("Amount"), "organisation": _("Organisation")},
        **scope_choices(locale),
        **paged(filters.query(), request.args.get("page", type=page_number) or 1, PAGE_SIZE, sum_of="amount"))


@bp.route("/payments.csv")
@require(Permission.PAYMENT_ANY_READ)
def export_csv():
    return csv_response(export_rows(Filters.from_args(request.args).query()), "payments.csv", header())


@bp.route("/payments.xlsx")
@require(Permission.PAYMENT_ANY_READ)
def export_xlsx():
    return xlsx_response(export_rows(Filters.from_args(request.args).query()), "payments.xlsx", header(),
                         _("Payments"))


saved_filters.add_routes(bp, LIST_NAME, FILTER_KEYS, "all_payments.index", Permission.PAYMENT_ANY_READ)
