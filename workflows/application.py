"""The application workflow shared by every call type (DESIGN §3.1)."""
from __future__ import annotations

from workflows import guards as g
from workflows.base import APPLICANT, AUDITOR, FINANCE_OFFICER, MEMBER, PROGRAM_OFFICER, SYSTEM, Label, Workflow, s, t

UNDER_REVIEW = ("W ocenie", "Under review")

STATES = (
    s("draft", "Wersja robocza", "Draft"),
    s("submitted", "Złożony", "Submitted"),
    s("formal_check", "Ocena formalna", "Formal check", public=UNDER_REVIEW),
    s("correction", "Do poprawy", "Correction requested", public=("Wymaga poprawy", "Correction needed")),
    s("formally_rejected", "Odrzucony formalnie", "Formally rejected",
      public=("Pozostawiony bez rozpatrzenia lub odrzucony", "Not considered")),
    s("merit_review", "Ocena merytoryczna", "Merit review", public=UNDER_REVIEW),
    s("third_review", "Trzecia ocena", "Third evaluation", public=UNDER_REVIEW),
    s("scored", "Oceniony", "Scored", public=("Oczekuje na wyniki", "Awaiting results")),
    s("selected", "Wybrany do dofinansowania", "Selected", public=("Przyznano wsparcie", "Support awarded")),
    s("reserve", "Lista rezerwowa", "Reserve list"),
    s("rejected", "Odrzucony", "Rejected", public=("Nie przyznano wsparcia", "Not awarded")),
    s("appeal", "Odwołanie", "Appeal", public=("Odwołanie w rozpatrzeniu", "Appeal under consideration")),
    s("agreement", "Umowa w przygotowaniu", "Agreement being prepared"),
    s("implementation", "Realizacja", "Implementation"),
    s("settlement", "Rozliczenie", "Settlement", public=("Rozliczenie w weryfikacji", "Settlement under review")),
    s("durability", "Okres trwałości", "Durability period"),
    s("recovery", "Zwrot środków", "Recovery", public=("Postępowanie o zwrot", "Repayment due")),
    s("closed", "Zamknięty", "Closed", final=True),
    s("cancelled", "Rezygnacja", "Cancelled", final=True),
    s("withdrawn", "Wycofany", "Withdrawn", final=True),
)

BEFORE_AGREEMENT = ("draft", "submitted", "formal_check", "correction", "merit_review", "third_review", "scored",
                    "reserve")

