"""A programme rule: whether staff may read applications still in draft (by default they may not, until
the applicant submits).

Revision ID: 0012_staff_read_drafts
Revises: 0011_search_text
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_staff_read_drafts"
down_revision = "0011_search_text"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programme") as batch_op:
        batch_op.add_column(sa.Column("staff_read_drafts", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("programme") as batch_op:
        batch_op.drop_column("staff_read_drafts")
