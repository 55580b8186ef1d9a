"""Agreements through the web: the officer prepares the terms, schedule and document; the signing waits for every
condition and says which are missing; the applicant uploads the signed scan; de minimis aid stays within the
ceiling; nobody else sees the money."""
from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.core import fire
from grants.errors import Refusal
from grants.finance import rates
from grants.finance.models import Agreement, Payment
from tests import factories
from tests.conftest import csrf_token

IBAN = "PL61109010140000071219812874"  # a valid account of a real bank (Erste Bank Polska)
SCAN = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def selected(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    call = factories.call(budget="400000.00")
    application = factories.application(call, status="selected", requested="90000.00", number="A/1",
                                        awarded_amount=Decimal("90000.00"))
    factories.db.session.commit()
    return {"officer": officer, "call": call, "application": application,
            "owner": application.organisation.memberships[0].user}


def _terms(**changes) -> dict:
    return {"award": "90000.00", "award_reason": "", "schedule_model": "advance_and_final", "starts_on": "2027-01-04",
            "ends_on": "2027-12-31", "bank_account": IBAN, "security_kind": "", "security_amount": "",
            "security_received_on": "", "de_minimis_prior_eur": "", **changes}


def _counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Agreement)),
            db.session.scalar(select(func.count()).select_from(Payment)))


