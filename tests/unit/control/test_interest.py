"""Tests for statutory interest on amounts to be returned: hand-worked examples and a day-by-day reference model."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.control.interest import (
    ALLOCATIONS,
    Accrual,
    Applied,
    MissingRate,
    RatePeriod,
    Repayment,
    due_on,
    interest_on,
    round_half_up,
    statement,
)

D = Decimal
RATE_10 = [RatePeriod(date(2025, 1, 1), D("10"))]
RATE_1450 = [RatePeriod(date(2020, 1, 1), D("14.50"))]


# --- worked examples (computed by hand) ---------------------------------------------------------------------------

def test_simple_period_in_leap_year():
    # 2024-02-20..2024-03-10 inclusive = 10 days of Feb (20..29, incl. Feb 29) + 10 of March = 20 days;
    # divisor 365 although 2024 is a leap year: 10000 × 0.145 × 20 / 365 = 29000 / 365 = 79.452… → 79
    s = statement(D("10000.00"), date(2024, 2, 20), RATE_1450, [], date(2024, 3, 10))
    assert s.lines == (Accrual(date(2024, 2, 20), date(2024, 3, 10), 20, D("10000.00"), D("14.50"), D("79.45")),)
    assert (s.interest_outstanding, s.principal_outstanding) == (D("79.00"), D("10000.00"))
    assert s.outstanding == D("10079.00")


def test_february_29_counts_as_a_day():
    # same dates in 2023 (no Feb 29): 9 + 10 = 19 days: 10000 × 0.145 × 19 / 365 = 27550 / 365 = 75.479… → 75
    assert statement(D("10000.00"), date(2023, 2, 20), RATE_1450, [], date(2023, 3, 10)).interest_outstanding == 75
    # only Feb 29 2024: 10000 × 0.145 / 365 = 3.9726… → 3.97 to grosze (interest_on) and 4 PLN in a statement
    assert interest_on(D("10000.00"), date(2024, 2, 29), date(2024, 2, 29), RATE_1450) == D("3.97")
    assert statement(D("10000.00"), date(2024, 2, 29), RATE_1450, [], date(2024, 2, 29)).interest_outstanding == 4


def test_rate_change_splits_the_period():
    rates = [RatePeriod(date(2025, 5, 8), D("13.50")), RatePeriod(date(2024, 1, 1), D("14.50"))]  # unsorted on purpose
    # 2025-04-20..05-07 = 11 + 7 = 18 days at 14.5%: 25000 × 0.145 × 18 / 365 = 65250 / 365 = 178.767… → 178.77
    # 2025-05-08..05-20 = 13 days at 13.5%:          25000 × 0.135 × 13 / 365 = 43875 / 365 = 120.205… → 120.21
    # total exact 109125 / 365 = 298.9726… → 299 PLN (not the sum of the rounded segments, 298.98)
    s = statement(D("25000.00"), date(2025, 4, 20), rates, [], date(2025, 5, 20))
    assert s.lines == (Accrual(date(2025, 4, 20), date(2025, 5, 7), 18, D("25000.00"), D("14.50"), D("178.77")),
                       Accrual(date(2025, 5, 8), date(2025, 5, 20), 13, D("25000.00"), D("13.50"), D("120.21")))
    assert s.interest_outstanding == D("299.00") and s.interest_charged == D("299.00")
    assert interest_on(D("25000.00"), date(2025, 4, 20), date(2025, 5, 20), rates) == D("298.97")


# 10000.00 at 10% from 2025-01-01, 5000.00 repaid on 2025-01-10 (a day that accrues), as of 2025-01-31.
# Jan 1..10 = 10 days: 10000 × 0.10 × 10 / 365 = 27.397… → 27 PLN owed as interest at the repayment.
# Then Jan 11..31 = 21 days on the lower principal.
@pytest.mark.parametrize(("allocation", "to_interest", "to_principal", "principal_after", "interest_after",
                          "outstanding", "charged"), [
    # 27 to interest, 4973 to principal; 5027 × 0.1 × 21 / 365 = 28.922… → 29; charged 27 + 29
    ("interest_first", "27.00", "4973.00", "5027.00", "0.00", "29.00", "56.00"),
    # all 5000 to principal, 27 stays owed; 27 + 5000 × 0.1 × 21 / 365 = 27 + 28.767… = 55.767… → 56
    ("principal_first", "0.00", "5000.00", "5000.00", "27.00", "56.00", "56.00"),
    # 5000 × 27 / 10027 = 13.4636… → 13.46 to interest, 4986.54 to principal, 27 − 13.46 = 13.54 stays owed;
    # 13.54 + 5013.46 × 0.1 × 21 / 365 = 13.54 + 28.8445… = 42.384… → 42; charged 13.46 + 42 = 55.46
    ("proportional", "13.46", "4986.54", "5013.46", "13.54", "42.00", "55.46"),
])
def test_partial_repayment(allocation, to_interest, to_principal, principal_after, interest_after, outstanding,
                           charged):
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, [Repayment(date(2025, 1, 10), D("5000.00"))],
                  date(2025, 1, 31), allocation)
    first, applied, after = s.lines
    assert (first.start, first.end, first.amount) == (date(2025, 1, 1), date(2025, 1, 10), D("27.40"))
    assert applied == Applied(date(2025, 1, 10), D("5000.00"), D(to_interest), D(to_principal), D("0.00"),
                              D(principal_after), D(interest_after))
    assert (after.start, after.end, after.days, after.principal) == (date(2025, 1, 11), date(2025, 1, 31), 21,
                                                                     D(principal_after))
    assert s.principal_outstanding == D(principal_after)
    assert (s.interest_outstanding, s.interest_charged, s.repaid, s.overpaid) == (D(outstanding), D(charged),
                                                                                  D("5000.00"), D("0.00"))


def test_proportional_split_rounds_half_up_to_grosze():
    # 2000 × 27 / 10027 = 5.3855… → 5.39 to interest (not 5.38), 1994.61 to principal, 27 − 5.39 = 21.61 stays owed
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, [Repayment(date(2025, 1, 10), D("2000.00"))],
                  date(2025, 1, 10))
    assert s.lines[-1] == Applied(date(2025, 1, 10), D("2000.00"), D("5.39"), D("1994.61"), D("0.00"),
                                  D("8005.39"), D("21.61"))
    assert (s.interest_outstanding, s.interest_charged) == (D("22.00"), D("27.39"))  # 21.61 → 22 at as_of


@pytest.mark.parametrize("allocation", ALLOCATIONS)
def test_full_repayment_stops_interest(allocation):
    # whole debt on 2025-01-10 = 10000 + 27 (see above); nothing accrues afterwards, even a year later
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, [Repayment(date(2025, 1, 10), D("10027.00"))],
                  date(2026, 1, 10), allocation)
    assert s.lines[-1] == Applied(date(2025, 1, 10), D("10027.00"), D("27.00"), D("10000.00"), D("0.00"),
                                  D("0.00"), D("0.00"))
    assert len(s.lines) == 2 and s.outstanding == 0 and s.interest_charged == 27 and s.overpaid == 0


@pytest.mark.parametrize("allocation", ALLOCATIONS)
def test_overpayment(allocation):
    # 10100 against a debt of 10027 → 73.00 overpaid, balance never negative
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, [Repayment(date(2025, 1, 10), D("10100.00"))],
                  date(2025, 3, 1), allocation)
    assert (s.repaid, s.overpaid, s.outstanding, s.lines[-1].overpaid) == (D("10100.00"), D("73.00"), 0, D("73.00"))


def test_rounding_half_up_to_full_zloty():
    assert [round_half_up(Fraction(n, 100)) for n in (49, 50, 149, 150, 151, 250)] == [0, 1, 1, 2, 2, 3]
    assert round_half_up(Fraction(4999999, 10**7)) == 0 and round_half_up(Fraction(1, 3) + 2, 2) == Fraction(233, 100)
    # 1 day at 10%: interest = P / 3650. P = 5475.00 → exactly 1.50 → 2; P = 5474.99 → 1.49999… → 1
    # P = 1825.00 → exactly 0.50 → 1; P = 1824.99 → 0.49999… → 0
    one_day = [(D("5475.00"), 2), (D("5474.99"), 1), (D("1825.00"), 1), (D("1824.99"), 0)]
    for principal, expected in one_day:
        assert statement(principal, date(2025, 3, 3), RATE_10, [], date(2025, 3, 3)).interest_outstanding == expected


def test_interest_below_half_zloty_is_dropped_at_a_repayment():
    # 1824.99 for 1 day = 0.49999… → 0 PLN owed, so with interest_first all 100 goes to principal and nothing carries
    s = statement(D("1824.99"), date(2025, 3, 3), RATE_10, [Repayment(date(2025, 3, 3), D("100.00"))],
                  date(2025, 3, 3), "interest_first")
    assert s.lines[-1] == Applied(date(2025, 3, 3), D("100.00"), D("0.00"), D("100.00"), D("0.00"),
                                  D("1724.99"), D("0.00"))
    assert s.interest_charged == 0


def test_missing_rate():
    with pytest.raises(MissingRate) as err:
        statement(D("1000.00"), date(2025, 1, 15), [RatePeriod(date(2025, 2, 1), D("10"))], [], date(2025, 3, 1))
    assert err.value.day == date(2025, 1, 15) and isinstance(err.value, ValueError)
    with pytest.raises(MissingRate):
        interest_on(D("1000.00"), date(2025, 1, 15), date(2025, 3, 1), [])
    # no rate is needed for days that do not accrue (principal repaid in full before accrues_from)
    s = statement(D("1000.00"), date(2025, 1, 15), [RatePeriod(date(2025, 2, 1), D("10"))],
                  [Repayment(date(2025, 1, 2), D("1000.00"))], date(2026, 1, 1))
    assert s.outstanding == 0 and s.overpaid == 0 and len(s.lines) == 1


def test_unsorted_repayments():
    # interest_first; after 2025-01-10 principal 5027 (see above); Jan 11..20 = 10 days: 5027 × 0.1 × 10 / 365 =
    # 13.772… → 14 → principal 5027 − 986 = 4041; Jan 21..31 = 11 days: 4041 × 0.1 × 11 / 365 = 12.178… → 12
    late, early = Repayment(date(2025, 1, 20), D("1000.00")), Repayment(date(2025, 1, 10), D("5000.00"))
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, [late, early], date(2025, 1, 31), "interest_first")
    applied = [x for x in s.lines if isinstance(x, Applied)]
    assert [(a.on, a.to_interest, a.to_principal) for a in applied] == [
        (date(2025, 1, 10), D("27.00"), D("4973.00")), (date(2025, 1, 20), D("14.00"), D("986.00"))]
    assert (s.principal_outstanding, s.interest_outstanding, s.interest_charged) == (D("4041.00"), 12, 53)
    assert [type(x).__name__ for x in s.lines] == ["Accrual", "Applied", "Accrual", "Applied", "Accrual"]


def test_repayments_outside_the_period():
    # before accrues_from: all to principal (no interest yet); after as_of: ignored.
    # 9000 × 0.1 × 10 / 365 = 24.657… → 25
    reps = [Repayment(date(2025, 1, 11), D("500.00")), Repayment(date(2024, 12, 1), D("1000.00"))]
    s = statement(D("10000.00"), date(2025, 1, 1), RATE_10, reps, date(2025, 1, 10))
    assert (s.principal_outstanding, s.interest_outstanding, s.repaid) == (D("9000.00"), 25, D("1000.00"))
    before = statement(D("10000.00"), date(2025, 1, 1), RATE_10, reps, date(2024, 12, 31))
    assert (before.outstanding, before.interest_charged, len(before.lines)) == (D("9000.00"), 0, 1)


def test_validation():
    for bad in (D("0"), D("-1.00"), D("10.005"), 100, D("NaN")):
        with pytest.raises(ValueError):
            statement(bad, date(2025, 1, 1), RATE_10, [], date(2025, 2, 1))
    with pytest.raises(ValueError):
        statement(D("1.00"), date(2025, 1, 1), [RatePeriod(date(2025, 1, 1), D("-1"))], [], date(2025, 2, 1))
    with pytest.raises(ValueError):
        statement(D("1.00"), date(2025, 1, 1), RATE_10, [Repayment(date(2025, 1, 5), D("0"))], date(2025, 2, 1))
    with pytest.raises(ValueError):
        statement(D("1.00"), date(2025, 1, 1), RATE_10, [], date(2025, 2, 1), "fifo")


def test_due_on():
    def weekday(d):
        return d.weekday() < 5

    def working(d):
        return weekday(d) and d not in {date(2025, 11, 11)}  # Independence Day, a Tuesday

    assert due_on(date(2025, 1, 8), 14, weekday) == date(2025, 1, 22)  # Wednesday → Wednesday
    assert due_on(date(2025, 1, 4), 14) == date(2025, 1, 18)  # Saturday, no predicate: unchanged
    assert due_on(date(2025, 1, 4), 14, weekday) == date(2025, 1, 20)  # Saturday → Monday
    assert due_on(date(2025, 10, 28), 14, working) == date(2025, 11, 12)  # holiday Tuesday → Wednesday
    assert due_on(date(2025, 10, 28), 14, weekday) == date(2025, 11, 11)


# --- day-by-day reference model -----------------------------------------------------------------------------------

def _round(x: Fraction, places: int) -> Fraction:
    with localcontext() as ctx:  # independent of the module's helper: long division, then Decimal half-up rounding
        ctx.prec = 80
        q = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return Fraction(q)


def reference(principal, accrues_from, rates, repayments, as_of, allocation):
    """Loop over every day; returns the totals and one tuple per applied repayment."""
    p, unpaid, repaid, overpaid, applied = Fraction(principal), Fraction(0), Fraction(0), Fraction(0), []
    reps = sorted((r for r in repayments if r.on <= as_of), key=lambda r: r.on)
    day = min([accrues_from] + [r.on for r in reps])
    while day <= as_of:
        if day >= accrues_from and p > 0:
            in_force = [r for r in rates if r.starts_on <= day]
            if not in_force:
                raise MissingRate(day)
            percent = max(in_force, key=lambda r: r.starts_on).percent
            unpaid += p * Fraction(percent) / 100 / 365
        for r in (r for r in reps if r.on == day):
            amount, owed = Fraction(r.amount), _round(unpaid, 0)
            if amount >= p + owed:
                ti, tp = owed, p
            elif allocation == "interest_first":
                ti = min(amount, owed)
                tp = amount - ti
            elif allocation == "principal_first":
                tp = min(amount, p)
                ti = amount - tp
            else:
                ti = _round(amount * owed / (p + owed), 2)
                tp = amount - ti
            p, unpaid = p - tp, owed - ti
            repaid, overpaid = repaid + amount, overpaid + amount - ti - tp
            applied.append((r.on, r.amount, ti, tp, amount - ti - tp, p, unpaid))
        day += timedelta(days=1)
    return p, _round(unpaid, 0), repaid, overpaid, applied


DATES = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))
CENTS = st.integers(1, 100_000_000).map(lambda c: D(c).scaleb(-2))


@st.composite
def cases(draw, covered=False):
    principal = draw(CENTS)
    a, b = sorted([draw(DATES), draw(DATES)])
    accrues_from, as_of = (b, a) if draw(st.integers(0, 9)) == 0 else (a, b)  # sometimes as_of < accrues_from
    starts = draw(st.lists(DATES, max_size=3))
    if covered or draw(st.integers(0, 9)):  # usually a rate is in force from the start; sometimes MissingRate
        starts.append(draw(st.dates(min_value=date(2018, 1, 1), max_value=accrues_from)))
    starts = sorted(set(starts))[:4] or [draw(DATES)]
    rates = [RatePeriod(s, D(draw(st.integers(0, 3000))).scaleb(-2)) for s in starts]
    first, last = min(accrues_from, as_of), max(accrues_from, as_of)
    window = st.dates(min_value=first - timedelta(60), max_value=last + timedelta(60))
    cents = int(principal * 100)
    amounts = st.one_of(st.integers(1, cents), st.integers(cents, 2 * cents + 10**7)).map(lambda c: D(c).scaleb(-2))
    repayments = draw(st.lists(st.builds(Repayment, window, amounts), max_size=5))
    return principal, accrues_from, rates, repayments, as_of


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(ALLOCATIONS))
def test_matches_day_by_day_reference(case, allocation):
    try:
        expected = reference(*case, allocation)
    except MissingRate as missing:
        with pytest.raises(MissingRate) as err:
            statement(*case, allocation)
        assert err.value.day == missing.day
        return
    s = statement(*case, allocation)
    p, interest, repaid, overpaid, applied = expected
    assert (s.principal_outstanding, s.interest_outstanding, s.repaid, s.overpaid) == (p, interest, repaid, overpaid)
    got = [(a.on, a.amount, a.to_interest, a.to_principal, a.overpaid, a.principal_after, a.interest_after)
           for a in s.lines if isinstance(a, Applied)]
    assert got == applied
    assert sum(x.days for x in s.lines if isinstance(x, Accrual)) <= max(0, (s.as_of - s.accrues_from).days + 1)


@settings(max_examples=300, deadline=None)
@given(cases(covered=True), st.sampled_from(ALLOCATIONS), st.booleans(), st.integers(1, 2000))
def test_invariants(case, allocation, pay_off, later):
    principal, accrues_from, rates, repayments, as_of = case
    repayments = [r for r in repayments if r.on <= as_of]
    if pay_off:  # more than any possible debt (1e6 at 30% for 10 years is < 4e6), so outstanding becomes 0
        repayments.append(Repayment(as_of, D("5000000.00")))
    s = statement(principal, accrues_from, rates, repayments, as_of, allocation)
    assert s.repaid - s.overpaid <= s.principal + s.interest_charged
    assert s.principal_outstanding >= 0 and s.interest_outstanding >= 0 and s.overpaid >= 0
    assert s.outstanding == s.principal_outstanding + s.interest_outstanding
    if pay_off:
        assert s.outstanding == 0
    if s.outstanding == 0:
        t = statement(principal, accrues_from, rates, repayments, as_of + timedelta(later), allocation)
        assert (t.principal_outstanding, t.interest_outstanding) == (s.principal_outstanding, s.interest_outstanding)
