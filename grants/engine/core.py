"""fire() and available_actions(): the only way a workflow object changes state.

fire() does, in the caller's transaction: lock the row, check the actor's role (and relation to the
object), evaluate the guards, change the state, write a history row and an audit entry. Any refusal
raises a TransitionRefused whose message is in the user's language; nothing is written then.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, inspect, select, update
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from grants.engine.machines import MACHINES
from grants.engine.models import TransitionHistory
from grants.engine.registry import Binding, binding_for
from grants.errors import Refusal
from grants.extensions import db
from grants.locking import lock
from grants.services import audit
from grants.types import utcnow
from workflows.base import NOT_PREPARER, SYSTEM, Context, Label, Transition

SYSTEM_ACTOR = None  # the scheduler fires time-based transitions with no user


class TransitionRefused(Refusal):
    """Base of the engine's refusals; `status` is the HTTP status a view should answer with."""


class NotAllowed(TransitionRefused):
    """The actor's role or relation to the object does not permit this transition."""

    status = 403


class InvalidTransition(TransitionRefused):
    """The trigger does not exist for the object's current state (often: someone acted first)."""


class GuardsFailed(TransitionRefused):
    """The transition is allowed for the actor but its conditions are unmet; `messages` lists them all."""

    status = 422


class ReasonRequired(TransitionRefused):
    status = 422


class StaleObject(TransitionRefused):
    """The object changed after the form was shown or while the transition was being written."""


CHANGED_MEANWHILE = Label(pl="Ktoś zmienił ten obiekt w międzyczasie. Odśwież stronę i sprawdź jego stan.",
                          en="This was changed meanwhile by someone else. Reload the page and check its state.")
REASON_MISSING = Label(pl="Podaj uzasadnienie.", en="Give a reason.")
NO_ROW_FITS = Label(pl="Ta czynność nie pasuje do stanu sprawy. Skontaktuj się z opiekunem programu.",
                    en="This action does not fit the state of this case. Contact the programme's staff.")
SYSTEM_ONLY = Label(pl="Ten krok wykonuje system w wyznaczonym terminie.",
                    en="This step is taken by the system when its time comes.")


def _not_available(state: str, trigger: str, workflow) -> InvalidTransition:
    label = workflow.state(state).label
    return InvalidTransition(Label(
        pl=f"Tej czynności nie można wykonać w stanie „{label.pl}” – ktoś mógł działać wcześniej.",
        en=f"This action is not possible in the state “{label.en}”; someone may have acted first."))


def _role_refusal(declared: Transition) -> Label:
    return Label(pl=f"Twoja rola nie pozwala wykonać czynności „{declared.label.pl}”.",
                 en=f"Your role does not allow “{declared.label.en}”.")


def _relation_refusal(declared: Transition) -> Label:
    if declared.relation == NOT_PREPARER:  # four eyes: say who may
        return Label(pl=f"Czynność „{declared.label.pl}” wykonuje ktoś inny niż osoba, która to przygotowała.",
                     en=f"Someone other than the person who prepared it takes “{declared.label.en}”.")
    return Label(pl=f"Czynność „{declared.label.pl}” może wykonać tylko osoba o właściwym związku z tą sprawą.",
                 en=f"Only someone with the right relation to this case may take “{declared.label.en}”.")


def _who_refusal(declared: Transition, actor: Any, obj: Any, binding: Binding) -> Label | None:
    """None when the actor may fire this transition on this object, else why not."""
    if actor is SYSTEM_ACTOR:
        return None if SYSTEM in declared.who else _role_refusal(declared)
    if declared.who == {SYSTEM}:
        return SYSTEM_ONLY
    roles = {str(r) for r in actor.roles}
    if not roles & declared.who:
        return _role_refusal(declared)
    if declared.relation and not binding.relations[declared.relation](actor, obj):
        return _relation_refusal(declared)
    return None


def _explain(candidates: tuple[Transition, ...], ctx: Context) -> list[Label]:
    # Of alternative rows for one trigger, explain the first whose routing guards hold.
    for declared in candidates:
        if all(g(ctx) for g in declared.guards if g.routing):
            return [g.unmet for g in declared.guards if not g.routing and not g(ctx)]
    # No row fits the object's data at all (inconsistent data, not a condition the user can fix).
    return [g.unmet for g in candidates[0].guards if not g.routing and not g(ctx)] or [NO_ROW_FITS]


class _LazyFacts(Mapping):
    """Each fact is computed when a guard first reads it: most transitions read few facts or none.

    known: facts a page has already worked out, by the same functions the areas plug in."""

    def __init__(self, binding: Binding, obj: Any, now: datetime, known: Mapping[str, Any] | None = None):
        self._binding, self._obj, self._now = binding, obj, now
        self._computed: dict[str, Any] = dict(known or {})

    def __getitem__(self, key: str) -> Any:
        if key not in self._computed:
            self._computed[key] = self._binding.facts[key](self._obj, self._now)
        return self._computed[key]

    def __iter__(self):
        return iter(self._binding.facts)

    def __len__(self) -> int:
        return len(self._binding.facts)


