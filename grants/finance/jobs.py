"""Job-creation support after the signing (DESIGN §3.2 b): the grantee's employment proof for each month, which
the officer accepts or returns, and the request for extended bridging support.

A month's instalment (bridging, or the maintain rate of the 2021–2027 model) goes out only when that month's
proof is accepted and the previous month's instalment is paid; grants/finance/workflow.py holds it until then.
An approved extension adds its months to the schedule and to the award, within the call's budget.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.applications.queries import budget_available
from grants.applications.workflow import members_to_notify
from grants.auth.models import User
from grants.errors import Refusal
from grants.evaluation.operations import program_officers
from grants.extensions import db
from grants.finance import agreements, annexes
from grants.finance.models import Agreement, EmploymentProof, Payment
from grants.locking import lock
from grants.services import audit, uploads
from grants.services.mail import queue_mail
from grants.support.models import BridgingExtension
from grants.types import utcnow
from workflows.call_types import JOB_GRANT_AND_BRIDGING

PROOF_TYPES = ("application/pdf", "image/jpeg", "image/png")
PROOF_MAX = 20 * 1024 * 1024
RUNNING = ("implementation", "settlement", "durability")
SETTLED = ("paid",)
OPEN_EXTENSION = ("requested", "approved")
JUSTIFICATION_MIN = 20
PROOF_STATES = {"submitted": _l("To check"), "accepted": _l("Accepted"), "returned": _l("Returned")}


@dataclass
class Month:
    """One month of the schedule: its instalments and the proofs uploaded for it."""

    period: int
    instalments: list = field(default_factory=list)
    proofs: list = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return any(proof.status == "accepted" for proof in self.proofs)


def months(application: Application) -> list[Month]:
    by_period: dict[int, Month] = {}
    for payment in agreements.planned(application):
        if payment.period:
            by_period.setdefault(payment.period, Month(payment.period)).instalments.append(payment)
    for proof in proofs(application):
        by_period.setdefault(proof.period, Month(proof.period)).proofs.append(proof)
    return [by_period[period] for period in sorted(by_period)]


def instalment_months(application: Application) -> list[int]:
    """The months of the schedule that have a monthly instalment, in order."""
    return list(db.session.scalars(
        select(Payment.period).where(Payment.application_id == application.id, Payment.period.is_not(None),
                                     Payment.kind.in_(agreements.INSTALMENTS))
        .group_by(Payment.period).order_by(Payment.period)))


def proofs(application: Application) -> list[EmploymentProof]:
    return list(db.session.scalars(select(EmploymentProof).where(EmploymentProof.application_id == application.id)
                                   .order_by(EmploymentProof.period, EmploymentProof.id)))


def proof_accepted(application_id: int, period: int) -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(EmploymentProof).where(
        EmploymentProof.application_id == application_id, EmploymentProof.period == period,
        EmploymentProof.status == "accepted")))


def previous_month_settled(payment: Payment) -> bool:
    """Whether the month before this instalment's is paid (the first month has none before it)."""
    if not payment.period or payment.period == 1:
        return True
    statuses = db.session.scalars(select(Payment.status).where(
        Payment.application_id == payment.application_id, Payment.period == payment.period - 1,
        Payment.kind == payment.kind)).all()
    return bool(statuses) and all(status in SETTLED for status in statuses)


def _signed_job_agreement(application: Application) -> Agreement:
    agreement = agreements.for_application(application)
    if (agreement is None or agreement.signed_at is None or agreement.schedule_model not in agreements.JOB_MODELS
            or application.status not in RUNNING):
        raise Refusal(_l("Employment proofs and bridging support belong to a signed job-creation agreement."),
                      status=409)
    return agreement