def test_the_officer_prepares_the_agreement_and_the_signing_waits_for_every_condition(client, auth, db, selected):
    application, path = selected["application"], f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    bad_account = auth.post(path, _terms(bank_account="PL61109010140000071219812875"), token_from=path)
    assert bad_account.status_code == 422 and "not a valid account number" in bad_account.get_data(as_text=True)
    too_much = auth.post(path, _terms(award="95000.00"), token_from=path)
    assert too_much.status_code == 422 and "At most PLN90,000.00" in too_much.get_data(as_text=True)
    no_reason = auth.post(path, _terms(award="80000.00"), token_from=path)
    assert no_reason.status_code == 422 and "reason for agreeing less" in no_reason.get_data(as_text=True)
    assert _counts(db) == (0, 0)  # refusals leave nothing behind
    saved = auth.post(path, _terms(award="80 000,00", award_reason="Koszty sprzętu zawyżone."), token_from=path)
    assert saved.status_code == 303
    db.session.expire_all()
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.number == f"UM/{date.today().year}/0001"
    assert agreement.bank_name == "Erste Bank Polska Spółka Akcyjna"  # from the routing number
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [(p.kind, p.amount, p.status) for p in payments] == [
        ("advance", Decimal("64000.00"), "planned"), ("final", Decimal("16000.00"), "planned")]  # 80 % advance
    application = db.session.get(Application, application.id)
    assert application.status == "agreement" and application.awarded_amount == Decimal("80000.00")  # 10,000 freed
    from grants.services.mail import OutboxMessage

    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == selected["owner"].email)).all()
    assert len(told) == 1 and f"/agreements/{application.id}" in told[0].body_text  # the applicant is told once
    document = client.get(f"{path}/agreement.pdf")
    assert document.status_code == 200 and document.data.startswith(b"%PDF-")
    assert hashlib.sha256(document.data).hexdigest() == agreement.document_sha256

    with pytest.raises(Refusal) as caught:
        fire(application, "sign", selected["officer"])
    said = caught.value.text("en")
    assert "bank account is not verified" in said and "signed agreement" in said  # every condition, at once
    db.session.rollback()
    assert auth.post(f"{path}/account", {}, token_from=path).status_code == 303
    auth.logout()

    auth.login(selected["owner"].email)
    page = client.get(path).get_data(as_text=True)
    assert "UM/" in page and 'data-testid="schedule"' in page and 'data-testid="save-agreement"' not in page
    uploaded = client.post(f"{path}/scan", data={"csrf_token": csrf_token(client, path),
                                                 "scan": (io.BytesIO(SCAN), "umowa-podpisana.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    assert auth.post(f"{path}/sign", {}, token_from=path).status_code == 403  # the officer records it
    auth.logout()

    auth.login(selected["officer"].email)
    assert auth.post(f"{path}/sign", {}, token_from=path).status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "implementation"
    assert db.session.scalars(select(Agreement)).one().signed_at is not None
    changed = auth.post(path, _terms(award="70000.00", award_reason="Jeszcze mniej."), token_from=path)
    assert changed.status_code == 409 or "annex" in changed.get_data(as_text=True)  # signed: only by an annex


def test_de_minimis_aid_over_the_ceiling_blocks_the_agreement_with_the_figures(client, auth, db, selected):
    call = selected["call"]
    call.parameters = {**(call.parameters or {}), "requires_de_minimis": True}
    rates.add("eur_rate", date(2026, 1, 1), Decimal("4.3000"), None, "NBP")
    db.session.commit()
    path = f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    missing = auth.post(path, _terms(), token_from=path)
    assert missing.status_code == 422 and "de minimis aid received in the last three years" in \
        missing.get_data(as_text=True)
    over = auth.post(path, _terms(de_minimis_prior_eur="290000.00"), token_from=path)
    text = over.get_data(as_text=True)
    assert over.status_code == 422 and "over the ceiling of €300,000.00" in text and "€20,930.23" in text
    assert _counts(db) == (0, 0)
    assert auth.post(path, _terms(de_minimis_prior_eur="100000.00"), token_from=path).status_code == 303
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.de_minimis_award_eur == Decimal("20930.23") and agreement.rates["eur_rate"] == "4.3000"


@pytest.mark.parametrize("who", ["evaluator", "other applicant", "admin"])
def test_nobody_else_sees_the_agreement(client, auth, db, selected, who):
    path = f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    assert auth.post(path, _terms(), token_from=path).status_code == 303
    auth.logout()
    person = {"evaluator": lambda: factories.user(Role.EVALUATOR),
              "other applicant": lambda: factories.application(selected["call"]).organisation.memberships[0].user,
              "admin": lambda: factories.user(Role.ADMIN)}[who]()
    db.session.commit()
    auth.login(person.email)
    for url in (path, f"{path}/agreement.pdf"):
        response = client.get(url)
        assert response.status_code in (403, 404) and "UM/" not in response.get_data(as_text=True)


def test_a_lowered_award_can_be_raised_back_before_signing_while_the_budget_has_it(client, auth, db, selected):
    """Before: once saved lower, the lower amount became the most the agreement could ever give."""
    path = f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    lowered = _terms(award="80000.00", award_reason="Koszty zawyżone.")
    assert auth.post(path, lowered, token_from=path).status_code == 303
    raised = auth.post(path, _terms(award="90000.00"), token_from=path)
    assert raised.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, selected["application"].id).awarded_amount == Decimal("90000.00")
    too_much = auth.post(path, _terms(award="90000.01"), token_from=path)
    assert too_much.status_code == 422 and "At most" in too_much.get_data(as_text=True)
    # Lowered again, and the freed 10,000 taken by another application: raising back is refused.
    assert auth.post(path, lowered, token_from=path).status_code == 303
    other = factories.application(selected["call"], status="selected", awarded_amount=Decimal("320000.00"))
    db.session.commit()
    assert other.awarded_amount == Decimal("320000.00")
    refused = auth.post(path, _terms(award="90000.00"), token_from=path)
    assert refused.status_code == 409 and "no longer has" in refused.get_data(as_text=True)


def test_finance_officers_open_the_application_behind_a_grant(client, auth, db, selected):
    """Before: finance officers paid grants whose applications answered them 404."""
    path = f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    assert auth.post(path, _terms(), token_from=path).status_code == 303
    auth.logout()
    finance = factories.user(Role.FINANCE_OFFICER)
    db.session.commit()
    auth.login(finance.email)
    agreement_page = client.get(path).get_data(as_text=True)
    assert f'href="/applications/{selected["application"].id}"' in agreement_page
    application_page = client.get(f"/applications/{selected['application'].id}")
    assert application_page.status_code == 200 and selected["application"].title in application_page.get_data(
        as_text=True)
    assert 'data-trigger=' not in application_page.get_data(as_text=True)  # reads; the officer acts


def test_a_guarantee_is_accepted_only_with_its_document_kept(client, auth, db, selected):
    path = f"/agreements/{selected['application'].id}"
    auth.login(selected["officer"].email)
    guarantee = _terms(security_kind="guarantee", security_amount="20000,00", security_received_on="2027-01-04")
    assert auth.post(path, guarantee, token_from=path).status_code == 303
    assert auth.post(f"{path}/security", {}, token_from=path).status_code == 303
    assert "Upload the guarantee" in client.get(path).get_data(as_text=True)  # refused, and said why
    assert db.session.scalars(select(Agreement)).one().security_accepted_at is None
    uploaded = client.post(f"{path}/security-document", data={"csrf_token": csrf_token(client, path),
                                                             "scan": (io.BytesIO(SCAN), "gwarancja.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    assert auth.post(f"{path}/security", {}, token_from=path).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Agreement)).one().security_accepted_at is not None
    page = client.get(path).get_data(as_text=True)
    assert 'data-testid="security-documents"' in page and "gwarancja.pdf" in page
    assert 'data-testid="upload-security"' not in page  # accepted: the document is kept as it was
