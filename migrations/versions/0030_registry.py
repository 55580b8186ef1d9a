"""The public registry: each organisation's entry (published or not, products and services, industry, place,
social-economy status, contact details and which of them are shown), searchable by the fold of its name,
products, services and town.

Revision ID: 0030_registry
Revises: 0029_control_documents
"""
import sqlalchemy as sa
from alembic import op

import grants.types

revision = "0030_registry"
down_revision = "0029_control_documents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', grants.types.UTCDateTime(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('products', sa.Text(), nullable=True),
    sa.Column('services', sa.Text(), nullable=True),
    sa.Column('industry', sa.String(length=60), nullable=True),
    sa.Column('town', sa.String(length=120), nullable=True),
    sa.Column('county', sa.String(length=120), nullable=True),
    sa.Column('voivodeship', sa.String(length=30), nullable=True),
    sa.Column('se_status', sa.String(length=10), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('show_email', sa.Boolean(), nullable=False),
    sa.Column('show_phone', sa.Boolean(), nullable=False),
    sa.Column('show_website', sa.Boolean(), nullable=False),
    sa.Column('show_address', sa.Boolean(), nullable=False),
    sa.Column('updated_at', grants.types.UTCDateTime(), nullable=False),
    sa.Column('search_text', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("se_status in ('ps', 'pes', 'none')", name=op.f('ck_registry_entry_se_status_known')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_registry_entry_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_entry')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_registry_entry_organisation_id'))
    )
    with op.batch_alter_table('registry_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_entry_published'), ['published'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_entry_voivodeship'), ['voivodeship'], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # the full-text search by word prefixes (grants/search.py)
        op.execute("CREATE INDEX ix_registry_entry_search ON registry_entry "
                   "USING gin (to_tsvector('simple', search_text))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_registry_entry_search")
    with op.batch_alter_table('registry_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_entry_voivodeship'))
        batch_op.drop_index(batch_op.f('ix_registry_entry_published'))

    op.drop_table('registry_entry')
