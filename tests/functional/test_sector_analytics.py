"""The public sector figures: only organisations published in the registry count, by kind, voivodeship and year
of registration, equal to plain SQL; jobs created and maintained add up; every table downloads as CSV and XLSX
without signing in; nothing names a person or an unpublished organisation."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from grants.auth.models import OrganisationType
from grants.extensions import db as _db
from grants.registry.models import RegistryEntry
from grants.support.models import Job
from tests import factories


def _entry(name, kind, founded_on, voivodeship, published=True):
    organisation = factories.organisation(name=name, type=kind)
    organisation.founded_on = founded_on
    _db.session.add(RegistryEntry(organisation_id=organisation.id, name=name, published=published,
                                  voivodeship=voivodeship))
    return organisation


@pytest.fixture
def sector(db):
    _entry("Spółdzielnia A", OrganisationType.SOCIAL_COOPERATIVE, date(2019, 3, 1), "dolnoslaskie")
    _entry("Spółdzielnia B", OrganisationType.SOCIAL_COOPERATIVE, date(2021, 6, 1), "mazowieckie")
    _entry("Fundacja C", OrganisationType.NGO, date(2019, 1, 1), None)
    _entry("Ukryta D", OrganisationType.NGO, date(2005, 1, 1), "opolskie", published=False)
    grant = factories.application(factories.call("job_support"), status="implementation", number="J/1")
    for n, status in enumerate(("durability", "durability", "lost")):
        _db.session.add(Job(application_id=grant.id, fte=Decimal("1"), status=status, starts_on=date(2026, 2, 1),
                            person_name=f"Osoba {n}", pesel="44051401359"))
    _db.session.commit()


def _rows(client, key):
    response = client.get(f"/registry/analytics/{key}.csv")
    assert response.status_code == 200
    return {row[0]: row[1:] for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))}


def test_published_organisations_by_kind_region_and_year_equal_plain_sql(client, db, sector):
    kinds = _rows(client, "kinds")
    assert kinds["Social cooperative"] == ["2"] and kinds["Non-governmental organisation"] == ["1"]
    published = _db.session.execute(text("SELECT count(*) FROM registry_entry WHERE published")).scalar()
    assert sum(int(v[0]) for k, v in kinds.items() if k != "Kind") == published == 3
    regions = _rows(client, "regions")
    assert regions["dolnośląskie"] == ["1"] and regions["mazowieckie"] == ["1"] and regions["not given"] == ["1"]
    assert "opolskie" not in regions  # the unpublished organisation is nobody's business
    assert _rows(client, "years") == {"Year": ["Organisations"], "2019": ["2"], "2021": ["1"]}
    jobs = _rows(client, "jobs")
    assert sum(int(v[0]) for k, v in jobs.items() if k != "Enterprise") == 3  # created
    assert sum(int(v[1]) for k, v in jobs.items() if k != "Enterprise") == 2  # maintained


def test_the_page_draws_charts_and_names_nobody(client, db, sector):
    page = client.get("/registry/analytics").get_data(as_text=True)
    assert page.count('role="img"') == 4 and "Ukryta D" not in page and "Osoba" not in page
    assert "Spółdzielnia A" not in page  # counts, not names
    assert 'href="/dashboards/charts.css"' in page and client.get("/dashboards/charts.css").status_code == 200
    sheet = load_workbook(io.BytesIO(client.get("/registry/analytics/years.xlsx").data)).active
    assert [sheet.cell(2, 1).value, sheet.cell(2, 2).value] == ["2019", 2]
    assert client.get("/registry/analytics/evil.csv").status_code == 404
    assert 'data-testid="analytics-link"' in client.get("/registry/").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pl"
    assert "Organizacje według województwa" in client.get("/registry/analytics").get_data(as_text=True)
