"""The agreement of an application: the officer prepares it and records the signing, the applicant reads it and
uploads the signed scan, finance officers and auditors read it (/agreements/<application id>)."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from grants.access import Permission, get_or_404, require
from grants.applications.models import Application
from grants.engine.core import available_actions, fire
from grants.evaluation.permissions import can_read_results
from grants.extensions import db
from grants.finance import agreements as ops
from grants.finance import annexes, items, jobs
from grants.finance.forms import (
    AgreementForm,
    DeliveryForm,
    ExtensionForm,
    ItemForm,
    NoteForm,
    ProofForm,
    ProtocolForm,
    ScanForm,
)
from grants.finance.models import AgreementFile
from grants.finance.permissions import SHOWN_FROM, can_prepare_agreement, can_read_agreement, is_applicant_side
from grants.forms import BaseForm
from grants.services import uploads
from grants.types import utcnow
from grants.web import on_refusal
from workflows.call_types import JOB_GRANT_AND_BRIDGING, PACKAGE_ITEMS
from workflows.payment import WORKFLOW as PAYMENT
from workflows.support import BRIDGING_EXTENSION, PACKAGE_ITEM

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def shown_application(application_id: int, check=can_read_agreement) -> Application:
    application = get_or_404(Application, application_id, check)
    if application.status not in SHOWN_FROM:
        abort(404)
    return application


def part_of(model, application: Application, object_id: int):
    """A row of the agreement's parts (a proof, an item) that belongs to this application, else 404."""
    found = db.session.get(model, object_id)
    if found is None or found.application_id != application.id:
        abort(404)
    return found


def back_to(application: Application):
    """Back to the top of the agreement's page, where the message about what was done shows."""
    return redirect(url_for("agreements.show", application_id=application.id), 303)


def _form(application: Application, agreement, formdata=None) -> AgreementForm:
    form = AgreementForm(formdata, obj=agreement) if formdata is not None else AgreementForm(obj=agreement)
    form.schedule_model.choices = [(m, str(ops.SCHEDULE_LABELS[m])) for m in ops.schedule_models(application)]
    if agreement is not None and formdata is None:
        form.show_jobs(agreement.jobs)
    if agreement is None and formdata is None:
        today = utcnow().date()
        form.award.data = application.awarded_amount or application.requested_amount
        form.bank_account.data = application.organisation.bank_account
        form.starts_on.data, form.schedule_model.data = today, (form.schedule_model.choices or [("", "")])[0][0]
    return form


def page(application: Application, form=None, errors=None, status: int = 200, **job_forms):
    """The agreement's page; a refused form of the job-support part comes back in `job_forms` with `errors`."""
    agreement = ops.for_application(application)
    officer, models = can_prepare_agreement(current_user, application), ops.schedule_models(application)
    return render_template(
        "finance/agreement.html", application=application, agreement=agreement,
        form=form or (_form(application, agreement) if officer else None), errors=errors or {},
        officer=officer, applicant=is_applicant_side(current_user, application), scan_form=ScanForm(),
        confirm=BaseForm(), payments=ops.planned(application), missing=ops.missing(application),
        scans=ops.scans(agreement) if agreement else [], security_kinds=ops.SECURITY_KINDS,
        security_documents=ops.security_documents(agreement) if agreement else [],
        schedules=ops.SCHEDULE_LABELS, kinds=ops.PAYMENT_KINDS,
        models=models, job_model=models[0] in ops.JOB_MODELS, bridging=JOB_GRANT_AND_BRIDGING in models,
        package_model=PACKAGE_ITEMS in models, item_states=PACKAGE_ITEM,
        extended_months=application.call.parameter("bridging_extended_months") or 0,
        payment_states=PAYMENT, extension_states=BRIDGING_EXTENSION, proof_states=jobs.PROOF_STATES,
        locale=str(get_locale()), ceiling=ops.ceiling(application),
        fte_total=format_decimal(ops.fte_total(agreement)) if agreement else "",
        opens_application=can_read_results(current_user, application),
        job=job_support(application, agreement, officer, job_forms),
        package=package_items(application, agreement, officer, job_forms),
        annex=SimpleNamespace(
            made=annexes.annexes(agreement) if agreement else [], errors=job_forms.get("annex_errors") or {},
            values=job_forms.get("annex_values") or {},
            payments=annexes.changeable(application) if officer and annexes.may_annex(application, agreement) else [],
            open=officer and annexes.may_annex(application, agreement))), status


def job_support(application: Application, agreement, officer: bool, forms: dict) -> SimpleNamespace | None:
    """The job-creation part of a signed agreement's page: each month's instalment and proofs, the forms to upload
    and decide proofs, and extended bridging support. None for other agreements."""
    if agreement is None or agreement.signed_at is None or agreement.schedule_model not in ops.JOB_MODELS:
        return None
    months, extensions = jobs.months(application), jobs.extensions(application)
    proof_form = forms.get("proof_form") or ProofForm()
    proof_form.period.choices = [(m.period, str(m.period)) for m in months if m.instalments and not m.accepted]
    applicant = is_applicant_side(current_user, application)
    return SimpleNamespace(
        months=months, extensions=extensions, proof_form=proof_form,
        approved=[e for e in extensions if e.status == "approved"],
        decisions={e.id: available_actions(e, current_user) for e in extensions if officer},
        open_proofs={p.id for m in months for p in m.proofs if officer and p.status == "submitted"},
        note_form=forms.get("note_form") or NoteForm(), extension_form=forms.get("extension_form") or ExtensionForm(),
        may_upload=applicant and application.status in jobs.RUNNING and bool(proof_form.period.choices),
        may_extend=applicant and jobs.may_extend(application), errors=forms.get("job_errors") or {})


