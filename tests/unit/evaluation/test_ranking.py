"""grants.evaluation.ranking: worked examples of DESIGN §3.1, stored inputs, and a plain reference to compare with."""
from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.evaluation import ranking
from grants.evaluation.ranking import (
    Candidate,
    Criterion,
    Final,
    Parameters,
    Scorecard,
    Unrankable,
    final,
    floor_after_appeal,
    from_json,
    inputs_digest,
    max_total,
    needs_third,
    rank,
    to_json,
    total,
)

# Maximum total 40 × 1.25 + 50 × 1 = 100, so points of the total read as percentages.
QUALITY, IMPACT = Criterion("quality", 40, Decimal("1.25")), Criterion("impact", 50, Decimal("1"))
CRITERIA = (QUALITY, IMPACT)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def card(quality: int, impact: int, recommend: bool = True) -> Scorecard:
    """A scorecard worth 1.25 × quality + impact."""
    return Scorecard({"quality": quality, "impact": impact}, recommend)


def agreed(quality: int, impact: int) -> tuple[Scorecard, Scorecard]:
    """Two identical scorecards: the final score is their total."""
    return card(quality, impact), card(quality, impact)


def candidate(application_id: int, cards, requested: str = "100", minutes: int = 0, reduced: str | None = None,
              number: str | None = None) -> Candidate:
    return Candidate(application_id, number or f"7/{application_id:05d}", T0 + timedelta(minutes=minutes),
                     Decimal(requested), tuple(cards), None if reduced is None else Decimal(reduced))


def params(budget: str = "1000", criteria=CRITERIA, evaluators: int = 2, tie_break=()) -> Parameters:
    return Parameters(Decimal(budget), criteria, Decimal("60"), Decimal("30"), evaluators, tie_break)


def outcomes(placements) -> list[tuple[int, int, str]]:
    return [(p.application_id, p.position, p.outcome) for p in placements]


def final_of(*cards: Scorecard, evaluators: int = 2, criteria=CRITERIA) -> Final:
    return final(cards, criteria, Decimal("30"), evaluators)


# --- totals and final scores ---------------------------------------------------------------------------

def test_total_is_points_times_weights():
    assert total(card(30, 35), CRITERIA) == Decimal("72.5")
    assert max_total(CRITERIA) == Decimal("100")


def test_weights_change_totals_and_the_discrepancy_threshold():
    heavy_a = (Criterion("a", 10, Decimal("2")), Criterion("b", 10, Decimal("0.5")))
    heavy_b = (Criterion("a", 10, Decimal("0.5")), Criterion("b", 10, Decimal("2")))
    assert total(Scorecard({"a": 7, "b": 4}, True), heavy_a) == Decimal("16")
    assert total(Scorecard({"a": 7, "b": 4}, True), heavy_b) == Decimal("11.5")
    assert max_total(heavy_a) == Decimal("25")
    # 30 % of 25 is 7.5: 16 against 8.5 is a discrepancy, 16 against 9 is not.
    first = Scorecard({"a": 7, "b": 4}, True)
    assert needs_third(first, Scorecard({"a": 3, "b": 5}, True), heavy_a, Decimal("30")) is True
    assert needs_third(first, Scorecard({"a": 3, "b": 6}, True), heavy_a, Decimal("30")) is False


def test_two_cards_give_their_mean_rounded_half_up():
    # 72.5 and 67.75: the mean 70.125 rounds up to 70.13 (half-even would give 70.12).
    assert final_of(card(30, 35), card(27, 34)) == Final(Decimal("70.13"),
                                                         {"quality": Decimal("28.50"), "impact": Decimal("34.50")})
    assert str(final_of(card(30, 35), card(27, 34)).score) == "70.13"


def test_discrepancy_by_points_counts_exactly_at_the_threshold():
    # 30 % of 100: 80 against 50 is a discrepancy, 80 against 50.25 is not.
    assert needs_third(card(40, 30), card(24, 20), CRITERIA, Decimal("30")) is True
    assert needs_third(card(40, 30), card(25, 19), CRITERIA, Decimal("30")) is False


