"""What officers and evaluators do in merit evaluation: pools, assignments and seeded draws, declarations,
scoring, and the automatic steps that follow the last scorecard.

Each function changes the database in the caller's transaction (the view commits) and writes one audit
entry per change; a refusal leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import json
import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from grants.access import membership_role
from grants.applications.models import Application
from grants.applications.workflow import members_to_notify
from grants.auth.models import Role, RoleAssignment, User
from grants.calls.models import Call
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.errors import Refusal
from grants.evaluation import ranking as algorithm
from grants.evaluation.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    Draw,
    PoolMember,
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
from grants.services.mail import queue_mail
from grants.types import utcnow

REVIEW_STATES = ("merit_review", "third_review")
# The declaration an evaluator makes before anything of the application is shown (stored with its time).
DECLARATION = {
    "pl": ("Oświadczam, że nie pozostaję z wnioskodawcą w związku małżeńskim, stosunku pokrewieństwa lub "
           "powinowactwa, stosunku pracy lub zlecenia ani w innym stosunku, który mógłby budzić uzasadnione "
           "wątpliwości co do mojej bezstronności, oraz że zachowam w tajemnicy wszystkie informacje, które "
           "poznam w trakcie oceny."),
    "en": ("I declare that I am not related to the applicant by marriage, kinship or affinity, employment or "
           "contract, nor in any other relationship that could give rise to reasonable doubt about my "
           "impartiality, and that I will keep confidential everything I learn in the course of the evaluation."),
}


# --- who evaluates what ------------------------------------------------------------------------------

def pool(call: Call) -> list[User]:
    return list(db.session.scalars(select(User).join(PoolMember, PoolMember.user_id == User.id)
                                   .where(PoolMember.call_id == call.id).order_by(User.name, User.id)))


def add_to_pool(call: Call, user: User, actor: User) -> PoolMember:
    if Role.EVALUATOR not in user.roles or not user.active:
        raise Refusal(_l("Only active staff with the evaluator role can evaluate."), status=422)
    member = db.session.scalar(select(PoolMember).where(PoolMember.call_id == call.id, PoolMember.user_id == user.id))
    if member is not None:
        return member
    member = PoolMember(call_id=call.id, user_id=user.id, added_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(member)
    except IntegrityError:  # added by another officer at the same moment
        return db.session.scalar(select(PoolMember).where(PoolMember.call_id == call.id,
                                                          PoolMember.user_id == user.id))
    audit.record("evaluation:pool:added", actor=actor, obj=call, data={"evaluator": user.id})
    return member


def remove_from_pool(call: Call, user: User, actor: User) -> None:
    """Out of the pool for new assignments; scorecards already assigned stay."""
    member = db.session.scalar(select(PoolMember).where(PoolMember.call_id == call.id, PoolMember.user_id == user.id))
    if member is not None:
        db.session.delete(member)
        audit.record("evaluation:pool:removed", actor=actor, obj=call, data={"evaluator": user.id})


def is_commission(call: Call) -> bool:
    """Decided by a commission's vote (development packages may be): the pool is the commission."""
    return bool(call.parameter("commission_vote"))


def chair_of(call: Call) -> User | None:
    return db.session.scalar(select(User).join(PoolMember, PoolMember.user_id == User.id)
                             .where(PoolMember.call_id == call.id, PoolMember.chair.is_(True)))


def set_chair(call: Call, user: User, actor: User) -> None:
    """One member of the commission chairs it; naming another hands the chair over."""
    lock(call)
    if not is_commission(call):
        raise Refusal(_l("This call is not decided by a commission's vote, so it has no chair."), status=409)
    members = db.session.scalars(select(PoolMember).where(PoolMember.call_id == call.id)).all()
    if user.id not in {m.user_id for m in members}:
        raise Refusal(_l("%(name)s is not in this call's commission.", name=user.name), status=422)
    for member in members:
        member.chair = member.user_id == user.id
    audit.record("evaluation:commission:chair", actor=actor, obj=call, data={"chair": user.id})


