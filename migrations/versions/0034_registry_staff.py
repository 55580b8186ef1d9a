"""Grantees' basic data published in the registry by the programme's staff: who published an entry, and when;
the published entries in the public list's order (name, id), for pages of common words over a large registry.

Revision ID: 0034_registry_staff
Revises: 0033_api_tokens
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0034_registry_staff"
down_revision = "0033_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_published_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('staff_published_at', grants.types.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_registry_entry_staff_published_by_id_user_account'), 'user_account', ['staff_published_by_id'], ['id'])
        batch_op.create_index('ix_registry_entry_published_name', ['name', 'id'], unique=False,
                              postgresql_where=sa.text('published'), sqlite_where=sa.text('published'))


def downgrade():
    with op.batch_alter_table('registry_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_entry_published_name')
        batch_op.drop_constraint(batch_op.f('fk_registry_entry_staff_published_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('staff_published_at')
        batch_op.drop_column('staff_published_by_id')

