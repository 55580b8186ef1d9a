"""Schedule generation, tried on many generated agreements: the payments of a schedule add up to the award to
the grosz, no month of bridging support passes its cap, and extended months never exceed the basic ones."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from grants.finance import agreements
from grants.finance.agreements import Terms, bridging_cap, monthly_instalments, per_fte, schedule
from workflows.base import Context
from workflows.call_types import ADVANCE_AND_FINAL, JOB_FTES, JOB_GRANT_AND_BRIDGING, LUMP_SUM, UNIT_RATES
from workflows.guards import extension_within_basic

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
rates = st.decimals(min_value=Decimal("1.0000"), max_value=Decimal("99999.9999"), places=4)
jobs = st.lists(st.sampled_from(JOB_FTES), min_size=1, max_size=10).map(tuple)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))


def _application(**parameters):
    return SimpleNamespace(call=SimpleNamespace(parameter=parameters.get, currency="PLN"))


def _terms(model, award=None, start=date(2027, 1, 31), **fields) -> Terms:
    return Terms(award=award, award_reason=None, schedule_model=model, starts_on=start, ends_on=date(2040, 1, 1),
                 bank_account="", **fields)


@given(award=money, percent=st.integers(0, 100), model=st.sampled_from([LUMP_SUM, ADVANCE_AND_FINAL]))
def test_a_grant_schedule_adds_up_to_the_award(award, percent, model):
    parts = schedule(_terms(model, award), _application(advance_percent=percent))
    assert sum(part[1] for part in parts) == award and all(part[1] > 0 for part in parts)


@given(ftes=jobs, rate=rates, wage=rates, months=st.integers(0, 6), share=st.fractions(0, 1), start=days)
def test_bridging_months_stay_under_the_cap_and_the_schedule_adds_up(ftes, rate, wage, months, share, start):
    cap = bridging_cap(ftes, wage)
    monthly = (cap * Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.01"), "ROUND_DOWN")
    terms = _terms(JOB_GRANT_AND_BRIDGING, start=start, jobs=ftes, bridging_months=months, bridging_monthly=monthly)
    parts = schedule(terms, _application(), {"job_create": str(rate)})
    award = per_fte(rate, ftes) + (months * monthly if monthly else 0)
    assert sum(part[1] for part in parts) == award
    bridging = [part for part in parts if part[0] == "bridging"]
    assert all(0 < part[1] <= cap for part in bridging)
    assert [part[3] for part in bridging] == list(range(1, len(bridging) + 1))
    assert all(a[2] < b[2] for a, b in zip(bridging, bridging[1:]))  # one a month, in order
    over = agreements._bridging_errors(_application(bridging_basic_months=6, currency="PLN").call,
                                       _terms(JOB_GRANT_AND_BRIDGING, jobs=ftes, bridging_months=max(months, 1),
                                              bridging_monthly=cap + Decimal("0.01")), cap)
    assert "bridging_monthly" in over


@given(ftes=jobs, create=rates, maintain=rates, months=st.integers(1, 24))
def test_unit_rates_pay_the_create_rate_then_the_same_maintain_rate_each_month(ftes, create, maintain, months):
    parts = schedule(_terms(UNIT_RATES, jobs=ftes), _application(financed_months=months),
                     {"job_create": str(create), "job_maintain": str(maintain)})
    assert parts[0][:2] == ("job_grant", per_fte(create, ftes)) and len(parts) == months + 1
    assert {part[1] for part in parts[1:]} == {per_fte(maintain, ftes)}


@given(basic_months=st.integers(1, 6), basic=money, months=st.integers(0, 12), monthly=money,
       allowed=st.integers(0, 6), start=days)
def test_an_extension_is_approved_only_within_the_basic_support(basic_months, basic, months, monthly, allowed, start):
    ctx = Context(facts={"requested_months": months, "max_extension_months": allowed,
                         "requested_monthly_amount": monthly, "basic_monthly_amount": basic}, now=None)
    assert extension_within_basic(ctx) == (months <= allowed and monthly <= basic)
    added = monthly_instalments("bridging", monthly, basic_months + 1, months, start)
    assert [part[3] for part in added] == list(range(basic_months + 1, basic_months + months + 1))
