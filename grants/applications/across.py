"""One list of the applications of every call, for officers, finance and auditors: filters (call, call type,
state, applicant type, amount range, submitted between), search, sorting, pages, CSV and XLSX.

The page runs a fixed number of queries whatever the number of applications (a test counts them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, func, or_, select
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from grants import labels
from grants.access import Permission, require
from grants.applications.lists import COLUMNS, WORKFLOW, csv_response, export_rows, xlsx_response
from grants.applications.models import Application, SavedFilter
from grants.applications.permissions import staff_read_drafts, visible_to_staff
from grants.auth.models import Organisation, OrganisationType, Programme
from grants.calls.models import Call
from grants.extensions import db
from grants.forms import BaseForm
from grants.web import page_number, row_id
from workflows.call_types import CALL_TYPES

bp = Blueprint("all_applications", __name__, url_prefix="/applications/all")
PAGE_SIZE = 50
FILTER_KEYS = ("call", "call_type", "state", "org_type", "amount_from", "amount_to", "submitted_from", "submitted_to",
               "q", "sort", "dir")
MAX_SAVED = 50
SORTS = {"submitted": Application.submitted_at, "amount": Application.requested_amount,
         "number": Application.number, "organisation": Organisation.name}
LIST_COLUMNS = (*COLUMNS, Call.title.label("call_title"))


def _day(value: str | None) -> date | None:
    """A day typed or picked; one outside 2000–2100 is taken as no day (no application was submitted then)."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def _amount(value: str | None) -> Decimal | None:
    """An amount typed as people type it: "50 000,00", "50.000,00", "50,000.00", "50000", "100 000 zł"."""
    text = re.sub(r"(?i)\s|\u00a0|\u202f|zł|pln", "", value or "")
    if "," in text and "." in text:  # the later sign is the decimal one
        decimal_sign = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_sign == "," else ",", "").replace(",", ".")
    elif "," in text or "." in text:
        sign = "," if "," in text else "."
        whole, _sep, fraction = text.rpartition(sign)
        text = whole.replace(sign, "") + ("." + fraction if len(fraction) <= 2 else fraction)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < 10**12 else None


@dataclass(frozen=True)
class Filters:
    call: int | None = None
    call_type: str | None = None
    state: str | None = None
    org_type: str | None = None
    amount_from: Decimal | None = None
    amount_to: Decimal | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    q: str = ""
    sort: str = "submitted"
    descending: bool = True

    @classmethod
    def from_args(cls, args) -> Filters:
        def one_of(name, allowed):
            return args.get(name) if args.get(name) in allowed else None

        return cls(call=args.get("call", type=row_id), call_type=one_of("call_type", CALL_TYPES),
                   state=one_of("state", WORKFLOW.state_names),
                   org_type=one_of("org_type", {t.value for t in OrganisationType}),
                   amount_from=_amount(args.get("amount_from")), amount_to=_amount(args.get("amount_to")),
                   submitted_from=_day(args.get("submitted_from")), submitted_to=_day(args.get("submitted_to")),
                   q=(args.get("q") or "").strip()[:200], sort=one_of("sort", SORTS) or "submitted",
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
                (lambda v: Application.submitted_at >= _moment(v, zone), self.submitted_from),
                (lambda v: Application.submitted_at < _moment(v, zone, next_day=True), self.submitted_to),
                (lambda v: or_(Application.matching(v), Organisation.matching(v)), self.q)):
            if value not in (None, ""):
                query = query.where(condition(value))
        column = SORTS[self.sort]
        return query.order_by(column.desc().nulls_last() if self.descending else column.asc().nulls_last(),
                              Application.id.desc())


def _moment(day: date, zone: ZoneInfo, next_day: bool = False) -> datetime:
    """The start of a local day (or of the next one) as UTC: 'submitted between' reads the programme's days."""
    start = datetime.combine(day, time(0), zone)
    if next_day:
        start = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), zone)
    return start.astimezone(timezone.utc)


class SaveFilterForm(BaseForm):
    name = StringField(_l("Name these filters"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(message=_l("Give them a name.")),
                                   Length(max=80, message=_l("At most 80 characters."))])
    query = HiddenField()


def _saved() -> list[SavedFilter]:
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == current_user.id,
                                                             SavedFilter.list_name == "applications")
                                   .order_by(SavedFilter.name)))


def _page(filters: Filters, number: int) -> dict[str, Any]:
    query = filters.query()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(-(-total // PAGE_SIZE), 1)
    number = min(max(number, 1), pages)
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return {"rows": rows, "total": total, "number": number, "pages": pages}


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    filters = Filters.from_args(request.args)
    locale = str(get_locale())
    args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v}
    return render_template(
        "applications/across.html", filters=filters, args=args, workflow=WORKFLOW, locale=locale,
        saved=_saved(), save_form=SaveFilterForm(query=urlencode(args)),
        calls=db.session.execute(select(Call.id, Call.title).order_by(Call.title)).all(),
        call_types={name: kind.label(locale) for name, kind in CALL_TYPES.items()},
        state_labels={state.name: state.label(locale) for state in WORKFLOW.states
                      if state.name != "draft" or staff_read_drafts()},
        sort_labels={"submitted": _("Submitted"), "amount": _("Requested amount"),
                     "number": pgettext("application", "Number"), "organisation": _("Organisation")},
        type_labels={t: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
        type_choices={t.value: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
        **_page(filters, request.args.get("page", type=page_number) or 1))


@bp.route("/applications.csv")
@require(Permission.APPLICATION_ANY_READ)
def export_csv():
    return csv_response(export_rows(Filters.from_args(request.args).query()), "applications.csv")


@bp.route("/applications.xlsx")
@require(Permission.APPLICATION_ANY_READ)
def export_xlsx():
    return xlsx_response(export_rows(Filters.from_args(request.args).query()), "applications.xlsx")


@bp.route("/filters", methods=["POST"])
@require(Permission.APPLICATION_ANY_READ)
def save_filter():
    """Keep the list's filters under a name (the same name again replaces them)."""
    form = SaveFilterForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.name.errors) or _("Give the filters a name."), "danger")
        return redirect(url_for("all_applications.index"), 303)
    query = urlencode({k: v for k, v in parse_qsl(form.query.data or "") if k in FILTER_KEYS and v})
    saved = _saved()
    found = next((f for f in saved if f.name == form.name.data.strip()), None)
    if found is None and len(saved) >= MAX_SAVED:
        flash(_("At most %(n)d saved filters: delete one first.", n=MAX_SAVED), "danger")
        return redirect(url_for("all_applications.index") + ("?" + query if query else ""), 303)
    if found is None:
        found = SavedFilter(user_id=current_user.id, list_name="applications", name=form.name.data.strip())
        db.session.add(found)
    found.query = query
    db.session.commit()
    flash(_("The filters are saved as “%(name)s”.", name=found.name), "success")
    return redirect(url_for("all_applications.index") + ("?" + query if query else ""), 303)


@bp.route("/filters/<int:filter_id>/delete", methods=["POST"])
@require(Permission.APPLICATION_ANY_READ)
def delete_filter(filter_id: int):
    if not BaseForm().validate_on_submit():
        abort(400)
    deleted = db.session.execute(delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                           SavedFilter.user_id == current_user.id)).rowcount
    if not deleted:
        abort(404)
    db.session.commit()
    flash(_("The saved filters are deleted."), "success")
    return redirect(url_for("all_applications.index"), 303)
