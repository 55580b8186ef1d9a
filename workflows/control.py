"""Usage control of a grant by an auditor, and the recovery of misused or undue amounts (DESIGN §3.5)."""
from __future__ import annotations

from workflows import guards as g
from workflows.base import AUDITOR, FINANCE_OFFICER, SYSTEM, Label, Workflow, s, t

CONTROL = Workflow(
    name="control",
    label=Label(pl="Kontrola", en="Control"),
    initial="planned",
    states=(
        s("planned", "Zaplanowana", "Planned"),
        s("in_progress", "W toku", "In progress"),
        s("findings", "Ustalenia", "Findings"),
        s("closed", "Zamknięta", "Closed", final=True),
        s("recovery", "Skierowana do zwrotu", "Sent to recovery", final=True),
    ),
    transitions=(
        t("start", "planned", "in_progress", AUDITOR, "Rozpocznij kontrolę", "Start the control"),
        t("record_findings", "in_progress", "findings", AUDITOR, "Zapisz ustalenia", "Record findings",
          guards=(g.findings_recorded,)),
        t("close", ("in_progress", "findings"), "closed", AUDITOR, "Zamknij kontrolę", "Close the control",
          guards=(g.recommendations_settled,)),
        t("cancel", "planned", "closed", AUDITOR, "Odwołaj kontrolę", "Cancel the control", reason_required=True),
        t("open_recovery", "findings", "recovery", AUDITOR, "Skieruj do zwrotu", "Open a recovery case",
          reason_required=True),
    ),
)

RECOVERY = Workflow(
    name="recovery",
    label=Label(pl="Zwrot środków", en="Recovery"),
    initial="opened",
    states=(
        s("opened", "Wszczęty", "Opened"),
        s("notified", "Wezwanie doręczone", "Notice served", public=("Wezwanie do zwrotu", "Repayment requested")),
        s("overdue", "Po terminie", "Overdue"),
        s("repaid", "Spłacony", "Repaid"),
        s("closed", "Zamknięty", "Closed", final=True),
    ),
    transitions=(
        t("notify", "opened", "notified", (FINANCE_OFFICER, AUDITOR), "Doręcz wezwanie", "Serve the notice"),
        t("mark_overdue", "notified", "overdue", SYSTEM, "Oznacz jako zaległy", "Mark overdue",
          guards=(g.repayment_overdue,), timer="due_at"),
        t("record_repayment", ("notified", "overdue"), "repaid", FINANCE_OFFICER, "Zaksięguj spłatę",
          "Record full repayment", guards=(g.fully_repaid,)),
        t("close", "repaid", "closed", FINANCE_OFFICER, "Zamknij", "Close"),
        t("write_off", "overdue", "closed", FINANCE_OFFICER, "Zamknij bez spłaty (np. egzekucja)",
          "Close unpaid (e.g. sent to enforcement)", reason_required=True),
    ),
)
