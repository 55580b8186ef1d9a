"""Agreements and payments through the JSON API, for every role exactly where the web shows them: the grantee's
people their own (another organisation's is 404), program officers, finance officers and auditors every agreement,
finance officers every payment, evaluators and admins nothing; the bank account only in the agreement itself;
cursor pages, filters and ETags; payments' transitions for finance officers with a write token, the preparer never
approving and a person who uses a second factor giving a fresh code, as in the web."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import func, select

from grants.auth.models import Membership, MembershipRole, Role
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories
from tests.conftest import AuthActions
from tests.support.api import bearer, every_page, token

IBAN = "PL61109010140000071219812874"
THEIR_IBAN = "PL27114020040000300201355387"


def _grant(call, organisation, number: str, account: str):
    grant = factories.application(call, organisation, status="implementation", number=number,
                                  awarded_amount=Decimal("90000.00"), requested="90000.00")
    agreement = factories.agreement(grant, bank_account=account)
    due = utcnow() - timedelta(days=1)
    payments = [Payment(application_id=grant.id, kind=kind, amount=Decimal(amount), bank_account=account,
                        due_at=due, status="planned") for kind, amount in (("advance", "72000.00"),
                                                                           ("final", "18000.00"))]
    _db.session.add_all(payments)
    _db.session.flush()
    return grant, agreement, payments


@pytest.fixture
def money(db):
    owner, stranger, viewer = (factories.user(Role.APPLICANT, locale="en") for _ in range(3))
    ours = factories.organisation(owner, name="Spółdzielnia Nasza")
    _db.session.add(Membership(user=viewer, organisation=ours, role=MembershipRole.VIEWER))
    theirs = factories.organisation(stranger, name="Spółdzielnia Cudza")
    first, second = factories.call(budget="900000.00"), factories.call(budget="900000.00")
    grant, agreement, payments = _grant(first, ours, "G/1", IBAN)
    their_grant, their_agreement, their_payments = _grant(second, theirs, "G/2", THEIR_IBAN)
    factories.application(first, ours, status="submitted", number="G/3", submitted_at=utcnow())  # no agreement
    people = {"owner": owner, "viewer": viewer, "stranger": stranger,
              **{name: factories.user(role, locale="en") for name, role in (
                  ("officer", Role.PROGRAM_OFFICER), ("preparer", Role.FINANCE_OFFICER),
                  ("approver", Role.FINANCE_OFFICER), ("auditor", Role.AUDITOR), ("evaluator", Role.EVALUATOR),
                  ("admin", Role.ADMIN))}}
    _db.session.commit()
    return {**people, "first": first, "second": second, "grant": grant, "agreement": agreement,
            "payments": payments, "their_grant": their_grant, "their_agreement": their_agreement,
            "their_payments": their_payments, "people": people}


def _web(app, user):
    """A browser signed in as the user (its own cookies), to ask the web what it shows them."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert AuthActions(browser).login(user.email).status_code in (302, 303)
    return browser


def _status(client, url: str, secret: str) -> int:
    return client.get(url, headers=bearer(secret)).status_code


def test_agreements_are_read_exactly_where_the_web_shows_them(app, client, db, money):
    agreements = {money["agreement"].id: money["grant"], money["their_agreement"].id: money["their_grant"]}
    seen_by = {}
    for name, user in money["people"].items():
        browser, secret = _web(app, user), token(user)
        shown = {agreement_id for agreement_id, grant in agreements.items()
                 if browser.get(f"/agreements/{grant.id}").status_code == 200}
        listed = {item["id"] for item in every_page(client, "/api/v1/agreements", secret, limit=1)}
        assert listed == shown, name
        for agreement_id in agreements:
            assert _status(client, f"/api/v1/agreements/{agreement_id}", secret) == (
                200 if agreement_id in shown else 404), (name, agreement_id)
        seen_by[name] = shown
    ours, theirs = money["agreement"].id, money["their_agreement"].id
    assert seen_by["owner"] == seen_by["viewer"] == {ours} and seen_by["stranger"] == {theirs}
    assert seen_by["officer"] == seen_by["preparer"] == seen_by["auditor"] == {ours, theirs}
    assert seen_by["evaluator"] == seen_by["admin"] == set()  # no money for them, in the web or here


