"""Search in the officer's list of applications and the administrator's list of users: case and accents
ignored on both databases (before: SQLite's lower() is ASCII-only, so "zrodlo" missed "Źródło")."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import insert

from grants.applications.models import Application
from grants.auth.models import Role
from grants.types import utcnow
from tests import factories


def _list(client, call, q: str) -> str:
    return client.get(f"/manage/calls/{call.id}/applications/", query_string={"q": q}).get_data(as_text=True)


def _users(client, q: str) -> str:
    return client.get("/admin/users", query_string={"q": q}).get_data(as_text=True)


def _found(page: str) -> int:
    """The count under a list ("1 application", "2 users")."""
    return int(re.search(r">(\d+) (?:applications?|users?)<", page).group(1))


@pytest.mark.parametrize("q", ["zrodlo", "ŹRÓDŁO", "źród", "  Zrodlo  "])
def test_the_officers_list_finds_polish_names_whatever_the_case_and_accents(client, auth, db, q):
    call = factories.call()
    factories.application(call, factories.organisation(name="Źródło"), status="submitted", title="Woda dla wsi")
    factories.application(call, factories.organisation(name="Zdrój"), status="submitted", title="Ławka")
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    page = _list(client, call, q)
    assert _found(page) == 1 and "Woda dla wsi" in page and "Ławka" not in page


def test_the_officers_list_finds_titles_and_bulk_inserted_rows(client, auth, db):
    """Rows written by a bulk INSERT (no ORM events) are found too: the column's default folds them."""
    call = factories.call()
    organisation = factories.organisation(name="Spółdzielnia")
    now = utcnow()
    db.session.execute(insert(Application), [
        {"call_id": call.id, "organisation_id": organisation.id, "title": f"ŻÓŁW {i}", "status": "submitted",
         "number": f"Ł/{i}", "requested_amount": Decimal("1"), "answers": {}, "correction_rounds": 0,
         "correction_items": [], "formal_checklist": {}, "created_at": now, "version": 1} for i in range(3)])
    factories.application(call, organisation, status="submitted", title="Łąka kwietna")
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    assert _found(_list(client, call, "żółw")) == 3
    assert _found(_list(client, call, "l/2")) == 1  # by number
    assert _found(_list(client, call, "LAKA KWIETNA")) == 1
    assert _found(_list(client, call, "SPOŁDZIELNIA")) == 4


def test_a_renamed_organisation_and_a_later_number_are_found(client, auth, db):
    call = factories.call()
    organisation = factories.organisation(name="Stara nazwa")
    application = factories.application(call, organisation, status="submitted", title="Wniosek")
    db.session.commit()
    organisation.name = "Świt Łódzki"
    application.number = "ŁD/7"  # as submitting numbers it
    db.session.commit()
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    assert _found(_list(client, call, "swit lodzki")) == 1
    assert _found(_list(client, call, "ld/7")) == 1
    assert _found(_list(client, call, "stara")) == 0


@pytest.mark.parametrize(("q", "found"), [("100%", "100% wkładu"), ("a_b", "a_b"), ("c\\d", "c\\d")])
def test_percent_and_underscore_in_the_officers_search_match_themselves(client, auth, db, q, found):
    call = factories.call()
    organisation = factories.organisation(name="Spółdzielnia")
    for title in ("100% wkładu", "1000 wkładu", "a_b", "axb", "c\\d", "cxd"):
        factories.application(call, organisation, status="submitted", title=title)
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    page = _list(client, call, q)
    assert _found(page) == 1 and f">{found}<" in page


@pytest.mark.parametrize("q", ["łęck", "LECKA", "lęcka", "ANNA ŁĘCKA"])
def test_the_admins_user_list_finds_polish_names_whatever_the_case_and_accents(client, auth, db, q):
    factories.user(Role.APPLICANT, name="Anna Łęcka", email="anna@example.org")
    factories.user(Role.APPLICANT, name="Anna Lach", email="lach@example.org")
    auth.login(factories.user(Role.ADMIN, locale="en", name="Administrator").email)
    page = _users(client, q)
    assert _found(page) == 1 and "Anna Łęcka" in page and "Anna Lach" not in page


def test_the_admins_user_list_searches_emails_renamed_users_and_literal_underscores(client, auth, db):
    person = factories.user(Role.APPLICANT, name="Jan Nowak", email="jan_kowal@example.org")
    factories.user(Role.APPLICANT, name="Jan Nowak", email="janxkowal@example.org")
    auth.login(factories.user(Role.ADMIN, locale="en", name="Administrator").email)
    assert _found(_users(client, "JAN_KOWAL@")) == 1
    assert _found(_users(client, "jan nowak")) == 2
    person.name = "Jan Żak"
    db.session.commit()
    assert _found(_users(client, "zak")) == 1
    # A term never runs across the boundary between the name and the email.
    assert _found(_users(client, "zak jan")) == 0
