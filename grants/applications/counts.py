"""Per-state counts of a call's applications, read from the deltas the database triggers write
(see ApplicationStateCount), and folded by the scheduled command."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, insert, select

from grants.applications.models import ApplicationStateCount as Count
from grants.extensions import db


def state_counts(call_ids: list[int]) -> dict[int, dict[str, int]]:
    """{call id: {state: number of applications}} for the given calls (states with none are left out)."""
    rows = db.session.execute(select(Count.call_id, Count.status, func.sum(Count.n))
                              .where(Count.call_id.in_(call_ids)).group_by(Count.call_id, Count.status))
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, n in rows:
        if n:
            counts.setdefault(call_id, {})[status] = int(n)
    return counts


def compact() -> int:
    """Fold the delta rows into one row per (call, state); returns how many rows were folded.

    Safe beside writers and a second copy: it deletes rows and writes back the sums of exactly the rows
    its DELETE … RETURNING removed, so a row written meanwhile stays and is folded next time."""
    folded = db.session.execute(delete(Count).returning(Count.call_id, Count.status, Count.n)).all()
    sums: Counter = Counter()
    for call_id, status, n in folded:
        sums[call_id, status] += n
    rows = [{"call_id": call_id, "status": status, "n": n} for (call_id, status), n in sums.items() if n]
    if rows:
        db.session.execute(insert(Count), rows)
    db.session.commit()
    return len(folded)
