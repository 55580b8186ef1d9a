"""The staff's list of every call's agreements: filters by call, call type, the grant's state, applicant type,
organisation, region, award and days signed, search, sorting, pages, CSV and XLSX with the call, saved filters
that are each person's own; the same queries for 2 or 30 rows; applicants, evaluators and administrators are
refused."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest

from grants.auth.models import OrganisationType, Role
from grants.extensions import db as _db
from grants.registry.models import RegistryEntry
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

LIST = "/agreements/all/"


@pytest.fixture
def signed(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    restructuring = factories.call(title="Restrukturyzacja 2026")
    jobs = factories.call("job_support", title="Miejsca pracy 2026")
    now = utcnow()
    oven = factories.application(restructuring, status="implementation", number="R/1", title="Piec dla piekarni")
    laundry = factories.application(jobs, status="durability", number="J/1", title="Pralnia społeczna")
    sewing = factories.application(restructuring, status="agreement", number="R/2", title="Szwalnia")
    oven.organisation.name = "Piekarnia „Kłos”"
    laundry.organisation.type = OrganisationType.NGO
    _db.session.add(RegistryEntry(organisation_id=laundry.organisation_id, name="Pralnia", voivodeship="pomorskie"))
    made = {"oven": factories.agreement(oven, award="40000.00", starts_on=date(2026, 3, 1)),
            "laundry": factories.agreement(laundry, award="90000.00", starts_on=date(2026, 1, 1)),
            "sewing": factories.agreement(sewing, award="150000.00")}
    made["oven"].signed_at = now - timedelta(days=3)
    made["laundry"].signed_at = now - timedelta(days=40)
    made["sewing"].signed_at = None  # prepared, not signed yet
    _db.session.commit()
    return {"officer": officer, "restructuring": restructuring, **made}


def _listed(client, signed, query="") -> list[str]:
    """The agreements on the page, by their fixture's names, in the page's order."""
    names = {str(signed[n].id): n for n in ("oven", "laundry", "sewing")}
    page = client.get(LIST + query)
    assert page.status_code == 200
    return [names[i] for i in re.findall(r'data-agreement="(\d+)"', page.get_data(as_text=True))]


def test_each_filter_narrows_the_list_and_the_search_finds_numbers(client, auth, db, signed):
    auth.login(signed["officer"].email)
    assert _listed(client, signed) == ["oven", "laundry", "sewing"]  # the newest signature first, unsigned last
    assert _listed(client, signed, f"?call={signed['restructuring'].id}") == ["oven", "sewing"]
    assert _listed(client, signed, "?call_type=job_support") == ["laundry"]
    assert _listed(client, signed, "?state=durability") == ["laundry"]
    assert _listed(client, signed, "?state=agreement") == ["sewing"]
    assert _listed(client, signed, "?org_type=ngo") == ["laundry"]
    assert _listed(client, signed, "?organisation=KLOS") == ["oven"]
    assert _listed(client, signed, "?region=pomorskie") == ["laundry"]
    assert _listed(client, signed, "?award_from=50+000,00") == ["laundry", "sewing"]
    assert _listed(client, signed, "?award_to=90.000,00&award_from=50000") == ["laundry"]
    day = (utcnow() - timedelta(days=10)).date().isoformat()
    assert _listed(client, signed, f"?signed_from={day}") == ["oven"]
    assert _listed(client, signed, f"?signed_to={day}") == ["laundry"]
    assert _listed(client, signed, "?q=pralnia+spoleczna") == ["laundry"]
    assert _listed(client, signed, "?q=" + signed["sewing"].number.lower()) == ["sewing"]
    assert _listed(client, signed, "?call_type=restructuring_grant&state=implementation") == ["oven"]
    page = client.get(LIST).get_data(as_text=True)
    assert "3 agreements" in page and "280,000.00" in page  # the awards summed
    assert "Restrukturyzacja 2026" in page and "Piekarnia „Kłos”" in page


def test_sorting_either_way(client, auth, db, signed):
    auth.login(signed["officer"].email)
    assert _listed(client, signed, "?sort=award&dir=asc") == ["oven", "laundry", "sewing"]
    assert _listed(client, signed, "?sort=award") == ["sewing", "laundry", "oven"]
    assert _listed(client, signed, "?sort=signed&dir=asc") == ["laundry", "oven", "sewing"]  # unsigned last
    by_number = sorted(("oven", "laundry", "sewing"), key=lambda n: signed[n].number)
    assert _listed(client, signed, "?sort=number&dir=asc") == by_number
    by_organisation = sorted(("oven", "laundry", "sewing"), key=lambda n: signed[n].application.organisation.name)
    assert _listed(client, signed, "?sort=organisation&dir=asc") == by_organisation


def test_bad_input_is_no_filter(client, auth, db, signed):
    auth.login(signed["officer"].email)
    everything = ["oven", "laundry", "sewing"]
    assert _listed(client, signed, "?award_from=abc&signed_to=9999-12-31&signed_from=0001-01-01&state=draft"
                                   "&region=atlantyda&org_type=x&call_type=y&sort=evil&dir=x&page=99") == everything
    assert _listed(client, signed, "?call=99999999999999999999999&page=99999999999") == everything
    assert _listed(client, signed, "?q=%25") == []  # a literal %, not a wildcard
    assert client.get(LIST + "agreements.csv?signed_to=9999-12-31&award_to=1e400").status_code == 200
    assert client.post(LIST + "filters/99999999999999999999999/delete").status_code == 404


def test_exports_are_what_is_filtered_with_the_call(client, auth, db, signed):
    auth.login(signed["officer"].email)
    body = client.get(LIST + "agreements.csv?call_type=restructuring_grant&sort=award&dir=asc").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Agreement number", "Call", "Project"]
    assert [row[:3] for row in rows[1:]] == [[signed["oven"].number, "Restrukturyzacja 2026", "Piec dla piekarni"],
                                            [signed["sewing"].number, "Restrukturyzacja 2026", "Szwalnia"]]
    assert rows[1][6:9] == ["40000.00", "2026-03-01", "2027-02-28"] and rows[2][9] == ""  # unsigned: no day
    workbook = client.get(LIST + "agreements.xlsx?region=pomorskie")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][1] == "Miejsca pracy 2026" and values[1][5] == "Durability period"
    assert sheet.cell(2, 7).data_type == "n" and Decimal(str(sheet.cell(2, 7).value)) == Decimal("90000")
    assert sheet.cell(2, 8).value.date() == date(2026, 1, 1)


def test_the_same_queries_for_2_or_30_rows(client, auth, db, signed):
    from tests.support.queries import recorded_statements

    auth.login(signed["officer"].email)

    def queries() -> int:
        client.get(LIST)
        with recorded_statements(_db.engine) as statements:
            assert client.get(LIST + "?sort=organisation&region=pomorskie&q=a").status_code == 200
            assert client.get(LIST).status_code == 200
        return len(statements)

    two = queries()
    for n in range(28):
        factories.agreement(factories.application(signed["restructuring"], status="implementation",
                                                  number=f"R/{n + 3}"))
    _db.session.commit()
    assert queries() == two


@pytest.mark.parametrize("role, status", [(Role.APPLICANT, 403), (Role.EVALUATOR, 403), (Role.ADMIN, 403),
                                          (Role.FINANCE_OFFICER, 200), (Role.AUDITOR, 200)])
def test_only_staff_who_read_agreements(client, auth, db, signed, role, status):
    auth.login(factories.user(role).email)
    for path in ("", "agreements.csv", "agreements.xlsx"):
        assert client.get(LIST + path).status_code == status


def test_the_list_is_for_those_who_read_any_agreement():
    """The list's permission names the same roles as the staff's reading of one agreement."""
    from grants.access import Permission, has_permission
    from grants.finance.permissions import can_read_agreement

    for role in Role:
        user = SimpleNamespace(is_authenticated=True, roles=frozenset({role}), memberships=())
        assert has_permission(user, Permission.APPLICATION_ANY_READ) == \
            can_read_agreement(user, SimpleNamespace(organisation_id=0)), role


def test_saved_filters_are_each_persons_own_and_the_lists_own(client, auth, db, signed):
    from sqlalchemy import select

    from grants.applications.models import SavedFilter

    auth.login(signed["officer"].email)
    saved = client.post(LIST + "filters", data={
        "csrf_token": csrf_token(client, LIST), "name": "Pomorze",
        "query": "region=pomorskie&sort=award&submitted_from=2026-01-01&evil=1"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("?region=pomorskie&sort=award")
    kept = _db.session.scalar(select(SavedFilter))
    assert (kept.list_name, kept.query) == ("agreements", "region=pomorskie&sort=award")  # the list's own keys
    page = client.get(LIST).get_data(as_text=True)
    assert 'data-saved="Pomorze"' in page and "?region=pomorskie&amp;sort=award" in page
    assert 'data-saved="Pomorze"' not in client.get("/applications/all/").get_data(as_text=True)
    assert _listed(client, signed, "?" + kept.query) == ["laundry"]
    token = csrf_token(client, LIST)
    assert client.post(f"/applications/all/filters/{kept.id}/delete", data={"csrf_token": token}).status_code == 404
    auth.logout()
    auth.login(factories.user(Role.AUDITOR).email)
    assert 'data-saved="Pomorze"' not in client.get(LIST).get_data(as_text=True)
    refused = client.post(f"{LIST}filters/{kept.id}/delete", data={"csrf_token": csrf_token(client, LIST)})
    assert refused.status_code == 404 and _db.session.get(SavedFilter, kept.id) is not None
    assert client.post(f"{LIST}filters/{kept.id}/delete").status_code == 400  # no CSRF token
    auth.logout()
    auth.login(signed["officer"].email)
    kept_id = kept.id
    deleted = client.post(f"{LIST}filters/{kept_id}/delete", data={"csrf_token": csrf_token(client, LIST)})
    assert deleted.status_code == 303 and _db.session.get(SavedFilter, kept_id) is None


def test_staff_find_the_list_in_the_top_bar_or_beside_the_controls(client, auth, db):
    """Officers and finance officers in the top bar; auditors, whose bar is full, from the list of controls."""
    for role, in_the_bar in ((Role.PROGRAM_OFFICER, True), (Role.FINANCE_OFFICER, True), (Role.AUDITOR, False)):
        auth.login(factories.user(role).email)
        page = client.get("/controls/").get_data(as_text=True)
        bar = page[page.index("<nav"):page.index("</nav>")]
        assert ('href="/agreements/all/"' in bar) is in_the_bar, role
        assert 'data-testid="all-agreements-link"' in page
        auth.logout()
