"""Time-based transitions: one idempotent pass over every declared timer.

Safe to run from cron and as two copies at once: each object is claimed with SELECT … FOR UPDATE
SKIP LOCKED on PostgreSQL (a copy skips what the other holds) and every fire re-checks the state
under its lock and the version on write, so a transition never happens twice.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from grants.engine.core import SYSTEM_ACTOR, fire
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
        model = binding.model
        for declared in binding.workflow.transitions:
            if not declared.scheduled:
                continue
            due = select(model.id).where(model.status.in_(declared.source), getattr(model, declared.timer) <= now)
            ids = db.session.scalars(due.order_by(model.id).limit(BATCH)).all()
            db.session.commit()
            for object_id in ids:
                claim = (select(model).where(model.id == object_id, model.status.in_(declared.source))
                         .execution_options(populate_existing=True))
                if postgres:
                    claim = claim.with_for_update(skip_locked=True)
                obj = db.session.scalars(claim).first()
                if obj is None:  # another copy holds it or has already moved it on
                    db.session.rollback()
                    continue
                if postgres:
                    mark_locked(obj)
                try:
                    fire(obj, declared.trigger, SYSTEM_ACTOR, now=now)
                except Refusal:  # the engine's own, or one an area's effect raised
                    db.session.rollback()
                    continue
                db.session.commit()
                fired[f"{binding.workflow.name}:{declared.trigger}"] += 1
    return fired
