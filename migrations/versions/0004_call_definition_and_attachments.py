"""Call definition (required attachments, scoring criteria, amendments), attachments, frozen
application versions, correction items and the formal-check checklist.

New JSON columns on existing tables get a server default so that existing rows are valid.

Revision ID: 0004_call_definition
Revises: 0003_organisation_details

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_call_definition'
down_revision = '0003_organisation_details'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_call_amendment_actor_id_user_account')),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_amendment_call_id_call')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_amendment'))
    )
    with op.batch_alter_table('call_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_amendment_call_id'), ['call_id'], unique=False)

    op.create_table('application_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('requested_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_version_application_id_application')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_application_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_version')),
    sa.UniqueConstraint('application_id', 'number', name=op.f('uq_application_version_application_id'))
    )
    with op.batch_alter_table('application_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_version_application_id'), ['application_id'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.String(length=40), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_attachment_application_id_application')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_attachment_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachment_storage_key'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_items', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('formal_checklist', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_attachments', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('criteria', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))



def downgrade():
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_column('criteria')
        batch_op.drop_column('required_attachments')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('formal_checklist')
        batch_op.drop_column('correction_items')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_application_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('application_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_version_application_id'))

    op.drop_table('application_version')
    with op.batch_alter_table('call_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_amendment_call_id'))

    op.drop_table('call_amendment')
