"""Recovery pages: the staff's list of cases, opening a case from a grant, the case with its statement of account
on any day, the notice with that statement as a PDF, serving the notice, recording repayments and the other steps
of the recovery workflow."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, require
from grants.applications.forms import TransitionForm
from grants.applications.models import Application
from grants.applications.workflow import members_to_notify
from grants.auth.models import Programme
from grants.control import recovery
from grants.control.forms import OpenCaseForm, RepaymentForm, ServeForm
from grants.control.models import RecoveryCase
from grants.control.permissions import can_handle_recovery, can_read_recovery, can_record_repayment
from grants.engine.core import available_actions, fire, history_of
from grants.errors import Refusal
from grants.extensions import db
from grants.forms import placed as _placed
from grants.services import pdf
from grants.types import utcnow
from grants.web import on_refusal, page_number, row_id
from workflows import WORKFLOWS

bp = Blueprint("recoveries", __name__, url_prefix="/recoveries")
WORKFLOW = WORKFLOWS["recovery"]
OPENABLE = ("implementation", "settlement", "durability", "closed", "recovery")
OWN_FORMS = ("notify", "record_repayment")  # the case page has a form of its own for these


def _case(case_id: int, check=can_read_recovery, for_update: bool = False) -> RecoveryCase:
    return get_or_404(RecoveryCase, case_id, check, for_update=for_update)


def _as_of() -> date:
    as_of = request.args.get("as_of", type=date.fromisoformat) or recovery.local_today()  # unreadable: today
    return min(max(as_of, date(2000, 1, 1)), date(2100, 12, 31))


def _account(case: RecoveryCase, as_of: date) -> tuple:
    """(the statement, None), or (None, the refusal) when no rate is in force: the page and the notice say so."""
    try:
        return recovery.statement(case, as_of), None
    except Refusal as refusal:
        return None, refusal


def page(case: RecoveryCase, status: int = 200, **forms):
    as_of = _as_of()
    account, unavailable = _account(case, as_of)
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


@bp.route("/")
@require(Permission.APPLICATION_ANY_READ)
def index():
    """Every recovery case, newest first, with what is owed today: for the staff who read any case."""
    filters = recovery.Filters.from_args(request.args, request.args.get("call", type=row_id))
    return render_template("control/recoveries.html", filters=filters, workflow=WORKFLOW, bases=recovery.BASES,
                           **recovery.cases_page(filters, request.args.get("page", type=page_number) or 1, utcnow()))


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


@bp.route("/<int:case_id>/notice.pdf")
@require(Permission.ACCOUNT_SELF_MANAGE)
def notice(case_id: int):
    """The notice with its statement of account on a day (?as_of=), to print, sign and send."""
    case = _case(case_id)
    as_of = _as_of()
    account, unavailable = _account(case, as_of)
    config = current_app.config
    grantee = members_to_notify(case.application)
    with force_locale(grantee[0].locale if grantee and grantee[0].locale else "pl"):  # the grantee reads it
        html = render_template(
            "control/recovery_notice_pdf.html", case=case, application=case.application, as_of=as_of,
            account=account, unavailable=unavailable is not None, bases=recovery.BASES,
            kinds=recovery.INTEREST_KINDS, operator=config.get("PAYER_NAME") or Programme.current().name,
            account_number=config.get("PAYER_ACCOUNT"), locale=str(get_locale()))
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    return current_app.response_class(document, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="wezwanie-{case.id}-{as_of.isoformat()}.pdf"'})


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
