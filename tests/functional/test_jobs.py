"""Job durability through the web and the scheduler: the grantee registers each job with its person, PESEL and
eligibility document (¼ time only with a disability certificate, never more jobs than the agreement pays for);
finance starts the financing, which dates the financed and durability periods; `tick` moves the job on; a job
reported lost is replaced within the call's months, or the scheduler opens a recovery case for its share once;
the PS status is due six months after the first job, with reminders, and a recovery case when missed."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.control.models import RecoveryCase
from grants.engine.core import fire
from grants.engine.tick import tick
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.services.mail import OutboxMessage
from grants.support import jobs
from grants.support.models import BridgingExtension, Job, JobFile, PsStatus
from tests import factories
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pesel(birth: str, serial: str) -> str:
    """A PESEL with its check digit: YYMMDD (born 1900–1999) and four digits."""
    digits = birth + serial
    check = (10 - sum(int(d) * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3))) % 10) % 10
    return digits + str(check)


@pytest.fixture
def grant(db):
    officer, finance = factories.user(Role.PROGRAM_OFFICER, locale="en"), factories.user(Role.FINANCE_OFFICER)
    call = factories.call("job_support", budget="400000.00")
    application = factories.application(call, status="implementation", number="J/1",
                                        awarded_amount=Decimal("52818.00"))
    owner = application.organisation.memberships[0].user
    owner.locale = "en"
    starts = date.today() - timedelta(days=30)
    agreement = factories.agreement(application, starts_on=starts, award="52818.00",
                                    schedule_model="job_grant_and_bridging", jobs=["1", "0.5"],
                                    rates={"job_create": "35212.00"})
    _db.session.add(Payment(application_id=application.id, kind="job_grant", amount=Decimal("52818.00"),
                            status="paid", paid_on=starts + timedelta(days=3)))
    _db.session.commit()
    return {"officer": officer, "finance": finance, "application": application, "owner": owner,
            "agreement": agreement, "page": f"/jobs/grant/{application.id}"}


def _register(client, grant, *, person="Jan Kowalski", number=None, fte="1", starts_on=None, doc=PDF,
              disability=None, replaces=0):
    data = {"csrf_token": csrf_token(client, grant["page"]), "person_name": person,
            "pesel": number or pesel("850412", "0123"), "eligibility": "unemployed", "fte": fte,
            "starts_on": (starts_on or grant["agreement"].starts_on + timedelta(days=2)).isoformat(),
            "replaces": str(replaces)}
    if doc is not None:
        data["eligibility_doc"] = (io.BytesIO(doc), "zaswiadczenie-pup.pdf")
    if disability is not None:
        data["disability_doc"] = (io.BytesIO(disability), "orzeczenie.pdf")
    return client.post(grant["page"], data=data, content_type="multipart/form-data")


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def test_the_grantee_registers_jobs_within_the_agreement_and_the_rules(client, auth, db, grant):
    auth.login(grant["owner"].email)
    assert _register(client, grant, number="85041201235").status_code == 422  # the check digit is wrong
    assert _register(client, grant, doc=None).status_code == 422
    assert _register(client, grant, doc=b"MZ\x90\x00 not a document").status_code == 422
    quarter = _register(client, grant, fte="0.25")
    assert quarter.status_code == 422 and "disability certificate" in quarter.get_data(as_text=True)
    assert (_count(Job), _count(JobFile), _count(PsStatus)) == (0, 0, 0)

    assert _register(client, grant).status_code == 303
    again = _register(client, grant)  # the same person twice
    assert again.status_code == 422 and "already holds a job" in again.get_data(as_text=True)
    assert _register(client, grant, person="Ewa Nowak", number=pesel("910228", "5678"), fte="0.25",
                     disability=PDF).status_code == 303
    third = _register(client, grant, person="Ola Wiśniewska", number=pesel("790101", "1111"))
    assert third.status_code == 422 and "all are taken" in third.get_data(as_text=True)
    assert (_count(Job), _count(JobFile)) == (2, 3)
    duty = _db.session.scalar(select(PsStatus))
    assert duty.due_on == jobs.agreements.months_after(grant["agreement"].starts_on + timedelta(days=2), 6)
    page = client.get(grant["page"]).get_data(as_text=True)
    assert "2 of 2 jobs the agreement pays for are filled." in page
    assert "850412" not in page and "85•••••••" in page  # the list masks the PESEL


def test_financing_dates_the_periods_and_tick_moves_the_job_on(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    job = _db.session.scalar(select(Job))
    auth.logout()
    auth.login(grant["finance"].email)
    page = f"/jobs/{job.id}"
    assert client.post(f"{page}/finance", data={"csrf_token": csrf_token(client, page),
                                                "version": job.version}).status_code == 303
    _db.session.refresh(job)
    start = grant["agreement"].starts_on + timedelta(days=2)
    assert job.status == "financed"
    local = job.financed_until.astimezone(timezone(timedelta(hours=1))).date()
    assert local == jobs.agreements.months_after(start, 12) - timedelta(days=1)
    assert (job.durability_ends_at - job.financed_until).days in range(181, 185)  # six months
    tick(now=job.financed_until + timedelta(minutes=1))
    _db.session.refresh(job)
    assert job.status == "durability"
    tick(now=job.durability_ends_at + timedelta(minutes=1))
    _db.session.refresh(job)
    assert job.status == "completed"


def test_an_approved_extension_makes_the_durability_eighteen_months(db, grant):
    job = Job(application_id=grant["application"].id, fte=Decimal(1), starts_on=date(2026, 1, 5), person_name="A")
    _db.session.add_all([job, BridgingExtension(application_id=grant["application"].id, status="approved",
                                                requested_months=6, requested_monthly_amount=Decimal(4000),
                                                basic_monthly_amount=Decimal(4000))])
    _db.session.flush()
    fire(job, "finance", grant["finance"])
    assert job.durability_ends_at.date() in (date(2028, 7, 4), date(2028, 7, 3))  # 12 + 18 months from 5 Jan 2026


def test_a_lost_job_is_replaced_in_time_or_its_share_is_recovered_once(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    _register(client, grant, person="Ewa Nowak", number=pesel("910228", "5678"), fte="0.5")
    first, second = _db.session.scalars(select(Job).order_by(Job.id)).all()
    for job in (first, second):
        fire(job, "finance", grant["finance"])
    fire(first, "report_loss", grant["officer"], "Rozwiązanie umowy o pracę.")
    fire(second, "report_loss", grant["officer"], "Wypowiedzenie.")
    _db.session.commit()
    assert first.replace_by == jobs.agreements.months_after(first.lost_on, 3)
    told = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grant["owner"].email)).all()
    assert sum("a job is reported lost" in m.subject for m in told) == 2

    # The first is replaced in time by an eligible person, at least full time: it continues the lost job's periods.
    page = client.get(grant["page"]).get_data(as_text=True)
    assert "Replace by" in page
    assert _register(client, grant, person="Piotr Zieliński", number=pesel("880808", "4321"), fte="0.5",
                     replaces=first.id).status_code == 422  # less working time than the lost job
    assert _register(client, grant, person="Piotr Zieliński", number=pesel("880808", "4321"),
                     replaces=first.id).status_code == 303
    replacement = _db.session.scalar(select(Job).where(Job.replaces_id == first.id))
    assert (replacement.status, replacement.financed_until) == ("financed", first.financed_until)

    # The second is not: once its deadline passes, the scheduler opens one recovery case for its share.
    late = datetime.combine(second.replace_by + timedelta(days=1), datetime.min.time(), timezone.utc) \
        + timedelta(hours=12)
    assert jobs.duties(late)["recovered_jobs"] == 1
    assert jobs.duties(late)["recovered_jobs"] == 0
    case = _db.session.scalar(select(RecoveryCase))
    assert case.principal == Decimal("17606.00")  # 35,212 × ½
    assert case.interest_kind == "misuse" and case.transferred_on == grant["agreement"].starts_on + timedelta(days=3)
    _db.session.refresh(second)
    assert second.recovery_case_id == case.id and _count(RecoveryCase) == 1


def test_the_ps_status_is_reminded_and_recovered_when_missed(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    duty = _db.session.scalar(select(PsStatus))

    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=12)

    assert jobs.duties(at(duty.due_on - timedelta(days=40))).get("ps_reminders", 0) == 0
    assert jobs.duties(at(duty.due_on - timedelta(days=29)))["ps_reminders"] == 1
    assert jobs.duties(at(duty.due_on - timedelta(days=28))).get("ps_reminders", 0) == 0
    assert jobs.duties(at(duty.due_on))["ps_reminders"] == 1
    assert jobs.duties(at(duty.due_on + timedelta(days=1)))["ps_recovered"] == 1
    assert jobs.duties(at(duty.due_on + timedelta(days=2))).get("ps_recovered", 0) == 0
    assert _db.session.scalar(select(RecoveryCase.principal)) == Decimal("35212.00")
    reminders = _db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.subject.contains("the PS status is due")))
    assert reminders == 2


def test_a_recorded_ps_status_stops_the_duty(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    duty = _db.session.scalar(select(PsStatus))
    response = client.post(f"{grant['page']}/ps-status", data={
        "csrf_token": csrf_token(client, grant["page"]), "obtained_on": date.today().isoformat(),
        "document": (io.BytesIO(PDF), "krs.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 303
    after = datetime.combine(duty.due_on + timedelta(days=5), datetime.min.time(), timezone.utc)
    assert jobs.duties(after).get("ps_recovered", 0) == 0 and _count(RecoveryCase) == 0
    assert "Obtained on" in client.get(grant["page"]).get_data(as_text=True)


def test_others_get_404_and_only_staff_decide(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    job = _db.session.scalar(select(Job))
    page = f"/jobs/{job.id}"
    token = csrf_token(client, page)
    assert client.post(f"{page}/finance", data={"csrf_token": token, "version": job.version}).status_code in (403, 404)
    auth.logout()
    stranger = factories.organisation(factories.user(Role.APPLICANT)).memberships[0].user
    auth.login(stranger.email)
    assert client.get(grant["page"]).status_code == 404
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/files/{_db.session.scalar(select(JobFile.id))}").status_code == 404
    auth.logout()
    auth.login(factories.user(Role.EVALUATOR).email)
    assert client.get(page).status_code == 404
    auth.logout()
    auth.login(factories.user(Role.AUDITOR).email)
    assert client.get(page).status_code == 200
    _db.session.refresh(job)
    assert job.status == "created"


def test_a_loss_on_a_given_day_and_the_replaced_job_says_by_whom(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _register(client, grant)
    job = _db.session.scalar(select(Job))
    fire(job, "finance", grant["finance"])
    _db.session.commit()
    auth.logout()
    auth.login(grant["officer"].email)
    page = f"/jobs/{job.id}"
    early = client.post(f"{page}/report_loss", data={"csrf_token": csrf_token(client, page), "version": job.version,
                                                     "reason": "Zwolnienie.", "lost_on": "2001-01-01"})
    assert early.status_code == 422 and "Between the job's start and today." in early.get_data(as_text=True)
    day = grant["agreement"].starts_on + timedelta(days=20)
    assert client.post(f"{page}/report_loss", data={"csrf_token": csrf_token(client, page), "version": job.version,
                                                    "reason": "Zwolnienie.", "lost_on": day.isoformat()}
                       ).status_code == 303
    _db.session.refresh(job)
    assert job.lost_on == day and job.replace_by == jobs.agreements.months_after(day, 3)
    auth.logout()
    auth.login(grant["owner"].email)
    _register(client, grant, person="Piotr Zieliński", number=pesel("880808", "4321"), replaces=job.id)
    shown = client.get(page).get_data(as_text=True)
    assert 'data-testid="replaced-by"' in shown and "Piotr Zieliński" in shown and "replace by" not in shown
