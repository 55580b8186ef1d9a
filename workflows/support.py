"""Job-creation support and development packages: jobs, bridging extensions, in-kind items (DESIGN §3.2)."""
from __future__ import annotations

from workflows import guards as g
from workflows.base import APPLICANT, AUDITOR, FINANCE_OFFICER, MEMBER, PROGRAM_OFFICER, SYSTEM, Label, Workflow, s, t

JOB = Workflow(
    name="job",
    label=Label(pl="Miejsce pracy", en="Job"),
    initial="created",
    states=(
        s("created", "Utworzone", "Created"),
        s("financed", "Finansowane", "Financed"),
        s("durability", "Okres trwałości", "Durability"),
        s("completed", "Utrzymane", "Maintained", final=True),
        s("lost", "Utracone", "Lost", final=True),
    ),
    transitions=(
        t("finance", "created", "financed", FINANCE_OFFICER, "Rozpocznij finansowanie", "Start financing"),
        t("start_durability", "financed", "durability", SYSTEM, "Rozpocznij okres trwałości",
          "Start the durability period", guards=(g.financed_period_ended,), timer="financed_until"),
        t("complete", "durability", "completed", SYSTEM, "Potwierdź utrzymanie", "Confirm maintained",
          guards=(g.job_durability_ended,), timer="durability_ends_at"),
        t("report_loss", ("created", "financed", "durability"), "lost", (PROGRAM_OFFICER, AUDITOR),
          "Zgłoś utratę miejsca pracy", "Report the job lost", reason_required=True),
    ),
)

BRIDGING_EXTENSION = Workflow(
    name="bridging_extension",
    label=Label(pl="Przedłużenie wsparcia pomostowego", en="Bridging support extension"),
    initial="requested",
    states=(
        s("requested", "Złożony", "Requested", public=("W rozpatrzeniu", "Under consideration")),
        s("approved", "Zatwierdzony", "Approved", final=True),
        s("rejected", "Odrzucony", "Rejected", final=True),
    ),
    transitions=(
        t("approve", "requested", "approved", PROGRAM_OFFICER, "Zatwierdź", "Approve",
          guards=(g.extension_within_basic,)),
        t("reject", "requested", "rejected", PROGRAM_OFFICER, "Odrzuć", "Reject", reason_required=True),
    ),
)

PACKAGE_ITEM = Workflow(
    name="package_item",
    label=Label(pl="Pozycja pakietu (rzeczowa)", en="Package item (in kind)"),
    initial="ordered",
    states=(
        s("ordered", "Zamówiona", "Ordered"),
        s("delivered", "Dostarczona", "Delivered", public=("Gotowa do przekazania", "Ready for handover")),
        s("handed_over", "Przekazana", "Handed over", final=True),
    ),
    transitions=(
        t("deliver", "ordered", "delivered", (PROGRAM_OFFICER, FINANCE_OFFICER), "Potwierdź dostawę",
          "Confirm delivery"),
        t("hand_over", "delivered", "handed_over", APPLICANT, "Podpisz protokół przekazania",
          "Sign the handover protocol", relation=MEMBER),
    ),
)
