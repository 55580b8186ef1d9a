"""An index on (call_id, status): per-state counts of a call's applications read only the index.

Revision ID: 0005_call_status_index
Revises: 0004_call_definition
"""
from alembic import op

revision = "0005_call_status_index"
down_revision = "0004_call_definition"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_application_call_status", "application", ["call_id", "status"])


def downgrade():
    op.drop_index("ix_application_call_status", table_name="application")
