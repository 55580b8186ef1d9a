"""The public registry of organisations (no token needed): the web's search and filters over published entries,
and one published entry with only the contact details its owner chose to show and the grants it received. An
unpublished entry is not there, whoever asks (the owner previews it in the web)."""
from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, pre_dump, validate

from grants.api.core import QUERY, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import nullable_amount
from grants.auth.models import OrganisationType
from grants.extensions import db
from grants.registry import entries
from grants.registry.models import SE_STATUSES, VOIVODESHIPS, RegistryEntry

KINDS = [t.value for t in OrganisationType]
SHOWN = ("products", "services", "industry", "town", "county", "voivodeship", "se_status")
CONTACT = ("address", "email", "phone", "website")  # each only if its owner chose to show it


class RegistryEntrySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    se_status = fields.String(required=True, validate=validate.OneOf(SE_STATUSES),
                              metadata={"description": "ps: a social enterprise; pes: a social-economy entity."})
    products = fields.String(allow_none=True)
    services = fields.String(allow_none=True)
    industry = fields.String(allow_none=True, validate=validate.OneOf(list(entries.INDUSTRIES)))
    town = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    voivodeship = fields.String(allow_none=True, validate=validate.OneOf(VOIVODESHIPS))

    @pre_dump
    def _public(self, entry: RegistryEntry, **_kwargs) -> dict:
        return {"id": entry.id, "name": entry.organisation.name, "kind": entry.organisation.type,
                **{name: getattr(entry, name) for name in SHOWN}, **self._more(entry)}

    def _more(self, entry: RegistryEntry) -> dict:
        """What the entry's own page adds to the list's."""
        return {}


class GrantReceivedSchema(Schema):
    project = fields.String(required=True)
    call = fields.String(required=True)
    number = fields.String(allow_none=True)
    amount = nullable_amount()


class RegistryEntryDetailSchema(RegistryEntrySchema):
    krs = fields.String(allow_none=True)
    address = fields.String(allow_none=True, metadata={"description": "Only if its owner chose to show it."})
    email = fields.String(allow_none=True, metadata={"description": "Only if its owner chose to show it."})
    phone = fields.String(allow_none=True, metadata={"description": "Only if its owner chose to show it."})
    website = fields.String(allow_none=True, metadata={"description": "Only if its owner chose to show it."})
    grants = fields.List(fields.Nested(GrantReceivedSchema), required=True,
                         metadata={"description": "The grants it received from this programme (agreement signed)."})

    def _more(self, entry: RegistryEntry) -> dict:
        contact = entries.shown_contact(entry)
        return {"krs": entry.organisation.krs, **{name: contact.get(name) for name in CONTACT},
                "grants": [{"project": project, "call": call, "number": number, "amount": awarded}
                           for project, call, number, awarded in entries.grants_of(entry.organisation)]}


class RegistryArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "Words of the name, products, services or town (case and accents "
                                               "ignored)."})
    kind = fields.String(validate=validate.OneOf(KINDS))
    voivodeship = fields.String(validate=validate.OneOf(VOIVODESHIPS))
    industry = fields.String(validate=validate.OneOf(list(entries.INDUSTRIES)))
    status = fields.String(validate=validate.OneOf(SE_STATUSES), metadata={"description": "The social-economy "
                                                                                          "status."})


RegistryPage = page_schema(RegistryEntrySchema, "RegistryPage")


@bp.get("/registry")
@access(None)
@bp.etag
@bp.arguments(RegistryArgs, **QUERY)
@bp.response(200, RegistryPage)
@bp.doc(tags=["Registry"], summary="Published organisations of the registry (public)")
def list_registry(args):
    query = entries.found(entries.Filters.from_args(args))
    if query is None:  # a search of symbols alone
        return {"items": [], "next_cursor": None}
    return paged(query, RegistryEntry.id, args)


@bp.get("/registry/<int:entry_id>")
@access(None)
@answers(404)
@bp.etag
@bp.response(200, RegistryEntryDetailSchema)
@bp.doc(tags=["Registry"], summary="A published organisation of the registry (public)")
def get_registry_entry(entry_id: int):
    entry = db.session.get(RegistryEntry, entry_id) if entry_id <= entries.MAX_ID else None
    if entry is None or not entry.published:
        abort(404)
    return entry
