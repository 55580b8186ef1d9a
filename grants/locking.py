"""Row locks held by the current transaction: taken once, known to everyone who acts in it."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from grants.extensions import db

_LOCKED = "pomost_locked_rows"


def load_for_update(model: type, object_id: Any) -> Any | None:
    """Load a row with SELECT … FOR UPDATE (its committed state), so a transition in this transaction
    needs no second read; None when there is no such row."""
    obj = db.session.scalars(
        select(model).where(model.id == object_id).with_for_update()
        .execution_options(populate_existing=True)).first()
    if obj is not None:
        mark_locked(obj)
    return obj


def mark_locked(obj: Any) -> None:
    """Record that this transaction holds the row's lock (taken by a SELECT … FOR UPDATE of the caller's)."""
    db.session.info.setdefault(_LOCKED, set()).add((type(obj), obj.id))


def is_locked(obj: Any) -> bool:
    return (type(obj), obj.id) in db.session.info.get(_LOCKED, ())


def lock(obj: Any) -> None:
    """Take the row's lock unless this transaction holds it: SELECT … FOR UPDATE on PostgreSQL (SQLite
    ignores it; the version check guards there). Re-reads the row, so what follows sees the committed state."""
    if is_locked(obj):
        return
    db.session.flush()
    db.session.refresh(obj, with_for_update=True)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction) -> None:
    if transaction.parent is None:  # row locks end with the outermost transaction
        session.info.pop(_LOCKED, None)
