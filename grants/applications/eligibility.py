"""Eligibility rules of a call, evaluated one by one so the applicant sees which pass and which do not."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _

from grants.auth.models import OrganisationType
from grants.identifiers import ADULT_AGE, age_on
from grants.labels import ORGANISATION_TYPE_LABELS
from grants.types import finite_decimal


@dataclass(frozen=True)
class RuleResult:
    code: str
    passed: bool
    describe: Callable[[], str]  # the rule in the user's language, built only when shown

    @property
    def label(self) -> str:
        return self.describe()


def eligible_types(call) -> set[str]:
    """The call's own list where the officer narrowed it, else every type its call type admits."""
    chosen = (call.parameters or {}).get("eligible_organisation_types")
    return set(chosen) if chosen else set(call.type.eligible_organisation_types)


def amount_limit(call) -> Decimal | None:
    limit = call.parameter("max_requested_amount") or call.parameter("package_cap")
    return Decimal(str(limit)) if limit is not None else None


def evaluate(application, today: date) -> list[RuleResult]:
    """Every rule that applies to this application, in the order applicants read them."""

    call, organisation = application.call, application.organisation
    types = sorted(eligible_types(call))
    results = [RuleResult(
        "organisation_type", str(organisation.type) in types,
        lambda: _("Applicant type: %(types)s",
                  types=", ".join(str(ORGANISATION_TYPE_LABELS[OrganisationType(t)]) for t in types)))]
    max_age = call.parameter("max_ngo_age_months")
    if organisation.type == OrganisationType.NGO and max_age:
        founded = organisation.founded_on
        months = (today.year - founded.year) * 12 + today.month - founded.month if founded else None
        results.append(RuleResult("ngo_age", months is not None and months <= int(max_age),
                                  lambda: _("The NGO is at most %(months)d months old", months=int(max_age))))
    if organisation.type == OrganisationType.INFORMAL_GROUP:
        needed = int(call.parameter("min_group_adults") or 3)
        adults = sum(1 for m in organisation.group_members if age_on(m.birth_date, today) >= ADULT_AGE)
        results.append(RuleResult("group_size", adults >= needed,
                                  lambda: _("The group has at least %(n)d adult members", n=needed)))
    limit = amount_limit(call)
    if limit is not None:
        results.append(RuleResult(
            "max_requested_amount", Decimal(application.requested_amount or 0) <= limit,
            lambda: _("The requested amount is at most %(limit)s %(currency)s", limit=format_decimal(limit),
                      currency=call.currency)))
    max_jobs = call.parameter("max_jobs")
    jobs = (application.answers or {}).get("jobs")
    if max_jobs and jobs not in (None, ""):
        number = finite_decimal(jobs)  # the question behind `jobs` may be any type
        results.append(RuleResult("max_jobs", number is not None and number <= int(max_jobs),
                                  lambda: _("At most %(n)d jobs", n=int(max_jobs))))
    return results


def failures(application, today: date) -> list[str]:
    return [r.code for r in evaluate(application, today) if not r.passed]
