"""Calls, as anyone reads them on the public pages (officers also see drafts)."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from grants.api.core import QUERY, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import CallSchema
from grants.calls.models import Call
from grants.calls.permissions import can_manage_call, get_call_or_404

CallPage = page_schema(CallSchema, "CallPage")


@bp.get("/calls")
@access(None)
@bp.etag
@bp.arguments(PageArgs, **QUERY)
@bp.response(200, CallPage)
@bp.doc(tags=["Calls"], summary="Calls (public)")
def list_calls(args):
    query = select(Call)
    if not can_manage_call(current_user, None):
        query = query.where(Call.status != "draft")
    return paged(query, Call.id, args)


@bp.get("/calls/<int:call_id>")
@access(None)
@answers(404)
@bp.etag
@bp.response(200, CallSchema)
@bp.doc(tags=["Calls"], summary="A call (public)")
def get_call(call_id: int):
    return get_call_or_404(call_id)
