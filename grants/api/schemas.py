"""What the API's JSON looks like, as marshmallow schemas; the OpenAPI document is made from them."""
from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from grants.types import LARGEST_ID

AMOUNT = {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$",
          "description": "An amount in the call's currency, as a decimal string (never a float)."}


def amount(**kwargs) -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2, metadata=AMOUNT, **kwargs)


def nullable_amount() -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2, allow_none=True, metadata=AMOUNT)  # apispec adds the null


class ProblemSchema(Schema):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type = fields.String(required=True, metadata={"description": "Always about:blank: the status says it all."})
    title = fields.String(required=True, metadata={"description": "What went wrong, in the caller's language."})
    status = fields.Integer(required=True)
    errors = fields.Dict(metadata={"description": "The fields that are not valid, each with what is wrong."})
    unmet = fields.List(fields.String(), metadata={"description": "The conditions of a transition not met."})


class CallSchema(Schema):
    id = fields.Integer(required=True)
    call_type = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    status = fields.String(required=True)
    budget = amount(required=True)
    currency = fields.String(required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    published_at = fields.DateTime(allow_none=True)
    form = fields.List(fields.Dict(), metadata={"description": "The application form's questions."})
    required_attachments = fields.List(fields.Dict())
    criteria = fields.List(fields.Dict(), metadata={"description": "The scoring criteria."})


class ApplicationSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True)
    call_id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "The state in the application workflow."})
    requested_amount = amount(required=True)
    awarded_amount = nullable_amount()
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)
    version = fields.Integer(required=True, metadata={"description": "Send it back to fire a transition."})


class ApplicationDetailSchema(ApplicationSchema):
    answers = fields.Dict(required=True)


class VersionSchema(Schema):
    number = fields.Integer(required=True)
    requested_amount = amount(required=True)
    content_hash = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    answers = fields.Dict(required=True)
    attachments = fields.List(fields.Dict(), required=True)


class StepSchema(Schema):
    state = fields.String(required=True, allow_none=True,
                          metadata={"description": "Staff only: the workflow state (null in an applicant's steps)."})
    label = fields.String(required=True)
    at = fields.DateTime(required=True)
    trigger = fields.String(allow_none=True, metadata={"description": "Staff only: what was fired."})
    reason = fields.String(allow_none=True, metadata={"description": "Staff only: the reason given."})


class NewApplicationSchema(Schema):
    call_id = fields.Integer(required=True, validate=validate.Range(1, LARGEST_ID))
    organisation_id = fields.Integer(required=True, validate=validate.Range(1, LARGEST_ID))
    title = fields.String(required=True, validate=validate.Length(1, 300))


class TransitionSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(1, 2**31),
                             metadata={"description": "The object's version as last read: a change made "
                                                      "meanwhile refuses the transition (409)."})
    reason = fields.String(load_default=None, validate=validate.Length(max=5000))
    code = fields.String(load_default=None, validate=validate.Length(max=12),
                         metadata={"description": "A fresh code from the authenticator app, where the transition "
                                                  "asks for it (approving a payment, for a person who uses one)."})
    served_on = fields.Date(load_default=None, validate=validate.Range(date(2000, 1, 1), date(2100, 12, 31)),
                            metadata={"description": "A recovery's `notify`: the day the notice was served."})
    lost_on = fields.Date(load_default=None, validate=validate.Range(date(2000, 1, 1), date(2100, 12, 31)),
                          metadata={"description": "A job's `report_loss`: the day it was lost (today if left out)."})


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    requirement_id = fields.String(required=True)
    filename = fields.String(attribute="original_name", allow_none=True)
    content_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)


class UploadFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
