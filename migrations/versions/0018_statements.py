"""Bank statements imported once (MT940, camt.053) and their lines, each matched to the payment it paid or left for
a person to resolve.

Revision ID: 0018_statements
Revises: 0017_payment_batches
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0018_statements"
down_revision = "0017_payment_batches"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statement_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_statement_import_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_import')),
    sa.UniqueConstraint('sha256', name=op.f('uq_statement_import_sha256'))
    )
    op.create_table('statement_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('account', sa.String(length=34), nullable=True),
    sa.Column('bank_reference', sa.String(length=100), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_id'], ['statement_import.id'], name=op.f('fk_statement_line_import_id_statement_import')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_statement_line_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_line'))
    )
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_line_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_line_payment_id'), ['payment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('statement_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_line_payment_id'))
        batch_op.drop_index(batch_op.f('ix_statement_line_import_id'))

    op.drop_table('statement_line')
    op.drop_table('statement_import')
