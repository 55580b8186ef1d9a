"""Grantee reports: periodic (monthly, quarterly) and final (DESIGN §3.3).

An overdue report puts the grant's next payments on hold (the payment facts read it).
"""
from __future__ import annotations

from workflows import guards as g
from workflows.base import APPLICANT, MEMBER, PROGRAM_OFFICER, SYSTEM, Label, Workflow, s, t

WORKFLOW = Workflow(
    name="report",
    label=Label(pl="Sprawozdanie", en="Report"),
    initial="due",
    states=(
        s("due", "Oczekiwane", "Due", public=("Do złożenia", "To be submitted")),
        s("draft", "W przygotowaniu", "Draft"),
        s("overdue", "Zaległe", "Overdue", public=("Po terminie", "Overdue")),
        s("submitted", "Złożone", "Submitted"),
        s("returned", "Zwrócone do poprawy", "Returned", public=("Wymaga poprawy", "Needs changes")),
        s("accepted", "Przyjęte", "Accepted", final=True),
    ),
    transitions=(
        t("start", "due", "draft", APPLICANT, "Rozpocznij", "Start", relation=MEMBER),
        t("mark_overdue", ("due", "draft"), "overdue", SYSTEM, "Oznacz jako zaległe", "Mark overdue",
          guards=(g.report_overdue,), timer="due_at"),
        # An overdue report is filled in as it stands (it stays overdue until submitted).
        t("submit", ("draft", "overdue"), "submitted", APPLICANT, "Złóż", "Submit", relation=MEMBER,
          guards=(g.report_complete,)),
        t("accept", "submitted", "accepted", PROGRAM_OFFICER, "Przyjmij", "Accept"),
        t("return", "submitted", "returned", PROGRAM_OFFICER, "Zwróć do poprawy", "Return", reason_required=True),
        t("revise", "returned", "draft", APPLICANT, "Popraw", "Revise", relation=MEMBER),
    ),
)
