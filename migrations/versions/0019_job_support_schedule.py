"""Job-creation support's schedule: the agreement's jobs (each one's FTE) and basic bridging months, the month a
monthly instalment is for, the grantee's employment proofs per month, and why an extension of bridging support
is asked for.

Revision ID: 0019_job_support_schedule
Revises: 0018_statements
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0019_job_support_schedule"
down_revision = "0018_statements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('employment_proof',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('period > 0', name=op.f('ck_employment_proof_period_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_employment_proof_application_id_application')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_employment_proof_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_employment_proof_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_proof')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_employment_proof_storage_key'))
    )
    with op.batch_alter_table('employment_proof', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_proof_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobs', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('bridging_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('bridging_monthly', sa.Numeric(precision=14, scale=2), nullable=True))

    with op.batch_alter_table('bridging_extension', schema=None) as batch_op:
        batch_op.add_column(sa.Column('justification', sa.Text(), nullable=True))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('period')

    with op.batch_alter_table('bridging_extension', schema=None) as batch_op:
        batch_op.drop_column('justification')

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('bridging_monthly')
        batch_op.drop_column('bridging_months')
        batch_op.drop_column('jobs')

    with op.batch_alter_table('employment_proof', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employment_proof_application_id'))

    op.drop_table('employment_proof')
