"""The ranking of a call (DESIGN §3.1): final scores from scorecards, pass or fail, order, and selection.

Pure Python on plain values, so a scheduled job, a test and an officer's page compute the same list, and a
stored ranking can be recomputed from its stored inputs (`to_json`, `from_json`, `inputs_digest`).

- A scorecard's total is Σ points × weight; one scorecard gives the final score, two give their mean.
- Two totals at least `discrepancy_percent` % of the maximum apart, or differing recommendations, call for
  a third scorecard: the final is the mean of the third total and the closer of the first two.
- Scores and per-criterion means are rounded to 2 decimals, half up, from the same scorecards.
- A pass needs `pass_threshold_percent` % of the maximum and every section minimum.
- Passing applications are ordered by score, the call's tie-breaks, submission time, then number; each is
  selected while the budget covers its amount; the first that does not fit and all below it are the reserve.
- A call decided by a commission vote (development packages) has no points: each member votes yes or no, the
  majority decides, the chair's vote breaks a tie, and the score is the share of yes votes in per cent (an
  upheld appeal's re-vote can only raise it). Passing applications are ordered by that share, then by
  submission time and number.

Totals are summed as integers (in units of the finest weight's last decimal place), so every sum, mean and
comparison is exact before the one rounding the rules ask for, whatever the caller's decimal context.
"""
from __future__ import annotations

import gc
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import (
    ROUND_CEILING,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from functools import lru_cache
from operator import add, itemgetter, le, mul
from types import MappingProxyType
from typing import Any

ALGORITHM_VERSION = 1

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
SUBMITTED_AT = "submitted_at"
CRITERION_PREFIX = "criterion:"
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])
_ROUNDING = Context(prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])
_DIGITS = re.compile(r"([0-9]+)")


class Outcome(StrEnum):
    SELECTED = "selected"
    RESERVE = "reserve"
    REJECTED = "rejected"


class Unrankable(ValueError):
    """Some applications cannot be ranked yet; `problems` maps each one's number to a reason code."""

    REASONS = {
        "missing_scorecards": "scorecards missing",
        "third_scorecard_missing": "a discrepancy without a third scorecard",
        "extra_scorecards": "more scorecards than the review uses",
        "invalid_scorecard": "a scorecard without valid points for every criterion",
        "missing_vote": "no vote of the commission",
    }

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        shown = [f"{number} ({self.REASONS[reason]})" for number, reason in list(self.problems.items())[:20]]
        more = len(self.problems) - len(shown)
        super().__init__("Cannot rank: " + ", ".join(shown) + (f" and {more} more" if more else ""))


class _Problem(Exception):
    def __init__(self, reason: str):
        super().__init__(Unrankable.REASONS[reason])
        self.reason = reason


# --- inputs -------------------------------------------------------------------------------------------

def _require_decimal(name: str, value: Any, *, minimum: Decimal | None = None, maximum: Decimal | None = None,
                     positive: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal, not {value!r}")
    if (positive and value <= 0) or (minimum is not None and value < minimum) or \
            (maximum is not None and value > maximum):
        raise ValueError(f"{name} is out of range: {value}")


def _is_int(value: Any) -> bool:
    return type(value) is int


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    max_points: int
    weight: Decimal
    section_min: int | None = None

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"a criterion needs an id, not {self.id!r}")
        if not _is_int(self.max_points) or self.max_points < 1:
            raise ValueError(f"criterion {self.id}: max_points must be a positive integer")
        _require_decimal(f"criterion {self.id}: weight", self.weight, positive=True)
        if self.section_min is not None and (not _is_int(self.section_min)
                                             or not 0 <= self.section_min <= self.max_points):
            raise ValueError(f"criterion {self.id}: section_min must be an integer from 0 to max_points")


