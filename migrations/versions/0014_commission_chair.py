"""A development-package call may be decided by a commission's vote: its pool is the commission, and one
member chairs it (the chair's vote breaks a tie). A ranking published after appeals supersedes the earlier
places of the applications it ranks again. The officer's per-evaluator progress counts a call's scorecards
from one covering index.

Revision ID: 0014_commission_chair
Revises: 0013_evaluation
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_commission_chair"
down_revision = "0013_evaluation"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("evaluation_pool", sa.Column("chair", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("ranking_entry") as batch_op:
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(),
                                      sa.ForeignKey("ranking.id", name="fk_ranking_entry_superseded_by"),
                                      nullable=True))


    op.create_index("ix_scorecard_call_progress", "scorecard",
                    ["call_id", "evaluator_id", "status", "due_at", "saved_at"])


def downgrade():
    op.drop_index("ix_scorecard_call_progress", table_name="scorecard")
    with op.batch_alter_table("ranking_entry") as batch_op:
        batch_op.drop_constraint("fk_ranking_entry_superseded_by", type_="foreignkey")
        batch_op.drop_column("superseded_by_id")
    with op.batch_alter_table("evaluation_pool") as batch_op:
        batch_op.drop_column("chair")
