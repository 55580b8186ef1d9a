"""PESEL of informal group members (required for the leader, who signs for the group).

Revision ID: 0007_group_member_pesel
Revises: 0006_call_documents
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_group_member_pesel"
down_revision = "0006_call_documents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("group_member") as batch_op:
        batch_op.add_column(sa.Column("pesel", sa.String(length=11), nullable=True))


def downgrade():
    with op.batch_alter_table("group_member") as batch_op:
        batch_op.drop_column("pesel")
