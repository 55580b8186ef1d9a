"""Documents of a call: officers attach them to a draft; anyone downloads those of a published call."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from grants.access import Permission, public, require
from grants.calls import documents
from grants.calls.models import CallDocument
from grants.calls.permissions import can_manage_call, can_view_call, get_call_or_404
from grants.extensions import db
from grants.forms import BaseForm
from grants.services import uploads
from grants.web import on_refusal

bp = Blueprint("call_documents", __name__)


class DocumentForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])


def _render(call, form, status: int = 200):
    return render_template("calls/manage/documents.html", call=call, documents=documents.documents_of(call),
                           form=form, editable=documents.documents_editable(call)), status


def _document_or_404(call, document_id: int) -> CallDocument:
    document = db.session.get(CallDocument, document_id)
    if document is None or document.call_id != call.id:
        abort(404)
    return document


@bp.route("/manage/calls/<int:call_id>/documents", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def manage(call_id: int):
    call = get_call_or_404(call_id, can_manage_call, for_update=request.method == "POST")
    form = DocumentForm()
    if request.method != "POST":
        return _render(call, form)
    if not documents.documents_editable(call):
        flash(str(documents.FROZEN), "danger")
        return redirect(url_for("call_documents.manage", call_id=call.id), 303)
    upload_file = request.files.get("file")
    if not form.validate_on_submit() or not upload_file or not upload_file.filename:
        flash(_("Give the document a title and choose a file."), "danger")
        return _render(call, form, 422)
    on_refusal(lambda refusal: _render(call, form)[0])
    document = documents.add_document(call, current_user, form.title.data, upload_file.stream, upload_file.filename)
    db.session.commit()
    flash(_("Attached: %(name)s.", name=document.original_name), "success")
    return redirect(url_for("call_documents.manage", call_id=call.id), 303)


@bp.route("/manage/calls/<int:call_id>/documents/<int:document_id>/delete", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def delete(call_id: int, document_id: int):
    call = get_call_or_404(call_id, can_manage_call, for_update=True)
    document = _document_or_404(call, document_id)
    on_refusal(lambda refusal: redirect(url_for("call_documents.manage", call_id=call_id), 303))
    documents.remove_document(call, document, current_user)
    db.session.commit()
    return redirect(url_for("call_documents.manage", call_id=call.id), 303)


@bp.route("/calls/<int:call_id>/documents/<int:document_id>")
@public
def download(call_id: int, document_id: int):
    """Anyone may read the documents of a published call; drafts' only staff who manage calls."""
    call = get_call_or_404(call_id, can_view_call)
    return uploads.send_stored(_document_or_404(call, document_id))
