"""What the staff's lists across calls share: filter values read as people type them (amounts, days), a local
day as a moment, the organisation and region filters, and one page of rows with their count.

A value that cannot be read is no filter: a list never answers 500 to what was typed into its address.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from grants.auth.models import Organisation
from grants.extensions import db
from grants.registry.models import RegistryEntry

PAGE_SIZE = 50


def typed_day(value: str | None) -> date | None:
    """A day typed or picked; one outside 2000–2100 is taken as no day (nothing of ours happened then)."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else None


def typed_amount(value: str | None) -> Decimal | None:
    """An amount typed as people type it: "50 000,00", "50.000,00", "50,000.00", "50000", "100 000 zł"."""
    text = re.sub(r"(?i)\s|\u00a0|\u202f|zł|pln", "", value or "")
    if "," in text and "." in text:  # the later sign is the decimal one
        decimal_sign = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_sign == "," else ",", "").replace(",", ".")
    elif "," in text or "." in text:
        sign = "," if "," in text else "."
        whole, _sep, fraction = text.rpartition(sign)
        text = whole.replace(sign, "") + ("." + fraction if len(fraction) <= 2 else fraction)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < 10**12 else None


def day_start(day: date, zone: ZoneInfo, next_day: bool = False) -> datetime:
    """The start of a local day (or of the next one) as UTC: 'between' a list's days reads the programme's days."""
    start = datetime.combine(day, time(0), zone)
    if next_day:
        start = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), zone)
    return start.astimezone(timezone.utc)


def one_of(args, name: str, allowed) -> str | None:
    """A query argument if it is one of the allowed values, else None (an unknown value is no filter)."""
    value = args.get(name)
    return value if value in allowed else None


def by_organisation(query, text: str = "", region: str | None = None):
    """The query (which joins Organisation) narrowed to organisations whose name holds the text and to those whose
    registry entry is in the region, a voivodeship (an organisation without an entry is in none)."""
    if text:
        query = query.where(Organisation.matching(text))
    if region:
        query = (query.outerjoin(RegistryEntry, RegistryEntry.organisation_id == Organisation.id)
                 .where(RegistryEntry.voivodeship == region))
    return query


def paged(query, number: int, size: int = PAGE_SIZE, sum_of: str | None = None) -> dict[str, Any]:
    """One page of the query's rows with how many match (and the sum of one of its columns, in SQL): a number past
    the last page shows the last one."""
    matched = query.order_by(None).subquery()
    counted = [func.count()] + ([func.coalesce(func.sum(matched.c[sum_of]), 0)] if sum_of else [])
    total, *summed = db.session.execute(select(*counted).select_from(matched)).one()
    pages = max(-(-total // size), 1)
    number = min(max(number, 1), pages)
    rows = db.session.execute(query.limit(size).offset((number - 1) * size)).all()
    page = {"rows": rows, "total": total, "number": number, "pages": pages}
    if sum_of:
        page["sum"] = Decimal(summed[0])
    return page
