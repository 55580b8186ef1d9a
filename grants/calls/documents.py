"""Documents of a call: officers attach them to a draft; anyone downloads those of a published call."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from grants.access import Permission, has_permission, public, require
from grants.applications import uploads
from grants.calls.models import Call, CallDocument, CallStatus
from grants.extensions import db
from grants.forms import BaseForm
from grants.services import audit

bp = Blueprint("call_documents", __name__)
DOCUMENT_TYPES = (uploads.PDF, uploads.DOCX, uploads.XLSX, uploads.ODT)
MAX_DOCUMENT_SIZE = 20 * 1024 * 1024


class DocumentForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])


def documents_of(call: Call) -> list[CallDocument]:
    return list(db.session.scalars(select(CallDocument).where(CallDocument.call_id == call.id)
                                   .order_by(CallDocument.id)))


def _call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    return call


@bp.route("/manage/calls/<int:call_id>/documents", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def manage(call_id: int):
    call = _call_or_404(call_id)
    form = DocumentForm()
    status = 200
    if request.method == "POST":
        status = 422
        if call.status != CallStatus.DRAFT:
            flash(_("This call is published, so its documents are frozen with it."), "danger")
            return redirect(url_for("call_documents.manage", call_id=call.id), 303)
        upload_file = request.files.get("file")
        if form.validate_on_submit() and upload_file and upload_file.filename:
            try:
                upload = uploads.store(upload_file.stream, upload_file.filename, key_prefix=f"calls/{call.id}",
                                       allowed_types=DOCUMENT_TYPES, max_size=MAX_DOCUMENT_SIZE)
            except uploads.UploadRejected as rejected:
                flash(str(rejected), "danger")
            else:
                with uploads.recorded(upload):
                    document = CallDocument(call_id=call.id, title=form.title.data, storage_key=upload.key,
                                            original_name=upload.name, content_type=upload.content_type,
                                            size=upload.size, sha256=upload.sha256, uploaded_by_id=current_user.id)
                    db.session.add(document)
                    db.session.flush()
                    audit.record("calls:document:added", actor=current_user, obj=call,
                                 data={"document_id": document.id, "title": document.title, "sha256": upload.sha256})
                    db.session.commit()
                flash(_("Attached: %(name)s.", name=upload.name), "success")
                return redirect(url_for("call_documents.manage", call_id=call.id), 303)
        else:
            flash(_("Give the document a title and choose a file."), "danger")
    return render_template("calls/manage/documents.html", call=call, documents=documents_of(call), form=form), status


@bp.route("/manage/calls/<int:call_id>/documents/<int:document_id>/delete", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def delete(call_id: int, document_id: int):
    call = _call_or_404(call_id)
    document = db.session.get(CallDocument, document_id)
    if document is None or document.call_id != call.id:
        abort(404)
    if call.status != CallStatus.DRAFT:
        flash(_("This call is published, so its documents are frozen with it."), "danger")
    else:
        from grants.applications.operations import DELETE_AFTER_COMMIT

        audit.record("calls:document:removed", actor=current_user, obj=call,
                     data={"document_id": document.id, "sha256": document.sha256})
        db.session.info.setdefault(DELETE_AFTER_COMMIT, []).append(document.storage_key)
        db.session.delete(document)
        db.session.commit()
    return redirect(url_for("call_documents.manage", call_id=call.id), 303)


@bp.route("/calls/<int:call_id>/documents/<int:document_id>")
@public
def download(call_id: int, document_id: int):
    """Anyone may read the documents of a published call; drafts' only staff who manage calls."""
    call = _call_or_404(call_id)
    if call.status != CallStatus.PUBLISHED and not has_permission(current_user, Permission.CALL_ANY_MANAGE):
        abort(404)
    document = db.session.get(CallDocument, document_id)
    if document is None or document.call_id != call.id:
        abort(404)
    return uploads.send_stored(document)
