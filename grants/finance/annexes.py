"""Annexes: the only way a signed agreement changes (DESIGN §3.1). The officer changes the amounts and due dates
of payments not yet in finance's hands, or the end date, and gives the reason; the award becomes what is
committed plus the changed schedule, within the call's budget and the de minimis ceiling. The annex keeps what
was before and after and has its own document; the original agreement and its document stay as they were."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_currency, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.applications.queries import budget_available
from grants.applications.workflow import members_to_notify
from grants.auth.models import Programme, User
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import agreements
from grants.finance.models import Agreement, AgreementAnnex, Payment
from grants.locking import lock
from grants.services import audit, pdf
from grants.services.mail import queue_mail
from grants.services.storage import get_storage
from grants.types import utcnow

CHANGEABLE = ("planned", "on_hold")  # not yet prepared, approved or paid by finance
FIXED_KINDS = ("item",)  # a supplier's invoice is what it is: the item's price changes with the item
RUNNING = ("implementation", "settlement", "durability")
REASON_MIN = 10
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Change:
    amount: Decimal
    due_on: date


def _changeable_query(application: Application):
    return (select(Payment).where(Payment.application_id == application.id, Payment.status.in_(CHANGEABLE),
                                  Payment.kind.not_in(FIXED_KINDS)).order_by(Payment.due_at, Payment.id))


def changeable(application: Application) -> list[Payment]:
    return list(db.session.scalars(_changeable_query(application)))


def annexes(agreement: Agreement) -> list[AgreementAnnex]:
    return list(db.session.scalars(select(AgreementAnnex).where(AgreementAnnex.agreement_id == agreement.id)
                                   .order_by(AgreementAnnex.number)))


def may_annex(application: Application, agreement: Agreement | None) -> bool:
    return agreement is not None and agreement.signed_at is not None and application.status in RUNNING


def _caps(agreement: Agreement) -> dict[str, Decimal]:
    """The most one instalment of job-creation support may be, from the rates frozen into the agreement."""
    frozen, caps = agreement.rates or {}, {}
    if frozen.get("minimum_wage"):
        caps["bridging"] = agreements.bridging_cap([Decimal(f) for f in agreement.jobs or ()], frozen["minimum_wage"])
    if frozen.get("job_maintain"):
        caps["maintain"] = agreements.per_fte(frozen["job_maintain"], [Decimal(f) for f in agreement.jobs or ()])
    return caps


def _errors(agreement: Agreement, payments: list[Payment], changes: dict[int, Change], ends_on: date | None,
            reason: str) -> dict[str, object]:
    errors: dict[str, object] = {}
    caps = _caps(agreement)
    for payment in payments:
        change = changes.get(payment.id)
        if change is None or change.amount is None or change.amount <= 0 or change.amount != change.amount.quantize(
                CENT):
            errors[f"amount_{payment.id}"] = _l("An amount more than zero, to the grosz.")
        elif payment.kind in caps and change.amount > caps[payment.kind]:
            errors[f"amount_{payment.id}"] = _l("At most %(amount)s: the agreement's cap for a month.",
                                                amount=format_currency(caps[payment.kind], payment.currency))
        if change is None or change.due_on is None:
            errors[f"due_{payment.id}"] = _l("Give the date.")
        elif ends_on is not None and not agreement.starts_on <= change.due_on <= ends_on:
            errors[f"due_{payment.id}"] = _l("Within the agreement's period: %(start)s – %(end)s.",
                                             start=format_date(agreement.starts_on, "long"),
                                             end=format_date(ends_on, "long"))
    if ends_on is None or ends_on < agreement.starts_on:
        errors["ends_on"] = _l("Choose an end after the start.")
    if len((reason or "").strip()) < REASON_MIN:
        errors["reason"] = _l("Give the reason for the annex (at least %(n)d characters).", n=REASON_MIN)
    return errors


def make(application: Application, actor: User, changes: dict[int, Change], ends_on: date | None, reason: str,
         now: datetime | None = None) -> AgreementAnnex:
    now = now or utcnow()
    lock(application)
    agreement = agreements.for_application(application)
    if not may_annex(application, agreement):
        raise Refusal(_l("An annex changes a signed agreement while the grant runs."), status=409)
    payments = list(db.session.scalars(_changeable_query(application).with_for_update()))
    errors = _errors(agreement, payments, changes, ends_on, reason)
    if errors:
        raise Refusal(_l("The annex is not made: correct the marked fields."), status=422, errors=errors)
    before = {p.id: (Decimal(p.amount), p.due_at.date() if p.due_at else None) for p in payments}
    after = {p.id: (changes[p.id].amount, changes[p.id].due_on) for p in payments}
    # The award moves by what the annex changes, and only by that (items ordered in kind keep their share).
    award = Decimal(agreement.award) + sum((after[i][0] - before[i][0] for i in before), Decimal("0"))
    if before == after and ends_on == agreement.ends_on:
        raise Refusal(_l("The annex changes nothing: change an amount, a date or the end."), status=422)
    _within_limits(application, agreement, award)
    record = {"award": [str(agreement.award), str(award)],
              "ends_on": [agreement.ends_on.isoformat(), ends_on.isoformat()],
              "payments": [{"id": p.id, "kind": p.kind, "month": p.period,
                            "before": [str(before[p.id][0]), before[p.id][1].isoformat() if before[p.id][1] else None],
                            "after": [str(after[p.id][0]), after[p.id][1].isoformat()]}
                           for p in payments if before[p.id] != after[p.id]]}
    for payment in payments:
        amount, due_on = after[payment.id]
        payment.amount = amount
        payment.due_at = datetime(due_on.year, due_on.month, due_on.day, 12, tzinfo=timezone.utc)
    agreement.award, application.awarded_amount, agreement.ends_on = award, award, ends_on
    annex = add(agreement, actor, reason.strip(), record, now)
    audit.record("finance:agreement:annex", actor=actor, obj=application,
                 data={"agreement": agreement.number, "annex": annex.number, "reason": annex.reason, **record,
                       "sha256": annex.document_sha256})
    return annex


def add(agreement: Agreement, actor: User, reason: str, record: dict, now: datetime) -> AgreementAnnex:
    """The next annex of the agreement with its document; the grantee is told. (The caller audits the change it
    documents: an annex made here, or an approved extension of bridging support.)"""
    number = 1 + (db.session.scalar(select(func.max(AgreementAnnex.number))
                                    .where(AgreementAnnex.agreement_id == agreement.id)) or 0)
    annex = AgreementAnnex(agreement_id=agreement.id, number=number, reason=reason, changes=record,
                           created_by_id=actor.id, created_at=now)
    db.session.add(annex)
    db.session.flush()
    _document(annex, agreement)
    application = agreement.application
    for member in members_to_notify(application):
        queue_mail(member.email, _l("Annex %(n)d to your agreement %(number)s", n=number, number=agreement.number),
                   "annex_made", locale=member.locale, application=application, agreement=agreement, annex=annex)
    return annex


def _within_limits(application: Application, agreement: Agreement, award: Decimal) -> None:
    """More money must fit the call's budget and the de minimis ceiling (at the agreement's frozen rates)."""
    raised = award - Decimal(agreement.award)
    if raised > 0:
        lock(application.call)
        if raised > budget_available(application.call_id, application.call.budget):
            raise Refusal(_l("The call's budget has less than the %(amount)s this annex adds.",
                             amount=format_currency(raised, application.call.currency)), status=409)
    if agreement.de_minimis_award_eur is not None:
        award_eur = (award / Decimal(agreement.rates["eur_rate"])).quantize(CENT, rounding=ROUND_HALF_UP)
        if Decimal(agreement.de_minimis_prior_eur or 0) + award_eur > Decimal(agreement.rates["de_minimis_ceiling"]):
            raise Refusal(_l("With this annex de minimis aid would pass the ceiling of %(ceiling)s.",
                             ceiling=format_currency(Decimal(agreement.rates["de_minimis_ceiling"]), "EUR")),
                          status=409)
        agreement.de_minimis_award_eur = award_eur


def _document(annex: AgreementAnnex, agreement: Agreement) -> None:
    application = agreement.application
    owner = next((m.user for m in application.organisation.memberships), None)
    locale = getattr(owner, "locale", None) or "pl"
    with force_locale(locale):
        html = render_template("finance/annex_pdf.html", annex=annex, agreement=agreement, application=application,
                               operator=current_app.config.get("PAYER_NAME") or Programme.current().name,
                               kinds=agreements.PAYMENT_KINDS, locale=locale)
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    key = f"agreements/{application.id}/annex-{annex.number}-{len(document)}.pdf"
    stored = get_storage().put(key, io.BytesIO(document), content_type="application/pdf")
    annex.document_key, annex.document_sha256 = stored.key, stored.sha256
