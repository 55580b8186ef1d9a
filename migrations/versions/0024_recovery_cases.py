"""Recovery cases with what the interest needs (its kind, the day it runs from, the transfer, the notice served
and the due date it set, the facts) and their repayments, as the bank credited them.

Revision ID: 0024_recovery_cases
Revises: 0023_report_forms
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0024_recovery_cases"
down_revision = "0023_report_forms"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recovery_repayment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('bank_reference', sa.String(length=100), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', grants.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_recovery_repayment_amount_positive')),
    sa.ForeignKeyConstraint(['case_id'], ['recovery_case.id'], name=op.f('fk_recovery_repayment_case_id_recovery_case')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_recovery_repayment_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_repayment'))
    )
    with op.batch_alter_table('recovery_repayment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_repayment_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('recovery_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interest_kind', sa.String(length=10), nullable=False, server_default='misuse'))
        batch_op.create_check_constraint(op.f('ck_recovery_case_principal_positive'), 'principal > 0')
        batch_op.create_check_constraint(op.f('ck_recovery_case_repaid_not_negative'), 'repaid >= 0')
        batch_op.add_column(sa.Column('interest_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('transferred_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('served_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('facts', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('opened_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_recovery_case_opened_by_id_user_account'), 'user_account', ['opened_by_id'], ['id'])



def downgrade():
    with op.batch_alter_table('recovery_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_recovery_case_opened_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('opened_by_id')
        batch_op.drop_column('facts')
        batch_op.drop_column('due_on')
        batch_op.drop_column('served_on')
        batch_op.drop_column('transferred_on')
        batch_op.drop_column('interest_from')
        batch_op.drop_column('interest_kind')
        batch_op.drop_constraint(op.f('ck_recovery_case_repaid_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_recovery_case_principal_positive'), type_='check')

    with op.batch_alter_table('recovery_repayment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_repayment_case_id'))

    op.drop_table('recovery_repayment')
