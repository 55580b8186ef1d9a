"""Recovery of misused or undue grant money (DESIGN §3.5): a case with its principal and legal basis, the notice
served (the due date it sets), interest at the tax-arrears rate from the dated table, and repayments.

The legal basis decides the days to repay after the notice is served — 14 for EU funds (art. 207 of the Public
Finance Act), 15 for budget funds (art. 252) — a deadline that ends on a Saturday or a day off moving to the next
working day. Interest runs from the transfer of the money (misuse) or from the day after the due date (undue or
excess amounts); a repayment is split between principal and interest in proportion (art. 55 §2 of the Tax
Ordinance, which both bases refer to). Repayments never exceed what is owed on their day.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import format_currency, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from grants.applications.models import Application
from grants.auth.models import Programme, User
from grants.calls.models import Call
from grants.control import interest
from grants.control.models import RecoveryCase, RecoveryRepayment
from grants.engine.core import fire
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import rates
from grants.locking import lock
from grants.services import audit
from grants.services.workdays import end_of_day, is_working_day
from grants.types import utcnow
from workflows import WORKFLOWS
from workflows.base import Context

RATE_TABLE = "tax_arrears_interest"
rates.add_table(rates.Table(RATE_TABLE, _l("Tax-arrears interest rate"), _l("% a year"),
                            _l("Interest on grant money to be returned accrues at this rate (Tax Ordinance, art. 56)."),
                            places=2))
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Basis:
    label: object
    days: int
    allocation: str = "proportional"


BASES = {
    "art207": Basis(_l("EU funds: art. 207 of the Public Finance Act (14 days; interest from the transfer)"), 14),
    "art252": Basis(_l("Budget funds: art. 252 of the Public Finance Act (15 days)"), 15),
}
INTEREST_KINDS = {
    "misuse": _l("Misused: interest from the day the money was transferred"),
    "undue": _l("Undue or excess: interest from the day after the due date"),
}


def open_case(application: Application, actor: User | None, principal: Decimal, basis: str, interest_kind: str,
              transferred_on: date | None, facts: str) -> RecoveryCase:
    """A recovery case for part of a grant; misuse needs the transfer day interest runs from. The scheduler opens
    some itself (actor None): a lost job not replaced in time, a missed PS status."""
    errors = {}
    if principal is None or principal <= 0 or principal != principal.quantize(CENT):
        errors["principal"] = _l("An amount more than 0, at most 2 decimal places.")
    elif principal + _opened_total(application) > (application.awarded_amount or Decimal(0)):
        errors["principal"] = _l("With the grant's other recovery cases, at most the grant's award.")
    if basis not in BASES:
        errors["basis"] = _l("Choose the legal basis.")
    if interest_kind not in INTEREST_KINDS:
        errors["interest_kind"] = _l("Choose from when interest runs.")
    elif basis == "art207" and interest_kind == "undue":
        errors["interest_kind"] = _l("Under art. 207 interest runs from the transfer for every amount.")
    elif interest_kind == "misuse" and transferred_on is None:
        errors["transferred_on"] = _l("Give the day the money was transferred: interest runs from it.")
    if transferred_on is not None and not date(2000, 1, 1) <= transferred_on <= local_today():
        errors["transferred_on"] = _l("A day the money was transferred: not in the future.")
    if not (facts or "").strip():
        errors["facts"] = _l("Describe what was found: the notice quotes it.")
    if errors:
        raise Refusal(_l("The recovery case is not opened: correct the marked fields."), status=422, errors=errors)
    case = RecoveryCase(application_id=application.id, principal=principal, repaid=Decimal(0), legal_basis=basis,
                        interest_kind=interest_kind, transferred_on=transferred_on, facts=facts.strip(),
                        interest_from=transferred_on if interest_kind == "misuse" else None,
                        opened_by_id=getattr(actor, "id", None))
    db.session.add(case)
    db.session.flush()
    audit.record("control:recovery:opened", actor=actor, obj=case,
                 data={"application": application.id, "principal": str(principal), "basis": basis,
                       "interest": interest_kind, "transferred_on": transferred_on and transferred_on.isoformat()})
    return case


def _opened_total(application: Application) -> Decimal:
    return Decimal(db.session.scalar(select(func.coalesce(func.sum(RecoveryCase.principal), 0))
                                     .where(RecoveryCase.application_id == application.id)))


def served(case: RecoveryCase, actor, ctx: Context, from_state: str) -> None:
    """The notice served: the due date follows from the basis; undue amounts bear interest from the day after."""
    served_on = ctx.data.get("served_on")
    if not isinstance(served_on, date) or not date(2000, 1, 1) <= served_on <= local_today():
        raise Refusal(_l("Give the day the notice was served (not in the future)."), status=422,
                      errors={"served_on": _l("Give the day the notice was served (not in the future).")})
    programme = Programme.current()
    due = interest.due_on(served_on, BASES[case.legal_basis].days,
                          lambda day: is_working_day(day, programme.holiday_country))
    case.served_on, case.due_on, case.due_at = served_on, due, end_of_day(due, programme.time_zone)
    if case.interest_kind == "undue":
        case.interest_from = due + timedelta(days=1)
    ctx.data["served_on"], ctx.data["due_on"] = served_on.isoformat(), due.isoformat()


def rate_periods() -> list[interest.RatePeriod]:
    return [interest.RatePeriod(row.starts_on, Decimal(row.value)) for row in reversed(rates.rows(RATE_TABLE))]


def _allocation(basis: str) -> str:
    """How the basis splits a repayment between principal and interest (proportional for one unknown)."""
    return BASES[basis].allocation if basis in BASES else "proportional"


def repayments(case: RecoveryCase) -> list[RecoveryRepayment]:
    return list(db.session.scalars(select(RecoveryRepayment).where(RecoveryRepayment.case_id == case.id)
                                   .order_by(RecoveryRepayment.paid_on, RecoveryRepayment.id)))


def statement(case: RecoveryCase, as_of: date, extra: interest.Repayment | None = None,
              periods: list[interest.RatePeriod] | None = None,
              paid_rows: list[RecoveryRepayment] | None = None) -> interest.Statement:
    """The case's account on a day: principal, interest by period and rate, repayments as applied."""
    rows = repayments(case) if paid_rows is None else paid_rows  # a list page loads every case's rows at once
    paid = [interest.Repayment(r.paid_on, Decimal(r.amount)) for r in rows] + ([extra] if extra else [])
    # Before interest runs (an undue amount before its notice), nothing accrues: start the day after as_of.
    starts = case.interest_from or as_of + timedelta(days=1)
    try:
        return interest.statement(Decimal(case.principal), starts, rate_periods() if periods is None else periods,
                                  paid, as_of, _allocation(case.legal_basis))
    except interest.MissingRate as missing:
        raise Refusal(_l("No tax-arrears interest rate is in force on %(day)s: an administrator adds it under "
                         "Rates.", day=missing.day.isoformat()), status=409) from None