def test_discrepancy_by_recommendation():
    assert needs_third(card(30, 35, True), card(30, 35, False), CRITERIA, Decimal("30")) is True


def test_third_card_is_averaged_with_the_closer_first_card():
    # 80, 50, then 75: the first (5 away) counts with the third.
    assert final_of(card(40, 30), card(24, 20), card(36, 30)) == Final(
        Decimal("77.50"), {"quality": Decimal("38.00"), "impact": Decimal("30.00")})
    # 80, 50, then 55: the second (5 away) counts.
    assert final_of(card(40, 30), card(24, 20), card(20, 30)) == Final(
        Decimal("52.50"), {"quality": Decimal("22.00"), "impact": Decimal("25.00")})


def test_equally_close_means_the_higher_card_counts():
    # 50, 80, then 65: both 15 away; the higher, second card counts, not the first.
    assert final_of(card(24, 20), card(40, 30), card(28, 30)) == Final(
        Decimal("72.50"), {"quality": Decimal("34.00"), "impact": Decimal("30.00")})


def test_equal_totals_with_other_recommendations_take_the_first_card():
    # 60 and 60, recommendations differ; the third is 70. Both are equally close and equally high:
    # the first card's points feed the means.
    result = final_of(card(40, 10, True), card(8, 50, False), card(20, 45))
    assert result == Final(Decimal("65.00"), {"quality": Decimal("30.00"), "impact": Decimal("27.50")})


def test_one_evaluator_call():
    plan = (Criterion("plan", 10, Decimal("0.125")), Criterion("team", 10, Decimal("1")))
    # 5 × 0.125 + 7 = 7.625, rounded half up.
    assert final_of(Scorecard({"plan": 5, "team": 7}, True), evaluators=1, criteria=plan) == Final(
        Decimal("7.63"), {"plan": Decimal("5.00"), "team": Decimal("7.00")})
    placements = rank([candidate(1, [Scorecard({"plan": 5, "team": 7}, False)])],
                      Parameters(Decimal("100"), plan, Decimal("50"), Decimal("30"), 1))
    assert [(p.score, p.passed, p.outcome) for p in placements] == [(Decimal("7.63"), True, "selected")]


@pytest.mark.parametrize("cards, message", [
    ((), "scorecards missing"),
    ((card(40, 30),), "scorecards missing"),
    ((card(40, 30), card(24, 20)), "a discrepancy without a third scorecard"),
    ((card(40, 30), card(40, 30), card(40, 30)), "more scorecards than the review uses"),
    ((card(40, 30), Scorecard({"quality": 41, "impact": 30}, True)), "without valid points"),
    ((card(40, 30), Scorecard({"quality": 40}, True)), "without valid points"),
])
def test_incomplete_or_inconsistent_reviews_have_no_final_score(cards, message):
    with pytest.raises(ValueError, match=message):
        final_of(*cards)


def test_scores_do_not_depend_on_the_callers_decimal_context():
    with localcontext(Context(prec=3, rounding=ROUND_DOWN)):
        assert final_of(card(30, 35), card(27, 34)).score == Decimal("70.13")
        assert total(card(30, 35), CRITERIA) == Decimal("72.5")


def test_floor_after_appeal_keeps_the_higher_score():
    assert floor_after_appeal(Decimal("70.13"), Decimal("65.00")) == Decimal("70.13")
    assert floor_after_appeal(Decimal("65.00"), Decimal("71.50")) == Decimal("71.50")
    with pytest.raises(TypeError):
        floor_after_appeal(Decimal("65.00"), 71.5)


# --- passing and ordering ------------------------------------------------------------------------------

