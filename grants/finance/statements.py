"""Bank statements: MT940 (parsed with the mt-940 library) or camt.053 (ISO 20022 XML) of the operator's account.
Each line that pays out an exported payment (its PMST-<id> reference in the title, the same amount, and the
grantee's account where the bank gives it) marks that payment paid with the line's date and the bank's reference;
the rest are listed for a person to resolve. The same statement file is imported once.
"""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from grants.auth.models import User
from grants.engine.core import fire, fire_many
from grants.errors import Refusal
from grants.extensions import db
from grants.finance.models import Payment, StatementImport, StatementLine
from grants.identifiers import normalise_bank_account
from grants.locking import mark_locked
from grants.services import audit
from grants.types import utcnow

REFERENCE = re.compile(r"PMST-(\d+)")
ACCOUNT = re.compile(r"\b(?:PL)?\d{26}\b")
MAX_SIZE = 20 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    booked_on: date
    amount: Decimal  # positive: what left (or reached) the account
    details: str
    bank_reference: str | None
    account: str | None
    debit: bool | None = None  # out of the account (a transfer we sent), or in (None: not said)


def readable(details: str) -> str:
    """An MT940 line's text as a person reads it: the title (subfields ~20–~25) and the other party's name
    (~32, ~33), without the bank's codes; other texts as they are."""
    if "~" not in details:
        return details
    parts = re.split(r"~(\d\d)", details)
    fields = dict(zip(parts[1::2], parts[2::2]))
    title = "".join(fields.get(f"{n}", "") for n in range(20, 26)).strip()
    name = "".join(fields.get(f"{n}", "") for n in (32, 33)).strip()
    return " · ".join(part for part in (title, name) if part) or details


def parse_mt940(data: bytes) -> list[Line]:
    import mt940

    text = data.decode("utf-8", errors="replace") if data[:3] == b"\xef\xbb\xbf" else data.decode("cp1250", "replace")
    if not re.search(r"^:(20|25):", text.lstrip("\ufeff"), re.MULTILINE):
        raise ValueError("no MT940 statement header")
    lines = []
    for transaction in mt940.parse(text.lstrip("\ufeff")):
        d = transaction.data
        details = d.get("transaction_details") or ""
        found = ACCOUNT.search(details.replace(" ", ""))
        amount = Decimal(d["amount"].amount)
        lines.append(Line(date(d["date"].year, d["date"].month, d["date"].day), abs(amount),
                          details, d.get("bank_reference") or None, found.group(0) if found else None, amount < 0))
    return lines


