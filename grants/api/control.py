"""Usage controls and recovery cases, as their web pages show them: staff who read applications (auditors, program
and finance officers) read every one, as on /controls/ and /recoveries/; the grantee's people read their own
grant's controls with the findings and recommendations, and their own recovery cases with what is owed; anyone
else gets 404. What a case owes today is the web list's figure (interest from the dated rate table); amounts are
decimal strings. Their transitions are fired through the transitions endpoint, with the web's roles and guards."""
from __future__ import annotations

from collections import defaultdict

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import false, select

from grants.access import Permission, get_or_404, has_permission
from grants.api.core import QUERY, READ, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import amount
from grants.api.transitions import register_object
from grants.applications.models import Application
from grants.auth.models import Membership
from grants.control import controls as control_ops
from grants.control import recovery
from grants.control.control_views import can_read_control
from grants.control.models import Control, RecoveryCase, RecoveryRepayment
from grants.control.permissions import can_read_recovery
from grants.extensions import db
from grants.types import LARGEST_ID, utcnow
from workflows import WORKFLOWS

ROW_ID = "int(max=2147483647)"  # their id columns are 32-bit integers: a larger id is no row (404)


def _visible():
    """What the caller may read, as a condition on the grant: every grant for staff who read applications (None),
    else the grants of the caller's organisations."""
    if has_permission(current_user, Permission.APPLICATION_ANY_READ):
        return None
    if not current_user.memberships:
        return false()
    return Application.organisation_id.in_(select(Membership.organisation_id)
                                           .where(Membership.user_id == current_user.id))


def _listed(model, args: dict) -> dict:
    query = select(model).join(Application, Application.id == model.application_id)
    condition = _visible()
    if condition is not None:
        query = query.where(condition)
    columns = {"status": model.status, "application_id": model.application_id, "call_id": Application.call_id}
    for key, column in columns.items():
        if args.get(key) is not None:
            query = query.where(column == args[key])
    return paged(query, model.id, args)


# --- controls ------------------------------------------------------------------------------------------------

class ControlSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "The state in the control workflow."})
    cancelled_at = fields.DateTime(allow_none=True, metadata={"description": "Called off before it began."})
    planned_on = fields.Date(allow_none=True)
    scope = fields.String(allow_none=True)
    checklist = fields.Dict(keys=fields.String(), values=fields.Boolean(), required=True)
    findings_count = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class FindingSchema(Schema):
    id = fields.Integer(required=True)
    text = fields.String(required=True)
    recommendation = fields.String(required=True)
    deadline = fields.Date(required=True)
    answer = fields.String(allow_none=True, metadata={"description": "The grantee's answer."})


class ControlDetailSchema(ControlSchema):
    findings = fields.List(fields.Nested(FindingSchema), required=True)


ControlPage = page_schema(ControlSchema, "ControlPage")
CONTROL_COLUMNS = ("id", "application_id", "status", "cancelled_at", "planned_on", "scope", "checklist",
                   "findings_count", "version")


class ControlArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(WORKFLOWS["control"].state_names))
    application_id = fields.Integer(validate=validate.Range(1, LARGEST_ID))
    call_id = fields.Integer(validate=validate.Range(1, LARGEST_ID))


@bp.get("/controls")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(ControlArgs, **QUERY)
@bp.response(200, ControlPage)
@bp.doc(tags=["Controls"], summary="Usage controls the caller may read", security=[{"token": []}])
def list_controls(args):
    return _listed(Control, args)