@dataclass(frozen=True, slots=True)
class Scorecard:
    points: Mapping[str, int]
    recommend: bool

    def __post_init__(self):
        # Checked once here, so ranking only checks the points against the criteria; a read-only copy,
        # so the inputs of a ranking cannot change after it.
        points = MappingProxyType(dict(self.points))
        if not all(isinstance(key, str) for key in points) or not all(map(_is_int, points.values())) \
                or min(points.values(), default=0) < 0:
            raise ValueError(f"points must map criterion ids to integers from 0, not {dict(points)!r}")
        if type(self.recommend) is not bool:
            raise TypeError(f"recommend must be True or False, not {self.recommend!r}")
        object.__setattr__(self, "points", points)


@dataclass(frozen=True, slots=True)
class Vote:
    """A commission's votes on one application; `chair` is how the chair voted (None: did not vote)."""

    yes: int
    no: int
    chair: bool | None = None

    def __post_init__(self):
        if not (_is_int(self.yes) and _is_int(self.no)) or min(self.yes, self.no) < 0 or self.yes + self.no == 0:
            raise ValueError(f"a vote needs whole, non-negative counts and at least one vote, not {self.yes}/{self.no}")
        if self.chair is not None and type(self.chair) is not bool:
            raise TypeError(f"chair must be True, False or None, not {self.chair!r}")
        if (self.chair is True and self.yes == 0) or (self.chair is False and self.no == 0):
            raise ValueError("the chair's vote must be one of the votes counted")

    @property
    def cents(self) -> int:
        """The share of yes votes in hundredths of a per cent, rounded half up."""
        return (self.yes * 20000 + (self.yes + self.no)) // (2 * (self.yes + self.no))

    @property
    def carried(self) -> bool:
        """A majority of the votes cast; on a tie, the chair's vote decides (no chair's vote: not carried)."""
        return self.yes > self.no or (self.yes == self.no and self.chair is True)


@dataclass(frozen=True, slots=True)
class Candidate:
    application_id: int
    number: str
    submitted_at: datetime
    requested: Decimal
    scorecards: tuple[Scorecard, ...]
    reduced: Decimal | None = None
    # After an upheld appeal's re-evaluation: floor_after_appeal(earlier score, the new scorecard's total). The
    # final score is never below it; the first scorecards still give the criterion means.
    floor: Decimal | None = None
    # A commission's votes instead of scorecards; `floor` then is the share an earlier vote reached, and an
    # earlier carried vote stays carried.
    vote: Vote | None = None
    carried_before: bool = False

    def __post_init__(self):
        if not _is_int(self.application_id):
            raise TypeError(f"application_id must be an integer, not {self.application_id!r}")
        if not isinstance(self.number, str) or not self.number:
            raise ValueError(f"application {self.application_id} needs a number")
        if not isinstance(self.submitted_at, datetime) or self.submitted_at.utcoffset() is None:
            raise ValueError(f"{self.number}: submitted_at must be an aware datetime (UTC is stored)")
        _require_decimal(f"{self.number}: requested", self.requested, positive=True)
        if self.reduced is not None:
            _require_decimal(f"{self.number}: reduced", self.reduced, positive=True, maximum=self.requested)
        if self.floor is not None:
            _require_decimal(f"{self.number}: floor", self.floor, minimum=Decimal(0))
        object.__setattr__(self, "scorecards", tuple(self.scorecards))
        if not all(isinstance(card, Scorecard) for card in self.scorecards):
            raise TypeError(f"{self.number}: scorecards must be Scorecard objects")
        if self.vote is not None and not isinstance(self.vote, Vote):
            raise TypeError(f"{self.number}: vote must be a Vote")
        if self.vote is not None and self.scorecards:
            raise ValueError(f"{self.number}: a commission's vote or scorecards, not both")

    @property
    def amount(self) -> Decimal:
        """What selection would award: the officer-reduced amount where given, else the requested one."""
        return self.requested if self.reduced is None else self.reduced


