"""What the evaluation area tells the application workflow: the facts its review and ranking guards read.

Scorecards and rankings are not stored yet, so these facts say what is true of an application that
has none: no scorecard in, no discrepancy, no ranking published. The evaluation area replaces them
here, in its own file, when it stores scorecards.
"""
from __future__ import annotations

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
from grants.applications.models import Application
from grants.engine.registry import plug

PLUG = plug(Application, facts={
    "scorecards_submitted": lambda application, now: 0,
    "evaluators_required": lambda application, now: application.call.parameter("evaluators_per_application"),
    "discrepancy": lambda application, now: False,
    "third_review_allowed": lambda application, now: application.call.type.uses("request_third_review"),
    "third_scorecard_submitted": lambda application, now: False,
    "ranking_published": lambda application, now: False,
})
