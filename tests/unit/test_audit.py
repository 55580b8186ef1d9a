"""The audit log is a chain sealed with a key kept outside the database, anchored by signed checkpoints in
object storage: verify() catches a changed, removed or reordered entry, a chain recomputed after an edit
(without the key, or with it), and the newest entries removed; the database itself refuses UPDATE and
DELETE on it."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from flask_babel import force_locale
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DatabaseError

from grants.auth.models import Role
from grants.services import audit
from grants.services.audit import GENESIS_HASH, KEYED, LEGACY, AuditEntry
from grants.services.storage import S3Storage, get_storage
from tests import factories
from tests.conftest import csrf_token

SQLITE_TRIGGERS = {
    operation: f"CREATE TRIGGER audit_entry_no_{operation.lower()} BEFORE {operation} ON audit_entry "
               f"BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: {operation} refused'); END"
    for operation in ("UPDATE", "DELETE")
}


def _chain(db, n=5):
    entries = [audit.record("test:thing:changed", object_type="thing", object_id=i,
                            data={"i": i, "amount": Decimal("12.50"), "note": "zażółć"}) for i in range(n)]
    db.session.commit()
    return entries


def _behind_the_triggers(engine, statements):
    """Run statements with the append-only triggers out of the way, as someone with full access to the
    database could: replica mode on PostgreSQL (superuser only), the triggers dropped and remade on SQLite."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER audit_entry_no_{trigger.lower()}"))
        for sql, params in statements:
            conn.execute(text(sql), params)
        if conn.dialect.name == "sqlite":
            for create in SQLITE_TRIGGERS.values():
                conn.execute(text(create))


@pytest.fixture
def superuser(db, db_kind, request):
    """An engine with every power over the database: the superuser on PostgreSQL (the app's role has fewer)."""
    if db_kind == "sqlite":
        yield db.engine
        return
    engine = create_engine(request.getfixturevalue("postgres_url").replace("postgresql://", "postgresql+psycopg://", 1))
    yield engine
    engine.dispose()


@pytest.fixture
def tamper(db, superuser):
    """tamper(sql, params) changes the audit table behind the app's back."""
    def run(sql: str, params: dict | list[dict] | None = None) -> None:
        db.session.rollback()
        _behind_the_triggers(superuser, [(sql, params or {})])
        db.session.expire_all()

    return run


def _plain_sha256(entry) -> str:
    """What the code before the key computed: anyone can compute it."""
    return audit.entry_hash(SimpleNamespace(**{**vars(entry), "scheme": LEGACY}))


def _rewrite(db, tamper, entry_id: int, data: dict, seal, scheme: str | None = None) -> None:
    """Edit one entry and recompute every hash from it to the end with seal(entry), so the chain links up."""
    table = AuditEntry.__table__
    rows = [dict(row._mapping) for row in db.session.execute(select(table).order_by(table.c.id))]
    changed, previous = [], GENESIS_HASH
    for row in rows:
        if row["id"] >= entry_id:
            row.update(data=data if row["id"] == entry_id else row["data"], prev_hash=previous,
                       scheme=scheme or row["scheme"])
            row["hash"] = seal(SimpleNamespace(**row))
            changed.append({**row, "data": json.dumps(row["data"])})
        previous = row["hash"]
    tamper("UPDATE audit_entry SET data = :data, prev_hash = :prev_hash, hash = :hash, scheme = :scheme "
           "WHERE id = :id", changed)


def _english(result) -> str:
    with force_locale("en"):
        return str(result.reason)


# --- the chain ----------------------------------------------------------------------------------------

def test_entries_chain_from_genesis(db):
    first, second, *_ = _chain(db)
    assert first.id == 1 and first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.data["amount"] == "12.50"  # Decimals are stored as exact strings, never floats
    result = audit.verify()
    assert result.ok and result.checked == 5


def test_entries_are_sealed_with_the_configured_key(app, db):
    entry, *_ = _chain(db, 1)
    assert entry.scheme == KEYED
    names = ("id", "created_at", "actor_id", "action", "object_type", "object_id", "data", "prev_hash")
    fields = {name: getattr(entry, name) for name in names}
    fields.update(created_at=entry.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), scheme=KEYED)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert entry.hash == hmac.new(app.config["AUDIT_KEY"].encode(), canonical, hashlib.sha256).hexdigest()
    assert entry.hash != _plain_sha256(entry)


def test_action_tag_must_be_source_subject_action(db):
    with pytest.raises(ValueError):
        audit.record("login", data={})
    with pytest.raises(ValueError):
        audit.record("auth::failed")


