"""Program officers define calls: create and edit drafts, publish them, amend published ones."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, require
from grants.auth.models import Programme, User
from grants.calls import operations as ops
from grants.calls.forms import CallForm, VersionForm, call_form_class, new_call_data
from grants.calls.labels import FILE_TYPE_LABELS, QUESTION_TYPE_LABELS, field_label
from grants.calls.models import Call, CallAmendment, CallStatus
from grants.calls.permissions import can_manage_call, get_call_or_404
from grants.extensions import db
from grants.web import on_refusal
from workflows.call_types import CALL_TYPES, CallType

bp = Blueprint("calls_manage", __name__, url_prefix="/manage/calls")


def _call_or_404(call_id: int) -> Call:
    # A POST changes the call: lock its row (PostgreSQL) so two saves queue up instead of racing.
    return get_call_or_404(call_id, can_manage_call, for_update=request.method == "POST")


def _rerender(form: CallForm, call_type: CallType, call: Call | None, mode: str):
    """How a refused save shows the form again: the officer's input kept, each message by its field."""
    def render(refusal):
        form.add_errors(refusal.errors)
        return _render(form, call_type, call, mode)[0]
    return render


def _checked(form: CallForm, call_type: CallType, time_zone: str, existing: ops.CallData | None) -> ops.CallData | None:
    """The typed call if every rule holds; otherwise None, with each message placed next to its field."""
    parsed = form.validate()
    data = form.call_data(time_zone, existing)
    errors = ops.validate(call_type, data)
    if form.amendment and not (form.reason.data or "").strip():
        errors["reason"] = ops.REASON_REQUIRED
    for message in form.add_errors(errors):
        flash(str(message), "danger")
    if not parsed or form.has_errors():
        return None
    return data


def _render(form: CallForm, call_type: CallType, call: Call | None, mode: str, status: int = 200):
    """mode: new | edit | view (published, read-only) | amend."""
    if mode != "view":
        form.add_spare_rows()
    amendments = []
    if call is not None and call.status == CallStatus.PUBLISHED:
        amendments = db.session.execute(
            select(CallAmendment, User.name).join(User, User.id == CallAmendment.actor_id)
            .where(CallAmendment.call_id == call.id).order_by(CallAmendment.id.desc())
        ).all()
    return render_template(
        "calls/manage/edit.html", form=form, call=call, call_type=call_type, mode=mode,
        programme=Programme.current(), amendments=amendments, field_label=field_label,
        question_types=QUESTION_TYPE_LABELS, file_types=FILE_TYPE_LABELS,
        problems=ops.publish_problems(call) if call is not None and mode == "edit" else [],
    ), status


@bp.route("/new")
@require(Permission.CALL_ANY_MANAGE)
def new():
    return render_template("calls/manage/new.html", call_types=CALL_TYPES.values())


