"""Annexes: a signed agreement's schedule, amount or end changes only by an annex with a reason, within the
budget; payments finance already holds stay as they are; the original agreement and its document stay readable."""
from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.core import fire
from grants.finance import agreements
from grants.finance.models import Agreement, AgreementAnnex, Payment
from grants.services.audit import AuditEntry
from grants.services.mail import OutboxMessage
from grants.types import utcnow
from tests import factories

IBAN = "PL61109010140000071219812874"
SCAN = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def signed(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    call = factories.call(budget="100000.00")
    application = factories.application(call, status="selected", requested="90000.00", number="A/9",
                                        awarded_amount=Decimal("90000.00"))
    owner = application.organisation.memberships[0].user
    owner.locale = "en"
    today = utcnow().date()
    agreement = agreements.prepare(application, officer, agreements.Terms(
        award=Decimal("90000.00"), award_reason=None, schedule_model="advance_and_final", starts_on=today,
        ends_on=today + timedelta(days=300), bank_account=IBAN))
    agreements.verify_account(agreement, officer)
    agreements.add_signed_scan(agreement, owner, io.BytesIO(SCAN), "umowa.pdf")
    fire(application, "sign", officer)
    factories.db.session.commit()
    advance, final = factories.db.session.scalars(select(Payment).order_by(Payment.id)).all()
    return {"officer": officer, "application": application, "agreement": agreement, "owner": owner,
            "advance": advance, "final": final, "path": f"/agreements/{application.id}"}


def _annex(signed, **changes) -> dict:
    form = {"ends_on": (signed["agreement"].ends_on + timedelta(days=60)).isoformat(),
            "reason": "Zmiana harmonogramu na wniosek spółdzielni: opóźniona dostawa pieca."}
    for payment in (signed["advance"], signed["final"]):
        form[f"amount_{payment.id}"] = str(payment.amount).replace(".", ",")
        form[f"due_{payment.id}"] = payment.due_at.date().isoformat()
    return {**form, **changes}


def test_an_annex_changes_the_schedule_with_a_reason_and_the_original_stays(client, auth, db, signed):
    final, path = signed["final"], signed["path"]
    auth.login(signed["officer"].email)
    short = auth.post(f"{path}/annexes", _annex(signed, reason="krótko"), token_from=path)
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    zero = auth.post(f"{path}/annexes", _annex(signed, **{f"amount_{final.id}": "0"}), token_from=path)
    assert zero.status_code == 422 and "more than zero" in zero.get_data(as_text=True)
    same = auth.post(f"{path}/annexes", _annex(signed, ends_on=signed["agreement"].ends_on.isoformat()),
                     token_from=path)
    assert same.status_code == 422 and "changes nothing" in same.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AgreementAnnex)) == 0
    past_the_end = (final.due_at + timedelta(days=61)).date().isoformat()
    outside = auth.post(f"{path}/annexes", _annex(signed, **{f"due_{final.id}": past_the_end}), token_from=path)
    assert outside.status_code == 422 and "Within the agreement's period" in outside.get_data(as_text=True)
    later = (final.due_at + timedelta(days=45)).date().isoformat()
    made = auth.post(f"{path}/annexes", _annex(signed, **{f"amount_{final.id}": "10 000,00", f"due_{final.id}": later}),
                     token_from=path)
    assert made.status_code == 303
    db.session.expire_all()
    agreement = db.session.scalars(select(Agreement)).one()
    awarded = db.session.get(Application, signed["application"].id).awarded_amount
    assert agreement.award == Decimal("82000.00") == awarded
    assert db.session.get(Payment, final.id).amount == Decimal("10000.00")
    annex = db.session.scalars(select(AgreementAnnex)).one()
    assert annex.changes["award"] == ["90000.00", "82000.00"] and len(annex.changes["payments"]) == 1
    document = client.get(f"{path}/annexes/1.pdf")
    assert document.status_code == 200 and hashlib.sha256(document.data).hexdigest() == annex.document_sha256
    original_pdf = client.get(f"{path}/agreement.pdf").data  # the agreement's own document is unchanged
    assert hashlib.sha256(original_pdf).hexdigest() == agreement.document_sha256
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "finance:agreement:annex")) == 1
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == signed["owner"].email,
                                                          OutboxMessage.subject.contains("Annex 1"))).all()
    assert len(told) == 1 and "82,000.00" in told[0].body_text
    page = client.get(path).get_data(as_text=True)
    assert 'data-annex="1"' in page and "opóźniona dostawa" in page