def test_verify_names_a_changed_entry(db, tamper):
    _chain(db)
    tamper("UPDATE audit_entry SET data = :d WHERE id = 3", {"d": '{"i": 99}'})
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == 3
    assert result.checked == 2


def test_verify_catches_a_rehashed_entry_by_its_broken_link(db, tamper):
    _chain(db)
    forged = db.session.get(AuditEntry, 2)
    forged.data = {"i": 1000}
    new_hash = audit.entry_hash(forged)  # even with the key, the next entry's link gives it away
    db.session.rollback()
    tamper("UPDATE audit_entry SET data = :d, hash = :h WHERE id = 2", {"d": '{"i": 1000}', "h": new_hash})
    result = audit.verify()
    assert not result.ok and result.broken_id == 3
    assert "link" in _english(result)


def test_verify_catches_reordered_entries(db, tamper):
    _chain(db)
    # Swap the positions of entries 2 and 4.
    tamper("UPDATE audit_entry SET id = 1000 WHERE id = 2")
    tamper("UPDATE audit_entry SET id = 2 WHERE id = 4")
    tamper("UPDATE audit_entry SET id = 4 WHERE id = 1000")
    result = audit.verify()
    assert not result.ok and result.broken_id == 2


def test_verify_catches_a_removed_entry(db, tamper):
    _chain(db)
    tamper("DELETE FROM audit_entry WHERE id = 3")
    result = audit.verify()
    assert not result.ok and result.broken_id == 4


@pytest.mark.parametrize("scheme", [None, LEGACY], ids=["keyed-label-kept", "passed-off-as-unkeyed"])
def test_a_chain_recomputed_after_an_edit_is_broken_at_the_edited_entry(db, tamper, scheme):
    """The probe: edit entry 3 of 100 and recompute the 97 hashes after it with sha256, as anyone can."""
    _chain(db, 100)
    _rewrite(db, tamper, 3, {"i": 2, "amount": "99999.00"}, _plain_sha256, scheme=scheme)
    result = audit.verify()
    assert not result.ok and result.broken_id == 3 and result.checked == 2


def test_a_chain_passed_off_as_unkeyed_from_the_start_is_broken(db, tamper):
    _chain(db, 10)
    _rewrite(db, tamper, 1, {"i": 0, "amount": "1.00"}, _plain_sha256, scheme=LEGACY)
    result = audit.verify()
    assert not result.ok and result.broken_id == 10
    assert "sealed without the audit key" in _english(result)


def test_database_refuses_update_and_delete(db, superuser):
    """The triggers refuse even a superuser; on PostgreSQL the app's own role has no such privilege to begin with."""
    _chain(db, 2)
    for statement in ("UPDATE audit_entry SET action = 'x:y:z' WHERE id = 1", "DELETE FROM audit_entry WHERE id = 2"):
        for engine, refusal in ((db.engine, "append-only|permission denied"), (superuser, "append-only")):
            with pytest.raises(DatabaseError, match=refusal):
                with engine.begin() as conn:
                    conn.execute(text(statement))
    assert audit.verify().ok


@pytest.mark.postgres_only
def test_postgres_refuses_truncate(db, superuser):
    _chain(db, 1)
    for engine, refusal in ((db.engine, "append-only|permission denied"), (superuser, "append-only")):
        with pytest.raises(DatabaseError, match=refusal):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_entry"))


@pytest.mark.postgres_only
def test_concurrent_writers_never_fork_the_chain(app, db):
    """Eight threads, each with its own connection and transaction, append at once."""
    errors = []
    barrier = threading.Barrier(8)

    def writer(n):
        with app.app_context():
            try:
                barrier.wait()
                for i in range(10):
                    audit.record("test:thread:wrote", data={"thread": n, "i": i})
                    db.session.commit()
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    result = audit.verify()
    assert result.ok and result.checked == 80


# --- checkpoints --------------------------------------------------------------------------------------

def test_a_chain_with_valid_checkpoints_verifies(app, db):
    _chain(db, 3)
    first, kept = audit.write_checkpoint()
    _chain(db, 4)
    newest, _ = audit.write_checkpoint()
    _chain(db, 2)  # not anchored yet, which is no fault
    result = audit.verify()
    assert result.ok and result.checked == 9 and result.checkpoints == 2
    assert (first.head_id, newest.head_id, result.newest) == (3, 7, newest)
    # The demo's local folder keeps them as files, and says that it cannot lock them.
    assert not kept.locked and "local folder" in kept.how
    stored = Path(app.config["STORAGE_PATH"], "audit-checkpoints")
    assert sorted(p.name for p in stored.iterdir()) == [Path(first.name).name, Path(newest.name).name]
    document = json.loads((stored / Path(newest.name).name).read_text())
    assert document["entries"] == document["head_id"] == 7 and document["head_hash"] == newest.head_hash