def test_the_bank_account_only_in_the_agreement_itself_and_the_filters(client, db, money):
    secret = token(money["officer"])
    one = client.get(f"/api/v1/agreements/{money['agreement'].id}", headers=bearer(secret))
    assert one.get_json()["bank_account"] == IBAN and one.get_json()["award"] == "90000.00"
    assert one.get_json()["application_id"] == money["grant"].id and one.headers["ETag"]
    listed = client.get("/api/v1/agreements", headers=bearer(secret))
    assert IBAN not in listed.get_data(as_text=True) and THEIR_IBAN not in listed.get_data(as_text=True)
    assert client.get("/api/v1/agreements", headers={**bearer(secret), "If-None-Match": listed.headers["ETag"]}) \
        .status_code == 304
    by_call = client.get(f"/api/v1/agreements?call_id={money['second'].id}", headers=bearer(secret)).get_json()
    assert [item["id"] for item in by_call["items"]] == [money["their_agreement"].id]
    by_application = client.get(f"/api/v1/agreements?application_id={money['grant'].id}",
                                headers=bearer(secret)).get_json()
    assert [item["id"] for item in by_application["items"]] == [money["agreement"].id]
    owner = token(money["owner"])  # a filter naming another organisation's grant finds nothing, not theirs
    assert client.get(f"/api/v1/agreements?application_id={money['their_grant'].id}",
                      headers=bearer(owner)).get_json()["items"] == []
    assert client.get("/api/v1/agreements?call_id=0", headers=bearer(secret)).status_code == 422
    for listed in ("agreements", "payments"):  # beyond what an id column holds: refused, not a database error
        assert client.get(f"/api/v1/{listed}?application_id=2147483648", headers=bearer(secret)).status_code == 422
    assert client.get("/api/v1/agreements").status_code == 401


def test_payments_are_read_exactly_where_the_web_shows_them(app, client, db, money):
    grants = {payment.id: grant for grant, payments in ((money["grant"], money["payments"]),
                                                        (money["their_grant"], money["their_payments"]))
              for payment in payments}
    seen_by = {}
    for name, user in money["people"].items():
        browser, secret = _web(app, user), token(user)
        schedules = {grant.id: browser.get(f"/agreements/{grant.id}") for grant in set(grants.values())}
        shown = {payment_id for payment_id, grant in grants.items()
                 if browser.get(f"/payments/{payment_id}").status_code == 200 or (
                     schedules[grant.id].status_code == 200 and 'data-testid="schedule"' in
                     schedules[grant.id].get_data(as_text=True))}
        listed = {item["id"] for item in every_page(client, "/api/v1/payments", secret)}
        assert listed == shown, name
        for payment_id in grants:
            assert _status(client, f"/api/v1/payments/{payment_id}", secret) == (
                200 if payment_id in shown else 404), (name, payment_id)
        seen_by[name] = shown
    ours, theirs = {p.id for p in money["payments"]}, {p.id for p in money["their_payments"]}
    assert seen_by["owner"] == seen_by["viewer"] == ours and seen_by["stranger"] == theirs
    assert seen_by["preparer"] == seen_by["officer"] == seen_by["auditor"] == ours | theirs
    assert seen_by["evaluator"] == seen_by["admin"] == set()


def test_payment_fields_and_filters(client, db, money):
    secret = token(money["preparer"])
    advance = money["payments"][0]
    one = client.get(f"/api/v1/payments/{advance.id}", headers=bearer(secret)).get_json()
    assert one == {**one, "id": advance.id, "application_id": money["grant"].id, "kind": "advance",
                   "amount": "72000.00", "currency": "PLN", "status": "planned", "paid_on": None, "payee": None,
                   "period": None, "version": advance.version}
    assert "bank_account" not in one
    by_call = every_page(client, f"/api/v1/payments?call_id={money['second'].id}", secret)
    assert {item["id"] for item in by_call} == {p.id for p in money["their_payments"]}
    finals = every_page(client, f"/api/v1/payments?application_id={money['grant'].id}&status=planned", secret)
    assert {item["id"] for item in finals} == {p.id for p in money["payments"]}
    assert every_page(client, "/api/v1/payments?status=paid", secret) == []
    assert client.get("/api/v1/payments?status=stolen", headers=bearer(secret)).status_code == 422


def _fire(client, payment, trigger: str, secret: str, **body):
    _db.session.refresh(payment)
    return client.post(f"/api/v1/payments/{payment.id}/transitions/{trigger}",
                       json={"version": payment.version, **body}, headers=bearer(secret))


