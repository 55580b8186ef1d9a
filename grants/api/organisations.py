"""Organisations, as the web's organisation page shows them: a member reads their own (whatever their role in it),
staff who read applications read every one. The group members come by name and leader only, as on that page: no
PESEL and no date of birth, to anyone."""
from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields, pre_dump, validate
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from grants.access import Permission, get_or_404
from grants.api.core import QUERY, READ, PageArgs, access, answers, bp, page_schema, paged
from grants.auth.models import Organisation, OrganisationType
from grants.organisations.kinds import periods
from grants.organisations.permissions import can_view_organisation, viewable_organisations

KINDS = [t.value for t in OrganisationType]


class KindPeriodSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(KINDS))
    first_day = fields.Date(allow_none=True, metadata={"description": "null: from its beginning."})
    last_day = fields.Date(allow_none=True, metadata={"description": "null: until now."})


class GroupMemberSchema(Schema):
    full_name = fields.String(required=True)
    is_leader = fields.Boolean(required=True)


class OrganisationSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(KINDS))
    nip = fields.String(allow_none=True)
    regon = fields.String(allow_none=True)
    krs = fields.String(allow_none=True)
    founded_on = fields.Date(allow_none=True, metadata={"description": "The day it was registered."})
    address = fields.String(allow_none=True)
    kind_history = fields.List(fields.Nested(KindPeriodSchema), required=True, metadata={
        "description": "Its kinds one after another (an informal group registered as a social cooperative); "
                       "empty for one that never changed its kind."})

    @pre_dump
    def _with_history(self, organisation: Organisation, **_kwargs) -> dict:
        shown = {name: getattr(organisation, name) for name in self.fields if name != "kind_history"}
        shown["kind_history"] = [{"type": kind, "first_day": first, "last_day": last}
                                 for kind, first, last in periods(organisation)]
        return shown


class OrganisationDetailSchema(OrganisationSchema):
    group_members = fields.List(fields.Nested(GroupMemberSchema), required=True, metadata={
        "description": "An informal group's members (of a registered one: at its registration), as its page shows "
                       "them."})


class OrganisationArgs(PageArgs):
    type = fields.String(validate=validate.OneOf(KINDS), metadata={"description": "Only of this kind (now)."})


OrganisationPage = page_schema(OrganisationSchema, "OrganisationPage")


@bp.get("/organisations")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(OrganisationArgs, **QUERY)
@bp.response(200, OrganisationPage)
@bp.doc(tags=["Organisations"], summary="Organisations the caller may read", security=[{"token": []}])
def list_organisations(args):
    query = (select(Organisation).where(viewable_organisations(current_user))
             .options(selectinload(Organisation.kind_changes)))
    if args.get("type"):
        query = query.where(Organisation.type == args["type"])
    return paged(query, Organisation.id, args)


@bp.get("/organisations/<int:organisation_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, OrganisationDetailSchema)
@bp.doc(tags=["Organisations"], summary="An organisation", security=[{"token": []}])
def get_organisation(organisation_id: int):
    return get_or_404(Organisation, organisation_id, can_view_organisation)