@bp.get(f"/controls/<{ROW_ID}:control_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, ControlDetailSchema)
@bp.doc(tags=["Controls"], summary="A control with its findings, recommendations and the grantee's answers",
        security=[{"token": []}])
def get_control(control_id: int):
    control = get_or_404(Control, control_id, can_read_control)
    return {name: getattr(control, name) for name in CONTROL_COLUMNS} | {"findings": control_ops.findings(control)}


# --- recovery cases ------------------------------------------------------------------------------------------

class RecoverySchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "The state in the recovery workflow."})
    principal = amount(required=True)
    repaid = amount(required=True)
    owed_today = amount(required=True)  # the principal not repaid and the interest, today
    legal_basis = fields.String(allow_none=True, metadata={"description": "art207 (EU funds), art252 (budget)."})
    interest_kind = fields.String(required=True, metadata={"description": "misuse or undue."})
    interest_from = fields.Date(allow_none=True)
    transferred_on = fields.Date(allow_none=True)
    served_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class RepaymentSchema(Schema):
    paid_on = fields.Date(required=True)
    amount = amount(required=True)


class RecoveryDetailSchema(RecoverySchema):
    facts = fields.String(allow_none=True, metadata={"description": "What was found, as the notice quotes it."})
    repayments = fields.List(fields.Nested(RepaymentSchema), required=True)


RecoveryPage = page_schema(RecoverySchema, "RecoveryPage")
RECOVERY_COLUMNS = ("id", "application_id", "status", "principal", "repaid", "legal_basis", "interest_kind",
                    "interest_from", "transferred_on", "served_on", "due_on", "version")
OWED = ("`owed_today` is what the case owes today, as the web's list of cases computes it: the principal not "
        "repaid and the interest at the tax-arrears rate from the dated table (at least the principal not repaid "
        "while no rate is in force). Amounts are decimal strings.")


class RecoveryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(WORKFLOWS["recovery"].state_names))
    application_id = fields.Integer(validate=validate.Range(1, LARGEST_ID))
    call_id = fields.Integer(validate=validate.Range(1, LARGEST_ID))


def _recovery_row(case: RecoveryCase, owed) -> dict:
    return {name: getattr(case, name) for name in RECOVERY_COLUMNS} | {"owed_today": owed}


def _repayments(case_ids: list[int]) -> dict[int, list[RecoveryRepayment]]:
    paid: dict[int, list[RecoveryRepayment]] = defaultdict(list)
    if case_ids:
        for row in db.session.scalars(select(RecoveryRepayment).where(RecoveryRepayment.case_id.in_(case_ids))
                                      .order_by(RecoveryRepayment.paid_on, RecoveryRepayment.id)):
            paid[row.case_id].append(row)
    return paid


def _owed(cases: list[RecoveryCase], paid: dict[int, list[RecoveryRepayment]]) -> list[dict]:
    """Each case with what it owes today, the rates and the day read once for the page (as the web's list)."""
    now = utcnow()
    today, periods = recovery.local_today(now), recovery.rate_periods()
    return [_recovery_row(case, recovery.outstanding(case, now, today=today, periods=periods,
                                                     paid_rows=paid[case.id])) for case in cases]


@bp.get("/recoveries")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(RecoveryArgs, **QUERY)
@bp.response(200, RecoveryPage)
@bp.doc(tags=["Recoveries"], summary="Recovery cases the caller may read, with what each owes today",
        description=OWED, security=[{"token": []}])
def list_recoveries(args):
    page = _listed(RecoveryCase, args)
    page["items"] = _owed(page["items"], _repayments([case.id for case in page["items"]]))
    return page


@bp.get(f"/recoveries/<{ROW_ID}:case_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, RecoveryDetailSchema)
@bp.doc(tags=["Recoveries"], summary="A recovery case with its repayments and what it owes today",
        description=OWED, security=[{"token": []}])
def get_recovery(case_id: int):
    case = get_or_404(RecoveryCase, case_id, can_read_recovery)
    paid = _repayments([case.id])
    return _owed([case], paid)[0] | {"facts": case.facts, "repayments": paid[case.id]}


register_object("controls", Control, can_read_control)


def _served(trigger: str, data: dict) -> dict:
    """`notify` takes the day the notice was served, as the case page's form gives it."""
    return {"served_on": data.get("served_on")} if trigger == "notify" else {}


register_object("recoveries", RecoveryCase, can_read_recovery, takes=_served)
