"""Time-based transitions: one idempotent pass over every declared timer.

Safe to run from cron and as two copies at once: each object is claimed with SELECT … FOR UPDATE
SKIP LOCKED on PostgreSQL (a copy skips what the other holds) and every fire re-checks the state
under its lock and the version on write, so a transition never happens twice.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import QueryableAttribute, selectinload

from grants.engine.core import SYSTEM_ACTOR, fire, fire_many, guards_hold
from grants.engine.registry import bindings
from grants.errors import Refusal
from grants.extensions import db
from grants.locking import mark_locked
from grants.types import utcnow

BATCH = 500
# One step can make another due (an overdue report holds a payment released a moment earlier; a job
# past both dates enters and ends durability), so passes repeat until nothing fires, within a bound.
MAX_PASSES = 10


def tick(now: datetime | None = None) -> Counter:
    """Fire every time-based transition that is due; returns counts per 'workflow:trigger'."""
    now = now or utcnow()
    fired: Counter = Counter()
    for _ in range(MAX_PASSES):
        fired_in_pass = _pass(now)
        if not fired_in_pass:
            break
        fired.update(fired_in_pass)
    return fired


def _pass(now: datetime) -> Counter:
    fired: Counter = Counter()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for binding in bindings():
        for declared in binding.workflow.transitions:
            if declared.scheduled:
                count = _fire_due(binding, declared, now, postgres)
                if count:
                    fired[f"{binding.workflow.name}:{declared.trigger}"] += count
    return fired


def _fire_due(binding, declared, now: datetime, postgres: bool) -> int:
    """Every object due for one timed transition, a batch at a time: the batch is claimed in one SELECT … FOR
    UPDATE SKIP LOCKED (PostgreSQL), those whose guards hold fire together through fire_many (each checked,
    historied and audited as by fire()); if an effect refuses one of them, the batch goes one by one."""
    model, fired, after = binding.model, 0, 0
    while True:
        ids = db.session.scalars(select(model.id).where(
            model.status.in_(declared.source), getattr(model, declared.timer) <= now, model.id > after)
            .order_by(model.id).limit(BATCH)).all()
        db.session.commit()
        if not ids:
            return fired
        after = ids[-1]
        claim = (select(model).where(model.id.in_(ids), model.status.in_(declared.source)).order_by(model.id)
                 .execution_options(populate_existing=True))
        if isinstance(getattr(model, "application", None), QueryableAttribute):
            claim = claim.options(selectinload(model.application))  # the effects read it: once per batch
        if postgres:
            claim = claim.with_for_update(skip_locked=True)  # another copy holds the rest, or moved them on
        claimed = db.session.scalars(claim).all()
        for obj in claimed if postgres else ():
            mark_locked(obj)
        ready = [obj for obj in claimed if _ready(obj, declared.trigger, now)]
        if any(g.scope for g in declared.guards):
            # A guard over a shared total (a grant's award) locks that row: one transaction per object, so two
            # copies of the scheduler never hold two such rows in opposite orders.
            db.session.rollback()
            fired += _one_by_one(model, declared, [obj.id for obj in ready], now, postgres)
            continue
        try:
            fire_many([(obj, {}) for obj in ready], declared.trigger, SYSTEM_ACTOR, now=now)
            db.session.commit()
            fired += len(ready)
        except Refusal:  # an area's effect refused one of them: the others still go, one at a time
            db.session.rollback()
            fired += _one_by_one(model, declared, [obj.id for obj in ready], now, postgres)


def _ready(obj, trigger: str, now: datetime) -> bool:
    try:
        return guards_hold(obj, trigger, SYSTEM_ACTOR, now)
    except Refusal:  # a fact that cannot be known now (e.g. no rate in force): not this time
        return False


def _one_by_one(model, declared, ids: list[int], now: datetime, postgres: bool) -> int:
    fired = 0
    for object_id in ids:
        claim = (select(model).where(model.id == object_id, model.status.in_(declared.source))
                 .execution_options(populate_existing=True))
        if postgres:
            claim = claim.with_for_update(skip_locked=True)
        obj = db.session.scalars(claim).first()
        if obj is None:
            db.session.rollback()
            continue
        if postgres:
            mark_locked(obj)
        try:
            fire(obj, declared.trigger, SYSTEM_ACTOR, now=now)
        except Refusal:
            db.session.rollback()
            continue
        db.session.commit()
        fired += 1
    return fired
