"""Annexes of signed agreements: a changed schedule, amount or end date with its reason, what was before and
after, and the annex's own document.

Revision ID: 0022_agreement_annexes
Revises: 0021_package_items
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0022_agreement_annexes"
down_revision = "0021_package_items"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement_annex',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('document_key', sa.String(length=300), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_annex_agreement_id_agreement')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_agreement_annex_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_annex')),
    sa.UniqueConstraint('agreement_id', 'number', name='uq_annex_number')
    )
    with op.batch_alter_table('agreement_annex', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_annex_agreement_id'), ['agreement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('agreement_annex', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_annex_agreement_id'))

    op.drop_table('agreement_annex')
