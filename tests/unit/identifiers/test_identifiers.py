"""grants.identifiers: NIP, REGON, KRS, PESEL and bank accounts checked against the published algorithms."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from wtforms.validators import ValidationError

from grants.identifiers import (
    BankAccountValidator,
    KrsValidator,
    NipValidator,
    PeselValidator,
    RegonValidator,
    compact_digits,
    normalise_bank_account,
    pesel_birth_date,
    valid_bank_account,
    valid_krs,
    valid_nip,
    valid_pesel,
    valid_regon,
)

# --- the published check-digit algorithms, written out independently of python-stdnum ---------------

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
REGON9_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)
REGON14_WEIGHTS = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# PESEL adds this to the month of birth to tell the century.
PESEL_MONTH_OFFSET = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}
DIGITS = "0123456789"


def weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def nip_check(body: str) -> str | None:
    """The tenth digit of a NIP; None when the remainder is 10 (no NIP has that body)."""
    rest = weighted(body, NIP_WEIGHTS) % 11
    return None if rest == 10 else str(rest)


def regon_check(body: str) -> str:
    """The last digit of a 9- or 14-digit REGON: remainder mod 11, with 10 written as 0."""
    return str(weighted(body, REGON9_WEIGHTS if len(body) == 8 else REGON14_WEIGHTS) % 11 % 10)


def regon_is_valid(number: str) -> bool:
    if len(number) == 9:
        return number[-1] == regon_check(number[:-1])
    return number[8] == regon_check(number[:8]) and number[-1] == regon_check(number[:-1])


def pesel_check(body: str) -> str:
    return str(-weighted(body, PESEL_WEIGHTS) % 10)


def pesel_for(born: date, serial: str) -> str:
    body = f"{born.year % 100:02d}{born.month + PESEL_MONTH_OFFSET[born.year // 100]:02d}{born.day:02d}{serial}"
    return body + pesel_check(body)


def iban_check(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 − (BBAN + country + '00', letters as 10…35) mod 97."""
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    return f"{98 - number % 97:02d}"


def digits(n: int):
    return st.text(alphabet=DIGITS, min_size=n, max_size=n)


nips = digits(9).filter(lambda body: nip_check(body) is not None).map(lambda body: body + nip_check(body))
regons9 = digits(8).map(lambda body: body + regon_check(body))
regons14 = st.tuples(regons9, digits(4)).map(lambda p: p[0] + p[1]).map(lambda body: body + regon_check(body))
birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=date(2299, 12, 31))
pesels = st.builds(pesel_for, birth_dates, digits(4))
nrbs = digits(24).map(lambda bban: iban_check("PL", bban) + bban)  # a Polish NRB is the IBAN without 'PL'


@st.composite
def one_digit_changed(draw, numbers):
    number = draw(numbers)
    at = draw(st.integers(0, len(number) - 1))
    other = draw(st.sampled_from([d for d in DIGITS if d != number[at]]))
    return number[:at] + other + number[at + 1:]


def every_completion(body: str) -> list[str]:
    return [body + d for d in DIGITS]


# --- NIP ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["1234563218", "123-456-32-18", "123 456 32 18", "5260250274"])
def test_nip_examples_are_accepted(value):
    assert valid_nip(value)


@given(nips)
def test_every_nip_with_its_check_digit_is_accepted(number):
    assert valid_nip(number)


@given(one_digit_changed(nips))
def test_a_nip_with_one_digit_changed_is_refused(number):
    assert not valid_nip(number)


def test_a_nip_body_with_remainder_10_has_no_valid_completion():
    body = "123456708"
    assert weighted(body, NIP_WEIGHTS) % 11 == 10
    assert not any(valid_nip(n) for n in every_completion(body))


@pytest.mark.parametrize("value", ["", None, "123456321", "12345632180", "12345632l8"])
def test_nip_of_wrong_length_or_characters_is_refused(value):
    assert not valid_nip(value)


# --- REGON -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["123456785", "12345678512347"])
def test_regon_examples_are_accepted(value):
    assert valid_regon(value)


@given(st.one_of(regons9, regons14))
def test_every_regon_with_its_check_digits_is_accepted(number):
    assert valid_regon(number)


