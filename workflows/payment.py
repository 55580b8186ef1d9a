"""Payments: tranches, instalments, reimbursements and in-kind purchases (DESIGN §3.4).

The approver is never the preparer (relation NOT_PREPARER); a payment is approved once, which the
engine's row lock and version check guarantee even for two approvers clicking at the same moment.
"""
from __future__ import annotations

from workflows import guards as g
from workflows.base import FINANCE_OFFICER, NOT_PREPARER, SYSTEM, Label, Workflow, s, t

WORKFLOW = Workflow(
    name="payment",
    label=Label(pl="Płatność", en="Payment"),
    initial="planned",
    states=(
        s("planned", "Zaplanowana", "Planned"),
        s("requested", "Do zatwierdzenia", "Requested", public=("W przygotowaniu", "Being prepared")),
        s("approved", "Zatwierdzona", "Approved", public=("Zatwierdzona do wypłaty", "Approved for payment")),
        s("exported", "Wysłana do banku", "Sent to the bank", public=("W realizacji", "Being paid")),
        s("paid", "Wypłacona", "Paid", final=True),
        s("rejected", "Odrzucona", "Rejected", final=True),
        s("on_hold", "Wstrzymana", "On hold"),
        s("cancelled", "Anulowana", "Cancelled", final=True),
    ),
    transitions=(
        t("request", "planned", "requested", FINANCE_OFFICER, "Przygotuj do zatwierdzenia", "Prepare for approval",
          guards=(g.payment_conditions_met, g.within_award, g.bank_account_valid)),
        # A monthly instalment becomes due by itself, or waits on hold while its conditions are unmet.
        t("release", "planned", "requested", SYSTEM, "Uruchom ratę", "Release the instalment",
          guards=(g.payment_due, g.payment_conditions_met, g.within_award, g.bank_account_valid), timer="due_at"),
        t("hold", ("planned", "requested"), "on_hold", SYSTEM, "Wstrzymaj", "Put on hold",
          guards=(g.payment_due, g.payment_conditions_unmet), timer="due_at"),
        t("suspend", ("planned", "requested"), "on_hold", FINANCE_OFFICER, "Wstrzymaj", "Put on hold",
          reason_required=True),
        t("resume", "on_hold", "planned", FINANCE_OFFICER, "Wznów", "Resume", guards=(g.payment_conditions_met,)),
        # What the scheduler put on hold it takes off once the conditions hold again (an officer's suspension stays).
        t("unhold", "on_hold", "planned", SYSTEM, "Zwolnij wstrzymanie", "Take off hold",
          guards=(g.held_automatically, g.payment_conditions_met), timer="due_at"),
        t("approve", "requested", "approved", FINANCE_OFFICER, "Zatwierdź", "Approve", relation=NOT_PREPARER,
          guards=(g.payment_conditions_met, g.within_award, g.bank_account_valid)),
        t("reject", "requested", "rejected", FINANCE_OFFICER, "Odrzuć", "Reject", relation=NOT_PREPARER,
          reason_required=True),
        t("export", "approved", "exported", FINANCE_OFFICER, "Dodaj do pliku bankowego", "Add to a bank file"),
        t("confirm_paid", "exported", "paid", FINANCE_OFFICER, "Potwierdź wypłatę", "Confirm payment"),
        t("cancel", ("approved", "exported"), "cancelled", FINANCE_OFFICER, "Anuluj", "Cancel", reason_required=True),
    ),
)