def _state(payment) -> str:
    _db.session.expire_all()
    return _db.session.get(Payment, payment.id).status


def test_the_preparer_never_approves_and_only_finance_fires(client, db, money):
    advance = money["payments"][0]
    preparer = token(money["preparer"], write=True)
    requested = _fire(client, advance, "request", preparer)
    assert requested.status_code == 200 and requested.get_json()["status"] == "requested"
    assert _db.session.get(Payment, advance.id).prepared_by_id == money["preparer"].id
    refused = _fire(client, advance, "approve", preparer)  # four eyes: not the one who prepared it
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert _state(advance) == "requested"
    assert _fire(client, advance, "approve", token(money["approver"])).status_code == 403  # a read token
    for name in ("owner", "officer", "auditor"):  # they read the payment, and none of them handles payments
        assert _fire(client, advance, "approve", token(money[name], write=True)).status_code == 403, name
    for name in ("stranger", "evaluator", "admin"):  # they do not even read it
        assert _fire(client, advance, "approve", token(money[name], write=True)).status_code == 404, name
    assert _state(advance) == "requested"
    approver = token(money["approver"], write=True)
    stale = client.post(f"/api/v1/payments/{advance.id}/transitions/approve", json={"version": 1},
                        headers=bearer(approver))
    assert stale.status_code == 409 and _state(advance) == "requested"
    audits = _db.session.scalar(select(func.count(AuditEntry.id)))
    approved = _fire(client, advance, "approve", approver)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert _db.session.scalar(select(func.count(AuditEntry.id))) == audits + 1
    again = _fire(client, advance, "approve", approver)  # never approved twice
    assert again.status_code in (409, 422) and _state(advance) == "approved"
    exported = _fire(client, advance, "export", approver)  # only inside a bank file, as in the web
    assert exported.status_code == 422 and _state(advance) == "approved"
    final = money["payments"][1]  # waits for the accepted settlement: the engine says so
    unmet = _fire(client, final, "request", preparer)
    assert unmet.status_code == 422 and "not met" in unmet.get_json()["title"] and _state(final) == "planned"


def test_approving_asks_a_person_with_a_second_factor_for_a_fresh_code(client, db, money):
    secret = pyotp.random_base32()
    approver = money["approver"]
    approver.totp_secret, approver.totp_enabled_at = secret, utcnow()
    advance = money["payments"][0]
    advance.status, advance.prepared_by_id = "requested", money["preparer"].id
    _db.session.commit()
    writer = token(approver, write=True)
    failed = _db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "auth:totp:failed"))
    for body in ({}, {"code": "000000"}):
        refused = _fire(client, advance, "approve", writer, **body)
        assert refused.status_code == 422 and "authenticator app again" in refused.get_json()["title"]
        assert _state(advance) == "requested"
    assert _db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "auth:totp:failed")) == failed + 2  # each counts towards the sign-in lock
    approved = _fire(client, advance, "approve", writer, code=pyotp.TOTP(secret).now())
    assert approved.status_code == 200 and _state(advance) == "approved"
    request = money["payments"][1]  # preparing asks for no code, as in the web
    assert _fire(client, request, "suspend", writer, reason="Brak dokumentów").status_code == 200


def test_the_openapi_document_stays_valid_and_describes_the_new_endpoints(client, db):
    from openapi_spec_validator import validate as validate_spec

    document = client.get("/api/v1/openapi.json").get_json()
    validate_spec(document)
    paths = document["paths"]
    for path in ("/api/v1/organisations", "/api/v1/organisations/{organisation_id}", "/api/v1/agreements",
                 "/api/v1/agreements/{agreement_id}", "/api/v1/payments", "/api/v1/payments/{payment_id}",
                 "/api/v1/registry", "/api/v1/registry/{entry_id}", "/api/v1/indicators"):
        assert "get" in paths[path], path
        assert bool(paths[path]["get"].get("security")) is not path.startswith("/api/v1/registry"), path
    transition = document["components"]["schemas"]["Transition"]["properties"]
    assert "code" in transition and "authenticator" in transition["code"]["description"]
    docs = client.get("/api/docs/").get_data(as_text=True)
    assert "/api/v1/payments/{payment_id}" in docs and "/api/v1/indicators" in docs