def parse_camt053(data: bytes) -> list[Line]:
    """Entries of a camt.053 statement (any version: the namespace is ignored)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ValueError(str(error)) from None

    def local(element) -> str:
        return element.tag.rsplit("}", 1)[-1]

    def find(element, *path):
        for name in path:
            element = next((child for child in element if local(child) == name), None)
            if element is None:
                return None
        return element

    lines = []
    for entry in (e for e in root.iter() if local(e) == "Ntry"):
        amount, booked = find(entry, "Amt"), find(entry, "BookgDt", "Dt")
        details = " ".join(t.text or "" for t in entry.iter() if local(t) == "Ustrd")
        iban = next((t.text for t in entry.iter() if local(t) == "IBAN"), None)
        reference, direction = find(entry, "AcctSvcrRef"), find(entry, "CdtDbtInd")
        if amount is None or booked is None:
            continue
        lines.append(Line(date.fromisoformat(booked.text[:10]), abs(Decimal(amount.text)), details,
                          reference.text if reference is not None else None, iban,
                          None if direction is None else direction.text == "DBIT"))
    if not lines and local(root) != "Document":
        raise ValueError("not a camt.053 document")
    return lines


def _referenced(lines: list[Line]) -> dict[int, Payment]:
    """The payments the lines name, in one query, locked (each is paid at most once, whoever reads it too)."""
    ids = {int(found.group(1)) for line in lines if (found := REFERENCE.search(line.details))}
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Payment).where(Payment.id.in_(ids)).order_by(Payment.id)
                                                 .with_for_update())}


def _match(line: Line, payments: dict[int, Payment]) -> Payment | None:
    found = REFERENCE.search(line.details)
    if not found:
        return None
    payment = payments.get(int(found.group(1)))
    if payment is None or payment.status != "exported" or Decimal(payment.amount) != line.amount:
        return None
    if line.account and normalise_bank_account(line.account)[-26:] != normalise_bank_account(
            payment.bank_account or "")[-26:]:
        return None
    return payment


def import_statement(data: bytes, filename: str, actor: User) -> StatementImport:
    """Match every line; mark matched payments paid. Refused whole if the file cannot be read or was imported."""
    if not data or len(data) > MAX_SIZE:
        raise Refusal(_l("The statement is empty or too large."), status=422)
    kind = "camt053" if data.lstrip()[:1] == b"<" else "mt940"
    try:
        lines = parse_camt053(data) if kind == "camt053" else parse_mt940(data)
    except (ValueError, KeyError, AttributeError, TypeError) as error:
        raise Refusal(_l("This file cannot be read as an MT940 or camt.053 statement."), status=422) from error
    record = StatementImport(format=kind, filename=(filename or "statement")[:255],
                             sha256=hashlib.sha256(data).hexdigest(), lines=len(lines), created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        raise Refusal(_l("This statement was imported already; nothing was changed."), status=409) from None
    payments, paid = _referenced(lines), {}
    for payment in payments.values():
        mark_locked(payment)
    rows = []
    for line in lines:
        payment = _match(line, payments)
        if payment is not None and payment.id not in paid:  # another line of this file may have paid it
            paid[payment.id] = (payment, {"paid_on": line.booked_on.isoformat(),
                                          "bank_reference": (line.bank_reference or f"{kind}:{record.id}")[:100]})
        else:
            payment = None
        rows.append({"import_id": record.id, "booked_on": line.booked_on, "amount": line.amount,
                     "details": line.details[:2000], "account": line.account, "bank_reference": line.bank_reference,
                     "payment_id": getattr(payment, "id", None), "debit": line.debit})
    fire_many(list(paid.values()), "confirm_paid", actor)
    if rows:
        db.session.execute(insert(StatementLine), rows)
    record.matched = len(paid)
    audit.record("finance:statement:imported", actor=actor, obj=record,
                 data={"format": kind, "sha256": record.sha256, "lines": len(lines), "matched": record.matched})
    return record


def unmatched(limit: int = 200) -> list[StatementLine]:
    """Lines no payment matched that nobody has resolved yet."""
    return list(db.session.scalars(select(StatementLine).where(StatementLine.payment_id.is_(None),
                                                               StatementLine.resolved_at.is_(None))
                                   .order_by(StatementLine.booked_on.desc(), StatementLine.id.desc()).limit(limit)))


def candidates(lines: list[StatementLine]) -> dict[Decimal, list[Payment]]:
    """Payments sent to the bank and not yet confirmed, by amount: what each line may have paid (one query)."""
    amounts = {line.amount for line in lines}
    found: dict[Decimal, list[Payment]] = {}
    if amounts:
        for payment in db.session.scalars(select(Payment).where(Payment.status == "exported",
                                                                Payment.amount.in_(amounts)).order_by(Payment.id)):
            found.setdefault(Decimal(payment.amount), []).append(payment)
    return found


def resolve(line_id: int, actor: User, payment_id: int | None = None, note: str | None = None,
            now: datetime | None = None) -> StatementLine:
    """A person resolves a line: it paid this exported payment (confirmed paid with the line's day and reference),
    or it is not a payment of ours (set aside with a note)."""
    line = db.session.scalar(select(StatementLine).where(StatementLine.id == line_id).with_for_update())
    if line is None:
        raise Refusal(_l("No such statement line."), status=404)
    if line.payment_id is not None or line.resolved_at is not None:
        raise Refusal(_l("This line is resolved already."), status=409)
    note = (note or "").strip() or None
    if payment_id is not None:
        payment = db.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
        if payment is None or payment.status != "exported" or Decimal(payment.amount) != Decimal(line.amount):
            raise Refusal(_l("Choose a payment sent to the bank for exactly this amount."), status=422)
        mark_locked(payment)
        fire(payment, "confirm_paid", actor, note, paid_on=line.booked_on.isoformat(),
             bank_reference=(line.bank_reference or f"statement:{line.import_id}:{line.id}")[:100])
        line.payment_id = payment.id
        db.session.get(StatementImport, line.import_id).matched += 1
    elif note is None:
        raise Refusal(_l("Say why the line is not a payment of ours, or choose the payment it paid."), status=422)
    else:
        audit.record("finance:statement:line_set_aside", actor=actor, obj=line,
                     data={"import": line.import_id, "amount": str(line.amount), "note": note})
    line.resolved_at, line.resolved_by_id, line.resolution_note = now or utcnow(), actor.id, note
    return line


def resolved(limit: int = 20) -> list[StatementLine]:
    """Lines people resolved, newest first: what each paid, or why it was set aside, and who said so."""
    return list(db.session.scalars(select(StatementLine).where(StatementLine.resolved_at.is_not(None))
                                   .order_by(StatementLine.resolved_at.desc()).limit(limit)))


def imports(limit: int = 20) -> list[StatementImport]:
    return list(db.session.scalars(select(StatementImport).order_by(StatementImport.id.desc()).limit(limit)))
