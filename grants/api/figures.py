"""The dashboard's figures for staff who read applications (grants/dashboards/figures.py), for the programme or one
call and a period: the same numbers as the web's dashboard, amounts as decimal strings."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from marshmallow import Schema, fields, post_load, validate

from grants.access import Permission
from grants.api.core import QUERY, READ, access, answers, bp
from grants.api.schemas import AMOUNT
from grants.calls.permissions import can_read_applications_of, get_call_or_404
from grants.dashboards.figures import DAY_BUCKETS, PS_GROUPS, Dashboard, Scope, dashboard
from grants.types import LARGEST_ID
from workflows import WORKFLOWS

MEASURES = ("awarded", "committed", "paid", "recovered")
DAYS = validate.Range(date(2000, 1, 1), date(2100, 12, 31))
RATIO = {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d+)?$"}


def _money(description: str) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2, required=True, metadata={**AMOUNT, "description": description})


class IndicatorArgs(Schema):
    call_id = fields.Integer(validate=validate.Range(1, LARGEST_ID), metadata={"description": "Only this call's."})
    start = fields.Date(data_key="from", validate=DAYS, metadata={"description": "From this day (the programme's "
                                                                                "calendar)."})
    end = fields.Date(data_key="to", validate=DAYS, metadata={"description": "Until this day, included."})

    @post_load
    def _in_order(self, data, **_kwargs):
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            data["start"], data["end"] = data["end"], data["start"]  # typed the other way round, as the web takes it
        return data


class IndicatorMoneySchema(Schema):
    awarded = _money("Awarded (the day first selected).")
    committed = _money("Agreements signed.")
    paid = _money("Paid (the day the bank paid).")
    recovered = _money("Repaid in recovery cases.")


class IndicatorMonthSchema(IndicatorMoneySchema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM", "pattern": r"^\d{4}-\d{2}$"})


class IndicatorKindSchema(Schema):
    submitted = fields.Integer(required=True)
    awarded = fields.Integer(required=True)


class IndicatorDaysSchema(Schema):
    up_to_days = fields.Integer(allow_none=True, metadata={
        "description": "Decided within this many days of the submission (and after the bucket before); "
                       "null: later than the last bucket."})
    applications = fields.Integer(required=True)


class IndicatorJobsSchema(Schema):
    group = fields.String(required=True, validate=validate.OneOf(PS_GROUPS), metadata={
        "description": "The enterprise's path to the PS status: an existing PS, a new PS, a converting PES."})
    created_people = fields.Integer(required=True)
    maintained_people = fields.Integer(required=True)
    created_fte = fields.Decimal(as_string=True, places=2, required=True, metadata=RATIO)
    maintained_fte = fields.Decimal(as_string=True, places=2, required=True, metadata=RATIO)


class LabelSchema(Schema):
    pl = fields.String(required=True)
    en = fields.String(required=True)


QUESTION = {"description": "The question's id in the call's report form."}
KIND = validate.OneOf(("count", "hours"))


class ReportTotalSchema(Schema):
    question = fields.String(required=True, metadata=QUESTION)
    label = fields.Nested(LabelSchema, required=True)
    kind = fields.String(required=True, validate=KIND)
    total = fields.Decimal(as_string=True, required=True, metadata=RATIO)
    reports = fields.Integer(required=True, metadata={"description": "Accepted reports that answered it."})


class ReportCellSchema(Schema):
    label = fields.Nested(LabelSchema, required=True, metadata={"description": "The column's."})
    kind = fields.String(required=True, validate=KIND)
    total = fields.Decimal(as_string=True, required=True, metadata=RATIO)


class ReportRowSchema(Schema):
    row = fields.String(required=True, metadata={"description": "The row's id in the question."})
    label = fields.Nested(LabelSchema, required=True)
    cells = fields.List(fields.Nested(ReportCellSchema), required=True, metadata={"description": "By column."})


class ReportTableSchema(Schema):
    question = fields.String(required=True, metadata=QUESTION)
    label = fields.Nested(LabelSchema, required=True)
    rows = fields.List(fields.Nested(ReportRowSchema), required=True)


class IndicatorsSchema(Schema):
    call_id = fields.Integer(allow_none=True)
    start = fields.Date(data_key="from", allow_none=True)
    end = fields.Date(data_key="to", allow_none=True)
    budget = _money("The budget of the calls.")
    submitted = fields.Integer(required=True, metadata={"description": "Applications submitted in the period."})
    decided = fields.Integer(required=True)
    awarded = fields.Integer(required=True)
    success_rate = fields.Decimal(as_string=True, allow_none=True, metadata={
        **RATIO, "description": "The share of decided applications that were awarded, in %."})
    mean_days_to_decision = fields.Decimal(as_string=True, allow_none=True, metadata=RATIO)
    days_to_decision = fields.List(fields.Nested(IndicatorDaysSchema), required=True)
    applications_by_state = fields.Dict(keys=fields.String(validate=validate.OneOf(
        WORKFLOWS["application"].state_names)), values=fields.Integer(), required=True)
    applications_by_kind = fields.Dict(keys=fields.String(), values=fields.Nested(IndicatorKindSchema), required=True,
                                       metadata={"description": "By the applicant's kind on the day it submitted."})
    money = fields.Nested(IndicatorMoneySchema, required=True, metadata={"description": "Totals over the period."})
    money_by_month = fields.List(fields.Nested(IndicatorMonthSchema), required=True, metadata={
        "description": "Each month from the first with any money to the last, gaps included (not running totals)."})
    jobs = fields.List(fields.Nested(IndicatorJobsSchema), required=True, metadata={
        "description": "Created in the period (a replacement is not a new job) and maintained at its end."})
    report_totals = fields.List(fields.Nested(ReportTotalSchema), required=True, metadata={
        "description": "Each count and hours question of the accepted reports whose period ends in the dates."})
    report_tables = fields.List(fields.Nested(ReportTableSchema), required=True, metadata={
        "description": "Each table question of those reports (advice by kind, participants by demographic …), "
                       "its cells added up."})
    overdue_reports = fields.Integer(required=True, metadata={"description": "Now, whatever the period."})
    payments_on_hold = fields.Integer(required=True, metadata={"description": "Now, whatever the period."})
    amount_on_hold = _money("Now, whatever the period.")


def _label(label) -> dict:
    return label if isinstance(label, dict) else {"pl": str(label), "en": str(label)}


def _report_figures(figures) -> tuple[list[dict], list[dict]]:
    """The accepted reports' questions: totals of count and hours questions, and table questions row by row."""
    totals = [{"question": f.question, "label": _label(f.label), "kind": f.kind, "total": f.total,
               "reports": f.reports} for f in figures if f.row is None]
    tables: dict[str, dict] = {}
    for f in figures:
        if f.row is not None:
            table = tables.setdefault(f.question, {"question": f.question, "label": _label(f.label), "rows": {}})
            row = table["rows"].setdefault(f.row, {"row": str(f.row), "label": _label(f.row_label), "cells": []})
            row["cells"].append({"label": _label(f.column_label), "kind": "hours" if f.kind == "hours" else "count",
                                 "total": f.total})  # a table's cells are read as hours or counts
    return totals, [{**table, "rows": list(table["rows"].values())} for table in tables.values()]


