"""Grant agreements: what the program officer prepares from a selected application, what the applicant signs,
and the conditions the signing waits for (DESIGN §3.1 agreement, §3.2 payment models).

- The award is at most what the ranking awarded (the requested or reduced amount); less needs a reason, and
  the difference goes back to the call's budget for the reserve list.
- The number is a per-year sequence of the programme (UM/2026/0001).
- The schedule follows the call type's payment model: one lump sum, or an advance and a final tranche (the
  final one waits for the accepted settlement), or a package's cash part. Its payments are planned payments of
  the payment workflow, regenerated while the agreement is unsigned.
- The rates in force on the agreement's date are frozen into it; de minimis aid declared for the last three
  years plus this award, in euros at the rate of the day, must stay within the ceiling of the day.
- The agreement is a PDF made from a template in the recipient's language; its sha256 is recorded.
"""
from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, format_currency, format_date, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from grants.applications.models import Application
from grants.applications.queries import budget_available
from grants.applications.workflow import members_to_notify
from grants.auth.models import Programme, User
from grants.engine.core import fire
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import rates
from grants.finance.models import Agreement, AgreementFile, Payment
from grants.identifiers import normalise_bank_account, valid_bank_account
from grants.locking import lock
from grants.services import audit, pdf, uploads
from grants.services.mail import queue_mail
from grants.services.storage import get_storage
from grants.types import utcnow
from workflows.call_types import (
    ADVANCE_AND_FINAL,
    JOB_FTES,
    JOB_GRANT_AND_BRIDGING,
    LUMP_SUM,
    PACKAGE_ITEMS,
    UNIT_RATES,
)

CENT = Decimal("0.01")
PREPARABLE = ("selected", "agreement")
SECURITY_KINDS = {"promissory_note": _l("Blank promissory note (weksel in blanco) with a declaration"),
                  "guarantee": _l("Guarantee (bank or insurance)")}
# What each payment of a schedule is, as pages and the agreement's document name it.
PAYMENT_KINDS = {"lump_sum": _l("Lump sum"), "advance": _l("Advance"),
                 "final": _l("Final tranche (after the settlement is accepted)"), "package": _l("Package (cash part)"),
                 "job_grant": _l("Grant for the jobs created"), "bridging": _l("Bridging support"),
                 "maintain": _l("Maintaining the jobs"), "item": _l("Item bought in kind (to the supplier)")}
SCHEDULE_LABELS = {LUMP_SUM: _l("One lump sum"), ADVANCE_AND_FINAL: _l("An advance, then the final tranche"),
                   PACKAGE_ITEMS: _l("The package's cash part, then the invoices of items bought in kind"),
                   JOB_GRANT_AND_BRIDGING: _l("A grant per job created, then monthly bridging support"),
                   UNIT_RATES: _l("A create rate per job, then a monthly maintain rate (2021–2027 model)")}
JOB_MODELS = (JOB_GRANT_AND_BRIDGING, UNIT_RATES)
INSTALMENTS = ("bridging", "maintain")  # monthly: each waits for its month's employment proof
SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png")
SCAN_MAX = 20 * 1024 * 1024


@dataclass(frozen=True)
class Terms:
    """What the officer sets; money as Decimal."""

    award: Decimal
    award_reason: str | None
    schedule_model: str
    starts_on: date
    ends_on: date
    bank_account: str
    security_kind: str | None = None
    security_amount: Decimal | None = None
    security_received_on: date | None = None
    de_minimis_prior_eur: Decimal | None = None
    in_kind_amount: Decimal | None = None  # a package's part the operator buys in kind
    jobs: tuple[Decimal, ...] = ()  # job-creation support: each job's FTE
    bridging_months: int | None = None
    bridging_monthly: Decimal | None = None


def schedule_models(application: Application) -> tuple[str, ...]:
    """The payment models an agreement of this call may use."""
    model = application.call.type.payment_model
    if model == ADVANCE_AND_FINAL:
        return (LUMP_SUM, ADVANCE_AND_FINAL)
    if model == PACKAGE_ITEMS:
        return (PACKAGE_ITEMS,)
    return (UNIT_RATES,) if application.call.parameter("unit_rates") else (JOB_GRANT_AND_BRIDGING,)


