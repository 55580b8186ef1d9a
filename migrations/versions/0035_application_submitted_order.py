"""The staff's list of every call's applications in its default order (submitted, newest first, drafts last):
on PostgreSQL an index in that very order, so a page of 100,000 applications reads its 50 rows, not all of them.

Revision ID: 0035_application_submitted_order
Revises: 0034_registry_staff
"""
from alembic import op

revision = "0035_application_submitted_order"
down_revision = "0034_registry_staff"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # SQLite's indexes cannot say NULLS LAST (grants/search.py)
        op.execute("CREATE INDEX ix_application_submitted_desc ON application (submitted_at DESC NULLS LAST, id DESC)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_application_submitted_desc")
