"""The officer's list of a call's applications: filters, search, counts, pages, exports, query count."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, insert, select

from grants.applications.models import Application
from grants.auth.models import OrganisationType, Role
from grants.types import utcnow
from tests import factories
from tests.support.queries import recorded_statements


def _many(call, organisation, n: int, status: str = "submitted") -> None:
    from grants.extensions import db

    now = utcnow()
    db.session.execute(insert(Application), [
        {"call_id": call.id, "organisation_id": organisation.id, "title": f"Wniosek {i}", "status": status,
         "number": f"{call.id}/{i:05d}", "requested_amount": Decimal("1000"), "answers": {}, "correction_rounds": 0,
         "correction_items": [], "formal_checklist": {}, "created_at": now, "version": 1} for i in range(n)])
    db.session.commit()


def test_filters_search_counts_and_pages(client, auth, db):
    call = factories.call()
    coop = factories.organisation(factories.user(Role.APPLICANT), name="Spółdzielnia Socjalna Pomorze")
    group = factories.organisation(factories.user(Role.APPLICANT), name="Grupa Sąsiedzi",
                                   type=OrganisationType.INFORMAL_GROUP)
    _many(call, coop, 60, "submitted")
    factories.application(call, group, status="formal_check", title="Ogród społeczny", number="X/1")
    auth.login(factories.user(Role.PROGRAM_OFFICER, locale="en").email)
    base = f"/manage/calls/{call.id}/applications/"
    page = client.get(base).get_data(as_text=True)
    assert 'data-state="submitted"' in page and "61 applications" in page
    assert page.count("<tr>") == 1 + 50  # header + one page
    first = db.session.scalar(select(func.min(Application.id)).where(Application.call_id == call.id))
    assert f'<a href="/applications/{first}">Wniosek 0</a>' in page
    assert client.get(f"/applications/{first}").status_code == 200
    # Only the filters travel on in the page's links; other query arguments are ignored, not obeyed.
    odd = client.get(base + "?call_id=5&_external=1&_anchor=x&state=submitted").get_data(as_text=True)
    assert "http://" not in odd.split("<main", 1)[1] and "#x" not in odd and "page=2&amp;state=submitted" in odd
    assert "Wniosek 59" in client.get(base + "?page=2").get_data(as_text=True)
    only = client.get(base + "?state=formal_check").get_data(as_text=True)
    assert "Ogród społeczny" in only and "Wniosek 1<" not in only and "1 application<" in only
    assert "Ogród społeczny" in client.get(base + "?type=informal_group").get_data(as_text=True)
    assert "1 application<" in client.get(base + "?q=s%C4%85siedzi").get_data(as_text=True)  # by organisation
    assert "1 application<" in client.get(base + "?q=x/1").get_data(as_text=True)  # by number


def _csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "no byte-order mark: Excel on Windows would garble Polish letters"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_exports_are_what_a_spreadsheet_can_use(client, auth, db):
    """Before: amounts were text (a sheet could not sum them), the type a raw code, times UTC with microseconds,
    and the CSV had no BOM."""
    from datetime import datetime, timezone

    call = factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT), name="Źródło")
    submitted = datetime(2026, 3, 1, 10, 15, 42, 123456, tzinfo=timezone.utc)  # 11:15 in Warsaw
    factories.application(call, organisation, status="submitted", requested="45000.50", submitted_at=submitted)
    factories.application(call, organisation, status="submitted", requested="1234.25", submitted_at=submitted)
    auth.login(factories.user(Role.AUDITOR, locale="pl").email)
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/calls/{call.id}/applications.xlsx").data))
    sheet = book.active
    amounts = [sheet.cell(row, 6) for row in (2, 3)]
    assert all(cell.data_type == "n" for cell in amounts)
    assert sum(Decimal(str(cell.value)) for cell in amounts) == Decimal("46234.75")
    assert amounts[0].number_format == "#,##0.00"
    assert sheet.cell(2, 4).value == "Spółdzielnia socjalna"
    assert sheet.cell(2, 7).value == datetime(2026, 3, 1, 11, 15)
    rows = _csv_rows(client.get(f"/manage/calls/{call.id}/applications.csv"))
    assert rows[1][2:] == ["Źródło", "Spółdzielnia socjalna", rows[1][4], "45000.50", "2026-03-01 11:15"]


def test_exports_follow_the_filters_and_neutralise_formulas(client, auth, db):
    call = factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT), name="=HYPERLINK(\"x\")")
    factories.application(call, organisation, status="submitted", title="Zielony zakątek", number="1/00001")
    factories.application(call, organisation, status="formal_check", title="Szkic", number="1/00002")
    auth.login(factories.user(Role.AUDITOR, locale="en").email)
    response = client.get(f"/manage/calls/{call.id}/applications.csv?state=submitted")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Number", "Title", "Organisation"]
    assert rows[1][:3] == ["1/00001", "Zielony zakątek", "'=HYPERLINK(\"x\")"] and len(rows) == 2
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/calls/{call.id}/applications.xlsx").data))
    values = [[c.value for c in row] for row in book.active.iter_rows()]
    assert len(values) == 3 and {values[1][1], values[2][1]} == {"Zielony zakątek", "Szkic"}
    assert values[1][2] == "=HYPERLINK(\"x\")"  # a string cell, never a formula
    assert book.active.cell(2, 3).data_type == "s"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_csv(client, auth, db, start):
    """Tab and carriage return were let through before (OWASP lists them with = + - @)."""
    call = factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT), name=f"{start}cmd|' /C calc'!A0")
    factories.application(call, organisation, status="submitted", title=f"{start}SUM(1+1)")
    auth.login(factories.user(Role.AUDITOR, locale="en").email)
    rows = _csv_rows(client.get(f"/manage/calls/{call.id}/applications.csv"))
    assert rows[1][1:3] == [f"'{start}SUM(1+1)", f"'{start}cmd|' /C calc'!A0"]


def test_only_staff_who_read_applications_see_lists_and_exports(client, auth, db):
    call = factories.call()
    for role, status in ((Role.APPLICANT, 403), (Role.EVALUATOR, 403), (Role.FINANCE_OFFICER, 200)):
        auth.login(factories.user(role).email)
        for suffix in ("/", ".csv", ".xlsx"):
            assert client.get(f"/manage/calls/{call.id}/applications{suffix}").status_code == status
        auth.logout()
    auth.login(factories.user(Role.PROGRAM_OFFICER).email)
    assert client.get("/manage/calls/999999/applications/").status_code == 404
    assert client.get("/manage/calls/999999/applications.csv").status_code == 404


def test_the_list_runs_the_same_number_of_queries_for_10_and_for_10000_applications(client, auth, db, app):
    officer = factories.user(Role.PROGRAM_OFFICER)
    small, large = factories.call(), factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT))
    _many(small, organisation, 10)
    _many(large, organisation, 10_000)
    auth.login(officer.email)

    def queries(call_id: int) -> int:
        with recorded_statements(db.engine) as statements:
            assert client.get(f"/manage/calls/{call_id}/applications/").status_code == 200
        return len(statements)

    small_id, large_id = small.id, large.id
    assert queries(small_id) == queries(large_id)


def test_the_officer_home_links_each_call_to_its_applications(client, auth, db):
    call = factories.call(title="Nabór z listą")
    factories.application(call, status="submitted")
    auth.login(factories.user(Role.PROGRAM_OFFICER).email)
    assert f'href="/manage/calls/{call.id}/applications/" data-testid="applications-link">1<' in \
        client.get("/officer").get_data(as_text=True)


def _grouped(call_ids) -> dict:
    from sqlalchemy import func, select

    from grants.extensions import db

    counts: dict = {}
    for call_id, status, n in db.session.execute(select(Application.call_id, Application.status, func.count())
                                                 .where(Application.call_id.in_(call_ids))
                                                 .group_by(Application.call_id, Application.status)):
        counts.setdefault(call_id, {})[status] = n
    return counts


def test_kept_counts_equal_counting_through_every_kind_of_change(db, app):
    """The triggers see inserts (ORM and bulk), state changes (one object or many at once), moves between
    calls and deletes, and ignore other writes; folding changes nothing that is read."""
    from sqlalchemy import delete, func, select, update

    from grants.applications import counts
    from grants.applications.models import ApplicationStateCount

    first, second = factories.call(), factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT))
    _many(first, organisation, 25, "submitted")
    drafts = [factories.application(first, organisation, status="draft", title=f"Szkic {i}") for i in range(3)]
    ids = [first.id, second.id]
    assert counts.state_counts(ids) == _grouped(ids) == {first.id: {"submitted": 25, "draft": 3}}

    db.session.execute(update(Application).where(Application.status == "submitted", Application.id % 5 == 0)
                       .values(status="formal_check"))
    drafts[0].call_id = second.id
    db.session.delete(drafts[1])
    drafts[2].status = "submitted"  # as the engine writes a transition
    db.session.commit()
    application = db.session.scalars(select(Application).where(Application.status == "formal_check")).first()
    db.session.execute(update(Application).where(Application.id == application.id).values(title="only the title"))
    db.session.commit()
    assert counts.state_counts(ids) == _grouped(ids)
    assert counts.state_counts(ids)[second.id] == {"draft": 1}

    deltas = db.session.scalar(select(func.count()).select_from(ApplicationStateCount))
    assert 0 < counts.compact() <= deltas
    assert counts.compact() == 0  # nothing left to fold
    assert db.session.scalar(select(func.count()).select_from(ApplicationStateCount)) == sum(
        len(states) for states in _grouped(ids).values())
    assert counts.state_counts(ids) == _grouped(ids)
    db.session.execute(delete(Application).where(Application.call_id == second.id))
    db.session.commit()
    counts.compact()
    assert counts.state_counts(ids) == _grouped(ids) and second.id not in counts.state_counts(ids)


def test_recount_rebuilds_counts_that_went_wrong(db, app):
    from sqlalchemy import delete

    from grants.applications import counts
    from grants.applications.models import ApplicationStateCount

    call = factories.call()
    _many(call, factories.organisation(factories.user(Role.APPLICANT)), 7, "submitted")
    db.session.execute(delete(ApplicationStateCount))  # as if the counts had been lost
    db.session.commit()
    assert counts.state_counts([call.id]) == {}
    assert "Counts rebuilt." in app.test_cli_runner().invoke(args=["pomost", "recount"]).output
    assert counts.state_counts([call.id]) == {call.id: {"submitted": 7}} == _grouped([call.id])


def test_staff_see_drafts_only_where_the_programme_allows_it(client, auth, db):
    """By default an application is the applicant's own until submitted: no row, count, export line or page
    for staff; an administrator's rule opens drafts to them (audited)."""
    call = factories.call()
    organisation = factories.organisation(factories.user(Role.APPLICANT), name="Spółdzielnia Brzask")
    draft = factories.application(call, organisation, status="draft", title="Szkic jeszcze nie złożony")
    factories.application(call, organisation, status="submitted", title="Wniosek złożony", number="N/1")
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    auth.login(officer.email)
    base = f"/manage/calls/{call.id}/applications"

    def seen() -> dict[str, bool]:
        listing = client.get(base + "/").get_data(as_text=True)
        return {"list": "Szkic jeszcze" in listing, "count": 'data-state="draft"' in listing,
                "filter": "Szkic jeszcze" in client.get(base + "/?state=draft").get_data(as_text=True),
                "csv": "Szkic jeszcze" in client.get(base + ".csv").get_data(as_text=True),
                "home": "Szkic jeszcze" in client.get("/officer").get_data(as_text=True),
                "page": client.get(f"/applications/{draft.id}").status_code == 200}

    assert not any(seen().values())
    listing = client.get(base + "/").get_data(as_text=True)
    assert "Wniosek złożony" in listing and "1 application<" in listing
    assert client.get(f"/applications/{draft.id}").status_code == 404
    # The applicant still reads and edits their own draft.
    auth.logout()
    auth.login(organisation.memberships[0].user.email)
    assert client.get(f"/applications/{draft.id}").status_code == 200

    auth.logout()
    auth.login(factories.user(Role.ADMIN, locale="en").email)
    page = client.get("/admin/programme").get_data(as_text=True)
    assert "Staff may read applications still in draft" in page
    auth.post("/admin/programme", {"name": "Pomost", "currency": "PLN", "time_zone": "Europe/Warsaw",
                                   "staff_read_drafts": "y"}, token_from="/admin/programme")
    auth.logout()
    auth.login(officer.email)
    assert all(seen().values())
    page = client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert "Draft, not submitted" in page and 'data-testid="version-pdf"' not in page
