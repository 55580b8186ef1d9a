"""Payments through the web: one finance officer prepares, another approves (never the same one), the final
tranche waits for the settlement, and the list costs the same queries whatever the number of payments."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from grants.auth.models import Role
from grants.finance.models import Payment
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token
from tests.support.queries import recorded_statements

IBAN = "PL61109010140000071219812874"


@pytest.fixture
def grant(db):
    preparer = factories.user(Role.FINANCE_OFFICER, locale="en", name="Franciszek Przygotowujący")
    approver = factories.user(Role.FINANCE_OFFICER, locale="en", name="Felicja Zatwierdzająca")
    call = factories.call(budget="400000.00")
    application = factories.application(call, status="implementation", requested="90000.00", number="P/1",
                                        awarded_amount=Decimal("90000.00"))
    due = utcnow() - timedelta(days=1)
    advance = Payment(application_id=application.id, kind="advance", amount=Decimal("72000.00"), bank_account=IBAN,
                      due_at=due, status="planned")
    final = Payment(application_id=application.id, kind="final", amount=Decimal("18000.00"), bank_account=IBAN,
                    due_at=due, status="planned")
    factories.db.session.add_all([advance, final])
    factories.db.session.commit()
    return {"preparer": preparer, "approver": approver, "application": application, "advance": advance,
            "final": final}


def _act(client, payment, trigger: str, reason: str = ""):
    page = f"/payments/{payment.id}"
    return client.post(f"{page}/actions/{trigger}", data={"csrf_token": csrf_token(client, page),
                                                         "version": payment.version, "reason": reason})


def test_one_officer_prepares_and_another_approves(client, auth, db, grant):
    advance = grant["advance"]
    auth.login(grant["preparer"].email)
    assert _act(client, advance, "request").status_code == 303
    db.session.expire_all()
    advance = db.session.get(Payment, advance.id)
    assert advance.status == "requested" and advance.prepared_by_id == grant["preparer"].id
    assert 'data-testid="four-eyes"' in client.get(f"/payments/{advance.id}").get_data(as_text=True)
    refused = _act(client, advance, "approve")
    assert refused.status_code == 403 and "other than the person who prepared it" in refused.get_data(as_text=True)
    auth.logout()
    auth.login(grant["approver"].email)
    page = client.get(f"/payments/{advance.id}").get_data(as_text=True)
    assert "Franciszek Przygotowujący" in page and 'data-trigger="approve"' in page
    assert _act(client, advance, "approve").status_code == 303
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).status == "approved"
    page = client.get(f"/payments/{advance.id}").get_data(as_text=True)
    assert "Felicja Zatwierdzająca" in page and 'data-testid="approved-by"' in page  # who approved, recorded


def test_the_final_tranche_waits_for_the_accepted_settlement_and_says_so(client, auth, db, grant):
    auth.login(grant["preparer"].email)
    page = client.get(f"/payments/{grant['final'].id}").get_data(as_text=True)
    assert 'data-testid="waiting"' in page and "waits for the accepted settlement" in page
    refused = _act(client, grant["final"], "request")
    assert refused.status_code == 422 and "conditions for this payment are not met" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, grant["final"].id).status == "planned"


def test_the_list_filters_sums_per_state_and_costs_the_same_queries_for_10_and_300(client, auth, db, grant):
    application = grant["application"]
    auth.login(grant["preparer"].email)
    _act(client, grant["advance"], "request")
    page = client.get("/payments/?status=requested").get_data(as_text=True)
    assert page.count("data-payment=") == 1 and 'data-state="planned"' in page and 'data-state="requested"' in page

    def queries() -> int:
        client.get("/payments/")
        with recorded_statements(db.engine) as statements:
            assert client.get("/payments/").status_code == 200
        return len(statements)

    def add(n: int) -> None:
        db.session.execute(insert(Payment), [{"application_id": application.id, "kind": "lump_sum", "amount": 10,
                                              "bank_account": IBAN, "status": "planned", "version": 1,
                                              "created_at": utcnow(), "currency": "PLN"} for _ in range(n)])
        db.session.commit()

    add(8)
    few = queries()
    add(290)
    assert queries() == few
    assert "300 payments" in client.get("/payments/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.PROGRAM_OFFICER, Role.ADMIN])
def test_only_finance_officers_handle_payments(client, auth, db, grant, role):
    auth.login(factories.user(role).email)
    assert client.get("/payments/").status_code == 403
    assert client.get(f"/payments/{grant['advance'].id}").status_code == 403
    assert db.session.scalar(select(Payment.status).where(Payment.id == grant["advance"].id)) == "planned"


def test_approving_asks_for_the_second_factor_again_when_the_approver_uses_one(client, auth, db, grant):
    import pyotp

    from grants.types import utcnow as now

    secret = pyotp.random_base32()
    approver = grant["approver"]
    approver.totp_secret, approver.totp_enabled_at = secret, now()
    advance = grant["advance"]
    advance.status, advance.prepared_by_id = "requested", grant["preparer"].id
    db.session.commit()
    client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "email": approver.email,
                                "password": factories.PASSWORD})
    client.post("/login/verify", data={"csrf_token": csrf_token(client, "/login/verify"),
                                    "code": pyotp.TOTP(secret).at(now() - timedelta(seconds=30))})
    assert client.get(f"/payments/{advance.id}").status_code == 200
    page = f"/payments/{advance.id}"
    refused = client.post(f"{page}/actions/approve", data={"csrf_token": csrf_token(client, page),
                                                           "version": advance.version, "code": "000000"})
    assert refused.status_code == 422 and "authenticator app again" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).status == "requested"
    approved = client.post(f"{page}/actions/approve", data={"csrf_token": csrf_token(client, page),
                                                            "version": advance.version,
                                                            "code": pyotp.TOTP(secret).now()})
    assert approved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).status == "approved"


def test_the_scheduler_holds_a_due_payment_while_its_grant_does_not_run_and_releases_it_after(db, grant):
    """On hold automatically while a condition is unmet, taken off hold and prepared once it is met; a payment
    a person suspended stays suspended."""
    from grants.applications.models import Application
    from grants.engine.core import fire
    from grants.engine.tick import tick

    advance, final = grant["advance"], grant["final"]
    application = db.session.get(Application, grant["application"].id)
    application.status = "agreement"  # not signed yet: the grant does not run
    fire(final, "suspend", grant["preparer"], "Czekamy na wyjaśnienia.")
    db.session.commit()
    tick()
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).status == "on_hold"
    application = db.session.get(Application, grant["application"].id)
    application.status = "implementation"  # signed
    db.session.commit()
    for _ in range(2):  # off hold, then due: prepared for approval
        tick()
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).status == "requested"
    assert db.session.get(Payment, final.id).status == "on_hold"  # the person's suspension stays