def test_a_checkpoint_is_written_only_when_the_chain_has_grown(db):
    assert audit.write_checkpoint() is None  # an empty log: nothing to anchor
    _chain(db, 2)
    assert audit.write_checkpoint()[0].head_id == 2
    assert audit.write_checkpoint() is None
    _chain(db, 1)
    assert audit.write_checkpoint()[0].head_id == 3


def test_removing_the_newest_entries_is_broken_naming_the_missing_range(db, tamper):
    """The probe: delete the last 5 of 100 entries; what is left still links up."""
    _chain(db, 100)
    checkpoint, _ = audit.write_checkpoint()
    tamper("DELETE FROM audit_entry WHERE id > 95")
    result = audit.verify()
    assert not result.ok and result.broken_id == 96 and result.missing == (96, 100) and result.checked == 95
    assert _english(result) == (f"Entries 96–100 are missing: the checkpoint of {checkpoint.time} recorded entries "
                                "up to 100.")
    with pytest.raises(audit.ChainBroken):  # and no later checkpoint anchors the shortened chain
        audit.write_checkpoint()


def test_removing_every_entry_is_caught_too(db, tamper):
    _chain(db, 4)
    audit.write_checkpoint()
    tamper("DELETE FROM audit_entry")
    result = audit.verify()
    assert not result.ok and result.broken_id == 1 and result.missing == (1, 4)


def test_an_entry_numbered_below_the_chain_is_caught(db):
    """A review found that the app's own role (which may INSERT) could add an entry 0 that verify never read."""
    _chain(db, 3)
    db.session.execute(audit.AuditEntry.__table__.insert().values(
        id=0, created_at=audit.utcnow(), action="auth:login:succeeded", data={}, prev_hash=audit.GENESIS_HASH,
        hash="f" * 64, scheme=audit.KEYED))
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_id == 0
    assert _english(result) == "Entry 0 is not part of the chain."


def test_a_rewrite_with_the_key_is_named_by_the_checkpoints(db, tamper):
    """Someone holding the key recomputes a chain that seals well, but the stored checkpoints keep the old heads."""
    _chain(db, 2)
    audit.write_checkpoint()
    _chain(db, 3)
    later, _ = audit.write_checkpoint()
    _chain(db, 1)
    _rewrite(db, tamper, 3, {"i": 0, "amount": "99999.00"}, audit.entry_hash)
    result = audit.verify()
    assert not result.ok and result.broken_id == 3 and result.checked == 4
    assert _english(result) == (f"The chain was rewritten at or after entry 3: entry 5 no longer matches the "
                                f"checkpoint of {later.time}.")
    with pytest.raises(audit.ChainBroken):
        audit.write_checkpoint()


def test_a_checkpoint_not_signed_with_the_key_is_reported(app, db):
    _chain(db, 2)
    audit.write_checkpoint()
    key, app.config["AUDIT_KEY"] = app.config["AUDIT_KEY"], "another-key-" + "x" * 32
    forged = audit.Checkpoint(99, 99, "0" * 64, audit.utcnow())
    document = forged.document()
    app.config["AUDIT_KEY"] = key
    get_storage().put(forged.name, BytesIO(document))
    result = audit.verify()
    assert not result.ok and result.broken_id is None
    assert _english(result) == (f"Checkpoint {forged.name} is not genuine: it is not what was signed under that "
                                "name with the audit key.")
    with pytest.raises(audit.ChainBroken):
        audit.write_checkpoint()


def test_an_older_checkpoint_copied_over_a_newer_one_is_reported(app, db, tamper):
    """Else the newer one would be hidden, and with it the entries removed after the older one."""
    _chain(db, 3)
    older, _ = audit.write_checkpoint()
    _chain(db, 2)
    newer, _ = audit.write_checkpoint()
    folder = Path(app.config["STORAGE_PATH"])
    (folder / newer.name).write_bytes((folder / older.name).read_bytes())
    tamper("DELETE FROM audit_entry WHERE id > 3")
    result = audit.verify()
    assert not result.ok and newer.name in _english(result)