def _figures(d: Dashboard) -> dict:
    """The dashboard as the API's document."""
    totals = d.totals()
    report_totals, report_tables = _report_figures(d.report_figures)
    return {
        "call_id": d.scope.call_id, "start": d.scope.start, "end": d.scope.end, "budget": d.budget,
        "submitted": d.submitted, "decided": d.decided, "awarded": d.awarded, "success_rate": d.success_rate,
        "mean_days_to_decision": d.mean_days,
        "days_to_decision": [{"up_to_days": limit, "applications": n}
                             for limit, n in zip((*DAY_BUCKETS, None), d.day_buckets)],
        "applications_by_state": d.by_state, "applications_by_kind": d.by_kind,
        "money": {measure: totals.get(measure, Decimal(0)) for measure in MEASURES},
        "money_by_month": [{"month": month, **{m: d.money.get(m, {}).get(month, Decimal(0)) for m in MEASURES}}
                           for month in d.months()],
        "jobs": [{"group": group, **{f"{measure}_{unit}": d.jobs[measure][group][unit]
                                     for measure in ("created", "maintained") for unit in ("people", "fte")}}
                 for group in PS_GROUPS],
        "report_totals": report_totals, "report_tables": report_tables,
        "overdue_reports": d.overdue_reports, "payments_on_hold": d.on_hold[0], "amount_on_hold": d.on_hold[1],
    }


@bp.get("/indicators")
@access(READ, Permission.APPLICATION_ANY_READ)
@answers(404)
@bp.etag
@bp.arguments(IndicatorArgs, **QUERY)
@bp.response(200, IndicatorsSchema)
@bp.doc(tags=["Indicators"], summary="The dashboard's figures, for the programme or a call and a period",
        security=[{"token": []}])
def indicators(args):
    if args.get("call_id") is not None:
        get_call_or_404(args["call_id"], can_read_applications_of)
    return _figures(dashboard(Scope(args.get("call_id"), args.get("start"), args.get("end"))))
