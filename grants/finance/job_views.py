"""Job-creation support on the agreement's page: the grantee uploads each month's employment proof and asks for
extended bridging support; the program officer accepts or returns proofs and decides the request."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, require
from grants.engine.core import fire
from grants.extensions import db
from grants.finance import agreements
from grants.finance import jobs as ops
from grants.finance.agreement_views import back_to, page, part_of, shown_application
from grants.finance.forms import ExtensionForm, NoteForm, ProofForm
from grants.finance.models import EmploymentProof
from grants.finance.permissions import can_prepare_agreement, is_applicant_side
from grants.services import uploads
from grants.support.models import BridgingExtension
from grants.web import on_refusal

bp = Blueprint("grant_jobs", __name__, url_prefix="/agreements")


@bp.route("/<int:application_id>/proofs", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def upload_proof(application_id: int):
    application = shown_application(application_id, is_applicant_side)
    form = ProofForm()
    form.period.choices = [(month, str(month)) for month in ops.instalment_months(application)]
    if not form.validate_on_submit() or "proof" not in request.files:
        flash(_("Choose the month and the file of the proof."), "danger")
        return back_to(application)
    on_refusal(lambda refusal: back_to(application))  # the refusal's message is flashed
    ops.add_proof(application, current_user, form.period.data, request.files["proof"].stream,
                  request.files["proof"].filename)
    db.session.commit()
    flash(_("The proof for month %(n)d is uploaded; the officer checks it.", n=form.period.data), "success")
    return back_to(application)


@bp.route("/<int:application_id>/proofs/<int:proof_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def proof(application_id: int, proof_id: int):
    return uploads.send_stored(part_of(EmploymentProof, shown_application(application_id), proof_id))


@bp.route("/<int:application_id>/proofs/<int:proof_id>/<any(accept, return):decision>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def decide_proof(application_id: int, proof_id: int, decision: str):
    application = shown_application(application_id, can_prepare_agreement)
    proof = part_of(EmploymentProof, application, proof_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, note_form=form,
                                    job_errors=refusal.errors))
    ops.decide_proof(proof, current_user, decision == "accept", form.note.data)
    db.session.commit()
    flash(_("The proof for month %(n)d is accepted.", n=proof.period) if decision == "accept"
          else _("The proof for month %(n)d is returned to the grantee.", n=proof.period), "success")
    return back_to(application)


@bp.route("/<int:application_id>/extension", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def request_extension(application_id: int):
    application = shown_application(application_id, is_applicant_side)
    form = ExtensionForm()
    if not form.validate_on_submit():
        flash(_("The request is not sent: correct the marked fields."), "danger")
        unreadable = {name: errors[0] for name, errors in form.errors.items()}
        agreement = agreements.for_application(application)
        others = ops.extension_errors(application, agreement, None if "months" in unreadable else form.months.data,
                                      None if "monthly" in unreadable else form.monthly.data,
                                      form.justification.data) if agreement else {}
        return page(application, status=422, extension_form=form, job_errors={**others, **unreadable})
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, extension_form=form,
                                    job_errors=refusal.errors))
    ops.request_extension(application, current_user, form.months.data, form.monthly.data, form.justification.data)
    db.session.commit()
    flash(_("Your request for extended bridging support is sent to the program officer."), "success")
    return back_to(application)


@bp.route("/<int:application_id>/extension/<int:extension_id>/<any(approve, reject):trigger>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def decide_extension(application_id: int, extension_id: int, trigger: str):
    application = shown_application(application_id, can_prepare_agreement)
    extension = db.session.get(BridgingExtension, extension_id)
    form = NoteForm()
    if extension is None or extension.application_id != application.id or not form.validate_on_submit():
        abort(404)
    on_refusal(lambda refusal: page(application, status=refusal.status or 422, note_form=form,
                                    job_errors=refusal.errors))
    fire(extension, trigger, current_user, form.note.data)
    db.session.commit()
    flash(_("Extended bridging support is approved: its months are in the schedule.") if trigger == "approve"
          else _("The request is rejected; the grantee is told why."), "success")
    return back_to(application)
