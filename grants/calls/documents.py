"""Documents of a call (rules, templates of attachments): added to a draft, frozen with it when published."""
from __future__ import annotations

from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grants.auth.models import User
from grants.calls.models import Call, CallDocument, CallStatus
from grants.errors import Refusal
from grants.extensions import db
from grants.services import audit, uploads

DOCUMENT_TYPES = (uploads.PDF, uploads.DOCX, uploads.XLSX, uploads.ODT)
MAX_DOCUMENT_SIZE = 20 * 1024 * 1024
FROZEN = _l("This call is published, so its documents are frozen with it.")


def documents_of(call: Call) -> list[CallDocument]:
    return list(db.session.scalars(select(CallDocument).where(CallDocument.call_id == call.id)
                                   .order_by(CallDocument.id)))


def documents_editable(call: Call) -> bool:
    """Documents change with the draft; publishing freezes them with the call."""
    return call.status == CallStatus.DRAFT


def add_document(call: Call, actor: User, title: str, stream: BinaryIO, filename: str | None) -> CallDocument:
    """Check the file by its content and size, store it, record it; nothing is left behind on failure."""
    if not documents_editable(call):
        raise Refusal(FROZEN)
    upload = uploads.store(stream, filename, key_prefix=f"calls/{call.id}", allowed_types=DOCUMENT_TYPES,
                           max_size=MAX_DOCUMENT_SIZE)
    with uploads.recorded(upload):
        document = CallDocument(call_id=call.id, title=title, uploaded_by_id=actor.id)
        document.take(upload)
        db.session.add(document)
        db.session.flush()
        audit.record("calls:document:added", actor=actor, obj=call,
                     data={"document_id": document.id, "title": document.title, "sha256": upload.sha256})
    return document


def remove_document(call: Call, document: CallDocument, actor: User) -> None:
    """Remove a draft's document; its file goes once the row has gone."""
    if not documents_editable(call):
        raise Refusal(FROZEN)
    audit.record("calls:document:removed", actor=actor, obj=call,
                 data={"document_id": document.id, "sha256": document.sha256})
    uploads.delete_after_commit(document.storage_key)
    db.session.delete(document)
    db.session.flush()
