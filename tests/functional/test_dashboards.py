"""The staff's dashboards: every figure equals the same figure counted by plain SQL over seeded data with known
totals (the programme and one call, a period); jobs by the enterprise's path to the PS status (59 maintained by
an existing PS, 47 by a new one); charts are SVG with nothing to run or load, named for screen readers, with a
table, CSV and XLSX behind each; the same queries for small and large data; only staff who read applications."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from grants.auth.models import OrganisationType, Role
from grants.control.models import RecoveryCase, RecoveryRepayment
from grants.engine.models import TransitionHistory
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.reporting.models import Report
from grants.support.models import Job, PsStatus
from tests import factories
from tests.support.queries import recorded_statements

JAN = datetime(2026, 1, 15, 10, tzinfo=timezone.utc)


def _decide(application, state: str, at: datetime) -> None:
    _db.session.add(TransitionHistory(workflow="application", object_type="application", object_id=application.id,
                                      from_state="scored", to_state=state, trigger="publish", at=at))


def _jobs(grant, kept: int, lost: int, starts_on: date) -> None:
    for n in range(kept + lost):
        _db.session.add(Job(application_id=grant.id, fte=Decimal("1") if n % 2 else Decimal("0.5"),
                            status="durability" if n < kept else "lost", starts_on=starts_on, person_name=f"P{n}"))


def _grant(call, kind, founded_on, number, *, submitted_at, award="100000.00", state="implementation"):
    grant = factories.application(call, status=state, number=number, submitted_at=submitted_at,
                                  awarded_amount=Decimal(award), requested=award)
    grant.organisation.type, grant.organisation.founded_on = kind, founded_on
    return grant


@pytest.fixture
def programme(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    jobs_call = factories.call("job_support", title="Miejsca pracy", budget="900000.00")
    other = factories.call(title="Restrukturyzacja", budget="100000.00")
    existing = _grant(jobs_call, OrganisationType.SOCIAL_COOPERATIVE, date(2015, 5, 1), "J/1", submitted_at=JAN)
    new = _grant(jobs_call, OrganisationType.SOCIAL_ENTERPRISE, date(2025, 9, 1), "J/2", submitted_at=JAN)
    older = _grant(jobs_call, OrganisationType.SOCIAL_ECONOMY_ENTITY, date(2012, 1, 1), "J/3", submitted_at=JAN,
                   award="40000.00")
    rejected = factories.application(jobs_call, status="rejected", number="J/4", submitted_at=JAN, requested="5000")
    waiting = factories.application(other, status="merit_review", number="R/1", requested="7000",
                                    submitted_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    factories.application(other, status="draft", title="Szkic")  # not submitted: not counted
    for grant, days in ((existing, 20), (new, 45), (older, 100), (rejected, 200)):
        _decide(grant, "rejected" if grant is rejected else "selected", JAN + timedelta(days=days))
    _db.session.flush()
    _db.session.add(PsStatus(application_id=existing.id, due_on=date(2026, 8, 1), obtained_on=date(2020, 1, 1)))
    _db.session.add(PsStatus(application_id=new.id, due_on=date(2026, 9, 1)))
    _jobs(existing, 59, 3, date(2026, 2, 1))
    _jobs(new, 47, 0, date(2026, 3, 1))
    _jobs(older, 5, 1, date(2026, 4, 1))
    for grant, award, signed in ((existing, "100000.00", datetime(2026, 2, 10, 12, tzinfo=timezone.utc)),
                                 (new, "90000.00", datetime(2026, 3, 10, 12, tzinfo=timezone.utc))):
        factories.agreement(grant, award=award, signed_at=signed)
    for grant, amount, status, paid_on in ((existing, "60000.00", "paid", date(2026, 2, 20)),
                                           (existing, "40000.00", "paid", date(2026, 5, 20)),
                                           (new, "30000.50", "paid", date(2026, 3, 20)),
                                           (new, "12000.00", "on_hold", None), (older, "999.00", "planned", None)):
        _db.session.add(Payment(application_id=grant.id, kind="advance", amount=Decimal(amount), status=status,
                                paid_on=paid_on))
    case = RecoveryCase(application_id=new.id, principal=Decimal("5000.00"), status="overdue")
    _db.session.add(case)
    _db.session.flush()
    _db.session.add_all([RecoveryRepayment(case_id=case.id, paid_on=date(2026, 6, 1), amount=Decimal("1200.25")),
                         RecoveryRepayment(case_id=case.id, paid_on=date(2026, 7, 1), amount=Decimal("800.00"))])
    _db.session.add_all([Report(application_id=existing.id, period="2026-05", status="overdue"),
                         Report(application_id=waiting.id, period="2026-05", status="due")])
    _db.session.commit()
    return {"officer": officer, "call": jobs_call, "other": other, "existing": existing}


def _sql(statement: str, **params):
    return _db.session.execute(text(statement), params).scalar()


def _csv(client, key: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/dashboards/data/{key}.csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _summary(client, query: str = "") -> dict[str, str]:
    return {row[0]: row[1] for row in _csv(client, "summary", query)[1:]}


def test_the_programme_figures_equal_plain_sql(client, auth, db, programme):
    auth.login(programme["officer"].email)
    summary = _summary(client)
    assert int(summary["Applications submitted"]) == _sql(
        "SELECT count(*) FROM application WHERE submitted_at IS NOT NULL") == 5
    assert int(summary["Decided"]) == _sql(
        "SELECT count(DISTINCT object_id) FROM transition_history WHERE workflow = 'application' "
        "AND to_state IN ('selected', 'reserve', 'rejected', 'formally_rejected')") == 4
    assert summary["Success rate (%)"] == "75.0"
    assert Decimal(summary["Mean days to a decision"]) == Decimal("91.2")  # (20 + 45 + 100 + 200) / 4
    assert Decimal(summary["Budget of the calls"]) == Decimal(_sql("SELECT sum(budget) FROM call")) == 1000000
    assert Decimal(summary["Paid"]) == Decimal(str(_sql("SELECT sum(amount) FROM payment WHERE status = 'paid'")))
    assert Decimal(summary["Paid"]) == Decimal("130000.50")
    assert Decimal(summary["Committed (agreements signed)"]) == Decimal(str(_sql(
        "SELECT sum(award) FROM agreement WHERE signed_at IS NOT NULL"))) == Decimal("190000.00")
    assert Decimal(summary["Awarded"]) == Decimal(str(_sql(
        "SELECT sum(awarded_amount) FROM application WHERE id IN (SELECT object_id FROM transition_history "
        "WHERE to_state = 'selected')"))) == Decimal("240000.00")
    assert Decimal(summary["Recovered"]) == Decimal(str(_sql("SELECT sum(amount) FROM recovery_repayment")))
    assert int(summary["Reports overdue now"]) == _sql("SELECT count(*) FROM report WHERE status = 'overdue'") == 1
    assert Decimal(summary["Amount on hold now"]) == Decimal("12000.00")
    states = {row[0]: int(row[1]) for row in _csv(client, "states")[1:]}
    assert states == {"Implementation": 3, "Rejected": 1, "Merit review": 1}


def test_jobs_by_the_path_to_the_ps_status(client, auth, db, programme):
    auth.login(programme["officer"].email)
    rows = {row[0]: row[1:] for row in _csv(client, "jobs")[1:]}
    assert rows["Existing social enterprise (PS)"][:2] == ["62", "59"]  # created, maintained (people)
    assert rows["New social enterprise (PS)"][:2] == ["47", "47"]
    assert rows["Social-economy entity becoming a PS"][:2] == ["6", "5"]
    maintained = sum(int(r[1]) for r in rows.values())
    assert maintained == _sql("SELECT count(*) FROM job WHERE status IN ('financed', 'durability', 'completed')")
    created_fte = sum(Decimal(r[2]) for r in rows.values())
    assert created_fte == Decimal(str(_sql("SELECT sum(fte) FROM job WHERE replaces_id IS NULL")))


def test_a_call_and_a_period_narrow_every_figure(client, auth, db, programme):
    auth.login(programme["officer"].email)
    other = _summary(client, f"?call={programme['other'].id}")
    assert other["Applications submitted"] == "1" and Decimal(other["Paid"]) == 0
    assert Decimal(other["Budget of the calls"]) == Decimal("100000.00")
    march = _summary(client, "?from=2026-03-01&to=2026-03-31")
    assert march["Applications submitted"] == "1"  # R/1, submitted on 2 March
    assert Decimal(march["Paid"]) == Decimal(str(_sql(
        "SELECT sum(amount) FROM payment WHERE status = 'paid' AND paid_on BETWEEN :a AND :b",
        a=date(2026, 3, 1), b=date(2026, 3, 31)))) == Decimal("30000.50")
    money = _csv(client, "money", "?to=2026-12-31&from=2026-01-01")  # typed the other way round is fine too
    assert money[0][0] == "Month" and [r[0] for r in money[1:3]] == ["2026-02", "2026-03"]
    assert Decimal(money[-1][3]) == Decimal("130000.50")  # the running total of paid, at the last month
    page = client.get(f"/dashboards/calls/{programme['call'].id}?from=2026-01-01")
    assert page.status_code == 200 and "Miejsca pracy" in page.get_data(as_text=True)
    chosen = client.get(f"/dashboards/?call={programme['call'].id}&from=2026-01-01")
    assert chosen.status_code == 303 and f"/dashboards/calls/{programme['call'].id}?from=2026-01-01" in \
        chosen.headers["Location"]


def test_charts_are_svg_with_nothing_to_run_and_a_table_behind_each(client, auth, db, programme):
    auth.login(programme["officer"].email)
    page = client.get("/dashboards/").get_data(as_text=True)
    assert page.count('role="img"') >= 5 and 'aria-labelledby="chart-states-title"' in page
    assert '<title id="chart-jobs-title">Jobs created and maintained</title>' in page
    main = page[page.index("<main"):page.index("</main>")]
    assert "<script" not in main and " style=" not in main and "http://" not in main.replace(
        "http://www.w3.org/2000/svg", "")
    assert 'data-testid="table-jobs"' in page and 'data-testid="csv-jobs"' in page
    css = client.get("/dashboards/charts.css")
    assert css.mimetype == "text/css" and ".pomost-chart .color-0" in css.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get("/dashboards/data/jobs.xlsx").data)).active
    assert sheet.cell(2, 3).value == 59 and sheet.cell(1, 1).value == "Enterprise"


def test_polish_titles_for_a_polish_reader(client, auth, db, programme):
    programme["officer"].locale = "pl"
    _db.session.commit()
    auth.login(programme["officer"].email)
    page = client.get("/dashboards/").get_data(as_text=True)
    assert "Wnioski według stanu" in page and "Applications by state" not in page


def test_bad_input_and_ids_that_do_not_exist(client, auth, db, programme):
    auth.login(programme["officer"].email)
    assert client.get("/dashboards/?from=9999-12-31&to=yesterday").status_code == 200
    assert client.get("/dashboards/calls/999999").status_code == 404
    assert client.get(f"/dashboards/calls/{2**40}").status_code == 404
    assert client.get("/dashboards/data/evil.csv").status_code == 404
    assert client.get("/dashboards/data/jobs.pdf").status_code == 404
    assert client.get("/dashboards/data/jobs.csv?call=999999").status_code == 404


@pytest.mark.parametrize("role,allowed", [(Role.FINANCE_OFFICER, True), (Role.AUDITOR, True),
                                          (Role.APPLICANT, False), (Role.EVALUATOR, False), (Role.ADMIN, False)])
def test_only_staff_who_read_applications(client, auth, db, programme, role, allowed):
    auth.login(factories.user(role).email)
    for url in ("/dashboards/", f"/dashboards/calls/{programme['call'].id}", "/dashboards/data/jobs.csv"):
        assert (client.get(url).status_code == 200) is allowed


def test_the_same_queries_for_small_and_large_data(app, client, auth, db, programme):
    auth.login(programme["officer"].email)

    def statements() -> int:
        with recorded_statements(_db.engine) as seen:
            assert client.get("/dashboards/").status_code == 200
        return len(seen)

    small = statements()
    for n in range(25):
        grant = _grant(programme["call"], OrganisationType.SOCIAL_COOPERATIVE, date(2020, 1, 1), f"J/X{n}",
                       submitted_at=JAN)
        _decide(grant, "selected", JAN + timedelta(days=n))
        _db.session.flush()
        _jobs(grant, 2, 1, date(2026, 2, 1))
        _db.session.add(Payment(application_id=grant.id, kind="advance", amount=Decimal("10"), status="paid",
                                paid_on=date(2026, 1 + n % 12, 1)))
    _db.session.commit()
    assert statements() == small


def test_a_group_registered_as_a_cooperative_counts_under_its_new_kind_from_that_day(client, auth, db, programme):
    from grants.auth.models import OrganisationKindChange

    package = factories.call("development_package", title="Aktywator")
    before = factories.application(package, status="selected", number="A/1", submitted_at=JAN,
                                   awarded_amount=Decimal("20000"))
    group = before.organisation
    group.type = OrganisationType.SOCIAL_COOPERATIVE  # as registered on 1 March
    _db.session.add(OrganisationKindChange(organisation_id=group.id, from_type=OrganisationType.INFORMAL_GROUP,
                                           to_type=OrganisationType.SOCIAL_COOPERATIVE, changed_on=date(2026, 3, 1)))
    factories.application(package, group, status="submitted", number="A/2",
                          submitted_at=datetime(2026, 3, 1, 8, tzinfo=timezone.utc))
    _db.session.commit()
    auth.login(programme["officer"].email)
    kinds = {row[0]: row[1:] for row in _csv(client, "kinds", f"?call={package.id}")[1:]}
    assert kinds == {"Social cooperative": ["1", "0"], "Informal group": ["1", "1"]}


def test_a_worker_keeps_the_figures_a_short_while_and_says_when_they_were_taken(app, client, auth, db, programme):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    auth.login(programme["officer"].email)
    first = client.get(f"/dashboards/calls/{programme['other'].id}").get_data(as_text=True)
    assert 'data-tile="submitted">1<' in first and 'data-testid="taken-at"' in first
    factories.application(programme["other"], status="submitted", number="R/2", submitted_at=JAN)
    _db.session.commit()
    kept = client.get(f"/dashboards/calls/{programme['other'].id}").get_data(as_text=True)
    assert 'data-tile="submitted">1<' in kept  # the same minute's figures
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    fresh = client.get(f"/dashboards/calls/{programme['other'].id}").get_data(as_text=True)
    assert 'data-tile="submitted">2<' in fresh
