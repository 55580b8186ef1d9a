"""Application pages everyone with access shares: the case page, its buttons, its files.

The applicant's pages are in applicant.py, the officer's in officer.py; all three use this blueprint.
"""
from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from grants.access import Permission, get_or_404, require
from grants.applications import eligibility, links, queries, reading
from grants.applications.forms import CorrectionForm, TransitionForm
from grants.applications.models import Application, Attachment
from grants.applications.permissions import can_view_application, is_staff_view
from grants.engine.core import available_actions, fire, history_of
from grants.extensions import db
from grants.services import pdf, uploads
from grants.types import utcnow
from grants.ui import localised
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("applications", __name__, url_prefix="/applications")
WORKFLOW = WORKFLOWS["application"]
# Triggers with a form of their own on the page (the generic buttons leave them out).
# Transitions fired from their own pages: the edit form, the correction panel, the agreement (grants/finance).
OWN_FORMS = ("submit", "resubmit", "request_correction", "prepare_agreement", "sign")
# While these hold, staff see the formal-check panel.
FORMAL_STAGE = ("submitted", "formal_check", "correction")


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


def correction_choices(application: Application) -> list[tuple[str, str]]:
    call = application.call
    return [(queries.answer_item(q["id"]), localised(q.get("label"))) for q in call.form or ()] + \
        [(queries.attachment_item(r["id"]), _("Attachment: %(name)s", name=localised(r.get("name"))))
         for r in call.required_attachments or ()]


def missing_answer_labels(application: Application) -> list[str]:
    labels = {q["id"]: localised(q.get("label")) for q in application.call.form or ()}
    return [labels[q] for q in queries.missing_answers(application.call.form, application.answers or {})]


def version_context(application: Application, versions: list, number: str | None = None, *,
                    changes: bool = False) -> dict:
    """The submitted version a page shows (the latest, or the one ?version=N names: 404 for a number this
    application has not got) laid out like the form; with `changes`, what it changed since the one before."""
    if not versions:
        if number is not None:
            abort(404)
        return {"shown": None}
    shown = versions[-1] if number is None else next((v for v in versions if str(v.number) == number), None)
    if shown is None:
        abort(404)
    call, index = application.call, versions.index(shown)
    return {"shown": shown, "answers": reading.answers(call.form, shown),
            "files": reading.files(call.required_attachments, shown),
            "previous": versions[index - 1] if index else None,
            "diff": reading.changes(call.form, call.required_attachments, versions[index - 1], shown)
            if changes and index else None}


# Where the page links to the evaluation's results: staff from the merit review on, applicants once published.
APPLICANT_RESULT_STATES = ("selected", "reserve", "rejected", "appeal")
AGREEMENT_STATES = ("selected", "agreement", "implementation", "settlement", "durability", "recovery", "closed")
STAFF_RESULT_STATES = ("merit_review", "third_review", "scored", *APPLICANT_RESULT_STATES)


def draft_context(application: Application, attachments: list) -> dict:
    """A draft as staff read it where the programme allows it: what the applicant has entered so far."""
    draft = SimpleNamespace(answers=application.answers or {}, requested_amount=application.requested_amount,
                            attachments=[{"id": a.id, "requirement_id": a.requirement_id, "name": a.original_name,
                                          "sha256": a.sha256, "size": a.size} for a in attachments])
    call = application.call
    return {"draft": draft, "answers": reading.answers(call.form, draft),
            "files": reading.files(call.required_attachments, draft)}


def render_case(application: Application, form: TransitionForm | None = None, correction=None,
                version_number: str | None = None):
    """The case page: state, the submitted answers, timeline, files, checks and the buttons this user may
    press now."""
    staff_view = is_staff_view(current_user)
    history = history_of(application)
    versions = queries.versions(application)
    shown = version_context(application, versions, version_number, changes=staff_view)
    attachments = queries.current_attachments(application, versions[-1] if versions else None, versions_read=True)
    missing_attachments = queries.missing_attachments(application, attachments)
    if staff_view and not versions and application.status == "draft":
        shown |= draft_context(application, attachments)
    all_actions = available_actions(application, current_user, known={"missing_attachments": missing_attachments})
    triggers = {a.trigger for a in all_actions}
    can_edit = bool(triggers & {"submit", "resubmit"})  # offered to those who act for the applicant
    correction = correction or CorrectionForm(version=application.version)
    correction.items.choices = correction_choices(application)
    return render_template(
        "applications/detail.html", application=application, workflow=WORKFLOW, locale=_locale(),
        staff_view=staff_view, history=history, timeline=public_timeline(history), versions=versions, **shown,
        actions=[a for a in all_actions if a.trigger not in OWN_FORMS],
        form=form or TransitionForm(version=application.version), can_edit=can_edit,
        correcting=application.status == "correction", formal_stage=staff_view and application.status in FORMAL_STAGE,
        attachments=attachments, rules=eligibility.evaluate(application, utcnow().date()) if staff_view else [],
        missing_answers=missing_answer_labels(application), missing_attachments=missing_attachments,
        shows_results=application.status in (STAFF_RESULT_STATES if staff_view else APPLICANT_RESULT_STATES),
        shows_agreement=application.status in AGREEMENT_STATES, links=links.shown(current_user, application),
        correction=correction, can_request_correction=staff_view and "request_correction" in triggers,
        checklist=[(item_id, localised(label), (application.formal_checklist or {}).get(item_id, False))
                   for item_id, label in queries.formal_checklist(application.call)],
    )


@bp.route("/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def detail(application_id: int):
    application = get_or_404(Application, application_id, can_view_application,
                             options=[joinedload(Application.call), joinedload(Application.organisation)])
    return render_case(application, version_number=request.args.get("version"))


@bp.route("/<int:application_id>/versions/<int:number>.pdf")
@require(Permission.ACCOUNT_SELF_MANAGE)
def version_pdf(application_id: int, number: int):
    """A submitted version as a PDF, with its number and content hash in every page's footer."""
    application = get_or_404(Application, application_id, can_view_application,
                             options=[joinedload(Application.call), joinedload(Application.organisation)])
    shown = version_context(application, queries.versions(application), str(number))
    html = render_template("applications/version_pdf.html", application=application, locale=_locale(), **shown)
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    name = f"{application.number or application.id}-v{number}.pdf".replace("/", "-")
    return send_file(io.BytesIO(document), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/<int:application_id>/actions/<trigger>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def act(application_id: int, trigger: str):
    """Fire a transition from the page's buttons; the engine decides who may and whether, and runs the
    transition's declared effects, so this route does exactly what the dedicated forms do."""
    application = get_or_404(Application, application_id, can_view_application, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        return render_case(application, form), 400
    on_refusal(lambda refusal: render_case(application, form))
    fire(application, trigger, current_user, form.reason.data, expected_version=form.version.data)
    db.session.commit()
    flash(_("Done: %(state)s.", state=WORKFLOW.state(application.status).label(_locale())), "success")
    return redirect(url_for("applications.detail", application_id=application.id), 303)


@bp.route("/<int:application_id>/attachments/<int:attachment_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def download(application_id: int, attachment_id: int):
    """Access is checked here; then a short-lived presigned URL (S3) or a stream through the app (local)."""
    application = get_or_404(Application, application_id, can_view_application)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return uploads.send_stored(attachment)