def test_pass_threshold_is_inclusive():
    placements = rank([candidate(1, agreed(40, 10)), candidate(2, agreed(39, 11))], params())
    assert [(p.application_id, p.score, p.passed, p.outcome) for p in placements] == [
        (1, Decimal("60.00"), True, "selected"), (2, Decimal("59.75"), False, "rejected")]


def test_section_minimum_fails_an_otherwise_passing_application():
    with_minimum = (Criterion("quality", 40, Decimal("1.25"), section_min=20), IMPACT)
    placements = rank([
        candidate(1, agreed(16, 50)),                       # 70, but quality 16 < 20
        candidate(2, agreed(24, 32)),                       # 62
        candidate(3, [card(19, 40), card(21, 40)]),         # 65, quality mean exactly 20.00
    ], params(criteria=with_minimum))
    assert [(p.application_id, p.position, p.score, p.passed, p.outcome) for p in placements] == [
        (3, 1, Decimal("65.00"), True, "selected"),
        (2, 2, Decimal("62.00"), True, "selected"),
        (1, 3, Decimal("70.00"), False, "rejected"),        # failing applications come after passing ones
    ]


def test_tie_broken_by_a_named_criterion_then_submission_time():
    tied = [
        candidate(1, agreed(40, 20), minutes=0),            # 70, impact 20
        candidate(2, agreed(24, 40), minutes=10),           # 70, impact 40
        candidate(3, agreed(24, 40), minutes=5),            # 70, impact 40, earlier than 2
    ]
    declared = rank(tied, params(tie_break=("criterion:impact", "submitted_at")))
    assert [p.application_id for p in declared] == [3, 2, 1]
    assert [p.application_id for p in rank(tied, params())] == [1, 3, 2]  # by submission time alone


def test_full_ties_fall_back_to_the_application_number_in_numeric_order():
    tied = [candidate(1, agreed(40, 20), number="7/100000"), candidate(2, agreed(40, 20), number="7/99999"),
            candidate(3, agreed(40, 20), number="7/00042")]
    assert [p.application_id for p in rank(tied, params(tie_break=("submitted_at",)))] == [3, 2, 1]


def test_input_order_does_not_change_the_ranking():
    applications = [candidate(i, agreed(40 - i, 30), minutes=i % 3) for i in range(1, 9)]
    assert rank(applications, params("450")) == rank(applications[::-1], params("450"))


# --- selection -----------------------------------------------------------------------------------------

def four(first_requested: str = "100", second_reduced: str | None = None) -> list[Candidate]:
    """Scores 90, 80 and 70 (passing), then 50 (failing)."""
    return [candidate(1, agreed(40, 40), first_requested), candidate(2, agreed(40, 30), "200", reduced=second_reduced),
            candidate(3, agreed(40, 20), "50"), candidate(4, agreed(24, 20), "10")]


def test_budget_exactly_covering_selects_and_the_next_goes_to_reserve():
    assert outcomes(rank(four(), params("300"))) == [
        (1, 1, "selected"), (2, 2, "selected"), (3, 3, "reserve"), (4, 4, "rejected")]


def test_selection_stops_at_the_first_application_that_does_not_fit():
    # 150 is left after the first; the second (200) does not fit, so the third (50) waits in reserve too.
    assert outcomes(rank(four(), params("250"))) == [
        (1, 1, "selected"), (2, 2, "reserve"), (3, 3, "reserve"), (4, 4, "rejected")]


def test_amount_larger_than_the_whole_budget_puts_everyone_in_reserve():
    assert outcomes(rank(four(first_requested="1000"), params("500"))) == [
        (1, 1, "reserve"), (2, 2, "reserve"), (3, 3, "reserve"), (4, 4, "rejected")]


def test_zero_budget_puts_every_passing_application_in_reserve():
    placements = rank(four(), params("0"))
    assert outcomes(placements) == [(1, 1, "reserve"), (2, 2, "reserve"), (3, 3, "reserve"), (4, 4, "rejected")]
    assert [p.amount for p in placements] == [Decimal("100"), Decimal("200"), Decimal("50"), Decimal("10")]