def _voters(application: Application, cards: list[Scorecard]) -> int:
    """The commission members who vote on an application: the pool, less anyone who may not evaluate it and
    anyone whose assignment to it ended (a conflict, taken back); nobody replaces them."""
    ended = {c.evaluator_id for c in cards if c.status not in ACTIVE_STATUSES}
    return sum(1 for user in pool(application.call) if user.id not in ended and can_evaluate(user, application))


def scorecards(application: Application) -> list[Scorecard]:
    return list(db.session.scalars(select(Scorecard).where(Scorecard.application_id == application.id)
                                   .order_by(Scorecard.slot)))


def current_round(application: Application) -> int:
    """1, or the round an upheld appeal opened for a re-evaluation."""
    return db.session.scalar(select(func.max(Reevaluation.round))
                             .where(Reevaluation.application_id == application.id)) or 1


def needed(application: Application, round_: int, cards: list[Scorecard] | None = None) -> int:
    """Scorecards the application's current stage needs: the call's evaluators, every voting member of a
    commission, one for a third evaluation, one for a re-evaluation after an upheld appeal."""
    if round_ > 1 or application.status == "third_review":
        return 1
    if is_commission(application.call):
        return _voters(application, cards if cards is not None else scorecards(application))
    if not application.call.type.uses("request_third_review"):
        return 1  # a call type without third evaluations (packages) has one evaluator
    return int(application.call.parameter("evaluators_per_application") or 1)


def stage_cards(application: Application, cards: list[Scorecard], round_: int) -> list[Scorecard]:
    """The active scorecards of the stage the application is in (the third evaluation is its own stage)."""
    active = [c for c in cards if c.round == round_ and c.status in ACTIVE_STATUSES]
    if round_ == 1 and is_commission(application.call):
        return active  # every member's vote
    first = needed(application, 1) if application.status != "third_review" else \
        int(application.call.parameter("evaluators_per_application") or 1)
    if round_ == 1 and application.status == "third_review":
        return active[first:]
    if round_ == 1:
        return active[:first]
    return active


def places_left(application: Application, cards: list[Scorecard], round_: int) -> int:
    if application.status not in REVIEW_STATES:
        return 0
    return max(0, needed(application, round_, cards) - len(stage_cards(application, cards, round_)))


def can_evaluate(user: User, application: Application) -> bool:
    """Active, an evaluator, never the officer who runs the call (officers never score), never one of the
    applicant's own people."""
    return user.active and Role.EVALUATOR in user.roles and Role.PROGRAM_OFFICER not in user.roles and \
        membership_role(user, application.organisation_id) is None


def assign(application: Application, evaluator: User, actor: User | None, *, draw: Draw | None = None,
           now: datetime | None = None) -> Scorecard:
    """Give the application to an evaluator of the call's pool who has never had it."""
    now = now or utcnow()
    lock(application)
    if application.status not in REVIEW_STATES:
        raise Refusal(_l("Evaluators are assigned to applications in merit review only."), status=422)
    in_pool = db.session.scalar(select(PoolMember.id).where(PoolMember.call_id == application.call_id,
                                                            PoolMember.user_id == evaluator.id))
    if in_pool is None:
        raise Refusal(_l("%(name)s is not in this call's pool of evaluators.", name=evaluator.name), status=422)
    cards, round_ = scorecards(application), current_round(application)
    if not application.call.criteria and not is_commission(application.call):
        raise Refusal(_l("This call has no scoring criteria: amend it before assigning evaluators."), status=409)
    if not can_evaluate(evaluator, application):
        raise Refusal(_l("%(name)s cannot evaluate this application: an evaluator must be active staff with the "
                         "evaluator role, not a program officer, and not a member of the applicant organisation.",
                         name=evaluator.name), status=422)
    if any(c.evaluator_id == evaluator.id for c in cards):
        raise Refusal(_l("%(name)s has already had this application (assigned, declined or in conflict): "
                         "choose someone else.", name=evaluator.name), status=422)
    if not places_left(application, cards, round_):
        raise Refusal(_l("This application already has the evaluators it needs."), status=409)
    days = int(application.call.parameter("scoring_days") or 14)
    card = Scorecard(application_id=application.id, call_id=application.call_id, evaluator_id=evaluator.id,
                     slot=max((c.slot for c in cards), default=0) + 1, round=round_,
                     assigned_at=now, assigned_by_id=getattr(actor, "id", None), draw_id=getattr(draw, "id", None),
                     due_at=now + timedelta(days=days))
    try:
        with db.session.begin_nested():
            db.session.add(card)
    except IntegrityError:
        raise Refusal(_l("%(name)s was assigned to this application meanwhile.", name=evaluator.name)) from None
    audit.record("evaluation:scorecard:assigned", actor=actor, obj=application,
                 data={"scorecard": card.id, "evaluator": evaluator.id, "slot": card.slot, "round": card.round,
                       "draw": getattr(draw, "id", None)})
    # The message names the call and the deadline, never the application: that waits for the declaration.
    queue_mail(evaluator.email, _l("A new application to evaluate"), "evaluation_assigned", locale=evaluator.locale,
               evaluator=evaluator, call=application.call, due_at=card.due_at)
    return card


