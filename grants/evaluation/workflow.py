"""What the evaluation area tells the application workflow: the facts its review, ranking and appeal guards
read, and what those transitions change besides the status.

- review: how many scorecards the stage has in and needs, whether the first two differ enough to call a
  third evaluator (the call's percentage of the maximum, or different recommendations);
- ranking: published for the call; selecting writes the amount awarded, which the call's budget counts
  (and promoting from the reserve list is refused when the budget no longer covers it);
- appeals: every decision an applicant may appeal against sets the deadline, counted in working days of
  the programme's calendar from the notice; an appeal upheld against the merit review opens a new round.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
from grants.applications.models import Application
from grants.applications.queries import budget_available
from grants.auth.models import DayOff, Programme
from grants.engine.registry import plug
from grants.errors import Refusal
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.models import Ranking, RankingStatus, Reevaluation, ScorecardStatus
from grants.extensions import db
from grants.services.workdays import calendar_days_deadline, working_days_deadline
from workflows.base import Context


def _stage_submitted(application: Application, now) -> int:
    round_ = ops.current_round(application)
    cards = ops.stage_cards(application, ops.scorecards(application), round_)
    return sum(1 for c in cards if c.status == ScorecardStatus.SUBMITTED)


def _third_submitted(application: Application, now) -> bool:
    if application.status != "third_review":
        return False
    cards = ops.stage_cards(application, ops.scorecards(application), 1)
    return any(c.status == ScorecardStatus.SUBMITTED for c in cards)


def _ranking_published(application: Application, now) -> bool:
    return db.session.scalar(select(Ranking.id).where(Ranking.call_id == application.call_id,
                                                      Ranking.status == RankingStatus.PUBLISHED).limit(1)) is not None


PLUG = plug(Application, facts={
    "scorecards_submitted": _stage_submitted,
    "evaluators_required": lambda application, now: ops.needed(application, ops.current_round(application)),
    "discrepancy": lambda application, now: ops.current_round(application) == 1 and ops.discrepancy(application),
    "third_review_allowed": lambda application, now: application.call.type.uses("request_third_review"),
    "third_scorecard_submitted": _third_submitted,
    "ranking_published": _ranking_published,
})


# --- effects ----------------------------------------------------------------------------------------

def appeal_deadline(application: Application, notice) -> Any:
    """The end of the appeal window that opens with a notice: working days of the programme's calendar (the
    call's parameter), or calendar days for a statutory protest."""
    programme = Programme.for_request()
    call = application.call
    if call.parameter("appeal_calendar_days"):
        return calendar_days_deadline(notice, int(call.parameter("appeal_calendar_days")), zone=programme.time_zone,
                                      country=programme.holiday_country, extra=DayOff.all_days())
    return working_days_deadline(notice, int(call.parameter("appeal_working_days") or 5),
                                 zone=programme.time_zone, country=programme.holiday_country,
                                 extra=DayOff.all_days())


def _open_appeal_window(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    # Read without flushing: the transition writes the application once (one version step), at its end.
    with db.session.no_autoflush:
        application.appeal_due_at = appeal_deadline(application, ctx.data.get("notice_at") or ctx.now)


def _award(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """Selected: the amount the ranking decided (requested, or reduced by an officer) counts against the budget."""
    amount = ctx.data.get("amount")
    application.awarded_amount = amount if amount is not None else \
        (application.awarded_amount or application.requested_amount)


def _top_of_the_reserve_first(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """Promotions follow the published list: an application higher on the reserve list goes first, unless the
    budget left cannot cover it (then the next one that fits may be promoted)."""
    # Read without flushing: the budget as it was before this promotion, and one write of the application. The
    # reserve list is every reserve application's standing place, across the lists published after appeals.
    with db.session.no_autoflush:
        available = budget_available(application.call_id, application.call.budget)
        reserve = results.standing(application.call_id, "reserve")
    ahead = next((i for i, row in enumerate(reserve) if row.id == application.id), 0)
    above = next((row.number for row in reserve[:ahead] if row.amount <= available), None)
    if above is not None:
        raise Refusal(_l("Promote %(number)s first: it is higher on the reserve list and the budget covers it.",
                         number=above), status=409)


def _reserve(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """On the reserve list the amount is kept for a promotion (it counts against the budget only once
    selected), and the appeal window opens."""
    _award(application, actor, ctx, from_state)
    _open_appeal_window(application, actor, ctx, from_state)


def _reevaluate(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """An appeal upheld against the merit review: a new round, whose score cannot lower the one before."""
    if application.status != "merit_review":
        return
    with db.session.no_autoflush:
        round_, previous = ops.current_round(application) + 1, ops.final_score(application)
    db.session.add(Reevaluation(application_id=application.id, round=round_, previous_score=previous,
                                opened_by_id=getattr(actor, "id", None)))
    db.session.flush()


def _tell_appeal_decision(application: Application, actor: Any, ctx: Context, from_state: str) -> None:
    """The decision on an appeal is final and emailed, with its reason."""
    upheld = ctx.data.get("trigger") == "uphold" or application.status in ("formal_check", "merit_review")
    decision = _l("upheld") if upheld else _l("dismissed")
    ops.notify_applicants(application, "appeal_decided",
                          _l("Your appeal concerning %(number)s is decided", number=application.number),
                          decision=decision, reason=ctx.reason)


PLUG_EFFECTS = plug(Application, effects={
    "reject": _open_appeal_window,
    "leave_unconsidered": _open_appeal_window,
    "rank_select": _award,
    "promote": (_top_of_the_reserve_first, _award),
    "rank_reserve": _reserve,
    "rank_reject": _open_appeal_window,
    "uphold": (_reevaluate, _tell_appeal_decision),
    "dismiss": _tell_appeal_decision,
})