def test_officer_reduced_amount_is_used():
    placements = rank(four(second_reduced="150"), params("300"))
    assert outcomes(placements) == [(1, 1, "selected"), (2, 2, "selected"), (3, 3, "selected"), (4, 4, "rejected")]
    assert [p.amount for p in placements] == [Decimal("100"), Decimal("150"), Decimal("50"), Decimal("10")]


def test_incomplete_reviews_cannot_be_ranked_and_are_named():
    applications = [candidate(1, [card(40, 30)]), candidate(2, [card(40, 30), card(24, 20)]),
                    candidate(3, agreed(40, 30))]
    with pytest.raises(ValueError, match=r"7/00001 \(scorecards missing\), 7/00002 \(a discrepancy") as raised:
        rank(applications, params())
    assert isinstance(raised.value, Unrankable)
    assert raised.value.problems == {"7/00001": "missing_scorecards", "7/00002": "third_scorecard_missing"}


def test_duplicate_numbers_cannot_be_ranked():
    with pytest.raises(ValueError, match="numbers must be unique"):
        rank([candidate(1, agreed(40, 30), number="7/1"), candidate(2, agreed(40, 30), number="7/1")], params())


# --- inputs are checked --------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error", [
    (lambda: Criterion("quality", 40, 1.25), TypeError),
    (lambda: Criterion("quality", 40, Decimal("1"), section_min=41), ValueError),
    (lambda: Scorecard({"quality": 1.0}, True), ValueError),
    (lambda: Scorecard({"quality": True}, True), ValueError),
    (lambda: Scorecard({"quality": -1}, True), ValueError),
    (lambda: Candidate(1, "7/1", datetime(2026, 3, 2), Decimal("1"), ()), ValueError),
    (lambda: Candidate(1, "7/1", T0, Decimal("100"), (), reduced=Decimal("101")), ValueError),
    (lambda: Candidate(1, "7/1", T0, Decimal("0"), ()), ValueError),
    (lambda: Parameters(Decimal("-1"), CRITERIA, Decimal("60"), Decimal("30"), 2), ValueError),
    (lambda: Parameters(Decimal("1"), CRITERIA, Decimal("60"), Decimal("30"), 3), ValueError),
    (lambda: Parameters(Decimal("1"), CRITERIA, Decimal("60"), Decimal("30"), 2, ("criterion:budget",)), ValueError),
    (lambda: Parameters(Decimal("1"), (QUALITY, QUALITY), Decimal("60"), Decimal("30"), 2), ValueError),
])
def test_invalid_inputs_are_refused(build, error):
    with pytest.raises(error):
        build()


def test_scorecard_points_are_a_read_only_copy():
    points = {"quality": 30, "impact": 35}
    scorecard = Scorecard(points, True)
    points["quality"] = 0
    assert total(scorecard, CRITERIA) == Decimal("72.5")
    with pytest.raises(TypeError):
        scorecard.points["quality"] = 0


