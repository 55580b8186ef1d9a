"""Final settlements: the grantee's expenditure lines with their invoices against the signed budget, the own
contribution, and each submitted version frozen with its figures and the officer's decision.

Revision ID: 0026_settlements
Revises: 0025_control_plans
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0026_settlements"
down_revision = "0025_control_plans"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('own_contribution', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('own_contribution >= 0', name=op.f('ck_settlement_own_not_negative')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_settlement_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement')),
    sa.UniqueConstraint('application_id', name=op.f('uq_settlement_application_id'))
    )
    op.create_table('settlement_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('submitted_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_settlement_version_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_settlement_version_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_settlement_version_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_version')),
    sa.UniqueConstraint('application_id', 'number', name='uq_settlement_version')
    )
    with op.batch_alter_table('settlement_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_version_application_id'), ['application_id'], unique=False)

    op.create_table('settlement_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id'], name=op.f('fk_settlement_file_settlement_id_settlement')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_settlement_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_settlement_file_storage_key'))
    )
    with op.batch_alter_table('settlement_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_file_settlement_id'), ['settlement_id'], unique=False)

    op.create_table('settlement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('budget_line', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=60), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('supplier', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_settlement_line_amount_positive')),
    sa.CheckConstraint('budget_line >= 0', name=op.f('ck_settlement_line_budget_line_not_negative')),
    sa.ForeignKeyConstraint(['file_id'], ['settlement_file.id'], name=op.f('fk_settlement_line_file_id_settlement_file')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id'], name=op.f('fk_settlement_line_settlement_id_settlement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_line'))
    )
    with op.batch_alter_table('settlement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_line_settlement_id'), ['settlement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('settlement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_line_settlement_id'))

    op.drop_table('settlement_line')
    with op.batch_alter_table('settlement_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_file_settlement_id'))

    op.drop_table('settlement_file')
    with op.batch_alter_table('settlement_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_version_application_id'))

    op.drop_table('settlement_version')
    op.drop_table('settlement')
