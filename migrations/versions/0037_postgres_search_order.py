"""Two lists over a large programme, on PostgreSQL: the registry's full-text search reads a stored tsvector
(computed once per save, not for every row a search passes), and the staff's list of every call's applications,
narrowed to a state and sorted by the amount asked, reads an index in that order.

Revision ID: 0037_postgres_search_order
Revises: 0036_organisation_identifiers
"""
from alembic import op

revision = "0037_postgres_search_order"
down_revision = "0036_organisation_identifiers"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":  # SQLite searches with LIKE and cannot say NULLS LAST
        return
    op.execute("ALTER TABLE registry_entry ADD COLUMN search_vector tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED")
    op.execute("DROP INDEX ix_registry_entry_search")
    op.execute("CREATE INDEX ix_registry_entry_search ON registry_entry USING gin (search_vector)")
    op.execute("CREATE INDEX ix_application_status_amount ON application "
               "(status, requested_amount DESC NULLS LAST, id DESC)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_application_status_amount")
    op.execute("DROP INDEX ix_registry_entry_search")
    op.execute("ALTER TABLE registry_entry DROP COLUMN search_vector")
    op.execute("CREATE INDEX ix_registry_entry_search ON registry_entry "
               "USING gin (to_tsvector('simple', search_text))")
