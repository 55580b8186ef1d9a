"""Usage-control pages: the auditors' list with the sample draw, one control with its checklist, findings and
the grantee's answers, and a control planned ad hoc from a grant's page."""
from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants.access import Permission, get_or_404, has_permission, membership_role, require
from grants.applications import links
from grants.applications.forms import TransitionForm
from grants.applications.models import Application
from grants.calls.models import Call
from grants.control import controls as ops
from grants.control.forms import AdHocForm, AnswerForm, DocumentForm, DrawForm, FindingForm
from grants.control.models import Control, ControlFile, ControlPlan, Finding, RecoveryCase
from grants.control.permissions import can_handle_recovery
from grants.engine.core import available_actions, fire, history_of
from grants.extensions import db
from grants.forms import placed as _placed
from grants.services import uploads
from grants.types import utcnow
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("controls", __name__, url_prefix="/controls")


@bp.app_template_global("control_state")
def control_state(control: Control) -> str:
    """A control's state as people read it: a called-off one is not a control carried out and closed."""
    if control.cancelled_at is not None:
        return _("Called off")
    return WORKFLOW.state(control.status).label(str(get_locale()))
WORKFLOW = WORKFLOWS["control"]


def can_read_control(user, control) -> bool:
    return membership_role(user, control.application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)


def is_grantee(user, control) -> bool:
    return membership_role(user, control.application.organisation_id) is not None


def is_auditor(user, obj) -> bool:
    return has_permission(user, Permission.CONTROL_ANY_MANAGE)


def _grant_link_shown(user, application) -> bool:
    """Staff who plan controls or recover money always; the grantee's people once there is something to see."""
    if application.status not in (*ops.CONTROLLABLE, "recovery"):
        return False
    if can_handle_recovery(user, application):
        return True
    return membership_role(user, application.organisation_id) is not None and bool(
        db.session.scalar(select(Control.id).where(Control.application_id == application.id).limit(1))
        or db.session.scalar(select(RecoveryCase.id).where(RecoveryCase.application_id == application.id).limit(1)))


links.add_link("controls.grant", _l("Controls and recovery"), "control-link", _grant_link_shown)


def can_read_grant(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)


def _control(control_id: int, check=can_read_control, for_update: bool = False) -> Control:
    return get_or_404(Control, control_id, check, for_update=for_update, options=[joinedload(Control.application)])


def _draw_form(form: DrawForm | None = None) -> DrawForm:
    form = form or DrawForm(seed=secrets.randbelow(10**6), planned_on=utcnow().date())
    form.call.choices = [(0, _("All calls of the programme"))] + [
        (c.id, c.title) for c in db.session.scalars(select(Call).order_by(Call.title))]
    return form


def index_page(form: DrawForm | None = None, status: int = 200):
    controls = db.session.scalars(select(Control).options(joinedload(Control.application))
                                  .order_by(Control.id.desc()).limit(200)).all()
    plans = db.session.scalars(select(ControlPlan).options(selectinload(ControlPlan.call))
                               .order_by(ControlPlan.id.desc()).limit(20)).all()
    return render_template("control/controls.html", controls=controls, plans=plans, form=_draw_form(form),
                           workflow=WORKFLOW, auditor=is_auditor(current_user, None)), status


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    return index_page()


