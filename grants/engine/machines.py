"""One shared transitions.Machine per workflow, built once at import; never a machine per row.

Objects are passed to the machine's events as arguments (`event.trigger(obj, ...)`), so no model is
ever added to a machine and firing costs microseconds, not a machine construction.
"""
from __future__ import annotations

from typing import Any, Callable

from transitions import Machine

from workflows import WORKFLOWS
from workflows.base import Guard, Transition, Workflow


def _condition(guard: Guard) -> Callable[[Any], bool]:
    def check(event) -> bool:
        return guard(event.kwargs["ctx"])

    check.__name__ = guard.name
    return check


def _remember(declared: Transition) -> Callable[[Any], None]:
    # The engine needs the declared row that fired (labels, who, data for history).
    def after(event) -> None:
        event.kwargs["outcome"]["transition"] = declared

    return after


def build(workflow: Workflow) -> Machine:
    machine = Machine(
        model=None,
        states=list(workflow.state_names),
        initial=workflow.initial,
        auto_transitions=False,
        send_event=True,
        model_attribute="status",
        ignore_invalid_triggers=False,
    )
    for declared in workflow.transitions:
        machine.add_transition(
            declared.trigger, list(declared.source), declared.dest,
            conditions=[_condition(guard) for guard in declared.guards],
            after=[_remember(declared)],
        )
    return machine


MACHINES: dict[str, Machine] = {name: build(workflow) for name, workflow in WORKFLOWS.items()}