def _lock_scopes(binding: Binding, obj: Any, candidates: tuple[Transition, ...]) -> None:
    """Lock the rows standing for the scopes whose totals the guards read (e.g. the call for a budget).

    Locked in name order, so two transitions needing two scopes cannot deadlock each other.
    """
    for scope in sorted({g.scope for t in candidates for g in t.guards if g.scope}):
        model, object_id = binding.scopes[scope](obj)
        db.session.execute(select(model.id).where(model.id == object_id).with_for_update())


def _checked(binding: Binding, obj: Any, trigger: str, actor: Any, reason: str | None, now: datetime,
             data: dict[str, Any], expected_version: int | None = None) -> tuple[str, Transition, Context]:
    """Everything fire() checks and changes on one object before anything is written: its lock, the trigger
    for its state, the actor's role and relation, the reason, the guards, the new state and the effects."""
    workflow = binding.workflow
    lock(obj)
    if expected_version is not None and obj.version != expected_version:
        raise StaleObject(CHANGED_MEANWHILE)
    from_state = obj.status
    candidates = workflow.transitions_from(from_state, trigger)
    if not candidates or binding.is_disabled(obj, trigger):
        raise _not_available(from_state, trigger, workflow)
    refusal = _who_refusal(candidates[0], actor, obj, binding)
    if refusal:
        raise NotAllowed(refusal)
    if candidates[0].reason_required and not reason:
        raise ReasonRequired(REASON_MISSING)
    _lock_scopes(binding, obj, candidates)
    ctx = Context(facts=_LazyFacts(binding, obj, now), now=now, data=data, reason=reason)
    outcome: dict[str, Transition] = {}
    if not MACHINES[workflow.name].events[trigger].trigger(obj, ctx=ctx, outcome=outcome):
        raise GuardsFailed(*_explain(candidates, ctx))
    # What the transition changes besides the status, declared by the areas that plugged in; a refusal raised
    # here undoes the whole transition with the request's transaction. Audit entries an effect writes (e.g. a
    # frozen version) come just before the transition's own, in the same transaction.
    for effect in binding.effects_of(trigger):
        effect(obj, actor, ctx, from_state)
    return from_state, outcome["transition"], ctx


def _flush_checked() -> None:
    """The UPDATE … WHERE version = :seen; 0 rows means someone else wrote first."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleObject(CHANGED_MEANWHILE) from None


def _history(binding: Binding, obj: Any, trigger: str, actor: Any, from_state: str, declared: Transition,
             ctx: Context) -> tuple[TransitionHistory, tuple]:
    """The history row, and the audit entry that goes with it (the trigger's own data nested, so it can never
    overwrite what the engine records)."""
    history = TransitionHistory(
        workflow=binding.workflow.name, object_type=binding.object_type, object_id=obj.id, from_state=from_state,
        to_state=declared.dest, trigger=trigger, actor_id=getattr(actor, "id", None), at=ctx.now,
        reason=ctx.reason, data=audit.jsonable(dict(ctx.data)))
    entry = (f"workflow:{binding.workflow.name}:{trigger}", actor, obj,
             {"from": from_state, "to": declared.dest, "reason": ctx.reason, "data": history.data})
    return history, entry


def _column_changes(obj: Any) -> dict[str, Any] | None:
    """The object's changed columns and their new values; None when something else changed (a relationship)."""
    state, changes = inspect(obj), {}
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes():
            continue
        prop = state.mapper.get_property(attr.key)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1 or attr.key == "version":
            return None
        changes[attr.key] = history.added[0] if history.added else None
    return changes


def _write_versioned(objs: list[Any]) -> None:
    """Write the batch's objects with one executemany UPDATE … WHERE id = :id AND version = :seen per shape of
    change, where the ORM would send one UPDATE per versioned row. The version check stays: if any row's version
    moved on, the batch is refused as fire() refuses. Objects with other changes are left to the flush."""
    groups: dict[tuple, list[tuple[Any, dict[str, Any]]]] = defaultdict(list)
    for obj in objs:
        changes = _column_changes(obj)
        if changes:
            groups[(type(obj), tuple(sorted(changes)))].append((obj, changes))
    for (model, keys), rows in groups.items():
        table, mapper = model.__table__, inspect(model)
        columns = {key: mapper.get_property(key).columns[0] for key in keys}
        statement = (update(table).where(table.c.id == bindparam("pomost_id"),
                                         table.c.version == bindparam("pomost_seen"))
                     .values({column.name: bindparam(f"pomost_{key}") for key, column in columns.items()}
                             | {"version": bindparam("pomost_next")}))
        params = [{"pomost_id": obj.id, "pomost_seen": obj.version, "pomost_next": obj.version + 1,
                   **{f"pomost_{key}": value for key, value in changes.items()}} for obj, changes in rows]
        with db.session.no_autoflush:  # else the ORM would first write these very rows itself
            written = db.session.execute(statement, params).rowcount
        if written != len(rows):
            db.session.rollback()
            raise StaleObject(CHANGED_MEANWHILE)
        for obj, changes in rows:  # what the database now holds: nothing left for the flush to write
            for key, value in changes.items():
                set_committed_value(obj, key, value)
            set_committed_value(obj, "version", obj.version + 1)


