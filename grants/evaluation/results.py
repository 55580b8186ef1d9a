"""Ranking lists and results: computing a call's list from plain rows, storing it with its inputs, proving it by
recomputation, publishing it (every application moves in one transaction, every applicant is told), and
promotions from the reserve list."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, insert, select, update

from grants.applications.models import Application
from grants.applications.permissions import is_staff_view
from grants.applications.queries import budget_available
from grants.auth.models import User
from grants.calls.models import Call
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.errors import Refusal
from grants.evaluation import operations as ops
from grants.evaluation import ranking as algorithm
from grants.evaluation.models import (
    AmountReduction,
    Ranking,
    RankingEntry,
    RankingStatus,
    Reevaluation,
    Scorecard,
    ScorecardStatus,
)
from grants.extensions import db
from grants.locking import lock
from grants.services import audit
from grants.types import utcnow

UNFINISHED = ("submitted", "formal_check", "correction", "merit_review", "third_review", "appeal")
TRIGGERS = {"selected": "rank_select", "reserve": "rank_reserve", "rejected": "rank_reject"}
# The states after the results are published: the applicant reads its scorecards (anonymised) in these only.
PUBLISHED_STATES = ("selected", "reserve", "rejected", "appeal", "agreement", "implementation", "settlement",
                    "durability", "recovery", "closed", "cancelled")


def awarded(call: Call) -> Decimal:
    """What the call has awarded so far: its budget less what the budget guard counts as available."""
    return Decimal(call.budget) - budget_available(call.id, call.budget)


def parameters(call: Call, budget: Decimal) -> algorithm.Parameters:
    if ops.is_commission(call):  # a vote: no points, ties go by submission time
        return algorithm.Parameters(
            budget=budget, criteria=(), pass_threshold_percent=Decimal(call.parameter("pass_threshold_percent")),
            discrepancy_percent=Decimal(call.parameter("discrepancy_percent")), evaluators=1, commission=True)
    # Ties: the criteria in the order the call declares them (higher points first), then submission time.
    tie_break = tuple(f"criterion:{c['id']}" for c in call.criteria or ())
    return algorithm.Parameters(
        budget=budget, criteria=ops.criteria_of(call),
        pass_threshold_percent=Decimal(call.parameter("pass_threshold_percent")),
        discrepancy_percent=Decimal(call.parameter("discrepancy_percent")),
        evaluators=min(int(call.parameter("evaluators_per_application") or 1), 2), tie_break=tie_break)


def candidates(call: Call) -> list[algorithm.Candidate]:
    """Every scored application of the call as plain rows, in four queries whatever their number. An
    application re-evaluated after an upheld appeal keeps its first scorecards (its criterion means) and
    the higher of its earlier score and the re-evaluation's total (a re-evaluation cannot lower it)."""
    rows = db.session.execute(select(Application.id, Application.number, Application.submitted_at,
                                     Application.requested_amount)
                              .where(Application.call_id == call.id, Application.status == "scored")
                              .order_by(Application.id)).all()
    cards: dict[int, list] = {row.id: [] for row in rows}
    reevaluated = {application_id: (round_, previous) for application_id, round_, previous in db.session.execute(
        select(Reevaluation.application_id, Reevaluation.round, Reevaluation.previous_score)
        .join(Application, Application.id == Reevaluation.application_id)
        .where(Application.call_id == call.id).order_by(Reevaluation.round))}
    reduced = dict(db.session.execute(select(AmountReduction.application_id, AmountReduction.amount)
                                      .join(Application, Application.id == AmountReduction.application_id)
                                      .where(Application.call_id == call.id)).all())
    if ops.is_commission(call):
        return _voted(call, rows, reevaluated, reduced)
    floors: dict[int, Decimal] = {}
    for application_id, points, recommend, round_, total in db.session.execute(
            select(Scorecard.application_id, Scorecard.points, Scorecard.recommend, Scorecard.round, Scorecard.total)
            .where(Scorecard.call_id == call.id, Scorecard.status == ScorecardStatus.SUBMITTED)
            .order_by(Scorecard.application_id, Scorecard.slot)):
        if application_id not in cards:
            continue
        if round_ == 1:
            cards[application_id].append(algorithm.Scorecard(points, bool(recommend)))
        elif application_id in reevaluated and round_ == reevaluated[application_id][0]:
            previous = reevaluated[application_id][1] or Decimal(0)
            floors[application_id] = algorithm.floor_after_appeal(Decimal(previous), Decimal(total))
    return [algorithm.Candidate(row.id, row.number, _aware(row.submitted_at), Decimal(row.requested_amount),
                                tuple(cards[row.id]), reduced.get(row.id), floors.get(row.id))
            for row in rows]