@given(one_digit_changed(st.one_of(regons9, regons14)))
@example("123456784")  # the example REGON with its check digit changed
@example("12345678512348")
@example("12346678512347")  # 14 digits: weight 0 there, so only the embedded 9-digit check catches it
def test_a_changed_regon_is_accepted_only_when_the_algorithm_says_so(number):
    # Mod 11 folded to one digit (10 → 0) misses a few single-digit errors; the check must match it exactly.
    assert valid_regon(number) == regon_is_valid(number)


def test_a_regon_whose_remainder_is_10_ends_in_0():
    body = "12345616"
    assert weighted(body, REGON9_WEIGHTS) % 11 == 10
    assert [n for n in every_completion(body) if valid_regon(n)] == [body + "0"]


def test_a_14_digit_regon_needs_its_9_digit_prefix_valid():
    body = "123456784" + "1234"  # the 9-digit prefix has a wrong check digit
    assert valid_regon(body + regon_check(body)) is False


@pytest.mark.parametrize("value", ["", None, "12345678", "1234567850", "1234567851234", "123456785123470"])
def test_regon_of_other_lengths_is_refused(value):
    assert not valid_regon(value)


# --- KRS (no check digit) ------------------------------------------------------------------------------

@given(digits(10))
def test_any_ten_digits_are_a_krs_number(number):
    assert valid_krs(number)


@pytest.mark.parametrize("value", ["0000012345", "0000 012 345", "000-001-2345"])
def test_krs_may_be_written_with_separators(value):
    assert valid_krs(value)


@pytest.mark.parametrize("value", ["", None, "12345", "000012345", "00000123456", "00000A2345"])
def test_krs_that_is_not_ten_digits_is_refused(value):
    assert not valid_krs(value)


# --- PESEL -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, born", [("44051401359", date(1944, 5, 14)), ("02070803628", date(1902, 7, 8))])
def test_pesel_examples_are_accepted_with_their_birth_date(value, born):
    assert valid_pesel(value)
    assert pesel_birth_date(value) == born


@given(birth_dates, digits(4))
@example(date(1800, 1, 1), "0000")
@example(date(1899, 12, 31), "9999")
@example(date(2000, 2, 29), "1234")
@example(date(2299, 12, 31), "5678")
def test_every_pesel_is_accepted_and_gives_back_its_birth_date_in_any_century(born, serial):
    number = pesel_for(born, serial)
    assert valid_pesel(number)
    assert pesel_birth_date(number) == born


@given(one_digit_changed(pesels))
def test_a_pesel_with_one_digit_changed_is_refused(number):
    assert not valid_pesel(number)


@pytest.mark.parametrize("yymmdd", [
    "000229",  # 1900 was not a leap year
    "010229",  # nor 1901
    "230230",  # 30 February
    "231301",  # month 13 is no century's month
    "230132",  # 32 January
    "230100",  # day 0
    "239901",  # month 99
])
def test_a_pesel_with_an_impossible_birth_date_is_refused_even_with_the_right_check_digit(yymmdd):
    body = yymmdd + "1234"
    assert not valid_pesel(body + pesel_check(body))


def test_a_pesel_born_on_29_february_2000_is_accepted():
    assert valid_pesel(pesel_for(date(2000, 2, 29), "0001"))
    assert pesel_for(date(2000, 2, 29), "0001").startswith("002229")


@pytest.mark.parametrize("value", ["", None, "4405140135", "440514013590", "4405140135X"])
def test_pesel_of_wrong_length_or_characters_is_refused(value):
    assert not valid_pesel(value)


# --- bank accounts: IBAN or Polish NRB, mod 97 -----------------------------------------------------------

@pytest.mark.parametrize("value", [
    "PL61109010140000071219812874",
    "PL61 1090 1014 0000 0712 1981 2874",
    "pl61 1090 1014 0000 0712 1981 2874",
    "61109010140000071219812874",  # NRB: the IBAN without the country code
    "61 1090 1014 0000 0712 1981 2874",
    "DE89370400440532013000",  # an IBAN of another country
    "GB82 WEST 1234 5698 7654 32",
])
def test_bank_account_examples_are_accepted(value):
    assert valid_bank_account(value)


@given(nrbs)
def test_every_nrb_and_its_iban_are_accepted(nrb):
    assert valid_bank_account(nrb)
    assert valid_bank_account("PL" + nrb)
    assert normalise_bank_account(nrb) == "PL" + nrb


