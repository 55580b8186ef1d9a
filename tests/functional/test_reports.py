"""Grantee reports through the web: the officer copies a built-in template to a call, edits and publishes it; the
scheduler creates the reports on the cadence and reminds the grantee; the grantee drafts, uploads a photo and
submits; the officer returns it with comments or accepts it; a report past its deadline holds the grant's
payments until it is accepted, and the acceptance releases them."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.engine.core import fire
from grants.engine.tick import tick
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.finance.workflow import holds
from grants.reporting import operations
from grants.reporting.builtin import TEMPLATES
from grants.reporting.models import Report, ReportFile, ReportForm, ReportVersion
from grants.services.audit import AuditEntry
from grants.services.mail import OutboxMessage
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
IBAN = "PL61109010140000071219812874"


@pytest.fixture
def grant(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    call = factories.call(budget="400000.00")
    application = factories.application(call, status="implementation", number="R/1",
                                        awarded_amount=Decimal("90000.00"))
    owner = application.organisation.memberships[0].user
    owner.locale = "en"
    today = utcnow().date()
    agreement = factories.agreement(application, starts_on=date(today.year, today.month, 1) - timedelta(days=40))
    _db.session.commit()
    return {"officer": officer, "call": call, "application": application, "owner": owner, "agreement": agreement}


def _published(grant, template="ccwbe", cadence="monthly") -> ReportForm:
    form = operations.start_form(grant["call"], grant["officer"], template)
    form.cadence = cadence
    operations.publish_form(form, grant["officer"], version=None)
    _db.session.commit()
    return form


def _complete_answers(**more) -> dict:
    """What a grantee types into the CCWBE-style report, field by field as the browser posts it."""
    return {"q.goals_progress": "Dwie nowe spółdzielnie w przygotowaniu.", "q.new_partnerships": "yes",
            "q.new_partnerships.details": "Bank żywności", "q.collaboration": "no", "q.one_on_one_sessions": "12",
            "q.group_workshops": "0", "q.hours_by_stage.pre_development.hours": "10,5",
            "q.hours_by_stage.conversions.hours": "4", "q.hours_by_stage.existing.hours": "0",
            "q.businesses_developed": "1", "q.jobs_created": "0", "q.gender.woman.participants": "7",
            "q.gender.unknown.participants": "2", "q.assistance_kinds": ["legal", "governance"],
            "q.organisations.0.name": "Spółdzielnia Socjalna „Żuraw”", "q.organisations.0.kind": "cooperative",
            "q.working_group_usefulness": "4", **more}


def _post_report(client, report, data: dict, submit: bool = False):
    page = f"/reports/{report.id}"
    _db.session.refresh(report)
    payload = {"csrf_token": csrf_token(client, page), "version": report.version, **data}
    payload["submit" if submit else "save"] = "1"
    return client.post(page, data=payload, content_type="multipart/form-data")


def test_the_officer_copies_a_template_edits_the_copy_and_publishes_it(client, auth, db, grant):
    auth.login(grant["officer"].email)
    page = f"/manage/calls/{grant['call'].id}/report-form"
    assert b"Community-wealth-building" in client.get(page).data
    response = client.post(f"{page}/start", data={"csrf_token": csrf_token(client, page), "source": "ccwbe"})
    assert response.status_code == 303
    form = _db.session.scalar(select(ReportForm))
    assert form.source == "ccwbe" and len(form.questions) == len(TEMPLATES["ccwbe"].questions)
    assert form.cadence == "final"  # the restructuring grant's own cadence, until the officer changes it

    editor = client.get(page).data.decode()
    fields = dict(re.findall(r'name="(questions-\d+-[a-z_]+)"[^>]*value="([^"]*)"', editor))
    fields |= {name: text for name, text in re.findall(r'name="(questions-\d+-[a-z_]+)"[^>]*>([^<]*)</textarea>',
                                                           editor)}
    fields |= {name: "y" for name in re.findall(r'name="(questions-\d+-(?:required|unknown))"[^>]*checked', editor)}
    fields |= {f"questions-{i}-kind": q["type"] for i, q in enumerate(form.questions)}
    fields["questions-1-label_en"] = "Progress on your goals this quarter"
    base = {"csrf_token": csrf_token(client, page), "version": form.version, "cadence": "quarterly",
            "due_days": "20", "final_due_days": "30", "remind_days": "5"}
    broken = client.post(page, data={**base, **fields, "questions-13-options": "area with spaces | A | B"})
    assert broken.status_code == 422 and b"small letters" in broken.data
    saved = client.post(page, data={**base, **fields})
    assert saved.status_code == 303
    _db.session.refresh(form)
    assert form.cadence == "quarterly" and form.due_days == 20
    assert form.questions[1]["label"]["en"] == "Progress on your goals this quarter"
    assert {q["id"] for q in form.questions} == {q["id"] for q in TEMPLATES["ccwbe"].questions}

    published = client.post(f"{page}/publish", data={"csrf_token": csrf_token(client, page),
                                                     "version": form.version})
    assert published.status_code == 303
    _db.session.refresh(form)
    assert form.published_at is not None
    before = list(form.questions)
    client.post(page, data={**base, **fields, "version": form.version, "cadence": "monthly",
                            "questions-1-label_en": "Changed after publishing"})
    _db.session.refresh(form)
    assert form.cadence == "monthly" and form.questions == before  # published questions stay


def test_the_scheduler_creates_each_period_once_and_the_final_report_when_the_grant_ends(db, grant):
    _published(grant)
    made = operations.create_due()
    reports = _db.session.scalars(select(Report).order_by(Report.starts_on)).all()
    starts = grant["agreement"].starts_on
    assert made == len(reports) == 3  # the month it started, the next, and the month running now
    assert reports[0].period == f"{starts.year}-{starts.month:02d}" and not any(r.final for r in reports)
    assert reports[0].due_at.date() == reports[0].ends_on + timedelta(days=15) or \
        reports[0].due_at.astimezone(timezone.utc).date() == reports[0].ends_on + timedelta(days=14)
    assert operations.create_due() == 0  # idempotent
    after_the_end = datetime.combine(grant["agreement"].ends_on + timedelta(days=1), datetime.min.time(),
                                     tzinfo=timezone.utc) + timedelta(hours=12)
    operations.create_due(after_the_end)
    final = _db.session.scalar(select(Report).where(Report.final.is_(True)))
    assert final is not None and final.period == "final"
    assert _db.session.scalar(select(func.count()).select_from(Report).where(Report.final.is_(False))) == 13
    logged = _db.session.scalars(select(AuditEntry.data).where(AuditEntry.action == "reporting:reports:created"))
    assert sorted(period for entry in logged for _grant, period, _due in entry["reports"]) == \
        sorted(_db.session.scalars(select(Report.period)))  # each report created is in the audit log once


def test_a_changed_cadence_applies_to_periods_not_yet_reported_on(db, grant):
    form = _published(grant)
    operations.create_due()
    covered = _db.session.scalar(select(func.max(Report.ends_on)))
    operations.update_form(form, grant["officer"], {"cadence": "quarterly", "due_days": 15, "final_due_days": 30,
                                                    "remind_days": 7}, version=form.version)
    _db.session.commit()
    later = datetime.combine(covered + timedelta(days=100), datetime.min.time(), tzinfo=timezone.utc)
    operations.create_due(later)
    new = _db.session.scalars(select(Report).where(Report.starts_on > covered).order_by(Report.starts_on)).all()
    assert new and all("Q" in r.period for r in new)
    assert new[0].starts_on == covered + timedelta(days=1)  # no gap, no month reported twice
    assert all(b.starts_on == a.ends_on + timedelta(days=1) for a, b in zip(new, new[1:]))


def test_the_grantee_drafts_submits_is_returned_fixes_and_is_accepted(client, auth, db, grant):
    _published(grant)
    operations.create_due()
    report = _db.session.scalars(select(Report).order_by(Report.starts_on)).first()
    auth.login(grant["owner"].email)
    month = date.fromisoformat(report.period + "-01").strftime("%B %Y")  # the period as English speakers read it
    assert month.encode() in client.get(f"/reports/grant/{grant['application'].id}").data

    bad = _post_report(client, report, {"q.one_on_one_sessions": "-3", "q.goals_progress": "Zaczynamy"})
    assert bad.status_code == 422 and b"A whole number, 0 or more." in bad.data
    assert b"Zaczynamy" in bad.data  # what was typed comes back
    _db.session.refresh(report)
    assert report.status == "due" and report.answers == {}

    incomplete = _post_report(client, report, {"q.goals_progress": "Zaczynamy"}, submit=True)
    assert incomplete.status_code == 422 and b"The report is not complete." in incomplete.data
    _db.session.refresh(report)
    assert report.status == "draft" and report.answers["goals_progress"] == "Zaczynamy"  # the draft is kept

    page = f"/reports/{report.id}"
    upload = _post_report(client, report, {"q.goals_progress": "Zaczynamy", "upload": "media",
                                           "file.media": (io.BytesIO(PNG), "warsztat.png")})
    assert upload.status_code == 303
    fake = _post_report(client, report, {"q.goals_progress": "Zaczynamy od nowa", "upload": "media",
                                         "file.media": (io.BytesIO(b"MZ\x90\x00"), "photo.png")})
    assert fake.status_code == 422 and b"whatever its name says" in fake.data
    _db.session.refresh(report)
    assert _db.session.scalar(select(func.count()).select_from(ReportFile)) == 1
    assert report.answers["goals_progress"] == "Zaczynamy od nowa"  # the answers were saved before the file

    submitted = _post_report(client, report, _complete_answers(), submit=True)
    assert submitted.status_code == 303
    _db.session.refresh(report)
    assert report.status == "submitted"
    assert report.answers["hours_by_stage"] == {"pre_development": {"hours": "10.5"}, "conversions": {"hours": "4"},
                                                "existing": {"hours": "0"}}
    assert report.answers["group_workshops"] == 0 and report.answers["jobs_created"] == 0
    first = _db.session.scalar(select(ReportVersion))
    assert first.number == 1 and [f["name"] for f in first.files] == ["warsztat.png"]
    assert _db.session.scalar(select(ReportFile)).frozen
    officer_mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == grant["officer"].email))
    assert officer_mail is not None and "a report to check" in officer_mail.subject

    again = _post_report(client, report, _complete_answers(**{"q.one_on_one_sessions": "99"}))
    assert again.status_code == 409  # submitted: unchanged until returned
    auth.logout()

    auth.login(grant["officer"].email)
    no_reason = client.post(f"{page}/decision/return", data={"csrf_token": csrf_token(client, page),
                                                             "version": report.version, "note": ""})
    assert no_reason.status_code == 422
    returned = client.post(f"{page}/decision/return", data={"csrf_token": csrf_token(client, page),
                                                            "version": report.version,
                                                            "note": "Podajcie liczbę uczestników warsztatów."})
    assert returned.status_code == 303
    auth.logout()
    _db.session.refresh(report)
    assert report.status == "returned"
    mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == grant["owner"].email,
                                                          OutboxMessage.subject.contains("needs changes")))
    assert mail is not None and "Podajcie liczbę" in mail.body_text

    auth.login(grant["owner"].email)
    assert b"Podajcie liczb" in client.get(page).data
    fixed = _post_report(client, report, _complete_answers(**{"q.group_workshops": "2"}), submit=True)
    assert fixed.status_code == 303
    auth.logout()
    auth.login(grant["officer"].email)
    accepted = client.post(f"{page}/decision/accept", data={"csrf_token": csrf_token(client, page),
                                                            "version": _version(report)})
    assert accepted.status_code == 303
    _db.session.refresh(report)
    versions = _db.session.scalars(select(ReportVersion).order_by(ReportVersion.number)).all()
    assert report.status == "accepted" and [v.number for v in versions] == [1, 2]
    assert versions[0].answers["group_workshops"] == 0 and versions[1].answers["group_workshops"] == 2
    assert versions[0].decision_note == "Podajcie liczbę uczestników warsztatów."
    assert b"Version 1" in client.get(f"{page}?version=1").data
    assert client.get(f"{page}?version=7").status_code == 404


def _version(report) -> int:
    _db.session.refresh(report)
    return report.version


def test_an_accepted_report_never_changes(client, auth, db, grant):
    _published(grant, template="owes")
    operations.create_due()
    report = _db.session.scalars(select(Report).order_by(Report.starts_on)).first()
    report.answers = {"summary": "Zrobione", "jobs_maintained": 3, "jobs_created": 1,
                      "advisory_hours": {"legal": {"hours": "2"}}}
    fire(report, "start", grant["owner"])
    fire(report, "submit", grant["owner"])
    fire(report, "accept", grant["officer"])
    _db.session.commit()
    auth.login(grant["owner"].email)
    response = _post_report(client, report, {"q.summary": "Inaczej", "q.jobs_maintained": "0"})
    assert response.status_code == 409
    upload = _post_report(client, report, {"upload": "media", "file.media": (io.BytesIO(PNG), "p.png")})
    assert upload.status_code == 409
    _db.session.refresh(report)
    assert report.status == "accepted" and report.answers["summary"] == "Zrobione"
    assert _db.session.scalar(select(func.count()).select_from(ReportFile)) == 0
    assert _db.session.scalar(select(ReportVersion.answers)) == report.answers


def test_a_late_report_holds_the_payments_until_it_is_accepted(client, auth, db, grant):
    _published(grant, template="owes")
    operations.create_due()
    report = _db.session.scalars(select(Report).order_by(Report.starts_on)).first()
    payment = Payment(application_id=grant["application"].id, kind="advance", amount=Decimal("72000.00"),
                      bank_account=IBAN, due_at=utcnow() - timedelta(days=1), status="planned")
    _db.session.add(payment)
    _db.session.commit()
    assert report.due_at < utcnow()  # the first month ended 40+ days ago
    fired = tick()
    assert fired["report:mark_overdue"] >= 1 and fired["payment:hold"] == 1
    assert payment.status == "on_hold" and holds(payment) == ["report_late"]
    late_mail = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject.contains("overdue")))
    assert late_mail is not None and late_mail.recipient == grant["owner"].email

    report.answers = {"summary": "Zrobione", "jobs_maintained": 3, "jobs_created": 1,
                      "advisory_hours": {"legal": {"hours": "2"}}}
    fire(report, "submit", grant["owner"])  # an overdue report is submitted as it stands
    _db.session.commit()
    tick()
    assert payment.status == "on_hold"  # submitted is not enough: accepted is
    for other in _db.session.scalars(select(Report).where(Report.id != report.id)):
        _db.session.delete(other)  # only this report is late in this test
    _db.session.commit()
    auth.login(grant["officer"].email)
    page = f"/reports/{report.id}"
    response = client.post(f"{page}/decision/accept", data={"csrf_token": csrf_token(client, page),
                                                            "version": _version(report)}, follow_redirects=True)
    assert b"Payments released from hold: 1." in response.data
    _db.session.refresh(payment)
    assert payment.status == "planned" and holds(payment) == []


def test_the_grantee_is_reminded_before_the_deadline_and_on_it_once_each(db, grant):
    form = _published(grant, template="owes")
    grant["agreement"].starts_on = utcnow().date() - timedelta(days=3)
    _db.session.commit()
    operations.create_due()
    report = _db.session.scalar(select(Report))
    due = report.due_at
    week_before = due - timedelta(days=form.remind_days) + timedelta(hours=1)
    assert operations.remind(due - timedelta(days=30)) == 0
    assert operations.remind(week_before) == 1 and operations.remind(week_before) == 0
    assert operations.remind(due - timedelta(hours=3)) == 1 and operations.remind(due - timedelta(hours=2)) == 0
    subjects = _db.session.scalars(select(OutboxMessage.body_text).where(
        OutboxMessage.recipient == grant["owner"].email)).all()
    assert len(subjects) == 2 and "Today is the last day" in subjects[1]


@pytest.mark.parametrize("who", ["stranger", "evaluator", "finance"])
def test_reports_are_read_by_their_grantee_and_staff_and_decided_by_officers_only(client, auth, db, grant, who):
    _published(grant, template="owes")
    operations.create_due()
    report = _db.session.scalars(select(Report)).first()
    stranger = factories.application(grant["call"], status="implementation").organisation.memberships[0].user
    people = {"stranger": stranger, "evaluator": factories.user(Role.EVALUATOR),
              "finance": factories.user(Role.FINANCE_OFFICER)}
    _db.session.commit()
    auth.login(people[who].email)
    page = client.get(f"/reports/{report.id}")
    grant_page = client.get(f"/reports/grant/{grant['application'].id}")
    if who == "finance":
        assert page.status_code == 200 and grant_page.status_code == 200
        assert b"decision/accept" not in page.data
    else:
        assert page.status_code == 404 and grant_page.status_code == 404
    token = csrf_token(client, "/account")
    assert client.post(f"/reports/{report.id}", data={"csrf_token": token, "version": 1,
                                                      "q.summary": "x"}).status_code in (403, 404)
    assert client.post(f"/reports/{report.id}/decision/accept",
                       data={"csrf_token": token, "version": 1}).status_code in (403, 404)


def test_an_overdue_report_stays_overdue_while_filled_in_and_is_mailed_about_once(client, auth, db, grant):
    _published(grant, template="owes")
    operations.create_due()
    tick()
    report = _db.session.scalars(select(Report).where(Report.status == "overdue").order_by(Report.starts_on)).first()
    mails = _db.session.scalar(select(func.count()).select_from(OutboxMessage))
    auth.login(grant["owner"].email)
    for text in ("Pierwsza wersja", "Druga wersja"):
        assert _post_report(client, report, {"q.summary": text}).status_code == 303
        tick()
    _db.session.refresh(report)
    assert report.status == "overdue" and report.answers["summary"] == "Druga wersja"
    assert _db.session.scalar(select(func.count()).select_from(OutboxMessage)) == mails  # no overdue mail again
    assert _post_report(client, report, {"q.summary": "x", "q.jobs_maintained": "²"}).status_code == 422


def test_a_viewer_of_the_grantee_reads_reports_but_cannot_change_them(client, auth, db, grant):
    from grants.auth.models import Membership, MembershipRole

    _published(grant, template="owes")
    operations.create_due()
    viewer = factories.user(Role.APPLICANT)
    _db.session.add(Membership(user=viewer, organisation_id=grant["application"].organisation_id,
                               role=MembershipRole.VIEWER))
    _db.session.commit()
    report = _db.session.scalars(select(Report)).first()
    auth.login(viewer.email)
    assert client.get(f"/reports/{report.id}").status_code == 200
    token = csrf_token(client, f"/reports/{report.id}")
    assert client.post(f"/reports/{report.id}", data={"csrf_token": token, "version": report.version,
                                                      "q.summary": "Nie moje", "save": "1"}).status_code == 404
    _db.session.refresh(report)
    assert report.answers == {}


def test_a_report_submitted_on_time_and_waiting_for_the_officer_holds_nothing(db, grant):
    _published(grant, template="owes")
    grant["agreement"].starts_on = utcnow().date() - timedelta(days=3)
    _db.session.commit()
    operations.create_due()
    report = _db.session.scalar(select(Report))
    report.answers = {"summary": "Na czas", "jobs_maintained": 1, "jobs_created": 0,
                      "advisory_hours": {"it": {"hours": "1"}}}
    fire(report, "start", grant["owner"])
    fire(report, "submit", grant["owner"])
    payment = Payment(application_id=grant["application"].id, kind="advance", amount=Decimal("100.00"),
                      bank_account=IBAN, due_at=utcnow(), status="planned")
    _db.session.add(payment)
    _db.session.commit()
    after_deadline = report.due_at + timedelta(days=1)
    assert holds(payment, after_deadline) == []  # on time, in the officer's queue
    fire(report, "return", grant["officer"], "Popraw")
    assert holds(payment, after_deadline) == ["report_late"]  # returned: late again until accepted
