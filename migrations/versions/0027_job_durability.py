"""Job durability: each job's person (PESEL, eligibility, disability), start date, the lost job it replaces, the
day it was lost and the deadline to replace it, the recovery case opened for it and its documents; the duty to
obtain the PS status by a date, with its reminders, document and recovery case.

Revision ID: 0027_job_durability
Revises: 0026_settlements
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0027_job_durability"
down_revision = "0026_settlements"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ps_status_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_ps_status_file_application_id_application')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_ps_status_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ps_status_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_ps_status_file_storage_key'))
    )
    with op.batch_alter_table('ps_status_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ps_status_file_application_id'), ['application_id'], unique=False)

    op.create_table('ps_status',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('obtained_on', sa.Date(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('reminded_before_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('reminded_due_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('recovery_case_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_ps_status_application_id_application')),
    sa.ForeignKeyConstraint(['document_id'], ['ps_status_file.id'], name=op.f('fk_ps_status_document_id_ps_status_file')),
    sa.ForeignKeyConstraint(['recovery_case_id'], ['recovery_case.id'], name=op.f('fk_ps_status_recovery_case_id_recovery_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ps_status')),
    sa.UniqueConstraint('application_id', name=op.f('uq_ps_status_application_id'))
    )
    with op.batch_alter_table('ps_status', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ps_status_due_on'), ['due_on'], unique=False)

    op.create_table('job_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind in ('eligibility', 'disability')", name=op.f('ck_job_file_kind_known')),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_file_job_id_job')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_job_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_job_file_storage_key'))
    )
    with op.batch_alter_table('job_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_file_job_id'), ['job_id'], unique=False)

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pesel', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('eligibility', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('disability', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lost_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('replace_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recovery_case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('registered_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_replace_by'), ['replace_by'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_job_replaces_id'), ['replaces_id'])
        batch_op.create_foreign_key(batch_op.f('fk_job_recovery_case_id_recovery_case'), 'recovery_case', ['recovery_case_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_job_replaces_id_job'), 'job', ['replaces_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_job_registered_by_id_user_account'), 'user_account', ['registered_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_registered_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_job_replaces_id_job'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_job_recovery_case_id_recovery_case'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_job_replaces_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_job_replace_by'))
        batch_op.drop_column('registered_by_id')
        batch_op.drop_column('recovery_case_id')
        batch_op.drop_column('replace_by')
        batch_op.drop_column('lost_on')
        batch_op.drop_column('replaces_id')
        batch_op.drop_column('starts_on')
        batch_op.drop_column('disability')
        batch_op.drop_column('eligibility')
        batch_op.drop_column('pesel')
        batch_op.drop_column('person_name')

    with op.batch_alter_table('job_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_file_job_id'))

    op.drop_table('job_file')
    with op.batch_alter_table('ps_status', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ps_status_due_on'))

    op.drop_table('ps_status')
    with op.batch_alter_table('ps_status_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ps_status_file_application_id'))

    op.drop_table('ps_status_file')
