"""What applicants and officers do to applications: drafts, attachments, submission, corrections."""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from grants.applications import uploads
from grants.applications.models import Application, ApplicationVersion, Attachment
from grants.auth.models import Organisation, User
from grants.calls.models import Call, CallStatus
from grants.engine.core import fire
from grants.extensions import db
from grants.services import audit
from grants.services.mail import queue_mail
from grants.services.storage import StorageError, get_storage
from grants.types import utcnow

EDITABLE = ("draft", "correction")
DELETE_AFTER_COMMIT = "pomost_delete_after_commit"


class ApplicationError(Exception):
    """A user's request that cannot be done; the message says why, in the user's language."""


def answer_item(question_id: str) -> str:
    return f"answer:{question_id}"


def attachment_item(requirement_id: str) -> str:
    return f"attachment:{requirement_id}"


def editable_items(application: Application) -> set[str] | None:
    """None: everything may change (a draft); a set: only these items (a correction); empty: nothing."""
    if application.status == "draft":
        return None
    if application.status == "correction":
        return set(application.correction_items or ())
    return set()


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


def budget_totals(lines: list[dict]) -> dict[str, Decimal]:
    """Totals of budget lines: cost, own contribution, requested (cost − own) and own share in percent."""
    cost = sum((Decimal(str(line.get("cost") or 0)) for line in lines), Decimal("0"))
    own = sum((Decimal(str(line.get("own") or 0)) for line in lines), Decimal("0"))
    share = (own * 100 / cost).quantize(Decimal("0.01")) if cost else Decimal("0")
    return {"cost": cost, "own": own, "requested": cost - own, "own_share": share}


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
    try:
        upload = uploads.store(stream, filename, key_prefix=f"applications/{application.id}",
                               allowed_types=requirement.get("types") or (), max_size=max_size)
    except uploads.UploadRejected as rejected:
        raise ApplicationError(str(rejected)) from rejected
    with uploads.recorded(upload):
        attachment = Attachment(application=application, requirement_id=requirement_id, storage_key=upload.key,
                                original_name=upload.name, content_type=upload.content_type, size=upload.size,
                                sha256=upload.sha256, uploaded_by_id=actor.id)
        db.session.add(attachment)
        db.session.flush()
        audit.record("applications:attachment:uploaded", actor=actor, obj=application,
                     data={"attachment_id": attachment.id, "requirement": requirement_id, "sha256": upload.sha256,
                           "size": upload.size, "type": upload.content_type})
    return attachment


def delete_attachment(attachment: Attachment, actor: User) -> None:
    """Remove an attachment that is not part of a submitted version."""
    if attachment.frozen_at is not None:
        raise ApplicationError(_l("A submitted attachment cannot be removed; upload a new one instead."))
    allowed = editable_items(attachment.application)
    if allowed is not None and attachment_item(attachment.requirement_id) not in allowed:
        raise ApplicationError(_l("This attachment cannot be changed now."))
    key = attachment.storage_key
    audit.record("applications:attachment:deleted", actor=actor, obj=attachment.application,
                 data={"attachment_id": attachment.id, "sha256": attachment.sha256})
    db.session.delete(attachment)
    db.session.flush()
    # The row goes with the transaction; the object after it commits (see views), so a failed commit
    # never leaves a row without its object.
    db.session.info.setdefault(DELETE_AFTER_COMMIT, []).append(key)


@event.listens_for(Session, "after_commit")
def _delete_objects_of_deleted_rows(session) -> None:
    keys = session.info.pop(DELETE_AFTER_COMMIT, [])
    for key in keys:
        try:
            get_storage().delete(key)
        except StorageError as error:  # an orphan object is harmless; a missing one would not be
            current_app.logger.warning("could not delete stored object %s: %s", key, error)


@event.listens_for(Session, "after_rollback")
def _keep_objects_of_kept_rows(session) -> None:
    session.info.pop(DELETE_AFTER_COMMIT, None)


def current_attachments(application: Application, latest_version: ApplicationVersion | None = None, *,
                        versions_read: bool = False) -> list[Attachment]:
    """The attachments that make up the application now: for each requirement, the latest uploads that are
    either frozen in the last version or added since (a correction's new file replaces the old one).

    versions_read: the caller has read the versions and latest_version is the last (None: there is none)."""
    rows = db.session.scalars(select(Attachment).where(Attachment.application_id == application.id)
                              .order_by(Attachment.id)).all()
    if not versions_read:
        latest_version = latest_version or last_version(application)
    frozen_ids = {a["id"] for a in latest_version.attachments} if latest_version else set()
    by_requirement: dict[str, list[Attachment]] = {}
    for row in rows:
        by_requirement.setdefault(row.requirement_id, []).append(row)
    result = []
    for requirement_rows in by_requirement.values():
        fresh = [r for r in requirement_rows if r.frozen_at is None]
        result += fresh if fresh else [r for r in requirement_rows if r.id in frozen_ids]
    return sorted(result, key=lambda a: a.id)


