"""Personal API tokens: each user's named keys to the JSON API, kept as a SHA-256 with their first characters,
scopes, expiry, revocation, last use, and the requests counted in the current minute.

Revision ID: 0033_api_tokens
Revises: 0032_organisation_kind_change
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0033_api_tokens"
down_revision = "0032_organisation_kind_change"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=40), nullable=False),
    sa.Column('expires_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('created_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('window_started', sa.Integer(), server_default='0', nullable=False),
    sa.Column('window_count', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