@dataclass(frozen=True, slots=True)
class Parameters:
    budget: Decimal
    criteria: tuple[Criterion, ...]
    pass_threshold_percent: Decimal
    discrepancy_percent: Decimal
    evaluators: int
    tie_break: tuple[str, ...] = ()
    commission: bool = False  # decided by a commission's vote: no points, no criteria read

    def __post_init__(self):
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "tie_break", tuple(self.tie_break))
        _require_decimal("budget", self.budget, minimum=Decimal(0))
        _require_decimal("pass_threshold_percent", self.pass_threshold_percent, minimum=Decimal(0), maximum=HUNDRED)
        _require_decimal("discrepancy_percent", self.discrepancy_percent, minimum=Decimal(0), maximum=HUNDRED)
        if self.commission:
            if self.criteria or self.tie_break:
                raise ValueError("a commission's vote reads no criteria and no criterion tie-breaks")
            return
        _rules(self.criteria)
        if self.evaluators not in (1, 2) or not _is_int(self.evaluators):
            raise ValueError(f"evaluators must be 1 or 2, not {self.evaluators!r}")
        ids = {criterion.id for criterion in self.criteria}
        if len(set(self.tie_break)) != len(self.tie_break):
            raise ValueError(f"a tie-break is declared twice: {self.tie_break}")
        for key in self.tie_break:
            if key != SUBMITTED_AT and not (isinstance(key, str) and key.startswith(CRITERION_PREFIX)
                                            and key.removeprefix(CRITERION_PREFIX) in ids):
                raise ValueError(f"unknown tie-break {key!r}: use {SUBMITTED_AT!r} or 'criterion:<id>'")


# --- results ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Final:
    score: Decimal
    criterion_means: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class Placement:
    application_id: int
    position: int
    score: Decimal
    passed: bool
    outcome: Outcome
    amount: Decimal


# --- scoring ------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Rules:
    """The criteria as the scoring loop reads them, built once per set of criteria.

    Totals are kept as integers in units of 10**-scale (the finest decimal place of any weight), so sums,
    differences and comparisons are exact and cheap; Decimals are made only for what is returned.
    """

    ids: tuple[str, ...]
    points_of: Callable[[Mapping[str, int]], tuple[int, ...]]  # a card's points in criteria order
    maxima: tuple[int, ...]
    weights: tuple[int, ...]
    scale: int
    unit: int  # 10**scale: one point of weight 1
    max_total: Decimal
    # Means of n integer points, indexed by their sum: one card's points, or half the sum of two cards'.
    singles: tuple[Decimal, ...] = field(repr=False)
    halves: tuple[Decimal, ...] = field(repr=False)

    def decimal(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.scale, context=_EXACT)


@lru_cache(maxsize=64)
def _rules(criteria: tuple[Criterion, ...]) -> _Rules:
    if not criteria or not all(isinstance(criterion, Criterion) for criterion in criteria):
        raise ValueError("a call needs at least one criterion")
    ids = tuple(criterion.id for criterion in criteria)
    if len(set(ids)) != len(ids):
        raise ValueError(f"criterion ids must be unique: {ids}")
    # From the weights' values, not their spelling: 1.5 and 1.50 are one weight, and one set of rules.
    scale = max(0, *(-criterion.weight.normalize(_EXACT).as_tuple().exponent for criterion in criteria))
    weights = tuple(int(criterion.weight.scaleb(scale, context=_EXACT)) for criterion in criteria)
    maxima = tuple(criterion.max_points for criterion in criteria)
    top = max(maxima)
    with localcontext(_EXACT):
        return _Rules(ids=ids, points_of=itemgetter(*ids) if len(ids) > 1 else lambda points: (points[ids[0]],),
                      maxima=maxima, weights=weights, scale=scale, unit=10**scale,
                      max_total=Decimal(sum(map(mul, maxima, weights))).scaleb(-scale),
                      singles=tuple(_round(Decimal(s)) for s in range(top + 1)),
                      halves=tuple(_round(Decimal(s) / 2) for s in range(2 * top + 1)))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_ROUNDING)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_CEILING, context=_ROUNDING))


