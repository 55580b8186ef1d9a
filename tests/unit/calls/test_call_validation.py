"""grants.calls.operations without a database: validate() rule by rule, publish_problems and the CallData helpers."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from grants.calls.labels import FILE_TYPE_LABELS, QUESTION_TYPE_LABELS, parameter_spec
from grants.calls.models import MONEY_PARAMETERS, Call
from grants.calls.operations import (
    MB,
    CallData,
    call_data,
    differences,
    editable_parameters,
    eligibility_parameters,
    normalise_attachment,
    normalise_criterion,
    normalise_question,
    publish_problems,
    rule_parameters,
    validate,
)
from workflows.call_types import CALL_TYPES, DEVELOPMENT_PACKAGE, JOB_SUPPORT, RESTRUCTURING_GRANT

OPENS = datetime(2030, 3, 1, 8, 0, tzinfo=timezone.utc)
CLOSES = datetime(2030, 3, 31, 16, 0, tzinfo=timezone.utc)
LARGEST = Decimal("999999999999.99")  # Numeric(14, 2)
PDF, PNG = "application/pdf", "image/png"


pytestmark = pytest.mark.usefixtures("in_english")


def bilingual(pl: str = "Tekst", en: str = "Text") -> dict[str, str]:
    return {"pl": pl, "en": en}


def question(id: str = "summary", type: str = "short_text", **fields) -> dict:
    return {"id": id, "type": type, "label": bilingual("Streszczenie", "Summary"), "required": True, **fields}


def attachment(id: str = "statute", types=(PDF,), max_size: int | None = MB, **fields) -> dict:
    return {"id": id, "name": bilingual("Statut", "Statute"), "types": list(types), "max_size": max_size,
            "required": True, **fields}


def criterion(id: str = "quality", max_points: int | None = 10, weight="1", section_min=None, **fields) -> dict:
    return {"id": id, "name": bilingual("Jakość", "Quality"), "max_points": max_points, "weight": weight,
            "section_min": section_min, **fields}


def valid_data(call_type=RESTRUCTURING_GRANT, **changes) -> CallData:
    data = CallData(title="Restructuring grants 2030", description="For cooperatives.", budget=Decimal("250000.00"),
                    opens_at=OPENS, closes_at=CLOSES, parameters=editable_parameters(call_type),
                    form=[question()], required_attachments=[attachment()], criteria=[criterion()])
    return dataclasses.replace(data, **changes)


def errors_of(call_type=RESTRUCTURING_GRANT, **changes) -> dict[str, str]:
    return {path: str(message) for path, message in validate(call_type, valid_data(call_type, **changes)).items()}


def with_parameters(call_type=RESTRUCTURING_GRANT, **parameters) -> dict[str, str]:
    return errors_of(call_type, parameters={**editable_parameters(call_type), **parameters})


# --- the whole definition ---------------------------------------------------------------------------

@pytest.mark.parametrize("call_type", CALL_TYPES.values(), ids=CALL_TYPES.keys())
def test_a_complete_call_with_its_types_defaults_is_valid(call_type):
    assert errors_of(call_type) == {}


def test_every_broken_rule_is_reported_at_once():
    errors = errors_of(title="", budget=None, opens_at=None, closes_at=None,
                       parameters={**editable_parameters(RESTRUCTURING_GRANT), "correction_days": None},
                       form=[question(id="")], required_attachments=[attachment(types=())],
                       criteria=[criterion(max_points=0)])
    assert set(errors) == {"title", "budget", "opens_at", "closes_at", "parameters.correction_days", "questions.0.id",
                           "attachments.0.types", "criteria.0.max_points"}


# --- title, budget, dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("title, expected", [
    ("A", {}),
    ("", {"title": "Give the call a title."}),
    ("   ", {"title": "Give the call a title."}),
])
def test_title(title, expected):
    assert errors_of(title=title) == expected


@pytest.mark.parametrize("budget, expected", [
    (Decimal("0.01"), {}),
    (LARGEST, {}),
    (Decimal("10.10"), {}),
    (Decimal("10.100"), {}),  # the same amount, written with a trailing zero
    (None, {"budget": "The budget must be more than 0."}),
    (Decimal("0"), {"budget": "The budget must be more than 0."}),
    (Decimal("-0.01"), {"budget": "The budget must be more than 0."}),
    (LARGEST + Decimal("0.01"), {"budget": "At most 999999999999.99."}),
    (Decimal("Infinity"), {"budget": "The budget must be more than 0."}),
    (Decimal("10.001"), {"budget": "Use at most 2 decimal places."}),
])
def test_budget(budget, expected):
    assert errors_of(budget=budget) == expected


def test_a_too_large_budget_is_refused_with_a_message_about_the_maximum():
    assert "more than 0" not in errors_of(budget=LARGEST + Decimal("0.01"))["budget"]


def test_a_budget_that_is_not_a_number_is_refused():
    assert "budget" in errors_of(budget=Decimal("NaN"))


@pytest.mark.parametrize("opens_at, closes_at, expected", [
    (OPENS, OPENS + timedelta(seconds=1), {}),
    (OPENS, OPENS, {"closes_at": "The call must close after it opens."}),
    (OPENS, OPENS - timedelta(days=1), {"closes_at": "The call must close after it opens."}),
    (None, CLOSES, {"opens_at": "Give the opening time."}),
    (OPENS, None, {"closes_at": "Give the closing time."}),
])
def test_the_call_closes_after_it_opens(opens_at, closes_at, expected):
    assert errors_of(opens_at=opens_at, closes_at=closes_at) == expected


# --- parameters ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("call_type, chosen, expected", [
    (JOB_SUPPORT, ["ngo"], {}),
    (JOB_SUPPORT, [], {"parameters.eligible_organisation_types": "Choose at least one type of applicant."}),
    (JOB_SUPPORT, None, {"parameters.eligible_organisation_types": "Choose at least one type of applicant."}),
    (RESTRUCTURING_GRANT, ["social_cooperative", "ngo"],
     {"parameters.eligible_organisation_types": "Only the types this kind of call admits may be chosen."}),
])
def test_eligible_organisation_types_are_a_nonempty_subset_of_the_types(call_type, chosen, expected):
    assert with_parameters(call_type, eligible_organisation_types=chosen) == expected


@pytest.mark.parametrize("call_type, name", [
    (RESTRUCTURING_GRANT, "max_requested_amount"), (JOB_SUPPORT, "max_requested_amount"),
    (DEVELOPMENT_PACKAGE, "max_ngo_age_months"), (JOB_SUPPORT, "max_ngo_age_months"),
])
def test_no_limit_may_be_left_empty(call_type, name):
    assert with_parameters(call_type, **{name: None}) == {}


@pytest.mark.parametrize("call_type, name", [
    (RESTRUCTURING_GRANT, "correction_days"), (RESTRUCTURING_GRANT, "advance_percent"),
    (JOB_SUPPORT, "max_jobs"), (DEVELOPMENT_PACKAGE, "min_group_adults"), (DEVELOPMENT_PACKAGE, "package_cap"),
])
def test_other_numeric_parameters_are_required(call_type, name):
    assert with_parameters(call_type, **{name: None}) == {f"parameters.{name}": "Give a value."}


def assert_parameter(call_type, name, value, expected: str | None) -> None:
    assert with_parameters(call_type, **{name: value}) == ({f"parameters.{name}": expected} if expected else {})


# Limits that matter to the programme, written out (the spec-driven test below would follow a wrong spec).
@pytest.mark.parametrize("call_type, name, value, expected", [
    (DEVELOPMENT_PACKAGE, "min_group_adults", 3, None),
    (DEVELOPMENT_PACKAGE, "min_group_adults", 2, "At least 3."),
    (RESTRUCTURING_GRANT, "correction_days", 1, None),
    (RESTRUCTURING_GRANT, "correction_days", 0, "At least 1."),
    (RESTRUCTURING_GRANT, "evaluators_per_application", 2, None),
    (RESTRUCTURING_GRANT, "evaluators_per_application", 3, "At most 2."),
    (RESTRUCTURING_GRANT, "pass_threshold_percent", Decimal("100"), None),
    (RESTRUCTURING_GRANT, "pass_threshold_percent", Decimal("100.01"), "At most 100."),
    (RESTRUCTURING_GRANT, "advance_percent", Decimal("-0.01"), "At least 0."),
    (RESTRUCTURING_GRANT, "max_requested_amount", Decimal("0.01"), None),
    (RESTRUCTURING_GRANT, "max_requested_amount", Decimal("0"), "At least 0.01."),
    (RESTRUCTURING_GRANT, "max_requested_amount", LARGEST, None),
    (RESTRUCTURING_GRANT, "max_requested_amount", LARGEST + Decimal("0.01"), "At most 999999999999.99."),
    (RESTRUCTURING_GRANT, "max_requested_amount", Decimal("100.005"), "Use at most 2 decimal places."),
    (DEVELOPMENT_PACKAGE, "package_cap", Decimal("5000.50"), None),
    (DEVELOPMENT_PACKAGE, "package_cap", Decimal("5000.505"), "Use at most 2 decimal places."),
    (DEVELOPMENT_PACKAGE, "max_ngo_age_months", 600, None),
    (DEVELOPMENT_PACKAGE, "max_ngo_age_months", 601, "At most 600."),
    (JOB_SUPPORT, "max_jobs", 100, None),
    (JOB_SUPPORT, "max_jobs", 101, "At most 100."),
])
def test_parameter_limits(call_type, name, value, expected):
    assert_parameter(call_type, name, value, expected)


def bound_cases():
    """Every bounded numeric parameter of every call type: at each bound (valid) and one step past it."""
    for call_type in CALL_TYPES.values():
        for name, default in editable_parameters(call_type).items():
            if name == "eligible_organisation_types" or isinstance(default, bool):
                continue
            spec = parameter_spec(name)
            step = Decimal("0.01") if name in MONEY_PARAMETERS or isinstance(default, Decimal) else 1
            for bound, past, message in ((spec.minimum, -step, "At least %s."), (spec.maximum, step, "At most %s.")):
                if bound is not None:
                    where = f"{call_type.name}-{name}-{'min' if past < 0 else 'max'}"
                    yield pytest.param(call_type, name, bound, None, id=f"{where}-at")
                    yield pytest.param(call_type, name, bound + past, message % bound, id=f"{where}-past")


@pytest.mark.parametrize("call_type, name, value, expected", list(bound_cases()))
def test_every_parameter_is_held_to_its_spec(call_type, name, value, expected):
    assert_parameter(call_type, name, value, expected)


def test_yes_no_parameters_take_either_value():
    assert with_parameters(JOB_SUPPORT, requires_security=False, requires_de_minimis=True, control_required=True) == {}


def test_a_parameter_that_is_not_a_number_is_refused():
    assert "parameters.pass_threshold_percent" in with_parameters(pass_threshold_percent=Decimal("NaN"))


# --- ids, shared by questions, attachments and criteria ---------------------------------------------------

ID_CASES = [
    ("a", None),
    ("q_1", None),
    ("a" * 40, None),
    ("", "Give an id."),
    ("  ", "Give an id."),
    ("a" * 41, "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
    ("1st", "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
    ("_a", "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
    ("Summary", "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
    ("has-dash", "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
    ("zażółć", "Use lowercase letters, digits and underscores (at most 40), starting with a letter."),
]
ROWS = {"questions": ("form", question), "attachments": ("required_attachments", attachment),
        "criteria": ("criteria", criterion)}


@pytest.mark.parametrize("kind", ROWS)
@pytest.mark.parametrize("value, message", ID_CASES)
def test_row_ids(kind, value, message):
    field, row = ROWS[kind]
    assert errors_of(**{field: [row(id=value)]}) == ({f"{kind}.0.id": message} if message else {})


@pytest.mark.parametrize("kind", ROWS)
def test_row_ids_are_unique_within_their_list(kind):
    field, row = ROWS[kind]
    assert errors_of(**{field: [row(id="a"), row(id="b"), row(id="a")]}) == {
        f"{kind}.2.id": "This id is already used in this list."}


def test_the_same_id_may_be_used_in_different_lists():
    assert errors_of(form=[question(id="budget")], required_attachments=[attachment(id="budget")],
                     criteria=[criterion(id="budget")]) == {}


@pytest.mark.parametrize("kind, key", [("questions", "label"), ("attachments", "name"), ("criteria", "name")])
@pytest.mark.parametrize("pl, en, missing", [("Tekst", "Text", {}), ("", "Text", {"pl": "Give it in Polish."}),
                                             ("Tekst", " ", {"en": "Give it in English."})])
def test_rows_are_named_in_both_languages(kind, key, pl, en, missing):
    field, row = ROWS[kind]
    errors = errors_of(**{field: [row(**{key: bilingual(pl, en)})]})
    assert errors == {f"{kind}.0.{key}_{lang}": message for lang, message in missing.items()}


# --- questions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [k for k in QUESTION_TYPE_LABELS if k not in ("single_choice", "multiple_choice")])
def test_every_question_type_is_accepted(kind):
    assert errors_of(form=[question(type=kind)]) == {}


def test_an_unknown_question_type_is_refused():
    assert errors_of(form=[question(type="essay")]) == {"questions.0.type": "Choose a question type."}


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice"])
@pytest.mark.parametrize("options, message", [
    (["Yes", "No"], None),
    (["Yes", " ", "No"], None),  # blank lines are dropped
    (["Yes"], "List at least two options, one per line."),
    (["Yes", "  "], "List at least two options, one per line."),
    (["Yes", "Yes"], "Each option must be different."),
    (["Yes", " Yes "], "Each option must be different."),
])
def test_choice_questions_list_at_least_two_different_options(kind, options, message):
    errors = errors_of(form=[question(type=kind, options=options)])
    assert errors == ({"questions.0.options": message} if message else {})


def test_only_choice_questions_have_options():
    assert errors_of(form=[question(type="short_text", options=["A", "B"])]) == {
        "questions.0.options": "Only choice questions have options; clear this field."}


# --- attachments --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("types, valid", [
    ([PDF], True),
    (list(FILE_TYPE_LABELS), True),
    ([PDF, PDF], True),  # the same type twice is still one type
    ([], False),
    (["application/zip"], False),
    ([PDF, "application/zip"], False),  # an unlisted type is not silently dropped
])
def test_attachments_take_listed_file_types(types, valid):
    errors = errors_of(required_attachments=[attachment(types=types)])
    assert errors == ({} if valid else {"attachments.0.types": "Choose at least one of the listed file types."})


@pytest.mark.parametrize("max_size, valid", [
    (MB, True), (100 * MB, True), (None, False), (MB - 1, False), (100 * MB + 1, False), (0, False),
])
def test_attachment_size_limit_is_between_1_and_100_mb(max_size, valid):
    errors = errors_of(required_attachments=[attachment(max_size=max_size)])
    assert errors == ({} if valid else {"attachments.0.max_size": "Between 1 and 100 MB."})


# --- criteria -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("max_points, valid", [(1, True), (100, True), (0, False), (-1, False), (None, False)])
def test_criterion_max_points_is_positive(max_points, valid):
    errors = errors_of(criteria=[criterion(max_points=max_points)])
    assert errors == ({} if valid else {"criteria.0.max_points": "Give the maximum points (more than 0)."})


@pytest.mark.parametrize("weight, valid", [
    ("0.01", True), (Decimal("1.5"), True), ("2", True),
    ("0", False), ("-0.5", False), (None, False), ("", False), ("heavy", False),
])
def test_criterion_weight_is_positive(weight, valid):
    errors = errors_of(criteria=[criterion(weight=weight)])
    assert errors == ({} if valid else {"criteria.0.weight": "The weight must be more than 0."})


def test_an_infinite_weight_is_refused():
    assert "criteria.0.weight" in errors_of(criteria=[criterion(weight=Decimal("Infinity"))])


def test_a_weight_that_is_not_a_number_is_refused():
    assert "criteria.0.weight" in errors_of(criteria=[criterion(weight=Decimal("NaN"))])


@pytest.mark.parametrize("section_min, message", [
    (None, None),
    ("", None),
    (0, None),
    (10, None),  # equal to the criterion's maximum points
    (-1, "The section minimum cannot be negative."),
    (11, "The section minimum cannot exceed the maximum points."),
])
def test_criterion_section_minimum_is_between_0_and_its_maximum(section_min, message):
    errors = errors_of(criteria=[criterion(max_points=10, section_min=section_min)])
    assert errors == ({"criteria.0.section_min": message} if message else {})


# --- publishing -------------------------------------------------------------------------------------------

NOW = datetime(2030, 3, 10, 12, 0, tzinfo=timezone.utc)
NO_QUESTIONS = "Add at least one question to the application form."
CLOSED = "The closing time has passed; move it to the future."


@pytest.mark.parametrize("form, closes_at, problems", [
    ([question()], NOW + timedelta(seconds=1), []),
    ([question()], NOW, [CLOSED]),
    ([], NOW + timedelta(days=1), [NO_QUESTIONS]),
    (None, NOW - timedelta(days=1), [NO_QUESTIONS, CLOSED]),
])
def test_publish_problems(form, closes_at, problems):
    call = Call(call_type="restructuring_grant", title="Call", form=form, opens_at=OPENS, closes_at=closes_at)
    assert [str(p) for p in publish_problems(call, NOW)] == problems


def test_publish_problems_are_judged_against_the_current_time_by_default():
    past = datetime(2000, 1, 1, tzinfo=timezone.utc)
    call = Call(call_type="restructuring_grant", title="Call", form=[question()], opens_at=past, closes_at=past)
    assert [str(p) for p in publish_problems(call)] == [CLOSED]


# --- the parameters each call type offers ------------------------------------------------------------------

@pytest.mark.parametrize("call_type, expected", [
    (RESTRUCTURING_GRANT, {"eligible_organisation_types": ["social_cooperative"],
                           "max_requested_amount": Decimal("100000.00")}),
    (JOB_SUPPORT, {"eligible_organisation_types": ["ngo", "social_cooperative", "social_economy_entity",
                                                   "social_enterprise"],
                   "max_requested_amount": None, "max_ngo_age_months": None, "max_jobs": 10}),
    # A package's value cap is its amount limit, so it has no separate one.
    (DEVELOPMENT_PACKAGE, {"eligible_organisation_types": ["informal_group", "ngo"], "max_ngo_age_months": 24,
                           "min_group_adults": 3}),
])
def test_eligibility_parameters_follow_the_types_it_admits(call_type, expected):
    assert eligibility_parameters(call_type) == expected


@pytest.mark.parametrize("call_type", CALL_TYPES.values(), ids=CALL_TYPES.keys())
def test_rule_parameters_leave_out_fixed_tabled_and_eligibility_ones(call_type):
    names = set(rule_parameters(call_type))
    assert "currency" not in names
    assert not {n for n in names if n.endswith("_table")}
    assert not names & set(eligibility_parameters(call_type))
    assert "correction_days" in names and "durability_months" in names


def test_the_discrepancy_is_editable_only_where_a_third_evaluation_exists():
    assert "discrepancy_percent" in rule_parameters(RESTRUCTURING_GRANT)
    assert "discrepancy_percent" not in rule_parameters(DEVELOPMENT_PACKAGE)


# --- stored shapes ----------------------------------------------------------------------------------------

def test_normalise_question_trims_and_fills_in():
    assert normalise_question({"id": " q1 ", "label": {"pl": " Pytanie "}, "options": ["A", " ", None, " B "]}) == {
        "id": "q1", "type": "short_text", "label": {"pl": "Pytanie", "en": ""}, "help": {"pl": "", "en": ""},
        "required": False, "options": ["A", "B"]}


def test_normalise_attachment_keeps_listed_types_in_their_own_order():
    assert normalise_attachment({"id": "cv", "types": [PNG, "application/zip", PDF], "max_size": "2097152"}) == {
        "id": "cv", "name": {"pl": "", "en": ""}, "types": [PDF, PNG], "max_size": 2 * MB, "required": False}


@pytest.mark.parametrize("weight, stored", [(Decimal("1.50"), "1.5"), ("2", "2"), (Decimal("1E+1"), "10"),
                                            (None, None), ("", None), ("heavy", None)])
def test_normalise_criterion_stores_the_weight_as_plain_text(weight, stored):
    assert normalise_criterion({"id": "q", "max_points": "10", "weight": weight, "section_min": ""}) == {
        "id": "q", "name": {"pl": "", "en": ""}, "max_points": 10, "weight": stored, "section_min": None}


def stored_call(data: CallData) -> Call:
    return Call(call_type=RESTRUCTURING_GRANT.name, title=data.title, description=data.description, budget=data.budget,
                opens_at=data.opens_at, closes_at=data.closes_at, parameters={"correction_days": 7},
                form=[normalise_question(q) for q in data.form],
                required_attachments=[normalise_attachment(a) for a in data.required_attachments],
                criteria=[normalise_criterion(c) for c in data.criteria])


def test_a_call_read_back_as_call_data_differs_in_nothing():
    call = stored_call(valid_data())
    assert differences(call, call_data(call)) == {}


def test_differences_name_each_changed_field_with_before_and_after():
    call = stored_call(valid_data())
    changed = dataclasses.replace(call_data(call), budget=Decimal("300000"), closes_at=CLOSES + timedelta(days=1),
                                  parameters={**call_data(call).parameters, "correction_days": 10})
    assert differences(call, changed) == {
        "budget": ["250000.00", "300000.00"],
        "closes_at": [CLOSES.isoformat(), (CLOSES + timedelta(days=1)).isoformat()],
        "parameters.correction_days": [7, 10],
    }
