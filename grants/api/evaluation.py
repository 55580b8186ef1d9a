"""The scorecards behind an application's result, exactly as the web's results page shows them: staff who read
applications see the evaluators' names, and the current stage's points only once every scorecard of the stage is
in; the applicant's people see the submitted scorecards only once the results are published, anonymised as
"evaluator 1, 2, 3" in the order of assignment (never who, never when); anyone still scoring the application sees
nothing of it here; anyone else gets 404."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields

from grants.access import Permission, get_or_404
from grants.api.core import READ, access, answers, bp
from grants.applications.models import Application
from grants.applications.permissions import is_staff_view
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.models import Scorecard
from grants.evaluation.permissions import can_read_results

ROW_ID = "int(max=2147483647)"  # its id column is a 32-bit integer: a larger id is no row (404)

SCORE = {"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d+)?$", "description": "Points, as a decimal "
         "string."}


class ScorecardSchema(Schema):
    number = fields.Integer(required=True, metadata={"description": "Evaluator (or commission member) 1, 2, 3 … in "
                                                                    "the order of assignment."})
    evaluator_id = fields.Integer(metadata={"description": "Staff only."})
    evaluator_name = fields.String(metadata={"description": "Staff only."})
    round = fields.Integer(metadata={"description": "Staff only: above 1 for a re-evaluation after an appeal."})
    total = fields.Decimal(as_string=True, places=2, allow_none=True, metadata=SCORE | {
        "description": "The scorecard's total (none where a commission votes)."})
    recommend = fields.Boolean(allow_none=True, metadata={"description": "Recommends funding (a commission "
                                                                         "member: voted for it)."})
    points = fields.Dict(keys=fields.String(), required=True, metadata={"description": "Criterion id → points."})
    justifications = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    comment = fields.String(allow_none=True)


class ScorecardsSchema(Schema):
    commission = fields.Boolean(required=True, metadata={"description": "Decided by a commission's vote: the "
                                                                        "final score is the share of yes votes."})
    final_score = fields.Decimal(as_string=True, places=2, allow_none=True, metadata=SCORE | {
        "description": "The score of the latest published ranking; none before the results."})
    scorecards = fields.List(fields.Nested(ScorecardSchema), required=True)


def _shown(card: Scorecard, number: int, staff: bool, criteria: list[dict], commission: bool) -> dict:
    shown = {"number": number, "total": None if commission else card.total, "recommend": card.recommend,
             "points": {c["id"]: (card.points or {}).get(c["id"]) for c in criteria},
             "justifications": {c["id"]: (card.justifications or {}).get(c["id"], "") for c in criteria},
             "comment": card.comment}
    if staff:  # the applicant never learns who scored, nor which round a card belongs to
        shown |= {"evaluator_id": card.evaluator_id, "evaluator_name": card.evaluator.name, "round": card.round}
    return shown


@bp.get(f"/applications/<{ROW_ID}:application_id>/scorecards")
@access(READ, Permission.ACCOUNT_SELF_MANAGE)
@answers(404)
@bp.etag
@bp.response(200, ScorecardsSchema)
@bp.doc(tags=["Applications"], summary="The submitted scorecards behind its result", description=(
    "As the results page: staff see who scored, once the stage's scorecards are all in; the applicant sees them "
    "anonymised once the results are published (404 before); whoever is still scoring it gets 404."),
    security=[{"token": []}])
def application_scorecards(application_id: int):
    application = get_or_404(Application, application_id, can_read_results)
    cards = results.shown_scorecards(current_user, application)
    if cards is None:
        abort(404)
    staff, call = is_staff_view(current_user), application.call
    criteria, commission = ops.criteria_scored(call), ops.is_commission(call)
    return {"commission": commission, "final_score": ops.final_score(application),
            "scorecards": [_shown(card, number, staff, criteria, commission)
                           for number, card in enumerate(cards, 1)]}
