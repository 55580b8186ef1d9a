"""Application pages: start, fill in, attach, submit; officers check, ask for corrections, compare versions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants.access import Permission, can_view_application, get_or_404, has_permission, require
from grants.applications import eligibility, uploads
from grants.applications import operations as ops
from grants.applications.forms import (CorrectionForm, StartApplicationForm, TransitionForm, UploadForm,
                                       answers_form_class, from_answer, to_answer)
from grants.applications.models import Application, ApplicationVersion, Attachment
from grants.applications.workflow import formal_checklist, is_member
from grants.auth.models import Membership, MembershipRole, Organisation
from grants.calls.models import Call
from grants.engine.core import TransitionRefused, available_actions, fire, history_of
from grants.extensions import db
from grants.types import utcnow
from workflows import WORKFLOWS

bp = Blueprint("applications", __name__, url_prefix="/applications")
WORKFLOW = WORKFLOWS["application"]


def _locale() -> str:
    return str(get_locale())


def public_timeline(history) -> list[dict]:
    """What an applicant sees: public labels, consecutive repeats merged (check → review is one step)."""
    steps: list[dict] = []
    for row in history:
        label = WORKFLOW.state(row.to_state).public_label()
        if steps and steps[-1]["label"] == label:
            continue
        steps.append({"at": row.at, "label": label, "reason": row.reason})
    return steps


def _versions(application: Application) -> list[ApplicationVersion]:
    return list(db.session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                                   .order_by(ApplicationVersion.number)))


def _render(application: Application, form: TransitionForm | None = None, status: int = 200, correction=None):
    staff_view = has_permission(current_user, Permission.APPLICATION_ANY_READ)
    history = history_of(application)
    versions = _versions(application)
    attachments = ops.current_attachments(application, versions[-1] if versions else None, versions_read=True)
    diff = ops.diff_versions(versions[-2], versions[-1]) if staff_view and len(versions) > 1 else None
    missing_attachments = ops.missing_attachments(application, attachments)
    all_actions = available_actions(application, current_user, known={"missing_attachments": missing_attachments})
    actions = [a for a in all_actions if a.trigger not in ("submit", "resubmit", "request_correction")]
    member = any(a.trigger == "withdraw" for a in all_actions) or (
        not staff_view and is_member(current_user, application.organisation_id))
    can_submit = member and application.status in ops.EDITABLE
    correction = correction or CorrectionForm(version=application.version)
    correction.items.choices = _items(application)
    return render_template(
        "applications/detail.html", application=application, workflow=WORKFLOW, locale=_locale(),
        staff_view=staff_view, history=history, timeline=public_timeline(history), versions=versions, diff=diff,
        actions=actions, form=form or TransitionForm(version=application.version), can_edit=can_submit,
        attachments=attachments, rules=eligibility.evaluate(application, utcnow().date()) if staff_view else [],
        missing_answers=_missing_labels(application),
        missing_attachments=missing_attachments,
        correction=correction, can_request_correction=staff_view and any(
            a.trigger == "request_correction" for a in all_actions),
        checklist=[(item_id, _text(label), (application.formal_checklist or {}).get(item_id, False))
                   for item_id, label in formal_checklist(application.call)],
    ), status


def _text(value) -> str:
    if isinstance(value, dict):
        return value.get(_locale()) or value.get("pl") or value.get("en") or ""
    return value or ""


def _items(application: Application) -> list[tuple[str, str]]:
    call = application.call
    return [(ops.answer_item(q["id"]), _text(q.get("label"))) for q in call.form or ()] + \
        [(ops.attachment_item(r["id"]), _("Attachment: %(name)s", name=_text(r.get("name"))))
         for r in call.required_attachments or ()]


def _missing_labels(application: Application) -> list[str]:
    from grants.applications.workflow import missing_answers

    labels = {q["id"]: _text(q.get("label")) for q in application.call.form or ()}
    return [labels[q] for q in missing_answers(application.call.form, application.answers or {})]


@bp.route("/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def detail(application_id: int):
    application = get_or_404(Application, application_id, can_view_application,
                             options=[joinedload(Application.call), joinedload(Application.organisation)])
    return _render(application)


@bp.route("/<int:application_id>/actions/<trigger>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def act(application_id: int, trigger: str):
    """Fire a transition from the page's buttons; the engine decides who may and whether."""
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _render(application, form, 400)
    try:
        fire(application, trigger, current_user, form.reason.data, expected_version=form.version.data)
    except TransitionRefused as refused:
        db.session.rollback()
        flash(refused.text(_locale()), "danger")
        return _render(db.session.get(Application, application_id), form, refused.status)
    db.session.commit()
    flash(_("Done: %(state)s.", state=WORKFLOW.state(application.status).label(_locale())), "success")
    return redirect(url_for("applications.detail", application_id=application.id), 303)


