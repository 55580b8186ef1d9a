"""The kind an organisation had on a day.

An organisation may change its kind and stay the same organisation (an informal group registered in the KRS as a
social cooperative keeps its people, applications, agreements and reports). Dashboards, indicators and the registry
count an organisation under the kind it had on the day of the thing counted: an application submitted by the group
counts under informal groups, a job created by the cooperative under social cooperatives. `kind_on` says it in SQL
(one column of a query, for counting many rows at once), `kind_on_day` in Python for one organisation; the two
agree:

- with no change, the organisation's current type;
- otherwise the `to_type` of the latest change on or before the day (the registration day itself counts under
  the new kind), and before the first change that change's `from_type`.

    kind = kind_on(Application.organisation_id, Agreement.starts_on)   # agreements signed, by kind that day
    select(kind, func.count()).select_from(Agreement).join(Application).group_by(kind)
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from grants.auth.models import Organisation, OrganisationKindChange, OrganisationType


def kind_on(organisation_id, day) -> ColumnElement[OrganisationType]:
    """An SQL expression of the kind the organisation (an id column or value) had on the day (a date column,
    expression or value), typed as OrganisationType. Its subqueries use their own aliases, so it fits any query,
    one over organisations or kind changes included."""
    later, first = aliased(OrganisationKindChange), aliased(OrganisationKindChange)
    organisation = aliased(Organisation)
    latest = (select(later.to_type).where(later.organisation_id == organisation_id, later.changed_on <= day)
              .order_by(later.changed_on.desc(), later.id.desc()).limit(1).scalar_subquery())
    before_any = (select(first.from_type).where(first.organisation_id == organisation_id)
                  .order_by(first.changed_on, first.id).limit(1).scalar_subquery())
    current = select(organisation.type).where(organisation.id == organisation_id).scalar_subquery()
    return func.coalesce(latest, before_any, current, type_=OrganisationKindChange.to_type.type)


def kind_on_day(organisation: Organisation, day: date) -> OrganisationType:
    """The kind the organisation had on the day (what `kind_on` computes in SQL)."""
    changes = sorted(organisation.kind_changes, key=lambda change: (change.changed_on, change.id))
    if not changes:
        return organisation.type
    reached = [change for change in changes if change.changed_on <= day]
    return reached[-1].to_type if reached else changes[0].from_type


def periods(organisation: Organisation) -> list[tuple[OrganisationType, date | None, date | None]]:
    """The organisation's kinds one after another, each with its first and last day (None: open-ended);
    empty for an organisation that never changed its kind."""
    changes = sorted(organisation.kind_changes, key=lambda change: (change.changed_on, change.id))
    if not changes:
        return []
    found: list[tuple[OrganisationType, date | None, date | None]] = []
    start: date | None = None
    for change in changes:
        found.append((change.from_type, start, change.changed_on - timedelta(days=1)))
        start = change.changed_on
    found.append((changes[-1].to_type, start, None))
    return found