def test_the_module_imports_only_the_standard_library():
    tree = ast.parse(Path(ranking.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}


# --- stored inputs -------------------------------------------------------------------------------------

WARSAW_SUMMER = timezone(timedelta(hours=2))


def stored_example() -> tuple[tuple[Candidate, ...], Parameters]:
    candidates = (
        candidate(1, agreed(40, 40), "100.50"),
        candidate(2, [card(40, 30), card(24, 20, False), card(36, 30)], "200", minutes=3, reduced="150.25"),
        Candidate(3, "7/00003", datetime(2026, 3, 2, 11, 0, tzinfo=WARSAW_SUMMER), Decimal("80"), agreed(40, 20)),
        candidate(4, agreed(24, 20), "10"),
    )
    return candidates, params("300", criteria=(replace(QUALITY, section_min=10), IMPACT),
                              tie_break=("criterion:quality", "submitted_at"))


def test_to_json_and_back_ranks_the_same_and_digests_the_same():
    candidates, parameters = stored_example()
    stored = json.loads(json.dumps(to_json(candidates, parameters)))
    assert stored["candidates"][2]["submitted_at"] == "2026-03-02T09:00:00+00:00"
    assert stored["candidates"][1]["reduced"] == "150.25"
    again = from_json(stored)
    assert rank(*again) == rank(candidates, parameters)
    assert inputs_digest(*again) == inputs_digest(candidates, parameters)
    assert to_json(*again) == stored


def test_inputs_of_another_algorithm_version_are_refused():
    stored = to_json(*stored_example())
    stored["algorithm_version"] = ranking.ALGORITHM_VERSION + 1
    with pytest.raises(ValueError, match="algorithm version"):
        from_json(stored)


def _with_candidate(inputs, index, **changes):
    candidates, parameters = inputs
    changed = list(candidates)
    changed[index] = replace(changed[index], **changes)
    return tuple(changed), parameters


def _with_card(inputs, index, card_index, **changes):
    cards = list(inputs[0][index].scorecards)
    cards[card_index] = replace(cards[card_index], **changes)
    return _with_candidate(inputs, index, scorecards=tuple(cards))


def _with_params(inputs, **changes):
    return inputs[0], replace(inputs[1], **changes)


CHANGES = {
    "budget": lambda i: _with_params(i, budget=Decimal("300.01")),
    "weight": lambda i: _with_params(i, criteria=(replace(i[1].criteria[0], weight=Decimal("1.5")), IMPACT)),
    "max points": lambda i: _with_params(i, criteria=(replace(i[1].criteria[0], max_points=41), IMPACT)),
    "section minimum": lambda i: _with_params(i, criteria=(replace(i[1].criteria[0], section_min=11), IMPACT)),
    "criterion id": lambda i: _with_params(i, criteria=(i[1].criteria[0], replace(IMPACT, id="reach")),
                                           tie_break=()),
    "pass threshold": lambda i: _with_params(i, pass_threshold_percent=Decimal("61")),
    "discrepancy": lambda i: _with_params(i, discrepancy_percent=Decimal("25")),
    "evaluators": lambda i: _with_params(i, evaluators=1),
    "tie-break": lambda i: _with_params(i, tie_break=("submitted_at",)),
    "tie-break order": lambda i: _with_params(i, tie_break=("submitted_at", "criterion:quality")),
    "requested": lambda i: _with_candidate(i, 0, requested=Decimal("100.51")),
    "reduced": lambda i: _with_candidate(i, 1, reduced=Decimal("150")),
    "reduced removed": lambda i: _with_candidate(i, 1, reduced=None),
    "submitted at": lambda i: _with_candidate(i, 0, submitted_at=T0 + timedelta(microseconds=1)),
    "number": lambda i: _with_candidate(i, 0, number="7/00009"),
    "application id": lambda i: _with_candidate(i, 0, application_id=9),
    "points": lambda i: _with_card(i, 1, 2, points={"quality": 35, "impact": 30}),
    "recommendation": lambda i: _with_card(i, 1, 1, recommend=True),
    "scorecard order": lambda i: _with_candidate(i, 1, scorecards=i[0][1].scorecards[::-1]),
    "candidate removed": lambda i: (i[0][1:], i[1]),
}


def test_the_digest_changes_when_any_input_changes(monkeypatch):
    inputs = stored_example()
    digests = {"original": inputs_digest(*inputs)}
    digests |= {name: inputs_digest(*change(inputs)) for name, change in CHANGES.items()}
    monkeypatch.setattr(ranking, "ALGORITHM_VERSION", ranking.ALGORITHM_VERSION + 1)
    digests["algorithm version"] = inputs_digest(*inputs)
    assert len(set(digests.values())) == len(digests), digests
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in digests.values())