def add_proof(application: Application, user: User, period: int, stream, filename: str | None) -> EmploymentProof:
    """The grantee's proof for one month of the schedule; a month already accepted takes no more."""
    lock(application)
    _signed_job_agreement(application)
    if period not in instalment_months(application):
        raise Refusal(_l("Choose a month of the schedule."), status=422, errors={"period": _l("Not in the schedule.")})
    if proof_accepted(application.id, period):
        raise Refusal(_l("The proof for month %(n)d is already accepted.", n=period), status=409)
    upload = uploads.store(stream, filename, key_prefix=f"agreements/{application.id}/proofs/{period}",
                           allowed_types=PROOF_TYPES, max_size=PROOF_MAX)
    with uploads.recorded(upload):
        proof = EmploymentProof(application_id=application.id, period=period, uploaded_by_id=user.id)
        proof.take(upload)
        db.session.add(proof)
        db.session.flush()
    audit.record("finance:proof:submitted", actor=user, obj=application,
                 data={"proof": proof.id, "month": period, "sha256": proof.sha256})
    for officer in program_officers():
        queue_mail(officer.email, _l("%(number)s: employment proof for month %(n)d to check",
                                     number=application.number, n=period),
                   "proof_submitted", locale=officer.locale, application=application, proof=proof)
    return proof


def decide_proof(proof: EmploymentProof, actor: User, accept: bool, note: str | None = None,
                 now: datetime | None = None) -> None:
    """The officer accepts the proof (the month's instalment may then go out) or returns it with a note."""
    application = db.session.get(Application, proof.application_id)
    lock(application)
    db.session.refresh(proof)
    if proof.status != "submitted":
        raise Refusal(_l("This proof is already decided."), status=409)
    note = (note or "").strip() or None
    if accept and proof_accepted(application.id, proof.period):
        raise Refusal(_l("The proof for month %(n)d is already accepted.", n=proof.period), status=409)
    if not accept and note is None:
        raise Refusal(_l("Say what is wrong with the proof: the grantee reads it."), status=422,
                      errors={"note": _l("Give the reason.")})
    proof.status = "accepted" if accept else "returned"
    proof.decided_by_id, proof.decided_at, proof.note = actor.id, now or utcnow(), note
    audit.record(f"finance:proof:{proof.status}", actor=actor, obj=application,
                 data={"proof": proof.id, "month": proof.period, "note": note})
    if not accept:
        for member in members_to_notify(application):
            queue_mail(member.email, _l("%(number)s: the employment proof for month %(n)d is returned",
                                        number=application.number, n=proof.period),
                       "proof_returned", locale=member.locale, application=application, proof=proof)


# --- extended bridging support ------------------------------------------------------------------------------

def extensions(application: Application) -> list[BridgingExtension]:
    return list(db.session.scalars(select(BridgingExtension).where(BridgingExtension.application_id == application.id)
                                   .order_by(BridgingExtension.id)))


def may_extend(application: Application) -> bool:
    """Whether the grantee may ask for extended bridging support now."""
    agreement = agreements.for_application(application)
    return (agreement is not None and agreement.signed_at is not None and application.status in RUNNING
            and agreement.schedule_model == JOB_GRANT_AND_BRIDGING and bool(agreement.bridging_monthly)
            and bool(application.call.parameter("bridging_extended_months"))
            and not any(e.status in OPEN_EXTENSION for e in extensions(application)))


def request_extension(application: Application, user: User, months: int | None, monthly: Decimal | None,
                      justification: str | None) -> BridgingExtension:
    lock(application)
    agreement = _signed_job_agreement(application)
    if not may_extend(application):
        raise Refusal(_l("Extended bridging support is asked for once, on a signed agreement with bridging "
                         "support, while the grant runs."), status=409)
    errors = extension_errors(application, agreement, months, monthly, justification)
    if errors:
        raise Refusal(_l("The request is not sent: correct the marked fields."), status=422, errors=errors)
    extension = BridgingExtension(application_id=application.id, status="requested", requested_months=months,
                                  requested_monthly_amount=monthly, basic_monthly_amount=agreement.bridging_monthly,
                                  justification=justification.strip())
    db.session.add(extension)
    db.session.flush()
    audit.record("finance:extension:requested", actor=user, obj=application,
                 data={"extension": extension.id, "months": months, "monthly": str(monthly)})
    for officer in program_officers():
        queue_mail(officer.email, _l("%(number)s asks for extended bridging support", number=application.number),
                   "extension_requested", locale=officer.locale, application=application, extension=extension)
    return extension


