"""The staff's dashboards: the programme's and each call's, for a period, with charts drawn on the server and every
chart's data as a table, CSV and XLSX."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from grants.access import Permission, public, require
from grants.calls.models import Call
from grants.calls.permissions import can_read_applications_of, get_call_or_404
from grants.dashboards import cache, charts
from grants.dashboards.figures import Scope, dashboard
from grants.dashboards.tables import draw, tables
from grants.exports import csv_response, xlsx_response
from grants.extensions import db
from grants.types import utcnow
from grants.web import row_id

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


def _day(name: str) -> date | None:
    """A day typed or picked; one outside 2000–2100 is taken as no day."""
    try:
        day = date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def _scope(call_id: int | None) -> Scope:
    start, end = _day("from"), _day("to")
    if start and end and start > end:
        start, end = end, start  # typed the other way round
    return Scope(call_id, start, end)


def _drawn(scope: Scope, locale: str, currency: str) -> tuple:
    """The figures, their tables and their charts, and when they were taken (kept a short while: cache.py)."""
    def compute():
        figures = dashboard(scope)
        found = tables(figures, locale)
        return figures, found, {key: draw(table, currency) for key, table in found.items()}, utcnow()

    return cache.kept(("dashboard", scope, locale, currency), compute)


def _page(call: Call | None):
    scope = _scope(call.id if call else None)
    currency = call.currency if call else "PLN"
    figures, found, drawn, taken_at = _drawn(scope, str(get_locale()), currency)
    period = {k: v.isoformat() for k, v in (("from", scope.start), ("to", scope.end)) if v}
    args = {"call": scope.call_id, **period} if scope.call_id else period
    return render_template(
        "dashboards/index.html", call=call, scope=scope, d=figures, tables=found, args=args, period=period,
        currency=currency, charts=drawn, taken_at=taken_at,
        calls=db.session.execute(select(Call.id, Call.title).order_by(Call.title)).all())


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def programme():
    call_id = request.args.get("call", type=row_id)
    if call_id:  # the filter's call choice: that call's own page
        return redirect(url_for("dashboards.call", call_id=call_id, **{
            k: v for k, v in request.args.items() if k in ("from", "to") and v}), 303)
    return _page(None)


@bp.route("/calls/<int:call_id>")
@require(Permission.APPLICATION_ANY_READ)
def call(call_id: int):
    return _page(get_call_or_404(call_id, can_read_applications_of))


@bp.route("/data/<key>.<any(csv, xlsx):extension>")
@require(Permission.APPLICATION_ANY_READ)
def download(key: str, extension: str) -> Response:
    call_id = request.args.get("call", type=row_id)
    if call_id:
        get_call_or_404(call_id, can_read_applications_of)
    table = tables(dashboard(_scope(call_id)), str(get_locale())).get(key) or abort(404)
    filename = f"{key}{'-call-%d' % call_id if call_id else ''}.{extension}"
    if extension == "csv":
        return csv_response(table.rows, filename, table.header)
    return xlsx_response(table.rows, filename, table.header, table.title)


@bp.route("/charts.css")
@public  # the public registry's figures draw charts too
def stylesheet() -> Response:
    response = Response(charts.stylesheet(), mimetype="text/css")
    response.cache_control.max_age = 3600
    response.cache_control.private = True
    return response
