"""Audit entries sealed with a key kept outside the database: HMAC-SHA256 under POMOST_AUDIT_KEY.

Each entry gets a `scheme` column. The entries already written keep their plain sha256 seals and say
so ("sha256", the column's default); every entry from now on is sealed with the key ("hmac-sha256").
Then one keyed entry, "audit:chain:sealed", is appended after the old ones: its seal covers the last
old entry's hash, so from here on the old entries cannot be edited and recomputed without the key
either (the verifier accepts unkeyed entries only before the first keyed one, and a chain that ends
unkeyed as broken).

Why a scheme marker and not resealing the old entries with the key:
- resealing rewrites the whole log, which is exactly what it exists to forbid: the append-only
  triggers would have to be lifted (as the table's owner) for the length of the migration, and an
  edit made before the upgrade would be sealed with the key and look genuine from then on;
- the old hashes may have been copied elsewhere (exports, an auditor's notes); they stay valid;
- nothing is updated or deleted, so the triggers stay on, the migration runs as any role that may
  insert into the log, and it is quick however long the log is.
The trace is the sealing entry itself, with how many old entries it seals and the last one's hash.

The seal is computed by grants.services.audit, the same code that verifies it, with the key of the
app that runs the migration (flask db upgrade): run it with the production key. Stop the app's writers
while upgrading: an entry written meanwhile by the old code would be an unkeyed entry after keyed ones.

Revision ID: 0010_audit_anchor
Revises: 0009_auth_hardening
"""
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from grants.services import audit
from grants.types import UTCDateTime, utcnow

revision = "0010_audit_anchor"
down_revision = "0009_auth_hardening"
branch_labels = None
depends_on = None

audit_entry = sa.table(
    "audit_entry",
    sa.column("id", sa.BigInteger), sa.column("created_at", UTCDateTime), sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String), sa.column("object_type", sa.String), sa.column("object_id", sa.String),
    sa.column("data", sa.JSON), sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
    sa.column("scheme", sa.String),
)


def upgrade():
    # A plain ADD COLUMN on both databases (no table rebuild on SQLite), so the append-only triggers stay.
    op.add_column("audit_entry", sa.Column("scheme", sa.String(length=16), nullable=False,
                                           server_default=audit.LEGACY))
    _seal_old_entries()


def _seal_old_entries():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # The chain's lock, as every writer takes it, until this migration commits.
        head = bind.execute(sa.text("SELECT id, hash FROM audit_chain_head(:key)"),
                            {"key": audit.CHAIN_LOCK_KEY}).first()
    else:
        head = bind.execute(sa.text("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1")).first()
    if head is None or head.id is None:
        return  # an empty log: every entry will be keyed
    entry = SimpleNamespace(id=head.id + 1, created_at=utcnow(), actor_id=None, action="audit:chain:sealed",
                            object_type=None, object_id=None, prev_hash=head.hash, scheme=audit.KEYED,
                            data={"sealed_entries": head.id, "last_hash": head.hash, "scheme": audit.LEGACY})
    bind.execute(audit_entry.insert().values(**vars(entry), hash=audit.entry_hash(entry)))


def downgrade():
    keyed = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_entry WHERE scheme <> :legacy"),
                                  {"legacy": audit.LEGACY}).scalar()
    if keyed:
        # The code before this revision would call every keyed entry broken, and they cannot be removed.
        raise RuntimeError(f"audit_entry holds {keyed} entries sealed with the audit key; the revisions before "
                           "0010_audit_anchor cannot verify them, so this downgrade is refused.")
    op.drop_column("audit_entry", "scheme")
