"""Finance officers' list of every call's payments: filters by call, call type, state, kind, applicant type,
organisation, region, amount, days due and days paid, search, sorting, pages, CSV and XLSX with the call, saved
filters that are each person's own; the same queries for 3 or 30 rows; every other role is refused."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest

from grants.auth.models import OrganisationType, Role
from grants.extensions import db as _db
from grants.registry.models import RegistryEntry
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

LIST = "/payments/all/"
NAMES = ("advance", "final", "bridging")


@pytest.fixture
def paying(db):
    """Two advances of one restructuring call (one grant with its agreement), a paid bridging instalment of a
    job-creation call."""
    officer = factories.user(Role.FINANCE_OFFICER, locale="en")
    advance, final = factories.payments("planned", prefix="A")  # 64000.00 and 4800.50, due yesterday
    (bridging,) = factories.payments("paid", prefix="B", accounts=("PL61109010140000071219812874",),
                                     amounts=("1500.00",))
    today = utcnow().date()
    agreement = factories.agreement(advance.application)
    final.kind, final.status, final.due_at = "final", "on_hold", utcnow() + timedelta(days=30)
    final.application.organisation.type = OrganisationType.NGO
    _db.session.add(RegistryEntry(organisation_id=final.application.organisation_id, name="Żuraw",
                                  voivodeship="pomorskie"))
    bridging.kind, bridging.period, bridging.paid_on = "bridging", 2, today - timedelta(days=5)
    bridging.due_at, bridging.payee = utcnow() - timedelta(days=20), "Hurtownia Pod Lipą"
    bridging.application.title = "Pralnia społeczna"
    jobs = bridging.application.call
    jobs.call_type, jobs.title = "job_support", "Miejsca pracy 2026"
    advance.application.call.title = "Restrukturyzacja 2026"
    _db.session.commit()
    return {"officer": officer, "advance": advance, "final": final, "bridging": bridging, "agreement": agreement,
            "restructuring": advance.application.call}


def _listed(client, paying, query="") -> list[str]:
    """The payments on the page, by their fixture's names, in the page's order."""
    names = {str(paying[n].id): n for n in NAMES}
    page = client.get(LIST + query)
    assert page.status_code == 200
    return [names[i] for i in re.findall(r'data-payment="(\d+)"', page.get_data(as_text=True))]


def test_each_filter_narrows_the_list(client, auth, db, paying):
    auth.login(paying["officer"].email)
    assert _listed(client, paying) == ["final", "advance", "bridging"]  # the latest due first
    assert _listed(client, paying, f"?call={paying['restructuring'].id}") == ["final", "advance"]
    assert _listed(client, paying, "?call_type=job_support") == ["bridging"]
    assert _listed(client, paying, "?state=on_hold") == ["final"]
    assert _listed(client, paying, "?kind=bridging") == ["bridging"]
    assert _listed(client, paying, "?org_type=ngo") == ["final"]
    assert _listed(client, paying, "?organisation=a0") == ["advance"]
    assert _listed(client, paying, "?region=pomorskie") == ["final"]
    assert _listed(client, paying, "?amount_from=4+800,50&amount_to=10.000") == ["final"]
    assert _listed(client, paying, "?amount_from=50000") == ["advance"]
    today = utcnow().date()
    assert _listed(client, paying, f"?due_from={(today + timedelta(days=1)).isoformat()}") == ["final"]
    assert _listed(client, paying, f"?due_to={(today - timedelta(days=10)).isoformat()}") == ["bridging"]
    assert _listed(client, paying, f"?paid_from={(today - timedelta(days=5)).isoformat()}"
                                   f"&paid_to={today.isoformat()}") == ["bridging"]
    assert _listed(client, paying, f"?paid_to={(today - timedelta(days=6)).isoformat()}") == []
    assert _listed(client, paying, "?q=" + paying["agreement"].number.lower()) == ["advance"]
    assert _listed(client, paying, "?q=pod+lip") == ["bridging"]  # the payee
    assert _listed(client, paying, "?q=pralnia") == ["bridging"]  # the project
    assert 'href="/payments/all/"' in client.get("/payments/").get_data(as_text=True)  # from finance's own list
    page = client.get(LIST).get_data(as_text=True)
    assert "3 payments" in page and "70,300.50" in page  # the amounts summed
    assert paying["agreement"].number in page and "Miejsca pracy 2026" in page and "month 2" in page


def test_sorting_either_way(client, auth, db, paying):
    auth.login(paying["officer"].email)
    assert _listed(client, paying, "?sort=due&dir=asc") == ["bridging", "advance", "final"]
    assert _listed(client, paying, "?sort=amount&dir=asc") == ["bridging", "final", "advance"]
    assert _listed(client, paying, "?sort=amount") == ["advance", "final", "bridging"]
    assert _listed(client, paying, "?sort=paid")[0] == "bridging"  # the unpaid after it, either way
    assert _listed(client, paying, "?sort=paid&dir=asc")[0] == "bridging"
    assert _listed(client, paying, "?sort=organisation&dir=asc") == ["advance", "final", "bridging"]  # A0, A1, B0


def test_bad_input_is_no_filter(client, auth, db, paying):
    auth.login(paying["officer"].email)
    everything = ["final", "advance", "bridging"]
    assert _listed(client, paying, "?amount_from=1e400&due_to=9999-12-31&paid_from=0001-01-01&state=draft"
                                   "&kind=bribe&region=atlantyda&org_type=x&sort=evil&dir=x&page=99") == everything
    assert _listed(client, paying, "?call=99999999999999999999999&page=99999999999&due_from=2026-02-30") == everything
    assert _listed(client, paying, "?q=_") == []  # a literal _, not a wildcard
    assert client.get(LIST + "payments.xlsx?paid_to=9999-12-31&amount_to=abc").status_code == 200
    assert client.post(LIST + "filters/99999999999999999999999/delete").status_code == 404


def test_exports_are_what_is_filtered_with_the_call(client, auth, db, paying):
    auth.login(paying["officer"].email)
    body = client.get(LIST + "payments.csv?call_type=restructuring_grant&sort=amount").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Agreement number", "Call"] and len(rows) == 3
    assert rows[1][:2] == [paying["agreement"].number, "Restrukturyzacja 2026"] and rows[1][6] == "64000.00"
    assert rows[2][:2] == ["", "Restrukturyzacja 2026"] and rows[2][4:8] == [
        "Final tranche (after the settlement is accepted)", "", "4800.50", "On hold"]
    workbook = client.get(LIST + "payments.xlsx?kind=bridging")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][1] == "Miejsca pracy 2026" and values[1][5] == 2
    assert sheet.cell(2, 7).data_type == "n" and Decimal(str(sheet.cell(2, 7).value)) == Decimal("1500")
    assert sheet.cell(2, 10).value.date() == paying["bridging"].paid_on and values[1][10] == "Hurtownia Pod Lipą"


def test_the_same_queries_for_3_or_30_rows(client, auth, db, paying):
    from tests.support.queries import recorded_statements

    auth.login(paying["officer"].email)

    def queries() -> int:
        client.get(LIST)
        with recorded_statements(_db.engine) as statements:
            assert client.get(LIST + "?sort=organisation&region=pomorskie&q=a").status_code == 200
            assert client.get(LIST).status_code == 200
        return len(statements)

    three = queries()
    for n in range(9):
        factories.payments("approved", prefix=f"C{n}", accounts=("PL61109010140000071219812874",) * 3,
                           amounts=("100.00", "200.00", "300.00"))
    _db.session.commit()
    assert queries() == three


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.PROGRAM_OFFICER, Role.ADMIN])
def test_only_finance_officers_and_auditors(client, auth, db, paying, role):
    auth.login(factories.user(role).email)
    for path in ("", "payments.csv", "payments.xlsx"):
        assert client.get(LIST + path).status_code == 403
    assert client.post(LIST + "filters", data={"csrf_token": csrf_token(client, "/account"), "name": "x"}) \
        .status_code == 403


def test_auditors_read_the_list_too(client, auth, db, paying):
    auth.login(factories.user(Role.AUDITOR).email)
    for path in ("", "payments.csv", "payments.xlsx"):
        assert client.get(LIST + path).status_code == 200


def test_saved_filters_are_each_persons_own(client, auth, db, paying):
    from sqlalchemy import select

    from grants.applications.models import SavedFilter

    auth.login(paying["officer"].email)
    saved = client.post(LIST + "filters", data={"csrf_token": csrf_token(client, LIST), "name": "Wstrzymane",
                                                "query": "state=on_hold&kind=final&signed_from=2026-01-01"})
    assert saved.status_code == 303
    kept = _db.session.scalar(select(SavedFilter))
    assert (kept.list_name, kept.query) == ("payments", "state=on_hold&kind=final")
    again = client.post(LIST + "filters", data={"csrf_token": csrf_token(client, LIST), "name": "Wstrzymane",
                                                "query": "state=on_hold"})
    assert again.status_code == 303 and len(_db.session.scalars(select(SavedFilter)).all()) == 1  # replaced
    assert 'data-saved="Wstrzymane"' in client.get(LIST).get_data(as_text=True)
    assert _listed(client, paying, "?state=on_hold") == ["final"]
    auth.logout()
    auth.login(factories.user(Role.FINANCE_OFFICER).email)
    assert 'data-saved="Wstrzymane"' not in client.get(LIST).get_data(as_text=True)
    refused = client.post(f"{LIST}filters/{kept.id}/delete", data={"csrf_token": csrf_token(client, LIST)})
    assert refused.status_code == 404 and _db.session.get(SavedFilter, kept.id) is not None
