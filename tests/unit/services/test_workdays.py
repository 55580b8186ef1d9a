"""grants.services.workdays: deadlines counted as the KPA counts them, in Warsaw time and the Polish calendar."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.services.workdays import calendar_days_deadline, days_off, is_working_day, working_days_deadline

WARSAW = ZoneInfo("Europe/Warsaw")
PROGRAMME = {"zone": "Europe/Warsaw", "country": "PL"}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def summer_end(y: int, m: int, d: int) -> datetime:
    """23:59:59.999999 on that day in Warsaw under CEST (UTC+2)."""
    return utc(y, m, d, 21, 59, 59, 999999)


def winter_end(y: int, m: int, d: int) -> datetime:
    """23:59:59.999999 on that day in Warsaw under CET (UTC+1)."""
    return utc(y, m, d, 22, 59, 59, 999999)


# --- the calendar ------------------------------------------------------------------------------------------------

def test_easter_monday_is_skipped():
    # Thursday 2 April 2026: Friday 3, then Monday 6 (Easter Monday) is passed over for Tuesday 7 and Wednesday 8.
    assert working_days_deadline(utc(2026, 4, 2, 10), 3, **PROGRAMME) == summer_end(2026, 4, 8)


def test_corpus_christi_is_skipped():
    # Wednesday 3 June 2026; Thursday 4 is Corpus Christi.
    assert working_days_deadline(utc(2026, 6, 3, 8), 1, **PROGRAMME) == summer_end(2026, 6, 5)


def test_independence_day_is_skipped():
    # Tuesday 10 November 2026; Wednesday 11 is Independence Day.
    assert working_days_deadline(utc(2026, 11, 10, 9), 1, **PROGRAMME) == winter_end(2026, 11, 12)


def test_christmas_eve_is_a_holiday_from_2025_only():
    assert is_working_day(date(2024, 12, 24), "PL")  # a Tuesday
    assert not is_working_day(date(2025, 12, 24), "PL")  # a Wednesday
    assert working_days_deadline(utc(2024, 12, 23, 10), 1, **PROGRAMME) == winter_end(2024, 12, 24)
    # From Tuesday 23 December 2025: 24-26 are holidays, 27-28 a weekend.
    assert working_days_deadline(utc(2025, 12, 23, 10), 1, **PROGRAMME) == winter_end(2025, 12, 29)


def test_weekend_is_skipped():
    # Friday 13 March 2026.
    assert working_days_deadline(utc(2026, 3, 13, 10), 1, **PROGRAMME) == winter_end(2026, 3, 16)


def test_extra_days_off_are_skipped():
    # Monday 11 May 2026, with Tuesday 12 given off by the administrator.
    notice = utc(2026, 5, 11, 8)
    assert working_days_deadline(notice, 2, **PROGRAMME) == summer_end(2026, 5, 13)
    assert working_days_deadline(notice, 2, **PROGRAMME, extra=[date(2026, 5, 12)]) == summer_end(2026, 5, 14)
    assert not is_working_day(date(2026, 5, 12), "PL", extra={date(2026, 5, 12)})


def test_days_off_lists_holidays_and_extra_days_but_not_weekends():
    off = days_off("PL", [2025, 2026], extra=[date(2026, 5, 12)])
    assert {date(2025, 12, 24), date(2026, 11, 11), date(2026, 5, 12)} <= off
    assert date(2026, 5, 16) not in off  # a Saturday
    assert date(2024, 12, 26) not in off  # a year not asked for


# --- local dates and daylight saving time ------------------------------------------------------------------------

def test_friday_evening_in_utc_counts_from_saturday_in_warsaw():
    # 23:30 UTC on Friday 9 January 2026 is 00:30 on Saturday 10 in Warsaw: 14 days end on Saturday 24,
    # which moves to Monday 26 (counted from the UTC Friday they would end on Friday 23).
    assert calendar_days_deadline(utc(2026, 1, 9, 23, 30), 14, **PROGRAMME) == winter_end(2026, 1, 26)


def test_thursday_evening_in_utc_counts_from_friday_in_warsaw():
    # 23:30 UTC on Thursday 8 January 2026 is already Friday 9 in Warsaw, so Friday is not counted.
    assert working_days_deadline(utc(2026, 1, 8, 23, 30), 1, **PROGRAMME) == winter_end(2026, 1, 12)


@pytest.mark.parametrize("notice, expected", [
    (utc(2026, 3, 27, 10), summer_end(2026, 3, 30)),  # over Sunday 29 March, when CET becomes CEST
    (utc(2026, 10, 23, 10), winter_end(2026, 10, 26)),  # over Sunday 25 October, when CEST becomes CET
])
def test_deadline_over_a_clock_change_ends_at_local_midnight(notice, expected):
    deadline = working_days_deadline(notice, 1, **PROGRAMME)
    assert deadline == expected
    assert deadline.astimezone(WARSAW).time() == time(23, 59, 59, 999999)


# --- calendar days -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("notice, expected", [
    (utc(2026, 9, 2, 10), summer_end(2026, 9, 16)),  # Wednesday to Wednesday: nothing to move
    (utc(2026, 9, 5, 10), summer_end(2026, 9, 21)),  # ends on Saturday 19 September
    (utc(2026, 4, 17, 10), summer_end(2026, 5, 4)),  # ends on Friday 1 May, then a Saturday and Sunday 3 May
])
def test_fourteen_calendar_days_end_on_a_working_day(notice, expected):
    assert calendar_days_deadline(notice, 14, **PROGRAMME) == expected


# --- over the new year -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("days, expected", [
    (1, winter_end(2025, 12, 23)),
    (2, winter_end(2025, 12, 29)),  # past Christmas Eve, Christmas, St Stephen's Day and a weekend
    (4, winter_end(2025, 12, 31)),
    (5, winter_end(2026, 1, 2)),  # past New Year's Day
    (6, winter_end(2026, 1, 5)),
    (7, winter_end(2026, 1, 7)),  # past Epiphany
])
def test_working_days_over_the_new_year(days, expected):
    assert working_days_deadline(utc(2025, 12, 22, 10), days, **PROGRAMME) == expected


def test_calendar_days_over_the_new_year():
    # Monday 22 December 2025 plus 10 days is New Year's Day.
    assert calendar_days_deadline(utc(2025, 12, 22, 10), 10, **PROGRAMME) == winter_end(2026, 1, 2)


# --- refusals ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("deadline", [working_days_deadline, calendar_days_deadline])
@pytest.mark.parametrize("days", [0, -1])
def test_a_period_is_at_least_one_day(deadline, days):
    with pytest.raises(ValueError):
        deadline(utc(2026, 3, 2, 10), days, **PROGRAMME)


@pytest.mark.parametrize("deadline", [working_days_deadline, calendar_days_deadline])
def test_a_naive_notice_is_refused(deadline):
    with pytest.raises(ValueError):
        deadline(datetime(2026, 3, 2, 10), 1, **PROGRAMME)


# --- the property ------------------------------------------------------------------------------------------------

POLISH = holidays.country_holidays("PL", years=range(2023, 2033))


def working(day: date) -> bool:
    """Independent of the module: straight from the holidays package."""
    return day.weekday() < 5 and day not in POLISH


@settings(max_examples=300, deadline=None)
@given(notice=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31),
                           timezones=st.just(timezone.utc)),
       days=st.integers(min_value=1, max_value=30))
def test_deadline_is_the_days_th_working_day_after_the_notice(notice, days):
    deadline = working_days_deadline(notice, days, **PROGRAMME)
    assert deadline.utcoffset() == timedelta(0)
    local = deadline.astimezone(WARSAW)
    start, end = notice.astimezone(WARSAW).date(), local.date()
    assert local.time() == time(23, 59, 59, 999999)
    assert end > start
    assert working(end)
    assert sum(working(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)) == days
