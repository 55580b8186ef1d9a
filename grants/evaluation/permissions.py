"""Who may see what of merit evaluation.

An evaluator sees a scorecard of theirs that is still theirs (not taken back, no conflict declared); the
application behind it only once they have declared impartiality. Program officers see every scorecard,
but the points only once the application's stage is complete. Applicants see their own scorecards,
anonymised, once the call's results are published.
"""
from __future__ import annotations

from grants.access import Permission, has_permission, membership_role
from grants.evaluation.models import ScorecardStatus

VISIBLE_TO_EVALUATOR = (ScorecardStatus.ASSIGNED, ScorecardStatus.DECLARED, ScorecardStatus.SUBMITTED)


def can_hold_scorecard(user, card) -> bool:
    """The evaluator's own assignment, whatever its stage (the declaration page shows nothing of the application)."""
    return has_permission(user, Permission.APPLICATION_ASSIGNED_SCORE) and card.evaluator_id == user.id \
        and card.status in VISIBLE_TO_EVALUATOR


def can_read_assigned_application(user, card) -> bool:
    """The application behind the scorecard: only after the declaration."""
    return can_hold_scorecard(user, card) and card.status in (ScorecardStatus.DECLARED, ScorecardStatus.SUBMITTED)


def can_manage_evaluation(user, call) -> bool:
    return has_permission(user, Permission.CALL_ANY_MANAGE)


def can_read_results(user, application) -> bool:
    """Members of the applicant organisation, and staff who read applications."""
    return membership_role(user, application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)