def test_the_digest_ignores_what_cannot_change_a_ranking():
    candidates, parameters = stored_example()
    digest = inputs_digest(candidates, parameters)
    assert inputs_digest(candidates[::-1], parameters) == digest
    # 1.25 spelled 1.250; the same instant in another time zone.
    respelled = (replace(parameters.criteria[0], weight=Decimal("1.250")), IMPACT)
    moved = replace(candidates[0], submitted_at=candidates[0].submitted_at.astimezone(WARSAW_SUMMER))
    assert inputs_digest((moved, *candidates[1:]), replace(parameters, criteria=respelled)) == digest


# --- against a plain reference -------------------------------------------------------------------------

CENT = Decimal("0.01")


def ref_total(scorecard, criteria):
    return sum(scorecard.points[c.id] * c.weight for c in criteria)


def ref_disagree(first, second, criteria, discrepancy_percent):
    maximum = sum(c.max_points * c.weight for c in criteria)
    gap = abs(ref_total(first, criteria) - ref_total(second, criteria))
    return gap >= discrepancy_percent / 100 * maximum or first.recommend != second.recommend


def ref_natural(number):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", number)], number


def reference_rank(candidates, p):
    """DESIGN §3.1 read literally, in Decimals, with no care for speed."""
    maximum = sum(c.max_points * c.weight for c in p.criteria)
    rows = []
    for app in candidates:
        cards = app.scorecards
        if p.evaluators == 1:
            used = [cards[0]]
        elif ref_disagree(cards[0], cards[1], p.criteria, p.discrepancy_percent):
            first, second, third = (ref_total(c, p.criteria) for c in cards)
            closer_is_first = abs(first - third) < abs(second - third) or (
                abs(first - third) == abs(second - third) and first >= second)
            used = [cards[0] if closer_is_first else cards[1], cards[2]]
        else:
            used = [cards[0], cards[1]]
        score = (sum(ref_total(c, p.criteria) for c in used) / len(used)).quantize(CENT, ROUND_HALF_UP)
        means = {c.id: (Decimal(sum(card.points[c.id] for card in used)) / len(used)).quantize(CENT, ROUND_HALF_UP)
                 for c in p.criteria}
        passed = score >= p.pass_threshold_percent / 100 * maximum and all(
            means[c.id] >= c.section_min for c in p.criteria if c.section_min is not None)
        ties = [app.submitted_at if key == "submitted_at" else -means[key.split(":", 1)[1]] for key in p.tie_break]
        rows.append(((not passed, -score, *ties, app.submitted_at, ref_natural(app.number)), app, score, passed))
    rows.sort(key=lambda row: row[0])
    result, remaining, stopped = [], p.budget, False
    for position, (_, app, score, passed) in enumerate(rows, start=1):
        amount = app.reduced if app.reduced is not None else app.requested
        if not passed:
            outcome = "rejected"
        elif not stopped and amount <= remaining:
            outcome, remaining = "selected", remaining - amount
        else:
            outcome, stopped = "reserve", True
        result.append((app.application_id, position, score, passed, outcome, amount))
    return result


