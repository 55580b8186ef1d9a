"""How each declared workflow is bound to a model: where its facts come from, how relations between
an actor and an object are decided, and what a transition changes besides the status."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from workflows import WORKFLOWS
from workflows.base import Context, Workflow

Facts = Callable[[Any, datetime], Mapping[str, Any]]
Relation = Callable[[Any, Any], bool]  # (user, obj) -> bool
Scope = Callable[[Any], tuple[type, Any]]  # obj -> (model, id) of the row that stands for the scope
Effect = Callable[[Any, Any, Context, str], None]  # (obj, actor, ctx, from_state), inside the transaction


@dataclass(frozen=True)
class Binding:
    workflow: Workflow
    model: type
    facts: Facts
    relations: Mapping[str, Relation] = field(default_factory=dict)
    effects: Mapping[str, Effect] = field(default_factory=dict)
    # Triggers a given object may not use (e.g. a call type without third evaluations), and the
    # triggers that any object might have disabled: others skip the (query-costing) per-object check.
    disabled: Callable[[Any], frozenset[str]] = lambda obj: frozenset()
    disableable: frozenset[str] = frozenset()
    scopes: Mapping[str, Scope] = field(default_factory=dict)

    def is_disabled(self, obj: Any, trigger: str) -> bool:
        return trigger in self.disableable and trigger in self.disabled(obj)

    @property
    def object_type(self) -> str:
        return self.model.__tablename__


_BINDINGS: dict[type, Binding] = {}


def bind(model: type, *, facts: Facts, relations: Mapping[str, Relation] | None = None,
         effects: Mapping[str, Effect] | None = None, disabled: Callable[[Any], frozenset[str]] | None = None,
         disableable: frozenset[str] = frozenset(), scopes: Mapping[str, Scope] | None = None) -> Binding:
    """Register the model that carries a workflow (named by the model's `workflow` attribute)."""
    binding = Binding(workflow=WORKFLOWS[model.workflow], model=model, facts=facts, relations=relations or {},
                      effects=effects or {}, disabled=disabled or (lambda obj: frozenset()),
                      disableable=disableable, scopes=scopes or {})
    _BINDINGS[model] = binding
    return binding


def binding_for(obj_or_model: Any) -> Binding:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _BINDINGS[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not bound to a workflow") from None


def bindings() -> tuple[Binding, ...]:
    return tuple(_BINDINGS.values())