def extension_errors(application: Application, agreement: Agreement, months: int | None, monthly: Decimal | None,
                     justification: str | None) -> dict[str, object]:
    """Every field's error at once (a field that could not be read at all is None here)."""
    most, basic = int(application.call.parameter("bridging_extended_months") or 0), agreement.bridging_monthly
    errors = {}
    if not months or not 1 <= months <= most:
        errors["months"] = _l("Between 1 and %(n)d months.", n=most)
    if not monthly or monthly <= 0:
        errors["monthly"] = _l("Give the amount a month, more than zero.")
    elif monthly > basic:
        errors["monthly"] = _l("At most %(amount)s a month: extended support may not exceed the basic support.",
                               amount=format_currency(basic, application.call.currency))
    if len((justification or "").strip()) < JUSTIFICATION_MIN:
        errors["justification"] = _l("Explain in at least %(n)d characters why the enterprise needs it.",
                                     n=JUSTIFICATION_MIN)
    return errors


def extend_schedule(extension: BridgingExtension, actor: User, now: datetime) -> dict[str, str]:
    """The approved months follow the basic ones in the schedule; the award grows by them, within the budget,
    documented by an annex. Returns what the approval's audit entry records."""
    application = extension.application
    agreement = agreements.for_application(application)
    added = Decimal(extension.requested_monthly_amount) * extension.requested_months
    lock(application.call)
    if added > budget_available(application.call_id, application.call.budget):
        raise Refusal(_l("The call's budget has less than the %(amount)s this extension needs.",
                         amount=format_currency(added, application.call.currency)), status=409)
    if agreement.de_minimis_award_eur is not None:  # more aid: the same check, at the agreement's frozen rates
        award_eur = ((Decimal(agreement.award) + added) / Decimal(agreement.rates["eur_rate"])).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        ceiling = Decimal(agreement.rates["de_minimis_ceiling"])
        if Decimal(agreement.de_minimis_prior_eur or 0) + award_eur > ceiling:
            raise Refusal(_l("With this extension de minimis aid would pass the ceiling of %(ceiling)s.",
                             ceiling=format_currency(ceiling, "EUR")), status=409)
        agreement.de_minimis_award_eur = award_eur
    last = max(instalment_months(application), default=0)
    agreements.add_payments(application, agreement, agreements.monthly_instalments(
        "bridging", Decimal(extension.requested_monthly_amount), last + 1, extension.requested_months,
        agreement.starts_on))
    before = str(agreement.award)
    application.awarded_amount = Decimal(application.awarded_amount) + added
    agreement.award = Decimal(agreement.award) + added
    annex = annexes.add(agreement, actor, str(_l(
        "Extended bridging support: %(months)d more months of %(amount)s, approved on the grantee's request.",
        months=extension.requested_months, amount=format_currency(extension.requested_monthly_amount,
                                                                  application.call.currency))),
        {"award": [before, str(agreement.award)], "ends_on": [agreement.ends_on.isoformat()] * 2,
         "payments": [{"id": None, "kind": "bridging", "month": last + n, "before": ["0", None],
                       "after": [str(extension.requested_monthly_amount),
                                 agreements.months_after(agreement.starts_on, last + n - 1).isoformat()]}
                      for n in range(1, extension.requested_months + 1)]}, now)
    return {"agreement": agreement.number, "months_from": str(last + 1), "added": str(added),
            "award": str(agreement.award), "annex": annex.number}
