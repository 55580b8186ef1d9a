"""What applicants and officers do to applications: drafts, attachments, submission, corrections.

Each function takes the acting user, checks what only it can check, and flushes; the request commits.
What a transition itself changes (a frozen version, the receipt, the correction's items) is declared
once in `workflow.py` and runs inside `fire()`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from grants.applications.models import Application, ApplicationVersion, Attachment
from grants.applications.queries import (
    answer_item,
    attachment_item,
    budget_totals,
    editable_items,
    formal_checklist,
    last_version,
)
from grants.auth.models import Organisation, User
from grants.calls.models import Call, CallStatus
from grants.engine.core import CHANGED_MEANWHILE, StaleObject, fire
from grants.errors import Refusal
from grants.extensions import db
from grants.services import audit, uploads
from grants.types import utcnow


class ApplicationError(Refusal):
    """A user's request about an application that cannot be done; the message says why."""


def start_application(call: Call, organisation: Organisation, actor: User, title: str) -> Application:
    """Open a draft for a published call that has not closed yet."""
    if call.status != CallStatus.PUBLISHED or call.closes_at <= utcnow():
        raise ApplicationError(_l("This call is not accepting applications."))
    application = Application(call=call, organisation=organisation, title=title, created_by_id=actor.id,
                              requested_amount=Decimal("0"), answers={})
    db.session.add(application)
    db.session.flush()
    audit.record("applications:application:created", actor=actor, obj=application,
                 data={"call_id": call.id, "organisation_id": organisation.id})
    return application


def save_answers(application: Application, actor: User, answers: dict[str, Any], *, title: str | None = None,
                 requested_amount: Decimal | None = None) -> list[str]:
    """Save a draft (or the items a correction opened); returns the ids of the answers that changed."""
    allowed = editable_items(application)
    if allowed is not None and not allowed:
        raise ApplicationError(_l("This application cannot be edited now."))
    current = dict(application.answers or {})
    changed = []
    for question_id, value in answers.items():
        if allowed is not None and answer_item(question_id) not in allowed:
            continue  # a correction opens only the listed items; the rest stays as submitted
        if current.get(question_id) != value:
            current[question_id] = value
            changed.append(question_id)
    application.answers = current
    budget = [q for q in application.call.form or () if q.get("type") == "budget_table"]
    if budget:
        application.requested_amount = budget_totals(current.get(budget[0]["id"]) or [])["requested"]
    elif requested_amount is not None and allowed is None:
        application.requested_amount = requested_amount
    if title and allowed is None:
        application.title = title
    db.session.flush()
    if changed:
        audit.record("applications:application:saved", actor=actor, obj=application, data={"changed": changed})
    return changed


def add_attachment(application: Application, actor: User, requirement_id: str, stream: BinaryIO,
                   filename: str | None) -> Attachment:
    """Check an upload by its content and size, stream it to storage, record it; nothing is left on failure."""
    requirement = next((r for r in application.call.required_attachments or () if r["id"] == requirement_id), None)
    if requirement is None:
        raise ApplicationError(_l("This call does not ask for such an attachment."))
    allowed = editable_items(application)
    if allowed is not None and attachment_item(requirement_id) not in allowed:
        raise ApplicationError(_l("This attachment cannot be changed now."))
    max_size = int(requirement.get("max_size") or current_app.config["UPLOAD_MAX_SIZE"])
    upload = uploads.store(stream, filename, key_prefix=f"applications/{application.id}",
                           allowed_types=requirement.get("types") or (), max_size=max_size)  # refuses with 422
    with uploads.recorded(upload):
        attachment = Attachment(application=application, requirement_id=requirement_id, uploaded_by_id=actor.id)
        attachment.take(upload)
        db.session.add(attachment)
        db.session.flush()
        audit.record("applications:attachment:uploaded", actor=actor, obj=application,
                     data={"attachment_id": attachment.id, "requirement": requirement_id, "sha256": upload.sha256,
                           "size": upload.size, "type": upload.content_type})
    return attachment


def delete_attachment(attachment: Attachment, actor: User) -> None:
    """Remove an attachment that is not part of a submitted version; its file goes once the row has gone."""
    if attachment.frozen_at is not None:
        raise ApplicationError(_l("A submitted attachment cannot be removed; upload a new one instead."))
    allowed = editable_items(attachment.application)
    if allowed is not None and attachment_item(attachment.requirement_id) not in allowed:
        raise ApplicationError(_l("This attachment cannot be changed now."))
    audit.record("applications:attachment:deleted", actor=actor, obj=attachment.application,
                 data={"attachment_id": attachment.id, "sha256": attachment.sha256})
    uploads.delete_after_commit(attachment.storage_key)
    db.session.delete(attachment)
    db.session.flush()


def submit(application: Application, actor: User, *, expected_version: int | None = None) -> ApplicationVersion:
    """Submit (or resubmit a correction): the engine checks the call is open and the application complete,
    freezes the version and queues the receipt (see workflow.py)."""
    trigger = "resubmit" if application.status == "correction" else "submit"
    fire(application, trigger, actor, expected_version=expected_version)
    return last_version(application)


def request_correction(application: Application, officer: User, items: list[str], reason: str,
                       *, expected_version: int | None = None) -> None:
    """Send the application back for the listed items only; the deadline follows from the call."""
    fire(application, "request_correction", officer, reason, expected_version=expected_version, items=list(items))


def tick_formal_checklist(application: Application, officer: User, ticked: list[str],
                          *, expected_version: int | None = None) -> dict[str, bool]:
    """Record which manual formal-check items the officer has confirmed."""
    if application.status != "formal_check":
        raise ApplicationError(_l("The checklist is filled in during the formal check."))
    if expected_version is not None and application.version != expected_version:
        raise StaleObject(CHANGED_MEANWHILE)
    items = [item_id for item_id, _label in formal_checklist(application.call)]
    checklist = {item_id: item_id in ticked for item_id in items}
    if checklist != (application.formal_checklist or {}):
        application.formal_checklist = checklist
        db.session.flush()
        audit.record("applications:formal_check:ticked", actor=officer, obj=application, data={"checklist": checklist})
    return checklist
