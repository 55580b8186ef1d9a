"""The dashboard's figures through the JSON API: for staff who read applications only, the same numbers as the web
dashboard's CSV tables for the programme, one call and a period, amounts as decimal strings."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from grants.auth.models import OrganisationType, Role
from grants.control.models import RecoveryCase, RecoveryRepayment
from grants.engine.models import TransitionHistory
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.reporting import operations as reporting
from grants.reporting.models import Report
from grants.support.models import Job, PsStatus
from tests import factories
from tests.conftest import AuthActions
from tests.support.api import bearer, token

JAN = datetime(2026, 1, 15, 10, tzinfo=timezone.utc)


def _grant(call, kind, founded_on, number, award="100000.00"):
    grant = factories.application(call, status="implementation", number=number, submitted_at=JAN,
                                  awarded_amount=Decimal(award), requested=award)
    grant.organisation.type, grant.organisation.founded_on = kind, founded_on
    return grant


@pytest.fixture
def programme(db):
    jobs_call = factories.call("job_support", title="Miejsca pracy", budget="900000.00")
    other = factories.call(title="Restrukturyzacja", budget="100000.00")
    existing = _grant(jobs_call, OrganisationType.SOCIAL_COOPERATIVE, date(2015, 5, 1), "J/1")
    new = _grant(jobs_call, OrganisationType.SOCIAL_ENTERPRISE, date(2025, 9, 1), "J/2", award="90000.00")
    rejected = factories.application(jobs_call, status="rejected", number="J/3", submitted_at=JAN, requested="5000")
    factories.application(other, status="merit_review", number="R/1", requested="7000",
                          submitted_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    factories.application(other, status="draft", title="Szkic")  # not submitted: not counted
    for grant, days, state in ((existing, 20, "selected"), (new, 45, "selected"), (rejected, 200, "rejected")):
        _db.session.add(TransitionHistory(workflow="application", object_type="application", object_id=grant.id,
                                          from_state="scored", to_state=state, trigger="publish",
                                          at=JAN + timedelta(days=days)))
    _db.session.add(PsStatus(application_id=existing.id, due_on=date(2026, 8, 1), obtained_on=date(2020, 1, 1)))
    for grant, kept, lost, starts_on in ((existing, 5, 2, date(2026, 2, 1)), (new, 3, 0, date(2026, 3, 1))):
        for n in range(kept + lost):
            _db.session.add(Job(application_id=grant.id, fte=Decimal("1") if n % 2 else Decimal("0.5"),
                                status="durability" if n < kept else "lost", starts_on=starts_on,
                                person_name=f"P{n}"))
    factories.agreement(existing, award="100000.00", signed_at=datetime(2026, 2, 10, 12, tzinfo=timezone.utc))
    for grant, amount, status, paid_on in ((existing, "60000.00", "paid", date(2026, 2, 20)),
                                           (existing, "40000.00", "paid", date(2026, 5, 20)),
                                           (new, "30000.50", "paid", date(2026, 3, 20)),
                                           (new, "12000.00", "on_hold", None)):
        _db.session.add(Payment(application_id=grant.id, kind="advance", amount=Decimal(amount), status=status,
                                paid_on=paid_on))
    case = RecoveryCase(application_id=new.id, principal=Decimal("5000.00"), status="overdue")
    _db.session.add(case)
    _db.session.flush()
    _db.session.add(RecoveryRepayment(case_id=case.id, paid_on=date(2026, 6, 1), amount=Decimal("1200.25")))
    _db.session.add(Report(application_id=existing.id, period="2026-05", status="overdue"))
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    _db.session.commit()
    return {"officer": officer, "call": jobs_call, "other": other}


def _csv(browser, key: str, query: str) -> list[list[str]]:
    response = browser.get(f"/dashboards/data/{key}.csv{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[1:]


def _same_as_the_dashboard(browser, figures: dict, query: str) -> None:
    rows = _csv(browser, "summary", query)
    first = last = dict(rows)
    for name, key in (("Applications submitted", "submitted"), ("Decided", "decided"),
                      ("Applications awarded", "awarded"),
                      ("Reports overdue now", "overdue_reports"), ("Payments on hold now", "payments_on_hold")):
        assert figures[key] == int(first[name]), name
    for name, value in (("Success rate (%)", figures["success_rate"]),
                        ("Mean days to a decision", figures["mean_days_to_decision"]),
                        ("Budget of the calls", figures["budget"]), ("Amount on hold now", figures["amount_on_hold"]),
                        ("Awarded", figures["money"]["awarded"]),
                        ("Committed (agreements signed)", figures["money"]["committed"]),
                        ("Paid", figures["money"]["paid"]), ("Recovered", figures["money"]["recovered"])):
        assert (Decimal(value) if value is not None else None) == (Decimal(last[name]) if last[name] else None), name
    money_rows = _csv(browser, "money", query)  # running totals by month: the API's months added up
    assert [row[0] for row in money_rows] == [month["month"] for month in figures["money_by_month"]]
    running = {m: Decimal(0) for m in ("awarded", "committed", "paid", "recovered")}
    for row, month in zip(money_rows, figures["money_by_month"]):
        for column, measure in enumerate(running, start=1):
            running[measure] += Decimal(month[measure])
            assert Decimal(row[column]) == running[measure], (month["month"], measure)
    assert all(Decimal(figures["money"][m]) == running[m] for m in running)
    jobs = {row[0]: row[1:] for row in _csv(browser, "jobs", query)}
    labels = {"existing_ps": "Existing social enterprise (PS)", "new_ps": "New social enterprise (PS)",
              "converting_pes": "Social-economy entity becoming a PS"}
    for group in figures["jobs"]:
        created, kept, created_fte, kept_fte = jobs[labels[group["group"]]]
        assert (group["created_people"], group["maintained_people"]) == (int(created), int(kept))
        assert (Decimal(group["created_fte"]), Decimal(group["maintained_fte"])) == (Decimal(created_fte),
                                                                                     Decimal(kept_fte))
    states = {row[0]: int(row[1]) for row in _csv(browser, "states", query)}
    assert sum(states.values()) == sum(figures["applications_by_state"].values()) == figures["submitted"]
    days = [int(row[1]) for row in _csv(browser, "decision-days", query)]
    assert days == [bucket["applications"] for bucket in figures["days_to_decision"]]


def test_the_same_numbers_as_the_dashboard(app, client, db, programme):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    AuthActions(browser).login(programme["officer"].email)
    secret = token(programme["officer"])
    for api_query, web_query in (("", ""), (f"?call_id={programme['call'].id}", f"?call={programme['call'].id}"),
                                 (f"?call_id={programme['other'].id}", f"?call={programme['other'].id}"),
                                 ("?from=2026-03-01&to=2026-03-31", "?from=2026-03-01&to=2026-03-31"),
                                 ("?from=2026-12-31&to=2026-02-01", "?from=2026-12-31&to=2026-02-01")):
        answer = client.get(f"/api/v1/indicators{api_query}", headers=bearer(secret))
        assert answer.status_code == 200 and answer.headers["ETag"], api_query
        _same_as_the_dashboard(browser, answer.get_json(), web_query)
    everything = client.get("/api/v1/indicators", headers=bearer(secret)).get_json()
    assert everything["money"] == {"awarded": "190000.00", "committed": "100000.00", "paid": "130000.50",
                                   "recovered": "1200.25"}  # decimal strings, never floats
    assert everything["applications_by_state"] == {"implementation": 2, "rejected": 1, "merit_review": 1}
    assert everything["success_rate"] == "66.7" and everything["amount_on_hold"] == "12000.00"
    assert sum(kind["awarded"] for kind in everything["applications_by_kind"].values()) == 2
    assert [m["month"] for m in everything["money_by_month"]][:3] == ["2026-02", "2026-03", "2026-04"]  # gaps too
    swapped = client.get("/api/v1/indicators?from=2026-12-31&to=2026-02-01", headers=bearer(secret)).get_json()
    assert (swapped["from"], swapped["to"]) == ("2026-02-01", "2026-12-31")


@pytest.mark.parametrize("role,status", [(Role.FINANCE_OFFICER, 200), (Role.AUDITOR, 200), (Role.APPLICANT, 403),
                                         (Role.EVALUATOR, 403), (Role.ADMIN, 403)])
def test_only_staff_who_read_applications(client, db, programme, role, status):
    secret = token(factories.user(role))
    assert client.get("/api/v1/indicators", headers=bearer(secret)).status_code == status
    assert client.get(f"/api/v1/indicators?call_id={programme['call'].id}", headers=bearer(secret)) \
        .status_code == status


def test_bad_input_and_calls_that_do_not_exist(client, db, programme):
    secret = token(programme["officer"])
    assert client.get("/api/v1/indicators").status_code == 401
    assert client.get("/api/v1/indicators?call_id=999999", headers=bearer(secret)).status_code == 404
    for bad in ("call_id=0", "call_id=2147483648", "from=yesterday", "to=9999-12-31", "from=1999-12-31",
                f"call={programme['call'].id}"):  # the web dashboard's name: refused, not read as "every call"
        answer = client.get(f"/api/v1/indicators?{bad}", headers=bearer(secret))
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", bad


def test_the_accepted_reports_questions_as_on_the_dashboard(app, client, db, programme):
    """Count and hours questions add up, table questions cell by cell, over accepted reports only."""
    form = reporting.start_form(programme["call"], programme["officer"], "ccwbe")
    reporting.publish_form(form, programme["officer"], version=None)
    grant = factories.application(programme["call"], status="implementation", number="J/9")
    for period, ends_on, status, sessions, women in (("2026-Q1", date(2026, 3, 31), "accepted", 12, 7),
                                                     ("2026-Q2", date(2026, 6, 30), "accepted", 5, 3),
                                                     ("2026-Q3", date(2026, 9, 30), "returned", 100, 100)):
        _db.session.add(Report(application_id=grant.id, form_id=form.id, period=period, status=status,
                               starts_on=ends_on.replace(day=1), ends_on=ends_on, answers={
                                   "one_on_one_sessions": sessions,
                                   "hours_by_stage": {"pre_development": {"hours": "10.5"}},
                                   "gender": {"woman": {"participants": women}}}))
    _db.session.commit()
    secret = token(programme["officer"])
    figures = client.get("/api/v1/indicators", headers=bearer(secret)).get_json()
    totals = {t["question"]: t for t in figures["report_totals"]}
    assert (totals["one_on_one_sessions"]["total"], totals["one_on_one_sessions"]["reports"]) == ("17", 2)
    assert totals["one_on_one_sessions"]["label"]["pl"] and totals["one_on_one_sessions"]["kind"] == "count"
    tables = {t["question"]: {row["row"]: row for row in t["rows"]} for t in figures["report_tables"]}
    woman = tables["gender"]["woman"]
    assert [(cell["label"]["en"], cell["total"]) for cell in woman["cells"]][0] == ("Participants", "10")
    assert tables["hours_by_stage"]["pre_development"]["cells"] == [
        {"label": {"pl": "Godziny", "en": "Hours"}, "kind": "hours", "total": "21.0"}]
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    AuthActions(browser).login(programme["officer"].email)
    on_the_web = {row[0]: Decimal(row[1]) for row in _csv(browser, "report-totals", "")}
    assert {t["label"]["en"]: Decimal(t["total"]) for t in figures["report_totals"]} == on_the_web
    women = {row[0]: row[1:] for row in _csv(browser, "report-gender", "")}
    assert [Decimal(v) for v in women[woman["label"]["en"]]] == [Decimal(c["total"]) for c in woman["cells"]]
    first_quarter = client.get("/api/v1/indicators?to=2026-03-31", headers=bearer(secret)).get_json()
    assert {t["question"]: t["total"] for t in first_quarter["report_totals"]}["one_on_one_sessions"] == "12"
    assert client.get(f"/api/v1/indicators?call_id={programme['other'].id}",
                      headers=bearer(secret)).get_json()["report_tables"] == []