def test_a_stored_object_that_is_no_checkpoint_is_reported(db):
    _chain(db, 1)
    get_storage().put("audit-checkpoints/000000000001-x.json", BytesIO(b"not json"))
    assert not audit.verify().ok


@pytest.fixture
def s3(app, db, s3_endpoint):
    """The app's storage switched to a fresh bucket on a real S3 server (moto over HTTP)."""
    def use(object_lock: bool) -> S3Storage:
        storage = S3Storage.from_config({**app.config, "STORAGE": "s3", "S3_ENDPOINT_URL": s3_endpoint,
                                         "S3_BUCKET": f"audit-{uuid.uuid4().hex[:16]}",
                                         "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test"})
        storage.client.create_bucket(Bucket=storage.bucket, ObjectLockEnabledForBucket=object_lock)
        app.extensions["pomost_storage"] = storage
        return storage

    return use


def test_checkpoints_on_s3_with_object_lock_are_locked(db, tamper, s3):
    storage = s3(object_lock=True)
    _chain(db, 6)
    checkpoint, kept = audit.write_checkpoint()
    assert kept.locked and "COMPLIANCE" in kept.how
    head = storage.client.head_object(Bucket=storage.bucket, Key=checkpoint.name)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(ClientError, match="AccessDenied"):  # not even the app's own credentials remove it
        storage.client.delete_object(Bucket=storage.bucket, Key=checkpoint.name, VersionId=head["VersionId"])
    assert audit.verify().ok
    tamper("DELETE FROM audit_entry WHERE id > 4")
    result = audit.verify()
    assert not result.ok and result.missing == (5, 6)
    # A plain DELETE only hides a locked object behind a delete marker; that is reported too.
    storage.client.delete_object(Bucket=storage.bucket, Key=checkpoint.name)
    result = audit.verify()
    assert not result.ok and _english(result) == f"Checkpoint {checkpoint.name} was deleted from the storage."


def test_checkpoints_on_s3_without_object_lock_are_written_and_say_so(db, s3):
    storage = s3(object_lock=False)
    _chain(db, 2)
    checkpoint, kept = audit.write_checkpoint()
    assert not kept.locked and "neither object lock nor versioning" in kept.how
    assert storage.keys("audit-checkpoints/") == [checkpoint.name]
    assert audit.verify().ok and audit.verify().checkpoints == 1


# --- commands and the staff page -------------------------------------------------------------------------

