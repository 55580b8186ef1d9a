"""A new area plugs its facts and effects into the engine without editing another area's file."""
from __future__ import annotations

import types

import pytest

import grants.models  # noqa: F401 - every area plugged in
from grants.applications.models import Application
from grants.auth.models import Role
from grants.engine.core import GuardsFailed, available_actions, fire
from grants.engine.registry import binding_for, plug
from tests import factories


@pytest.fixture
def experiment():
    """An area made up on the spot, the way grants/<area>/workflow.py would write it."""
    area = types.SimpleNamespace(effects_seen=[])

    def scorecards_in(application, now):
        return 2  # as if two scorecards were stored

    def note(application, actor, ctx, from_state):
        area.effects_seen.append((application.id, from_state, getattr(actor, "id", None)))

    binding = binding_for(Application)
    # The evaluation area provides scorecards_submitted today; the experiment takes its place.
    original = binding.facts.pop("scorecards_submitted")
    area.plug = plug(Application, facts={"scorecards_submitted": scorecards_in}, effects={"start_check": note})
    yield area
    area.plug.unplug()
    binding.facts["scorecards_submitted"] = original


def test_a_new_area_adds_a_fact_and_an_effect(db, experiment):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="submitted")
    fire(application, "start_check", officer)
    assert experiment.effects_seen == [(application.id, "submitted", officer.id)]
    application.status = "merit_review"
    db.session.flush()
    # complete_review reads the plugged fact: two scorecards in, two required, no discrepancy.
    actions = {a.trigger: a for a in available_actions(application, None)}
    assert actions["complete_review"].enabled


def test_unplugging_restores_what_was_there(db, experiment):
    binding = binding_for(Application)
    experiment.plug.unplug()
    assert "scorecards_submitted" not in binding.facts and not binding.effects_of("start_check")
    experiment.plug = plug(Application)  # nothing left to take out at teardown


def test_one_fact_has_one_source(db):
    with pytest.raises(ValueError, match="already has the fact"):
        plug(Application, facts={"requested_amount": lambda application, now: 0})
    with pytest.raises(ValueError, match="no trigger"):
        plug(Application, effects={"no_such_trigger": lambda *args: None})


def test_a_guard_reading_a_fact_nobody_provides_is_a_programming_error(db):
    officer = factories.user(Role.PROGRAM_OFFICER)
    application = factories.application(status="formal_check")
    binding = binding_for(Application)
    saved = binding.facts.pop("formal_checklist_missing")
    try:
        with pytest.raises(KeyError):
            fire(application, "accept", officer)
    finally:
        binding.facts["formal_checklist_missing"] = saved
    db.session.rollback()


def test_today_no_scorecard_is_in(db):
    application = factories.application(status="merit_review")
    with pytest.raises(GuardsFailed, match="Not every scorecard"):
        fire(application, "complete_review", None)
