"""Grant agreements (amount, dates, account, security, the de minimis check, the rates frozen on their date,
the generated document's sha256) and their files (the signed scan, the security document).

Revision ID: 0016_agreements
Revises: 0015_rates
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = '0016_agreements'
down_revision = '0015_rates'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('award', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('award_reason', sa.Text(), nullable=True),
    sa.Column('ranking_award', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('schedule_model', sa.String(length=30), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('bank_account', sa.String(length=34), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=True),
    sa.Column('account_verified_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('security_kind', sa.String(length=20), nullable=True),
    sa.Column('security_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('security_received_on', sa.Date(), nullable=True),
    sa.Column('security_accepted_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('de_minimis_prior_eur', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('de_minimis_award_eur', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('de_minimis_checked_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('rates', sa.JSON(), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('document_key', sa.String(length=300), nullable=True),
    sa.Column('prepared_by_id', sa.Integer(), nullable=True),
    sa.Column('prepared_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('signed_at', grants.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('award > 0', name=op.f('ck_agreement_award_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_agreement_dates_in_order')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_agreement_application_id_application')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['user_account.id'], name=op.f('fk_agreement_prepared_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement')),
    sa.UniqueConstraint('application_id', name=op.f('uq_agreement_application_id')),
    sa.UniqueConstraint('number', name=op.f('uq_agreement_number'))
    )
    op.create_table('agreement_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_agreement_file_agreement_id_agreement')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_agreement_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_agreement_file_storage_key'))
    )
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_file_agreement_id'), ['agreement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('agreement_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_file_agreement_id'))

    op.drop_table('agreement_file')
    op.drop_table('agreement')
