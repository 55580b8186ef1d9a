"""Bank files of approved payments: Elixir-O (the Polish domestic format, amounts in grosze, Windows-1250, one
line per transfer) and SEPA credit transfers (pain.001.001.03 XML, made by sepaxml).

A file is made only if every account validates and its total equals the sum of its payments; the caller stores
the bytes, so downloading a batch again gives the same file.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from grants.errors import Refusal
from grants.identifiers import normalise_bank_account, valid_bank_account

FORMATS = {"elixir": ("Elixir-O", "text/plain; charset=windows-1250", "pli"),
           "sepa": ("SEPA pain.001.001.03", "application/xml", "xml")}


@dataclass(frozen=True)
class Payer:
    name: str
    account: str
    bic: str | None = None


@dataclass(frozen=True)
class Transfer:
    """One payment as a bank file carries it."""

    reference: str  # ours, in the title, so a statement line can be matched back
    amount: Decimal
    account: str
    name: str
    title: str
    execution: date


def grosze(amount: Decimal) -> int:
    cents = amount * 100
    if cents != cents.to_integral_value() or cents <= 0:
        raise ValueError(f"not a positive amount in grosze: {amount}")
    return int(cents)


def check(transfers: list[Transfer], payer: Payer) -> None:
    """Every account validates and every amount is a positive sum of grosze, or nothing is made."""
    bad = [t.reference for t in transfers if not valid_bank_account(t.account)]
    if not valid_bank_account(payer.account):
        raise Refusal(_l("The operator's own account for bank files is not valid: an administrator sets it."),
                      status=409)
    if bad:
        raise Refusal(_l("No file is made: the account of %(which)s is not valid.", which=", ".join(bad)), status=409)
    for transfer in transfers:
        grosze(transfer.amount)


def _nrb(account: str) -> str:
    """The 26 digits of a Polish account (the IBAN without PL)."""
    compact = normalise_bank_account(account)
    if not compact.startswith("PL"):
        raise Refusal(_l("Elixir-O carries Polish accounts only; use a SEPA file for %(account)s.", account=account),
                      status=409)
    return compact[2:]


def _lines(text: str, width: int = 35, count: int = 4) -> str:
    """Up to four lines of 35 characters joined by |, without the characters the format reserves."""
    clean = re.sub(r'["|,\r\n]+', " ", text).strip()
    parts = textwrap.wrap(clean, width)[:count] or [""]
    return "|".join(parts + [""] * (count - len(parts)))


def elixir(transfers: list[Transfer], payer: Payer) -> bytes:
    """One `110` record per transfer, CRLF, encoded in Windows-1250 (characters it lacks become '?')."""
    check(transfers, payer)
    sender = _nrb(payer.account)
    records = []
    for t in transfers:
        recipient = _nrb(t.account)
        fields = ["110", t.execution.strftime("%Y%m%d"), str(grosze(t.amount)), sender[2:10], "0",
                  f'"{sender}"', f'"{recipient}"', f'"{_lines(payer.name)}"', f'"{_lines(t.name)}"', "0",
                  recipient[2:10], f'"{_lines(t.reference + " " + t.title)}"', '""', '""', '"51"']
        records.append(",".join(fields))
    return ("\r\n".join(records) + "\r\n").encode("cp1250", errors="replace")


def sepa(transfers: list[Transfer], payer: Payer, currency: str = "PLN") -> bytes:
    """pain.001.001.03 with one payment information block per execution date."""
    from sepaxml import SepaTransfer

    check(transfers, payer)
    config = {"name": payer.name[:70], "IBAN": normalise_bank_account(payer.account), "batch": True,
              "currency": currency}
    if payer.bic:
        config["BIC"] = payer.bic
    document = SepaTransfer(config, clean=True)
    for t in transfers:
        document.add_payment({"name": t.name[:70], "IBAN": normalise_bank_account(t.account),
                              "amount": grosze(t.amount), "execution_date": t.execution,
                              "description": f"{t.reference} {t.title}"[:140], "endtoend_id": t.reference[:35]})
    return _domestic(document.export(validate=False), currency, payer.bic)


def _domestic(xml: bytes, currency: str, bic: str | None) -> bytes:
    """sepaxml writes the SEPA service level, which only euro transfers may carry: a transfer in another
    currency (zloty) drops it, and a payer without a BIC names its bank NOTPROVIDED, as banks ask."""
    import xml.etree.ElementTree as ET

    namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
    ET.register_namespace("", namespace)
    root = ET.fromstring(xml)
    q = f"{{{namespace}}}"
    for info in root.iter(f"{q}PmtInf"):
        kind = info.find(f"{q}PmtTpInf")
        if kind is not None and currency != "EUR":
            info.remove(kind)
        agent = info.find(f"{q}DbtrAgt/{q}FinInstnId")
        if agent is not None and not bic and not list(agent):
            other = ET.SubElement(agent, f"{q}Othr")
            ET.SubElement(other, f"{q}Id").text = "NOTPROVIDED"
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def total(transfers: list[Transfer]) -> Decimal:
    return sum((t.amount for t in transfers), Decimal(0))
