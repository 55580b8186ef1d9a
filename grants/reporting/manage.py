"""Program officers set up a call's report form: copy a built-in template (or another call's form), edit the copy,
choose the cadence and deadlines, publish. A published form's questions stay; its cadence may still change."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, require
from grants.calls.models import Call
from grants.calls.permissions import can_manage_call, get_call_or_404
from grants.extensions import db
from grants.reporting import operations as ops
from grants.reporting.forms import CADENCE_LABELS, ReportFormEditor, StartForm, VersionForm
from grants.reporting.models import ReportForm
from grants.reporting.questions import QUESTION_TYPES, definition
from grants.web import on_refusal

bp = Blueprint("report_forms", __name__, url_prefix="/manage/calls")


def _page(call: Call, editor: ReportFormEditor | None = None, status: int = 200):
    form = ops.form_for(call)
    start = None
    if form is None:
        start = StartForm()
        start.offer(list(db.session.scalars(select(ReportForm).where(ReportForm.call_id != call.id)
                                            .order_by(ReportForm.id.desc()).limit(50))))
    elif editor is None:
        editor = ReportFormEditor(data=ReportFormEditor.initial(form))
    if editor is not None and form is not None and form.published_at is None:
        editor.add_spare_rows()
    return render_template("reporting/form_setup.html", call=call, form=form, start=start, editor=editor,
                           publish=VersionForm(version=form.version) if form else None,
                           questions=definition(form.questions) if form else [], types=QUESTION_TYPES,
                           cadences=CADENCE_LABELS), status


def _back(call: Call):
    return redirect(url_for("report_forms.show", call_id=call.id), 303)


@bp.route("/<int:call_id>/report-form")
@require(Permission.CALL_ANY_MANAGE)
def show(call_id: int):
    return _page(get_call_or_404(call_id, can_manage_call))


@bp.route("/<int:call_id>/report-form/start", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def start(call_id: int):
    call = get_call_or_404(call_id, can_manage_call, for_update=True)
    form = StartForm()
    if not form.validate_on_submit():
        flash(_("Choose what to start from."), "danger")
        return _back(call)
    on_refusal(lambda refusal: _page(call, status=refusal.status or 422))
    ops.start_form(call, current_user, form.source.data)
    db.session.commit()
    flash(_("The report form is copied to this call: edit it, then publish it."), "success")
    return _back(call)


@bp.route("/<int:call_id>/report-form", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def save(call_id: int):
    call = get_call_or_404(call_id, can_manage_call, for_update=True)
    form = ops.form_for(call) or _missing()
    editor = ReportFormEditor()

    def again(refusal):
        for message in editor.place_errors(refusal.errors or {}):
            flash(str(message), "danger")
        return _page(call, editor, status=refusal.status or 422)

    on_refusal(again)
    if not editor.validate_on_submit():
        return _page(call, editor, status=422)
    ops.update_form(form, current_user, editor.data_for_save(), version=editor.version.data)
    db.session.commit()
    flash(_("The report form is saved."), "success")
    return _back(call)


@bp.route("/<int:call_id>/report-form/publish", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def publish(call_id: int):
    call = get_call_or_404(call_id, can_manage_call, for_update=True)
    form = ops.form_for(call) or _missing()
    confirm = VersionForm()
    if not confirm.validate_on_submit():
        return _back(call)

    def again(refusal):
        editor = ReportFormEditor(data=ReportFormEditor.initial(form))
        for message in editor.place_errors(refusal.errors or {}):
            flash(str(message), "danger")
        return _page(call, editor, status=refusal.status or 422)

    on_refusal(again)
    ops.publish_form(form, current_user, version=confirm.version.data)
    db.session.commit()
    flash(_("The report form is published: grantees' reports are created on its cadence."), "success")
    return _back(call)


def _missing():
    from flask import abort

    abort(404)
