"""Bank files: approved payments exported together as Elixir-O or SEPA pain.001.001.03 (validated against the
official schema), stored so a download gives the same bytes, never half made; and payments confirmed paid."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.errors import Refusal
from grants.finance import batches
from grants.finance.models import Payment, PaymentBatch
from grants.services.storage import StorageError, get_storage
from tests import factories
from tests.conftest import csrf_token

ACCOUNTS = ("PL61109010140000071219812874", "PL27114020040000300201355387")
PAYER = {"PAYER_NAME": "OWES Pomost", "PAYER_ACCOUNT": "PL10105000997603123456789123"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, **PAYER}


@pytest.fixture
def approved(db):
    officer = factories.user(Role.FINANCE_OFFICER, locale="en")
    made = factories.payments("approved", accounts=ACCOUNTS, prefix="B")
    factories.db.session.commit()
    return {"officer": officer, "payments": made}


def _export(client, auth, fmt: str):
    return auth.post("/payments/batches/", {"format": fmt}, token_from="/payments/batches/")


def _statuses(db, payments) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Payment, p.id).status for p in payments]


def test_an_elixir_file_carries_every_approved_payment_in_grosze_and_downloads_the_same(client, auth, db, approved):
    auth.login(approved["officer"].email)
    assert _export(client, auth, "elixir").status_code == 303
    batch = db.session.scalars(select(PaymentBatch)).one()
    assert _statuses(db, approved["payments"]) == ["exported", "exported"]
    assert batch.count == 2 and batch.total == Decimal("68800.50")
    response = client.get(f"/payments/batches/{batch.id}/file")
    assert response.headers["Content-Type"] == "text/plain; charset=windows-1250"  # one charset, the file's
    first = response.data
    assert first == client.get(f"/payments/batches/{batch.id}/file").data  # stored: the same bytes again
    assert hashlib.sha256(first).hexdigest() == batch.sha256
    lines = first.decode("cp1250").split("\r\n")
    assert lines[-1] == "" and len(lines) == 3 and all(line.startswith("110,") for line in lines[:2])
    fields = [line.split(",") for line in lines[:2]]
    assert sorted(int(f[2]) for f in fields) == [480050, 6400000]  # grosze
    assert "Żuraw" in first.decode("cp1250") and f'PMST-{approved["payments"][0].id}' in lines[0]
    assert {f[10] for f in fields} == {"10901014", "11402004"}  # the recipients' banks from their accounts


def test_a_sepa_file_validates_against_the_official_schema(client, auth, db, approved):
    import sepaxml
    import xmlschema

    auth.login(approved["officer"].email)
    assert _export(client, auth, "sepa").status_code == 303
    batch = db.session.scalars(select(PaymentBatch)).one()
    document = client.get(f"/payments/batches/{batch.id}/file").data
    schema = xmlschema.XMLSchema(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"))
    schema.validate(document.decode())
    assert b"<CtrlSum>68800.50</CtrlSum>" in document and b"<NbOfTxs>2</NbOfTxs>" in document
    assert b"<SvcLvl>" not in document  # the SEPA service level is for euros only: a zloty file drops it
    assert b"<Id>NOTPROVIDED</Id>" in document  # the payer's bank, without a BIC


def test_an_invalid_account_makes_no_file_and_changes_nothing(client, auth, db, approved):
    approved["payments"][1].bank_account = "PL27114020040000300201355388"
    db.session.commit()
    auth.login(approved["officer"].email)
    response = _export(client, auth, "elixir")
    assert response.status_code == 303
    assert "is not valid" in client.get("/payments/batches/").get_data(as_text=True)
    assert _statuses(db, approved["payments"]) == ["approved", "approved"]
    assert db.session.scalar(select(func.count()).select_from(PaymentBatch)) == 0


def test_a_storage_or_database_failure_leaves_no_half_export(app, db, approved, monkeypatch):
    officer, payments = approved["officer"], approved["payments"]
    storage = get_storage()

    def unavailable(*args, **kwargs):
        raise StorageError("the storage is down")

    with monkeypatch.context() as patch:
        patch.setattr(type(storage), "put", unavailable)
        with pytest.raises(Refusal) as caught:
            batches.export("elixir", officer)
        assert "could not be stored" in caught.value.text("en")
    db.session.rollback()
    assert _statuses(db, payments) == ["approved", "approved"]
    real_fire_many = batches.fire_many

    def failing_after_the_payments(batch, trigger, actor, **kwargs):
        real_fire_many(batch, trigger, actor, **kwargs)  # the payments are marked exported, then the database fails
        raise RuntimeError("the database went away")

    monkeypatch.setattr(batches, "fire_many", failing_after_the_payments)
    with pytest.raises(RuntimeError):
        batches.export("elixir", officer)
    db.session.rollback()
    assert _statuses(db, payments) == ["approved", "approved"]
    assert db.session.scalar(select(func.count()).select_from(PaymentBatch)) == 0
    assert storage.keys("bank-files/") == []  # the file it had stored went with the payments


def test_a_payment_sent_to_the_bank_is_confirmed_paid_with_the_day_and_reference(client, auth, db, approved):
    auth.login(approved["officer"].email)
    _export(client, auth, "elixir")
    payment = approved["payments"][0]
    page = f"/payments/{payment.id}"
    bare = client.post(f"{page}/actions/confirm_paid", data={"csrf_token": csrf_token(client, page),
                                                             "version": db.session.get(Payment, payment.id).version})
    assert bare.status_code == 422  # never without what the bank confirmed
    future = auth.post(f"{page}/paid", {"paid_on": (date.today() + timedelta(days=2)).isoformat(), "reference": "X"},
                       token_from=page)
    assert future.status_code == 303 and _statuses(db, [payment]) == ["exported"]
    before = auth.post(f"{page}/paid", {"paid_on": "2020-01-01", "reference": "X"}, token_from=page)
    assert before.status_code == 303 and _statuses(db, [payment]) == ["exported"]
    assert "cannot have paid it before" in client.get(page).get_data(as_text=True)
    done = auth.post(f"{page}/paid", {"paid_on": date.today().isoformat(), "reference": "ELX/2026/123"},
                     token_from=page)
    assert done.status_code == 303
    db.session.expire_all()
    paid = db.session.get(Payment, payment.id)
    assert paid.status == "paid" and paid.paid_on == date.today() and paid.bank_reference == "ELX/2026/123"
