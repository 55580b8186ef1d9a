"""Bank files: approved payments exported together as one stored file (a batch), and what the bank confirmed
of each payment (the day paid and the bank's reference).

Revision ID: 0017_payment_batches
Revises: 0016_agreements
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0017_payment_batches"
down_revision = "0016_agreements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('total', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('total > 0', name=op.f('ck_payment_batch_total_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_payment_batch_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batch')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_payment_batch_storage_key'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_batch_id'), ['batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_batch_id_payment_batch'), 'payment_batch', ['batch_id'], ['id'])



def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_batch_id_payment_batch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_batch_id'))
        batch_op.drop_column('bank_reference')
        batch_op.drop_column('paid_on')
        batch_op.drop_column('batch_id')

    op.drop_table('payment_batch')