def package_items(application: Application, agreement, officer: bool, forms: dict) -> SimpleNamespace | None:
    """The in-kind part of a signed package agreement: its items, what is left to order, the forms."""
    if agreement is None or agreement.signed_at is None or not agreement.in_kind_amount:
        return None
    ordered = items.items(application)
    actions = {item.id: {a.trigger for a in available_actions(item, current_user) if a.enabled} for item in ordered}
    return SimpleNamespace(
        items=ordered, left=items.in_kind_left(agreement), protocols=items.protocols(application),
        may_order=officer and items.may_order(application, agreement) and items.in_kind_left(agreement) > 0,
        form=forms.get("item_form") or ItemForm(),
        deliverable={i for i, triggers in actions.items() if "deliver" in triggers},
        to_hand_over={i for i, triggers in actions.items() if "hand_over" in triggers},
        delivery_form=DeliveryForm(), protocol_form=ProtocolForm(), errors=forms.get("item_errors") or {},
        error_item=forms.get("error_item"), values=forms.get("item_values") or {})


@bp.route("/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(application_id: int):
    return page(shown_application(application_id))


def _terms(form: AgreementForm) -> ops.Terms:
    fields = ("award", "award_reason", "schedule_model", "starts_on", "ends_on", "bank_account", "security_amount",
              "security_received_on", "de_minimis_prior_eur")
    return ops.Terms(security_kind=form.security_kind.data or None, jobs=form.jobs(),
                     in_kind_amount=form.in_kind_amount.data,
                     bridging_months=form.bridging_months.data, bridging_monthly=form.bridging_monthly.data,
                     **{f: form[f].data for f in fields})


@bp.route("/<int:application_id>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def prepare(application_id: int):
    application = shown_application(application_id, can_prepare_agreement)
    form = _form(application, ops.for_application(application), request.form)
    if not form.validate_on_submit():
        flash(_("The agreement is not saved: correct the marked fields."), "danger")
        return page(application, form, status=422)
    on_refusal(lambda refusal: page(application, form, refusal.errors, refusal.status or 422))
    agreement = ops.prepare(application, current_user, _terms(form))
    db.session.commit()
    flash(_("Agreement %(number)s is saved with its schedule and document.", number=agreement.number), "success")
    return redirect(url_for("agreements.show", application_id=application.id), 303)


@bp.route("/<int:application_id>/<any(security, account, sign):step>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def record(application_id: int, step: str):
    """The officer accepts the security, confirms the account, or records the signing (once nothing is missing)."""
    application = shown_application(application_id, can_prepare_agreement)
    agreement = ops.for_application(application)
    if agreement is None or not BaseForm().validate_on_submit():
        abort(404)
    on_refusal(lambda refusal: redirect(url_for("agreements.show", application_id=application.id), 303))
    if step == "security":
        ops.accept_security(agreement, current_user)
    elif step == "account":
        ops.verify_account(agreement, current_user)
    else:
        fire(application, "sign", current_user)
    db.session.commit()
    flash({"security": _("The security is accepted."), "account": _("The bank account is confirmed."),
           "sign": _("The signing is recorded: the grant is in implementation.")}[step], "success")
    return redirect(url_for("agreements.show", application_id=application.id), 303)


@bp.route("/<int:application_id>/scan", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def upload_scan(application_id: int):
    application = shown_application(application_id, is_applicant_side)
    agreement = ops.for_application(application)
    form = ScanForm()
    if agreement is None:
        abort(404)
    if not form.validate_on_submit() or "scan" not in request.files:
        flash(_("Choose the file of the signed agreement."), "danger")
        return page(application, status=422)
    on_refusal(lambda refusal: page(application, status=refusal.status or 422))
    ops.add_signed_scan(agreement, current_user, request.files["scan"].stream, request.files["scan"].filename)
    db.session.commit()
    flash(_("The signed scan is uploaded; the officer records the signing."), "success")
    return redirect(url_for("agreements.show", application_id=application.id), 303)


@bp.route("/<int:application_id>/security-document", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def upload_security(application_id: int):
    application = shown_application(application_id, can_prepare_agreement)
    agreement = ops.for_application(application)
    if agreement is None:
        abort(404)
    if not ScanForm().validate_on_submit() or "scan" not in request.files:
        flash(_("Choose the file of the security's document."), "danger")
        return back_to(application)
    on_refusal(lambda refusal: back_to(application))
    ops.add_security_document(agreement, current_user, request.files["scan"].stream, request.files["scan"].filename)
    db.session.commit()
    flash(_("The security's document is kept with the agreement."), "success")
    return back_to(application)


@bp.route("/<int:application_id>/agreement.pdf")
@require(Permission.ACCOUNT_SELF_MANAGE)
def document(application_id: int):
    agreement = ops.for_application(shown_application(application_id))
    if agreement is None or agreement.document_key is None:
        abort(404)
    return uploads.send_stored(SimpleNamespace(
        storage_key=agreement.document_key, original_name=f"{agreement.number.replace('/', '-')}.pdf",
        content_type="application/pdf", size=ops.document_size(agreement)))


@bp.route("/<int:application_id>/scans/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def scan(application_id: int, file_id: int):
    agreement = ops.for_application(shown_application(application_id))
    stored = db.session.get(AgreementFile, file_id)
    if agreement is None or stored is None or stored.agreement_id != agreement.id:
        abort(404)
    return uploads.send_stored(stored)
