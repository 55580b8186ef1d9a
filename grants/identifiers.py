"""Polish identifiers, checked by their check digits (python-stdnum), as WTForms validators too."""
from __future__ import annotations

import unicodedata
from datetime import date
from typing import Callable

from flask_babel import lazy_gettext as _l
from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip, pesel, regon
from wtforms.validators import ValidationError

ADULT_AGE = 18


def age_on(birth_date: date, day: date) -> int:
    """Full years of a person born on birth_date, on the given day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def compact_digits(value: str) -> str:
    """A NIP, REGON or KRS as it is stored: plain ASCII digits, whatever way it was written (separators, the
    'PL' VAT prefix, full-width or superscript digits). What the validators below check is exactly this."""
    text = unicodedata.normalize("NFKC", value or "")  # full-width ２ and superscript ² become 2
    compact = "".join(ch for ch in text if ch.isalnum()).upper()
    return compact[2:] if compact.startswith("PL") else compact


def _ascii_digits(value: str) -> str | None:
    digits = compact_digits(value)
    return digits if digits.isascii() and digits.isdigit() else None


def valid_nip(value: str) -> bool:
    digits = _ascii_digits(value)
    return digits is not None and nip.is_valid(digits)


def valid_regon(value: str) -> bool:
    digits = _ascii_digits(value)
    return digits is not None and regon.is_valid(digits)  # 9 or 14 digits


def valid_krs(value: str) -> bool:
    # The KRS number has no check digit: ten digits, zero-padded.
    digits = _ascii_digits(value)
    return digits is not None and len(digits) == 10


def compact_pesel(value: str | None) -> str | None:
    """A PESEL as it is stored: its digits as typed (full-width ones made plain), without spaces; nothing
    else is dropped, so whatever else was typed makes it invalid rather than silently shortened."""
    return None if value is None else "".join(unicodedata.normalize("NFKC", value).split())


def valid_pesel(value: str) -> bool:
    digits = compact_pesel(value or "")
    return digits.isascii() and digits.isdigit() and pesel.is_valid(digits)


def pesel_birth_date(value: str) -> date:
    return pesel.get_birth_date(value)


def normalise_bank_account(value: str) -> str:
    """IBAN in compact form; a bare 26-digit Polish NRB becomes PL + NRB."""
    compact = iban.compact(value or "")
    if compact.isdigit() and len(compact) == 26:
        compact = "PL" + compact
    return compact


def valid_bank_account(value: str) -> bool:
    """IBAN, or a Polish NRB (the IBAN without 'PL'); both checked mod 97."""
    try:
        iban.validate(normalise_bank_account(value))
    except StdnumError:
        return False
    return bool(value)


def _validator(check: Callable[[str], bool], message) -> Callable:
    def validate(form, field) -> None:
        if field.data and not check(field.data):
            raise ValidationError(message)
    return validate


NipValidator = _validator(valid_nip, _l("This NIP is not valid (check the digits)."))
RegonValidator = _validator(valid_regon, _l("This REGON is not valid (9 or 14 digits, check the digits)."))
KrsValidator = _validator(valid_krs, _l("A KRS number has 10 digits."))
PeselValidator = _validator(valid_pesel, _l("This PESEL is not valid (check the digits)."))
BankAccountValidator = _validator(valid_bank_account,
                                  _l("This bank account number is not valid (IBAN or 26-digit NRB)."))
