"""Binds the payment workflow to Payment, and tells the application workflow what an agreement needs."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
import grants.support.workflow  # noqa: F401 - so is the bridging extension
from grants.applications.models import Application
from grants.applications.queries import counts_by_call
from grants.applications.workflow import members_to_notify
from grants.engine.models import TransitionHistory
from grants.engine.registry import bind, plug
from grants.errors import Refusal
from grants.evaluation.operations import program_officers
from grants.extensions import db
from grants.finance import agreements, items, jobs
from grants.finance.models import Payment
from grants.identifiers import valid_bank_account
from grants.services.mail import queue_mail
from grants.support.models import BridgingExtension, PackageItem
from grants.types import utcnow
from workflows.base import NOT_PREPARER, Context
from workflows.guards import GRANT

COMMITTED_STATES = ("approved", "exported", "paid")
GRANT_RUNNING = ("implementation", "settlement", "durability")


HOLD_LABELS = {
    "grant_not_running": _l("The grant is not running: its agreement is not signed, or it has ended."),
    "settlement_not_accepted": _l("The final tranche waits for the accepted settlement."),
    "proof_missing": _l("The month's employment proof is not accepted yet."),
    "previous_month_unpaid": _l("The previous month's instalment is not paid yet."),
}


# Holds other areas add (a report past its deadline): name → (label, check(payment, now) → bool).
_PLUGGED_HOLDS: dict[str, Callable[[Payment, datetime], bool]] = {}


def add_hold(name: str, label, check: Callable[[Payment, datetime], bool]) -> None:
    """Let an area hold a grant's payments while its check is true (the payment facts read it)."""
    if name in HOLD_LABELS:
        raise ValueError(f"the hold {name!r} is already declared")
    HOLD_LABELS[name] = label
    _PLUGGED_HOLDS[name] = check


def holds(payment: Payment, now: datetime | None = None) -> list[str]:
    """Why this payment may not go out now."""
    now = now or utcnow()
    reasons = []
    if payment.application.status not in GRANT_RUNNING:
        reasons.append("grant_not_running")
    elif payment.kind == "final" and payment.application.status in ("implementation", "settlement"):
        reasons.append("settlement_not_accepted")
    reasons.extend(name for name, check in _PLUGGED_HOLDS.items() if check(payment, now))
    if payment.kind in agreements.INSTALMENTS and payment.period:
        if not jobs.proof_accepted(payment.application_id, payment.period):
            reasons.append("proof_missing")
        if not jobs.previous_month_settled(payment):
            reasons.append("previous_month_unpaid")
    return reasons


def paid_and_approved_total(payment: Payment) -> Decimal:
    """What the grant's other payments have committed, summed in SQL."""
    return Decimal(db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.application_id == payment.application_id, Payment.id != payment.id,
               Payment.status.in_(COMMITTED_STATES))))


def _held_automatically(payment: Payment) -> bool:
    """Whether the scheduler (not a person) put the payment on hold: the last transition into the state."""
    last = db.session.scalar(select(TransitionHistory.trigger).where(
        TransitionHistory.object_type == "payment", TransitionHistory.object_id == payment.id,
        TransitionHistory.to_state == "on_hold").order_by(TransitionHistory.id.desc()).limit(1))
    return last == "hold"


def _record_preparer(payment: Payment, actor, ctx: Context, from_state: str) -> None:
    payment.prepared_by_id = getattr(actor, "id", None)


def _exported(payment: Payment, actor, ctx: Context, from_state: str) -> None:
    """A payment leaves only inside a bank file (grants/finance/batches.py)."""
    if ctx.data.get("batch") is None:
        raise Refusal(_l("A payment is exported with a bank file: use Export on the payments page."), status=422)
    payment.batch_id = ctx.data["batch"]


def _paid(payment: Payment, actor, ctx: Context, from_state: str) -> None:
    """What the bank confirmed: the day and its reference."""
    if ctx.data.get("paid_on") is None or not ctx.data.get("bank_reference"):
        raise Refusal(_l("Give the day the bank paid it and the bank's reference."), status=422)
    payment.paid_on, payment.bank_reference = date.fromisoformat(ctx.data["paid_on"]), ctx.data["bank_reference"]


BINDING = bind(Payment, scopes={GRANT: lambda payment: (Application, payment.application_id)},
               counts=lambda: counts_by_call(Payment))
PLUG = plug(
    Payment,
    facts={
        "payment_holds": lambda payment, now: holds(payment, now),
        "paid_and_approved_total": lambda payment, now: paid_and_approved_total(payment),
        "amount": lambda payment, now: payment.amount,
        "award": lambda payment, now: payment.application.awarded_amount or Decimal("0"),
        "bank_account_valid": lambda payment, now: valid_bank_account(payment.bank_account),
        "due_at": lambda payment, now: payment.due_at,
        "held_automatically": lambda payment, now: _held_automatically(payment),
    },
    relations={NOT_PREPARER: lambda user, payment: payment.prepared_by_id != user.id},
    effects={"request": _record_preparer, "release": _record_preparer, "export": _exported, "confirm_paid": _paid},
)

def _signed(application: Application, actor, ctx: Context, from_state: str) -> None:
    with db.session.no_autoflush:
        agreement = agreements.for_application(application)
    agreement.signed_at = ctx.now


def _resigned(application: Application, actor, ctx: Context, from_state: str) -> None:
    """A resignation before any payment: the schedule's planned payments go, the award is freed (a cancelled
    application holds no money) and the officers are told, so the reserve list can move up."""
    with db.session.no_autoflush:
        dropped = db.session.scalars(select(Payment.id).where(Payment.application_id == application.id,
                                                              Payment.status == "planned")).all()
        officers = program_officers()
    if dropped:
        db.session.execute(delete(Payment).where(Payment.id.in_(dropped)))
    for officer in officers:
        queue_mail(officer.email, _l("%(number)s resigned: the budget it held is free", number=application.number),
                   "agreement_resigned", locale=officer.locale, application=application, reason=ctx.reason)


# The signing waits for what the agreement still lacks (each a guard of its own, so a refusal lists them all).
APPLICATION_PLUG = plug(Application, facts={
    "agreement_missing": lambda application, now: agreements.missing(application),
}, effects={"sign": _signed, "resign": _resigned})


def _extension_approved(extension: BridgingExtension, actor, ctx: Context, from_state: str) -> None:
    ctx.data.update(jobs.extend_schedule(extension, actor, ctx.now))
    _tell_extension(extension, ctx, approved=True)


def _tell_extension(extension: BridgingExtension, ctx: Context, approved: bool) -> None:
    application = extension.application
    for member in members_to_notify(application):
        queue_mail(member.email, _l("%(number)s: your request for extended bridging support is decided",
                                    number=application.number),
                   "extension_decided", locale=member.locale, application=application, extension=extension,
                   approved=approved, reason=ctx.reason)


# An approved extension adds its months to the schedule and the award; either decision is mailed to the grantee.
EXTENSION_PLUG = plug(BridgingExtension, effects={
    "approve": _extension_approved,
    "reject": lambda extension, actor, ctx, from_state: _tell_extension(extension, ctx, approved=False),
})

# A package's item bought in kind: delivered with the supplier's invoice (its payment planned), then taken over
# by the group with the protocol its leader signed.
ITEM_PLUG = plug(PackageItem, effects={"deliver": items.delivered, "hand_over": items.handed_over})