def fire(obj: Any, trigger: str, actor: Any, reason: str | None = None, *, expected_version: int | None = None,
         now: datetime | None = None, **data: Any) -> TransitionHistory:
    """Fire a trigger on an object as `actor` (None for the scheduler); flushes, the caller commits."""
    binding = binding_for(obj)
    reason = (reason or "").strip() or None
    from_state, declared, ctx = _checked(binding, obj, trigger, actor, reason, now or utcnow(), data,
                                         expected_version)
    _flush_checked()
    history, (action, _, _, entry_data) = _history(binding, obj, trigger, actor, from_state, declared, ctx)
    db.session.add(history)
    audit.record(action, actor=actor, obj=obj, data=entry_data)
    db.session.flush()
    return history


def fire_many(batch: list[tuple[Any, dict[str, Any]]], trigger: str, actor: Any, reason: str | None = None, *,
              now: datetime | None = None) -> list[TransitionHistory]:
    """Fire one trigger on many objects of one workflow, each with its own data: a bank file's payments, a
    statement's lines. Each object passes the same checks and effects as with fire() and gets its own history
    row and audit entry; they are written together (one flush, one append to the audit chain), so a batch of
    thousands costs a few statements, not a few per object. Lock the rows first (one SELECT … FOR UPDATE,
    then grants.locking.mark_locked), or each is locked on its own. Any refusal refuses the whole batch.
    Returns the history rows as written (without their ids)."""
    if not batch:
        return []
    binding, now = binding_for(batch[0][0]), now or utcnow()
    reason = (reason or "").strip() or None
    written = [_history(binding, obj, trigger, actor, *_checked(binding, obj, trigger, actor, reason, now, data))
               for obj, data in batch]
    _write_versioned([obj for obj, _ in batch])
    _flush_checked()
    # Inserted in bulk, without reading ids back: nothing here needs them.
    columns = [column.key for column in TransitionHistory.__table__.columns if column.key != "id"]
    db.session.execute(insert(TransitionHistory), [{key: getattr(history, key) for key in columns}
                                                   for history, _ in written])
    audit.record_many([entry for _, entry in written])
    return [history for history, _ in written]


def guards_hold(obj: Any, trigger: str, actor: Any, now: datetime) -> bool:
    """Whether the actor could fire the trigger on the object now (role, relation and guards; nothing locked or
    written): the scheduler's first look at a batch, before fire_many checks each object again under its lock."""
    binding = binding_for(obj)
    candidates = binding.workflow.transitions_from(obj.status, trigger)
    if not candidates or binding.is_disabled(obj, trigger) or _who_refusal(candidates[0], actor, obj, binding):
        return False
    ctx = Context(facts=_LazyFacts(binding, obj, now), now=now)
    return any(all(g(ctx) for g in declared.guards) for declared in candidates)


@dataclass(frozen=True)
class Action:
    """A transition a user may take now (enabled) or could take once the listed conditions hold."""

    trigger: str
    label: Label
    enabled: bool
    unmet: tuple[Label, ...]
    reason_required: bool


def available_actions(obj: Any, user: Any, now: datetime | None = None,
                      known: Mapping[str, Any] | None = None) -> list[Action]:
    """The transitions this user may fire on this object now, for the buttons a page shows.

    known: facts the page has already worked out, by the same functions the binding uses (they are not
    computed twice)."""
    binding = binding_for(obj)
    workflow = binding.workflow
    ctx = None
    actions: list[Action] = []
    for trigger in dict.fromkeys(t.trigger for t in workflow.transitions_from(obj.status)):
        if binding.is_disabled(obj, trigger):
            continue
        candidates = workflow.transitions_from(obj.status, trigger)
        if _who_refusal(candidates[0], user, obj, binding) is not None:
            continue
        if ctx is None:
            now = now or utcnow()
            ctx = Context(facts=_LazyFacts(binding, obj, now, known), now=now)
        enabled = any(all(g(ctx) for g in declared.guards) for declared in candidates)
        actions.append(Action(trigger=trigger, label=candidates[0].label, enabled=enabled,
                              unmet=() if enabled else tuple(_explain(candidates, ctx)),
                              reason_required=candidates[0].reason_required))
    return actions


def history_of(obj: Any) -> list[TransitionHistory]:
    binding = binding_for(obj)
    return list(db.session.scalars(
        db.select(TransitionHistory)
        .where(TransitionHistory.object_type == binding.object_type, TransitionHistory.object_id == obj.id)
        .order_by(TransitionHistory.id)))
