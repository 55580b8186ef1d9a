"""The applicant's pages: start an application, fill it in, attach files, submit."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, require
from grants.applications import eligibility, queries
from grants.applications import operations as ops
from grants.applications.forms import (
    BUDGET_MAX_ROWS,
    StartApplicationForm,
    TransitionForm,
    UploadForm,
    answers_form_class,
    from_answer,
    offer_blank_budget_rows,
    to_answer,
)
from grants.applications.models import Application, Attachment
from grants.applications.permissions import can_edit_application, can_view_application
from grants.applications.views import bp, missing_answer_labels
from grants.auth.models import Membership, MembershipRole, Organisation
from grants.calls.permissions import get_call_or_404
from grants.extensions import db
from grants.types import utcnow
from grants.ui import localised
from grants.web import on_refusal


def _editable_or_404(application_id: int, for_update: bool = False) -> Application:
    """Only members who act for the organisation (owners, editors) edit; everyone else gets 404 or 403."""
    application = get_or_404(Application, application_id, can_view_application, for_update=for_update)
    if not can_edit_application(current_user, application):
        abort(403)
    return application


def _back_to_edit(application_id: int):
    return redirect(url_for("applications.edit", application_id=application_id), 303)


@bp.route("/new/<int:call_id>", methods=["GET", "POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def start(call_id: int):
    call = get_call_or_404(call_id, lambda user, call: call.status == "published")
    organisations = db.session.scalars(
        select(Organisation).join(Membership).where(
            Membership.user_id == current_user.id, Membership.role.in_((MembershipRole.OWNER, MembershipRole.EDITOR)))
        .order_by(Organisation.name)).all()
    if not organisations:
        flash(_("First add your organisation (or accept an invitation to one); then apply on its behalf."), "info")
        return redirect(url_for("organisations.new"))
    # Organisations the call admits come first, and the first of them is chosen.
    admitted = eligibility.eligible_types(call)
    organisations = sorted(organisations, key=lambda o: (o.type.value not in admitted, o.name))
    form = StartApplicationForm()
    form.organisation.choices = [(o.id, o.name) for o in organisations]
    if form.organisation.data is None:
        form.organisation.data = organisations[0].id
    if not form.validate_on_submit():
        return render_template("applications/start.html", form=form, call=call, locale=str(get_locale()))
    organisation = next(o for o in organisations if o.id == form.organisation.data)
    on_refusal(lambda refusal: redirect(url_for("calls.detail", call_id=call.id), 303))
    application = ops.start_application(call, organisation, current_user, form.title.data)
    db.session.commit()
    return redirect(url_for("applications.edit", application_id=application.id))


def _render_edit(application: Application, form):
    questions = application.call.form or []
    budget_question = next((q for q in questions if q["type"] == "budget_table"), None)
    totals = queries.budget_totals((application.answers or {}).get(budget_question["id"]) or []) \
        if budget_question else None
    offer_blank_budget_rows(form)
    return render_template(
        "applications/edit.html", application=application, form=form, questions=questions,
        editable=queries.editable_items(application), item=queries.answer_item,
        attachment_item=queries.attachment_item, attachments=queries.current_attachments(application),
        upload=UploadForm(), totals=totals, max_budget_rows=BUDGET_MAX_ROWS,
        rules=eligibility.evaluate(application, utcnow().date()),
        text=localised, submit_form=TransitionForm(version=application.version),
        correcting=application.status == "correction", missing_answers=missing_answer_labels(application),
        missing_attachments=queries.missing_attachments(application))


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def edit(application_id: int):
    application = _editable_or_404(application_id, for_update=request.method == "POST")
    if queries.editable_items(application) == set():
        return redirect(url_for("applications.detail", application_id=application.id))
    questions = application.call.form or []
    form_class = answers_form_class(application.call)
    if request.method != "POST":
        data = {f"q_{q['id']}": from_answer(q, (application.answers or {}).get(q["id"])) for q in questions}
        return _render_edit(application, form_class(data=data, title=application.title, version=application.version,
                                                    requested_amount=application.requested_amount))
    form = form_class()
    if not form.validate():
        flash(_("Nothing was saved: some answers need correcting (marked below)."), "danger")
        return _render_edit(application, form), 422
    if form.version.data != application.version:
        flash(_("This application was changed meanwhile (perhaps in another window). Your changes were not "
                "saved; reload the page and enter them again."), "danger")
        return _render_edit(application, form), 409
    on_refusal(lambda refusal: _render_edit(application, form))
    ops.save_answers(application, current_user, {q["id"]: to_answer(q, form[f"q_{q['id']}"]) for q in questions},
                     title=form.title.data, requested_amount=form.requested_amount.data)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back_to_edit(application.id)


@bp.route("/<int:application_id>/attachments", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def upload(application_id: int):
    application = _editable_or_404(application_id, for_update=True)
    form = UploadForm()
    upload_file = request.files.get("file")
    if not form.validate_on_submit() or upload_file is None or not upload_file.filename:
        flash(_("Choose a file to upload."), "danger")
        return _back_to_edit(application.id)
    on_refusal(lambda refusal: _back_to_edit(application_id))
    attachment = ops.add_attachment(application, current_user, form.requirement.data, upload_file.stream,
                                    upload_file.filename)
    db.session.commit()
    flash(_("Attached: %(name)s.", name=attachment.original_name), "success")
    return _back_to_edit(application.id)


@bp.route("/<int:application_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def delete_attachment(application_id: int, attachment_id: int):
    application = _editable_or_404(application_id, for_update=True)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or not TransitionForm().is_submitted():
        abort(404)
    on_refusal(lambda refusal: _back_to_edit(application_id))
    ops.delete_attachment(attachment, current_user)
    db.session.commit()
    return _back_to_edit(application.id)


@bp.route("/<int:application_id>/submit", methods=["POST"])
@require(Permission.APPLICATION_OWN_MANAGE)
def submit(application_id: int):
    application = _editable_or_404(application_id, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: _back_to_edit(application_id))
    version = ops.submit(application, current_user, expected_version=form.version.data)
    db.session.commit()
    flash(_("Submitted as number %(number)s. The receipt with the hash of this version is on its way to you.",
            number=application.number), "success")
    return redirect(url_for("applications.detail", application_id=application.id, version=version.number), 303)
