"""The staff's list of every call's applications: filters by call, call type, state, applicant type, amount and
days submitted, search, sorting, pages, CSV and XLSX; drafts stay out; the same queries for 2 or 30 rows;
applicants and evaluators are refused."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest

from grants.auth.models import OrganisationType, Programme, Role
from grants.extensions import db as _db
from grants.registry.models import RegistryEntry
from grants.types import utcnow
from tests import factories


@pytest.fixture
def listed(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    restructuring = factories.call(title="Restrukturyzacja 2026")
    jobs = factories.call("job_support", title="Miejsca pracy 2026")
    now = utcnow()
    made = {
        "oven": factories.application(restructuring, status="submitted", number="R/1", title="Piec dla piekarni",
                                      requested="40000.00", submitted_at=now - timedelta(days=3)),
        "laundry": factories.application(jobs, status="merit_review", number="J/1", title="Pralnia społeczna",
                                         requested="90000.00", submitted_at=now - timedelta(days=40)),
        "draft": factories.application(jobs, status="draft", title="Szkic"),
    }
    made["laundry"].organisation.type = OrganisationType.NGO
    made["oven"].organisation.name = "Piekarnia „Kłos”"
    _db.session.add(RegistryEntry(organisation_id=made["laundry"].organisation_id, name="Pralnia",
                                  voivodeship="pomorskie"))
    _db.session.commit()
    return {"officer": officer, "restructuring": restructuring, **made}


def _numbers(client, query=""):
    page = client.get(f"/applications/all/{query}").get_data(as_text=True)
    return [n for n in ("R/1", "J/1", "Szkic") if n in page]


def test_filters_search_and_sorting_across_calls(client, auth, db, listed):
    auth.login(listed["officer"].email)
    assert _numbers(client) == ["R/1", "J/1"]  # a draft is no staff business
    assert _numbers(client, f"?call={listed['restructuring'].id}") == ["R/1"]
    assert _numbers(client, "?call_type=job_support") == ["J/1"]
    assert _numbers(client, "?state=merit_review") == ["J/1"]
    assert _numbers(client, "?org_type=ngo") == ["J/1"]
    assert _numbers(client, "?organisation=klos") == ["R/1"]
    assert _numbers(client, "?region=pomorskie") == ["J/1"]  # the voivodeship of its registry entry
    assert _numbers(client, "?region=mazowieckie") == []
    assert _numbers(client, "?region=atlantyda&organisation=") == ["R/1", "J/1"]  # unknown: no filter
    assert _numbers(client, "?amount_from=50+000,00") == ["J/1"]
    assert _numbers(client, "?amount_to=50000") == ["R/1"]
    day = (utcnow() - timedelta(days=10)).date().isoformat()
    assert _numbers(client, f"?submitted_from={day}") == ["R/1"]
    assert _numbers(client, "?q=pralnia+spoleczna") == ["J/1"]
    newest_first = client.get("/applications/all/?sort=submitted").get_data(as_text=True)
    assert newest_first.index("R/1") < newest_first.index("J/1")
    cheapest_first = client.get("/applications/all/?sort=amount&dir=asc").get_data(as_text=True)
    assert cheapest_first.index("R/1") < cheapest_first.index("J/1")
    assert client.get("/applications/all/?amount_from=abc&submitted_to=x&sort=evil&page=99").status_code == 200


def test_exports_carry_the_filters(client, auth, db, listed):
    auth.login(listed["officer"].email)
    sheet = client.get("/applications/all/applications.csv?call_type=restructuring_grant").get_data(as_text=True)
    assert "R/1" in sheet and "J/1" not in sheet and "Szkic" not in sheet
    rows = list(csv.reader(io.StringIO(sheet.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Number", "Call", "Title"]
    assert rows[1][:3] == ["R/1", "Restrukturyzacja 2026", "Piec dla piekarni"] and len(rows) == 2
    workbook = client.get("/applications/all/applications.xlsx")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    values = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(workbook.data)).active.iter_rows()]
    assert values[0][1] == "Call" and {tuple(v[:2]) for v in values[1:]} == {
        ("R/1", "Restrukturyzacja 2026"), ("J/1", "Miejsca pracy 2026")}


def test_the_same_queries_for_2_or_30_rows_and_only_staff(client, auth, db, listed):
    from tests.support.queries import recorded_statements

    auth.login(listed["officer"].email)

    def queries() -> int:
        client.get("/applications/all/")
        with recorded_statements(_db.engine) as statements:
            assert client.get("/applications/all/").status_code == 200
        return len(statements)

    two = queries()
    for n in range(28):
        factories.application(listed["restructuring"], status="submitted", number=f"R/{n + 2}",
                              submitted_at=utcnow())
    _db.session.commit()
    assert queries() == two
    for role in (Role.APPLICANT, Role.EVALUATOR):
        auth.logout()
        auth.login(factories.user(role).email)
        assert client.get("/applications/all/").status_code == 403


def test_filters_saved_under_a_name_open_the_same_list_and_are_each_persons_own(client, auth, db, listed):
    from sqlalchemy import select

    from grants.applications.models import SavedFilter
    from tests.conftest import csrf_token

    auth.login(listed["officer"].email)
    page = "/applications/all/?call_type=job_support&sort=amount&evil=1"
    saved = client.post("/applications/all/filters", data={
        "csrf_token": csrf_token(client, page), "name": "Miejsca pracy",
        "query": "call_type=job_support&sort=amount&evil=1"})
    assert saved.status_code == 303
    kept = _db.session.scalar(select(SavedFilter))
    assert kept.query == "call_type=job_support&sort=amount"  # only the list's own filters
    listing = client.get("/applications/all/").get_data(as_text=True)
    assert 'data-saved="Miejsca pracy"' in listing and "?call_type=job_support&amp;sort=amount" in listing
    assert _numbers(client, "?" + kept.query) == ["J/1"]
    auth.logout()
    other = factories.user(Role.PROGRAM_OFFICER)
    auth.login(other.email)
    assert 'data-saved="Miejsca pracy"' not in client.get("/applications/all/").get_data(as_text=True)
    refused = client.post(f"/applications/all/filters/{kept.id}/delete",
                          data={"csrf_token": csrf_token(client, "/applications/all/")})
    assert refused.status_code == 404 and _db.session.get(SavedFilter, kept.id) is not None


@pytest.mark.parametrize("typed, read", [
    ("50 000,00", "50000.00"), ("50.000,00", "50000.00"), ("50,000.00", "50000.00"), ("50000", "50000"),
    ("100 000 zł", "100000"), ("50,5", "50.5"), ("abc", None), ("1e400", None)])
def test_amounts_are_read_as_people_type_them(typed, read):
    from decimal import Decimal

    from grants.listing import typed_amount

    assert typed_amount(typed) == (Decimal(read) if read else None)


def test_a_day_no_application_has_is_no_filter_and_a_blank_name_is_refused(client, auth, db, listed):
    from tests.conftest import csrf_token

    auth.login(listed["officer"].email)
    assert _numbers(client, "?submitted_to=9999-12-31&submitted_from=0001-01-01") == ["R/1", "J/1"]
    assert client.get("/applications/all/applications.csv?submitted_to=9999-12-31").status_code == 200
    blank = client.post("/applications/all/filters", data={"csrf_token": csrf_token(client, "/applications/all/"),
                                                           "name": "   ", "query": "state=submitted"},
                        follow_redirects=True)
    assert "Give them a name." in blank.get_data(as_text=True)


def _total(client, query: str) -> str:
    page = client.get(f"/applications/all/{query}").get_data(as_text=True)
    return re.search(r'data-testid="total">([^<]+)<', page).group(1)


def test_a_large_list_counts_up_to_a_limit_and_says_so(client, auth, db, listed, monkeypatch):
    from grants import listing

    monkeypatch.setattr(listing, "COUNT_LIMIT", 1)
    auth.login(listed["officer"].email)
    page = client.get("/applications/all/?amount_from=1").get_data(as_text=True)
    assert "More than 1 applications: narrow the filters." in page and "R/1" in page and "J/1" in page


def test_narrowed_by_call_type_and_state_only_the_total_is_the_kept_counts_exact(client, auth, db, listed,
                                                                                  monkeypatch):
    """Then the total comes from the per-state counts the database keeps (no count over every row, and exact
    however many); any other filter counts. Drafts count only where the programme lets staff read them."""
    from grants import listing

    monkeypatch.setattr(listing, "COUNT_LIMIT", 1)
    auth.login(listed["officer"].email)
    restructuring = listed["restructuring"].id
    for query, expected in (("", "2 applications"), (f"?call={restructuring}", "1 application"),
                            ("?call_type=job_support", "1 application"), ("?state=merit_review", "1 application"),
                            ("?state=draft", "0 applications"), (f"?call_type=job_support&call={restructuring}",
                                                                 "0 applications")):
        assert _total(client, query) == expected, query
    assert _total(client, "?org_type=ngo") == "1 application"  # counted, within the limit
    assert _total(client, "?amount_from=1") == "More than 1 applications: narrow the filters."  # counted, past it
    _db.session.add(Programme(name="Pomost", staff_read_drafts=True))
    _db.session.commit()
    assert _total(client, "") == "3 applications" and _total(client, "?state=draft") == "1 application"


@pytest.mark.postgres_only  # SQLite's indexes cannot say DESC NULLS LAST; its lists are the demo's, small
def test_postgresql_reads_the_lists_orders_from_indexes(db):
    """The default order (newest submitted first, drafts last), and one state's applications by the amount asked
    (a page of 100,000 reads its 50 rows instead of sorting the state's thousands): as the queries order them."""
    from sqlalchemy import text

    definitions = dict(_db.session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'application'")).all())
    assert "(submitted_at DESC NULLS LAST, id DESC)" in definitions["ix_application_submitted_desc"]
    assert "(status, requested_amount DESC NULLS LAST, id DESC)" in definitions["ix_application_status_amount"]
