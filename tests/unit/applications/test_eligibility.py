"""grants.applications.eligibility: each rule passes at its limit, fails just past it, and says what it asks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants.applications.eligibility import RuleResult, evaluate, failures
from grants.applications.models import Application
from grants.auth.models import GroupMember, Organisation, OrganisationType
from grants.calls.models import Call

TODAY = date(2026, 3, 15)
COOPERATIVE, ENTERPRISE = OrganisationType.SOCIAL_COOPERATIVE, OrganisationType.SOCIAL_ENTERPRISE
NGO, GROUP = OrganisationType.NGO, OrganisationType.INFORMAL_GROUP


pytestmark = pytest.mark.usefixtures("in_english")


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, day.day)


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def make_call(call_type: str, currency: str = "PLN", **parameters) -> Call:
    return Call(call_type=call_type, title="Call", currency=currency, parameters=parameters)


def make_organisation(kind: OrganisationType, founded_on: date | None = None, born: tuple[date, ...] = ()):
    members = [GroupMember(full_name=f"Member {i}", birth_date=b) for i, b in enumerate(born)]
    return Organisation(type=kind, name="Applicant", founded_on=founded_on, group_members=members)


def make_application(call: Call, organisation: Organisation, requested: str | None = "0", **answers):
    return Application(call=call, organisation=organisation, title="Project",
                       requested_amount=None if requested is None else Decimal(requested), answers=answers)


def rules(application: Application) -> dict[str, RuleResult]:
    return {r.code: r for r in evaluate(application, TODAY)}


def adults(n: int) -> tuple[date, ...]:
    return tuple(years_before(TODAY, 30 + i) for i in range(n))


# --- organisation type ------------------------------------------------------------------------------

@pytest.mark.parametrize("call_type, kind, passed", [
    ("restructuring_grant", COOPERATIVE, True),
    ("restructuring_grant", NGO, False),
    ("job_support", ENTERPRISE, True),
    ("job_support", GROUP, False),
    ("development_package", GROUP, True),
    ("development_package", COOPERATIVE, False),
])
def test_organisation_type_must_be_one_the_call_type_admits(call_type, kind, passed):
    result = rules(make_application(make_call(call_type), make_organisation(kind, born=adults(3))))
    assert result["organisation_type"].passed is passed


def test_organisation_type_rule_names_the_admitted_types():
    result = rules(make_application(make_call("development_package"), make_organisation(COOPERATIVE)))
    assert result["organisation_type"].label == "Applicant type: Informal group, Non-governmental organisation"


@pytest.mark.parametrize("kind, passed", [(NGO, True), (ENTERPRISE, False)])
def test_organisation_type_follows_the_officers_narrowed_list(kind, passed):
    call = make_call("job_support", eligible_organisation_types=["ngo"])
    result = rules(make_application(call, make_organisation(kind)))["organisation_type"]
    assert result.passed is passed
    assert result.label == "Applicant type: Non-governmental organisation"


def test_an_empty_narrowed_list_admits_every_type_of_the_call_type():
    call = make_call("job_support", eligible_organisation_types=[])
    assert rules(make_application(call, make_organisation(ENTERPRISE)))["organisation_type"].passed


# --- age of an NGO ------------------------------------------------------------------------------------

@pytest.mark.parametrize("months, passed", [(24, True), (25, False)])
def test_ngo_age_at_the_default_limit(months, passed):
    founded = months_before(TODAY, months)
    result = rules(make_application(make_call("development_package"), make_organisation(NGO, founded)))["ngo_age"]
    assert result.passed is passed
    assert result.label == "The NGO is at most 24 months old"


@pytest.mark.parametrize("months, passed", [(6, True), (7, False)])
def test_ngo_age_at_the_officers_limit(months, passed):
    call = make_call("development_package", max_ngo_age_months=6)
    result = rules(make_application(call, make_organisation(NGO, months_before(TODAY, months))))["ngo_age"]
    assert result.passed is passed
    assert result.label == "The NGO is at most 6 months old"


def test_ngo_founded_this_month_passes():
    call = make_call("development_package", max_ngo_age_months=1)
    assert rules(make_application(call, make_organisation(NGO, TODAY.replace(day=1))))["ngo_age"].passed


def test_ngo_without_a_founding_date_fails_the_age_rule():
    assert failures(make_application(make_call("development_package"), make_organisation(NGO)), TODAY) == ["ngo_age"]


def test_ngo_age_applies_to_any_call_type_where_the_officer_set_a_limit():
    call = make_call("job_support", max_ngo_age_months=12)
    assert not rules(make_application(call, make_organisation(NGO, months_before(TODAY, 13))))["ngo_age"].passed


def test_ngo_age_is_not_checked_without_a_limit_or_for_other_types():
    assert "ngo_age" not in rules(make_application(make_call("job_support"), make_organisation(NGO)))
    group = make_organisation(GROUP, born=adults(3))
    assert "ngo_age" not in rules(make_application(make_call("development_package"), group))


# --- adult members of an informal group ----------------------------------------------------------------

@pytest.mark.parametrize("youngest, passed", [
    (years_before(TODAY, 18), True),  # turns 18 today
    (date(TODAY.year - 18, TODAY.month, TODAY.day + 1), False),  # turns 18 tomorrow
])
def test_group_needs_three_adults_by_default(youngest, passed):
    group = make_organisation(GROUP, born=(*adults(2), youngest))
    result = rules(make_application(make_call("development_package"), group))["group_size"]
    assert result.passed is passed
    assert result.label == "The group has at least 3 adult members"


@pytest.mark.parametrize("born, passed", [(adults(4), True), ((*adults(3), years_before(TODAY, 17)), False)])
def test_group_size_at_the_officers_minimum(born, passed):
    call = make_call("development_package", min_group_adults=4)
    result = rules(make_application(call, make_organisation(GROUP, born=born)))["group_size"]
    assert result.passed is passed
    assert result.label == "The group has at least 4 adult members"


def test_group_size_is_not_checked_for_an_ngo():
    application = make_application(make_call("development_package"), make_organisation(NGO, TODAY))
    assert "group_size" not in rules(application)


# --- requested amount ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call_type, parameters, requested, passed, label", [
    ("restructuring_grant", {}, "100000.00", True, "The requested amount is at most 100,000 PLN"),
    ("restructuring_grant", {}, "100000.01", False, "The requested amount is at most 100,000 PLN"),
    ("development_package", {}, "5000.00", True, "The requested amount is at most 5,000 PLN"),  # the package cap
    ("development_package", {}, "5000.01", False, "The requested amount is at most 5,000 PLN"),
    # Stored parameters are JSON: money comes back as text.
    ("job_support", {"max_requested_amount": "2500.50"}, "2500.50", True,
     "The requested amount is at most 2,500.5 PLN"),
    ("job_support", {"max_requested_amount": "2500.50"}, "2500.51", False,
     "The requested amount is at most 2,500.5 PLN"),
])
def test_requested_amount_at_the_limit(call_type, parameters, requested, passed, label):
    organisation = make_organisation(COOPERATIVE if call_type == "restructuring_grant" else NGO, TODAY)
    application = make_application(make_call(call_type, **parameters), organisation, requested)
    result = rules(application)["max_requested_amount"]
    assert result.passed is passed
    assert result.label == label


def test_requested_amount_label_uses_the_calls_currency():
    application = make_application(make_call("restructuring_grant", currency="EUR"), make_organisation(COOPERATIVE))
    assert rules(application)["max_requested_amount"].label == "The requested amount is at most 100,000 EUR"


def test_no_amount_yet_counts_as_zero():
    application = make_application(make_call("restructuring_grant"), make_organisation(COOPERATIVE), requested=None)
    assert rules(application)["max_requested_amount"].passed


def test_requested_amount_is_not_checked_without_a_limit():
    application = make_application(make_call("job_support"), make_organisation(ENTERPRISE), "999999999")
    assert "max_requested_amount" not in rules(application)


# --- jobs -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("parameters, jobs, passed, label", [
    ({}, "10", True, "At most 10 jobs"),
    ({}, "11", False, "At most 10 jobs"),
    ({}, "10.5", False, "At most 10 jobs"),
    ({"max_jobs": 3}, 3, True, "At most 3 jobs"),
    ({"max_jobs": 3}, 4, False, "At most 3 jobs"),
])
def test_jobs_at_the_limit(parameters, jobs, passed, label):
    application = make_application(make_call("job_support", **parameters), make_organisation(ENTERPRISE), jobs=jobs)
    result = rules(application)["max_jobs"]
    assert result.passed is passed
    assert result.label == label


@pytest.mark.parametrize("answers", [{}, {"jobs": ""}, {"jobs": None}])
def test_jobs_are_not_checked_before_they_are_answered(answers):
    application = make_application(make_call("job_support"), make_organisation(ENTERPRISE), **answers)
    assert "max_jobs" not in rules(application)


@pytest.mark.parametrize("jobs", ["ten", True])
def test_a_non_numeric_jobs_answer_fails_the_rule(jobs):
    application = make_application(make_call("job_support"), make_organisation(ENTERPRISE), jobs=jobs)
    assert failures(application, TODAY) == ["max_jobs"]


# --- all rules together ------------------------------------------------------------------------------------

def test_rules_come_in_reading_order_and_failures_lists_the_failed_codes():
    application = make_application(make_call("development_package"), make_organisation(NGO, months_before(TODAY, 30)),
                                   "5000.01")
    assert [r.code for r in evaluate(application, TODAY)] == ["organisation_type", "ngo_age", "max_requested_amount"]
    assert failures(application, TODAY) == ["ngo_age", "max_requested_amount"]


def test_an_eligible_application_has_no_failures():
    application = make_application(make_call("job_support"), make_organisation(ENTERPRISE), "1000", jobs="2")
    assert [r.code for r in evaluate(application, TODAY)] == ["organisation_type", "max_jobs"]
    assert failures(application, TODAY) == []