def missing_attachments(application: Application, attachments: list[Attachment] | None = None) -> list[str]:
    present = {a.requirement_id for a in (current_attachments(application) if attachments is None else attachments)}
    return [r["id"] for r in application.call.required_attachments or () if r.get("required") and r["id"] not in present]


def last_version(application: Application) -> ApplicationVersion | None:
    return db.session.scalar(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                             .order_by(ApplicationVersion.number.desc()).limit(1))


def freeze_version(application: Application, actor: User | None) -> ApplicationVersion:
    """Copy the answers and the attachments' hashes into a new, immutable version; freeze the files."""
    attachments = current_attachments(application)
    now = utcnow()
    for attachment in attachments:
        if attachment.frozen_at is None:
            attachment.frozen_at = now
    content = {
        "application": application.id,
        "answers": application.answers or {},
        "requested_amount": str(application.requested_amount),
        "attachments": [{"id": a.id, "requirement_id": a.requirement_id, "name": a.original_name,
                         "sha256": a.sha256, "size": a.size} for a in attachments],
    }
    content_hash = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                             default=str).encode()).hexdigest()
    number = (db.session.scalar(select(func.max(ApplicationVersion.number))
                                .where(ApplicationVersion.application_id == application.id)) or 0) + 1
    version = ApplicationVersion(application_id=application.id, number=number, answers=content["answers"],
                                 requested_amount=application.requested_amount, attachments=content["attachments"],
                                 content_hash=content_hash, created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    audit.record("applications:version:frozen", actor=actor, obj=application,
                 data={"number": number, "content_hash": content_hash, "attachments": len(attachments)})
    return version


def submit(application: Application, actor: User, *, expected_version: int | None = None) -> ApplicationVersion:
    """Submit (or resubmit a correction): the engine checks the call is open and the application complete;
    the version is frozen and a receipt is queued with the application number and the version's hash."""
    trigger = "resubmit" if application.status == "correction" else "submit"
    fire(application, trigger, actor, expected_version=expected_version)
    version = freeze_version(application, actor)
    if trigger == "resubmit":
        application.correction_items = []
    for member in _members_to_notify(application):
        queue_mail(member.email, _l("Application %(number)s received", number=application.number), "receipt",
                   locale=member.locale, application=application, version=version)
    return version


def _members_to_notify(application: Application) -> list[User]:
    from grants.auth.models import Membership, MembershipRole

    return list(db.session.scalars(
        select(User).join(Membership).where(Membership.organisation_id == application.organisation_id,
                                            Membership.role.in_((MembershipRole.OWNER, MembershipRole.EDITOR)))))


def request_correction(application: Application, officer: User, items: list[str], reason: str,
                       *, expected_version: int | None = None) -> None:
    """Send the application back for the listed items only; the deadline follows from the call."""
    valid = {answer_item(q["id"]) for q in application.call.form or ()} | \
        {attachment_item(r["id"]) for r in application.call.required_attachments or ()}
    items = [item for item in items if item in valid]
    if not items:
        raise ApplicationError(_l("Choose at least one item to correct."))
    fire(application, "request_correction", officer, reason, expected_version=expected_version, items=items)
    application.correction_items = items
    for member in _members_to_notify(application):
        queue_mail(member.email, _l("Application %(number)s needs a correction", number=application.number),
                   "correction_requested", locale=member.locale, application=application, reason=reason)


def tick_formal_checklist(application: Application, officer: User, ticked: list[str],
                          *, expected_version: int | None = None) -> dict[str, bool]:
    """Record which manual formal-check items the officer has confirmed."""
    from grants.applications.workflow import formal_checklist
    from grants.engine.core import CHANGED_MEANWHILE, StaleObject

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


def diff_versions(older: ApplicationVersion, newer: ApplicationVersion) -> dict[str, list]:
    """What changed between two versions: answers (id, before, after) and attachments added/removed."""
    keys = sorted(set(older.answers) | set(newer.answers))
    answers = [(k, older.answers.get(k), newer.answers.get(k)) for k in keys
               if older.answers.get(k) != newer.answers.get(k)]
    old_files = {a["sha256"]: a for a in older.attachments}
    new_files = {a["sha256"]: a for a in newer.attachments}
    return {"answers": answers,
            "added": [new_files[h] for h in new_files if h not in old_files],
            "removed": [old_files[h] for h in old_files if h not in new_files]}