def draw(call: Call, actor: User | None, *, seed: str | None = None, now: datetime | None = None) -> Draw:
    """Assign evaluators to every application of the call that still needs them: each place goes to the pool
    member with the fewest scorecards in this call, ties settled by a seeded shuffle that is recorded, so the
    same seed on the same data gives the same result. Never the same person twice on one application, and
    never anyone who had it before (declined, in conflict)."""
    seed = seed or secrets.token_hex(16)
    members = pool(call)
    if not members:
        raise Refusal(_l("Add evaluators to the call's pool first."), status=422)
    shuffled = list(members)
    random.Random(seed).shuffle(shuffled)
    tie = {user.id: index for index, user in enumerate(shuffled)}
    load = dict(db.session.execute(
        select(Scorecard.evaluator_id, func.count()).where(Scorecard.call_id == call.id,
                                                           Scorecard.status.in_(ACTIVE_STATUSES))
        .group_by(Scorecard.evaluator_id)).all())
    record = Draw(call_id=call.id, seed=seed, drawn_by_id=getattr(actor, "id", None), result=[])
    db.session.add(record)
    db.session.flush()
    applications = db.session.scalars(select(Application).where(Application.call_id == call.id,
                                                                Application.status.in_(REVIEW_STATES))
                                      .order_by(Application.id)).all()
    made, unfilled = [], []
    for application in applications:
        cards = scorecards(application)
        had = {c.evaluator_id for c in cards}
        for _ in range(places_left(application, cards, current_round(application))):
            free = [u for u in members if u.id not in had and can_evaluate(u, application)]
            if not free:
                unfilled.append(application.id)
                break
            chosen = min(free, key=lambda u: (load.get(u.id, 0), tie[u.id]))
            card = assign(application, chosen, actor, draw=record, now=now)
            had.add(chosen.id)
            load[chosen.id] = load.get(chosen.id, 0) + 1
            made.append([application.id, chosen.id, card.slot])
    record.result = made
    audit.record("evaluation:draw:made", actor=actor, obj=call,
                 data={"draw": record.id, "seed": seed, "assigned": len(made), "unfilled": unfilled})
    record.unfilled = unfilled  # for the page that reports it; not stored
    return record


# --- the evaluator's part -----------------------------------------------------------------------------

def _own(card: Scorecard, user: User, *statuses: ScorecardStatus) -> None:
    lock(card)
    if card.evaluator_id != user.id:
        raise Refusal(_l("This scorecard is not yours."), status=404)
    if card.status not in statuses:
        raise Refusal(_l("This scorecard can no longer be changed."), status=409)


