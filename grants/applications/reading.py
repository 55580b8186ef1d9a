"""A submitted version as people read it, and what a correction changed.

Pure: the call's form and the frozen versions in, plain rows out. Labels stay as the call keeps them
(in both languages); the templates write them, and every value, in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from grants.applications.models import ApplicationVersion
from grants.applications.queries import budget_totals
from grants.types import finite_decimal

BUDGET_COLUMNS = ("item", "cost", "own")


@dataclass(frozen=True)
class BudgetLine:
    item: str
    cost: Decimal
    own: Decimal


@dataclass(frozen=True)
class Answer:
    """One question with its answer: text, Decimal, date, bool, a list of choices or of budget lines; None
    when unanswered. `totals` only for a budget (cost, own, requested, own_share)."""

    id: str
    label: Any
    kind: str
    value: Any
    totals: dict[str, Decimal] | None = None


@dataclass(frozen=True)
class File:
    id: int | None
    requirement_id: str
    requirement: Any  # the requirement's name, or its id when the call no longer lists it
    name: str
    size: int | None
    sha256: str


@dataclass(frozen=True)
class Cell:
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class BudgetRow:
    cells: tuple[Cell, Cell, Cell]  # item, cost, own
    change: str  # "same", "changed", "added" or "removed"


@dataclass(frozen=True)
class BudgetChange:
    label: Any
    rows: list[BudgetRow]
    before: dict[str, Decimal]
    after: dict[str, Decimal]


@dataclass(frozen=True)
class FileChange:
    requirement: Any
    before: File | None
    after: File | None


def _value(kind: str, raw: Any) -> Any:
    """A stored answer (JSON) as the value it stands for; what cannot be read stays as it was kept."""
    if raw in (None, "", [], {}):
        return None
    if kind == "budget_table":
        return [BudgetLine(str(line.get("item") or ""), finite_decimal(line.get("cost") or 0) or Decimal("0"),
                           finite_decimal(line.get("own") or 0) or Decimal("0")) for line in raw]
    if kind in ("money", "number"):
        number = finite_decimal(raw)
        return number if number is not None else str(raw)
    if kind == "date":
        try:
            return date.fromisoformat(raw)
        except (TypeError, ValueError):
            return str(raw)
    if kind == "yes_no":
        return bool(raw)
    if kind == "multiple_choice":
        return [str(choice) for choice in raw] if isinstance(raw, list) else [str(raw)]
    return str(raw)


def _questions(form: list[dict] | None, *answer_sets: dict) -> list[dict]:
    """The form's questions in order, then any answered question the form does not list (under its id)."""
    questions = list(form or ())
    known = {q["id"] for q in questions}
    for answers in answer_sets:
        for key in answers or {}:
            if key not in known:
                known.add(key)
                questions.append({"id": key, "type": "long_text", "label": key})
    return questions


def answers(form: list[dict] | None, version: ApplicationVersion) -> list[Answer]:
    """Every question of the call's form with the version's answer, laid out as the form asks them."""
    rows = []
    for question in _questions(form, version.answers):
        raw = (version.answers or {}).get(question["id"])
        totals = budget_totals(raw or []) if question["type"] == "budget_table" else None
        rows.append(Answer(question["id"], question.get("label"), question["type"], _value(question["type"], raw),
                           totals))
    return rows


def files(required_attachments: list[dict] | None, version: ApplicationVersion) -> list[File]:
    """The files frozen in the version, each under the name of the requirement it answers."""
    names = {r["id"]: r.get("name") for r in required_attachments or ()}
    rows = []
    for stored in version.attachments or ():
        requirement = stored.get("requirement_id") or ""
        rows.append(File(stored.get("id"), requirement, names.get(requirement) or requirement, stored.get("name") or "",
                         stored.get("size"), stored.get("sha256") or ""))
    return rows


def _budget_rows(before: list[BudgetLine], after: list[BudgetLine]) -> list[BudgetRow]:
    """Lines paired by their cost item (a line added in the middle leaves the others matched)."""
    rows = []
    matcher = SequenceMatcher(a=[line.item for line in before], b=[line.item for line in after], autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = before[i1:i2], after[j1:j2]
        for n in range(max(len(old), len(new))):
            a = old[n] if n < len(old) else None
            b = new[n] if n < len(new) else None
            cells = tuple(Cell(getattr(a, c, None), getattr(b, c, None)) for c in BUDGET_COLUMNS)
            change = "added" if a is None else "removed" if b is None else \
                "changed" if any(cell.changed for cell in cells) else "same"
            rows.append(BudgetRow(cells, change))
    return rows


def _file_changes(before: list[File], after: list[File]) -> list[FileChange]:
    """Per requirement, the files that are not in both versions, old paired with new in upload order."""
    kept = {f.sha256 for f in before} & {f.sha256 for f in after}
    changes = []
    for requirement in dict.fromkeys(f.requirement_id for f in before + after):
        old = [f for f in before if f.requirement_id == requirement and f.sha256 not in kept]
        new = [f for f in after if f.requirement_id == requirement and f.sha256 not in kept]
        for n in range(max(len(old), len(new))):
            a = old[n] if n < len(old) else None
            b = new[n] if n < len(new) else None
            changes.append(FileChange((a or b).requirement, a, b))
    return changes


def changes(form: list[dict] | None, required_attachments: list[dict] | None, older: ApplicationVersion,
            newer: ApplicationVersion) -> dict[str, list]:
    """What a resubmission changed: answers (each an Answer whose value is a Cell of before and after),
    budgets line by line with the changed cells, files replaced (old → new), and the requested amount
    when it moved."""
    result: dict[str, list] = {"answers": [], "budgets": [], "files": [], "amount": []}
    for question in _questions(form, older.answers, newer.answers):
        raw_before, raw_after = (older.answers or {}).get(question["id"]), (newer.answers or {}).get(question["id"])
        if raw_before == raw_after:
            continue
        kind = question["type"]
        before, after = _value(kind, raw_before), _value(kind, raw_after)
        if kind == "budget_table":
            result["budgets"].append(BudgetChange(question.get("label"), _budget_rows(before or [], after or []),
                                                  budget_totals(raw_before or []), budget_totals(raw_after or [])))
        elif before != after:
            result["answers"].append(Answer(question["id"], question.get("label"), kind, Cell(before, after)))
    result["files"] = _file_changes(files(required_attachments, older), files(required_attachments, newer))
    if older.requested_amount != newer.requested_amount:
        result["amount"] = [Cell(older.requested_amount, newer.requested_amount)]
    return result