@bp.route("/draw", methods=["POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def draw():
    form = _draw_form(DrawForm())
    if not form.validate_on_submit():
        return index_page(form, 422)
    call = get_or_404(Call, form.call.data, lambda user, call: True, for_update=True) if form.call.data else None
    on_refusal(lambda refusal: index_page(_placed(form, refusal.errors), refusal.status or 422))
    plan = ops.draw(call, current_user, form.method.data, form.size.data, form.seed.data, form.planned_on.data,
                    share=form.share.data)
    db.session.commit()
    flash(_("%(n)d grants drawn for control.", n=len(plan.chosen)), "success")
    return redirect(url_for("controls.index"), 303)


@bp.route("/grant/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def grant(application_id: int):
    """A grant's controls and recovery cases, for its people and for staff."""
    application = get_or_404(Application, application_id, can_read_grant)
    return render_template(
        "control/grant.html", application=application, workflow=WORKFLOW, recovery_workflow=WORKFLOWS["recovery"],
        controls=db.session.scalars(select(Control).where(Control.application_id == application.id)
                                    .order_by(Control.id.desc())).all(),
        cases=db.session.scalars(select(RecoveryCase).where(RecoveryCase.application_id == application.id)
                                 .order_by(RecoveryCase.id.desc())).all(),
        auditor=is_auditor(current_user, application), recovers=can_handle_recovery(current_user, application))


@bp.route("/new/<int:application_id>", methods=["GET", "POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def new(application_id: int):
    application = get_or_404(Application, application_id, is_auditor)
    form = AdHocForm(planned_on=utcnow().date()) if request.method == "GET" else AdHocForm()
    if not form.validate_on_submit():
        return render_template("control/control_new.html", application=application, form=form), \
            422 if request.method == "POST" else 200
    on_refusal(lambda refusal: (render_template("control/control_new.html", application=application, form=form),
                                refusal.status or 422))
    control = ops.ad_hoc(application, current_user, form.planned_on.data, form.scope.data)
    db.session.commit()
    return redirect(url_for("controls.show", control_id=control.id), 303)


def page(control: Control, status: int = 200, **forms):
    auditor = is_auditor(current_user, control)
    return render_template(
        "control/control.html", control=control, application=control.application, workflow=WORKFLOW,
        findings=ops.findings(control), checklist=ops.CHECKLIST, auditor=auditor,
        grantee=is_grantee(current_user, control), history=history_of(control),
        editable=auditor and control.status in ("in_progress", "findings"),
        answerable=control.status in ops.OPEN, locale=str(get_locale()),
        actions=available_actions(control, current_user) if auditor else [],
        finding=forms.get("finding") or FindingForm(), answer=AnswerForm(), document=DocumentForm(),
        documents=ops.documents(control),
        transition=TransitionForm(version=control.version)), status


def _back(control: Control):
    return redirect(url_for("controls.show", control_id=control.id), 303)


@bp.route("/<int:control_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(control_id: int):
    return page(_control(control_id))


@bp.route("/<int:control_id>/checklist", methods=["POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def checklist(control_id: int):
    control = _control(control_id, is_auditor, for_update=True)
    if not AnswerForm().validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(control, refusal.status or 422))
    ops.tick_checklist(control, current_user, request.form.getlist("item"))
    db.session.commit()
    flash(_("The checklist is saved."), "success")
    return _back(control)


@bp.route("/<int:control_id>/findings", methods=["POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def add_finding(control_id: int):
    control = _control(control_id, is_auditor, for_update=True)
    form = FindingForm()
    if not form.validate_on_submit():
        return page(control, 422, finding=form)
    on_refusal(lambda refusal: page(control, refusal.status or 422, finding=_placed(form, refusal.errors)))
    ops.add_finding(control, current_user, form.text.data, form.recommendation.data, form.deadline.data)
    db.session.commit()
    flash(_("The finding is recorded; the grantee can answer it."), "success")
    return _back(control)


@bp.route("/<int:control_id>/findings/<int:finding_id>/answer", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def answer(control_id: int, finding_id: int):
    control = _control(control_id, is_grantee, for_update=True)
    finding = db.session.get(Finding, finding_id)
    form = AnswerForm()
    if finding is None or finding.control_id != control.id:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(control, refusal.status or 422))
    ops.answer(finding, control, current_user, form.answer.data)
    document = request.files.get("document")
    if document is not None and document.filename:
        ops.add_document(control, current_user, document.stream, document.filename, finding)
    db.session.commit()
    flash(_("Your answer is sent to the auditor."), "success")
    return _back(control)


@bp.route("/<int:control_id>/documents", methods=["POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def add_document(control_id: int):
    control = _control(control_id, is_auditor, for_update=True)
    document = request.files.get("document")
    if not DocumentForm().validate_on_submit() or document is None or not document.filename:
        flash(_("Choose the file."), "danger")
        return _back(control)
    on_refusal(lambda refusal: page(control, refusal.status or 422))
    ops.add_document(control, current_user, document.stream, document.filename)
    db.session.commit()
    flash(_("The document is added to the control."), "success")
    return _back(control)


@bp.route("/<int:control_id>/documents/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def document(control_id: int, file_id: int):
    return uploads.send_part(ControlFile, file_id, control_id=_control(control_id).id)


@bp.route("/<int:control_id>/actions/<trigger>", methods=["POST"])
@require(Permission.CONTROL_ANY_MANAGE)
def act(control_id: int, trigger: str):
    control = _control(control_id, is_auditor, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(control, refusal.status or 422))
    fire(control, trigger, current_user, form.reason.data, expected_version=form.version.data)
    db.session.commit()
    if trigger == "open_recovery":  # the amount, basis and facts are given on the recovery form
        flash(_("The control is sent to recovery: open the recovery case with its amount and basis."), "success")
        return redirect(url_for("recoveries.new", application_id=control.application_id), 303)
    flash(_("Done: %(state)s.", state=WORKFLOW.state(control.status).label(str(get_locale()))), "success")
    return _back(control)