def _points(card: Scorecard, rules: _Rules) -> tuple[int, ...]:
    """The card's points in criteria order; the card itself has checked they are integers from 0."""
    points = card.points
    if len(points) != len(rules.ids):
        raise _Problem("invalid_scorecard")
    try:
        values = rules.points_of(points)
    except KeyError:
        raise _Problem("invalid_scorecard") from None
    if not all(map(le, values, rules.maxima)):
        raise _Problem("invalid_scorecard")
    return values


def _total(values: tuple[int, ...], rules: _Rules) -> int:
    return sum(map(mul, values, rules.weights))


def _apart_at(rules: _Rules, discrepancy_percent: Decimal) -> int:
    """The least 100 × |t1 − t2|, in total units, that is a discrepancy."""
    return _ceil(_EXACT.multiply(discrepancy_percent, rules.max_total).scaleb(rules.scale, context=_EXACT))


def _score(cards: Sequence[Scorecard], rules: _Rules, apart_at: int,
           evaluators: int) -> tuple[int, tuple[int, ...], tuple[int, ...] | None]:
    """The final score in cents and the points of the cards it comes from (one, or two to average).

    Raises _Problem when the review is incomplete or has more cards than it uses.
    """
    if len(cards) < evaluators:
        raise _Problem("missing_scorecards")
    if evaluators == 1:
        if len(cards) > 1:
            raise _Problem("extra_scorecards")
        first = _points(cards[0], rules)
        # cents = t × 100 rounded half up, t = units / 10**scale
        return (_total(first, rules) * 200 + rules.unit) // (2 * rules.unit), first, None
    first, second = _points(cards[0], rules), _points(cards[1], rules)
    t1, t2 = _total(first, rules), _total(second, rules)
    if abs(t1 - t2) * 100 >= apart_at or cards[0].recommend != cards[1].recommend:
        if len(cards) < 3:
            raise _Problem("third_scorecard_missing")
        if len(cards) > 3:
            raise _Problem("extra_scorecards")
        third = _points(cards[2], rules)
        t3 = _total(third, rules)
        d1, d2 = abs(t1 - t3), abs(t2 - t3)
        # Equally close: the higher total; equal totals too: the first card (its points feed the means).
        if d1 < d2 or (d1 == d2 and t1 >= t2):
            t2, second = t3, third
        else:
            t1, first = t3, third
    elif len(cards) > 2:
        raise _Problem("extra_scorecards")
    # cents = (t1 + t2) / 2 × 100 rounded half up
    return ((t1 + t2) * 100 + rules.unit) // (2 * rules.unit), first, second


def _means(rules: _Rules, first: tuple[int, ...], second: tuple[int, ...] | None) -> dict[str, Decimal]:
    if second is None:
        return dict(zip(rules.ids, map(rules.singles.__getitem__, first)))
    return dict(zip(rules.ids, map(rules.halves.__getitem__, map(add, first, second))))


def _cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2, context=_EXACT)


def total(card: Scorecard, criteria: Sequence[Criterion]) -> Decimal:
    """A scorecard's total, Σ points × weight, unrounded; ValueError if its points do not fit the criteria."""
    rules = _rules(tuple(criteria))
    try:
        return rules.decimal(_total(_points(card, rules), rules))
    except _Problem as problem:
        raise ValueError(str(problem)) from None


def max_total(criteria: Sequence[Criterion]) -> Decimal:
    """The highest total a scorecard can reach: Σ max_points × weight."""
    return _rules(tuple(criteria)).max_total


