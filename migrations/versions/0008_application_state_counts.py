"""Per-state counts of each call's applications, kept by triggers as +1/−1 rows (read without counting).

Revision ID: 0008_application_state_counts
Revises: 0007_group_member_pesel
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_application_state_counts"
down_revision = "0007_group_member_pesel"
branch_labels = None
depends_on = None

DELTA = "INSERT INTO application_state_count (call_id, status, n) VALUES ({row}.call_id, {row}.status, {n});"


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # Until the triggers exist, a write to application would be in neither the counts below nor a
        # delta: hold writers off (they wait; readers do not) until this migration commits.
        op.execute("LOCK TABLE application IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "application_state_count",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_state_count")),
    )
    op.create_index(op.f("ix_application_state_count_call_id"), "application_state_count", ["call_id"])
    op.execute("INSERT INTO application_state_count (call_id, status, n) "
               "SELECT call_id, status, count(*) FROM application GROUP BY call_id, status")
    if postgres:
        op.execute(f"""
            CREATE FUNCTION application_state_count_delta() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {DELTA.format(row="OLD", n=-1)} END IF;
                IF TG_OP <> 'DELETE' THEN {DELTA.format(row="NEW", n=1)} END IF;
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER application_state_count_insert_delete AFTER INSERT OR DELETE ON application
            FOR EACH ROW EXECUTE FUNCTION application_state_count_delta()""")
        op.execute("""
            CREATE TRIGGER application_state_count_update AFTER UPDATE OF call_id, status ON application
            FOR EACH ROW WHEN (OLD.call_id IS DISTINCT FROM NEW.call_id OR OLD.status IS DISTINCT FROM NEW.status)
            EXECUTE FUNCTION application_state_count_delta()""")
    else:
        op.execute(f"""
            CREATE TRIGGER application_state_count_insert AFTER INSERT ON application
            BEGIN {DELTA.format(row="NEW", n=1)} END""")
        op.execute(f"""
            CREATE TRIGGER application_state_count_delete AFTER DELETE ON application
            BEGIN {DELTA.format(row="OLD", n=-1)} END""")
        op.execute(f"""
            CREATE TRIGGER application_state_count_update AFTER UPDATE OF call_id, status ON application
            WHEN OLD.call_id IS NOT NEW.call_id OR OLD.status IS NOT NEW.status
            BEGIN {DELTA.format(row="OLD", n=-1)} {DELTA.format(row="NEW", n=1)} END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER application_state_count_update ON application")
        op.execute("DROP TRIGGER application_state_count_insert_delete ON application")
        op.execute("DROP FUNCTION application_state_count_delta()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER application_state_count_{name}")
    op.drop_index(op.f("ix_application_state_count_call_id"), table_name="application_state_count")
    op.drop_table("application_state_count")