# --- applicants --------------------------------------------------------------------------------------

@bp.route("/new/<int:call_id>", methods=["GET", "POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def start(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status != "published":
        abort(404)
    organisations = db.session.scalars(
        select(Organisation).join(Membership).where(
            Membership.user_id == current_user.id, Membership.role.in_((MembershipRole.OWNER, MembershipRole.EDITOR)))
        .order_by(Organisation.name)).all()
    if not organisations:
        flash(_("First add your organisation (or accept an invitation to one); then apply on its behalf."), "info")
        return redirect(url_for("organisations.new"))
    form = StartApplicationForm()
    form.organisation.choices = [(o.id, o.name) for o in organisations]
    if form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation.data)
        try:
            application = ops.start_application(call, organisation, current_user, form.title.data)
        except ops.ApplicationError as error:
            flash(str(error), "danger")
            return redirect(url_for("calls.detail", call_id=call.id))
        db.session.commit()
        return redirect(url_for("applications.edit", application_id=application.id))
    return render_template("applications/start.html", form=form, call=call, locale=_locale())


def _member_application_or_404(application_id: int, for_update: bool = False) -> Application:
    """Only members who act for the organisation (owners, editors) edit; everyone else gets 404 or 403."""
    application = get_or_404(Application, application_id, can_view_application, for_update=for_update)
    if not is_member(current_user, application.organisation_id):
        abort(403)
    return application


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def edit(application_id: int):
    application = _member_application_or_404(application_id, for_update=request.method == "POST")
    editable = ops.editable_items(application)
    if editable is not None and not editable:
        return redirect(url_for("applications.detail", application_id=application.id))
    questions = application.call.form or []
    form_class = answers_form_class(application.call)
    if request.method == "POST":
        form = form_class()
    else:
        data = {f"q_{q['id']}": from_answer(q, (application.answers or {}).get(q["id"])) for q in questions}
        form = form_class(data=data, title=application.title, requested_amount=application.requested_amount,
                          version=application.version)
    status = 200
    if form.validate_on_submit():
        if form.version.data != application.version:
            flash(_("This application was changed meanwhile (perhaps in another window). Your changes were not "
                    "saved; reload the page and enter them again."), "danger")
            status = 409
        else:
            answers = {q["id"]: to_answer(q, form[f"q_{q['id']}"]) for q in questions}
            try:
                ops.save_answers(application, current_user, answers, title=form.title.data,
                                 requested_amount=form.requested_amount.data)
            except ops.ApplicationError as error:
                flash(str(error), "danger")
                status = 409
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("applications.edit", application_id=application.id), 303)
    elif form.is_submitted():
        status = 422
    budget_question = next((q for q in questions if q["type"] == "budget_table"), None)
    totals = ops.budget_totals((application.answers or {}).get(budget_question["id"]) or []) if budget_question else None
    return render_template(
        "applications/edit.html", application=application, form=form, questions=questions, editable=editable,
        item=ops.answer_item, attachment_item=ops.attachment_item, attachments=ops.current_attachments(application),
        upload=UploadForm(), totals=totals, rules=eligibility.evaluate(application, utcnow().date()),
        text=_text, locale=_locale(), submit_form=TransitionForm(version=application.version),
        missing_answers=_missing_labels(application), missing_attachments=ops.missing_attachments(application),
    ), status


