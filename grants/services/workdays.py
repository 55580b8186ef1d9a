"""Deadlines in working or calendar days, in a programme's time zone and holiday calendar.

Counting follows the Code of Administrative Procedure (KPA): the day of the notice is not counted (art. 57 §1),
and a period whose last day is a Saturday or a day off ends on the next working day (art. 57 §4). A deadline
is the end of its last day in the programme's local time, stored as UTC.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    # A deadline looks at every day it spans, and building a year's calendar each time costs ~0.3 ms.
    return frozenset(holidays.country_holidays(country, years=year))


def days_off(country: str, years: Iterable[int], extra: Iterable[date] = ()) -> frozenset[date]:
    """The public holidays of those years plus the days off an administrator added; weekends are not listed."""
    return frozenset(extra).union(*(_public_holidays(country, year) for year in years))


def is_working_day(day: date, country: str, extra: Iterable[date] = ()) -> bool:
    """Monday to Friday, and neither a public holiday nor an added day off."""
    return day.weekday() < 5 and day not in days_off(country, (day.year,), extra)


def working_days_deadline(notice: datetime, days: int, *, zone: str, country: str,
                          extra: Iterable[date] = ()) -> datetime:
    """The end of the `days`-th working day after the local day of the notice."""
    tz = _check(notice, days, zone)
    extra = frozenset(extra)
    day, remaining = notice.astimezone(tz).date(), days
    while remaining:
        day += ONE_DAY
        if is_working_day(day, country, extra):
            remaining -= 1
    return _end_of(day, tz)


def calendar_days_deadline(notice: datetime, days: int, *, zone: str, country: str,
                           extra: Iterable[date] = ()) -> datetime:
    """The end of the `days`-th day after the local day of the notice, moved on to a working day if it is none."""
    tz = _check(notice, days, zone)
    extra = frozenset(extra)
    day = notice.astimezone(tz).date() + timedelta(days=days)
    while not is_working_day(day, country, extra):
        day += ONE_DAY
    return _end_of(day, tz)


def _check(notice: datetime, days: int, zone: str) -> ZoneInfo:
    # A naive notice would silently be read in the server's own time zone.
    if notice.tzinfo is None or notice.utcoffset() is None:
        raise ValueError("the notice must be an aware datetime")
    if days < 1:
        raise ValueError(f"a period is at least one day, not {days}")
    return ZoneInfo(zone)


def _end_of(day: date, tz: ZoneInfo) -> datetime:
    # Built in local time and then converted, so the UTC hour follows daylight saving time.
    return datetime.combine(day, time.max, tzinfo=tz).astimezone(timezone.utc)


def end_of_day(day: date, zone: str) -> datetime:
    """The last moment of a local day in the zone, as UTC (a deadline that is a date, e.g. a report's)."""
    return _end_of(day, ZoneInfo(zone))
