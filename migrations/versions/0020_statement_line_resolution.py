"""Statement lines no payment matched, resolved by a person: linked to the payment they paid, or set aside with
a note; who did it and when; and whether a line took money out of the account or brought it in.

Revision ID: 0020_statement_line_resolution
Revises: 0019_job_support_schedule
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0020_statement_line_resolution"
down_revision = "0019_job_support_schedule"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', grants.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('debit', sa.Boolean(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_statement_line_resolved_by_id_user_account'), 'user_account', ['resolved_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_line_resolved_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('debit')
        batch_op.drop_column('resolution_note')
        batch_op.drop_column('resolved_by_id')
        batch_op.drop_column('resolved_at')
