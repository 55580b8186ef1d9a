"""The program officer's evaluation pages for a call: the pool, assignments and draws, progress per evaluator."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, load_only

from grants.access import Permission, get_or_404, require
from grants.applications.models import Application
from grants.auth.models import Role, RoleAssignment, User
from grants.calls.models import Call
from grants.evaluation import operations as ops
from grants.evaluation.forms import AssignForm, ConfirmForm, DrawForm, PoolForm, WithdrawForm
from grants.evaluation.models import OPEN_STATUSES, PoolMember, Scorecard, ScorecardStatus
from grants.evaluation.permissions import can_manage_evaluation
from grants.extensions import db
from grants.types import utcnow
from grants.web import on_refusal, page_number
from workflows import WORKFLOWS

bp = Blueprint("evaluation_manage", __name__, url_prefix="/manage/calls/<int:call_id>/evaluation")
PAGE_SIZE = 50
# In evaluation, and decided by a published ranking (still shown, with their scores, after the results).
SHOWN_STATES = ("merit_review", "third_review", "scored", "appeal", "selected", "reserve", "rejected")
SUMMARY_COLUMNS = (Scorecard.id, Scorecard.application_id, Scorecard.evaluator_id, Scorecard.slot, Scorecard.round,
                   Scorecard.status, Scorecard.points, Scorecard.recommend, Scorecard.total)


def _call(call_id: int) -> Call:
    return get_or_404(Call, call_id, can_manage_evaluation)


def _progress(call: Call) -> list:
    """Per pool member: assigned, declared, in progress, submitted, overdue — one grouped query."""
    now, open_ = utcnow(), Scorecard.status.in_(OPEN_STATUSES)
    counted = (select(Scorecard.evaluator_id,
                      func.count().label("assigned"),
                      func.sum(case((Scorecard.status == ScorecardStatus.DECLARED, 1), else_=0)).label("declared"),
                      func.sum(case(((Scorecard.status == ScorecardStatus.DECLARED) & Scorecard.saved_at.isnot(None),
                                     1), else_=0)).label("in_progress"),
                      func.sum(case((Scorecard.status == ScorecardStatus.SUBMITTED, 1), else_=0)).label("submitted"),
                      func.sum(case((open_ & (Scorecard.due_at < now), 1), else_=0)).label("overdue"))
               .where(Scorecard.call_id == call.id,
                      Scorecard.status.in_((*OPEN_STATUSES, ScorecardStatus.SUBMITTED)))
               .group_by(Scorecard.evaluator_id).subquery())
    return db.session.execute(
        select(User.id, User.name, User.email, *[func.coalesce(getattr(counted.c, n), 0).label(n) for n in
                                                 ("assigned", "declared", "in_progress", "submitted", "overdue")])
        .join(PoolMember, PoolMember.user_id == User.id).outerjoin(counted, counted.c.evaluator_id == User.id)
        .where(PoolMember.call_id == call.id).order_by(User.name)).all()


@bp.route("/")
@require(Permission.CALL_ANY_MANAGE)
def overview(call_id: int):
    call = _call(call_id)
    page = request.args.get("page", 1, type=page_number)
    state = request.args.get("state") if request.args.get("state") in SHOWN_STATES else None
    query = select(Application).where(Application.call_id == call.id,
                                      Application.status.in_((state,) if state else SHOWN_STATES))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    # Only the columns the page reads: answers, versions and justifications are long and not shown here.
    applications = db.session.scalars(
        query.options(load_only(Application.id, Application.number, Application.title, Application.status,
                                Application.call_id, Application.organisation_id))
        .order_by(Application.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    cards: dict[int, list[Scorecard]] = {a.id: [] for a in applications}
    for card in db.session.scalars(
            select(Scorecard).options(load_only(*SUMMARY_COLUMNS), joinedload(Scorecard.evaluator)
                                      .load_only(User.id, User.name))
            .where(Scorecard.application_id.in_(cards)).order_by(Scorecard.slot)):
        cards[card.application_id].append(card)
    rounds = ops.rounds_of(cards)
    summaries = {a.id: ops.summarise(a, cards[a.id], rounds.get(a.id, 1)) for a in applications}
    progress = _progress(call)
    in_pool = {row.id for row in progress}
    candidates = db.session.scalars(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.EVALUATOR, User.active.is_(True), User.id.notin_(in_pool or {0}))
        .order_by(User.name)).all()
    pool_form = PoolForm()
    pool_form.evaluator.choices = [(u.id, f"{u.name} · {u.email}") for u in candidates]
    return render_template(
        "evaluation/overview.html", call=call, applications=applications, cards=cards, progress=progress,
        pool_form=pool_form, draw_form=DrawForm(), confirm=ConfirmForm(), withdraw=WithdrawForm(), total=total,
        page=page, page_size=PAGE_SIZE, state=state, workflow=WORKFLOWS["application"],
        summaries=summaries, pool_names=[(row.id, row.name) for row in progress],
        commission=ops.is_commission(call), chair=ops.chair_of(call),
        shown_states=[s for s in SHOWN_STATES if s != "third_review" or call.type.uses("request_third_review")])


def _back(call_id: int, **args):
    return redirect(url_for("evaluation_manage.overview", call_id=call_id, **args), 303)


@bp.route("/pool", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def add_to_pool(call_id: int):
    call = _call(call_id)
    form = PoolForm()
    form.evaluator.choices = [(form.evaluator.data, "")] if isinstance(form.evaluator.data, int) else []
    user = db.session.get(User, form.evaluator.data) if form.validate_on_submit() else None
    if user is None:
        flash(_("Choose an evaluator."), "danger")
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    ops.add_to_pool(call, user, current_user)
    db.session.commit()
    flash(_("%(name)s now evaluates in this call.", name=user.name), "success")
    return _back(call.id)


@bp.route("/pool/<int:user_id>/remove", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def remove_from_pool(call_id: int, user_id: int):
    call = _call(call_id)
    user = db.session.get(User, user_id)
    if user is not None and ConfirmForm().validate_on_submit():
        ops.remove_from_pool(call, user, current_user)
        db.session.commit()
        flash(_("%(name)s gets no new assignments in this call; those made stay.", name=user.name), "info")
    return _back(call.id)


@bp.route("/pool/<int:user_id>/chair", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def chair(call_id: int, user_id: int):
    call = _call(call_id)
    user = db.session.get(User, user_id)
    if user is None or not ConfirmForm().validate_on_submit():
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    ops.set_chair(call, user, current_user)
    db.session.commit()
    flash(_("%(name)s chairs the commission.", name=user.name), "success")
    return _back(call.id)


@bp.route("/draw", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def draw(call_id: int):
    call = _call(call_id)
    form = DrawForm()
    if not form.validate_on_submit():
        flash(_("The seed is at most 64 characters."), "danger")
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    made = ops.draw(call, current_user, seed=(form.seed.data or "").strip() or None)
    db.session.commit()
    flash(_("Draw %(seed)s: %(n)d assignments made.", seed=made.seed, n=len(made.result)), "success")
    if made.unfilled:
        flash(_("%(n)d applications still need evaluators: the pool has nobody left who has not had them.",
                n=len(made.unfilled)), "warning")
    return _back(call.id)


@bp.route("/assign", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def assign(call_id: int):
    call = _call(call_id)
    form = AssignForm()
    form.evaluator.choices = [(form.evaluator.data, "")] if isinstance(form.evaluator.data, int) else []
    application = db.session.get(Application, form.application.data) if form.validate_on_submit() else None
    evaluator = db.session.get(User, form.evaluator.data) if application is not None else None
    if application is None or application.call_id != call.id or evaluator is None:
        flash(_("Choose an evaluator."), "danger")
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    ops.assign(application, evaluator, current_user)
    db.session.commit()
    flash(_("%(name)s is assigned to %(number)s.", name=evaluator.name, number=application.number), "success")
    return _back(call.id)


@bp.route("/scorecards/<int:card_id>/withdraw", methods=["POST"])
@require(Permission.CALL_ANY_MANAGE)
def withdraw(call_id: int, card_id: int):
    call = _call(call_id)
    card = db.session.get(Scorecard, card_id)
    form = WithdrawForm()
    if card is None or card.call_id != call.id:
        return _back(call.id)
    if not form.validate_on_submit():
        flash(_("Say why the assignment is taken back."), "danger")
        return _back(call.id)
    on_refusal(lambda refusal: _back(call.id))
    ops.withdraw(card, current_user, form.reason.data)
    db.session.commit()
    flash(_("The assignment is taken back; the vote stands on the other members.") if ops.is_commission(call) else
          _("The assignment is taken back; assign someone else."), "info")
    return _back(call.id)
