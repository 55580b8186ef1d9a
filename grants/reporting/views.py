"""Report pages: a grant's reports, one report (the grantee's form while it may change, the submitted versions,
the officer's decision), its photos and documents, and the officers' list of reports across calls."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from grants.access import Permission, get_or_404, require
from grants.applications import links
from grants.applications.models import Application
from grants.engine.core import available_actions, history_of
from grants.extensions import db
from grants.reporting import listing, questions
from grants.reporting import operations as ops
from grants.reporting.forms import DecisionForm, VersionForm
from grants.reporting.models import Report, ReportFile
from grants.reporting.permissions import can_decide_report, can_read_grant_reports, can_read_report, is_grantee
from grants.services import uploads
from grants.web import on_refusal, page_number, row_id
from workflows import WORKFLOWS

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.add_app_template_global(listing.period_label, "report_period")
WORKFLOW = WORKFLOWS["report"]
REPORTING_STATES = ("implementation", "settlement", "durability", "recovery", "closed")
links.add_link("reports.grant", _l("Reports"), "reports-link",
               lambda user, application: application.status in REPORTING_STATES
               and can_read_grant_reports(user, application))


def _report(report_id: int, check=can_read_report, for_update: bool = False) -> Report:
    return get_or_404(Report, report_id, check, for_update=for_update,
                      options=[joinedload(Report.application), joinedload(Report.form)])


def page(report: Report, answers: dict | None = None, errors: dict | None = None, status: int = 200, raw=None):
    """The report's page; a refused save comes back with what was typed and a message by each question."""
    grantee = is_grantee(current_user, report)
    versions = ops.versions(report)
    shown = listing.shown_version(versions, request.args.get("version"))
    return render_template(
        "reporting/report.html", report=report, application=report.application, workflow=WORKFLOW,
        questions=questions.definition(report.form.questions if report.form else []),
        answers=report.answers if answers is None else answers, errors=errors or {},
        editable=grantee and report.status in ops.EDITABLE, grantee=grantee,
        officer=can_decide_report(current_user, report) and report.status == "submitted",
        files=ops.files(report), versions=versions, shown=shown, history=history_of(report),
        actions={a.trigger for a in available_actions(report, current_user)},
        missing=set(ops.missing(report)), form=VersionForm(version=report.version),
        late=listing.is_late(report), returned=report.status == "returned", raw=raw,
        tone="success" if report.status == "accepted" else "danger" if listing.is_late(report) else "primary",
        decision=DecisionForm(version=report.version)), status


def _back(report: Report, anchor: str = ""):
    return redirect(url_for("reports.show", report_id=report.id) + anchor, 303)


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    filters = listing.Filters.from_args(request.args, request.args.get("call", type=row_id))
    return render_template("reporting/list.html", filters=filters, workflow=WORKFLOW,
                           **listing.page(filters, request.args.get("page", type=page_number) or 1))


@bp.route("/mine")
@require(Permission.ACCOUNT_SELF_MANAGE)
def mine():
    """The reports of the organisations this person acts for: those to do first, by deadline."""
    reports = listing.of_member(current_user)
    return render_template("reporting/mine.html", workflow=WORKFLOW, reports=reports,
                           late={r.id for r in reports if listing.is_late(r)})


@bp.route("/grant/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def grant(application_id: int):
    application = get_or_404(Application, application_id, can_read_grant_reports)
    reports = listing.of_grant(application)
    return render_template("reporting/grant.html", application=application, workflow=WORKFLOW, reports=reports,
                           late={r.id for r in reports if listing.is_late(r)},
                           upcoming=listing.upcoming(application))


@bp.route("/<int:report_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(report_id: int):
    return page(_report(report_id))


@bp.route("/<int:report_id>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def save(report_id: int):
    report = _report(report_id, is_grantee, for_update=True)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    answers, errors = questions.read(questions.definition(report.form.questions if report.form else []),
                                     request.form)
    if errors:
        return page(report, answers, errors, status=422, raw=request.form)
    on_refusal(lambda refusal: page(report, answers, refusal.errors, status=refusal.status or 422))
    ops.save(report, current_user, answers, version=form.version.data)
    db.session.commit()  # the draft is kept even if what follows is refused (a file, something still missing)
    chosen = [(name[5:], stored) for name, stored in request.files.items() if name.startswith("file.")
              and stored.filename]
    for question_id, stored in chosen:
        ops.add_file(report, current_user, question_id, stored.stream, stored.filename)
        db.session.commit()
    if chosen and "submit" not in request.form:
        flash(_("Your answers are saved and the file is added."), "success")
        return _back(report, f"#q-{chosen[-1][0]}")
    if "submit" in request.form:
        ops.submit(report, current_user)
        db.session.commit()
    flash(_("The report is submitted: the programme officer checks it.") if "submit" in request.form
          else _("The report is saved as a draft."), "success")
    return _back(report)


@bp.route("/<int:report_id>/decision/<any(accept, return):decision>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def decide(report_id: int, decision: str):
    report = _report(report_id, can_decide_report, for_update=True)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(report, status=refusal.status or 422))
    released = ops.decide(report, current_user, decision == "accept", form.note.data, version=form.version.data)
    db.session.commit()
    if decision == "return":
        flash(_("The report is returned to the grantee with your comments."), "success")
    else:
        flash(_("The report is accepted.") + (" " + _("Payments released from hold: %(n)d.", n=released)
                                              if released else ""), "success")
    return _back(report)


@bp.route("/<int:report_id>/files/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def download(report_id: int, file_id: int):
    return uploads.send_stored(_file(_report(report_id), file_id))


@bp.route("/<int:report_id>/files/<int:file_id>/delete", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def remove(report_id: int, file_id: int):
    report = _report(report_id, is_grantee, for_update=True)
    stored = _file(report, file_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: _back(report, "#media"))
    ops.remove_file(report, current_user, stored)
    db.session.commit()
    flash(_("The file is removed."), "success")
    return _back(report, f"#q-{stored.question_id}")


def _file(report: Report, file_id: int) -> ReportFile:
    stored = db.session.get(ReportFile, file_id)
    if stored is None or stored.report_id != report.id:
        abort(404)
    return stored