def _voted(call: Call, rows, reevaluated: dict, reduced: dict) -> list[algorithm.Candidate]:
    """A commission's votes per application: yes and no counted, the chair's vote noted. After an upheld
    appeal the latest round's vote counts, and the earlier result is its floor: the share it reached, and
    whether it carried."""
    chair = ops.chair_of(call)
    tally: dict[tuple[int, int], list] = {}
    for application_id, evaluator_id, recommend, round_ in db.session.execute(
            select(Scorecard.application_id, Scorecard.evaluator_id, Scorecard.recommend, Scorecard.round)
            .where(Scorecard.call_id == call.id, Scorecard.status == ScorecardStatus.SUBMITTED)):
        counts = tally.setdefault((application_id, round_), [0, 0, None])
        counts[0 if recommend else 1] += 1
        if chair is not None and evaluator_id == chair.id:
            counts[2] = bool(recommend)
    carried = dict(db.session.execute(
        select(RankingEntry.application_id, RankingEntry.passed).join(Ranking, Ranking.id == RankingEntry.ranking_id)
        .where(Ranking.call_id == call.id, Ranking.status == RankingStatus.PUBLISHED)
        .order_by(Ranking.published_at)).all())  # the latest published list wins
    made = []
    for row in rows:
        round_, previous = reevaluated.get(row.id, (1, None))
        counts = tally.get((row.id, round_))
        vote = None if counts is None else algorithm.Vote(*counts)
        made.append(algorithm.Candidate(
            row.id, row.number, _aware(row.submitted_at), Decimal(row.requested_amount), (), reduced.get(row.id),
            None if round_ == 1 else Decimal(previous or 0), vote, round_ > 1 and bool(carried.get(row.id))))
    return made


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def compute(call: Call, actor: User | None, now: datetime | None = None) -> Ranking:
    """A draft ranking of the call's scored applications against the budget not yet awarded; it replaces
    the previous draft. Refused while applications are still in the formal check or in evaluation."""
    lock(call)
    unfinished = db.session.scalar(select(func.count()).select_from(Application)
                                   .where(Application.call_id == call.id, Application.status.in_(UNFINISHED)))
    if unfinished:
        raise Refusal(lazy_ngettext("%(num)d application is still in the formal check, in evaluation or in appeal: "
                                    "the ranking waits for it.",
                                    "%(num)d applications are still in the formal check, in evaluation or in appeal: "
                                    "the ranking waits for them.", unfinished), status=409)
    try:
        rows = candidates(call)
    except ValueError as error:  # e.g. an application requesting nothing: it cannot be ranked
        raise Refusal(_l("An application cannot be ranked: %(why)s.", why=str(error)), status=409) from None
    if not rows:
        raise Refusal(_l("No scored application is waiting for a ranking."), status=409)
    params = parameters(call, Decimal(call.budget) - awarded(call))
    try:
        placements = algorithm.rank(rows, params)
    except algorithm.Unrankable as error:
        raise Refusal(_l("Some reviews are incomplete: %(which)s.", which=", ".join(sorted(error.problems))),
                      status=409) from None
    db.session.execute(delete(Ranking).where(Ranking.call_id == call.id, Ranking.status == RankingStatus.DRAFT))
    ranking = Ranking(call_id=call.id, status=RankingStatus.DRAFT, algorithm_version=algorithm.ALGORITHM_VERSION,
                      inputs=algorithm.to_json(rows, params), digest=algorithm.inputs_digest(rows, params),
                      budget=params.budget, computed_at=now or utcnow(), computed_by_id=getattr(actor, "id", None))
    db.session.add(ranking)
    db.session.flush()
    db.session.execute(insert(RankingEntry), [
        {"ranking_id": ranking.id, "application_id": p.application_id, "position": p.position, "score": p.score,
         "passed": p.passed, "outcome": str(p.outcome), "amount": p.amount} for p in placements])
    audit.record("evaluation:ranking:computed", actor=actor, obj=call,
                 data={"ranking": ranking.id, "digest": ranking.digest, "applications": len(placements),
                       "budget": str(params.budget), "algorithm": algorithm.ALGORITHM_VERSION})
    return ranking


