"""Applications: the caller's own (members of the applicant organisation) or, for staff who read applications,
every call's (drafts only where the programme lets staff read them), with their submitted versions and timeline;
new drafts, attachments, and any transition the caller may fire, exactly as the web decides."""
from __future__ import annotations

from flask_babel import get_locale
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields, validate
from sqlalchemy import false, select

from grants.access import Permission, get_or_404, has_permission
from grants.api.core import QUERY, READ, WRITE, PageArgs, access, answers, bp, page_schema, paged
from grants.api.schemas import (
    ApplicationDetailSchema,
    ApplicationSchema,
    AttachmentSchema,
    NewApplicationSchema,
    StepSchema,
    UploadFileSchema,
    VersionSchema,
)
from grants.api.transitions import register_object
from grants.applications import operations as ops
from grants.applications import queries
from grants.applications.models import Application
from grants.applications.permissions import can_edit_application, can_view_application, visible_to_staff
from grants.applications.views import public_timeline
from grants.auth.models import Membership, MembershipRole, Organisation
from grants.calls.models import Call
from grants.engine.core import history_of
from grants.extensions import db
from grants.types import LARGEST_ID
from workflows import WORKFLOWS

WORKFLOW = WORKFLOWS["application"]
ApplicationPage = page_schema(ApplicationSchema, "ApplicationPage")


class ApplicationArgs(PageArgs):
    call_id = fields.Integer(validate=validate.Range(1, LARGEST_ID), metadata={"description": "Only this call's."})
    status = fields.String(validate=validate.OneOf(WORKFLOW.state_names), metadata={"description": "Only in it."})
    organisation_id = fields.Integer(validate=validate.Range(1, LARGEST_ID))


def _visible():
    """The applications the caller may read, as a condition: the web's rule for lists."""
    own = Application.organisation_id.in_(select(Membership.organisation_id)
                                          .where(Membership.user_id == current_user.id))
    if has_permission(current_user, Permission.APPLICATION_ANY_READ):
        return own | visible_to_staff()
    return own if current_user.memberships else false()


@bp.get("/applications")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@bp.etag
@bp.arguments(ApplicationArgs, **QUERY)
@bp.response(200, ApplicationPage)
@bp.doc(tags=["Applications"], summary="Applications the caller may read", security=[{"token": []}])
def list_applications(args):
    query = select(Application).where(_visible())
    for key, column in (("call_id", Application.call_id), ("status", Application.status),
                        ("organisation_id", Application.organisation_id)):
        if args.get(key) is not None:
            query = query.where(column == args[key])
    return paged(query, Application.id, args)


def _readable(application_id: int, for_update: bool = False) -> Application:
    return get_or_404(Application, application_id, can_view_application, for_update=for_update)


@bp.get("/applications/<int:application_id>")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, ApplicationDetailSchema)
@bp.doc(tags=["Applications"], summary="An application with its answers", security=[{"token": []}])
def get_application(application_id: int):
    return _readable(application_id)


@bp.get("/applications/<int:application_id>/versions")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, VersionSchema(many=True))
@bp.doc(tags=["Applications"], summary="Its submitted versions, oldest first (frozen)", security=[{"token": []}])
def application_versions(application_id: int):
    return queries.versions(_readable(application_id))


@bp.get("/applications/<int:application_id>/timeline")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, StepSchema(many=True))
@bp.doc(tags=["Applications"], summary="What happened to it: staff see every transition, applicants the public "
                                       "steps", security=[{"token": []}])
def application_timeline(application_id: int):
    application, locale = _readable(application_id), str(get_locale())
    history = history_of(application)
    if has_permission(current_user, Permission.APPLICATION_ANY_READ):
        return [{"state": row.to_state, "label": WORKFLOW.state(row.to_state).label(locale), "at": row.at,
                 "trigger": row.trigger, "reason": row.reason} for row in history]
    return [{"state": None, "label": step["label"](locale), "at": step["at"], "reason": step["reason"]}
            for step in public_timeline(history)]


@bp.post("/applications")
@access(WRITE, Permission.APPLICATION_OWN_MANAGE)
@answers(404)
@bp.arguments(NewApplicationSchema)
@bp.response(201, ApplicationDetailSchema)
@bp.doc(tags=["Applications"], summary="Open a draft for a published call", security=[{"token": []}])
def create_application(data):
    call = db.session.get(Call, data["call_id"])
    organisation = db.session.get(Organisation, data["organisation_id"])
    if call is None or call.status != "published":
        abort(404, message="No such call open to applications.")
    if organisation is None or not any(m.organisation_id == organisation.id and m.role in (
            MembershipRole.OWNER, MembershipRole.EDITOR) for m in current_user.memberships):
        abort(404, message="No such organisation of yours.")
    application = ops.start_application(call, organisation, current_user, data["title"].strip())
    db.session.commit()
    return application


@bp.post("/applications/<int:application_id>/attachments/<requirement_id>")
@access(WRITE, Permission.APPLICATION_OWN_MANAGE)
@answers(404, 409)
@bp.arguments(UploadFileSchema, location="files")
@bp.response(201, AttachmentSchema)
@bp.doc(tags=["Applications"], summary="Upload an attachment the call asks for (one of its required_attachments)",
        description="Checked by its content (type and size) as in the web; a draft's or an opened correction's.",
        security=[{"token": []}])
def upload_attachment(upload, application_id: int, requirement_id: str):
    application = _readable(application_id, for_update=True)
    if not can_edit_application(current_user, application):
        abort(403, message="Only the organisation's owners and editors change its applications.")
    attachment = ops.add_attachment(application, current_user, requirement_id[:40], upload["file"].stream,
                                    upload["file"].filename)
    db.session.commit()
    return attachment


register_object("applications", Application, can_view_application)
