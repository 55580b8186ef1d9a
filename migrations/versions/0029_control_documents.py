"""Control documents (the auditor's, and those a grantee sends with an answer to a recommendation), samples
drawn as a share of the population, and samples across every call of the programme.

Revision ID: 0029_control_documents
Revises: 0028_control_cancelled
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0029_control_documents"
down_revision = "0028_control_cancelled"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('control_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_control_file_control_id_control')),
    sa.ForeignKeyConstraint(['finding_id'], ['control_finding.id'], name=op.f('fk_control_file_finding_id_control_finding')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_control_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_control_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_control_file_storage_key'))
    )
    with op.batch_alter_table('control_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_control_file_control_id'), ['control_id'], unique=False)

    with op.batch_alter_table('control_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_control_plan_share_percent'),
                                         "share is null or (share > 0 and share <= 100)")
        batch_op.alter_column('call_id',
               existing_type=sa.INTEGER(),
               nullable=True)


def downgrade():
    with op.batch_alter_table('control_plan', schema=None) as batch_op:
        batch_op.alter_column('call_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_constraint(op.f('ck_control_plan_share_percent'), type_='check')
        batch_op.drop_column('share')

    with op.batch_alter_table('control_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_control_file_control_id'))

    op.drop_table('control_file')
