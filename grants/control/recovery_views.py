"""Recovery pages: opening a case from a grant, the case with its statement of account on any day, serving the
notice, recording repayments and the other steps of the recovery workflow."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, require
from grants.applications.forms import TransitionForm
from grants.applications.models import Application
from grants.control import recovery
from grants.control.forms import OpenCaseForm, RepaymentForm, ServeForm
from grants.control.models import RecoveryCase
from grants.control.permissions import can_handle_recovery, can_read_recovery, can_record_repayment
from grants.engine.core import available_actions, fire, history_of
from grants.errors import Refusal
from grants.extensions import db
from grants.forms import placed as _placed
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("recoveries", __name__, url_prefix="/recoveries")
WORKFLOW = WORKFLOWS["recovery"]
OPENABLE = ("implementation", "settlement", "durability", "closed", "recovery")
OWN_FORMS = ("notify", "record_repayment")  # the case page has a form of its own for these


def _case(case_id: int, check=can_read_recovery, for_update: bool = False) -> RecoveryCase:
    return get_or_404(RecoveryCase, case_id, check, for_update=for_update)


def page(case: RecoveryCase, status: int = 200, **forms):
    as_of = request.args.get("as_of", type=date.fromisoformat) or recovery.local_today()  # unreadable: today
    as_of = min(max(as_of, date(2000, 1, 1)), date(2100, 12, 31))
    try:
        account, unavailable = recovery.statement(case, as_of), None
    except Refusal as refusal:  # no rate in force yet: the page says so and still offers its actions
        account, unavailable = None, refusal
    return render_template(
        "control/recovery.html", case=case, application=case.application, workflow=WORKFLOW,
        account=account, unavailable=unavailable, as_of=as_of, bases=recovery.BASES, kinds=recovery.INTEREST_KINDS,
        repayments=recovery.repayments(case), history=history_of(case),
        actions=[a for a in available_actions(case, current_user) if a.trigger not in OWN_FORMS],
        can_serve=any(a.trigger == "notify" and a.enabled for a in available_actions(case, current_user)),
        can_repay=can_record_repayment(current_user, case) and case.status in ("notified", "overdue"),
        serve=forms.get("serve") or ServeForm(version=case.version),
        repayment=forms.get("repayment") or RepaymentForm(version=case.version),
        transition=TransitionForm(version=case.version)), status


def _back(case: RecoveryCase):
    return redirect(url_for("recoveries.show", case_id=case.id), 303)


@bp.route("/new/<int:application_id>", methods=["GET", "POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def new(application_id: int):
    application = get_or_404(Application, application_id, can_handle_recovery)
    if application.status not in OPENABLE:
        abort(404)
    form = OpenCaseForm()
    cases = db.session.scalars(select(RecoveryCase).where(RecoveryCase.application_id == application.id)).all()
    if not form.validate_on_submit():
        return render_template("control/recovery_new.html", application=application, form=form, cases=cases,
                               workflow=WORKFLOW), 422 if request.method == "POST" else 200
    on_refusal(lambda refusal: (render_template("control/recovery_new.html", application=application, form=form,
                                                cases=cases, workflow=WORKFLOW, errors=refusal.errors or {}), 422))
    case = recovery.open_case(application, current_user, form.principal.data, form.basis.data,
                              form.interest_kind.data, form.transferred_on.data, form.facts.data or "")
    db.session.commit()
    flash(_("The recovery case is opened. Serve the notice to start the time to repay."), "success")
    return _back(case)


@bp.route("/<int:case_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(case_id: int):
    return page(_case(case_id))


@bp.route("/<int:case_id>/serve", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def serve(case_id: int):
    case = _case(case_id, can_handle_recovery, for_update=True)
    form = ServeForm()
    if not form.validate_on_submit():
        return page(case, status=422, serve=form)
    on_refusal(lambda refusal: page(case, status=refusal.status or 422, serve=_placed(form, refusal.errors)))
    fire(case, "notify", current_user, expected_version=form.version.data, served_on=form.served_on.data)
    db.session.commit()
    flash(_("The notice is served: repayment is due by %(day)s.", day=format_date(case.due_on, "long")), "success")
    return _back(case)


@bp.route("/<int:case_id>/repayments", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def repay(case_id: int):
    case = _case(case_id, can_record_repayment, for_update=True)
    form = RepaymentForm()
    if not form.validate_on_submit():
        return page(case, status=422, repayment=form)
    on_refusal(lambda refusal: page(case, status=refusal.status or 422, repayment=_placed(form, refusal.errors)))
    recovery.record_repayment(case, current_user, form.paid_on.data, form.amount.data, form.bank_reference.data,
                              version=form.version.data)
    db.session.commit()
    flash(_("The repayment is recorded."), "success")
    return _back(case)


@bp.route("/<int:case_id>/actions/<trigger>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def act(case_id: int, trigger: str):
    case = _case(case_id, can_handle_recovery, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit() or trigger in OWN_FORMS:
        abort(400)
    on_refusal(lambda refusal: page(case, status=refusal.status or 422))
    fire(case, trigger, current_user, form.reason.data, expected_version=form.version.data)
    db.session.commit()
    flash(_("Done: %(state)s.", state=WORKFLOW.state(case.status).label(str(get_locale()))), "success")
    return _back(case)