def test_an_annex_keeps_to_the_budget_and_leaves_what_finance_holds(client, auth, db, signed):
    advance, final, path = signed["advance"], signed["final"], signed["path"]
    fire(advance, "request", factories.user(Role.FINANCE_OFFICER))  # finance holds the advance now
    db.session.commit()
    auth.login(signed["officer"].email)
    over = auth.post(f"{path}/annexes", _annex(signed, **{f"amount_{final.id}": "28000,01"}), token_from=path)
    assert over.status_code == 409 and "budget has less" in over.get_data(as_text=True)  # 100,000 budget
    untouched = auth.post(f"{path}/annexes", _annex(signed, **{f"amount_{advance.id}": "1,00",
                                                               f"amount_{final.id}": "28000,00"}), token_from=path)
    assert untouched.status_code == 303
    db.session.expire_all()
    assert db.session.get(Payment, advance.id).amount == Decimal("72000.00")  # requested: not the annex's
    assert db.session.scalars(select(Agreement)).one().award == Decimal("100000.00")
    auth.logout()
    auth.login(signed["owner"].email)
    assert auth.post(f"{path}/annexes", _annex(signed), token_from=path).status_code == 403


def test_an_annex_moving_only_the_end_keeps_the_amount_and_supplier_invoices_are_not_annexed(client, auth, db, signed):
    """Before: the award was recomputed from the payments, so what was not yet a payment (an item ordered in
    kind) fell out of it when only the end date moved."""
    path, application = signed["path"], signed["application"]
    invoice = Payment(application_id=application.id, kind="item", amount=Decimal("500.00"), bank_account=IBAN,
                      status="planned", due_at=signed["final"].due_at, payee="Sklep")
    db.session.add(invoice)
    db.session.commit()
    auth.login(signed["officer"].email)
    page = client.get(path).get_data(as_text=True)
    assert f'name="amount_{invoice.id}"' not in page  # the supplier's invoice is what it is
    assert auth.post(f"{path}/annexes", _annex(signed), token_from=path).status_code == 303  # only the end moves
    db.session.expire_all()
    assert db.session.scalars(select(Agreement)).one().award == Decimal("90000.00")
    assert db.session.get(Payment, invoice.id).amount == Decimal("500.00")


def test_with_every_payment_with_finance_an_annex_still_moves_the_end(client, auth, db, signed):
    """Before: the annex form disappeared once finance held every payment, so the end could not move."""
    fire(signed["advance"], "request", factories.user(Role.FINANCE_OFFICER))
    signed["final"].status = "requested"  # as if the settlement were accepted and finance had prepared it
    db.session.commit()
    path = signed["path"]
    auth.login(signed["officer"].email)
    page = client.get(path).get_data(as_text=True)
    assert 'data-testid="annex-form"' in page and "moves only the end date" in page
    later = (signed["agreement"].ends_on + timedelta(days=20)).isoformat()
    assert auth.post(f"{path}/annexes", {"ends_on": later, "reason": "Opóźnienie dostaw, przesunięcie końca."},
                     token_from=path).status_code == 303
    db.session.expire_all()
    agreement = db.session.scalars(select(Agreement)).one()
    assert agreement.ends_on.isoformat() == later and agreement.award == Decimal("90000.00")