@st.composite
def calls(draw):
    """Small criteria (so ties are common), weights down to 1/8 (so single totals round), complete reviews,
    amounts in grosze, submission times that collide."""
    criteria = []
    for i in range(draw(st.integers(1, 3))):
        top = draw(st.integers(1, 5))
        criteria.append(Criterion(f"c{i}", top, Decimal(draw(st.sampled_from(["1", "0.5", "1.25", "0.125", "2"]))),
                                  draw(st.none() | st.integers(0, top))))
    criteria = tuple(criteria)
    evaluators = draw(st.sampled_from([1, 2]))
    discrepancy = Decimal(draw(st.sampled_from(["0", "10", "30", "100"])))
    threshold = Decimal(draw(st.sampled_from(["0", "50", "60", "100"])))
    keys = ["submitted_at", *(f"criterion:{c.id}" for c in criteria)]
    tie_break = tuple(draw(st.lists(st.sampled_from(keys), unique=True)))
    scorecards = st.builds(Scorecard, st.fixed_dictionaries({c.id: st.integers(0, c.max_points) for c in criteria}),
                           st.booleans())
    candidates = []
    # Numbers on both sides of 7/99999 → 7/100000, where text order and number order part.
    numbers = st.integers(99_995, 100_004) | st.integers(0, 200_000)
    for application_id, n in enumerate(draw(st.lists(numbers, unique=True, max_size=12)), start=1):
        cards = draw(st.tuples(scorecards, scorecards, scorecards))
        if evaluators == 1:
            cards = cards[:1]
        elif not ref_disagree(cards[0], cards[1], criteria, discrepancy):
            cards = cards[:2]
        requested = draw(st.integers(1, 60_000))
        reduced = draw(st.none() | st.integers(1, requested))
        candidates.append(Candidate(application_id, f"7/{n:05d}", T0 + timedelta(minutes=draw(st.integers(0, 2))),
                                    Decimal(requested).scaleb(-2), cards,
                                    None if reduced is None else Decimal(reduced).scaleb(-2)))
    return candidates, Parameters(Decimal(0), criteria, threshold, discrepancy, evaluators, tie_break)


@settings(max_examples=200, deadline=None, database=None)
@given(calls(), st.data())
def test_rank_agrees_with_the_reference(call, data):
    candidates, parameters = call
    # Budgets that matter: none, exactly the first k passing amounts, a grosz more or less, any.
    passing = [amount for _, _, _, passed, _, amount in reference_rank(candidates, parameters) if passed]
    k = data.draw(st.integers(0, len(passing)))
    budget = data.draw(st.sampled_from([
        Decimal(0), sum(passing[:k], Decimal(0)), sum(passing[:k], Decimal("0.01")),
        max(Decimal(0), sum(passing[:k], Decimal("-0.01"))), Decimal(data.draw(st.integers(0, 3000))),
    ]))
    parameters = replace(parameters, budget=budget)

    placements = rank(candidates, parameters)

    assert [(p.application_id, p.position, p.score, p.passed, p.outcome, p.amount) for p in placements] == \
        reference_rank(candidates, parameters)
    assert sum((p.amount for p in placements if p.outcome == "selected"), Decimal(0)) <= budget


def test_a_floor_after_an_upheld_appeal_keeps_the_score_from_falling_and_is_part_of_the_inputs():
    """A re-evaluation cannot lower the score: the floor (the higher of the earlier score and the new total)
    lifts the final; it travels in the stored inputs and their digest."""
    from datetime import datetime, timezone
    from decimal import Decimal

    from grants.evaluation import ranking as r

    criteria = (r.Criterion("a", 10, Decimal("1")),)
    params = r.Parameters(Decimal("100"), criteria, Decimal("60"), Decimal("30"), 1)
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    low = r.Candidate(1, "1/1", moment, Decimal("50"), (r.Scorecard({"a": 5}, True),))
    lifted = r.Candidate(1, "1/1", moment, Decimal("50"), (r.Scorecard({"a": 5}, True),),
                         floor=r.floor_after_appeal(Decimal("5.00"), Decimal("7.00")))
    assert r.rank([low], params)[0].passed is False
    placement = r.rank([lifted], params)[0]
    assert (placement.score, placement.passed, placement.outcome) == (Decimal("7.00"), True, "selected")
    assert r.inputs_digest([low], params) != r.inputs_digest([lifted], params)
    again = r.from_json(r.to_json([lifted], params))
    assert r.rank(*again) == r.rank([lifted], params)


# --- a commission's vote (development packages) ---------------------------------------------------------

def voted(application_id: int, yes: int, no: int, chair: bool | None = None, minutes: int = 0, requested="100",
          **fields) -> Candidate:
    return Candidate(application_id, f"P/{application_id}", T0 + timedelta(minutes=minutes), Decimal(requested),
                     (), vote=ranking.Vote(yes, no, chair), **fields)


