"""The periods a grant reports on: contiguous, covering the agreement, each period once, a changed cadence
continuing the day after the last period reported on."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from grants.reporting.cadence import periods

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))


def test_quarters_are_calendar_quarters_clipped_to_the_agreement():
    found = periods(date(2026, 2, 10), date(2026, 11, 20), "quarterly", 15, 30)
    assert [(p.key, p.starts_on, p.ends_on, p.due_on) for p in found] == [
        ("2026-Q1", date(2026, 2, 10), date(2026, 3, 31), date(2026, 4, 15)),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 15)),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), date(2026, 10, 15)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 11, 20), date(2026, 12, 5)),
        ("final", date(2026, 2, 10), date(2026, 11, 20), date(2026, 12, 20)),
    ]


def test_a_final_only_cadence_has_the_final_report_alone():
    assert [p.key for p in periods(date(2024, 2, 29), date(2025, 2, 28), "final", 15, 30)] == ["final"]


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=800), st.sampled_from(["monthly", "quarterly"]),
       st.integers(min_value=0, max_value=60))
def test_periods_are_contiguous_and_cover_the_agreement_once(starts_on, length, how_often, due_days):
    ends_on = starts_on + timedelta(days=length)
    found = periods(starts_on, ends_on, how_often, due_days, 30)
    *periodic, final = found
    assert final.final and (final.starts_on, final.ends_on) == (starts_on, ends_on)
    assert periodic[0].starts_on == starts_on and periodic[-1].ends_on == ends_on
    assert all(b.starts_on == a.ends_on + timedelta(days=1) for a, b in zip(periodic, periodic[1:]))
    assert len({p.key for p in periodic}) == len(periodic)
    assert all(p.due_on == p.ends_on + timedelta(days=due_days) for p in periodic)


@settings(max_examples=200, deadline=None)
@given(DAYS, st.integers(min_value=1, max_value=800), st.data())
def test_a_changed_cadence_starts_the_day_after_the_last_period_reported_on(starts_on, length, data):
    ends_on = starts_on + timedelta(days=length)
    before = periods(starts_on, ends_on, "monthly", 15, 30)[:-1]
    covered = data.draw(st.sampled_from(before)).ends_on
    after = periods(starts_on, ends_on, "quarterly", 15, 30, covered_until=covered)[:-1]
    if covered == ends_on:
        assert after == []
    else:
        assert after[0].starts_on == covered + timedelta(days=1) and after[-1].ends_on == ends_on
        assert all(b.starts_on == a.ends_on + timedelta(days=1) for a, b in zip(after, after[1:]))
