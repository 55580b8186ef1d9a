"""Bank statements: MT940 and camt.053 lines that pay an exported payment mark it paid; the rest are listed; a
statement is read once; a file that is not a statement changes nothing."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.finance.models import Payment, StatementImport, StatementLine
from tests import factories
from tests.conftest import csrf_token

ACCOUNTS = ("PL61109010140000071219812874", "PL27114020040000300201355387")


@pytest.fixture
def exported(db):
    officer = factories.user(Role.FINANCE_OFFICER, locale="en")
    made = factories.payments("exported", accounts=ACCOUNTS, prefix="S")
    factories.db.session.commit()
    return {"officer": officer, "payments": made}


def _mt940(payment: Payment, amount: str, reference: str = "ELX/1") -> bytes:
    return (f""":20:STMT
:25:/PL10105000997603123456789123
:28C:1/1
:60F:C261201PLN100000,00
:61:2612031203D{amount}NTRFNONREF//{reference}
:86:020~00FMCT~20PMST-{payment.id} UM/2026/0001~21zaliczka~3010901014~38{payment.bank_account}
:61:2612031203C150,00NTRFNONREF//IN/7
:86:020~00FMCT~20Darowizna od mieszkancow
:62F:C261203PLN36000,00
-""").encode("cp1250")


def _camt(payment: Payment, amount: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
<Amt Ccy="PLN">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-12-04</Dt></BookgDt>
<AcctSvcrRef>CAMT/9</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><CdtrAcct><Id><IBAN>{payment.bank_account}</IBAN></Id>
</CdtrAcct></RltdPties><RmtInf><Ustrd>PMST-{payment.id} pakiet</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()


def _upload(client, data: bytes, name: str):
    page = "/payments/batches/"
    return client.post("/payments/statements", data={"csrf_token": csrf_token(client, page),
                                                      "statement": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_an_mt940_line_pays_its_payment_the_rest_is_listed_and_a_statement_is_read_once(client, auth, db, exported):
    first, second = exported["payments"]
    auth.login(exported["officer"].email)
    statement = _mt940(first, "64000,00")
    assert _upload(client, statement, "wyciag.sta").status_code == 303
    db.session.expire_all()
    paid = db.session.get(Payment, first.id)
    assert paid.status == "paid" and paid.paid_on == date(2026, 12, 3) and paid.bank_reference == "ELX/1"
    assert db.session.get(Payment, second.id).status == "exported"
    page = client.get("/payments/batches/").get_data(as_text=True)
    assert 'data-testid="unmatched"' in page and "Darowizna od mieszkancow" in page
    assert _upload(client, statement, "wyciag-znowu.sta").status_code == 303
    assert "imported already" in client.get("/payments/batches/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 1
    assert db.session.scalar(select(func.count()).select_from(StatementLine)) == 2


def test_a_camt053_line_pays_its_payment_and_a_wrong_amount_does_not(client, auth, db, exported):
    first, second = exported["payments"]
    auth.login(exported["officer"].email)
    assert _upload(client, _camt(first, "63999.99"), "camt-1.xml").status_code == 303  # a grosz short
    assert _upload(client, _camt(second, "4800.50"), "camt-2.xml").status_code == 303
    db.session.expire_all()
    assert db.session.get(Payment, first.id).status == "exported"
    paid = db.session.get(Payment, second.id)
    assert paid.status == "paid" and paid.paid_on == date(2026, 12, 4) and paid.bank_reference == "CAMT/9"


def test_a_file_that_is_not_a_statement_changes_nothing(client, auth, db, exported):
    auth.login(exported["officer"].email)
    assert _upload(client, b"%PDF-1.7 not a statement", "wyciag.pdf").status_code == 303
    assert "cannot be read as an MT940 or camt.053" in client.get("/payments/batches/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 0
    db.session.expire_all()
    assert [db.session.get(Payment, p.id).status for p in exported["payments"]] == ["exported", "exported"]


def test_a_person_resolves_the_lines_no_payment_matched(client, auth, db, exported):
    """A line whose title lost our reference is linked to the payment it paid; a donation is set aside."""
    first, second = exported["payments"]
    auth.login(exported["officer"].email)
    statement = _mt940(first, "64000,00").replace(f"PMST-{first.id}".encode(), b"zaliczka dla spoldzielni")
    assert _upload(client, statement, "wyciag.sta").status_code == 303
    lines = {line.amount: line for line in db.session.scalars(select(StatementLine))}
    lost, donation = lines[64000], lines[150]
    page = client.get("/payments/batches/").get_data(as_text=True)
    assert f'<option value="{first.id}">PMST-{first.id}' in page and f'value="{second.id}"' not in page  # by amount
    assert "Darowizna od mieszkancow" in page and "~20Darowizna" not in page  # the title, not the bank's codes
    assert [line.debit for line in (lost, donation)] == [True, False]  # the grant went out, the donation came in
    page_path = "/payments/batches/"
    wrong = auth.post(f"/payments/statement-lines/{lost.id}", {"payment": str(second.id)}, token_from=page_path)
    assert wrong.status_code == 303 and "exactly this amount" in client.get(page_path).get_data(as_text=True)
    no_note = auth.post(f"/payments/statement-lines/{donation.id}", {"note": ""}, token_from=page_path)
    assert no_note.status_code == 303 and "Say why" in client.get(page_path).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payment, second.id).status == "exported"
    assert auth.post(f"/payments/statement-lines/{lost.id}", {"payment": str(first.id)},
                     token_from=page_path).status_code == 303
    assert auth.post(f"/payments/statement-lines/{donation.id}", {"note": "Darowizna, nie płatność."},
                     token_from=page_path).status_code == 303
    db.session.expire_all()
    paid = db.session.get(Payment, first.id)
    assert paid.status == "paid" and paid.paid_on == date(2026, 12, 3) and paid.bank_reference == "ELX/1"
    after = client.get(page_path).get_data(as_text=True)
    assert 'data-testid="unmatched"' not in after  # nothing left to resolve; what was done stays readable:
    assert f"PMST-{first.id}</a>" in after and "set aside: Darowizna, nie płatność." in after
    assert db.session.scalars(select(StatementImport)).one().matched == 1
    again = auth.post(f"/payments/statement-lines/{lost.id}", {"payment": str(first.id)}, token_from=page_path)
    assert again.status_code == 303 and "resolved already" in client.get(page_path).get_data(as_text=True)
    assert db.session.get(StatementLine, donation.id).resolution_note == "Darowizna, nie płatność."
