"""Payments for finance officers (/payments/): the filtered list with sums per state, and one payment with the
transitions its reader may fire (one officer prepares, another approves)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from grants.access import Permission, get_or_404, require
from grants.applications.forms import TransitionForm
from grants.auth.models import User
from grants.auth.operations import confirm_second_factor
from grants.engine.core import available_actions, fire, history_of
from grants.extensions import db
from grants.finance import payments as queries
from grants.finance.agreements import PAYMENT_KINDS
from grants.finance.models import Payment
from grants.finance.permissions import can_read_payments
from grants.finance.workflow import HOLD_LABELS, holds
from grants.web import on_refusal, page_number
from workflows import WORKFLOWS

bp = Blueprint("payments", __name__, url_prefix="/payments")
WORKFLOW = WORKFLOWS["payment"]


def _filters() -> queries.Filters:
    args = request.args
    status = args.get("status") if args.get("status") in WORKFLOW.state_names else None
    return queries.Filters(call_id=args.get("call", type=int), status=status,
                           due_from=_date(args.get("due_from")), due_to=_date(args.get("due_to")),
                           grantee=(args.get("grantee") or "").strip()[:100] or None)


def _date(value: str | None):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/")
@require(Permission.PAYMENT_ANY_MANAGE)
def index():
    filters, number = _filters(), request.args.get("page", 1, type=page_number)
    sums = queries.sums(filters)
    rows, total = queries.page(filters, number, sums)
    return render_template("finance/payments.html", rows=rows, total=total, page=number, filters=filters,
                           sums=sums, calls=queries.calls(), workflow=WORKFLOW,
                           page_size=queries.PAGE_SIZE, locale=str(get_locale()), kinds=PAYMENT_KINDS)


def _page(payment: Payment, form=None, status: int = 200):
    waiting = [HOLD_LABELS[reason] for reason in holds(payment)] if payment.status in ("planned", "requested",
                                                                                     "on_hold") else []
    history = history_of(payment)
    actors = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({row.actor_id for row in history if row.actor_id}))).all())
    approved = next((row for row in reversed(history) if row.trigger == "approve"), None)
    mine = payment.status == "requested" and payment.prepared_by_id == current_user.id  # another approves it
    return render_template("finance/payment.html", payment=payment, workflow=WORKFLOW, locale=str(get_locale()),
                           waiting=waiting, actors=actors, approved_by=actors.get(getattr(approved, "actor_id", None)),
                           waits_for_another=mine, kinds=PAYMENT_KINDS,
                           actions=available_actions(payment, current_user), history=history,
                           form=form or TransitionForm(version=payment.version)), status


@bp.route("/<int:payment_id>")
@require(Permission.PAYMENT_ANY_MANAGE)
def show(payment_id: int):
    return _page(get_or_404(Payment, payment_id, can_read_payments))


@bp.route("/<int:payment_id>/actions/<trigger>", methods=["POST"])
@require(Permission.PAYMENT_ANY_MANAGE)
def act(payment_id: int, trigger: str):
    payment = get_or_404(Payment, payment_id, can_read_payments, for_update=True)
    form = TransitionForm()
    if not form.validate_on_submit():
        flash(_("The page was out of date; here it is again."), "warning")
        return redirect(url_for("payments.show", payment_id=payment.id), 303)
    on_refusal(lambda refusal: _page(payment, form, refusal.status or 422))
    if trigger == "approve" and current_user.totp_enabled and \
            not confirm_second_factor(current_user, request.form.get("code", ""), request.remote_addr):
        db.session.commit()  # the failed code counts towards the sign-in lock, as at sign-in
        flash(_("Approving a payment asks for the code from your authenticator app again; that code was not "
                "right."), "danger")
        return _page(payment, form, 422)
    fire(payment, trigger, current_user, form.reason.data, expected_version=form.version.data)
    db.session.commit()
    flash(_("Done: %(state)s.", state=WORKFLOW.state(payment.status).label(str(get_locale()))), "success")
    return redirect(url_for("payments.show", payment_id=payment.id), 303)
