"""Append-only, hash-chained audit log, anchored outside the database.

Each entry is sealed over a canonical JSON form of its fields and the previous entry's seal, so changing,
removing or reordering an entry breaks every link after it. Entries are numbered by their position in the
chain (id = previous id + 1) under a lock, so two writers can never fork the chain.

A chain on its own convinces no one who can write to the database: they could edit an entry and recompute
every seal after it, or drop the newest entries, and it would still link up. So it is anchored outside
the database twice:
- the seal is an HMAC-SHA256 under AUDIT_KEY, which lives in configuration and never in the database, so
  an edit cannot be sealed again without the key (scheme "hmac-sha256"). Entries written before the key
  existed keep their plain sha256 (scheme "sha256", see migration 0010); they may only open the chain,
  and the first keyed entry seals the last of them, so they are covered too;
- checkpoints: statements of the chain's length and head, signed with the key and written to object
  storage (locked where the store can lock) by `flask pomost tick` whenever the chain has grown. They
  reveal the newest entries removed, and a rewrite by someone who holds the key, up to the newest one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from io import BytesIO
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, String, func, insert, select, text, true
from sqlalchemy.orm import Mapped, mapped_column

from grants.errors import Refusal
from grants.extensions import db
from grants.services.storage import Retention, StorageError, get_storage
from grants.types import UTCDateTime, utcnow

GENESIS_HASH = "0" * 64
LEGACY, KEYED = "sha256", "hmac-sha256"  # seal schemes: before the audit key existed, and since
CHECKPOINTS = "audit-checkpoints/"  # the storage prefix of checkpoints
CHECKPOINT_FORMAT = "pomost-audit-checkpoint/1"
MAX_CHECKPOINT_SIZE = 4096  # a checkpoint is a few hundred bytes; a longer object is cut short and fails to parse
# Any constant works; it only has to be the same in every process that appends.
CHAIN_LOCK_KEY = 0x504F4D4F5354  # "POMOST"
log = logging.getLogger(__name__)


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
    # Rows from before the key say "sha256" by the column's default; record() writes KEYED.
    scheme: Mapped[str] = mapped_column(String(16), server_default=LEGACY)

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


def _key() -> bytes:
    return current_app.config["AUDIT_KEY"].encode()


def _canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_default).encode()


def entry_hash(entry: Any, key: bytes | None = None) -> str:
    """The seal of an entry (a model or a row with the same attributes) by its scheme: HMAC-SHA256 under the
    audit key (the app's unless given) over its canonical JSON, or plain sha256 for an entry older than the key."""
    fields = {name: getattr(entry, name) for name in _HASHED_FIELDS}
    fields["created_at"] = _timestamp(fields["created_at"])
    if entry.scheme == LEGACY:
        return hashlib.sha256(_canonical(fields)).hexdigest()
    if entry.scheme != KEYED:
        raise ValueError(f"unknown audit seal scheme {entry.scheme!r}")
    # The scheme is sealed too, so that no one can pass a keyed entry off as an older, unkeyed one.
    fields["scheme"] = KEYED
    return hmac.new(key or _key(), _canonical(fields), hashlib.sha256).hexdigest()


def jsonable(data: dict) -> dict:
    """What JSON columns store: a round trip turns Decimals and datetimes into strings, as they are hashed."""
    return json.loads(json.dumps(data, default=_json_default))


def _check_tag(action: str) -> None:
    parts = action.split(":")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"audit action must be 'source:subject:action', got {action!r}")


