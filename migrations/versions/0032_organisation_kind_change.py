"""Kind changes: an informal group registered as a social cooperative stays one organisation, with its history.

Revision ID: 0032_organisation_kind_change
Revises: 0031_saved_filters
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0032_organisation_kind_change"
down_revision = "0031_saved_filters"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisation_kind_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('from_type', sa.Enum('social_cooperative', 'social_enterprise', 'social_economy_entity', 'ngo', 'informal_group', name='from_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('to_type', sa.Enum('social_cooperative', 'social_enterprise', 'social_economy_entity', 'ngo', 'informal_group', name='to_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('krs', sa.String(length=10), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('from_type <> to_type', name=op.f('ck_organisation_kind_change_kind_differs')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_organisation_kind_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_organisation_kind_change_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_kind_change'))
    )
    with op.batch_alter_table('organisation_kind_change', schema=None) as batch_op:
        batch_op.create_index('ix_organisation_kind_change_day', ['organisation_id', 'changed_on'], unique=False)


def downgrade():
    with op.batch_alter_table('organisation_kind_change', schema=None) as batch_op:
        batch_op.drop_index('ix_organisation_kind_change_day')

    op.drop_table('organisation_kind_change')
