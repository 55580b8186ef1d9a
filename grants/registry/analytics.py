"""The sector in figures, for everyone: the organisations published in the registry by kind, voivodeship and year
of registration (an informal group that registered as a cooperative counts under its new kind and its
registration year), and the jobs the programme's grants created and maintained. Nothing here names anyone."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import extract, func, select

from grants.auth.models import Organisation
from grants.dashboards import figures
from grants.dashboards.tables import PS_GROUP_LABELS, Table
from grants.extensions import db
from grants.labels import ORGANISATION_TYPE_LABELS
from grants.registry.forms import VOIVODESHIP_LABELS
from grants.registry.models import RegistryEntry


def _published(column):
    query = (select(column, func.count()).select_from(RegistryEntry)
             .join(Organisation, Organisation.id == RegistryEntry.organisation_id)
             .where(RegistryEntry.published.is_(True)).group_by(column))
    return db.session.execute(query).all()


def tables() -> dict[str, Table]:
    not_given = _("not given")
    kinds = {str(getattr(k, "value", k)): n for k, n in _published(Organisation.type)}
    by_kind = [[str(label), kinds[kind.value]] for kind, label in ORGANISATION_TYPE_LABELS.items()
               if kind.value in kinds]
    regions = dict(_published(RegistryEntry.voivodeship))
    by_region = [[label, regions[key]] for key, label in VOIVODESHIP_LABELS.items() if key in regions]
    if regions.get(None):
        by_region.append([not_given, regions[None]])
    years = {year: n for year, n in _published(extract("year", Organisation.founded_on))}
    by_year = [[str(int(year)), years[year]] for year in sorted(y for y in years if y is not None)]
    if years.get(None):
        by_year.append([not_given, years[None]])
    jobs = figures.jobs(figures.Scope())
    by_group = [[str(PS_GROUP_LABELS[g]), jobs["created"][g]["people"], jobs["maintained"][g]["people"]]
                for g in figures.PS_GROUPS]
    found = [
        Table("kinds", _("Organisations by kind"), [_("Kind"), _("Organisations")], by_kind, chart="horizontal"),
        Table("regions", _("Organisations by voivodeship"), [_("Voivodeship"), _("Organisations")], by_region,
              chart="horizontal"),
        Table("years", _("Organisations by year of registration"), [_("Year"), _("Organisations")], by_year),
        Table("jobs", _("Jobs created and maintained with the programme's grants"),
              [_("Enterprise"), _("Created (people)"), _("Maintained (people)")], by_group),
    ]
    return {t.key: t for t in found}