COMMISSION = Parameters(Decimal("250"), (), Decimal("60"), Decimal("30"), 1, commission=True)


@pytest.mark.parametrize(("yes", "no", "chair", "carried", "share"), [
    (3, 1, None, True, "75.00"), (2, 2, True, True, "50.00"), (2, 2, False, False, "50.00"),
    (2, 2, None, False, "50.00"), (1, 2, True, False, "33.33"), (2, 1, False, True, "66.67"),
    (0, 5, None, False, "0.00"),
])
def test_the_majority_carries_a_vote_and_the_chair_breaks_a_tie(yes, no, chair, carried, share):
    vote = ranking.Vote(yes, no, chair)
    assert vote.carried is carried and Decimal(vote.cents) / 100 == Decimal(share)


def test_carried_votes_are_selected_by_their_share_then_submission_time_within_the_budget():
    placements = rank([voted(1, 2, 2, True, minutes=5), voted(2, 3, 1), voted(3, 2, 2, True, minutes=1),
                       voted(4, 1, 3), voted(5, 4, 0, requested="200")], COMMISSION)
    assert [(p.application_id, p.outcome, str(p.score)) for p in placements] == [
        (5, "selected", "100.00"), (2, "reserve", "75.00"), (3, "reserve", "50.00"), (1, "reserve", "50.00"),
        (4, "rejected", "25.00")]  # 200 + 100 > 250: the first that does not fit and all below are the reserve


def test_a_re_vote_after_an_upheld_appeal_cannot_lower_the_result():
    lowered = voted(1, 0, 1, floor=Decimal("50.00"), carried_before=True)  # the newcomer voted no
    raised = voted(2, 1, 0, floor=Decimal("25.00"))
    placements = {p.application_id: p for p in rank([lowered, raised], COMMISSION)}
    assert placements[1].passed and placements[1].score == Decimal("50.00")
    assert placements[2].passed and placements[2].score == Decimal("100.00")


@pytest.mark.parametrize(("build", "error"), [
    (lambda: ranking.Vote(0, 0), ValueError), (lambda: ranking.Vote(1, -1), ValueError),
    (lambda: ranking.Vote(0, 2, True), ValueError), (lambda: ranking.Vote(1, 1, "yes"), TypeError),
    (lambda: Parameters(Decimal(1), CRITERIA, Decimal(60), Decimal(30), 1, commission=True), ValueError),
    (lambda: Candidate(1, "P/1", T0, Decimal(1), (card(1, 1),), vote=ranking.Vote(1, 0)), ValueError),
])
def test_votes_that_cannot_be_counted_are_refused(build, error):
    with pytest.raises(error):
        build()


def test_a_commission_without_a_vote_on_an_application_cannot_rank_it():
    with pytest.raises(Unrankable) as caught:
        rank([voted(1, 2, 1), Candidate(2, "P/2", T0, Decimal(1), ())], COMMISSION)
    assert caught.value.problems == {"P/2": "missing_vote"}


def test_votes_are_stored_with_the_inputs_and_the_digest_of_scored_calls_is_unchanged():
    candidates = [voted(1, 2, 2, True), voted(2, 1, 0, floor=Decimal("25"), carried_before=True)]
    stored = json.loads(json.dumps(to_json(candidates, COMMISSION)))
    again, parameters = from_json(stored)
    assert rank(again, parameters) == rank(candidates, COMMISSION)
    assert inputs_digest(again, parameters) == inputs_digest(candidates, COMMISSION)
    assert inputs_digest([voted(1, 2, 2, False)], COMMISSION) != inputs_digest([voted(1, 2, 2, True)], COMMISSION)
    scored = [candidate(1, agreed(30, 40))]
    assert "commission" not in json.dumps(to_json(scored, params()))  # inputs stored before commissions digest alike
    assert "vote" not in to_json(scored, params())["candidates"][0]