def needs_third(first: Scorecard, second: Scorecard, criteria: Sequence[Criterion],
                discrepancy_percent: Decimal) -> bool:
    """Whether two cards disagree: totals ≥ discrepancy_percent % of the maximum apart, or other recommendations."""
    _require_decimal("discrepancy_percent", discrepancy_percent, minimum=Decimal(0), maximum=HUNDRED)
    rules = _rules(tuple(criteria))
    try:
        t1, t2 = _total(_points(first, rules), rules), _total(_points(second, rules), rules)
    except _Problem as problem:
        raise ValueError(str(problem)) from None
    return first.recommend != second.recommend or abs(t1 - t2) * 100 >= _apart_at(rules, discrepancy_percent)


def final(cards: Sequence[Scorecard], criteria: Sequence[Criterion], discrepancy_percent: Decimal,
          evaluators: int) -> Final:
    """The final score and per-criterion means of one application, from its scorecards in assignment order.

    One evaluator: the card's total. Two: the mean of both totals, unless they disagree (see `needs_third`);
    then the mean of the third total and whichever of the first two is closer to it. If both are equally
    close, the higher of the two counts; if their totals are equal as well, the first card counts (its points
    feed the criterion means). Per-criterion means come from the same cards; everything is rounded to
    2 decimals, half up. ValueError if the review is incomplete or has more cards than it uses.
    """
    _require_decimal("discrepancy_percent", discrepancy_percent, minimum=Decimal(0), maximum=HUNDRED)
    if evaluators not in (1, 2) or not _is_int(evaluators):
        raise ValueError(f"evaluators must be 1 or 2, not {evaluators!r}")
    rules = _rules(tuple(criteria))
    try:
        cents, first, second = _score(tuple(cards), rules, _apart_at(rules, discrepancy_percent), evaluators)
    except _Problem as problem:
        raise ValueError(str(problem)) from None
    return Final(_cents(cents), _means(rules, first, second))


def floor_after_appeal(previous: Decimal, new: Decimal) -> Decimal:
    """A re-evaluation after an upheld appeal never lowers the score: the higher of the two."""
    _require_decimal("previous", previous)
    _require_decimal("new", new)
    return max(previous, new)


# --- ranking ------------------------------------------------------------------------------------------

class _Number(str):
    """An application number that sorts its digit runs as numbers, so 7/99999 comes before 7/100000.

    Only `<` is natural (it is all sorting uses); it runs only when everything before it in a key ties.
    """

    __slots__ = ()

    def __lt__(self, other: str) -> bool:
        return _natural(self) < _natural(other)


def _natural(number: str) -> tuple:
    parts = _DIGITS.split(number)
    # Digit runs sit at the odd places of the split, so like compares with like; the text itself breaks
    # the last ties (007 and 7).
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts)), str(number)


def _check_unique(candidates: Sequence[Candidate]) -> None:
    if len({c.number for c in candidates}) != len(candidates):
        raise ValueError("application numbers must be unique")
    if len({c.application_id for c in candidates}) != len(candidates):
        raise ValueError("application ids must be unique")


