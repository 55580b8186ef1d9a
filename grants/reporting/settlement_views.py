"""The settlement page of a grant: the grantee's expenditure lines with their invoices against the signed budget,
the own contribution, submitting it; the officer's acceptance or return with comments; the submitted versions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from grants.access import Permission, acts_for, get_or_404, require
from grants.applications import links
from grants.applications.models import Application
from grants.engine.core import available_actions, fire
from grants.extensions import db
from grants.forms import placed
from grants.reporting import settlement as ops
from grants.reporting.forms import DecisionForm, ExpenditureForm, SettlementForm, VersionForm
from grants.reporting.models import SettlementFile, SettlementLine
from grants.reporting.permissions import can_read_grant_reports
from grants.services import uploads
from grants.types import utcnow
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("settlements", __name__, url_prefix="/settlements")
SHOWN = ("implementation", "settlement", "durability", "recovery", "closed")
DECISIONS = {"accept": "accept_settlement", "return": "return_settlement"}
VERSION_DECISIONS = {"accepted": (_l("Settlement accepted"), "success"),
                     "returned": (_l("Returned for changes"), "warning")}
APPLICATION = WORKFLOWS["application"]
links.add_link("settlements.show", _l("Settlement"), "settlement-link",
               lambda user, application: application.status in SHOWN and can_read_grant_reports(user, application))


def _writes(user, application: Application) -> bool:
    return acts_for(user, application.organisation_id)


def _grant(application_id: int, check=can_read_grant_reports, for_update: bool = False) -> Application:
    application = get_or_404(Application, application_id, check, for_update=for_update)
    if application.status not in SHOWN:
        abort(404)
    return application


def page(application: Application, status: int = 200, **forms):
    settlement = ops.settlement_of(application)
    actions = {a.trigger: a for a in available_actions(application, current_user)}
    budget = ops.budget(application)
    line_form = forms.get("line") or ExpenditureForm(version=settlement.version if settlement else None)
    line_form.budget_line.choices = [(p.index, f"{p.index + 1}. {p.item}") for p in budget]
    summary = ops.summary(application, settlement)
    versions = ops.versions(application)
    return render_template(
        "reporting/settlement.html", application=application, settlement=settlement, summary=summary,
        spent_lines=[line for row in summary.rows for line in row.lines], versions=versions,
        decisions=VERSION_DECISIONS, state=APPLICATION.state(application.status),
        returned=versions[-1] if versions and versions[-1].decision == "returned"
        and application.status in ops.EDITABLE else None,
        editable=ops.EDITABLE == (application.status,) and "submit_settlement" in actions,
        submit=actions.get("submit_settlement"), deciding="accept_settlement" in actions,
        late=ops.is_late(application, summary, utcnow().date()), shift=ops.ALLOWED_SHIFT, line=line_form,
        form=forms.get("form") or SettlementForm(
            version=settlement.version if settlement else None,
            own_contribution=settlement.own_contribution if settlement else None,
            remarks=settlement.remarks if settlement else None),
        transition=VersionForm(version=application.version),
        decision=DecisionForm(version=application.version)), status


def _back(application: Application, anchor: str = ""):
    return redirect(url_for("settlements.show", application_id=application.id) + anchor, 303)


@bp.route("/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def show(application_id: int):
    return page(_grant(application_id))


@bp.route("/<int:application_id>", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def save(application_id: int):
    application = _grant(application_id, _writes, for_update=True)
    form = SettlementForm()
    if not form.validate_on_submit():
        return page(application, 422, form=form)
    on_refusal(lambda refusal: page(application, refusal.status or 422, form=placed(form, refusal.errors)))
    ops.save(application, current_user, form.own_contribution.data, form.remarks.data, version=form.version.data)
    db.session.commit()
    flash(_("The settlement is saved."), "success")
    return _back(application)


@bp.route("/<int:application_id>/lines", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def add_line(application_id: int):
    application = _grant(application_id, _writes, for_update=True)
    form = ExpenditureForm()
    if not form.validate_on_submit() or "invoice" not in request.files:
        return page(application, 422, line=form)
    on_refusal(lambda refusal: page(application, refusal.status or 422, line=placed(form, refusal.errors)))
    stored = request.files["invoice"]
    ops.add_line(application, current_user, form.data_for_line(), stored.stream, stored.filename,
                 version=form.version.data)
    db.session.commit()
    flash(_("The expenditure is added."), "success")
    return _back(application, "#lines")


@bp.route("/<int:application_id>/lines/<int:line_id>/delete", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def remove_line(application_id: int, line_id: int):
    application = _grant(application_id, _writes, for_update=True)
    line = db.session.get(SettlementLine, line_id)
    form = VersionForm()
    if line is None or not form.validate_on_submit():
        abort(404 if line is None else 400)
    on_refusal(lambda refusal: _back(application, "#lines"))
    ops.remove_line(application, current_user, line, version=form.version.data)
    db.session.commit()
    flash(_("The expenditure is removed."), "success")
    return _back(application, "#lines")


@bp.route("/<int:application_id>/files/<int:file_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def download(application_id: int, file_id: int):
    settlement = ops.settlement_of(_grant(application_id))
    return uploads.send_part(SettlementFile, file_id, settlement_id=settlement.id if settlement else 0)


@bp.route("/<int:application_id>/submit", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def submit(application_id: int):
    application = _grant(application_id, for_update=True)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(application, refusal.status or 422))
    fire(application, "submit_settlement", current_user, expected_version=form.version.data)
    db.session.commit()
    flash(_("The settlement is submitted: the programme officer checks it."), "success")
    return _back(application)


@bp.route("/<int:application_id>/decision/<any(accept, return):decision>", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def decide(application_id: int, decision: str):
    application = _grant(application_id, for_update=True)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: page(application, refusal.status or 422))
    fire(application, DECISIONS[decision], current_user, form.note.data, expected_version=form.version.data)
    db.session.commit()
    flash(_("The settlement is accepted.") if decision == "accept"
          else _("The settlement is returned to the grantee with your comments."), "success")
    return _back(application)