def declare(card: Scorecard, user: User, locale: str, now: datetime | None = None) -> None:
    """Impartiality and confidentiality, declared in the evaluator's language before anything is shown."""
    _own(card, user, ScorecardStatus.ASSIGNED)
    card.status, card.declared_at, card.declaration_locale = ScorecardStatus.DECLARED, now or utcnow(), locale
    text = DECLARATION.get(locale, DECLARATION["en"])
    audit.record("evaluation:declaration:made", actor=user, obj=card.application,
                 data={"scorecard": card.id, "locale": locale,
                       "declaration_sha256": hashlib.sha256(text.encode()).hexdigest()})


def declare_conflict(card: Scorecard, user: User, reason: str, now: datetime | None = None) -> None:
    """A conflict of interest: the assignment ends and the person never sees the application."""
    _own(card, user, ScorecardStatus.ASSIGNED)
    card.status, card.conflict_reason, card.ended_at = ScorecardStatus.CONFLICT, reason.strip(), now or utcnow()
    audit.record("evaluation:conflict:declared", actor=user, obj=card.application, data={"scorecard": card.id})
    _tell_officers(card, "evaluation_conflict", _l("An evaluator declared a conflict of interest"))
    _after_ending(card, card.ended_at)


def withdraw(card: Scorecard, actor: User, reason: str, now: datetime | None = None) -> None:
    """An officer takes an assignment back (declined, overdue); the person never sees the application again."""
    lock(card)
    if card.status not in OPEN_STATUSES:
        raise Refusal(_l("Only an assignment not yet submitted can be taken back."), status=409)
    card.status, card.withdrawn_reason, card.ended_at = ScorecardStatus.WITHDRAWN, reason.strip(), now or utcnow()
    audit.record("evaluation:scorecard:withdrawn", actor=actor, obj=card.application,
                 data={"scorecard": card.id, "evaluator": card.evaluator_id, "reason": card.withdrawn_reason})
    _after_ending(card, card.ended_at)


def _after_ending(card: Scorecard, now: datetime) -> None:
    """A commission member who leaves is not replaced: when every other vote is in, the vote is complete."""
    db.session.flush()
    if is_commission(card.application.call):
        advance(card.application, now)


def program_officers() -> list[User]:
    return list(db.session.scalars(select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
                                   .where(RoleAssignment.role == Role.PROGRAM_OFFICER, User.active.is_(True))))


def _tell_officers(card: Scorecard, template: str, subject) -> None:
    """The officer who made the assignment, or every program officer for a drawn one."""
    officers = [card.assigned_by] if card.assigned_by is not None else program_officers()
    for officer in officers:
        queue_mail(officer.email, subject, template, locale=officer.locale, card=card,
                   application=card.application, evaluator=card.evaluator)


def criteria_of(call: Call) -> tuple[algorithm.Criterion, ...]:
    return tuple(algorithm.Criterion(c["id"], int(c["max_points"]), Decimal(str(c.get("weight") or 1)),
                                     c.get("section_min")) for c in call.criteria or ())


def criteria_scored(call: Call) -> list[dict]:
    """The criteria an evaluator scores: none where a commission votes."""
    return [] if is_commission(call) else list(call.criteria or ())


def check_scores(call: Call, points: dict, justifications: dict, recommend: bool | None, *,
                 complete: bool, comment: str | None = None) -> dict[str, str]:
    """Errors per field: points are whole numbers from 0 to the criterion's maximum; to submit, every
    criterion has points and a justification of the call's minimum length, and a recommendation is given.
    A commission member gives a vote and a comment of the minimum length instead."""
    errors: dict[str, str] = {}
    minimum = int(call.parameter("justification_min_chars") or 0)
    if is_commission(call):
        if complete and recommend is None:
            errors["recommend"] = str(_l("Vote yes or no."))
        if complete and len((comment or "").strip()) < max(minimum, 1):
            errors["comment"] = str(_l("Give the reason for your vote in at least %(n)d characters.",
                                       n=max(minimum, 1)))
        return errors
    for criterion in call.criteria or ():
        key, value = criterion["id"], points.get(criterion["id"])
        if value is None:
            if complete:
                errors[f"points-{key}"] = str(_l("Give the points."))
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= int(criterion["max_points"]):
            errors[f"points-{key}"] = str(_l("Whole points from 0 to %(max)d.", max=int(criterion["max_points"])))
        text = (justifications.get(key) or "").strip()
        if complete and len(text) < max(minimum, 1):
            errors[f"justification-{key}"] = str(_l("Justify the points in at least %(n)d characters.",
                                                    n=max(minimum, 1)))
    if complete and recommend is None:
        errors["recommend"] = str(_l("Say whether you recommend the application."))
    return errors


