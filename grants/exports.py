"""Tables downloaded as CSV or XLSX, the same way everywhere: a header row, then rows written as they come (a large
list never sits in memory whole), amounts as numbers, times as the programme's local minute, and no cell that a
spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

import xlsxwriter
from flask import Response, send_file, stream_with_context

FORMULA_STARTS = frozenset("=+-@\t\r")


def safe_cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return would run as a formula in a spreadsheet
    # (CSV injection, OWASP's list): a leading apostrophe makes it text.
    return "'" + value if value[:1] in FORMULA_STARTS else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)  # a negative amount is a number, not a formula
    return safe_cell(str(value))


def csv_response(header: Sequence[str], rows: Iterable[Sequence], filename: str) -> Response:
    def generate():
        # UTF-8 with a byte-order mark: without it Excel on Windows reads the file as cp1250 and garbles
        # Polish letters; other programs skip the mark. Amounts use a dot, times are the programme's.
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([safe_cell(str(h)) for h in header])
        for row in rows:
            writer.writerow([_csv_cell(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_response(header: Sequence[str], rows: Iterable[Sequence], filename: str, sheet_name: str) -> Response:
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    # constant_memory: rows are flushed to a temporary file as they are written.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True})
    formats = {Decimal: workbook.add_format({"num_format": "#,##0.00"}),
               datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
    sheet.write_row(0, 0, [str(h) for h in header], bold)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            # Amounts as numbers (a sheet sums them), times as dates; text stays text, never a formula.
            if isinstance(value, Decimal):
                sheet.write_number(index, column, value, formats[Decimal])
            elif isinstance(value, int) and not isinstance(value, bool):
                sheet.write_number(index, column, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(index, column, value, formats[datetime])
            else:
                sheet.write_string(index, column, "" if value is None else str(value))
    workbook.close()
    out.seek(0)
    return send_file(out, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=filename)