def entries(ranking: Ranking) -> list[RankingEntry]:
    return list(db.session.scalars(select(RankingEntry).where(RankingEntry.ranking_id == ranking.id)
                                   .order_by(RankingEntry.position)))


def verify(ranking: Ranking) -> bool:
    """Recompute from the stored inputs: the same digest and the same list, place by place."""
    rows, params = algorithm.from_json(ranking.inputs)
    if algorithm.inputs_digest(rows, params) != ranking.digest:
        return False
    again = [(p.application_id, p.position, p.score, p.passed, str(p.outcome), p.amount)
             for p in algorithm.rank(rows, params)]
    stored = [(e.application_id, e.position, Decimal(e.score), e.passed, e.outcome, Decimal(e.amount))
              for e in entries(ranking)]
    return again == stored


def publish(ranking: Ranking, actor: User, now: datetime | None = None) -> int:
    """Every application on the list moves (selected, reserve, rejected) in this one transaction, with the
    result notice dated now (the appeal window runs from it); every applicant is emailed."""
    now = now or utcnow()
    call = ranking.call
    lock(call)  # first the call, as compute does: the two never wait for each other in opposite orders
    lock(ranking)
    if ranking.status != RankingStatus.DRAFT:
        raise Refusal(_l("This ranking is already published."), status=409)
    current = candidates(call)
    if not verify(ranking) or algorithm.inputs_digest(current, parameters(call, Decimal(ranking.budget))) != \
            ranking.digest:
        raise Refusal(_l("The ranking no longer matches its inputs: compute it again."), status=409)
    selected = sum((Decimal(e.amount) for e in entries(ranking) if e.outcome == "selected"), Decimal(0))
    if selected > Decimal(call.budget) - awarded(call):
        raise Refusal(_l("The budget has changed since the ranking was computed: compute it again."), status=409)
    ranking.status, ranking.published_at, ranking.published_by_id, ranking.notice_at = \
        RankingStatus.PUBLISHED, now, actor.id, now
    db.session.flush()
    applications = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(select(RankingEntry.application_id)
                                                     .where(RankingEntry.ranking_id == ranking.id))))}
    outcomes = {"selected": _l("selected for funding"), "reserve": _l("placed on the reserve list"),
                "rejected": _l("not selected")}
    reductions = {r.application_id: r for r in db.session.scalars(
        select(AmountReduction).where(AmountReduction.application_id.in_(list(applications))))}
    for entry in entries(ranking):
        application = applications[entry.application_id]
        if application.status != "scored":
            raise Refusal(_l("Application %(number)s is no longer waiting for the ranking: compute it again.",
                             number=application.number), status=409)
        fire(application, TRIGGERS[entry.outcome], SYSTEM_ACTOR, now=now, amount=Decimal(entry.amount),
             notice_at=now, ranking=ranking.id)
        ops.notify_applicants(application, "results", _l("Results of the call %(call)s", call=call.title),
                              outcome=outcomes[entry.outcome], appeal_due_at=application.appeal_due_at,
                              amount=Decimal(entry.amount) if entry.outcome == "selected" else None,
                              reduction=reductions.get(application.id))
    # Ranked again after an appeal: the earlier places of these applications no longer stand.
    superseded = db.session.execute(
        update(RankingEntry).where(RankingEntry.application_id.in_(list(applications)),
                                   RankingEntry.ranking_id != ranking.id, RankingEntry.superseded_by_id.is_(None))
        .values(superseded_by_id=ranking.id)).rowcount
    audit.record("evaluation:ranking:published", actor=actor, obj=call,
                 data={"ranking": ranking.id, "digest": ranking.digest, "applications": len(applications),
                       "selected": str(selected), "superseded": superseded})
    return len(applications)


