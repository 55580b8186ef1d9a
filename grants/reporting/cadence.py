"""The periods a grant reports on: months or calendar quarters of the agreement (clipped to its dates), and the
final report; each due a number of days after it ends (DESIGN §3.3).

A cadence changed mid-programme applies to future periods only: a period already reported on is never asked
for again, and the first period of the new cadence starts the day after the last one reported on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)
FINAL = "final"


@dataclass(frozen=True)
class Period:
    key: str  # 2026-11, 2026-Q4, final
    starts_on: date
    ends_on: date
    due_on: date
    final: bool = False


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - ONE_DAY


def _quarter_end(day: date) -> date:
    last_month = (day.month - 1) // 3 * 3 + 3
    return _month_end(date(day.year, last_month, 1))


def _key(day: date, cadence: str) -> str:
    return f"{day.year}-{day.month:02d}" if cadence == "monthly" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def periods(starts_on: date, ends_on: date, cadence: str, due_days: int, final_due_days: int,
            covered_until: date | None = None) -> list[Period]:
    """Every period of an agreement from `starts_on` to `ends_on` on the cadence, the final report last;
    periods ending on or before `covered_until` (the end of the last one already created) are left out."""
    found: list[Period] = []
    if cadence in ("monthly", "quarterly"):
        day = starts_on
        while day <= ends_on:
            end = min(_month_end(day) if cadence == "monthly" else _quarter_end(day), ends_on)
            start = day if covered_until is None else max(day, covered_until + ONE_DAY)
            if start <= end:
                found.append(Period(_key(day, cadence), start, end, end + timedelta(days=due_days)))
            day = end + ONE_DAY
    found.append(Period(FINAL, starts_on, ends_on, ends_on + timedelta(days=final_due_days), final=True))
    return found


def open_now(period: Period, today: date) -> bool:
    """A periodic report is created when its period starts; the final one when the grant ends."""
    return (period.ends_on if period.final else period.starts_on) <= today
