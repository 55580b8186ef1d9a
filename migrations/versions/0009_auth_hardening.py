"""Revocable sessions and second-factor attempts: a session version per account (every session
signed with an older one is over) and the factor each sign-in attempt tried.

Revision ID: 0009_auth_hardening
Revises: 0008_application_state_counts
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_auth_hardening"
down_revision = "0008_application_state_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("login_attempt") as batch_op:
        batch_op.add_column(sa.Column("factor", sa.String(length=20), nullable=False, server_default="password"))


def downgrade():
    with op.batch_alter_table("login_attempt") as batch_op:
        batch_op.drop_column("factor")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("session_version")
