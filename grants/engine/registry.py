"""How each declared workflow is bound to a model, and how areas plug into it.

The area that owns a model binds it (`bind`): which workflow it carries, where the row that stands
for a guard's scope is, which triggers an object may not use. Every area, the owner included, then
plugs in what it knows (`plug`): facts the guards read, relations between an actor and an object,
and effects — what a transition changes besides the status — run inside `fire()`'s transaction.
A new area (evaluation, agreements …) adds its facts and effects by plugging in, without editing
the owner's binding.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflows import WORKFLOWS
from workflows.base import Context, Workflow

Fact = Callable[[Any, datetime], Any]  # (obj, now) -> value; called only when a guard reads it
Relation = Callable[[Any, Any], bool]  # (user, obj) -> bool
Scope = Callable[[Any], tuple[type, Any]]  # obj -> (model, id) of the row that stands for the scope
Effect = Callable[[Any, Any, Context, str], None]  # (obj, actor, ctx, from_state), inside the transaction
Counts = Callable[[], dict[int, dict[str, int]]]  # {call id: {state: number of objects}}


@dataclass
class Binding:
    workflow: Workflow
    model: type
    facts: dict[str, Fact] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    effects: dict[str, list[Effect]] = field(default_factory=dict)
    # Triggers a given object may not use (e.g. a call type without third evaluations), and the
    # triggers that any object might have disabled: others skip the (query-costing) per-object check.
    disabled: Callable[[Any], frozenset[str]] = lambda obj: frozenset()
    disableable: frozenset[str] = frozenset()
    scopes: Mapping[str, Scope] = field(default_factory=dict)
    # Objects per call and state, for the workflow pages.
    counts: Counts | None = None

    def is_disabled(self, obj: Any, trigger: str) -> bool:
        return trigger in self.disableable and trigger in self.disabled(obj)

    def effects_of(self, trigger: str) -> tuple[Effect, ...]:
        return tuple(self.effects.get(trigger, ()))

    @property
    def object_type(self) -> str:
        return self.model.__tablename__


@dataclass(frozen=True)
class Plug:
    """What one area plugged into one binding; `unplug()` takes it out again (tests, experiments)."""

    binding: Binding
    facts: tuple[str, ...]
    relations: tuple[str, ...]
    effects: tuple[tuple[str, Effect], ...]

    def unplug(self) -> None:
        for name in self.facts:
            self.binding.facts.pop(name, None)
        for name in self.relations:
            self.binding.relations.pop(name, None)
        for trigger, effect in self.effects:
            self.binding.effects[trigger].remove(effect)


_BINDINGS: dict[type, Binding] = {}


def bind(model: type, *, disabled: Callable[[Any], frozenset[str]] | None = None,
         disableable: frozenset[str] = frozenset(), scopes: Mapping[str, Scope] | None = None,
         counts: Counts | None = None) -> Binding:
    """Register the model that carries a workflow (named by the model's `workflow` attribute)."""
    if model in _BINDINGS:
        raise ValueError(f"{model.__name__} is already bound")
    binding = Binding(workflow=WORKFLOWS[model.workflow], model=model,
                      disabled=disabled or (lambda obj: frozenset()), disableable=disableable,
                      scopes=dict(scopes or {}), counts=counts)
    _BINDINGS[model] = binding
    return binding


def plug(model: type, *, facts: Mapping[str, Fact] | None = None, relations: Mapping[str, Relation] | None = None,
         effects: Mapping[str, Effect | Iterable[Effect]] | None = None) -> Plug:
    """Add an area's facts, relations and effects to a bound model.

    A fact or relation has one source: naming one that another area already provides is an error, so
    two areas can never disagree about what a guard reads. Effects of one trigger run in the order
    they were plugged in."""
    binding = binding_for(model)
    facts, relations = dict(facts or {}), dict(relations or {})
    for kind, given, known in (("fact", facts, binding.facts), ("relation", relations, binding.relations)):
        taken = sorted(set(given) & set(known))
        if taken:
            raise ValueError(f"{model.__name__} already has the {kind}(s) {', '.join(taken)}")
    triggers = set(binding.workflow.triggers)
    plugged: list[tuple[str, Effect]] = []
    for trigger, given_effects in (effects or {}).items():
        if trigger not in triggers:
            raise ValueError(f"{binding.workflow.name} has no trigger {trigger!r}")
        for effect in (given_effects,) if callable(given_effects) else tuple(given_effects):
            plugged.append((trigger, effect))
    binding.facts.update(facts)
    binding.relations.update(relations)
    for trigger, effect in plugged:
        binding.effects.setdefault(trigger, []).append(effect)
    return Plug(binding=binding, facts=tuple(facts), relations=tuple(relations), effects=tuple(plugged))


def binding_for(obj_or_model: Any) -> Binding:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _BINDINGS[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not bound to a workflow") from None


def bindings() -> tuple[Binding, ...]:
    return tuple(_BINDINGS.values())