@bp.route("/<int:application_id>/attachments", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def upload(application_id: int):
    application = _member_application_or_404(application_id, for_update=True)
    form = UploadForm()
    upload_file = request.files.get("file")
    if not form.validate_on_submit() or upload_file is None or not upload_file.filename:
        flash(_("Choose a file to upload."), "danger")
        return redirect(url_for("applications.edit", application_id=application.id), 303)
    try:
        attachment = ops.add_attachment(application, current_user, form.requirement.data, upload_file.stream,
                                        upload_file.filename)
        db.session.commit()
    except ops.ApplicationError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        flash(_("Attached: %(name)s.", name=attachment.original_name), "success")
    return redirect(url_for("applications.edit", application_id=application.id), 303)


@bp.route("/<int:application_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def delete_attachment(application_id: int, attachment_id: int):
    application = _member_application_or_404(application_id, for_update=True)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or not TransitionForm().is_submitted():
        abort(404)
    try:
        ops.delete_attachment(attachment, current_user)
        db.session.commit()
    except ops.ApplicationError as error:
        db.session.rollback()
        flash(str(error), "danger")
    return redirect(url_for("applications.edit", application_id=application.id), 303)


@bp.route("/<int:application_id>/attachments/<int:attachment_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def download(application_id: int, attachment_id: int):
    """Access is checked here; then a short-lived presigned URL (S3) or a stream through the app (local)."""
    application = get_or_404(Application, application_id, can_view_application)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return uploads.send_stored(attachment)


@bp.route("/<int:application_id>/submit", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def submit(application_id: int):
    application = _member_application_or_404(application_id, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version = ops.submit(application, current_user, expected_version=form.version.data)
    except TransitionRefused as refused:
        db.session.rollback()
        flash(refused.text(_locale()), "danger")
        return redirect(url_for("applications.edit", application_id=application_id), 303)
    db.session.commit()
    flash(_("Submitted as number %(number)s. The receipt with the hash of this version is on its way to you.",
            number=application.number), "success")
    return redirect(url_for("applications.detail", application_id=application.id, v=version.number), 303)


# --- officers ----------------------------------------------------------------------------------------

@bp.route("/<int:application_id>/checklist", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def tick_checklist(application_id: int):
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.tick_formal_checklist(application, current_user, request.form.getlist("items"),
                                  expected_version=form.version.data)
    except (ops.ApplicationError, TransitionRefused) as error:
        db.session.rollback()
        flash(error.text(_locale()) if isinstance(error, TransitionRefused) else str(error), "danger")
        return _render(db.session.get(Application, application_id), status=409)
    db.session.commit()
    flash(_("Checklist saved."), "success")
    return redirect(url_for("applications.detail", application_id=application.id), 303)


@bp.route("/<int:application_id>/correction", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def request_correction(application_id: int):
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = CorrectionForm()
    form.items.choices = _items(application)
    if not form.validate_on_submit():
        return _render(application, status=422, correction=form)
    try:
        ops.request_correction(application, current_user, form.items.data, form.reason.data,
                               expected_version=form.version.data)
    except ops.ApplicationError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _render(db.session.get(Application, application_id), status=422, correction=form)
    except TransitionRefused as refused:
        db.session.rollback()
        flash(refused.text(_locale()), "danger")
        return _render(db.session.get(Application, application_id), status=refused.status, correction=form)
    db.session.commit()
    flash(_("Correction requested; the applicant has until %(date)s.",
            date=format_datetime(application.correction_due_at, "medium")), "success")
    return redirect(url_for("applications.detail", application_id=application.id), 303)
