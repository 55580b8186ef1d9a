"""Recovery cases: the notice's due date by the legal basis (moved off weekends and holidays), interest at the
tax-arrears rate from the dated table across a rate change, repayments split in proportion and never more than
is owed, the case repaid once nothing is owed, and overdue marked by the scheduler."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.auth.models import Role
from grants.control import recovery
from grants.control.models import RecoveryRepayment
from grants.engine.core import fire
from grants.engine.tick import tick
from grants.errors import Refusal
from grants.extensions import db as _db
from grants.finance import rates
from tests import factories


@pytest.fixture
def case_setup(db):
    auditor, finance = factories.user(Role.AUDITOR, locale="en"), factories.user(Role.FINANCE_OFFICER, locale="en")
    application = factories.application(factories.call(), status="durability", awarded_amount=Decimal("60000.00"))
    rates.add(recovery.RATE_TABLE, date(2023, 10, 5), Decimal("14.50"), None, "MF")
    rates.add(recovery.RATE_TABLE, date(2025, 5, 8), Decimal("13.50"), None, "MF")
    _db.session.commit()
    return {"auditor": auditor, "finance": finance, "application": application}


def _case(setup, **changes):
    values = {"principal": Decimal("10000.00"), "basis": "art207", "interest_kind": "misuse",
              "transferred_on": date(2025, 4, 1), "facts": "Sprzęt kupiony z dotacji nie był używany w spółdzielni."}
    values.update(changes)
    return recovery.open_case(setup["application"], setup["auditor"], values["principal"], values["basis"],
                              values["interest_kind"], values["transferred_on"], values["facts"])


def test_a_case_needs_its_facts_basis_and_for_misuse_the_transfer_day(db, case_setup):
    with pytest.raises(Refusal) as refused:
        _case(case_setup, transferred_on=None, principal=Decimal("70000.00"), basis="x", facts=" ")
    assert set(refused.value.errors) == {"principal", "basis", "transferred_on", "facts"}


@pytest.mark.parametrize("basis, served_on, due_on", [
    ("art207", date(2026, 11, 27), date(2026, 12, 11)),  # Friday + 14 days: a Friday
    ("art207", date(2026, 11, 28), date(2026, 12, 14)),  # + 14 days is a Saturday: the next Monday
    ("art252", date(2026, 11, 27), date(2026, 12, 14)),  # + 15 days is a Saturday: the next Monday
    ("art252", date(2025, 12, 10), date(2025, 12, 29)),  # + 15 days is 25 Dec; 26, 27 (Sat), 28 (Sun) off too
])
def test_the_notice_sets_the_due_date_by_the_basis(db, case_setup, basis, served_on, due_on):
    case = _case(case_setup, basis=basis)
    fire(case, "notify", case_setup["auditor"], served_on=served_on)
    assert case.due_on == due_on and case.status == "notified"


def test_interest_runs_across_a_rate_change_and_a_proportional_repayment_leaves_the_rest(db, case_setup):
    case = _case(case_setup)
    fire(case, "notify", case_setup["auditor"], served_on=date(2025, 6, 2))
    account = recovery.statement(case, date(2025, 5, 31))
    # 1 Apr – 7 May: 37 days at 14.50 % = 10 000 × 0.145 × 37 / 365 = 146.99;
    # 8 – 31 May: 24 days at 13.50 % = 10 000 × 0.135 × 24 / 365 = 88.77; 235.75 → 236 zł
    assert [(line.days, line.percent, line.amount) for line in account.lines] == [
        (37, Decimal("14.50"), Decimal("146.99")), (24, Decimal("13.50"), Decimal("88.77"))]
    assert account.interest_outstanding == Decimal("236.00") and account.outstanding == Decimal("10236.00")

    recovery.record_repayment(case, case_setup["finance"], date(2025, 5, 31), Decimal("5118.00"))
    after = recovery.statement(case, date(2025, 5, 31))
    # proportional: interest share 5 118 × 236 / 10 236 = 118.00, principal 5 000.00
    assert (after.principal_outstanding, after.interest_outstanding) == (Decimal("5000.00"), Decimal("118.00"))
    assert case.status == "notified"


def test_repayments_never_exceed_what_is_owed_and_full_repayment_ends_interest(db, case_setup):
    case = _case(case_setup)
    fire(case, "notify", case_setup["auditor"], served_on=date(2025, 6, 2))
    with pytest.raises(Refusal):
        recovery.record_repayment(case, case_setup["finance"], date(2025, 5, 31), Decimal("10236.01"))
    assert _db.session.scalar(select(RecoveryRepayment.id)) is None
    recovery.record_repayment(case, case_setup["finance"], date(2025, 5, 31), Decimal("10236.00"))
    assert case.status == "repaid"
    later = recovery.statement(case, date(2026, 5, 31))
    assert later.outstanding == 0 and later.interest_charged == Decimal("236.00")
    assert later.repaid <= case.principal + later.interest_charged
    with pytest.raises(Refusal):  # a repaid case takes no more money
        recovery.record_repayment(case, case_setup["finance"], date(2025, 6, 1), Decimal("1.00"))


def test_undue_amounts_bear_interest_from_the_day_after_the_due_date_and_tick_marks_them_overdue(db, case_setup):
    with pytest.raises(Refusal) as refused:  # art. 207 runs interest from the transfer for every amount
        _case(case_setup, interest_kind="undue", transferred_on=None)
    assert "interest_kind" in refused.value.errors
    case = _case(case_setup, basis="art252", interest_kind="undue", transferred_on=None)
    assert recovery.statement(case, date(2026, 1, 1)).interest_outstanding == 0  # no notice, no interest yet
    fire(case, "notify", case_setup["finance"], served_on=date(2026, 11, 27))
    assert case.due_on == date(2026, 12, 14) and case.interest_from == date(2026, 12, 15)
    assert recovery.statement(case, date(2026, 12, 14)).interest_outstanding == 0
    # 15 – 31 Dec: 17 days at 13.50 % = 10 000 × 0.135 × 17 / 365 = 62.88 → 63 zł
    assert recovery.statement(case, date(2026, 12, 31)).interest_outstanding == Decimal("63.00")
    _db.session.commit()
    fired = tick(datetime(2026, 12, 15, 12, tzinfo=timezone.utc))
    assert fired["recovery:mark_overdue"] == 1 and case.status == "overdue"
    assert tick(datetime(2026, 12, 15, 13, tzinfo=timezone.utc))["recovery:mark_overdue"] == 0


def test_through_the_web_an_auditor_opens_and_serves_and_finance_records_the_repayments(client, auth, db, case_setup):
    application = case_setup["application"]
    owner = application.organisation.memberships[0].user
    evaluator = factories.user(Role.EVALUATOR)
    _db.session.commit()
    auth.login(case_setup["auditor"].email)
    opening = f"/recoveries/new/{application.id}"
    assert f"/controls/grant/{application.id}".encode() in client.get(f"/applications/{application.id}").data
    assert opening.encode() in client.get(f"/controls/grant/{application.id}").data
    refused = auth.post(opening, {"principal": "10 000,00", "basis": "art207", "interest_kind": "misuse",
                                  "facts": "Sprzęt nieużywany."}, token_from=opening)
    assert refused.status_code == 422 and b"interest runs from it" in refused.data
    opened = auth.post(opening, {"principal": "10 000,00", "basis": "art207", "interest_kind": "misuse",
                                 "transferred_on": "2025-04-01", "facts": "Sprzęt nieużywany."}, token_from=opening)
    assert opened.status_code == 303
    page = opened.headers["Location"]
    served = auth.post(f"{page}/serve", {"served_on": "2025-06-02", "version": "1"}, token_from=page)
    assert served.status_code == 303
    statement = client.get(f"{page}?as_of=2025-05-31").data.decode()
    assert "10,236.00" in statement and "146.99" in statement and "88.77" in statement
    assert client.get(f"{page}?as_of=not-a-day").status_code == 200  # read as today
    auth.logout()

    auth.login(case_setup["finance"].email)
    too_much = auth.post(f"{page}/repayments", {"paid_on": "2025-05-31", "amount": "10236.01"}, token_from=page)
    assert too_much.status_code == 422 and b"More than is owed on May 31, 2025: PLN10,236.00" in too_much.data
    paid = auth.post(f"{page}/repayments", {"paid_on": "2025-05-31", "amount": "10236.00", "bank_reference": "Z/1"},
                     token_from=page)
    assert paid.status_code == 303
    assert "Repaid" in client.get(page).data.decode()
    auth.logout()

    auth.login(owner.email)  # the grantee finds the case the notice is addressed to, reads it, changes nothing
    assert page.encode() in client.get(f"/controls/grant/{application.id}").data
    assert f"/controls/grant/{application.id}".encode() in client.get(f"/applications/{application.id}").data
    assert client.get(page).status_code == 200
    assert client.get(opening).status_code == 404
    auth.logout()
    auth.login(evaluator.email)
    assert client.get(page).status_code == 404


def test_a_back_dated_repayment_never_pays_more_than_is_owed(db, case_setup):
    case = _case(case_setup, principal=Decimal("1000.00"))
    fire(case, "notify", case_setup["auditor"], served_on=date(2025, 6, 2))
    recovery.record_repayment(case, case_setup["finance"], date(2025, 6, 10), Decimal("800.00"))
    with pytest.raises(Refusal):  # dated earlier, but 800 + 800 is more than the debt
        recovery.record_repayment(case, case_setup["finance"], date(2025, 6, 5), Decimal("800.00"))
    stale = case.version - 1
    with pytest.raises(Refusal):  # a second click of the same form
        recovery.record_repayment(case, case_setup["finance"], date(2025, 6, 5), Decimal("10.00"), version=stale)


def test_a_case_with_no_rate_in_force_neither_breaks_its_page_nor_the_scheduler(client, auth, db, case_setup):
    case = _case(case_setup, transferred_on=date(2023, 1, 2))  # before the first rate in the table
    fire(case, "notify", case_setup["auditor"], served_on=date(2026, 11, 2))
    _db.session.commit()
    fired = tick(datetime(2026, 12, 1, 12, tzinfo=timezone.utc))
    assert fired["recovery:mark_overdue"] == 1  # what is owed is at least the principal
    auth.login(case_setup["finance"].email)
    page = client.get(f"/recoveries/{case.id}")
    assert page.status_code == 200 and b"No tax-arrears interest rate is in force on 2023-01-02" in page.data
    assert client.get(f"/recoveries/{case.id}?as_of=9999-12-31").status_code == 200


# --- the notice as a PDF ---------------------------------------------------------------------------

@pytest.fixture
def rendered(monkeypatch):
    """The HTML each PDF is made from (the PDF itself is made as usual), to read what the notice says."""
    from grants.services import pdf

    pages, make = [], pdf.html_to_pdf

    def spy(html, stylesheets):
        pages.append(html)
        return make(html, stylesheets)

    monkeypatch.setattr(pdf, "html_to_pdf", spy)
    return pages


def _served_case(setup):
    case = _case(setup)
    fire(case, "notify", setup["auditor"], served_on=date(2025, 6, 2))
    _db.session.commit()
    return case


def test_the_notice_pdf_carries_the_case_and_its_statement_for_staff_and_the_grantee(client, auth, db, app, case_setup,
                                                                                       rendered):
    case = _served_case(case_setup)
    owner = case_setup["application"].organisation.memberships[0].user
    app.config["PAYER_ACCOUNT"] = "PL10105000997603123456789123"
    path = f"/recoveries/{case.id}/notice.pdf?as_of=2025-05-31"
    auth.login(case_setup["auditor"].email)
    shown = client.get(f"/recoveries/{case.id}?as_of=2025-05-31").get_data(as_text=True)
    assert f'formaction="/recoveries/{case.id}/notice.pdf"' in shown and 'value="2025-05-31"' in shown
    for user in (case_setup["auditor"], case_setup["finance"], owner):
        auth.logout()
        auth.login(user.email)
        document = client.get(path)
        assert document.status_code == 200, user.email
        assert document.mimetype == "application/pdf" and document.data.startswith(b"%PDF")
    # In the grantee's language, whoever prints it: the notice is for the grantee.
    assert len(rendered) == 3 and all('lang="pl"' in html for html in rendered)
    html = rendered[0]
    assert "Wezwanie do zwrotu środków dotacji" in html and f"{case.id}" in html
    assert case_setup["application"].organisation.name in html and "art. 207" in html
    assert "146,99" in html and "88,77" in html and "236,00" in html  # the statement the case page shows
    assert "Sprzęt kupiony z dotacji" in html and "16 czerwca 2025" in html  # the facts; due 14 days after service
    assert "PL10105000997603123456789123" in html


def test_the_notice_pdf_is_404_for_other_organisations_and_unknown_cases(client, auth, db, case_setup):
    case = _served_case(case_setup)
    stranger = factories.user(Role.APPLICANT)
    factories.organisation(stranger)
    _db.session.commit()
    auth.login(stranger.email)
    assert client.get(f"/recoveries/{case.id}/notice.pdf").status_code == 404
    auth.logout()
    auth.login(case_setup["auditor"].email)
    assert client.get("/recoveries/999999/notice.pdf").status_code == 404


def test_the_notice_pdf_with_no_rate_in_force_says_interest_cannot_be_computed_yet(client, auth, db, case_setup,
                                                                                   rendered):
    case = _case(case_setup, transferred_on=date(2023, 1, 2))  # before the first rate in the table
    _db.session.commit()
    auth.login(case_setup["finance"].email)
    document = client.get(f"/recoveries/{case.id}/notice.pdf?as_of=not-a-day")  # read as today
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    assert "Odsetek nie można jeszcze obliczyć" in rendered[-1] and "Rachunek do zwrotu" not in rendered[-1]


# --- the staff's list of cases ---------------------------------------------------------------------

def _grant_with_case(setup, principal: str = "1000.00", served: bool = True, repaid: str | None = None):
    application = factories.application(factories.call(), status="durability", awarded_amount=Decimal("60000.00"))
    application.number = f"ZW/{application.id}"
    case = recovery.open_case(application, setup["auditor"], Decimal(principal), "art207", "misuse",
                              date(2025, 4, 1), "Fakty.")
    if served:
        fire(case, "notify", setup["auditor"], served_on=date(2025, 6, 2))
    if repaid:
        recovery.record_repayment(case, setup["finance"], date(2025, 6, 10), Decimal(repaid))
    return case


def test_the_list_shows_the_cases_to_finance_and_auditors_and_filters_by_state(client, auth, db, case_setup):
    served = _grant_with_case(case_setup, repaid="100.00")
    opened = _grant_with_case(case_setup, principal="2000.00", served=False)
    _db.session.commit()
    owed = recovery.outstanding(served, datetime.now(timezone.utc))
    for user in (case_setup["finance"], case_setup["auditor"]):
        auth.login(user.email)
        page = client.get("/recoveries/").get_data(as_text=True)
        assert f'data-case="{served.id}"' in page and f'data-case="{opened.id}"' in page
        assert page.index(f'data-case="{opened.id}"') < page.index(f'data-case="{served.id}"')  # newest first
        assert served.application.number in page and opened.application.organisation.name in page
        assert f"{owed:,.2f}" in page and "2 recovery cases" in page
        auth.logout()
    auth.login(case_setup["auditor"].email)
    only_opened = client.get("/recoveries/?status=opened").get_data(as_text=True)
    assert f'data-case="{opened.id}"' in only_opened and f'data-case="{served.id}"' not in only_opened
    by_call = client.get(f"/recoveries/?call={served.application.call_id}").get_data(as_text=True)
    assert f'data-case="{served.id}"' in by_call and f'data-case="{opened.id}"' not in by_call
    assert client.get("/recoveries/?status=nonsense&page=x").status_code == 200  # unknown filters: all cases
    assert "/recoveries/" in client.get("/controls/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMIN])
def test_the_list_is_refused_to_those_who_read_no_case_but_their_own(client, auth, db, case_setup, role):
    _grant_with_case(case_setup)
    auth.login(factories.user(role).email)
    assert client.get("/recoveries/").status_code == 403


def test_the_list_costs_the_same_queries_for_1_and_for_5_cases(client, auth, db, case_setup):
    from tests.support.queries import recorded_statements

    auth.login(case_setup["finance"].email)

    def queries() -> int:
        client.get("/recoveries/")
        with recorded_statements(db.engine) as statements:
            assert client.get("/recoveries/").status_code == 200
        return len(statements)

    _grant_with_case(case_setup, repaid="100.00")
    _db.session.commit()
    one = queries()
    for _ in range(4):
        _grant_with_case(case_setup, repaid="100.00")
    _db.session.commit()
    assert queries() == one


def test_what_every_case_owes_from_plain_rows_equals_each_case_statement(db, case_setup):
    case = _served_case(case_setup)
    recovery.record_repayment(case, case_setup["finance"], date(2025, 6, 20), Decimal("3000.00"), "P/1")
    _db.session.commit()
    for day in (date(2025, 6, 19), date(2025, 6, 20), date(2025, 12, 31)):
        assert recovery.owed_on(day) == {case.id: recovery.statement(case, day).outstanding}
    assert recovery.owed_on(date(2025, 12, 31), statuses=("closed",)) == {}