@contextmanager
def _collector_paused():
    """Ranking makes no reference cycles, but it allocates enough to set off the cyclic collector's full
    passes over the caller's heap, which holds the 100,000 candidates: those passes cost more than ranking."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def rank(candidates: Iterable[Candidate], params: Parameters) -> list[Placement]:
    """The ranking list: passing applications first, in order, each selected or reserve; then the rejected.

    Raises Unrankable (a ValueError) naming every application whose review is incomplete or inconsistent.
    """
    with _collector_paused():
        return _rank(tuple(candidates), params)


def _rank(candidates: tuple[Candidate, ...], params: Parameters) -> list[Placement]:
    _check_unique(candidates)
    if params.commission:
        return _select(*_voted(candidates), params.budget)
    rules = _rules(params.criteria)
    apart_at = _apart_at(rules, params.discrepancy_percent)
    # A score passes when cents ≥ pass_threshold_percent × max_total (both sides in hundredths).
    pass_at = _ceil(_EXACT.multiply(params.pass_threshold_percent, rules.max_total))
    index = {criterion_id: i for i, criterion_id in enumerate(rules.ids)}
    section_minima = tuple((index[c.id], c.section_min) for c in params.criteria if c.section_min is not None)
    # None stands for the submission time, an index for that criterion's mean (higher first).
    tie_break = tuple(None if key == SUBMITTED_AT else index[key.removeprefix(CRITERION_PREFIX)]
                      for key in params.tie_break)
    evaluators = params.evaluators
    means = rules.singles if evaluators == 1 else rules.halves
    # Passing first, by score, higher first, in one leading integer: Python's sort compares a leading small
    # int fastest, and on 100,000 candidates sorting is a third of the work.
    after_passing = _ceil(_EXACT.multiply(rules.max_total, HUNDRED)) + 1
    keys, scored, problems = [], [], {}
    for candidate in candidates:
        try:
            cents, first, second = _score(candidate.scorecards, rules, apart_at, evaluators)
        except _Problem as problem:
            problems[candidate.number] = problem.reason
            continue
        if candidate.floor is not None:
            cents = max(cents, int(_round(candidate.floor) * 100))
        # Every final of a call averages the same number of cards, so a criterion's sum of points indexes
        # its mean and orders like it.
        sums = first if second is None else tuple(map(add, first, second))
        passed = cents >= pass_at
        if passed:
            for i, minimum in section_minima:
                if means[sums[i]] < minimum:
                    passed = False
                    break
        lead = -cents if passed else after_passing - cents
        if tie_break:
            ties = [candidate.submitted_at if i is None else -sums[i] for i in tie_break]
            keys.append((lead, *ties, candidate.submitted_at, _Number(candidate.number)))
        else:
            keys.append((lead, candidate.submitted_at, _Number(candidate.number)))
        scored.append((candidate, cents, passed))
    if problems:
        raise Unrankable(problems)
    return _select(keys, scored, params.budget)


def _voted(candidates: tuple[Candidate, ...]) -> tuple[list, list]:
    """Sort keys and (candidate, cents, passed) of a commission's votes: carried first, by share of yes votes."""
    keys, scored, problems = [], [], {}
    for candidate in candidates:
        if candidate.vote is None:
            problems[candidate.number] = "missing_vote"
            continue
        cents, passed = candidate.vote.cents, candidate.vote.carried or candidate.carried_before
        if candidate.floor is not None:
            cents = max(cents, int(_round(candidate.floor) * 100))
        keys.append((0 if passed else 1, -cents, candidate.submitted_at, _Number(candidate.number)))
        scored.append((candidate, cents, passed))
    if problems:
        raise Unrankable(problems)
    return keys, scored


def _select(keys: list, scored: list, budget: Decimal) -> list[Placement]:
    """Down the sorted list: passing applications selected while the budget covers them, then the reserve."""
    placements, remaining, full, scores = [], budget, False, {}
    with localcontext(_EXACT):
        for position, row in enumerate(sorted(range(len(keys)), key=keys.__getitem__), start=1):
            candidate, cents, passed = scored[row]
            amount = candidate.amount
            if not passed:
                outcome = Outcome.REJECTED
            elif not full and amount <= remaining:
                outcome, remaining = Outcome.SELECTED, remaining - amount
            else:
                outcome, full = Outcome.RESERVE, True
            score = scores.get(cents)
            if score is None:  # scores repeat: one Decimal per distinct score
                score = scores[cents] = _cents(cents)
            placements.append(Placement(candidate.application_id, position, score, passed, outcome, amount))
    return placements


# --- stored inputs ------------------------------------------------------------------------------------

def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def _value(number: Decimal) -> str:
    """One spelling per value (1.50 and 1.5 are one weight), for the digest."""
    if number == 0:
        return "0"
    return format(number.normalize(_EXACT), "f")


def _criterion_json(criterion: Criterion, decimal) -> dict:
    return {"id": criterion.id, "max_points": criterion.max_points, "weight": decimal(criterion.weight),
            "section_min": criterion.section_min}


