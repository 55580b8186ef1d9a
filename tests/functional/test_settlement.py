"""The final settlement through the web: the grantee lists expenditure with invoices against the signed budget,
states the own contribution and submits; the page computes what was spent per budget line, the deviations and
what is unspent to return; the officer returns it with comments (editable again) or accepts it (the grant
closes, or goes on to durability). A submitted settlement never changes; another organisation gets 404."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.reporting import settlement
from grants.reporting.models import SettlementFile, SettlementLine, SettlementVersion
from grants.services.mail import OutboxMessage
from tests import factories
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BUDGET = [{"item": "Piec konwekcyjny", "cost": "40000.00", "own": "4000.00"},
          {"item": "Szkolenia", "cost": "20000.00", "own": "0"}]


@pytest.fixture
def grant(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    call = factories.call(budget="400000.00", parameters={"control_required": False},
                          form=[{"id": "budget", "type": "budget_table", "label": {"pl": "Budżet", "en": "Budget"}}])
    application = factories.application(call, status="implementation", number="S/1",
                                        awarded_amount=Decimal("56000.00"))
    from grants.applications.models import ApplicationVersion
    _db.session.add(ApplicationVersion(application_id=application.id, number=1, answers={"budget": BUDGET},
                                       requested_amount=Decimal("56000.00"), attachments=[], content_hash="0" * 64))
    owner = application.organisation.memberships[0].user
    owner.locale = "en"
    starts = date.today() - timedelta(days=200)
    agreement = factories.agreement(application, starts_on=starts, ends_on=starts + timedelta(days=180),
                                    award="56000.00")
    _db.session.add(Payment(application_id=application.id, kind="advance", amount=Decimal("50000.00"),
                            status="paid", paid_on=starts))
    _db.session.commit()
    return {"officer": officer, "application": application, "owner": owner, "agreement": agreement,
            "page": f"/settlements/{application.id}"}


def _add(client, grant, *, line=0, amount="30000,00", invoice_date=None, body=PDF, **more):
    page = grant["page"]
    version = settlement.settlement_of(grant["application"])
    data = {"csrf_token": csrf_token(client, page), "budget_line": str(line), "invoice_number": "FV/1/2026",
            "invoice_date": (invoice_date or grant["agreement"].starts_on + timedelta(days=5)).isoformat(),
            "supplier": "Hurtownia „Żuraw”", "amount": amount,
            "paid_on": (grant["agreement"].starts_on + timedelta(days=6)).isoformat(),
            "version": "" if version is None else str(version.version),
            "invoice": (io.BytesIO(body), "faktura.pdf"), **more}
    return client.post(f"{page}/lines", data=data, content_type="multipart/form-data")


def _submit(client, grant):
    _db.session.refresh(grant["application"])
    return client.post(f"{grant['page']}/submit", data={"csrf_token": csrf_token(client, grant["page"]),
                                                         "version": grant["application"].version})


def test_the_grantee_settles_line_by_line_and_sees_deviations_and_the_unspent_amount(client, auth, db, grant):
    auth.login(grant["owner"].email)
    assert _add(client, grant, amount="30 000,00").status_code == 303
    assert _add(client, grant, line=1, amount="16000").status_code == 303
    page = client.get(grant["page"]).get_data(as_text=True)
    figures = settlement.summary(grant["application"])
    assert [row.spent for row in figures.rows] == [Decimal("30000.00"), Decimal("16000.00")]
    assert [row.deviation for row in figures.rows] == [Decimal("-6000.00"), Decimal("-4000.00")]
    assert [row.beyond_shift for row in figures.rows] == [True, True]  # −16.7 % and −20 %
    assert figures.unspent == Decimal("4000.00")  # 50,000 paid, 46,000 spent
    assert "PLN4,000.00" in page and "More than 10\u00a0% off the plan" in page
    assert page.count('data-line="') == 2
    saved = client.post(grant["page"], data={"csrf_token": csrf_token(client, grant["page"]),
                                             "own_contribution": "4 500,00", "remarks": "Wolontariat przy remoncie",
                                             "version": settlement.settlement_of(grant["application"]).version})
    assert saved.status_code == 303
    assert settlement.summary(grant["application"]).own == Decimal("4500.00")  # planned 4,000
    refused = client.post(grant["page"], data={"csrf_token": csrf_token(client, grant["page"]),
                                               "own_contribution": "-1", "version": ""})
    assert refused.status_code == 422 and settlement.summary(grant["application"]).own == Decimal("4500.00")


def test_a_line_that_does_not_hold_is_refused_whole_with_its_field_marked(client, auth, db, grant):
    auth.login(grant["owner"].email)
    early = grant["agreement"].starts_on - timedelta(days=1)
    response = _add(client, grant, invoice_date=early)
    assert response.status_code == 422
    assert "The invoice must be dated within the grant's period" in response.get_data(as_text=True)
    assert _add(client, grant, body=b"MZ\x90\x00 not an invoice").status_code == 422
    assert _add(client, grant, line=7).status_code == 422
    assert _add(client, grant, amount="-5").status_code == 422
    assert _db.session.scalar(select(func.count()).select_from(SettlementLine)) == 0
    assert _db.session.scalar(select(func.count()).select_from(SettlementFile)) == 0


def test_submitted_returned_fixed_and_accepted_and_a_submitted_version_never_changes(client, auth, db, grant):
    auth.login(grant["owner"].email)
    refused = _submit(client, grant)  # nothing listed yet
    assert refused.status_code == 422 and "The settlement lists no expenditure." in refused.get_data(as_text=True)
    _add(client, grant, amount="50000")
    assert _submit(client, grant).status_code == 303
    _db.session.refresh(grant["application"])
    assert grant["application"].status == "settlement"
    assert _add(client, grant, amount="1").status_code == 409  # submitted: it cannot change
    first = _db.session.scalar(select(SettlementVersion))
    assert first.totals["spent"] == "50000.00" and first.lines[0]["amount"] == "50000.00"
    assert _db.session.scalar(select(SettlementFile)).frozen

    auth.logout()
    auth.login(grant["officer"].email)
    page = grant["page"]
    response = client.post(f"{page}/decision/return", data={
        "csrf_token": csrf_token(client, page), "note": "Brak protokołu odbioru pieca.",
        "version": grant["application"].version})
    assert response.status_code == 303
    _db.session.refresh(grant["application"])
    assert grant["application"].status == "implementation"
    mail = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == grant["owner"].email)).all()
    assert any("Brak protokołu odbioru pieca." in m.body_text for m in mail)

    auth.logout()
    auth.login(grant["owner"].email)
    line = _db.session.scalar(select(SettlementLine))
    removed = client.post(f"{page}/lines/{line.id}/delete", data={
        "csrf_token": csrf_token(client, page), "version": settlement.settlement_of(grant["application"]).version})
    assert removed.status_code == 303
    assert _db.session.scalar(select(func.count()).select_from(SettlementFile)) == 1  # version 1 keeps its invoice
    _add(client, grant, amount="46000")
    assert _submit(client, grant).status_code == 303

    auth.logout()
    auth.login(grant["officer"].email)
    _db.session.refresh(grant["application"])
    client.post(f"{page}/decision/accept", data={"csrf_token": csrf_token(client, page),
                                                 "version": grant["application"].version})
    _db.session.refresh(grant["application"])
    assert grant["application"].status == "closed"
    versions = settlement.versions(grant["application"])
    assert [(v.number, v.decision, v.totals["spent"]) for v in versions] == [
        (1, "returned", "50000.00"), (2, "accepted", "46000.00")]
    assert versions[0].decision_note == "Brak protokołu odbioru pieca."
    accepted = _db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == grant["owner"].email,
                                                              OutboxMessage.subject.contains("accepted")))
    assert "Return the unspent PLN4,000.00" in accepted.body_text  # 50,000 paid, 46,000 spent
    assert client.get(f"{page}/files/{versions[0].lines[0]['file']}").status_code == 200


def test_a_second_click_of_the_same_form_adds_nothing_twice(client, auth, db, grant):
    auth.login(grant["owner"].email)
    _add(client, grant)
    stale = settlement.settlement_of(grant["application"]).version - 1
    assert _add(client, grant, version=str(stale)).status_code == 409
    assert _db.session.scalar(select(func.count()).select_from(SettlementLine)) == 1


def test_others_get_404_and_staff_only_read(client, auth, db, grant):
    stranger = factories.organisation(factories.user(Role.APPLICANT)).memberships[0].user
    auth.login(stranger.email)
    assert client.get(grant["page"]).status_code == 404
    assert _add(client, grant).status_code == 404
    auth.logout()
    evaluator = factories.user(Role.EVALUATOR)
    auth.login(evaluator.email)
    assert client.get(grant["page"]).status_code == 404
    auth.logout()
    auditor = factories.user(Role.AUDITOR)
    auth.login(auditor.email)
    assert client.get(grant["page"]).status_code == 200
    assert _add(client, grant).status_code in (403, 404)
    assert _db.session.scalar(select(func.count()).select_from(SettlementLine)) == 0
