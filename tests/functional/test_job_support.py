"""Job-creation support through the web: the agreement computes the award from the jobs (rate by FTE) and the
bridging months (capped by the minimum wage), or from the 2021–2027 unit rates; each month's instalment waits
for that month's accepted employment proof and the previous month's payment; extended bridging support is
asked for, decided with a reason, and added to the schedule within the budget."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.core import fire
from grants.engine.tick import tick
from grants.errors import Refusal
from grants.extensions import db as _db
from grants.finance import agreements, rates
from grants.finance.models import Agreement, EmploymentProof, Payment
from grants.finance.workflow import holds
from grants.services.mail import OutboxMessage
from grants.support.models import BridgingExtension
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

IBAN = "PL61109010140000071219812874"
SCAN = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RATE = Decimal("35212.00")  # job_create from 2024-07-01, seeded by the migration


@pytest.fixture
def job_call(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    finance = factories.user(Role.FINANCE_OFFICER, locale="en")
    call = factories.call("job_support", budget="250000.00")
    application = factories.application(call, status="selected", requested="120000.00", number="J/1",
                                        awarded_amount=Decimal("120000.00"))
    rates.add("eur_rate", date(2024, 1, 1), Decimal("4.3000"), None, "NBP")
    application.organisation.memberships[0].user.locale = "en"
    factories.db.session.commit()
    return {"officer": officer, "finance": finance, "call": call, "application": application,
            "owner": application.organisation.memberships[0].user}


def _form(**changes) -> dict:
    today = utcnow().date()
    return {"award": "", "award_reason": "Mniej etatów niż we wniosku.", "schedule_model": "job_grant_and_bridging",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=365)).isoformat(),
            "bank_account": IBAN, "security_kind": "promissory_note", "security_amount": "",
            "security_received_on": today.isoformat(), "de_minimis_prior_eur": "0", "jobs_full": "2",
            "jobs_three_quarters": "0", "jobs_half": "1", "bridging_months": "6", "bridging_monthly": "4000,00",
            **changes}


def _signed(job_call, **terms) -> Agreement:
    """The agreement prepared, its conditions met and the signing recorded, as the officer and applicant do."""
    application, officer, owner = job_call["application"], job_call["officer"], job_call["owner"]
    today = utcnow().date()
    agreement = agreements.prepare(application, officer, agreements.Terms(**{
        "award": None, "award_reason": "Mniej etatów.", "schedule_model": "job_grant_and_bridging",
        "starts_on": today, "ends_on": today + timedelta(days=365), "bank_account": IBAN,
        "security_kind": "promissory_note", "security_received_on": today, "de_minimis_prior_eur": Decimal(0),
        "jobs": (Decimal(1), Decimal(1), Decimal("0.5")), "bridging_months": 6,
        "bridging_monthly": Decimal("4000.00"), **terms}))
    agreements.accept_security(agreement, officer)
    agreements.verify_account(agreement, officer)
    agreements.add_signed_scan(agreement, owner, io.BytesIO(SCAN), "umowa.pdf")
    fire(application, "sign", officer)
    _db.session.commit()
    return agreement


def _schedule(application) -> list[tuple]:
    return [(p.kind, p.period, p.amount) for p in _db.session.scalars(
        select(Payment).where(Payment.application_id == application.id).order_by(Payment.due_at, Payment.id))]


def test_the_award_is_computed_from_the_jobs_and_bridging_months_within_the_caps(auth, db, job_call):
    application, path = job_call["application"], f"/agreements/{job_call['application'].id}"
    auth.login(job_call["officer"].email)
    page = auth.client.get(path).get_data(as_text=True)
    assert 'name="jobs_full"' in page and 'name="bridging_monthly"' in page and 'name="award"' not in page
    cap = (rates.value_on("minimum_wage", utcnow().date()) * Decimal("2.5")).quantize(Decimal("0.01"))
    over_cap = auth.post(path, _form(bridging_monthly=str(cap + Decimal("0.01"))), token_from=path)
    assert over_cap.status_code == 422 and "the minimum wage per job" in over_cap.get_data(as_text=True)
    too_many = auth.post(path, _form(jobs_full="11", jobs_half="0"), token_from=path)
    assert too_many.status_code == 422 and "At most 10 jobs" in too_many.get_data(as_text=True)
    none = auth.post(path, _form(jobs_full="0", jobs_half="0"), token_from=path)
    assert none.status_code == 422 and "each job" in none.get_data(as_text=True)
    more_months = auth.post(path, _form(bridging_months="7"), token_from=path)
    assert more_months.status_code == 422 and "Between 0 and 6 months" in more_months.get_data(as_text=True)
    over_award = auth.post(path, _form(jobs_full="3"), token_from=path)  # 3.5 × 35,212 + 24,000 > 120,000
    assert over_award.status_code == 422 and "what the ranking awarded" in over_award.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Agreement)) == 0  # refusals leave nothing behind

    assert auth.post(path, _form(), token_from=path).status_code == 303
    db.session.expire_all()
    agreement = db.session.scalars(select(Agreement)).one()
    grant = RATE * 2 + RATE / 2  # two full-time jobs and a half-time one
    assert agreement.award == grant + 6 * Decimal("4000.00") == Decimal("112030.00")
    assert Decimal(agreement.rates["job_create"]) == RATE and agreement.jobs == ["1", "1", "0.5"]
    assert _schedule(application) == [("job_grant", None, grant)] + [
        ("bridging", month, Decimal("4000.00")) for month in range(1, 7)]
    months = db.session.scalars(select(Payment.due_at).where(Payment.kind == "bridging")
                                .order_by(Payment.period)).all()
    assert len({(d.year, d.month) for d in months}) == 6  # one a month
    assert db.session.get(Application, application.id).awarded_amount == Decimal("112030.00")
    shown = auth.client.get(path).get_data(as_text=True)
    assert "3 jobs, 2.5 FTE in all" in shown and "month 6" in shown


def test_the_2021_2027_model_pays_a_create_rate_then_a_maintain_rate_each_month(auth, db, job_call):
    call, path = job_call["call"], f"/agreements/{job_call['application'].id}"
    call.parameters = {**(call.parameters or {}), "unit_rates": True}
    db.session.commit()
    auth.login(job_call["officer"].email)
    form = _form(schedule_model="unit_rates", jobs_full="1", jobs_half="1", bridging_months="", bridging_monthly="")
    no_rate = auth.post(path, form, token_from=path)
    assert no_rate.status_code in (409, 422) and "job_maintain" not in no_rate.get_data(as_text=True)
    rates.add("job_maintain", date(2024, 7, 1), Decimal("2345.67"), None, "Regulamin naboru")
    db.session.commit()
    assert auth.post(path, form, token_from=path).status_code == 303
    db.session.expire_all()
    monthly = Decimal("2345.67") + Decimal("1172.84")  # full time, and half of it rounded to the grosz
    assert _schedule(job_call["application"]) == [("job_grant", None, RATE + RATE / 2)] + [
        ("maintain", month, monthly) for month in range(1, 13)]
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.award == RATE * Decimal("1.5") + 12 * monthly and agreement.bridging_months is None


def test_a_months_instalment_waits_for_its_proof_and_the_previous_month(client, auth, db, job_call):
    application, finance = job_call["application"], job_call["finance"]
    _signed(job_call)
    path = f"/agreements/{application.id}"
    first, second = (db.session.scalars(select(Payment).where(Payment.kind == "bridging", Payment.period == n)).one()
                     for n in (1, 2))
    assert holds(first) == ["proof_missing"] and holds(second) == ["proof_missing", "previous_month_unpaid"]
    with pytest.raises(Refusal):
        fire(first, "request", finance)
    db.session.rollback()

    auth.login(job_call["owner"].email)
    page = client.get(path).get_data(as_text=True)
    assert 'data-testid="proof-form"' in page
    not_a_proof = client.post(f"{path}/proofs", data={"csrf_token": csrf_token(client, path), "period": "1",
                                                      "proof": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "lista.pdf")},
                              content_type="multipart/form-data")
    assert not_a_proof.status_code == 303 and db.session.scalar(select(func.count()).select_from(EmploymentProof)) == 0
    assert "not accepted here" in client.get(path).get_data(as_text=True)  # the refusal, flashed on the page
    uploaded = client.post(f"{path}/proofs", data={"csrf_token": csrf_token(client, path), "period": "1",
                                                   "proof": (io.BytesIO(SCAN), "zus-dra-1.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    proof = db.session.scalars(select(EmploymentProof)).one()
    assert client.post(f"{path}/proofs/{proof.id}/accept", data={"csrf_token": csrf_token(client, path)}
                       ).status_code == 403  # the officer decides
    auth.logout()

    auth.login(job_call["officer"].email)
    no_note = auth.post(f"{path}/proofs/{proof.id}/return", {"note": ""}, token_from=path)
    assert no_note.status_code == 422 and "Say what is wrong" in no_note.get_data(as_text=True)
    assert auth.post(f"{path}/proofs/{proof.id}/accept", {}, token_from=path).status_code == 303
    assert client.get(f"{path}/proofs/{proof.id}").data == SCAN
    db.session.expire_all()
    assert holds(first) == [] and holds(second) == ["proof_missing", "previous_month_unpaid"]
    fire(first, "request", finance)
    db.session.commit()
    assert first.prepared_by_id == finance.id


def test_the_scheduler_holds_a_due_instalment_and_releases_it_once_the_proof_is_accepted(db, job_call):
    application = job_call["application"]
    _signed(job_call)
    first = db.session.scalars(select(Payment).where(Payment.kind == "bridging", Payment.period == 1)).one()
    later = utcnow() + timedelta(days=1)
    tick(now=later)
    db.session.expire_all()
    assert first.status == "on_hold"
    proof = EmploymentProof(application_id=application.id, period=1, storage_key="proofs/test-1",
                            original_name="zus.pdf", content_type="application/pdf", size=1, sha256="0" * 64)
    db.session.add(proof)
    db.session.commit()
    from grants.finance import jobs

    jobs.decide_proof(proof, job_call["officer"], accept=True)
    db.session.commit()
    tick(now=later)
    db.session.expire_all()
    assert first.status == "requested"  # taken off hold and released for a second finance officer to approve


def test_a_returned_proof_tells_the_grantee_why_and_others_see_nothing(client, auth, db, job_call):
    application = job_call["application"]
    _signed(job_call)
    path = f"/agreements/{application.id}"
    from grants.finance import jobs

    proof = jobs.add_proof(application, job_call["owner"], 1, io.BytesIO(SCAN), "zus.pdf")
    db.session.commit()
    auth.login(job_call["officer"].email)
    assert auth.post(f"{path}/proofs/{proof.id}/return", {"note": "Brak strony 2 deklaracji."},
                     token_from=path).status_code == 303
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == job_call["owner"].email,
                                                          OutboxMessage.subject.contains("is returned"))).all()
    assert len(told) == 1 and "Brak strony 2 deklaracji." in told[0].body_text
    auth.logout()
    for person in (factories.application(job_call["call"]).organisation.memberships[0].user,
                   factories.user(Role.EVALUATOR)):
        db.session.commit()
        auth.login(person.email)
        assert client.get(f"{path}/proofs/{proof.id}").status_code == 404
        refused = client.post(f"{path}/proofs", data={"csrf_token": csrf_token(client, "/account"), "period": "1",
                                                      "proof": (io.BytesIO(SCAN), "x.pdf")},
                              content_type="multipart/form-data")
        assert refused.status_code in (403, 404)
        auth.logout()
    assert db.session.scalar(select(func.count()).select_from(EmploymentProof)) == 1


def test_extended_bridging_support_is_asked_for_decided_and_added_within_the_budget(client, auth, db, job_call):
    application = job_call["application"]
    _signed(job_call)
    path = f"/agreements/{application.id}"
    auth.login(job_call["owner"].email)
    ask = {"months": "6", "monthly": "4000,00", "justification": "Przychody z cateringu rosną wolniej niż w planie."}
    too_long = auth.post(f"{path}/extension", {**ask, "months": "7"}, token_from=path)
    assert too_long.status_code == 422 and "Between 1 and 6 months" in too_long.get_data(as_text=True)
    over_basic = auth.post(f"{path}/extension", {**ask, "monthly": "4000,01"}, token_from=path)
    assert over_basic.status_code == 422 and "may not exceed the basic support" in over_basic.get_data(as_text=True)
    rounded = auth.post(f"{path}/extension", {**ask, "monthly": "3999,999"}, token_from=path)  # not rounded up
    assert rounded.status_code == 422 and "At most two decimal places" in rounded.get_data(as_text=True)
    not_a_number = auth.post(f"{path}/extension", {**ask, "months": "abc", "justification": ""}, token_from=path)
    shown = not_a_number.get_data(as_text=True)
    assert not_a_number.status_code == 422 and shown.count('class="invalid-feedback"') == 2  # both fields said
    nothing = auth.post(f"{path}/extension", {**ask, "monthly": "-100"}, token_from=path)
    assert nothing.status_code == 422 and "more than zero" in nothing.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BridgingExtension)) == 0
    assert auth.post(f"{path}/extension", ask, token_from=path).status_code == 303
    again = auth.post(f"{path}/extension", ask, token_from=path)
    assert again.status_code == 409 and db.session.scalar(select(func.count()).select_from(BridgingExtension)) == 1
    auth.logout()

    extension = db.session.scalars(select(BridgingExtension)).one()
    auth.login(job_call["officer"].email)
    assert auth.post(f"{path}/extension/{extension.id}/approve", {}, token_from=path).status_code == 303
    db.session.expire_all()
    assert [row for row in _schedule(application) if row[0] == "bridging"] == [
        ("bridging", month, Decimal("4000.00")) for month in range(1, 13)]
    assert db.session.get(Application, application.id).awarded_amount == Decimal("112030.00") + 24000
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.award == Decimal("136030.00")
    assert agreement.de_minimis_award_eur == Decimal("31634.88")  # 136,030 at 4.30, checked again
    page = auth.client.get(path).get_data(as_text=True)
    assert "6 more months" in page and "Less than the ranking awarded" not in page  # 136,030 > 120,000 now
    from grants.finance.models import AgreementAnnex

    annex = db.session.scalars(select(AgreementAnnex)).one()  # the extension is documented by an annex
    assert annex.changes["award"] == ["112030.00", "136030.00"] and len(annex.changes["payments"]) == 6
    assert auth.client.get(f"{path}/annexes/1.pdf").data.startswith(b"%PDF-")
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == job_call["owner"].email,
                                                          OutboxMessage.subject.contains("is decided"))).all()
    assert len(told) == 1 and "is approved" in told[0].body_text


def test_an_extension_the_budget_cannot_hold_is_refused_and_a_rejection_needs_a_reason(auth, db, job_call):
    application = job_call["application"]
    _signed(job_call)
    extension = BridgingExtension(application_id=application.id, status="requested", requested_months=6,
                                  requested_monthly_amount=Decimal("4000.00"),
                                  basic_monthly_amount=Decimal("4000.00"), justification="Uzasadnienie wniosku.")
    factories.application(job_call["call"], status="selected", awarded_amount=Decimal("120000.00"))
    db.session.add(extension)
    db.session.commit()  # 250,000 budget: 112,030 + 120,000 awarded, 17,970 free < 24,000
    path = f"/agreements/{application.id}"
    auth.login(job_call["officer"].email)
    over = auth.post(f"{path}/extension/{extension.id}/approve", {}, token_from=path)
    assert over.status_code == 409 and "budget has less than" in over.get_data(as_text=True)
    no_reason = auth.post(f"{path}/extension/{extension.id}/reject", {"note": ""}, token_from=path)
    assert no_reason.status_code == 422
    db.session.expire_all()
    assert extension.status == "requested" and len(_schedule(application)) == 7
    assert auth.post(f"{path}/extension/{extension.id}/reject", {"note": "Budżet naboru wyczerpany."},
                     token_from=path).status_code == 303
    db.session.expire_all()
    assert extension.status == "rejected"


def test_an_extension_that_would_pass_the_de_minimis_ceiling_is_refused(auth, db, job_call):
    application = job_call["application"]
    _signed(job_call, de_minimis_prior_eur=Decimal("273000.00"))  # + 26,053.49 of the basic award: under 300,000
    extension = BridgingExtension(application_id=application.id, status="requested", requested_months=6,
                                  requested_monthly_amount=Decimal("4000.00"),
                                  basic_monthly_amount=Decimal("4000.00"), justification="Uzasadnienie wniosku.")
    db.session.add(extension)
    db.session.commit()
    path = f"/agreements/{application.id}"
    auth.login(job_call["officer"].email)
    refused = auth.post(f"{path}/extension/{extension.id}/approve", {}, token_from=path)
    assert refused.status_code == 409 and "de minimis aid would pass the ceiling" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert extension.status == "requested" and db.session.scalars(select(Agreement)).one().award == Decimal("112030.00")