def save(card: Scorecard, user: User, points: dict, justifications: dict, recommend: bool | None, comment: str,
         now: datetime | None = None) -> None:
    _own(card, user, ScorecardStatus.DECLARED)
    call = card.application.call
    errors = check_scores(call, points, justifications, recommend, complete=False)
    if errors:
        raise Refusal(_l("Nothing was saved: some points need correcting."), status=422, errors=errors)
    known = {c["id"] for c in criteria_scored(call)}
    card.points = {k: v for k, v in points.items() if k in known and v is not None}
    card.justifications = {k: v.strip() for k, v in justifications.items() if k in known and (v or "").strip()}
    card.recommend, card.comment, card.saved_at = recommend, (comment or "").strip() or None, now or utcnow()
    card.total = _total(call, card) if len(card.points) == len(known) and (known or recommend is not None) else None


def _total(call: Call, card: Scorecard) -> Decimal:
    """Σ points × weight; a commission member's vote counts 100 for yes and 0 for no (the share of yes votes)."""
    if is_commission(call):
        return Decimal(100 if card.recommend else 0)
    return algorithm.total(algorithm.Scorecard(card.points, bool(card.recommend)), criteria_of(call))


def content_of(card: Scorecard) -> dict:
    return {"scorecard": card.id, "application": card.application_id, "evaluator": card.evaluator_id,
            "slot": card.slot, "round": card.round, "points": card.points, "justifications": card.justifications,
            "recommend": card.recommend, "comment": card.comment, "total": str(card.total)}


def submit(card: Scorecard, user: User, now: datetime | None = None) -> None:
    """Seal the scorecard (the database refuses any later change) and move the application on when it was
    the last one its stage waited for."""
    now = now or utcnow()
    _own(card, user, ScorecardStatus.DECLARED)
    call = card.application.call
    errors = check_scores(call, card.points or {}, card.justifications or {}, card.recommend, complete=True,
                          comment=card.comment)
    if errors:
        raise Refusal(_l("Not submitted: vote and give your reason first.") if is_commission(call) else
                      _l("Not submitted: points, justifications or the recommendation are missing (marked below)."),
                      status=422, errors=errors)
    card.total = _total(call, card).quantize(Decimal("0.01"))
    card.content_hash = hashlib.sha256(json.dumps(content_of(card), sort_keys=True, ensure_ascii=False,
                                                  separators=(",", ":")).encode()).hexdigest()
    card.status, card.submitted_at = ScorecardStatus.SUBMITTED, now
    db.session.flush()
    audit.record("evaluation:scorecard:submitted", actor=user, obj=card.application,
                 data={"scorecard": card.id, "total": str(card.total), "sha256": card.content_hash})
    advance(card.application, now)


# --- what follows by itself ---------------------------------------------------------------------------

def submitted_cards(application: Application) -> list[Scorecard]:
    return [c for c in scorecards(application) if c.status == ScorecardStatus.SUBMITTED]


def discrepancy(application: Application, cards: list[Scorecard] | None = None) -> bool:
    """The first two scorecards differ by the call's percentage of the maximum, or in their recommendation."""
    cards = [c for c in (cards if cards is not None else scorecards(application))
             if c.round == 1 and c.status == ScorecardStatus.SUBMITTED][:2]
    call = application.call
    if len(cards) < 2 or not call.type.uses("request_third_review") or is_commission(call):
        return False
    first, second = (algorithm.Scorecard(c.points, bool(c.recommend)) for c in cards)
    return algorithm.needs_third(first, second, criteria_of(call), Decimal(call.parameter("discrepancy_percent")))


