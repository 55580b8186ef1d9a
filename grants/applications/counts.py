"""Per-state counts of a call's applications, read from the deltas the database triggers write
(see ApplicationStateCount), and folded by the scheduled command."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, insert, select, text, tuple_

from grants.applications.models import ApplicationStateCount as Count
from grants.extensions import db


def state_counts(call_ids: list[int] | None = None) -> dict[int, dict[str, int]]:
    """{call id: {state: number of applications}} for the given calls, or every call (states with none
    are left out)."""
    query = select(Count.call_id, Count.status, func.sum(Count.n)).group_by(Count.call_id, Count.status)
    if call_ids is not None:
        query = query.where(Count.call_id.in_(call_ids))
    rows = db.session.execute(query)
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, n in rows:
        if n:
            counts.setdefault(call_id, {})[status] = int(n)
    return counts


def compact() -> int:
    """Fold the delta rows into one row per (call, state); returns how many rows were folded.

    Safe beside writers: it deletes rows and writes back the sums of exactly the rows its DELETE …
    RETURNING removed, so a row written meanwhile stays and is folded next time. Two copies take turns
    (the lock does not hold off the triggers' inserts)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE application_state_count IN SHARE UPDATE EXCLUSIVE MODE"))
    groups = select(Count.call_id, Count.status).group_by(Count.call_id, Count.status).having(func.count() > 1)
    folded = db.session.execute(delete(Count).where(tuple_(Count.call_id, Count.status).in_(groups))
                                .returning(Count.call_id, Count.status, Count.n)).all()
    sums: Counter = Counter()
    for call_id, status, n in folded:
        sums[call_id, status] += n
    rows = [{"call_id": call_id, "status": status, "n": n} for (call_id, status), n in sums.items() if n]
    if rows:
        db.session.execute(insert(Count), rows)
    db.session.commit()
    return len(folded)


def recount() -> None:
    """Rebuild the kept counts from the applications themselves (a repair; writers wait meanwhile)."""
    from grants.applications.models import Application

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE application IN SHARE ROW EXCLUSIVE MODE"))
    db.session.execute(delete(Count))
    db.session.execute(insert(Count).from_select(
        ["call_id", "status", "n"],
        select(Application.call_id, Application.status, func.count())
        .group_by(Application.call_id, Application.status)))
    db.session.commit()
