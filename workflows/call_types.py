"""The three call types and their options. A new call type is a new entry here, not an engine change.

Parameters are defaults copied into a call when it is created; the officer may change them until
the call is published, after which they are frozen (DESIGN §2). Money is Decimal, never float.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

from workflows.base import Label

# Organisation types as grants.auth.models.OrganisationType spells them.
SOCIAL_COOPERATIVE = "social_cooperative"
SOCIAL_ENTERPRISE = "social_enterprise"
SOCIAL_ECONOMY_ENTITY = "social_economy_entity"
NGO = "ngo"
INFORMAL_GROUP = "informal_group"

# Payment models.
LUMP_SUM = "lump_sum"  # one transfer after the agreement
ADVANCE_AND_FINAL = "advance_and_final"  # advance, then the rest after the settlement is accepted
JOB_GRANT_AND_BRIDGING = "job_grant_and_bridging"  # per-job grant, then monthly bridging instalments
UNIT_RATES = "unit_rates"  # the 2021–2027 model: a create rate per job, then a maintain rate paid monthly
PACKAGE_ITEMS = "package_items"  # cash items to the patron/NGO, in-kind items bought by the operator
PAYMENT_MODELS = frozenset({LUMP_SUM, ADVANCE_AND_FINAL, JOB_GRANT_AND_BRIDGING, PACKAGE_ITEMS})

# Reporting cadences.
MONTHLY, QUARTERLY, FINAL = "monthly", "quarterly", "final"
CADENCES = frozenset({MONTHLY, QUARTERLY, FINAL})

# Shared defaults (DESIGN §3.1); each call may override them before publishing.
COMMON_PARAMETERS: dict[str, Any] = {
    "correction_days": 7,
    "max_correction_rounds": 1,
    "appeal_working_days": 5,
    "appeal_calendar_days": 0,  # a statutory protest counts calendar days (14); 0: the working-day rule above
    "evaluators_per_application": 2,
    "scoring_days": 14,
    "justification_min_chars": 50,
    "pass_threshold_percent": Decimal("60"),
    "discrepancy_percent": Decimal("30"),
    "currency": "PLN",
}


# Dated tables an agreement reads on its date (kept by administrators: grants/finance/rates.py). A call type
# names the tables it uses; the values are data, not code.
RATE_TABLES = frozenset({"job_create", "job_maintain", "minimum_wage", "eur_rate", "de_minimis_ceiling"})
# Full-time equivalents a job may have, as fractions of the per-job rate.
JOB_FTES = (Decimal("1"), Decimal("0.75"), Decimal("0.5"))


@dataclass(frozen=True)
class CallType:
    name: str
    label: Label
    description: Label
    eligible_organisation_types: frozenset[str]
    payment_model: str
    reporting_cadence: str
    # Transitions of the application workflow that this call type does not use.
    disabled_triggers: frozenset[str] = frozenset()
    # Other workflows whose objects calls of this type create.
    uses_workflows: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def defaults(self) -> dict[str, Any]:
        """Every parameter with its default: shared ones overridden by this type's."""
        return {**COMMON_PARAMETERS, **self.parameters}

    def uses(self, trigger: str) -> bool:
        return trigger not in self.disabled_triggers


RESTRUCTURING_GRANT = CallType(
    name="restructuring_grant",
    label=Label(pl="Grant na restrukturyzację spółdzielni socjalnej", en="Restructuring grant for social cooperatives"),
    description=Label(
        pl="Grant na zmianę profilu działalności spółdzielni socjalnej (konkurs grantowy OWSS).",
        en="A grant for a social cooperative changing its line of business (a union's grant competition)."),
    eligible_organisation_types=frozenset({SOCIAL_COOPERATIVE}),
    payment_model=ADVANCE_AND_FINAL,
    reporting_cadence=FINAL,
    uses_workflows=("payment", "report", "control", "recovery"),
    parameters={
        "max_requested_amount": Decimal("100000.00"),
        "advance_percent": Decimal("80"),
        "durability_months": 0,
        "control_required": True,
    },
)

JOB_SUPPORT = CallType(
    name="job_support",
    label=Label(pl="Wsparcie na utworzenie miejsc pracy ze wsparciem pomostowym",
                en="Job-creation support with bridging support"),
    description=Label(
        pl="Dotacja na utworzenie miejsc pracy w przedsiębiorstwie społecznym i comiesięczne wsparcie pomostowe.",
        en="A grant per job created in a social enterprise, with monthly bridging support."),
    eligible_organisation_types=frozenset({SOCIAL_ENTERPRISE, SOCIAL_ECONOMY_ENTITY, SOCIAL_COOPERATIVE, NGO}),
    payment_model=JOB_GRANT_AND_BRIDGING,
    reporting_cadence=MONTHLY,
    uses_workflows=("payment", "report", "job", "bridging_extension", "control", "recovery"),
    parameters={
        "max_jobs": 10,
        "job_rate_table": "job_create",
        # The 2021–2027 model: a create rate per job plus a monthly maintain rate over the financed months,
        # instead of the grant per job and bridging support.
        "unit_rates": False,
        "maintain_rate_table": "job_maintain",
        "bridging_basic_months": 6,
        "bridging_extended_months": 6,
        "bridging_cap_table": "minimum_wage",
        "financed_months": 12,
        "durability_months": 6,
        "durability_months_extended": 18,  # when extended bridging support was approved
        "job_replacement_months": 3,  # a lost job replaced by an eligible person within this, or recovered
        "ps_status_months": 6,
        "requires_security": True,
        "requires_de_minimis": True,
        "control_required": False,
    },
)

DEVELOPMENT_PACKAGE = CallType(
    name="development_package",
    label=Label(pl="Aktywator społeczny – pakiet rozwojowy", en="Social activator – development package"),
    description=Label(
        pl="Pakiet wsparcia (pozycje pieniężne i rzeczowe) dla grup nieformalnych i młodych organizacji.",
        en="A package of cash and in-kind items for informal groups and young NGOs."),
    eligible_organisation_types=frozenset({INFORMAL_GROUP, NGO}),
    payment_model=PACKAGE_ITEMS,
    reporting_cadence=FINAL,
    # One evaluator, or a commission vote (the call's choice): no discrepancy, so no third evaluation.
    disabled_triggers=frozenset({"request_third_review", "complete_third_review"}),
    uses_workflows=("payment", "report", "package_item"),
    parameters={
        "evaluators_per_application": 1,
        "commission_vote": False,
        "package_cap": Decimal("5000.00"),
        "min_group_adults": 3,
        "max_ngo_age_months": 24,
        "implementation_months": 3,
        "durability_months": 0,
        "control_required": False,
    },
)

CALL_TYPES: dict[str, CallType] = {ct.name: ct for ct in (RESTRUCTURING_GRANT, JOB_SUPPORT, DEVELOPMENT_PACKAGE)}