def outstanding(case: RecoveryCase, now: datetime, *, today: date | None = None,
                periods: list[interest.RatePeriod] | None = None,
                paid_rows: list[RecoveryRepayment] | None = None) -> Decimal:
    """What is owed today; with no interest rate in force yet, at least the principal not repaid (a guard must not
    fail for a missing rate: the page and the scheduler still work, and the case is never taken as repaid).
    A list passes the day, the rates and the case's repayments it loaded once for all its rows."""
    try:
        return statement(case, today or local_today(now), periods=periods, paid_rows=paid_rows).outstanding
    except Refusal:
        return max(Decimal(case.principal) - Decimal(case.repaid), Decimal("0.01"))


def owed_on(day: date, statuses: tuple[str, ...] = ("notified", "overdue")) -> dict[int, Decimal]:
    """What each case in these states owes on a day, from plain rows: the cases, their repayments and the rates in
    three queries, whatever the number of cases (the dashboards' "to recover" and the bench read it so)."""
    cases = db.session.execute(select(RecoveryCase.id, RecoveryCase.principal, RecoveryCase.repaid,
                                      RecoveryCase.interest_from, RecoveryCase.legal_basis)
                               .where(RecoveryCase.status.in_(statuses))).all()
    paid: dict[int, list[interest.Repayment]] = defaultdict(list)
    for case_id, paid_on, amount in db.session.execute(
            select(RecoveryRepayment.case_id, RecoveryRepayment.paid_on, RecoveryRepayment.amount)
            .join(RecoveryCase, RecoveryCase.id == RecoveryRepayment.case_id)
            .where(RecoveryCase.status.in_(statuses))
            .order_by(RecoveryRepayment.case_id, RecoveryRepayment.paid_on, RecoveryRepayment.id)):
        paid[case_id].append(interest.Repayment(paid_on, Decimal(amount)))
    periods, owed = rate_periods(), {}
    for case_id, principal, repaid, starts, basis in cases:
        try:
            owed[case_id] = interest.statement(
                Decimal(principal), starts or day + timedelta(days=1), periods, paid[case_id], day,
                _allocation(basis)).outstanding
        except interest.MissingRate:  # no rate in force yet: at least the principal not repaid
            owed[case_id] = max(Decimal(principal) - Decimal(repaid), Decimal("0.01"))
    return owed


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(Programme.current().time_zone)).date()


