"""Job pages: a grant's jobs with the PS status duty and the form to register a job (or a lost job's
replacement), one job with its person, documents and history, and the staff's decisions on it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from grants.access import Permission, get_or_404, require
from grants.applications import links
from grants.applications.models import Application
from grants.control.recovery import local_today
from grants.engine.core import available_actions, fire, history_of
from grants.extensions import db
from grants.forms import placed
from grants.services import uploads
from grants.support import jobs as ops
from grants.support.forms import JobActionForm, JobForm, LossForm, PsStatusForm
from grants.support.models import Job, JobFile, PsStatusFile
from grants.support.permissions import can_read_job, can_read_jobs, can_register_jobs
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
WORKFLOW = WORKFLOWS["job"]
FILE_KINDS = {"eligibility": _l("Eligibility document"), "disability": _l("Disability certificate")}
SHOWN = ("implementation", "settlement", "durability", "recovery", "closed")
links.add_link("jobs.grant", _l("Jobs"), "jobs-link",
               lambda user, application: application.status in SHOWN and "job" in application.call.type.uses_workflows
               and can_read_jobs(user, application))


def _grant(application_id: int, check=can_read_jobs, for_update: bool = False) -> Application:
    application = get_or_404(Application, application_id, check, for_update=for_update)
    if application.status not in SHOWN or "job" not in application.call.type.uses_workflows:
        abort(404)
    return application


def grant_page(application: Application, status: int = 200, form: JobForm | None = None,
               ps_form: PsStatusForm | None = None):
    found = ops.jobs_of(application)
    replaceable = [j for j in found if j.status == "lost" and j.recovery_case_id is None
                   and not any(other.replaces_id == j.id for other in found)]
    form = form or JobForm()
    form.replaces.choices = [(0, _("A new job"))] + [
        (j.id, _("%(name)s, %(fte)s (lost %(day)s)", name=j.person_name, fte=ops.fte_label(j.fte),
                 day=format_date(j.lost_on, "medium"))) for j in replaceable]
    agreement = ops.agreement_of(application)
    return render_template(
        "support/jobs.html", application=application, jobs=found, workflow=WORKFLOW, fte_label=ops.fte_label,
        eligibility=ops.ELIGIBILITY, masked=ops.masked, slots=ops.slots(application),
        active=sum(1 for j in found if j.status in ops.ACTIVE), replaceable={j.id for j in replaceable},
        lost={j.id for j in found if j.status == "lost"}, shares={j.id: ops.share(j, agreement) for j in found},
        missing=ops.missing_proofs(application, local_today()), duty=ops.ps_status_of(application),
        today=local_today(), writes=can_register_jobs(current_user, application)
        and application.status in ops.RUNNING, form=form, ps_form=ps_form or PsStatusForm()), status


def _back(application: Application, anchor: str = ""):
    return redirect(url_for("jobs.grant", application_id=application.id) + anchor, 303)


def _file(name: str):
    chosen = request.files.get(name)
    return (chosen.stream, chosen.filename) if chosen is not None and chosen.filename else None


@bp.route("/grant/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def grant(application_id: int):
    return grant_page(_grant(application_id))


@bp.route("/grant/<int:application_id>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def register(application_id: int):
    application = _grant(application_id, can_register_jobs, for_update=True)
    form = JobForm()
    form.replaces.choices = []
    if not form.validate_on_submit():
        return grant_page(application, 422, form=form)
    on_refusal(lambda refusal: grant_page(application, refusal.status or 422, form=placed(form, refusal.errors)))
    ops.register(application, current_user, ops.NewJob(
        form.person_name.data, form.pesel.data, form.eligibility.data, form.fte.data, form.starts_on.data,
        form.replaces.data or None), _file("eligibility_doc"), _file("disability_doc"))
    db.session.commit()
    flash(_("The job is registered."), "success")
    return _back(application, "#jobs")


@bp.route("/grant/<int:application_id>/ps-status", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def ps_status(application_id: int):
    application = _grant(application_id, can_register_jobs, for_update=True)
    form = PsStatusForm()
    document = _file("document")
    if not form.validate_on_submit() or document is None:
        if document is None:
            form.document.errors = [_("Attach the document.")]
        return grant_page(application, 422, ps_form=form)
    on_refusal(lambda refusal: grant_page(application, refusal.status or 422, ps_form=placed(form, refusal.errors)))
    ops.record_ps_status(application, current_user, form.obtained_on.data, *document)
    db.session.commit()
    flash(_("The PS status is recorded."), "success")
    return _back(application, "#ps-status")


@bp.route("/grant/<int:application_id>/ps-status/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def ps_status_file(application_id: int, file_id: int):
    return uploads.send_part(PsStatusFile, file_id, application_id=_grant(application_id).id)


def _job(job_id: int, for_update: bool = False) -> Job:
    return get_or_404(Job, job_id, can_read_job, for_update=for_update, options=[joinedload(Job.application)])


def job_page(job: Job, status: int = 200, loss: LossForm | None = None):
    actions = {a.trigger: a for a in available_actions(job, current_user)}
    return render_template(
        "support/job.html", job=job, application=job.application, workflow=WORKFLOW, fte_label=ops.fte_label,
        eligibility=ops.ELIGIBILITY, files=ops.files_of(job), file_kinds=FILE_KINDS, history=history_of(job),
        share=ops.share(job, ops.agreement_of(job.application)), finance=actions.get("finance"),
        replaced_by=ops.replacement_of(job), lost=job.status == "lost",
        report_loss=actions.get("report_loss"), loss=loss or LossForm(version=job.version),
        action=JobActionForm(version=job.version)), status


@bp.route("/<int:job_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(job_id: int):
    return job_page(_job(job_id))


@bp.route("/<int:job_id>/files/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def download(job_id: int, file_id: int):
    return uploads.send_part(JobFile, file_id, job_id=_job(job_id).id)


@bp.route("/<int:job_id>/<any(finance, report_loss):trigger>", methods=["POST"])
@require(Permission.APPLICATION_ANY_READ)
def decide(job_id: int, trigger: str):
    job = _job(job_id, for_update=True)
    form = LossForm() if trigger == "report_loss" else JobActionForm()
    if not form.validate_on_submit():
        return job_page(job, 422, loss=form if trigger == "report_loss" else None)
    data = {"lost_on": form.lost_on.data.isoformat()} if trigger == "report_loss" and form.lost_on.data else {}
    on_refusal(lambda refusal: job_page(job, refusal.status or 422, loss=placed(form, refusal.errors)
                                        if trigger == "report_loss" else None))
    fire(job, trigger, current_user, getattr(form, "reason", None) and form.reason.data,
         expected_version=form.version.data, **data)
    db.session.commit()
    flash(_("Financing of the job has started.") if trigger == "finance"
          else _("The job is recorded as lost; the grantee may replace it."), "success")
    return redirect(url_for("jobs.show", job_id=job.id), 303)
