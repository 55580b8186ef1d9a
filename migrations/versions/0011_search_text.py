"""A folded `search_text` column on users, organisations and applications, so that search ignores case
and accents on SQLite as on PostgreSQL (grants/search.py says why it is stored and how it is kept).

The columns are added with an empty default (a plain ADD COLUMN on both databases: no table rebuild on
SQLite, so application's counting triggers stay), then filled for the existing rows a thousand at a time,
folded by grants.search, the code the app folds search terms with. Stop the app's writers while
upgrading: a row the previous release writes meanwhile would keep an empty fold and never be found.

Revision ID: 0011_search_text
Revises: 0010_audit_anchor
"""
import sqlalchemy as sa
from alembic import op

from grants.search import search_text

revision = "0011_search_text"
down_revision = "0010_audit_anchor"
branch_labels = None
depends_on = None

BATCH = 1000
# Each table and the fields its fold is made of, as the models had them at this revision.
FOLDED = {"user_account": ("name", "email"), "organisation": ("name",), "application": ("number", "title")}


def upgrade():
    for name in FOLDED:
        op.add_column(name, sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    for name, fields in FOLDED.items():
        _fill(name, fields)


def _fill(name: str, fields: tuple[str, ...]) -> None:
    bind = op.get_bind()
    table = sa.table(name, sa.column("id", sa.Integer), sa.column("search_text", sa.Text),
                     *(sa.column(field, sa.String) for field in fields))
    folded = table.update().where(table.c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text"))
    last = 0
    while True:
        rows = bind.execute(sa.select(table.c.id, *(table.c[field] for field in fields))
                            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(folded, [{"row_id": row.id, "text": search_text(row[1:])} for row in rows])
        last = rows[-1].id


def downgrade():
    for name in FOLDED:
        op.drop_column(name, "search_text")
