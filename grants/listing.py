"""What the staff's lists across calls share: filter values read as people type them (amounts, days), a local
day as a moment, the filters every such list has (call, call type, applicant type, organisation, region, search,
sort) and what they offer, and one page of rows with their count.

A value that cannot be read is no filter: a list never answers 500 to what was typed into its address.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from grants import labels
from grants.applications.models import Application
from grants.auth.models import Organisation, OrganisationType
from grants.calls.models import Call
from grants.extensions import db
from grants.registry.forms import VOIVODESHIP_LABELS
from grants.registry.models import RegistryEntry
from grants.web import row_id
from workflows.call_types import CALL_TYPES

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


def narrowed(query, conditions: Iterable[tuple[Callable[[Any], Any], Any]]):
    """The query with each (condition, value) pair's condition applied, where the value is given."""
    for condition, value in conditions:
        if value not in (None, ""):
            query = query.where(condition(value))
    return query


@dataclass(frozen=True)
class Scope:
    """The filters every list across calls has, on a query that joins Application, Call and Organisation: the call,
    its type, the applicant's type, organisation and region, a search (each list says what it searches) and the
    sort, either way. A list's own filters extend it."""

    call: int | None = None
    call_type: str | None = None
    org_type: str | None = None
    organisation: str = ""  # words of its name
    region: str | None = None  # the voivodeship of its registry entry
    q: str = ""
    sort: str = ""
    descending: bool = True

    @staticmethod
    def read(args, sorts: Iterable[str], default_sort: str) -> dict[str, Any]:
        """The common filters from the query arguments; unknown values are no filter."""
        return {"call": args.get("call", type=row_id), "call_type": one_of(args, "call_type", CALL_TYPES),
                "org_type": one_of(args, "org_type", {t.value for t in OrganisationType}),
                "organisation": (args.get("organisation") or "").strip()[:200],
                "region": one_of(args, "region", VOIVODESHIP_LABELS), "q": (args.get("q") or "").strip()[:200],
                "sort": one_of(args, "sort", sorts) or default_sort, "descending": args.get("dir") != "asc"}

    def scoped(self, query):
        query = narrowed(query, ((lambda v: Application.call_id == v, self.call),
                                 (lambda v: Call.call_type == v, self.call_type),
                                 (lambda v: Organisation.type == v, self.org_type)))
        return by_organisation(query, self.organisation, self.region)

    def ordered(self, query, column, tie):
        """Sorted by the column (rows without a value last, either way), then by `tie`, newest first."""
        return query.order_by(column.desc().nulls_last() if self.descending else column.asc().nulls_last(),
                              tie.desc())


def scope_choices(locale: str) -> dict[str, Any]:
    """What the common filters offer and how rows name an applicant's type (one query: the calls)."""
    return {"calls": db.session.execute(select(Call.id, Call.title).order_by(Call.title)).all(),
            "call_types": {name: kind.label(locale) for name, kind in CALL_TYPES.items()},
            "type_labels": {t: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
            "type_choices": {t.value: str(label) for t, label in labels.ORGANISATION_TYPE_LABELS.items()},
            "regions": VOIVODESHIP_LABELS}


COUNT_LIMIT = 10_000


def paged(query, number: int, size: int = PAGE_SIZE, sum_of: str | None = None,
          known_total: int | None = None) -> dict[str, Any]:
    """One page of the query's rows with how many match (and the sum of one of its columns, in SQL): a number past
    the last page shows the last one. Without a sum the rows are counted up to COUNT_LIMIT only ("more than
    10,000": narrow the filters), so a page of a large list does not read every row to count them; a list that
    knows its total without counting (`known_total`) gives it."""
    if known_total is not None and not sum_of:
        total, summed = known_total, []
    else:
        matched = (query.order_by(None) if sum_of else query.order_by(None).limit(COUNT_LIMIT + 1)).subquery()
        counted = [func.count()] + ([func.coalesce(func.sum(matched.c[sum_of]), 0)] if sum_of else [])
        total, *summed = db.session.execute(select(*counted).select_from(matched)).one()
    more = not sum_of and known_total is None and total > COUNT_LIMIT
    total = min(total, COUNT_LIMIT) if more else total
    pages = max(-(-total // size), 1)
    number = min(max(number, 1), pages)
    rows = db.session.execute(query.limit(size).offset((number - 1) * size)).all()
    page = {"rows": rows, "total": total, "more": more, "number": number, "pages": pages}
    if sum_of:
        page["sum"] = Decimal(summed[0])
    return page