def standing(call_id: int, status: str):
    """The places that stand, of the call's applications in a status: each one's place on the latest published
    list that ranked it, in the call's order (a higher score first; on equal scores the earlier list, then the
    place on it). Rows of (application id, number, amount to award, score)."""
    return db.session.execute(
        select(Application.id, Application.number,
               func.coalesce(Application.awarded_amount, Application.requested_amount).label("amount"),
               RankingEntry.score)
        .join(RankingEntry, RankingEntry.application_id == Application.id)
        .join(Ranking, Ranking.id == RankingEntry.ranking_id)
        .where(Application.call_id == call_id, Application.status == status,
               Ranking.status == RankingStatus.PUBLISHED, RankingEntry.superseded_by_id.is_(None))
        .order_by(RankingEntry.score.desc(), Ranking.published_at, RankingEntry.position)).all()


def latest(call: Call) -> Ranking | None:
    return db.session.scalar(select(Ranking).where(Ranking.call_id == call.id)
                             .order_by(Ranking.computed_at.desc(), Ranking.id.desc()).limit(1))


def lists(call: Call) -> list[Ranking]:
    """The call's rankings, the newest first: the draft, the list published with the results, and any list
    published after appeals."""
    return list(db.session.scalars(select(Ranking).where(Ranking.call_id == call.id)
                                   .order_by(Ranking.computed_at.desc(), Ranking.id.desc())))


def reduce_amount(application: Application, actor: User, amount: Decimal, reason: str) -> None:
    """An officer awards less than requested, with a reason; read by the next ranking and by a promotion."""
    lock(application)
    if application.status not in ("scored", "reserve"):
        raise Refusal(_l("The amount can be reduced while the application awaits the ranking or is on the "
                         "reserve list."), status=409)
    if not Decimal("0") < amount <= application.requested_amount:
        raise Refusal(_l("Give an amount above zero and at most the requested one."), status=422)
    reduction = db.session.scalar(select(AmountReduction).where(AmountReduction.application_id == application.id))
    if reduction is None:
        reduction = AmountReduction(application_id=application.id, amount=amount, reason=reason, by_id=actor.id)
        db.session.add(reduction)
    else:
        reduction.amount, reduction.reason, reduction.by_id, reduction.at = amount, reason, actor.id, utcnow()
    if application.status == "reserve":
        application.awarded_amount = amount  # what a promotion would award
    audit.record("evaluation:amount:reduced", actor=actor, obj=application,
                 data={"amount": str(amount), "requested": str(application.requested_amount), "reason": reason})


def shown_scorecards(user, application: Application) -> list[Scorecard] | None:
    """The submitted scorecards behind a result that this person (who may read the application's results) is
    shown, in the order of their slots; None where nothing is to be shown at all (a 404): to the applicant before
    the results are published, and to anyone still scoring the application, who never reads the others' cards.
    Staff see the current stage's points only once every scorecard of the stage is in."""
    staff = is_staff_view(user)
    if not staff and application.status not in PUBLISHED_STATES:
        return None
    cards = ops.scorecards(application)
    if any(c.evaluator_id == user.id and c.open for c in cards):
        return None
    round_ = ops.current_round(application)
    if staff and application.status in ops.REVIEW_STATES and not ops.summarise(application, cards, round_)["complete"]:
        cards = [c for c in cards if c.round < round_]  # the current stage's points once all are in
    return [c for c in cards if c.status == ScorecardStatus.SUBMITTED]
