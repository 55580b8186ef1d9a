"""The vocabulary every workflow is declared in: states, transitions, guards and labels.

A workflow is data. Guards are pure functions of a `Context` (facts about the object, the time,
the data given with the trigger) and never touch the database or Flask, so the engine, the
scheduled `tick` and the tests can all run them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

# Roles as grants.auth.models.Role spells them, plus the scheduler, which fires time-based transitions.
APPLICANT = "applicant"
PROGRAM_OFFICER = "program_officer"
EVALUATOR = "evaluator"
FINANCE_OFFICER = "finance_officer"
AUDITOR = "auditor"
ADMIN = "admin"
SYSTEM = "system"
ROLES = frozenset({APPLICANT, PROGRAM_OFFICER, EVALUATOR, FINANCE_OFFICER, AUDITOR, ADMIN, SYSTEM})

# Relations between the actor and the object, checked after the role. The engine resolves each name
# with a function the areas plug in for the object's model (grants/engine/registry.py).
MEMBER = "member"  # the actor is an owner or editor of the object's organisation
ASSIGNED = "assigned"  # the actor is an evaluator assigned to the object
NOT_PREPARER = "not_preparer"  # the actor is not the person who prepared the object (four eyes)
RELATIONS = frozenset({MEMBER, ASSIGNED, NOT_PREPARER})


@dataclass(frozen=True)
class Label:
    pl: str
    en: str

    def __call__(self, locale: str | None) -> str:
        return self.en if str(locale or "pl").startswith("en") else self.pl


@dataclass(frozen=True)
class Context:
    """What a guard may look at."""

    facts: Mapping[str, Any]
    now: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None  # the actor's reason, where the transition asks for one

    def __getitem__(self, name: str) -> Any:
        return self.facts[name]


@dataclass(frozen=True)
class Guard:
    """A named condition with the message shown when it does not hold."""

    name: str
    check: Callable[[Context], bool]
    unmet: Label
    # A routing guard only chooses between alternative rows of one trigger (e.g. where an appeal came
    # from); a refusal never cites it as a condition to fix.
    routing: bool = False
    # A guard that reads totals over other objects (a call's budget, a grant's payments) names their
    # shared scope; the engine locks that scope's row first, so two transitions cannot both pass on
    # the same old total.
    scope: str | None = None

    def __call__(self, ctx: Context) -> bool:
        return bool(self.check(ctx))


@dataclass(frozen=True)
class State:
    name: str
    label: Label
    public: Label | None = None  # what applicants see where the staff name would confuse them
    final: bool = False

    def public_label(self) -> Label:
        return self.public or self.label


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: tuple[str, ...]
    dest: str
    who: frozenset[str]
    label: Label
    guards: tuple[Guard, ...] = ()
    relation: str | None = None
    # For time-based transitions: the fact holding the moment from which `tick` fires it.
    timer: str | None = None
    reason_required: bool = False

    @property
    def scheduled(self) -> bool:
        return self.timer is not None


@dataclass(frozen=True)
class Workflow:
    name: str
    label: Label
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {s.name: s for s in self.states})

    def state(self, name: str) -> State:
        return self._by_name[name]

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    def transitions_from(self, state: str, trigger: str | None = None) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions
                     if state in t.source and (trigger is None or t.trigger == trigger))


def t(trigger: str, source: str | tuple[str, ...], dest: str, who: str | tuple[str, ...], pl: str, en: str,
      *, guards: tuple[Guard, ...] = (), relation: str | None = None, timer: str | None = None,
      reason_required: bool = False) -> Transition:
    """Shorthand that keeps a workflow's transition table readable as one line per row."""
    return Transition(
        trigger=trigger,
        source=(source,) if isinstance(source, str) else tuple(source),
        dest=dest,
        who=frozenset((who,) if isinstance(who, str) else who),
        label=Label(pl=pl, en=en),
        guards=guards,
        relation=relation,
        timer=timer,
        reason_required=reason_required,
    )


def s(name: str, pl: str, en: str, *, public: tuple[str, str] | None = None, final: bool = False) -> State:
    """Shorthand for a state row: name, Polish and English labels, optional public (pl, en) labels."""
    return State(name=name, label=Label(pl=pl, en=en), public=Label(*public) if public else None, final=final)
