"""Report forms per call (a copy of a built-in template, its cadence and deadlines), each report's period and
reminders, the submitted versions of a report and its photos and documents.

Revision ID: 0023_report_forms
Revises: 0022_agreement_annexes
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0023_report_forms"
down_revision = "0022_agreement_annexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_form',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('final_due_days', sa.Integer(), nullable=False),
    sa.Column('remind_days', sa.Integer(), nullable=False),
    sa.Column('published_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("cadence in ('monthly', 'quarterly', 'final')", name=op.f('ck_report_form_cadence_known')),
    sa.CheckConstraint('due_days >= 0 and final_due_days >= 0 and remind_days >= 0', name=op.f('ck_report_form_days_not_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_report_form_call_id_call')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_report_form_published_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_form')),
    sa.UniqueConstraint('call_id', name=op.f('uq_report_form_call_id'))
    )
    op.create_table('report_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=40), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_file_report_id_report')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_report_file_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_file')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_report_file_storage_key'))
    )
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_file_report_id'), ['report_id'], unique=False)

    op.create_table('report_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('submitted_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_version_report_id_report')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_report_version_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_version')),
    sa.UniqueConstraint('report_id', 'number', name='uq_report_version')
    )
    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_version_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('final', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reminded_before_at', grants.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reminded_due_at', grants.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_report_form_id'), ['form_id'], unique=False)
        batch_op.create_unique_constraint('uq_report_period', ['application_id', 'period'])
        batch_op.create_foreign_key(batch_op.f('fk_report_form_id_report_form'), 'report_form', ['form_id'], ['id'])



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_report_form_id_report_form'), type_='foreignkey')
        batch_op.drop_constraint('uq_report_period', type_='unique')
        batch_op.drop_index(batch_op.f('ix_report_form_id'))
        batch_op.drop_column('reminded_due_at')
        batch_op.drop_column('reminded_before_at')
        batch_op.drop_column('final')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('starts_on')
        batch_op.drop_column('form_id')

    with op.batch_alter_table('report_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_version_report_id'))

    op.drop_table('report_version')
    with op.batch_alter_table('report_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_file_report_id'))

    op.drop_table('report_file')
    op.drop_table('report_form')
