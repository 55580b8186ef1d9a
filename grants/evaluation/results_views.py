"""The officer's ranking page of a call: compute a draft, check it, reduce amounts, publish."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, require
from grants.applications.models import Application
from grants.calls.models import Call
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.forms import ConfirmForm, ReductionForm
from grants.evaluation.models import AmountReduction, Ranking, RankingStatus
from grants.evaluation.permissions import can_manage_evaluation
from grants.extensions import db
from grants.web import on_refusal
from workflows import WORKFLOWS

bp = Blueprint("ranking", __name__, url_prefix="/manage/calls/<int:call_id>/ranking")
REDUCIBLE = ("scored", "reserve")  # states in which an officer may still reduce the amount to award


def _call(call_id: int) -> Call:
    return get_or_404(Call, call_id, can_manage_evaluation)


@bp.route("/")
@require(Permission.CALL_ANY_MANAGE)
def show(call_id: int):
    call = _call(call_id)
    lists = results.lists(call)
    chosen = request.args.get("ranking", type=int)
    ranking = next((r for r in lists if r.id == chosen), lists[0] if lists else None)
    rows = []
    if ranking is not None:
        entries = results.entries(ranking)
        applications = {a.id: a for a in db.session.scalars(
            select(Application).where(Application.id.in_([e.application_id for e in entries])))}
        reductions = {r.application_id: r for r in db.session.scalars(
            select(AmountReduction).where(AmountReduction.application_id.in_(list(applications))))}
        rows = [(e, applications[e.application_id], reductions.get(e.application_id),
                 e.passed and applications[e.application_id].status in REDUCIBLE) for e in entries]
    verified = request.args.get("verify") == "1" and ranking is not None and results.verify(ranking)
    return render_template("evaluation/ranking.html", call=call, ranking=ranking, rows=rows, confirm=ConfirmForm(),
                           reduction=ReductionForm(), awarded=results.awarded(call), verified=verified,
                           checked=request.args.get("verify") == "1", workflow=WORKFLOWS["application"],
                           commission=ops.is_commission(call), lists=lists, by_id={r.id: r for r in lists})


def _back(call_id: int, **args):
    return redirect(url_for("ranking.show", call_id=call_id, **args), 303)


@bp.route("/compute", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def compute(call_id: int):
    call = _call(call_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: _back(call.id))
    ranking = results.compute(call, current_user)
    db.session.commit()
    flash(_("Draft ranking computed: review it, then publish."), "success")
    return _back(call.id, ranking=ranking.id)


@bp.route("/publish", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def publish(call_id: int):
    call = _call(call_id)
    ranking = db.session.scalar(select(Ranking).where(Ranking.call_id == call.id,
                                                      Ranking.status == RankingStatus.DRAFT))
    if ranking is None or not ConfirmForm().validate_on_submit():
        abort(404)
    on_refusal(lambda refusal: _back(call.id))
    count = results.publish(ranking, current_user)
    db.session.commit()
    flash(_("The ranking is published: %(n)d applicants are told their result.", n=count), "success")
    return _back(call.id)


@bp.route("/applications/<int:application_id>/reduce", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def reduce(call_id: int, application_id: int):
    call = _call(call_id)
    application = db.session.get(Application, application_id)
    if application is None or application.call_id != call.id:
        abort(404)
    form = ReductionForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    results.reduce_amount(application, current_user, form.amount.data, form.reason.data)
    db.session.commit()
    flash(_("Amount reduced for %(number)s; compute the ranking again to apply it.", number=application.number),
          "success")
    return _back(call.id)