@bp.route("/new/<type_name>", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def create(type_name: str):
    call_type = CALL_TYPES.get(type_name)
    if call_type is None:
        abort(404)
    programme = Programme.current()
    form_class = call_form_class(call_type.name)
    if request.method == "POST":
        form = form_class()
    else:
        form = form_class(data=form_class.initial(new_call_data(call_type), programme.time_zone))
    if not form.is_submitted():
        return _render(form, call_type, None, "new")
    data = _checked(form, call_type, programme.time_zone, None)
    if data is None:
        return _render(form, call_type, None, "new", 422)
    on_refusal(_rerender(form, call_type, None, "new"))
    call = ops.create_call(current_user, call_type, data, programme.currency)
    db.session.commit()
    flash(_("The draft call has been created. Add the application form, attachments and criteria, "
            "then publish it."), "success")
    return redirect(url_for("calls_manage.edit", call_id=call.id), 303)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def edit(call_id: int):
    call = _call_or_404(call_id)
    time_zone = Programme.current().time_zone
    form_class = call_form_class(call.call_type)
    stored = ops.call_data(call)
    if call.status != CallStatus.DRAFT:
        # Frozen: show what was published; changes go through an amendment.
        form = form_class(formdata=None, data=form_class.initial(stored, time_zone, call.version))
        if request.method == "POST":
            flash(ops.CallFrozen().text(), "danger")
            return _render(form, call.type, call, "view", 409)
        return _render(form, call.type, call, "view")
    if request.method != "POST":
        form = form_class(data=form_class.initial(stored, time_zone, call.version))
        return _render(form, call.type, call, "edit")
    form = form_class()
    if form.version.data != call.version:
        flash(ops.CallChanged().text(), "danger")
        return _render(form, call.type, call, "edit", 409)
    data = _checked(form, call.type, time_zone, stored)
    if data is None:
        return _render(form, call.type, call, "edit", 422)
    on_refusal(_rerender(form, call.type, call, "edit"))
    changed = ops.update_call(call, current_user, data, version=form.version.data)
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing to save: the call is as it was."), "success" if changed else "info")
    return redirect(url_for("calls_manage.edit", call_id=call.id), 303)


@bp.route("/<int:call_id>/publish", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def publish(call_id: int):
    call = _call_or_404(call_id)
    if call.status != CallStatus.DRAFT:
        if request.method == "POST":
            flash(_("This call is already published."), "warning")
            return redirect(url_for("calls_manage.edit", call_id=call.id), 303)
        return redirect(url_for("calls_manage.edit", call_id=call.id))
    form = VersionForm(version=call.version)
    if not form.validate_on_submit():
        return _render_publish(call, form), 400 if form.is_submitted() else 200
    on_refusal(lambda refusal: _render_publish(call, form))
    ops.publish_call(call, current_user, version=form.version.data)
    db.session.commit()
    flash(_("The call is published: applicants see it, and its definition is frozen. Any later change "
            "is an amendment."), "success")
    return redirect(url_for("calls_manage.edit", call_id=call.id), 303)


def _render_publish(call: Call, form: VersionForm):
    return render_template("calls/manage/publish.html", call=call, form=form, problems=ops.publish_problems(call),
                           question_types=QUESTION_TYPE_LABELS)


@bp.route("/<int:call_id>/amend", methods=["GET", "POST"])
@require(Permission.CALL_ANY_MANAGE)
def amend(call_id: int):
    call = _call_or_404(call_id)
    if call.status != CallStatus.PUBLISHED:
        if request.method == "POST":
            flash(ops.NotPublished().text(), "warning")
            return redirect(url_for("calls_manage.edit", call_id=call.id), 303)
        return redirect(url_for("calls_manage.edit", call_id=call.id))
    time_zone = Programme.current().time_zone
    form_class = call_form_class(call.call_type, amendment=True)
    stored = ops.call_data(call)
    if request.method != "POST":
        form = form_class(data=form_class.initial(stored, time_zone, call.version))
        return _render(form, call.type, call, "amend")
    form = form_class()
    if form.version.data != call.version:
        flash(ops.CallChanged().text(), "danger")
        return _render(form, call.type, call, "amend", 409)
    data = _checked(form, call.type, time_zone, stored)
    if data is None:
        return _render(form, call.type, call, "amend", 422)
    on_refusal(_rerender(form, call.type, call, "amend"))
    amendment = ops.amend_call(call, current_user, data, form.reason.data, version=form.version.data)
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("calls.detail", call_id=call.id)
    notified = ops.notify_amendment(call, amendment, link)
    db.session.commit()
    if notified:
        flash(ngettext("The amendment is recorded; %(num)d person drafting an application in this call is notified "
                       "by email.", "The amendment is recorded; %(num)d people drafting an application in this call "
                       "are notified by email.", notified), "success")
    else:
        flash(_("The amendment is recorded. Nobody is drafting an application in this call, so no email was sent."),
              "success")
    return redirect(url_for("calls_manage.edit", call_id=call.id), 303)
