"""Static checks of every declared workflow and call type; no database, no Flask app."""
from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from grants.auth.models import OrganisationType, Role
from workflows import WORKFLOWS
from workflows.base import RELATIONS, ROLES, SYSTEM, Guard, Workflow
from workflows.call_types import CADENCES, CALL_TYPES, PAYMENT_MODELS, RATE_TABLES
from workflows.describe import snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
ALL = pytest.mark.parametrize("workflow", list(WORKFLOWS.values()), ids=list(WORKFLOWS))


def reachable(workflow: Workflow) -> set[str]:
    seen, frontier = {workflow.initial}, [workflow.initial]
    while frontier:
        state = frontier.pop()
        for t in workflow.transitions_from(state):
            if t.dest not in seen:
                seen.add(t.dest)
                frontier.append(t.dest)
    return seen


@ALL
def test_every_state_is_reachable_from_the_initial_state(workflow):
    assert set(workflow.state_names) - reachable(workflow) == set()


@ALL
def test_no_non_final_state_is_a_dead_end(workflow):
    dead = [s.name for s in workflow.states if not s.final and not workflow.transitions_from(s.name)]
    assert dead == []


@ALL
def test_final_states_have_no_exit_except_recovery(workflow):
    # A closed grant may still be sent to recovery (DESIGN §3.1); nothing else leaves a final state.
    leaving = [(t.trigger, s) for t in workflow.transitions for s in t.source
               if workflow.state(s).final and t.trigger != "open_recovery"]
    assert leaving == []


@ALL
def test_transitions_name_declared_states_roles_relations_and_guards(workflow):
    names = set(workflow.state_names)
    assert workflow.initial in names
    assert len(names) == len(workflow.states), "duplicate state names"
    for t in workflow.transitions:
        assert set(t.source) <= names and t.dest in names, t.trigger
        assert t.who and t.who <= ROLES, (t.trigger, t.who)
        assert t.relation is None or t.relation in RELATIONS, t.trigger
        assert all(isinstance(g, Guard) for g in t.guards), t.trigger
        if t.timer:
            assert t.who == {SYSTEM}, f"{t.trigger}: only the scheduler fires timed transitions"


def test_declared_roles_are_the_apps_roles():
    assert ROLES - {SYSTEM} == {r.value for r in Role}


@ALL
def test_rows_sharing_a_trigger_agree_on_who_may_fire_it(workflow):
    # The engine checks roles before it knows which row's guards will hold, so they must agree.
    for state in workflow.state_names:
        for trigger in workflow.triggers:
            rows = workflow.transitions_from(state, trigger)
            assert len({(t.who, t.relation, t.reason_required) for t in rows}) <= 1, (state, trigger)
            if len(rows) > 1:
                assert all(any(g.routing for g in t.guards) for t in rows), \
                    f"{state}/{trigger}: alternative rows must be told apart by routing guards"


@ALL
def test_labels_are_complete_in_both_languages(workflow):
    labels = [workflow.label] + [s.label for s in workflow.states] + [s.public for s in workflow.states if s.public]
    labels += [t.label for t in workflow.transitions]
    labels += [g.unmet for t in workflow.transitions for g in t.guards]
    for label in labels:
        assert label.pl.strip() and label.en.strip(), label
    # A state's label in one language is not just the other language's text copied over.
    copied = [s.name for s in workflow.states if s.label.pl == s.label.en]
    assert copied == []


def test_guard_names_are_unique():
    guards = {}
    for workflow in WORKFLOWS.values():
        for t in workflow.transitions:
            for g in t.guards:
                assert guards.setdefault(g.name, g) is g, f"two guards named {g.name}"


@ALL
def test_declaration_matches_its_snapshot(workflow):
    """A change to a workflow shows in review as a change to this file.

    After an intended change run: POMOST_UPDATE_SNAPSHOTS=1 pytest tests/workflows/test_declarations.py
    """
    path = SNAPSHOTS / f"{workflow.name}.json"
    current = json.dumps(snapshot(workflow), ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("POMOST_UPDATE_SNAPSHOTS") == "1":
        path.write_text(current, encoding="utf-8")
    assert path.exists(), f"no snapshot for {workflow.name}; create it with POMOST_UPDATE_SNAPSHOTS=1"
    assert path.read_text(encoding="utf-8") == current


@pytest.mark.parametrize("call_type", list(CALL_TYPES.values()), ids=list(CALL_TYPES))
def test_call_types_are_consistent(call_type):
    application = WORKFLOWS["application"]
    assert call_type.disabled_triggers <= set(application.triggers)
    assert call_type.payment_model in PAYMENT_MODELS
    assert call_type.reporting_cadence in CADENCES
    assert set(call_type.uses_workflows) <= set(WORKFLOWS)
    assert call_type.eligible_organisation_types <= {t.value for t in OrganisationType}
    assert call_type.label.pl and call_type.label.en and call_type.description.pl and call_type.description.en
    for name, value in call_type.defaults().items():
        assert not isinstance(value, float), f"{call_type.name}.{name}: money and rates are Decimal, never float"
        if name.endswith("_table"):
            assert value in RATE_TABLES
    # Without a disabled step, every application state stays reachable for this call type.
    kept = [t for t in application.transitions if t.trigger not in call_type.disabled_triggers]
    pruned = Workflow(application.name, application.label, application.initial, application.states, tuple(kept))
    unreachable = set(application.state_names) - reachable(pruned)
    assert unreachable <= {"third_review"}, unreachable


def test_call_type_defaults_match_the_design():
    job = CALL_TYPES["job_support"].defaults()
    package = CALL_TYPES["development_package"].defaults()
    assert job["max_jobs"] == 10 and job["bridging_basic_months"] == 6 and job["bridging_extended_months"] == 6
    assert package["evaluators_per_application"] == 1 and package["package_cap"] == Decimal("5000.00")
    assert CALL_TYPES["restructuring_grant"].defaults()["evaluators_per_application"] == 2
    assert CALL_TYPES["restructuring_grant"].defaults()["correction_days"] == 7
    assert job["job_rate_table"] == "job_create" and job["bridging_cap_table"] == "minimum_wage"


def test_workflows_package_does_not_import_flask():
    import subprocess
    import sys

    code = "import sys, workflows, workflows.call_types, workflows.describe; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_readme_diagram_is_generated_from_the_declaration():
    """Run `make diagrams` after changing workflows/application.py."""
    from workflows.describe import readme_block

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert readme_block(WORKFLOWS["application"]) in readme


@ALL
def test_dot_source_draws_every_state_and_transition(workflow):
    from workflows.describe import dot, edges

    source = dot(workflow, "pl")
    for state in workflow.states:
        assert f'"{state.name}" [label="{state.label.pl}"' in source
    for (src, dest, _trigger), t in edges(workflow).items():
        assert f'"{src}" -> "{dest}" [label="{t.label.pl}"' in source


def test_every_guard_scope_has_a_row_to_lock():
    import grants.models  # noqa: F401 - registers the bindings
    from grants.engine.registry import bindings

    for binding in bindings():
        scopes = {g.scope for t in binding.workflow.transitions for g in t.guards if g.scope}
        assert scopes <= set(binding.scopes), (
            f"{binding.workflow.name}: no lock for scopes {scopes - set(binding.scopes)}")