def _chain_head():
    """(id, hash) of the newest entry, or None. On PostgreSQL one round trip takes the chain lock (held until
    commit, so appends queue up instead of forking the chain) and reads the head; see the migration that
    creates the function."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        last = session.execute(text("SELECT id, hash FROM audit_chain_head(:key)"), {"key": CHAIN_LOCK_KEY}).first()
        return None if last is None or last.id is None else last
    return session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()


def _entry(last, action: str, actor, obj, object_type, object_id, data: dict | None) -> AuditEntry:
    _check_tag(action)
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id if object_id is None else object_id
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        created_at=utcnow(),
        actor_id=getattr(actor, "id", actor),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        data=jsonable(data or {}),
        prev_hash=last.hash if last else GENESIS_HASH,
        scheme=KEYED,
    )
    entry.hash = entry.compute_hash()
    return entry


def record(action: str, *, actor=None, obj=None, object_type: str | None = None,
           object_id: Any = None, data: dict | None = None) -> AuditEntry:
    """Append one entry in the current transaction; it commits or rolls back with the change it records."""
    _check_tag(action)
    entry = _entry(_chain_head(), action, actor, obj, object_type, object_id, data)
    db.session.add(entry)
    db.session.flush()
    return entry


def record_many(entries: list[tuple[str, Any, Any, dict | None]]) -> list[AuditEntry]:
    """Append (action, actor, object, data) entries in order, in one write: the chain's head is read (and, on
    PostgreSQL, locked) once, and each entry seals the one before it as record() would."""
    for action, *_ in entries:
        _check_tag(action)
    last, made = _chain_head(), []
    for action, actor, obj, data in entries:
        last = _entry(last, action, actor, obj, None, None, data)
        made.append(last)
    columns = [column.key for column in AuditEntry.__table__.columns]
    db.session.execute(insert(AuditEntry), [{key: getattr(entry, key) for key in columns} for entry in made])
    return made


# --- checkpoints: the chain's length and head, kept outside the database -----------------------------

@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of how long the chain was and how it ended, kept in object storage."""

    entries: int
    head_id: int
    head_hash: str
    created_at: datetime

    @property
    def name(self) -> str:
        """Its storage key; keys sort by head, then by time."""
        return f"{CHECKPOINTS}{self.head_id:012d}-{self.created_at:%Y%m%dT%H%M%S%fZ}.json"

    @property
    def time(self) -> str:
        """When it was written, as messages name it (UTC, as in its storage key)."""
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} UTC"

    def _payload(self) -> dict:
        return {"format": CHECKPOINT_FORMAT, "entries": self.entries, "head_id": self.head_id,
                "head_hash": self.head_hash, "created_at": _timestamp(self.created_at)}

    def signature(self) -> str:
        """HMAC-SHA256 under the audit key over the canonical JSON of what it states."""
        return hmac.new(_key(), _canonical(self._payload()), hashlib.sha256).hexdigest()

    def document(self) -> bytes:
        """The stored form: plain JSON that an auditor can read and, holding the key, check by hand."""
        return json.dumps({**self._payload(), "signature": self.signature()}, indent=1, sort_keys=True).encode()


