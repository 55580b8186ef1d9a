"""Dated rate tables kept by administrators: the values in force on a day, and adding the next value."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.finance import rates
from grants.finance.models import Rate
from grants.services.audit import AuditEntry
from tests import factories
from workflows.call_types import RATE_TABLES


def test_every_table_a_call_type_names_is_kept_and_the_published_values_are_seeded(db):
    assert set(rates.TABLES) == RATE_TABLES | {"tax_arrears_interest"}  # the last added by recoveries
    assert rates.value_on("job_create", date(2024, 7, 1)) == Decimal("35212.00")
    assert rates.value_on("minimum_wage", date(2025, 6, 30)) == Decimal("4666.00")
    assert rates.value_on("minimum_wage", date(2026, 1, 1)) == Decimal("4806.00")
    assert rates.value_on("de_minimis_ceiling", date(2023, 12, 31)) == Decimal("200000.00")
    assert rates.value_on("de_minimis_ceiling", date(2024, 1, 1)) == Decimal("300000.00")
    with pytest.raises(rates.NoRate) as caught:
        rates.value_on("job_create", date(2024, 6, 30))  # before the first published rate: no value, no guess
    assert "an administrator adds it" in caught.value.text("en")


def test_an_administrator_adds_the_next_value_and_a_day_already_in_the_table_is_refused(client, auth, db):
    admin = factories.user(Role.ADMIN, locale="en")
    auth.login(admin.email)
    page = client.get("/admin/rates/")
    assert page.status_code == 200 and "35,212.00" in page.get_data(as_text=True)
    added = auth.post("/admin/rates/", {"table": "job_create", "starts_on": "2027-01-01", "value": "36 500,00",
                                        "source": "Wytyczne 2027"}, token_from="/admin/rates/")
    assert added.status_code == 303
    assert rates.value_on("job_create", date(2027, 3, 1)) == Decimal("36500.00")
    assert rates.value_on("job_create", date(2026, 12, 31)) == Decimal("35212.00")  # earlier days keep theirs
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "finance:rate:added")).one()
    assert entry.data["value"] == "36500.00" and entry.actor_id == admin.id
    before = db.session.scalar(select(func.count()).select_from(Rate))
    again = auth.post("/admin/rates/", {"table": "job_create", "starts_on": "2027-01-01", "value": "1"},
                      token_from="/admin/rates/")
    assert again.status_code == 409 and "already has a value from 2027-01-01" in again.get_data(as_text=True)
    zero = auth.post("/admin/rates/", {"table": "minimum_wage", "starts_on": "2027-01-01", "value": "0"},
                     token_from="/admin/rates/")
    assert zero.status_code == 422 and "more than zero" in zero.get_data(as_text=True)
    unknown = auth.post("/admin/rates/", {"table": "bonus", "starts_on": "2027-01-01", "value": "5"},
                        token_from="/admin/rates/")
    assert unknown.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Rate)) == before  # nothing left behind


@pytest.mark.parametrize("role", [Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.APPLICANT, Role.EVALUATOR])
def test_only_administrators_keep_the_rates(client, auth, db, role):
    auth.login(factories.user(role).email)
    assert client.get("/admin/rates/").status_code == 403