def record_repayment(case: RecoveryCase, actor: User, paid_on: date, amount: Decimal,
                     bank_reference: str | None = None, *, version: int | None = None) -> RecoveryRepayment:
    """A repayment the bank credited; one that would pay more than is owed — counting every repayment, also those
    dated later — is refused, and the case is marked repaid once nothing is owed."""
    lock(case)
    if version is not None and version != case.version:
        raise Refusal(_l("The case changed meanwhile (another repayment?). Reload it and check before recording."),
                      status=409)
    if case.status not in ("notified", "overdue"):
        raise Refusal(_l("Repayments are recorded once the notice is served, until the case is repaid."), status=409)
    if amount is None or amount <= 0 or amount != amount.quantize(CENT):
        raise Refusal(_l("An amount more than 0, at most 2 decimal places."), status=422,
                      errors={"amount": _l("An amount more than 0, at most 2 decimal places.")})
    today = local_today()
    if paid_on > today or paid_on < date(2000, 1, 1):
        raise Refusal(_l("Give the day the bank credited the repayment (not in the future)."), status=422,
                      errors={"paid_on": _l("Not in the future.")})
    latest = max([today] + [r.paid_on for r in repayments(case)])
    if statement(case, latest, interest.Repayment(paid_on, amount)).overpaid > 0:
        owed = format_currency(statement(case, paid_on).outstanding, "PLN")
        raise Refusal(_l("More than is owed on %(day)s: %(owed)s.", day=format_date(paid_on), owed=owed),
                      status=422, errors={"amount": _l("At most %(owed)s on that day.", owed=owed)})
    repayment = RecoveryRepayment(case_id=case.id, paid_on=paid_on, amount=amount, recorded_by_id=actor.id,
                                  bank_reference=(bank_reference or "").strip() or None)
    db.session.add(repayment)
    case.repaid = Decimal(case.repaid) + amount
    db.session.flush()
    audit.record("control:recovery:repaid", actor=actor, obj=case,
                 data={"repayment": repayment.id, "paid_on": paid_on.isoformat(), "amount": str(amount)})
    if statement(case, latest).outstanding <= 0:
        fire(case, "record_repayment", actor)
    return repayment


# --- the staff's list of cases ---------------------------------------------------------------------

PAGE = 50
STATES = WORKFLOWS["recovery"].state_names


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    call_id: int | None = None

    @classmethod
    def from_args(cls, args, call_id: int | None = None) -> Filters:
        return cls(status=args.get("status") if args.get("status") in STATES else None, call_id=call_id)


def cases_page(filters: Filters, number: int, now: datetime) -> dict:
    """A page of cases, newest first, each with what is owed today, in a fixed number of queries whatever the
    number of cases: the grants and grantees joined, the page's repayments and the rate table read once."""
    query = (select(RecoveryCase).join(RecoveryCase.application)
             .options(contains_eager(RecoveryCase.application).joinedload(Application.organisation))
             .order_by(RecoveryCase.id.desc()))
    if filters.status:
        query = query.where(RecoveryCase.status == filters.status)
    if filters.call_id:
        query = query.where(Application.call_id == filters.call_id)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(max(number, 1), max(-(-total // PAGE), 1))
    cases = db.session.scalars(query.limit(PAGE).offset((number - 1) * PAGE)).all()
    paid: dict[int, list[RecoveryRepayment]] = defaultdict(list)
    if cases:
        for row in db.session.scalars(select(RecoveryRepayment)
                                      .where(RecoveryRepayment.case_id.in_([c.id for c in cases]))
                                      .order_by(RecoveryRepayment.paid_on, RecoveryRepayment.id)):
            paid[row.case_id].append(row)
    today, periods = local_today(now), rate_periods()
    has_cases = select(RecoveryCase.id).join(Application, Application.id == RecoveryCase.application_id) \
        .where(Application.call_id == Call.id).exists()
    return {"rows": [(case, outstanding(case, now, today=today, periods=periods, paid_rows=paid[case.id]))
                     for case in cases],
            "overdue": {case.id for case in cases if case.status == "overdue"},
            "total": total, "number": number, "pages": max(-(-total // PAGE), 1), "states": STATES,
            "calls": db.session.execute(select(Call.id, Call.title).where(has_cases).order_by(Call.title)).all()}
