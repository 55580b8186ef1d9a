"""Names of a call's fields, parameters, question types and file types as people read them (PL/EN)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from grants.services.uploads import TYPE_NAMES

QUESTION_TYPE_LABELS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "number": _l("Number"),
    "money": _l("Amount of money"),
    "date": _l("Date"),
    "single_choice": _l("One choice from a list"),
    "multiple_choice": _l("Several choices from a list"),
    "yes_no": _l("Yes / no"),
    "budget_table": _l("Budget table"),
}

# Format names are the same in every language.
FILE_TYPE_LABELS = TYPE_NAMES  # the types a call may ask for, by the names people know


@dataclass(frozen=True)
class ParameterSpec:
    """How a call parameter is labelled and bounded in the officer's form."""

    label: object
    minimum: int | Decimal | None = 0
    maximum: int | Decimal | None = None
    help: object = None


PARAMETER_SPECS: dict[str, ParameterSpec] = {
    # eligibility
    "eligible_organisation_types": ParameterSpec(_l("Who may apply")),
    "max_requested_amount": ParameterSpec(_l("Maximum requested amount"), Decimal("0.01"),
                                          help=_l("Leave empty for no limit other than the budget.")),
    "max_ngo_age_months": ParameterSpec(_l("Maximum age of an NGO (months)"), 1, 600,
                                        help=_l("Leave empty to admit NGOs of any age.")),
    "min_group_adults": ParameterSpec(_l("Minimum adult members of an informal group"), 3, 100),
    "max_jobs": ParameterSpec(_l("Maximum jobs per applicant"), 1, 100),
    # procedure
    "correction_days": ParameterSpec(_l("Correction window (days)"), 1, 90,
                                     help=_l("Days an applicant has to correct formal errors.")),
    "max_correction_rounds": ParameterSpec(_l("Correction rounds"), 0, 5),
    "appeal_working_days": ParameterSpec(_l("Appeal window (working days)"), 1, 60),
    "appeal_calendar_days": ParameterSpec(_l("Appeal window in calendar days (statutory protest)"), 0, 60,
                                          help=_l("0: the working-day window above applies.")),
    "evaluators_per_application": ParameterSpec(_l("Evaluators per application"), 1, 2),
    "commission_vote": ParameterSpec(
        _l("Decided by a commission's vote"),
        help=_l("The call's pool of evaluators is the commission: every member votes yes or no with a comment, "
                "the majority decides and the chair breaks a tie. Otherwise one evaluator scores each application.")),
    "scoring_days": ParameterSpec(_l("Days an evaluator has to score"), 1, 90),
    "justification_min_chars": ParameterSpec(_l("Shortest justification of points (characters)"), 0, 2000),
    "pass_threshold_percent": ParameterSpec(_l("Pass threshold (per cent of the maximum points)"), 0, 100),
    "discrepancy_percent": ParameterSpec(
        _l("Score difference that calls a third evaluator (per cent of the maximum points)"), 0, 100),
    # payment and afterwards
    "advance_percent": ParameterSpec(_l("Advance (per cent of the grant)"), 0, 100),
    "package_cap": ParameterSpec(_l("Package value cap"), Decimal("0.01")),
    "unit_rates": ParameterSpec(
        _l("2021–2027 model: unit rates"),
        help=_l("A create rate per job and a monthly maintain rate over the financed months, by FTE, instead of a "
                "grant per job with bridging support.")),
    "bridging_basic_months": ParameterSpec(_l("Basic bridging support (months)"), 0, 24),
    "bridging_extended_months": ParameterSpec(_l("Extended bridging support (months)"), 0, 24),
    "financed_months": ParameterSpec(_l("Financed employment period (months)"), 1, 120),
    "ps_status_months": ParameterSpec(_l("Months to obtain social-enterprise status"), 1, 60),
    "implementation_months": ParameterSpec(_l("Implementation period (months)"), 1, 36),
    "durability_months": ParameterSpec(_l("Durability period (months)"), 0, 120),
    "requires_security": ParameterSpec(_l("Security (blank promissory note or guarantee) required before payment")),
    "requires_de_minimis": ParameterSpec(_l("De minimis certificate required before payment")),
    "control_required": ParameterSpec(_l("Usage control required before the grant closes")),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "budget": _l("Budget"),
    "opens_at": _l("Opens"),
    "closes_at": _l("Closes"),
    "form": _l("Application form"),
    "required_attachments": _l("Required attachments"),
    "criteria": _l("Scoring criteria"),
}


def parameter_spec(name: str) -> ParameterSpec:
    # A parameter added to a call type later still gets a field, labelled by its name until named here.
    return PARAMETER_SPECS.get(name) or ParameterSpec(name.replace("_", " ").capitalize())


def field_label(name: str):
    """The label of a changed field as amendments record it: 'budget', 'parameters.correction_days', …"""
    if name.startswith("parameters."):
        return parameter_spec(name.split(".", 1)[1]).label
    return FIELD_LABELS.get(name, name)
