"""Statutory interest on grant amounts to be returned ("odsetki jak dla zaległości podatkowych").

Rules:
- simple interest on the outstanding principal only, for every day accrues_from..as_of inclusive, at the annual
  rate in force that day (the RatePeriod with the latest starts_on), divided by 365 also in leap years;
- the day of a repayment accrues first; then the unpaid interest is rounded to full złoty (half up) and the amount
  is split by the allocation: interest_first, principal_first or proportional (art. 55 §2 Ordynacja podatkowa);
  anything beyond the whole debt is overpaid; once the principal is 0 no more interest accrues;
- at as_of the unpaid interest is rounded to full złoty (half up) the same way.
Arithmetic is exact: money in integer grosze, accrued interest as a Fraction of grosze; it is done per segment of
constant principal and rate, never per day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

ALLOCATIONS = ("interest_first", "principal_first", "proportional")
_DAY = timedelta(days=1)
_CENT = Decimal("0.01")
_ZERO = Fraction(0)


@dataclass(frozen=True)
class RatePeriod:
    starts_on: date
    percent: Decimal


@dataclass(frozen=True)
class Repayment:
    on: date
    amount: Decimal


class MissingRate(ValueError):
    """No interest rate is in force on a day that accrues."""

    def __init__(self, day: date) -> None:
        super().__init__(f"no interest rate in force on {day.isoformat()}")
        self.day = day


@dataclass(frozen=True)
class Accrual:
    start: date
    end: date
    days: int
    principal: Decimal
    percent: Decimal
    amount: Decimal  # exact segment interest rounded to grosze, for display only


@dataclass(frozen=True)
class Applied:
    on: date
    amount: Decimal
    to_interest: Decimal
    to_principal: Decimal
    overpaid: Decimal
    principal_after: Decimal
    interest_after: Decimal


@dataclass(frozen=True)
class Statement:
    principal: Decimal
    accrues_from: date
    as_of: date
    lines: tuple
    principal_outstanding: Decimal
    interest_outstanding: Decimal
    interest_charged: Decimal
    repaid: Decimal
    overpaid: Decimal

    @property
    def outstanding(self) -> Decimal:
        """Principal plus interest still owed."""
        return self.principal_outstanding + self.interest_outstanding


def _half_up(num: int, den: int) -> int:
    """Round num/den (>= 0) half up to an integer using integers only (Fraction ops are the hot path)."""
    return (2 * num + den) // (2 * den)


def round_half_up(value: Fraction, places: int = 0) -> Fraction:
    """Round a non-negative exact amount half up to `places` decimals (places=0: full złoty)."""
    scale = 10**places
    return Fraction(_half_up(value.numerator * scale, value.denominator), scale)


def _zloty(grosze: Fraction) -> int:
    """Exact interest in grosze -> whole złoty half up, returned in grosze."""
    return 100 * _half_up(grosze.numerator, grosze.denominator * 100)


def _money(grosze: int) -> Decimal:
    return Decimal(grosze).scaleb(-2)


def _grosze(value: Decimal, what: str) -> int:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0 or value != value.quantize(_CENT):
        raise ValueError(f"{what} must be a positive Decimal with at most 2 decimal places, got {value!r}")
    return int(value * 100)


def _schedule(rates: Sequence[RatePeriod]) -> tuple[list[date], list[RatePeriod], list[tuple[int, int]]]:
    ordered = sorted(rates, key=lambda r: r.starts_on)
    starts = [r.starts_on for r in ordered]
    if len(set(starts)) != len(starts):
        raise ValueError("two rate periods start on the same day")  # the rate in force would be ambiguous
    for r in ordered:
        if not isinstance(r.percent, Decimal) or not r.percent.is_finite() or r.percent < 0:
            raise ValueError(f"rate percent must be a Decimal >= 0, got {r.percent!r}")
    return starts, ordered, [r.percent.as_integer_ratio() for r in ordered]


def _segments(principal: int, start: date, end: date, schedule: tuple) -> Iterator[tuple]:
    """Yield (start, end, days, RatePeriod, exact interest in grosze) for each run of days under one rate."""
    starts, ordered, percents = schedule
    while start <= end:
        i = bisect_right(starts, start) - 1
        if i < 0:
            raise MissingRate(start)
        stop = end if i + 1 == len(starts) else min(end, starts[i + 1] - _DAY)
        days = (stop - start).days + 1
        num, den = percents[i]
        yield start, stop, days, ordered[i], Fraction(principal * num * days, 36500 * den)
        start = stop + _DAY


def _split(amount: int, principal: int, interest: int, allocation: str) -> tuple[int, int]:
    """Return (to_interest, to_principal) in grosze; the caller treats the rest as overpaid."""
    if amount >= principal + interest:
        return interest, principal
    if allocation == "interest_first":
        to_interest = min(amount, interest)
    elif allocation == "principal_first":
        to_interest = amount - min(amount, principal)
    else:  # amount < whole debt, so principal + interest > 0
        to_interest = _half_up(amount * interest, principal + interest)
    return to_interest, amount - to_interest


def statement(principal: Decimal, accrues_from: date, rates: Sequence[RatePeriod], repayments: Sequence[Repayment],
              as_of: date, allocation: str = "proportional") -> Statement:
    """Compute interest and balances as of a day, with repayments applied in date order."""
    if allocation not in ALLOCATIONS:
        raise ValueError(f"allocation must be one of {ALLOCATIONS}, got {allocation!r}")
    owed = original = _grosze(principal, "principal")
    schedule = _schedule(rates)
    amounts = [_grosze(r.amount, "repayment amount") for r in repayments]
    lines: list[Accrual | Applied] = []
    unpaid = _ZERO  # interest accrued and not yet repaid, exact, in grosze
    repaid = overpaid = interest_paid = 0
    cursor = accrues_from  # first day not yet accrued

    def accrue(until: date) -> None:
        nonlocal unpaid, cursor
        if owed and cursor <= until:
            for start, end, days, rate, amount in _segments(owed, cursor, until, schedule):
                display = _money(_half_up(amount.numerator, amount.denominator))
                lines.append(Accrual(start, end, days, _money(owed), rate.percent, display))
                unpaid += amount
        cursor = max(cursor, until + _DAY)

    for r, amount in sorted(zip(repayments, amounts, strict=True), key=lambda pair: pair[0].on):  # sorted() is stable
        if r.on > as_of:
            continue
        accrue(r.on)  # the day of payment is still a day of delay
        interest = _zloty(unpaid)
        to_interest, to_principal = _split(amount, owed, interest, allocation)
        owed -= to_principal
        unpaid = Fraction(interest - to_interest)
        excess = amount - to_interest - to_principal
        repaid, overpaid, interest_paid = repaid + amount, overpaid + excess, interest_paid + to_interest
        lines.append(Applied(r.on, _money(amount), _money(to_interest), _money(to_principal), _money(excess),
                             _money(owed), _money(interest - to_interest)))
    accrue(as_of)
    interest_outstanding = _zloty(unpaid)
    return Statement(principal=_money(original), accrues_from=accrues_from, as_of=as_of, lines=tuple(lines),
                     principal_outstanding=_money(owed), interest_outstanding=_money(interest_outstanding),
                     interest_charged=_money(interest_paid + interest_outstanding),
                     repaid=_money(repaid), overpaid=_money(overpaid))


def interest_on(principal: Decimal, start: date, end: date, rates: Sequence[RatePeriod]) -> Decimal:
    """Interest on a fixed principal for start..end inclusive, exact then rounded to grosze (no repayments)."""
    total = sum((seg[-1] for seg in _segments(_grosze(principal, "principal"), start, end, _schedule(rates))), _ZERO)
    return _money(_half_up(total.numerator, total.denominator))


def due_on(served_on: date, days: int, is_working_day: Callable[[date], bool] | None = None) -> date:
    """Deadline `days` after service, moved to the next working day when it falls on a day off."""
    if days < 0:
        raise ValueError("days must be >= 0")
    due = served_on + timedelta(days=days)
    if is_working_day is not None:
        for _ in range(366):  # a predicate that never says yes would otherwise loop forever
            if is_working_day(due):
                return due
            due += _DAY
        raise ValueError("no working day within a year of the deadline")
    return due
