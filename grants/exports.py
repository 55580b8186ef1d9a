"""Tables downloaded as CSV or XLSX, the same way everywhere: a header row, then rows written as they come (a large
list never sits in memory whole), amounts and counts as numbers, times as the programme's local minute, days as
days, and no cell that a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import xlsxwriter
from flask import Response, send_file, stream_with_context

FORMULA_STARTS = frozenset("=+-@\t\r")


def safe_cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return would run as a formula in a spreadsheet
    # (CSV injection, OWASP's list): a leading apostrophe makes it text.
    return "'" + value if value[:1] in FORMULA_STARTS else value


def local_minute(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC time as the programme's local time, to the minute (what a person reads in a sheet)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)  # a negative amount is a number, not a formula
    return safe_cell(str(value))


def csv_response(rows: Iterable[Sequence], filename: str, first_row: Sequence[str]) -> Response:
    """Streamed row by row: a large list never sits in memory whole. `first_row` names the columns."""

    def generate():
        # UTF-8 with a byte-order mark: without it Excel on Windows reads the file as cp1250 and garbles
        # Polish letters; other programs skip the mark. Amounts use a dot, times are the programme's.
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(str(name)) for name in first_row])
        for row in rows:
            writer.writerow([_csv_cell(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), content_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def sheet_title(name) -> str:
    """A sheet's name as Excel takes it: without [ ] : * ? / \\, at most 31 characters, cut between words."""
    text = " ".join(re.sub(r"[\[\]:*?/\\]", " ", str(name)).split()) or "Sheet"
    if len(text) > 31:
        text = text[:31].rsplit(" ", 1)[0] if " " in text[:31] else text[:31]
    return text


def xlsx_response(rows: Iterable[Sequence], filename: str, first_row: Sequence[str], sheet_name: str) -> Response:
    """One sheet named `sheet_name`: `first_row` in bold, then the rows."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    # constant_memory: rows are flushed to a temporary file as they are written.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False})
    sheet = workbook.add_worksheet(sheet_title(sheet_name))
    bold = workbook.add_format({"bold": True})
    formats = {Decimal: workbook.add_format({"num_format": "#,##0.00"}),
               datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
               date: workbook.add_format({"num_format": "yyyy-mm-dd"})}
    sheet.write_row(0, 0, [str(name) for name in first_row], bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            # Amounts and counts as numbers (a sheet sums them), times and days as dates; text stays text, never
            # a formula.
            if isinstance(value, Decimal):
                sheet.write_number(index, column, value, formats[Decimal])
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(index, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(index, column, value, formats[datetime])
            elif isinstance(value, date):
                sheet.write_datetime(index, column, value, formats[date])
            else:
                sheet.write_string(index, column, "" if value is None else str(value))
    workbook.close()
    out.seek(0)
    return send_file(out, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=filename)