@given(one_digit_changed(nrbs))
def test_an_account_with_one_digit_changed_is_refused(nrb):
    assert not valid_bank_account(nrb)
    assert not valid_bank_account("PL" + nrb)


@pytest.mark.parametrize("value", [
    "", None, "   ",
    "PL6110901014000007121981287",  # 25 digits after PL
    "6110901014000007121981287",  # 25-digit "NRB"
    "DE61109010140000071219812874",  # a Polish account under another country's code
    "XX61109010140000071219812874",
])
def test_bank_account_of_wrong_shape_is_refused(value):
    assert not valid_bank_account(value)


@pytest.mark.parametrize("value, expected", [
    ("61 1090 1014 0000 0712 1981 2874", "PL61109010140000071219812874"),
    ("pl61 1090 1014 0000 0712 1981 2874", "PL61109010140000071219812874"),
    ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
    ("", ""),
    (None, ""),
])
def test_normalise_bank_account(value, expected):
    assert normalise_bank_account(value) == expected


# --- compaction: what the organisation columns store ---------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("123-456-32-18", "1234563218"),
    (" 0000 012 345 ", "0000012345"),
    ("12345678512347", "12345678512347"),
    ("", ""),
    (None, ""),
])
def test_compact_digits_drops_separators(value, expected):
    assert compact_digits(value) == expected


@given(st.one_of(nips, regons9, regons14), st.sampled_from([" ", "-"]))
def test_a_valid_number_written_with_separators_compacts_to_its_digits(number, separator):
    written = separator.join(number[i:i + 3] for i in range(0, len(number), 3))
    assert compact_digits(written) == number


@pytest.mark.parametrize("check, value", [
    (valid_nip, "PL 123-456-32-18"),
    (valid_nip, "１２３４５６３２１８"),
    (valid_regon, "１２３４５６７８５"),
    (valid_krs, "000000001²"),
])
def test_an_accepted_number_compacts_to_plain_ascii_digits(check, value):
    assert check(value)
    stored = compact_digits(value)
    assert stored.isascii() and stored.isdigit(), stored


# --- the WTForms validators ------------------------------------------------------------------------------

VALIDATORS = [
    (NipValidator, "1234563218", "1234563217", "This NIP is not valid (check the digits)."),
    (RegonValidator, "123456785", "123456784", "This REGON is not valid (9 or 14 digits, check the digits)."),
    (KrsValidator, "0000012345", "000012345", "A KRS number has 10 digits."),
    (PeselValidator, "44051401359", "44051401358", "This PESEL is not valid (check the digits)."),
    (BankAccountValidator, "PL61109010140000071219812874", "PL61109010140000071219812875",
     "This bank account number is not valid (IBAN or 26-digit NRB)."),
]


@pytest.mark.parametrize("validator, valid, invalid, message", VALIDATORS)
def test_validator_refuses_an_invalid_number_with_its_message(validator, valid, invalid, message):
    validator(None, SimpleNamespace(data=valid))
    with pytest.raises(ValidationError) as refused:
        validator(None, SimpleNamespace(data=invalid))
    assert str(refused.value) == message


@pytest.mark.parametrize("validator", [v[0] for v in VALIDATORS])
@pytest.mark.parametrize("empty", ["", None])
def test_validator_leaves_an_empty_field_to_optional_or_required(validator, empty):
    field = SimpleNamespace(data=empty, errors=[])
    assert validator(None, field) is None  # an empty field raises no ValidationError of its own
    assert field.data == empty and field.errors == []


@pytest.mark.parametrize("value", ["PL44051401359", "440514.01359", "440514-01359", "4405140135O"])
def test_a_pesel_with_anything_but_its_digits_is_refused(value):
    """A review found 'PL…' and '….…' forms of a valid PESEL accepted, then a 500 (the birth date, the column)."""
    assert valid_pesel("44051401359")
    assert not valid_pesel(value)


@pytest.mark.parametrize("written", [" 44051401359 ", "４４０５１４０１３５９", "440514 01359"])
def test_an_accepted_pesel_is_stored_as_its_eleven_ascii_digits(written):
    from grants.identifiers import compact_pesel

    assert valid_pesel(written)
    assert compact_pesel(written) == "44051401359"
