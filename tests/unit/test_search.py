"""The fold that both a search term and the stored search text go through."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants.search import fold, search_text


@pytest.mark.parametrize(("text", "folded"), [
    ("Źródło", "zrodlo"), ("ŹRÓDŁO", "zrodlo"), ("źródło", "zrodlo"), ("Łęcka", "lecka"), ("łĘCKA", "lecka"),
    ("Zażółć gęślą jaźń", "zazolc gesla jazn"), ("Straße", "strasse"), ("STRASSE", "strasse"),
    ("ﬁlia", "filia"), ("  Spółdzielnia \t Socjalna\u00a0Pomorze ", "spoldzielnia socjalna pomorze"),
    ("100%_a\\b", "100%_a\\b"), ("İstanbul", "istanbul"), ("Øresund", "oresund"), ("", ""),
])
def test_fold_ignores_case_accents_and_spacing(text, folded):
    assert fold(text) == folded


@given(st.text())
def test_folding_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_folding_ignores_case(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@given(st.text(alphabet="aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄBCĆDEĘFGHIJKLŁMNŃOÓPRSŚTUWYZŹŻ ", min_size=1))
def test_polish_text_folds_to_ascii_letters_and_spaces(text):
    assert set(fold(text)) <= set("abcdefghijklmnoprstuwyz ")


def test_search_text_keeps_fields_apart_and_skips_empty_ones():
    assert search_text(["Anna Łęcka", None, "ANNA@example.org"]) == "anna lecka\nanna@example.org"
    assert "\n" not in fold("anna\nlecka")  # a term cannot reach across two fields
