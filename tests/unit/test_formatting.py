"""Amounts are written exactly as Babel writes them, in both languages and for any currency, and the
forms' own messages (wtforms') follow the request's language."""
from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.ui import money

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False,
                      places=4)


@settings(max_examples=400, deadline=None)
@given(amount=amounts, currency=st.sampled_from(["PLN", "EUR", "USD", "JPY", "BHD", "CHF"]),
       locale=st.sampled_from(["pl", "en"]))
def test_money_is_babels_currency_format(amount, currency, locale):
    assert money(amount, currency, locale) == format_currency(amount, currency, locale=locale)


@pytest.mark.parametrize("value, locale, expected", [
    (Decimal("1234567.5"), "pl", "1\xa0234\xa0567,50\xa0zł"),
    (Decimal("1234.5"), "en", "PLN1,234.50"),
    (Decimal("-0.004"), "pl", "-0,00\xa0zł"),
    (Decimal("0.005"), "pl", "0,00\xa0zł"),  # half to even, as Babel
    (Decimal("0.015"), "pl", "0,02\xa0zł"),
    (12.5, "pl", "12,50\xa0zł"),
    (3, "en", "PLN3.00"),
    (None, "pl", ""),
])
def test_money_examples(value, locale, expected):
    assert money(value, "PLN", locale) == expected


def test_money_falls_back_to_babel_for_other_groupings():
    # Hindi groups by two after the first three digits; Babel writes those itself.
    assert money(Decimal("1234567"), "INR", "hi") == format_currency(Decimal("1234567"), "INR", locale="hi")
