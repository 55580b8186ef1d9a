"""A report form is data: a list of questions, each a dict, like an application's form with the types reports
need besides (DESIGN §3.3).

    {"id": "sessions", "type": "count", "label": {"pl": …, "en": …}, "help": {…}, "required": True,
     "options": [{"id": "chicago_lawn", "label": {"pl": …, "en": …}}, …],   # choices, a table's rows
     "columns": [{"id": "name", "label": {…}, "type": "text"}, …],          # a list's fields, a table's columns
     "unknown": True,                                                          # multi-select: "unknown" allowed
     "ends": {"low": {…}, "high": {…}}}                                       # a rating's labelled ends

This module normalises and checks definitions and reads answers out of a posted form; it knows no Flask forms
(the officer's editor is in grants/reporting/forms.py) and no database.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

QUESTION_TYPES = {
    "section": _l("Heading (no answer)"),
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "yes_no": _l("Yes / no"),
    "yes_no_details": _l("Yes / no, and which"),
    "single_choice": _l("One choice from a list"),
    "multiple_choice": _l("Several choices from a list"),
    "rating": _l("Rating 1–5"),
    "count": _l("Count (whole number, 0 or more)"),
    "hours": _l("Hours (0 or more)"),
    "list": _l("Repeating list"),
    "table": _l("Table of counts by row"),
    "media": _l("Photos, documents and links"),
}
CHOICE_TYPES = ("single_choice", "multiple_choice")
NEEDS_OPTIONS = (*CHOICE_TYPES, "table")  # a table's rows are its options
NEEDS_COLUMNS = ("list", "table")
COLUMN_TYPES = ("text", "count", "hours", "choice")  # a table's cells are counts or hours
UNKNOWN = "unknown"
RATINGS = range(1, 6)
MAX_TEXT, MAX_SHORT, MAX_ROWS, MAX_COUNT = 20000, 500, 100, 10**9
MAX_HOURS = Decimal("1000000")
ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
URL = re.compile(r"^https?://[^\s<>\"]+$")


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL; no one types them


def _text(value: Any) -> str:
    return CONTROL.sub("", value).strip() if isinstance(value, str) else ""


def _bilingual(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"pl": value.strip(), "en": value.strip()}
    value = value if isinstance(value, dict) else {}
    return {"pl": _text(value.get("pl")), "en": _text(value.get("en"))}


def _item(raw: Any) -> dict:
    """An option, row or column: an id and a label in both languages."""
    if isinstance(raw, str):
        return {"id": raw.strip(), "label": _bilingual(raw)}
    raw = raw if isinstance(raw, dict) else {}
    item = {"id": _text(raw.get("id")), "label": _bilingual(raw.get("label"))}
    if "type" in raw:
        item["type"] = raw["type"] if raw["type"] in COLUMN_TYPES else "text"
    if raw.get("options"):
        item["options"] = [_item(o) for o in raw["options"]]
    return item


def normalise(q: dict) -> dict:
    """A question with every key present, whatever was stored."""
    ends = q.get("ends") if isinstance(q.get("ends"), dict) else {}
    return {
        "id": _text(q.get("id")), "type": q.get("type") or "short_text",
        "label": _bilingual(q.get("label")), "help": _bilingual(q.get("help")),
        "required": bool(q.get("required")) and q.get("type") != "section",
        "options": [_item(o) for o in q.get("options") or ()],
        "columns": [_item(c) for c in q.get("columns") or ()],
        "unknown": bool(q.get("unknown")),
        "ends": {"low": _bilingual(ends.get("low")), "high": _bilingual(ends.get("high"))},
    }


def definition(questions) -> list[dict]:
    return [normalise(q) for q in questions or ()]


def _check_items(prefix: str, items: list[dict], errors: dict) -> None:
    ids = [i["id"] for i in items]
    if any(not ID.match(i) for i in ids):
        errors[prefix] = _l("Each line needs an id: small letters, digits and _, starting with a letter.")
    elif len(set(ids)) != len(ids):
        errors[prefix] = _l("Each line needs a different id.")
    elif any(not (i["label"]["pl"] and i["label"]["en"]) for i in items):
        errors[prefix] = _l("Give each line a name in Polish and in English.")


def validate(questions) -> dict[str, Any]:
    """Field path → message for every rule the definition breaks; empty when it may be published."""
    errors: dict[str, Any] = {}
    seen: set[str] = set()
    if not questions:
        errors["questions"] = _l("Add at least one question.")
    for index, raw in enumerate(questions or ()):
        q, prefix = normalise(raw), f"questions.{index}"
        if not ID.match(q["id"]):
            errors[f"{prefix}.id"] = _l("Small letters, digits and _, starting with a letter (at most 40).")
        elif q["id"] in seen:
            errors[f"{prefix}.id"] = _l("Another question has this id.")
        seen.add(q["id"])
        if q["type"] not in QUESTION_TYPES:
            errors[f"{prefix}.type"] = _l("Choose a question type.")
        if not (q["label"]["pl"] and q["label"]["en"]):
            errors[f"{prefix}.label"] = _l("Give the question in Polish and in English.")
        if q["type"] in NEEDS_OPTIONS:
            if len(q["options"]) < (1 if q["type"] == "table" else 2):
                errors[f"{prefix}.options"] = _l("List the options (a table's rows), one per line.")
            else:
                _check_items(f"{prefix}.options", q["options"], errors)
        elif q["options"]:
            errors[f"{prefix}.options"] = _l("Only choice questions and tables have options; clear this field.")
        if q["type"] in NEEDS_COLUMNS:
            if not q["columns"]:
                errors[f"{prefix}.columns"] = _l("List the columns, one per line.")
            else:
                _check_items(f"{prefix}.columns", q["columns"], errors)
        elif q["columns"]:
            errors[f"{prefix}.columns"] = _l("Only lists and tables have columns; clear this field.")
    return errors


# --- answers -------------------------------------------------------------------------------------------

def _localised(label: dict[str, str]) -> str:
    return label.get(str(get_locale())) or label.get("pl") or ""


def _count(value: str) -> int | None | str:
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > MAX_COUNT:
        return "bad"
    return int(value)


def _hours(value: str) -> Decimal | None | str:
    if value == "":
        return None
    try:
        hours = Decimal(value.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        return "bad"
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS or hours != hours.quantize(Decimal("0.01")):
        return "bad"
    return hours


def read(questions: list[dict], form) -> tuple[dict[str, Any], dict[str, Any]]:
    """Answers from a posted form (fields named q.<id>, q.<id>.<row>.<column>, …) and the messages for the
    values that cannot be read; an empty field is no answer (a count of 0 is an answer)."""
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for q in questions:
        name, kind = f"q.{q['id']}", q["type"]
        value = _text(form.get(name, ""))
        if kind in ("short_text", "long_text"):
            limit = MAX_SHORT if kind == "short_text" else MAX_TEXT
            if len(value) > limit:
                errors[q["id"]] = _l("At most %(n)d characters.", n=limit)
            answers[q["id"]] = value or None
        elif kind == "yes_no":
            answers[q["id"]] = {"yes": True, "no": False}.get(value)
        elif kind == "yes_no_details":
            said = {"yes": True, "no": False}.get(value)
            details = _text(form.get(f"{name}.details", ""))[:MAX_SHORT]
            answers[q["id"]] = None if said is None else {"answer": said, "details": details if said else ""}
            if said and not details:
                errors[q["id"]] = _l("Say which.")
        elif kind == "single_choice":
            known = {o["id"] for o in q["options"]}
            answers[q["id"]] = value if value in known else None
        elif kind == "multiple_choice":
            known = {o["id"] for o in q["options"]} | ({UNKNOWN} if q["unknown"] else set())
            chosen = [v for v in form.getlist(name) if v in known]
            if UNKNOWN in chosen and len(chosen) > 1:
                errors[q["id"]] = _l("Choose “unknown” alone, or the options that apply.")
            answers[q["id"]] = chosen or None
        elif kind == "rating":
            answers[q["id"]] = int(value) if value in ("1", "2", "3", "4", "5") else None
        elif kind in ("count", "hours"):
            parsed = _count(value) if kind == "count" else _hours(value)
            if parsed == "bad":
                errors[q["id"]] = _l("A whole number, 0 or more.") if kind == "count" else \
                    _l("A number of hours, 0 or more, at most 2 decimal places.")
                parsed = None
            answers[q["id"]] = str(parsed) if isinstance(parsed, Decimal) else parsed
        elif kind == "list":
            answers[q["id"]] = _read_list(q, form, errors)
        elif kind == "table":
            answers[q["id"]] = _read_table(q, form, errors)
        elif kind == "media":
            links = [line.strip() for line in form.get(f"{name}.links", "").splitlines() if line.strip()]
            if any(not URL.match(link) for link in links):
                errors[q["id"]] = _l("Each link starts with http:// or https://, one per line.")
            answers[q["id"]] = {"links": links[:MAX_ROWS]} if links else None
    return answers, errors


def _read_list(q: dict, form, errors: dict) -> list[dict] | None:
    rows = []
    for index in range(MAX_ROWS):
        row: dict[str, Any] = {}
        present = False
        for column in q["columns"]:
            field = f"q.{q['id']}.{index}.{column['id']}"
            if field not in form:
                continue
            present = True
            value = _text(form.get(field, ""))[:MAX_SHORT]
            if column.get("type") == "count" and value:
                parsed = _count(value)
                if parsed == "bad":
                    errors[q["id"]] = _l("Row %(n)d: %(column)s is a whole number, 0 or more.", n=index + 1,
                                         column=_localised(column["label"]))
                    parsed = None
                value = parsed
            elif column.get("type") == "choice" and value not in {o["id"] for o in column.get("options", ())}:
                value = ""
            row[column["id"]] = value if value not in ("", None) else None
        if not present:
            break
        if any(v is not None for v in row.values()):
            rows.append(row)
    return rows or None


def _read_table(q: dict, form, errors: dict) -> dict | None:
    table: dict[str, dict[str, Any]] = {}
    for row in q["options"]:
        for column in q["columns"]:
            value = _text(form.get(f"q.{q['id']}.{row['id']}.{column['id']}", ""))
            parsed = _hours(value) if column.get("type") == "hours" else _count(value)
            if parsed == "bad":
                errors[q["id"]] = _l("%(row)s: a number, 0 or more.", row=_localised(row["label"]))
                errors[f"{q['id']}.{row['id']}.{column['id']}"] = True  # the cell to mark
            elif parsed is not None:
                table.setdefault(row["id"], {})[column["id"]] = str(parsed) if isinstance(parsed, Decimal) else parsed
    return table or None


def missing(questions: list[dict], answers: dict, files_by_question: dict[str, int] | None = None) -> list[str]:
    """The ids of required questions with no answer (a count of 0 and “no” are answers)."""
    files_by_question = files_by_question or {}
    gaps = []
    for q in questions:
        if not q["required"]:
            continue
        value = answers.get(q["id"])
        if q["type"] == "media":
            if not value and not files_by_question.get(q["id"]):
                gaps.append(q["id"])
        elif value is None or value == [] or value == {} or value == "":
            gaps.append(q["id"])
    return gaps
