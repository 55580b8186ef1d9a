"""A NIP or a KRS number names one organisation: each is registered once (unique where given). An installation
that already holds two organisations with the same one stops here with their ids, to be merged first.

Revision ID: 0036_organisation_identifiers
Revises: 0035_application_submitted_order
"""
import sqlalchemy as sa
from alembic import op

revision = "0036_organisation_identifiers"
down_revision = "0035_application_submitted_order"
branch_labels = None
depends_on = None

COLUMNS = ("nip", "krs")


def upgrade():
    connection = op.get_bind()
    for column in COLUMNS:
        twice = connection.execute(sa.text(
            f"SELECT {column}, min(id), max(id) FROM organisation WHERE {column} IS NOT NULL "
            f"GROUP BY {column} HAVING count(*) > 1")).all()
        if twice:
            listed = "; ".join(f"{value}: organisations {low} … {high}" for value, low, high in twice[:20])
            raise RuntimeError(f"Organisations share a {column.upper()} ({listed}). Merge them (move the members "
                               "and applications to one) before upgrading.")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.create_index(f"uq_organisation_{column}", [column], unique=True,
                                  postgresql_where=sa.text(f"{column} IS NOT NULL"),
                                  sqlite_where=sa.text(f"{column} IS NOT NULL"))


def downgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_index(f"uq_organisation_{column}")
