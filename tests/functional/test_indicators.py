"""Indicators per call and period: counts, hours and table cells add up over accepted reports only, within the
dates; jobs count as created (replacements not again) and maintained, by kind of organisation; the staff page
shows them and downloads them as CSV; a grantee cannot open it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.auth.models import Role
from grants.extensions import db as _db
from grants.reporting import indicators, operations
from grants.reporting.models import Report
from grants.support.models import Job
from tests import factories


@pytest.fixture
def reported(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    call = factories.call(budget="400000.00")
    form = operations.start_form(call, officer, "ccwbe")
    operations.publish_form(form, officer, version=None)
    grant = factories.application(call, status="implementation", number="I/1", awarded_amount=Decimal("9000"))
    for period, ends_on, status, sessions, hours, women in (
            ("2026-Q1", date(2026, 3, 31), "accepted", 12, "10.5", 7),
            ("2026-Q2", date(2026, 6, 30), "accepted", 5, "4", 3),
            ("2026-Q3", date(2026, 9, 30), "returned", 100, "100", 100)):
        _db.session.add(Report(application_id=grant.id, form_id=form.id, period=period, status=status,
                               starts_on=ends_on.replace(day=1), ends_on=ends_on, answers={
                                   "one_on_one_sessions": sessions,
                                   "hours_by_stage": {"pre_development": {"hours": hours}},
                                   "gender": {"woman": {"participants": women}}}))
    for fte, status, replaces in (("1", "financed", None), ("0.5", "lost", None), ("0.5", "durability", "lost")):
        job = Job(application_id=grant.id, fte=Decimal(fte), status=status, starts_on=date(2026, 2, 1),
                  person_name="X")
        if replaces:
            job.replaces_id = _db.session.query(Job.id).filter_by(status="lost").scalar()
        _db.session.add(job)
        _db.session.flush()
    _db.session.commit()
    return {"call": call, "officer": officer, "grant": grant}


def _total(figures, question, row=None):
    return next(f.total for f in figures if f.question == question and f.row == row)


def test_totals_add_up_over_accepted_reports_within_the_dates(db, reported):
    figures = indicators.report_figures(reported["call"].id)
    assert _total(figures, "one_on_one_sessions") == 17
    assert _total(figures, "hours_by_stage", "pre_development") == Decimal("14.5")
    assert _total(figures, "gender", "woman") == 10
    first_quarter = indicators.report_figures(reported["call"].id, date(2026, 1, 1), date(2026, 3, 31))
    assert _total(first_quarter, "one_on_one_sessions") == 12
    assert indicators.report_figures(factories.call().id) == []  # another call's figures are its own


def test_jobs_created_and_maintained_by_kind_of_organisation(db, reported):
    jobs = indicators.job_figures(reported["call"].id)
    assert jobs["created"] == {"social_cooperative": {"people": 2, "fte": Decimal("1.5")}}
    assert jobs["maintained"] == {"social_cooperative": {"people": 2, "fte": Decimal("1.5")}}


def test_the_page_and_its_csv_for_staff_only(client, auth, db, reported):
    auth.login(reported["officer"].email)
    page = client.get(f"/reports/indicators/?call={reported['call'].id}").get_data(as_text=True)
    assert 'data-indicator="one_on_one_sessions"' in page and ">17<" in page
    csv = client.get(f"/reports/indicators/?call={reported['call'].id}&format=csv")
    assert csv.mimetype == "text/csv" and "17" in csv.get_data(as_text=True)
    auth.logout()
    auth.login(reported["grant"].organisation.memberships[0].user.email)
    assert client.get("/reports/indicators/").status_code in (403, 404)
