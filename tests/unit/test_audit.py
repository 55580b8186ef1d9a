"""The audit log is a hash chain: verify() catches a changed entry, a removed one and a reordering;
the database itself refuses UPDATE and DELETE on it."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from grants.services import audit
from grants.services.audit import GENESIS_HASH, AuditEntry


def _chain(db, n=5):
    entries = [audit.record("test:thing:changed", object_type="thing", object_id=i,
                            data={"i": i, "amount": Decimal("12.50"), "note": "zażółć"}) for i in range(n)]
    db.session.commit()
    return entries


def _tamper(db, sql: str, **params):
    """Change the table behind the app's back, with the append-only triggers out of the way."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text(sql), params)
        else:
            for trigger in ("audit_entry_no_update", "audit_entry_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            conn.execute(text(sql), params)


def test_entries_chain_from_genesis(db):
    first, second, *_ = _chain(db)
    assert first.id == 1 and first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert second.data["amount"] == "12.50"  # Decimals are stored as exact strings, never floats
    result = audit.verify()
    assert result.ok and result.checked == 5


def test_action_tag_must_be_source_subject_action(db):
    with pytest.raises(ValueError):
        audit.record("login", data={})
    with pytest.raises(ValueError):
        audit.record("auth::failed")


def test_verify_names_a_changed_entry(db):
    _chain(db)
    _tamper(db, "UPDATE audit_entry SET data = :d WHERE id = 3", d='{"i": 99}')
    db.session.expire_all()
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == 3
    assert result.checked == 2


def test_verify_catches_a_rehashed_entry_by_its_broken_link(db):
    _chain(db)
    db.session.expire_all()
    forged = db.session.get(AuditEntry, 2)
    forged.data = {"i": 1000}
    new_hash = audit.entry_hash(forged)
    db.session.rollback()
    _tamper(db, "UPDATE audit_entry SET data = :d, hash = :h WHERE id = 2", d='{"i": 1000}', h=new_hash)
    result = audit.verify()
    assert not result.ok and result.broken_id == 3
    assert "link" in result.reason


def test_verify_catches_reordered_entries(db):
    _chain(db)
    # Swap the positions of entries 2 and 4.
    _tamper(db, "UPDATE audit_entry SET id = 1000 WHERE id = 2")
    _tamper(db, "UPDATE audit_entry SET id = 2 WHERE id = 4")
    _tamper(db, "UPDATE audit_entry SET id = 4 WHERE id = 1000")
    result = audit.verify()
    assert not result.ok and result.broken_id == 2


def test_verify_catches_a_removed_entry(db):
    _chain(db)
    _tamper(db, "DELETE FROM audit_entry WHERE id = 3")
    result = audit.verify()
    assert not result.ok and result.broken_id == 4


def test_database_refuses_update_and_delete(db):
    _chain(db, 2)
    for statement in ("UPDATE audit_entry SET action = 'x:y:z' WHERE id = 1", "DELETE FROM audit_entry WHERE id = 2"):
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
    assert audit.verify().ok


@pytest.mark.postgres_only
def test_postgres_refuses_truncate(db):
    _chain(db, 1)
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
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


def test_cli_verify_reports_ok_and_the_broken_entry(app, db):
    _chain(db, 3)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["pomost", "audit", "verify"])
    assert ok.exit_code == 0 and "3 entries verified" in ok.output
    _tamper(db, "UPDATE audit_entry SET action = 'forged:entry:here' WHERE id = 2")
    broken = runner.invoke(args=["pomost", "audit", "verify"])
    assert broken.exit_code == 1
    assert "entry 2" in broken.output