def test_cli_verify_reports_ok_and_the_broken_entry(app, db, tamper):
    _chain(db, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["pomost", "audit", "verify"])
    assert ok.exit_code == 0 and "3 entries verified" in ok.output and "No checkpoint yet" in ok.output
    tamper("UPDATE audit_entry SET action = 'forged:entry:here' WHERE id = 2")
    broken = runner.invoke(args=["pomost", "audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 2" in broken.output


def test_cli_checkpoint_then_verify_names_the_missing_entries(app, db, tamper):
    _chain(db, 100)
    runner = app.test_cli_runner()
    written = runner.invoke(args=["pomost", "audit", "checkpoint"])
    assert written.exit_code == 0, written.output
    assert "Audit checkpoint written: entries up to 100" in written.output and "not locked" in written.output
    assert "No new entries" in runner.invoke(args=["pomost", "audit", "checkpoint"]).output
    assert "Matches 1 checkpoint(s)" in runner.invoke(args=["pomost", "audit", "verify"]).output
    tamper("DELETE FROM audit_entry WHERE id > 95")
    broken = runner.invoke(args=["pomost", "audit", "verify"])
    assert broken.exit_code == 1
    assert "Audit chain BROKEN at entry 96: Entries 96–100 are missing: the checkpoint of" in broken.output
    refused = runner.invoke(args=["pomost", "audit", "checkpoint"])
    assert refused.exit_code == 1 and "NOT written" in refused.output


def test_cli_says_when_the_checkpoints_cannot_be_read(app, db):
    _chain(db, 1)
    app.extensions["pomost_storage"] = S3Storage(bucket="down", endpoint_url="http://127.0.0.1:9", max_attempts=1,
                                                 connect_timeout=1, access_key_id="t", secret_access_key="t")
    runner = app.test_cli_runner()
    verify = runner.invoke(args=["pomost", "audit", "verify"])
    assert verify.exit_code == 1 and "cannot be read just now" in verify.output
    checkpoint = runner.invoke(args=["pomost", "audit", "checkpoint"])
    assert checkpoint.exit_code == 1 and "Audit checkpoint NOT written: S3 storage failed" in checkpoint.output


def test_tick_writes_a_checkpoint_when_the_chain_has_grown(app, db):
    runner = app.test_cli_runner()
    assert "Audit checkpoint" not in runner.invoke(args=["pomost", "tick"]).output  # nothing to anchor yet
    _chain(db, 2)
    assert "Audit checkpoint written: entries up to 2" in runner.invoke(args=["pomost", "tick"]).output
    assert "Audit checkpoint" not in runner.invoke(args=["pomost", "tick"]).output


def _verify_page(client) -> str:
    response = client.post("/audit/verify", data={"csrf_token": csrf_token(client, "/audit")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_staff_page_shows_the_checkpoints_and_the_missing_entries(client, auth, db, tamper):
    auth.login(factories.user(Role.AUDITOR, locale="en").email)
    _chain(db, 10)
    assert "No checkpoint has been kept outside the database yet" in _verify_page(client)
    checkpoint, _ = audit.write_checkpoint()
    head = checkpoint.head_id
    page = _verify_page(client)
    assert "The chain holds" in page and f"covers entries up to {head}." in page
    tamper("DELETE FROM audit_entry WHERE id > :id", {"id": head - 2})
    page = _verify_page(client)
    assert f"The chain is broken at entry {head - 1}." in page and f"Entries {head - 1}–{head} are missing" in page


# --- the migration that brought the key ------------------------------------------------------------------

def _legacy_entries(conn, n: int) -> None:
    """Entries as the code before the key wrote them: plain sha256, no scheme column."""
    previous = GENESIS_HASH
    for i in range(1, n + 1):
        entry = SimpleNamespace(id=i, created_at=datetime(2026, 1, 1, 12, i, tzinfo=timezone.utc), actor_id=None,
                                action="test:old:entry", object_type=None, object_id=None, data={"i": i},
                                prev_hash=previous, scheme=LEGACY)
        entry.hash = audit.entry_hash(entry)
        conn.execute(text("INSERT INTO audit_entry (id, created_at, action, data, prev_hash, hash) "
                          "VALUES (:id, :created_at, :action, :data, :prev_hash, :hash)"),
                     {"id": i, "created_at": entry.created_at.replace(tzinfo=None), "action": entry.action,
                      "data": json.dumps(entry.data), "prev_hash": previous, "hash": entry.hash})
        previous = entry.hash


def test_upgrading_seals_the_old_entries_under_the_key(empty_database_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    from grants import create_app
    from grants.extensions import db

    app = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "m",
                      "INSTANCE_PATH": str(tmp_path), "STORAGE_PATH": str(tmp_path / "storage"),
                      "MAIL_BACKGROUND": False})
    with app.app_context():
        upgrade(revision="0009_auth_hardening")
        with db.engine.begin() as conn:
            _legacy_entries(conn, 4)
        upgrade()
        sealed = db.session.get(AuditEntry, 5)
        assert (sealed.action, sealed.scheme, sealed.prev_hash) == ("audit:chain:sealed", KEYED,
                                                                    db.session.get(AuditEntry, 4).hash)
        assert sealed.data["sealed_entries"] == 4
        schemes = db.session.scalars(select(AuditEntry.scheme).order_by(AuditEntry.id)).all()
        assert schemes == [LEGACY] * 4 + [KEYED]
        audit.record("test:new:entry")
        db.session.commit()
        assert audit.verify().ok and audit.verify().checked == 6
        # Old entries cannot be recomputed without the key any more: the sealing entry's link gives it away.
        rows = [dict(r._mapping) for r in db.session.execute(select(AuditEntry.__table__).where(AuditEntry.id <= 4)
                                                              .order_by(AuditEntry.id))]
        db.session.rollback()
        previous, changed = GENESIS_HASH, []
        for row in rows:
            row.update(data={"i": 100} if row["id"] == 2 else row["data"], prev_hash=previous)
            row["hash"] = previous = audit.entry_hash(SimpleNamespace(**row))
            changed.append({**row, "data": json.dumps(row["data"])})
        _behind_the_triggers(db.engine, [("UPDATE audit_entry SET data = :data, prev_hash = :prev_hash, hash = :hash "
                                          "WHERE id = :id", changed)])
        result = audit.verify()
        assert not result.ok and result.broken_id == 5
        with pytest.raises(SystemExit):  # flask-migrate logs the migration's refusal and exits
            downgrade(revision="0009_auth_hardening")
        db.session.remove()
        db.engine.dispose()