TRANSITIONS = (
    t("submit", "draft", "submitted", APPLICANT, "Złóż wniosek", "Submit", relation=MEMBER,
      guards=(g.call_is_open, g.answers_complete, g.attachments_complete, g.eligible)),
    t("start_check", "submitted", "formal_check", PROGRAM_OFFICER, "Rozpocznij ocenę formalną", "Start formal check"),
    t("accept", "formal_check", "merit_review", PROGRAM_OFFICER, "Przyjmij formalnie", "Accept formally",
      guards=(g.formal_checklist_complete, g.answers_complete, g.attachments_complete, g.eligible)),
    t("request_correction", "formal_check", "correction", PROGRAM_OFFICER, "Wezwij do poprawy",
      "Request a correction", guards=(g.correction_round_left,), reason_required=True),
    t("resubmit", "correction", "formal_check", APPLICANT, "Złóż poprawiony wniosek", "Resubmit", relation=MEMBER,
      guards=(g.before_correction_deadline, g.answers_complete, g.attachments_complete)),
    t("leave_unconsidered", "correction", "formally_rejected", SYSTEM, "Pozostaw bez rozpatrzenia",
      "Leave unconsidered", guards=(g.correction_deadline_passed,), timer="correction_due_at"),
    t("reject", "formal_check", "formally_rejected", PROGRAM_OFFICER, "Odrzuć formalnie", "Reject formally",
      reason_required=True),
    t("complete_review", "merit_review", "scored", SYSTEM, "Zakończ ocenę", "Complete the review",
      guards=(g.all_scorecards_in, g.no_discrepancy)),
    t("request_third_review", "merit_review", "third_review", SYSTEM, "Skieruj do trzeciej oceny",
      "Send to a third evaluator", guards=(g.all_scorecards_in, g.discrepancy, g.third_review_allowed)),
    t("complete_third_review", "third_review", "scored", SYSTEM, "Zakończ trzecią ocenę",
      "Complete the third evaluation", guards=(g.third_scorecard_in,)),
    t("rank_select", "scored", "selected", SYSTEM, "Wybierz z listy rankingowej", "Select from the ranking",
      guards=(g.ranking_published,)),
    t("rank_reserve", "scored", "reserve", SYSTEM, "Umieść na liście rezerwowej", "Put on the reserve list",
      guards=(g.ranking_published,)),
    t("rank_reject", "scored", "rejected", SYSTEM, "Odrzuć po ocenie", "Reject after scoring",
      guards=(g.ranking_published,)),
    t("promote", "reserve", "selected", PROGRAM_OFFICER, "Przenieś z listy rezerwowej", "Promote from the reserve",
      guards=(g.budget_allows,)),
    t("appeal", ("formally_rejected", "rejected", "reserve"), "appeal", APPLICANT, "Złóż odwołanie", "Appeal",
      relation=MEMBER, guards=(g.appeal_deadline_set, g.not_appealed_before, g.within_appeal_window),
      reason_required=True),
    t("uphold", "appeal", "formal_check", PROGRAM_OFFICER, "Uwzględnij odwołanie", "Uphold the appeal",
      guards=(g.appealed_from_formal_check,), reason_required=True),
    t("uphold", "appeal", "merit_review", PROGRAM_OFFICER, "Uwzględnij odwołanie", "Uphold the appeal",
      guards=(g.appealed_from_merit_review,), reason_required=True),
    # Dismissal sends the application back where it came from.
    t("dismiss", "appeal", "formally_rejected", PROGRAM_OFFICER, "Oddal odwołanie", "Dismiss the appeal",
      guards=(g.appealed_from_formally_rejected,), reason_required=True),
    t("dismiss", "appeal", "rejected", PROGRAM_OFFICER, "Oddal odwołanie", "Dismiss the appeal",
      guards=(g.appealed_from_rejected,), reason_required=True),
    t("dismiss", "appeal", "reserve", PROGRAM_OFFICER, "Oddal odwołanie", "Dismiss the appeal",
      guards=(g.appealed_from_reserve,), reason_required=True),
    t("prepare_agreement", "selected", "agreement", PROGRAM_OFFICER, "Przygotuj umowę", "Prepare the agreement"),
    # The applicant uploads the signed scan; the officer records the signing once every condition is met.
    t("sign", "agreement", "implementation", PROGRAM_OFFICER, "Zarejestruj podpisanie umowy", "Record the signing",
      guards=(g.agreement_prepared, g.security_accepted, g.de_minimis_checked, g.bank_account_verified,
              g.signed_scan_uploaded)),
    t("resign", ("selected", "agreement"), "cancelled", APPLICANT, "Zrezygnuj", "Resign", relation=MEMBER,
      reason_required=True),
    t("submit_settlement", "implementation", "settlement", APPLICANT, "Złóż rozliczenie", "Submit the settlement",
      relation=MEMBER, guards=(g.settlement_has_lines,)),
    t("accept_settlement", "settlement", "durability", PROGRAM_OFFICER, "Zatwierdź rozliczenie",
      "Accept the settlement", guards=(g.durability_required,)),
    t("accept_settlement", "settlement", "closed", PROGRAM_OFFICER, "Zatwierdź rozliczenie",
      "Accept the settlement", guards=(g.no_durability, g.control_done)),
    t("return_settlement", "settlement", "implementation", PROGRAM_OFFICER, "Zwróć rozliczenie do poprawy",
      "Return the settlement", reason_required=True),
    t("end_durability", "durability", "closed", SYSTEM, "Zakończ okres trwałości", "End the durability period",
      guards=(g.durability_ended, g.control_done), timer="durability_ends_at"),
    t("open_recovery", ("implementation", "settlement", "durability", "closed"), "recovery", AUDITOR,
      "Wszcznij postępowanie o zwrot", "Open a recovery case", reason_required=True),
    t("close_recovery", "recovery", "closed", FINANCE_OFFICER, "Zamknij sprawę zwrotu", "Close the recovery case",
      guards=(g.recovery_settled,)),
    t("withdraw", BEFORE_AGREEMENT, "withdrawn", APPLICANT, "Wycofaj wniosek", "Withdraw", relation=MEMBER),
)

WORKFLOW = Workflow(
    name="application",
    label=Label(pl="Wniosek", en="Application"),
    initial="draft",
    states=STATES,
    transitions=TRANSITIONS,
)

