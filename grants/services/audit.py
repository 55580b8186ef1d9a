"""Append-only, hash-chained audit log.

Each entry's hash is sha256 over a canonical JSON form of its fields and the previous entry's
hash, so changing, removing or reordering any entry breaks every hash after it. Entries are
numbered by their position in the chain (id = previous id + 1) under a lock, so two writers can
never fork the chain.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same in every process that appends.
_CHAIN_LOCK_KEY = 0x504F4D4F5354  # "POMOST"


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(120), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    data: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def compute_hash(self) -> str:
        return entry_hash(self)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _timestamp(value)
    raise TypeError(f"{type(value).__name__} is not allowed in audit data")


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_HASHED_FIELDS = ("id", "created_at", "actor_id", "action", "object_type", "object_id", "data", "prev_hash")


def entry_hash(entry: Any) -> str:
    """sha256 over the canonical JSON of an entry (a model or a row with the same attributes)."""
    fields = {name: getattr(entry, name) for name in _HASHED_FIELDS}
    fields["created_at"] = _timestamp(fields["created_at"])
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=_json_default)
    return hashlib.sha256(canonical.encode()).hexdigest()


def jsonable(data: dict) -> dict:
    """What JSON columns store: a round trip turns Decimals and datetimes into strings, as they are hashed."""
    return json.loads(json.dumps(data, default=_json_default))


def _check_tag(action: str) -> None:
    parts = action.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"audit action must be 'source:subject:action', got {action!r}")


def record(action: str, *, actor=None, obj=None, object_type: str | None = None,
           object_id: Any = None, data: dict | None = None) -> AuditEntry:
    """Append one entry in the current transaction; it commits or rolls back with the change it records."""
    _check_tag(action)
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id if object_id is None else object_id
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: take the chain lock (held until commit, so appends queue up instead of
        # forking the chain), then read the head. See the migration that creates the function.
        last = session.execute(text("SELECT id, hash FROM audit_chain_head(:key)"), {"key": _CHAIN_LOCK_KEY}).first()
        if last is not None and last.id is None:
            last = None
    else:
        last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        data=jsonable(data or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str | None = None


def verify(batch_size: int = 1000) -> VerifyResult:
    """Walk the chain in id order and name the first entry whose hash or link does not hold."""
    expected_prev, expected_id, checked = GENESIS_HASH, 1, 0
    table = AuditEntry.__table__
    while True:
        # Plain rows, not ORM objects: a long chain must not fill the session's identity map.
        rows = db.session.execute(
            select(table).where(table.c.id >= expected_id).order_by(table.c.id).limit(batch_size)
        ).all()
        if not rows:
            return VerifyResult(ok=True, checked=checked)
        for row in rows:
            if row.id != expected_id:
                return VerifyResult(False, checked, row.id, f"entry {expected_id} is missing")
            if row.prev_hash != expected_prev:
                return VerifyResult(False, checked, row.id, "link to the previous entry is broken")
            if entry_hash(row) != row.hash:
                return VerifyResult(False, checked, row.id, "content does not match its hash")
            expected_prev, expected_id, checked = row.hash, row.id + 1, checked + 1