def months_after(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def monthly_instalments(kind: str, amount: Decimal, first: int, months: int, starts_on: date) -> list[tuple]:
    """Months `first` … `first + months - 1` of a monthly instalment, each due on its month's first day."""
    return [(kind, amount, months_after(starts_on, period - 1), period) for period in range(first, first + months)]


def per_fte(rate, jobs) -> Decimal:
    """A per-job rate times each job's FTE, to the grosz, summed."""
    return sum(((Decimal(rate) * fte).quantize(CENT, rounding=ROUND_HALF_UP) for fte in jobs), Decimal("0"))


def schedule(terms: Terms, application: Application, frozen: dict | None = None) -> list[tuple]:
    """(kind, amount, due on, month or None) of each payment; the amounts add up to the award exactly.

    Job-creation support reads the rates frozen into the agreement (`frozen`): the grant per job by FTE, then
    the basic bridging months; or, on the 2021–2027 model, the create rate, then the maintain rate each month
    of the financed period."""
    if terms.schedule_model in JOB_MODELS:
        frozen = frozen or {}
        parts = [("job_grant", per_fte(frozen["job_create"], terms.jobs), terms.starts_on, None)]
        if terms.schedule_model == UNIT_RATES:
            months = int(application.call.parameter("financed_months") or 12)
            parts += monthly_instalments("maintain", per_fte(frozen["job_maintain"], terms.jobs), 1, months,
                                         terms.starts_on)
        elif terms.bridging_months and terms.bridging_monthly:
            parts += monthly_instalments("bridging", terms.bridging_monthly, 1, terms.bridging_months,
                                         terms.starts_on)
        return parts
    if terms.schedule_model == ADVANCE_AND_FINAL:
        percent = Decimal(application.call.parameter("advance_percent") or 0)
        advance = (terms.award * percent / 100).quantize(CENT, rounding=ROUND_DOWN)
        parts = [("advance", advance, terms.starts_on, None), ("final", terms.award - advance, terms.ends_on, None)]
        return [part for part in parts if part[1] > 0]
    if terms.schedule_model == PACKAGE_ITEMS:  # the cash part; items bought in kind are paid to their suppliers
        cash = terms.award - (terms.in_kind_amount or 0)
        return [("package", cash, terms.starts_on, None)] if cash > 0 else []
    return [("lump_sum", terms.award, terms.starts_on, None)]


def fte_total(agreement: Agreement) -> Decimal:
    return sum((Decimal(fte) for fte in agreement.jobs or ()), Decimal("0"))


def bridging_cap(jobs, minimum_wage) -> Decimal:
    """The most one month of bridging support may be: the minimum wage per job, by FTE."""
    return per_fte(minimum_wage, jobs)


def _job_terms(application: Application, terms: Terms, day: date) -> tuple[Terms, dict, dict[str, object]]:
    """Job-creation support: the award computed from the jobs and months at the rates in force on `day`
    (frozen into the agreement), with the errors of the job fields."""
    call, errors = application.call, {}
    max_jobs = int(call.parameter("max_jobs") or 10)
    if not terms.jobs:
        errors["jobs"] = _l("The agreement creates at least one job: give how many of each kind.")
    elif len(terms.jobs) > max_jobs:
        errors["jobs"] = _l("At most %(n)d jobs per entity.", n=max_jobs)
    elif any(fte not in JOB_FTES for fte in terms.jobs):
        errors["jobs"] = _l("A job is full time (1), ¾ (0.75) or ½ (0.5).")
    if errors:
        return terms, {}, errors
    frozen = {"job_create": str(rates.value_on(call.parameter("job_rate_table") or "job_create", day))}
    if terms.schedule_model == UNIT_RATES:
        frozen["job_maintain"] = str(rates.value_on(call.parameter("maintain_rate_table") or "job_maintain", day))
        terms = replace(terms, bridging_months=None, bridging_monthly=None)
    else:
        frozen["minimum_wage"] = str(rates.value_on(call.parameter("bridging_cap_table") or "minimum_wage", day))
        errors = _bridging_errors(call, terms, bridging_cap(terms.jobs, frozen["minimum_wage"]))
        if not terms.bridging_months:
            terms = replace(terms, bridging_months=0, bridging_monthly=None)
    award = sum((part[1] for part in schedule(terms, application, frozen)), Decimal("0"))
    return replace(terms, award=award), frozen, errors


def _bridging_errors(call, terms: Terms, cap: Decimal) -> dict[str, object]:
    basic = int(call.parameter("bridging_basic_months") or 0)
    if terms.bridging_months is not None and not 0 <= terms.bridging_months <= basic:
        return {"bridging_months": _l("Between 0 and %(n)d months of basic bridging support.", n=basic)}
    if terms.bridging_months and not terms.bridging_monthly:
        return {"bridging_monthly": _l("Give the monthly amount of bridging support.")}
    if terms.bridging_months and terms.bridging_monthly > cap:
        return {"bridging_monthly": _l("At most %(amount)s a month: the minimum wage per job, by FTE.",
                                       amount=format_currency(cap, call.currency))}
    return {}


def bank_name(account: str) -> str | None:
    """The bank's name from the routing number (the IBAN's bank code), where the registry knows it."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return IBAN(normalise_bank_account(account)).bank_name
    except (SchwiftyException, ValueError):
        return None


def ceiling(application: Application, agreement: Agreement | None = None) -> Decimal:
    """What the ranking awarded: the most an agreement may give, however often it was lowered before signing."""
    agreement = agreement or for_application(application)
    if agreement is not None:
        return Decimal(agreement.ranking_award)
    return Decimal(application.awarded_amount or application.requested_amount)


def _check(application: Application, terms: Terms, computed: bool = False) -> dict[str, object]:
    """Errors per field; empty when the terms can be agreed. A `computed` award (jobs × rates) is reported on
    the jobs, which make it."""
    errors: dict[str, object] = {}
    most = ceiling(application)
    if terms.award is None or terms.award <= 0:
        errors["award"] = _l("Give the amount to award.")
    elif terms.award > most:
        errors["jobs" if computed else "award"] = _l(
            "%(award)s is more than the %(amount)s the ranking awarded.",
            award=format_currency(terms.award, application.call.currency),
            amount=format_currency(most, application.call.currency))
    elif terms.award < most and not (terms.award_reason or "").strip():
        errors["award_reason"] = _l("Give the reason for agreeing less than the ranking awarded.")
    if terms.schedule_model not in schedule_models(application):
        errors["schedule_model"] = _l("Choose a payment schedule this call allows.")
    if terms.in_kind_amount is not None and terms.award and not 0 <= terms.in_kind_amount <= terms.award:
        errors["in_kind_amount"] = _l("Between nothing and the whole package.")
    if terms.ends_on < terms.starts_on:
        errors["ends_on"] = _l("Choose an end after the start.")
    if not valid_bank_account(terms.bank_account):
        errors["bank_account"] = _l("This is not a valid account number (IBAN or the 26 digits of a Polish NRB).")
    if terms.security_kind is not None and terms.security_kind not in SECURITY_KINDS:
        errors["security_kind"] = _l("Choose a kind of security.")
    if application.call.parameter("requires_security") and terms.security_kind is None:
        errors["security_kind"] = _l("This call requires a security: choose its kind.")
    if terms.security_kind == "guarantee" and not terms.security_amount:
        errors["security_amount"] = _l("Give the guarantee's amount.")
    if application.call.parameter("requires_de_minimis") and terms.de_minimis_prior_eur is None:
        errors["de_minimis_prior_eur"] = _l("Give the de minimis aid received in the last three years (0 if none).")
    return errors


def _de_minimis(application: Application, terms: Terms, day: date) -> tuple[dict, Decimal | None]:
    """The frozen rates and the award in euros; refused when the aid would pass the ceiling."""
    if terms.de_minimis_prior_eur is None:
        return {}, None
    eur_rate, ceiling = rates.value_on("eur_rate", day), rates.value_on("de_minimis_ceiling", day)
    award_eur = (terms.award / eur_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    total = terms.de_minimis_prior_eur + award_eur
    if total > ceiling:
        euros = {name: format_currency(value, "EUR") for name, value in (
            ("total", total), ("prior", terms.de_minimis_prior_eur), ("award", award_eur), ("ceiling", ceiling))}
        raise Refusal(_l("De minimis aid would reach %(total)s (%(prior)s declared for the last three years "
                         "plus %(award)s of this award at %(rate)s PLN/EUR), over the ceiling of %(ceiling)s "
                         "in force on %(day)s: the agreement cannot be made for this amount.",
                         rate=format_decimal(eur_rate, format="#,##0.0000"), day=format_date(day, "long"), **euros),
                      status=422,
                      errors={"de_minimis_prior_eur": _l("Over the ceiling with this award.")})
    return {"eur_rate": str(eur_rate), "de_minimis_ceiling": str(ceiling)}, award_eur


def _next_number(year: int) -> str:
    prefix = f"UM/{year}/"
    last = db.session.scalar(select(func.max(Agreement.number)).where(Agreement.number.like(prefix + "%")))
    return f"{prefix}{(int(last.rsplit('/', 1)[1]) if last else 0) + 1:04d}"


def for_application(application: Application) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(Agreement.application_id == application.id))


def prepare(application: Application, actor: User, terms: Terms, now: datetime | None = None) -> Agreement:
    """Prepare the agreement (or change it while unsigned): its terms, schedule and document."""
    now = now or utcnow()
    lock(application)
    if application.status not in PREPARABLE:
        raise Refusal(_l("An agreement is prepared for a selected application, and changed until it is signed."),
                      status=409)
    terms = replace(terms, bank_account=normalise_bank_account(terms.bank_account))
    frozen, job_errors, jobs = {}, {}, terms.schedule_model in JOB_MODELS
    if jobs and terms.schedule_model in schedule_models(application):
        terms, frozen, job_errors = _job_terms(application, terms, now.date())
    errors = _check(application, terms, computed=jobs)
    if job_errors:  # the award was not computed: the jobs' own errors say why
        errors = {**{k: v for k, v in errors.items() if k != "award"}, **job_errors}
    if errors:
        raise Refusal(_l("The agreement is not saved: correct the marked fields."), status=422, errors=errors)
    raised = terms.award - Decimal(application.awarded_amount or 0)
    if raised > 0 and application.status == "agreement":  # back up towards the ranking's award: if still free
        lock(application.call)
        if raised > budget_available(application.call_id, application.call.budget):
            raise Refusal(_l("The call's budget no longer has %(amount)s free to raise this award: it went to "
                             "another application meanwhile.",
                             amount=format_currency(raised, application.call.currency)),
                          status=409, errors={"award": _l("More than the budget has free.")})
    de_minimis, award_eur = _de_minimis(application, terms, now.date())
    frozen.update(de_minimis)
    agreement = for_application(application)
    new = agreement is None
    if new:
        agreement = _numbered(application, now)
    _apply(agreement, terms, frozen, award_eur, actor, now)
    if application.awarded_amount != terms.award:  # less than the ranking awarded: the rest goes back
        application.awarded_amount = terms.award
    if application.status == "selected":
        fire(application, "prepare_agreement", actor, now=now)
    _replan(application, agreement, terms, frozen)
    _document(agreement)
    if new:  # the applicant reviews it, signs it and uploads the scan
        for member in members_to_notify(application):
            queue_mail(member.email, _l("Your agreement %(number)s is ready to sign", number=agreement.number),
                       "agreement_ready", locale=member.locale, application=application, agreement=agreement)
    audit.record("finance:agreement:prepared", actor=actor, obj=application,
                 data={"agreement": agreement.number, "award": str(agreement.award),
                       "schedule": [[kind, str(amount), day.isoformat(), month]
                                    for kind, amount, day, month in schedule(terms, application, frozen)],
                       "rates": agreement.rates, "sha256": agreement.document_sha256})
    return agreement


def _numbered(application: Application, now: datetime) -> Agreement:
    """A new agreement with the next number of the year; two officers at once: the later one takes the next."""
    for _ in range(5):
        agreement = Agreement(application_id=application.id, number=_next_number(now.year), award=Decimal(1),
                              ranking_award=ceiling(application, None), schedule_model="", starts_on=now.date(),
                              ends_on=now.date(), bank_account="")
        try:
            with db.session.begin_nested():
                db.session.add(agreement)
            return agreement
        except IntegrityError:
            continue
    raise Refusal(_l("Agreement numbers are being given out just now: try again."), status=409)


def _apply(agreement: Agreement, terms: Terms, frozen: dict, award_eur, actor: User, now: datetime) -> None:
    if agreement.signed_at is not None:
        raise Refusal(_l("A signed agreement changes only by an annex."), status=409)
    security_changed = (agreement.security_kind, agreement.security_amount) != (terms.security_kind,
                                                                                terms.security_amount)
    account_changed = agreement.bank_account != terms.bank_account
    for field in ("award", "award_reason", "schedule_model", "starts_on", "ends_on", "bank_account",
                  "security_kind", "security_amount", "security_received_on", "de_minimis_prior_eur",
                  "bridging_months", "bridging_monthly", "in_kind_amount"):
        setattr(agreement, field, getattr(terms, field))
    if terms.schedule_model != PACKAGE_ITEMS:
        agreement.in_kind_amount = None
    agreement.jobs = [str(fte) for fte in terms.jobs] or None
    agreement.award_reason = (terms.award_reason or "").strip() or None
    agreement.bank_name = bank_name(terms.bank_account)
    agreement.rates, agreement.de_minimis_award_eur = frozen, award_eur
    agreement.de_minimis_checked_at = now if award_eur is not None else None
    agreement.prepared_by_id, agreement.prepared_at = actor.id, now
    if security_changed:
        agreement.security_accepted_at = None  # a changed security is accepted again
    if account_changed:
        agreement.account_verified_at = None


def _replan(application: Application, agreement: Agreement, terms: Terms, frozen: dict) -> None:
    """The schedule's planned payments, made again from the terms (nothing of an unsigned agreement is paid)."""
    db.session.execute(delete(Payment).where(Payment.application_id == application.id,
                                             Payment.status == "planned"))
    add_payments(application, agreement, schedule(terms, application, frozen))


def add_payments(application: Application, agreement: Agreement, parts: list[tuple]) -> None:
    """Planned payments of (kind, amount, due on, month) to the agreement's account."""
    for kind, amount, due_on, period in parts:
        db.session.add(Payment(application_id=application.id, kind=kind, amount=amount, period=period,
                               currency=application.call.currency, bank_account=agreement.bank_account,
                               due_at=datetime(due_on.year, due_on.month, due_on.day, 12, tzinfo=timezone.utc),
                               status="planned"))
    db.session.flush()


def _document(agreement: Agreement) -> None:
    """The agreement as a PDF in the applicant's language, stored; its sha256 recorded."""
    application = agreement.application
    owner = next((m.user for m in application.organisation.memberships), None)
    locale = getattr(owner, "locale", None) or "pl"
    with force_locale(locale):
        html = render_template("finance/agreement_pdf.html", agreement=agreement, application=application,
                               operator=current_app.config.get("PAYER_NAME") or Programme.current().name,
                               payments=planned(application), locale=locale, fte_total=fte_total(agreement),
                               security_kinds=SECURITY_KINDS, schedules=SCHEDULE_LABELS, kinds=PAYMENT_KINDS)
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    key = f"agreements/{application.id}/{re.sub(r'[^0-9A-Za-z]+', '-', agreement.number)}-{len(document)}.pdf"
    stored = get_storage().put(key, io.BytesIO(document), content_type="application/pdf")
    agreement.document_key, agreement.document_sha256 = stored.key, stored.sha256


def planned(application: Application) -> list[Payment]:
    return list(db.session.scalars(select(Payment).where(Payment.application_id == application.id)
                                   .order_by(Payment.due_at, Payment.id)))


def accept_security(agreement: Agreement, actor: User, now: datetime | None = None) -> None:
    lock(agreement)
    if agreement.security_kind is None:
        raise Refusal(_l("The agreement names no security to accept."), status=409)
    if agreement.security_received_on is None:
        raise Refusal(_l("Record the day the security was received first."), status=409)
    if agreement.security_kind == "guarantee" and not security_documents(agreement):
        raise Refusal(_l("Upload the guarantee's document first."), status=409)
    agreement.security_accepted_at = now or utcnow()
    audit.record("finance:agreement:security_accepted", actor=actor, obj=agreement.application,
                 data={"agreement": agreement.number, "kind": agreement.security_kind,
                       "amount": None if agreement.security_amount is None else str(agreement.security_amount)})


def verify_account(agreement: Agreement, actor: User, now: datetime | None = None) -> None:
    """The officer confirms the account belongs to the grantee (e.g. against a bank statement or certificate)."""
    lock(agreement)
    agreement.account_verified_at = now or utcnow()
    audit.record("finance:agreement:account_verified", actor=actor, obj=agreement.application,
                 data={"agreement": agreement.number, "account": agreement.bank_account, "bank": agreement.bank_name})


def _keep(agreement: Agreement, actor: User, kind: str, folder: str, action: str, stream,
          filename: str | None) -> AgreementFile:
    """A file of the agreement, checked by content, stored and recorded, with its audit entry."""
    upload = uploads.store(stream, filename, key_prefix=f"agreements/{agreement.application_id}/{folder}",
                           allowed_types=SCAN_TYPES, max_size=SCAN_MAX)
    with uploads.recorded(upload):
        kept = AgreementFile(agreement_id=agreement.id, kind=kind, uploaded_by_id=actor.id)
        kept.take(upload)
        db.session.add(kept)
        db.session.flush()
    audit.record(f"finance:agreement:{action}", actor=actor, obj=agreement.application,
                 data={"agreement": agreement.number, "file": kept.id, "sha256": kept.sha256})
    return kept


def _files(agreement: Agreement, kind: str) -> list[AgreementFile]:
    return list(db.session.scalars(select(AgreementFile).where(AgreementFile.agreement_id == agreement.id,
                                                               AgreementFile.kind == kind)
                                   .order_by(AgreementFile.id.desc())))


def add_signed_scan(agreement: Agreement, user: User, stream, filename: str | None) -> AgreementFile:
    lock(agreement)
    if agreement.signed_at is not None:
        raise Refusal(_l("The agreement is already signed."), status=409)
    return _keep(agreement, user, "signed_scan", "signed", "scan_uploaded", stream, filename)


def add_security_document(agreement: Agreement, actor: User, stream, filename: str | None) -> AgreementFile:
    """The security's document, kept with the agreement: the guarantee, or the note's declaration (scanned)."""
    lock(agreement)
    if agreement.security_kind is None or agreement.security_accepted_at is not None:
        raise Refusal(_l("A security's document is added before the security is accepted."), status=409)
    return _keep(agreement, actor, "security", "security", "security_document", stream, filename)


def security_documents(agreement: Agreement) -> list[AgreementFile]:
    return _files(agreement, "security")


def scans(agreement: Agreement) -> list[AgreementFile]:
    return _files(agreement, "signed_scan")


def missing(application: Application) -> list[str]:
    """What the signing still waits for (the sign transition's guards read it)."""
    agreement = for_application(application)
    if agreement is None:
        return ["agreement"]
    unmet = []
    call = application.call
    if call.parameter("requires_security") and agreement.security_accepted_at is None:
        unmet.append("security")
    if call.parameter("requires_de_minimis") and agreement.de_minimis_checked_at is None:
        unmet.append("de_minimis")
    if agreement.account_verified_at is None:
        unmet.append("bank_account")
    if not db.session.scalar(select(func.count()).select_from(AgreementFile)
                             .where(AgreementFile.agreement_id == agreement.id, AgreementFile.kind == "signed_scan")):
        unmet.append("signed_scan")
    return unmet


def document_size(agreement: Agreement) -> int:
    return get_storage().size(agreement.document_key)
