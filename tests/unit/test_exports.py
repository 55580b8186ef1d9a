"""Sheets and CSV cells as spreadsheets take them: a sheet's name without the characters Excel refuses, cut
between words; a text cell never runs as a formula, a negative amount stays a number."""
from __future__ import annotations

from decimal import Decimal

from grants.exports import _csv_cell, sheet_title


def test_sheet_names_excel_accepts():
    assert sheet_title("Participants by race/ethnicity") == "Participants by race ethnicity"
    assert sheet_title("Applications by type of applicant") == "Applications by type of"
    assert sheet_title("[a]:b*c?\\") == "a b c"
    assert sheet_title("/") == "Sheet"
    assert len(sheet_title("x" * 40)) == 31


def test_cells_never_formulas():
    assert _csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _csv_cell(Decimal("-12.50")) == "-12.50"
    assert _csv_cell(None) == ""