def _read_checkpoint(name: str) -> Checkpoint | None:
    """The checkpoint stored under name, or None when it is not one signed with the audit key."""
    with get_storage().open(name) as stream:
        raw = stream.read(MAX_CHECKPOINT_SIZE)
    try:
        document = json.loads(raw)
        checkpoint = Checkpoint(
            entries=int(document["entries"]), head_id=int(document["head_id"]), head_hash=str(document["head_hash"]),
            created_at=datetime.strptime(document["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc))
        # The name must be the one its content gives: a genuine older checkpoint copied over a newer one's
        # key (a new version of it, where the store keeps versions) would hide the newer one.
        genuine = (document["format"] == CHECKPOINT_FORMAT and checkpoint.name == name
                   and hmac.compare_digest(str(document["signature"]).encode(), checkpoint.signature().encode()))
    except (ValueError, KeyError, TypeError):  # not JSON, or not the fields of a checkpoint: not genuine
        return None
    return checkpoint if genuine else None


def _stored_checkpoints(names: list[str]) -> tuple[list[Checkpoint], str | None]:
    """The checkpoints stored under names, and the name of the first one that is not genuine, if any."""
    checkpoints = []
    for name in names:
        checkpoint = _read_checkpoint(name)
        if checkpoint is None:
            return checkpoints, name
        checkpoints.append(checkpoint)
    return checkpoints, None


class ChainBroken(Exception):
    """The chain does not hold, so no checkpoint may anchor it; `result` says where and why."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result)
        self.result = result


def _newest_checkpoint() -> Checkpoint | None:
    """The newest checkpoint in storage (keys sort by head); ChainBroken if it is not a genuine one."""
    newest, forged = _stored_checkpoints(get_storage().keys(CHECKPOINTS)[-1:])
    if forged:
        raise ChainBroken(_not_genuine(forged))
    return newest[0] if newest else None


def write_checkpoint() -> tuple[Checkpoint, Retention] | None:
    """Sign and store a checkpoint of the chain's head if it has grown since the newest checkpoint, after
    checking every entry since that one. Returns the checkpoint and how the store keeps it (locked or
    not), or None when nothing is new; raises ChainBroken rather than anchor a chain that does not hold."""
    previous = _newest_checkpoint()
    # Entries up to the previous checkpoint's head were checked when it was written: walk on from its head.
    walk = _Walk(next_id=previous.head_id, prev_hash=None, anchored=previous.head_id - 1) if previous else _Walk()
    result = _check(walk, [previous] if previous else [])
    if not result.ok:
        raise ChainBroken(result)
    head_id = walk.next_id - 1
    if head_id <= (previous.head_id if previous else 0):
        return None
    checkpoint = Checkpoint(entries=head_id, head_id=head_id, head_hash=walk.prev_hash, created_at=utcnow())
    storage = get_storage()
    storage.put(checkpoint.name, BytesIO(checkpoint.document()), content_type="application/json")
    kept = storage.retain(checkpoint.name, checkpoint.created_at
                          + timedelta(days=current_app.config["AUDIT_CHECKPOINT_RETENTION_DAYS"]))
    log.log(logging.INFO if kept.locked else logging.WARNING,
            "audit checkpoint %s written (entries up to %d); %s", checkpoint.name, checkpoint.head_id, kept)
    return checkpoint, kept


# --- verification ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None  # the first entry that does not hold (None: a checkpoint does not)
    reason: Any = None  # why, in the reader's language (a lazy string)
    missing: tuple[int, int] | None = None  # the first and last entry a checkpoint recorded and the chain lacks
    checkpoints: int = 0  # how many checkpoints the chain was compared with
    newest: Checkpoint | None = None  # the newest of them: entries after its head are not anchored yet


@dataclass
class _Walk:
    """Where a walk along the chain stands: the entry it expects next and what it has seen so far."""

    next_id: int = 1
    prev_hash: str | None = GENESIS_HASH  # None: the first entry's link is not checked (a walk from a checkpoint)
    keyed: bool = False  # an entry sealed with the key was seen: no unkeyed one may follow
    checked: int = 0
    anchored: int = 0  # the head of the last checkpoint the chain matched

    def run(self, anchors: dict[int, list[Checkpoint]], batch_size: int) -> VerifyResult | None:
        """Walk to the end of the chain; return where it breaks, or None."""
        table, key = AuditEntry.__table__, _key()
        while True:
            # Plain rows, not ORM objects: a long chain must not fill the session's identity map.
            # From the genesis, every row is read, so a row numbered below 1 (inserted beside the chain) is seen.
            after = table.c.id >= self.next_id if self.checked or self.prev_hash != GENESIS_HASH else true()
            rows = db.session.execute(select(table).where(after).order_by(table.c.id).limit(batch_size)).all()
            if not rows:
                return None
            for row in rows:
                broken = self._step(row, anchors.get(row.id, []), key)
                if broken:
                    return broken

    def _step(self, row: Any, anchors: list[Checkpoint], key: bytes) -> VerifyResult | None:
        if row.id < self.next_id:
            return self.broken(row.id, _l("Entry %(id)d is not part of the chain.", id=row.id))
        if row.id != self.next_id:
            return self.broken(row.id, _l("Entry %(id)d is missing.", id=self.next_id))
        if self.prev_hash is not None and row.prev_hash != self.prev_hash:
            return self.broken(row.id, _l("The link to the previous entry is broken."))
        if row.scheme not in (LEGACY, KEYED):
            return self.broken(row.id, _l("It has an unknown seal scheme (%(scheme)s).", scheme=row.scheme))
        if row.scheme == LEGACY and self.keyed:
            return self.broken(row.id, _l("It is sealed without the audit key, after entries sealed with it."))
        if entry_hash(row, key) != row.hash:
            return self.broken(row.id, _l("The content does not match its seal."))
        for checkpoint in anchors:
            if checkpoint.head_hash != row.hash:
                return self.broken(self.anchored + 1, _l(
                    "The chain was rewritten at or after entry %(first)d: entry %(last)d no longer matches the "
                    "checkpoint of %(time)s.", first=self.anchored + 1, last=row.id, time=checkpoint.time))
        if anchors:
            self.anchored = row.id
        self.keyed = self.keyed or row.scheme == KEYED
        self.next_id, self.prev_hash, self.checked = row.id + 1, row.hash, self.checked + 1
        return None

    def broken(self, entry_id: int | None, reason: Any, missing: tuple[int, int] | None = None) -> VerifyResult:
        return VerifyResult(False, self.checked, entry_id, reason, missing)


def _check(walk: _Walk, checkpoints: list[Checkpoint], batch_size: int = 1000) -> VerifyResult:
    """Walk on from where walk stands and hold what it finds against the checkpoints."""
    anchors: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        anchors.setdefault(checkpoint.head_id, []).append(checkpoint)
    broken = walk.run(anchors, batch_size)
    if broken:
        return broken
    newest = max(checkpoints, key=lambda c: c.head_id, default=None)
    if newest and newest.head_id >= walk.next_id:
        first = (db.session.scalar(select(func.max(AuditEntry.id))) or 0) + 1
        return walk.broken(first, _missing(first, newest), missing=(first, newest.head_id))
    if walk.checked and not walk.keyed:
        return walk.broken(walk.next_id - 1, _l(
            "The chain ends with entries sealed without the audit key: the entries sealed with it were removed "
            "or rewritten."))
    return VerifyResult(True, walk.checked, checkpoints=len(checkpoints), newest=newest)


def _missing(first: int, checkpoint: Checkpoint) -> Any:
    if first == checkpoint.head_id:
        return _l("Entry %(first)d is missing: the checkpoint of %(time)s recorded entries up to %(first)d.",
                  first=first, time=checkpoint.time)
    return _l("Entries %(first)d–%(last)d are missing: the checkpoint of %(time)s recorded entries up to %(last)d.",
              first=first, last=checkpoint.head_id, time=checkpoint.time)


def _not_genuine(name: str) -> VerifyResult:
    return VerifyResult(False, 0, reason=_l(
        "Checkpoint %(name)s is not genuine: it is not what was signed under that name with the audit key.",
        name=name))


def verify(batch_size: int = 1000) -> VerifyResult:
    """Walk the chain in id order, naming the first entry whose seal or link does not hold, and hold it against
    every checkpoint in storage: entries a checkpoint recorded and the chain lacks are named as missing, and a
    head that no longer matches its checkpoint as a rewrite since the last checkpoint that still matches."""
    storage = get_storage()
    try:
        deleted = storage.deleted_keys(CHECKPOINTS)
        checkpoints, forged = _stored_checkpoints(storage.keys(CHECKPOINTS))
    except StorageError as error:
        current_app.logger.warning("audit checkpoints unreadable: %s", error)
        raise Refusal(_l("The checkpoints kept outside the database cannot be read just now, so the chain cannot "
                         "be verified. Try again in a few minutes."), status=503) from error
    if deleted:  # the app never deletes one
        return VerifyResult(False, 0, reason=_l("Checkpoint %(name)s was deleted from the storage.", name=deleted[0]))
    if forged:
        return _not_genuine(forged)
    return _check(_Walk(), checkpoints, batch_size)
