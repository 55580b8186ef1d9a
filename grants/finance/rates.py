"""Dated rate tables kept by administrators: the per-job rates of job-creation support, the minimum wage that
caps bridging support, the euro rate and the ceiling of de minimis aid (DESIGN §3.2).

The value in force on a day is the row with the latest start on or before it. An agreement freezes the values
in force on its date, so a later row changes only agreements made after it. Nothing here is a constant of
the code: a migration seeds the published values, and an administrator adds the next ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from grants.auth.models import User
from grants.errors import Refusal
from grants.extensions import db
from grants.finance.models import Rate
from grants.services import audit


@dataclass(frozen=True)
class Table:
    name: str
    label: object
    unit: str  # what a value is: "PLN", "PLN per EUR", "EUR"
    help: object
    places: int = 2


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("job_create", _l("Grant per job created (full time)"), "PLN",
          _l("Job-creation support pays this per full-time job, ¾ or ½ of it for part-time jobs.")),
    Table("job_maintain", _l("Monthly grant per job maintained (full time)"), "PLN",
          _l("Calls on the 2021–2027 model pay this each month of the financed period, prorated by FTE.")),
    Table("minimum_wage", _l("Minimum monthly wage"), "PLN",
          _l("Caps each month of bridging support per full-time job (prorated by FTE).")),
    Table("eur_rate", _l("Euro rate for de minimis aid"), _l("PLN per EUR"),
          _l("Converts an award into euros for the de minimis ceiling."), places=4),
    Table("de_minimis_ceiling", _l("De minimis ceiling over three years"), "EUR",
          _l("The aid an undertaking may receive over three years, this award included.")),
)}


def add_table(table: Table) -> None:
    """Another area's dated table (e.g. the tax-arrears interest rate of recoveries), kept on the same page."""
    if TABLES.setdefault(table.name, table) is not table:
        raise ValueError(f"the rate table {table.name!r} is already declared")


class NoRate(Refusal):
    pass


def value_on(name: str, day: date) -> Decimal:
    """The value of a table in force on a day; refused (with what is missing) when none is."""
    value = db.session.scalar(select(Rate.value).where(Rate.name == name, Rate.starts_on <= day)
                              .order_by(Rate.starts_on.desc()).limit(1))
    if value is None:
        raise NoRate(_l("No “%(table)s” is in force on %(day)s: an administrator adds it under Rates.",
                        table=TABLES[name].label, day=day.isoformat()), status=409)
    return Decimal(value).quantize(Decimal(1).scaleb(-TABLES[name].places))


def rows(name: str) -> list[Rate]:
    return list(db.session.scalars(select(Rate).where(Rate.name == name).order_by(Rate.starts_on.desc())))


def add(name: str, starts_on: date, value: Decimal, actor: User | None, source: str | None = None) -> Rate:
    """A new row from a day on; a day already in the table is refused (rows are not rewritten once used)."""
    if name not in TABLES:
        raise Refusal(_l("There is no such table."), status=404)
    if value is None or value <= 0:
        raise Refusal(_l("The value must be more than zero."), status=422, errors={"value": _l("More than zero.")})
    row = Rate(name=name, starts_on=starts_on, value=value, source=(source or "").strip() or None,
               set_by_id=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Refusal(_l("The table already has a value from %(day)s.", day=starts_on.isoformat()), status=409,
                      errors={"starts_on": _l("Already in the table.")}) from None
    audit.record("finance:rate:added", actor=actor, obj=row,
                 data={"table": name, "from": starts_on.isoformat(), "value": str(value), "source": row.source})
    return row
