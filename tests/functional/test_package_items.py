"""A development package's items bought in kind through the web: the agreement splits the award into a cash part
and an in-kind part; items are ordered within the in-kind part, delivered with the supplier's invoice (whose
payment to the supplier is then planned), and taken over with the protocol the group's leader signed."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.engine.core import fire
from grants.extensions import db as _db
from grants.finance import agreements, batches
from grants.finance.models import Agreement, Payment
from grants.support.models import PackageItem
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token

PATRON = "PL27114020040000300201355387"
SUPPLIER = "PL61109010140000071219812874"
SCAN = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PAYER_NAME": "OWES Pomost", "PAYER_ACCOUNT": "PL10105000997603123456789123"}


@pytest.fixture
def package(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    finance, second = factories.user(Role.FINANCE_OFFICER, locale="en"), factories.user(Role.FINANCE_OFFICER)
    call = factories.call("development_package", budget="50000.00")
    application = factories.application(call, status="selected", requested="4800.00", number="P/1",
                                        awarded_amount=Decimal("4800.00"))
    factories.db.session.commit()
    return {"officer": officer, "finance": finance, "second": second, "call": call, "application": application,
            "owner": application.organisation.memberships[0].user}


def _form(**changes) -> dict:
    today = utcnow().date()
    return {"award": "4800,00", "award_reason": "", "schedule_model": "package_items", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=90)).isoformat(), "bank_account": PATRON, "security_kind": "",
            "security_amount": "", "security_received_on": "", "de_minimis_prior_eur": "", "in_kind_amount": "1800",
            **changes}


def _sign(package) -> None:
    application, officer = package["application"], package["officer"]
    agreement = agreements.for_application(application)
    agreements.verify_account(agreement, officer)
    agreements.add_signed_scan(agreement, package["owner"], io.BytesIO(SCAN), "umowa.pdf")
    fire(application, "sign", officer)
    _db.session.commit()


def test_items_are_ordered_within_the_in_kind_part_delivered_paid_to_the_supplier_and_taken_over(
        client, auth, db, package):
    application, path = package["application"], f"/agreements/{package['application'].id}"
    auth.login(package["officer"].email)
    too_much = auth.post(path, _form(in_kind_amount="4800,01"), token_from=path)
    assert too_much.status_code == 422 and "Between nothing and the whole package" in too_much.get_data(as_text=True)
    assert auth.post(path, _form(), token_from=path).status_code == 303
    planned = db.session.scalars(select(Payment)).all()
    assert [(p.kind, p.amount) for p in planned] == [("package", Decimal("3000.00"))]  # the cash part
    _sign(package)

    order = {"name": "Laptop do zajęć", "supplier": "Sklep „Ćma” sp. z o.o.", "order_number": "ZAM/7/2026",
             "amount": "1200,00"}
    assert auth.post(f"{path}/items", order, token_from=path).status_code == 303
    over = auth.post(f"{path}/items", {**order, "amount": "600,01"}, token_from=path)
    assert over.status_code == 422 and "Only" in over.get_data(as_text=True) and "600.00" in over.get_data(as_text=True)
    blank = auth.post(f"{path}/items", {**order, "supplier": ""}, token_from=path)
    assert blank.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PackageItem)) == 1
    item = db.session.scalars(select(PackageItem)).one()
    auth.logout()

    auth.login(package["finance"].email)  # the delivery is the operator's: a finance officer may record it
    bad_account = auth.post(f"{path}/items/{item.id}/deliver", {"invoice_number": "FV/12/2026",
                                                                "supplier_account": SUPPLIER[:-1] + "5"},
                            token_from=path)
    shown = bad_account.get_data(as_text=True)
    assert bad_account.status_code == 422 and "not a valid account number" in shown
    assert f'<details class="mt-1" open data-item-delivery="{item.id}">' in shown  # the form with its error shows
    delivery = {"invoice_number": "FV/12/2026", "supplier_account": SUPPLIER}
    assert auth.post(f"{path}/items/{item.id}/deliver", delivery, token_from=path).status_code == 303
    db.session.expire_all()
    invoice = db.session.scalars(select(Payment).where(Payment.kind == "item")).one()
    assert (invoice.amount, invoice.bank_account, invoice.payee, invoice.package_item_id) == (
        Decimal("1200.00"), SUPPLIER, "Sklep „Ćma” sp. z o.o.", item.id)
    fire(invoice, "request", package["finance"])
    fire(invoice, "approve", package["second"])
    batch = batches.export("elixir", package["second"], [invoice.id])
    db.session.commit()
    from grants.services.storage import get_storage

    content = get_storage().open(batch.storage_key).read().decode("cp1250")
    assert "Sklep" in content and "faktura FV/12/2026" in content  # to the supplier, with its invoice number
    auth.logout()

    auth.login(package["owner"].email)
    page = client.get(path).get_data(as_text=True)
    assert 'data-testid="protocol-form"' in page and 'data-testid="order-form"' not in page
    printed = client.get(f"{path}/items/{item.id}/protocol.pdf")
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF-")
    taken = client.post(f"{path}/items/{item.id}/handover", data={"csrf_token": csrf_token(client, path),
                                                                 "protocol": (io.BytesIO(SCAN), "protokol.pdf")},
                        content_type="multipart/form-data")
    assert taken.status_code == 303
    db.session.expire_all()
    assert db.session.get(PackageItem, item.id).status == "handed_over"
    assert client.get(f"{path}/items/{item.id}/protocol").data == SCAN
    committed = db.session.scalar(select(func.sum(Payment.amount)).where(Payment.application_id == application.id))
    assert committed == Decimal("4200.00") <= db.session.scalars(select(Agreement)).one().award  # 600 not ordered


def test_nobody_else_orders_delivers_or_reads_the_items(client, auth, db, package):
    application, path = package["application"], f"/agreements/{package['application'].id}"
    auth.login(package["officer"].email)
    assert auth.post(path, _form(), token_from=path).status_code == 303
    _sign(package)
    assert auth.post(f"{path}/items", {"name": "Namiot", "supplier": "Sklep", "order_number": "Z/1",
                                       "amount": "500"}, token_from=path).status_code == 303
    item = db.session.scalars(select(PackageItem)).one()
    auth.logout()
    auth.login(package["owner"].email)  # the group takes over; it does not record deliveries or order
    delivered = auth.post(f"{path}/items/{item.id}/deliver", {"invoice_number": "FV/1", "supplier_account": SUPPLIER},
                          token_from=path)
    assert delivered.status_code in (403, 409, 422) and db.session.get(PackageItem, item.id).status == "ordered"
    assert auth.post(f"{path}/items", {"name": "X", "supplier": "Y", "order_number": "Z", "amount": "1"},
                     token_from=path).status_code == 403
    auth.logout()
    evaluator = factories.user(Role.EVALUATOR)
    db.session.commit()
    auth.login(evaluator.email)
    assert client.get(f"{path}/items/{item.id}/protocol.pdf").status_code == 404
    assert db.session.get(PackageItem, item.id).application_id == application.id