def advance(application: Application, now: datetime) -> None:
    """Fire the review's next step as the system when the stage's scorecards are all in: the application's
    guards decide which (complete_review, request_third_review, complete_third_review)."""
    lock(application)  # two last scorecards submitted at once: the second sees the first
    cards, round_ = scorecards(application), current_round(application)
    active = stage_cards(application, cards, round_)
    stage = [c for c in active if c.status == ScorecardStatus.SUBMITTED]
    if application.status == "merit_review" and len(stage) == len(active) and \
            len(stage) >= max(needed(application, round_, cards), 1):
        third = round_ == 1 and discrepancy(application, cards)
        fire(application, "request_third_review" if third else "complete_review", SYSTEM_ACTOR, now=now)
        if third and draw_third(application, now) is None:
            _tell_officers_about(application, "evaluation_third_needed", _l("A third evaluator is needed"))
    elif application.status == "third_review" and stage:
        fire(application, "complete_third_review", SYSTEM_ACTOR, now=now)


def draw_third(application: Application, now: datetime) -> Scorecard | None:
    """A third evaluator from the pool, the least loaded who never had the application; None when nobody is free."""
    had = {c.evaluator_id for c in scorecards(application)}
    free = [u for u in pool(application.call) if u.id not in had and can_evaluate(u, application)]
    if not free:
        return None
    load = dict(db.session.execute(
        select(Scorecard.evaluator_id, func.count()).where(Scorecard.call_id == application.call_id,
                                                           Scorecard.status.in_(OPEN_STATUSES))
        .group_by(Scorecard.evaluator_id)).all())
    chosen = min(free, key=lambda u: (load.get(u.id, 0), u.id))
    return assign(application, chosen, None, now=now)


def _tell_officers_about(application: Application, template: str, subject) -> None:
    for officer in program_officers():
        queue_mail(officer.email, subject, template, locale=officer.locale, application=application)


def final_score(application: Application) -> Decimal | None:
    """The score the application's latest published ranking gave it (None before any)."""
    return db.session.scalar(
        select(RankingEntry.score).join(Ranking, Ranking.id == RankingEntry.ranking_id)
        .where(RankingEntry.application_id == application.id, Ranking.status == RankingStatus.PUBLISHED)
        .order_by(Ranking.published_at.desc()).limit(1))


def rounds_of(application_ids) -> dict[int, int]:
    """The current round of many applications in one query (1 where no appeal reopened the review)."""
    return dict(db.session.execute(select(Reevaluation.application_id, func.max(Reevaluation.round))
                                   .where(Reevaluation.application_id.in_(list(application_ids)))
                                   .group_by(Reevaluation.application_id)).all())


def summarise(application: Application, cards: list[Scorecard], round_: int) -> dict:
    """What the officer's overview shows of an application's review: points only once every scorecard of
    the stage is in (so an early score cannot sway who is assigned next), and whether the first two differ."""
    stage = stage_cards(application, cards, round_)
    complete = len(stage) >= max(needed(application, round_, cards), 1) and all(c.status == ScorecardStatus.SUBMITTED
                                                                for c in stage)
    # Once complete, every submitted scorecard of the round is shown (the third evaluation with the first two).
    scores = [c for c in cards if c.round == round_ and c.status == ScorecardStatus.SUBMITTED] if complete else []
    return {"complete": complete, "stage": stage, "scores": scores,
            "discrepancy": complete and round_ == 1 and discrepancy(application, cards),
            "places": places_left(application, cards, round_)}


def notify_applicants(application: Application, template: str, subject, **context) -> None:
    for member in members_to_notify(application):
        queue_mail(member.email, subject, template, locale=member.locale, application=application, **context)
