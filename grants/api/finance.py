"""Agreements and payments, read exactly where the web shows them, and payments' transitions.

- An agreement: to the grantee organisation's people (any role) and to program officers, finance officers and
  auditors, from the selection on (the agreement page, grants/finance/agreement_views.py); its bank account only
  in the agreement itself, as on that page (the web's lists do not show it).
- A payment: to finance officers and auditors, every one (the list of every call's payments); to whoever opens a
  grant's agreement page, that grant's payments (its payment schedule).
- Firing a payment's transition: finance officers only (whoever else reads the payment gets 403), with the
  engine's rules unchanged (the approver is never the preparer) and, for approving, a fresh code from a person who
  uses a second factor, as in the web.
"""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from grants.access import Permission, get_or_404
from grants.api.core import QUERY, READ, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import amount
from grants.api.transitions import register_object
from grants.applications.models import Application
from grants.finance.agreements import PAYMENT_KINDS, SCHEDULE_LABELS
from grants.finance.models import Agreement, Payment
from grants.finance.permissions import (
    agreement_applications,
    can_view_payment,
    shows_agreement,
    viewable_payments,
)
from grants.types import LARGEST_ID
from workflows import WORKFLOWS

ID = validate.Range(1, LARGEST_ID)  # what an id column holds: a larger one is 422, not a database error
PAYMENT_WORKFLOW = WORKFLOWS["payment"]


class AgreementSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    application_id = fields.Integer(required=True)
    award = amount(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    signed_at = fields.DateTime(allow_none=True, metadata={"description": "null: not signed yet."})
    schedule_model = fields.String(required=True, validate=validate.OneOf(list(SCHEDULE_LABELS)))


class AgreementDetailSchema(AgreementSchema):
    bank_account = fields.String(required=True, metadata={"description": "The grantee's account (IBAN)."})


class PaymentSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(PAYMENT_KINDS)))
    period = fields.Integer(allow_none=True, metadata={"description": "The month (1, 2, …) of a monthly "
                                                                      "instalment."})
    amount = amount(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PAYMENT_WORKFLOW.state_names),
                           metadata={"description": "The state in the payment workflow."})
    due_at = fields.DateTime(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    payee = fields.String(allow_none=True, metadata={"description": "null: the grantee; else e.g. the supplier."})
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class AgreementArgs(PageArgs):
    call_id = fields.Integer(validate=ID, metadata={"description": "Only this call's."})
    application_id = fields.Integer(validate=ID, metadata={"description": "Only this application's."})


class PaymentArgs(AgreementArgs):
    status = fields.String(validate=validate.OneOf(PAYMENT_WORKFLOW.state_names),
                           metadata={"description": "Only in it."})


AgreementPage = page_schema(AgreementSchema, "AgreementPage")
PaymentPage = page_schema(PaymentSchema, "PaymentPage")


def _narrowed(query, args: dict, *columns):
    for key, column in zip(("call_id", "application_id", "status"), columns):
        if args.get(key) is not None:
            query = query.where(column == args[key])
    return query


@bp.get("/agreements")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(AgreementArgs, **QUERY)
@bp.response(200, AgreementPage)
@bp.doc(tags=["Agreements"], summary="Agreements the caller may read", security=[{"token": []}])
def list_agreements(args):
    query = (select(Agreement).join(Application, Application.id == Agreement.application_id)
             .where(agreement_applications(current_user)))
    return paged(_narrowed(query, args, Application.call_id, Application.id), Agreement.id, args)


@bp.get("/agreements/<int:agreement_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, AgreementDetailSchema)
@bp.doc(tags=["Agreements"], summary="An agreement", security=[{"token": []}])
def get_agreement(agreement_id: int):
    return get_or_404(Agreement, agreement_id, lambda user, agreement: shows_agreement(user, agreement.application))


@bp.get("/payments")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(PaymentArgs, **QUERY)
@bp.response(200, PaymentPage)
@bp.doc(tags=["Payments"], summary="Payments the caller may read", description=(
    "Finance officers and auditors read every payment; the grantee's people and program officers read the "
    "payments of the grants whose agreement they read (its payment schedule)."), security=[{"token": []}])
def list_payments(args):
    query = (select(Payment).join(Application, Application.id == Payment.application_id)
             .where(viewable_payments(current_user)))
    return paged(_narrowed(query, args, Application.call_id, Payment.application_id, Payment.status), Payment.id,
                 args)


@bp.get("/payments/<int:payment_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, PaymentSchema)
@bp.doc(tags=["Payments"], summary="A payment", security=[{"token": []}])
def get_payment(payment_id: int):
    return get_or_404(Payment, payment_id, can_view_payment)


register_object("payments", Payment, can_view_payment, step_up=("approve",))