def _parameters_json(params: Parameters, decimal) -> dict:
    data = {"budget": decimal(params.budget), "criteria": [_criterion_json(c, decimal) for c in params.criteria],
            "pass_threshold_percent": decimal(params.pass_threshold_percent),
            "discrepancy_percent": decimal(params.discrepancy_percent), "evaluators": params.evaluators,
            "tie_break": list(params.tie_break)}
    if params.commission:  # only when set, so inputs stored before commissions keep their digest
        data["commission"] = True
    return data


def _candidate_json(candidate: Candidate, decimal) -> dict:
    data = {"application_id": candidate.application_id, "number": candidate.number,
            "submitted_at": _utc(candidate.submitted_at), "requested": decimal(candidate.requested),
            "reduced": None if candidate.reduced is None else decimal(candidate.reduced),
            "floor": None if candidate.floor is None else decimal(candidate.floor),
            "scorecards": [{"points": card.points.copy(), "recommend": card.recommend}
                           for card in candidate.scorecards]}
    if candidate.vote is not None:
        data["vote"] = {"yes": candidate.vote.yes, "no": candidate.vote.no, "chair": candidate.vote.chair}
    if candidate.carried_before:
        data["carried_before"] = True
    return data


def to_json(candidates: Iterable[Candidate], params: Parameters) -> dict:
    """The ranking's inputs as plain JSON data: Decimals as strings (exactly as given), datetimes in ISO UTC."""
    return {"algorithm_version": ALGORITHM_VERSION, "parameters": _parameters_json(params, str),
            "candidates": [_candidate_json(candidate, str) for candidate in candidates]}


def _decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise TypeError(f"a stored amount, weight or percentage must be a string, not {value!r}")
    return Decimal(value)


def from_json(data: Mapping[str, Any]) -> tuple[tuple[Candidate, ...], Parameters]:
    """The inputs `to_json` stored; ValueError if they were stored by another version of the algorithm."""
    if data.get("algorithm_version") != ALGORITHM_VERSION:
        raise ValueError(f"inputs of algorithm version {data.get('algorithm_version')!r}, "
                         f"this is version {ALGORITHM_VERSION}")
    p = data["parameters"]
    criteria = tuple(Criterion(c["id"], c["max_points"], _decimal(c["weight"]), c["section_min"])
                     for c in p["criteria"])
    params = Parameters(_decimal(p["budget"]), criteria, _decimal(p["pass_threshold_percent"]),
                        _decimal(p["discrepancy_percent"]), p["evaluators"], tuple(p["tie_break"]),
                        p.get("commission", False))
    candidates = tuple(
        Candidate(c["application_id"], c["number"], datetime.fromisoformat(c["submitted_at"]),
                  _decimal(c["requested"]),
                  tuple(Scorecard(dict(card["points"]), card["recommend"]) for card in c["scorecards"]),
                  None if c["reduced"] is None else _decimal(c["reduced"]),
                  None if c.get("floor") is None else _decimal(c["floor"]),
                  None if c.get("vote") is None else Vote(c["vote"]["yes"], c["vote"]["no"], c["vote"]["chair"]),
                  c.get("carried_before", False))
        for c in data["candidates"])
    return candidates, params


def inputs_digest(candidates: Iterable[Candidate], params: Parameters) -> str:
    """sha256 of a canonical JSON of everything `rank` reads and the algorithm version.

    Input order does not change a ranking (the order is total), so candidates are digested by number; a
    Decimal is digested by value, so 1.50 and 1.5 give one digest.
    """
    candidates = sorted(candidates, key=lambda candidate: candidate.number)
    canonical = {"algorithm_version": ALGORITHM_VERSION, "parameters": _parameters_json(params, _value),
                 "candidates": [_candidate_json(candidate, _value) for candidate in candidates]}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
