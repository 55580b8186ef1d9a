"""Search that ignores case and accents on every database: one fold, in Python, applied to both sides.

"zrodlo", "ZRÓDŁO" and "źródło" all find "Źródło"; "lecka" finds "Łęcka". Neither database can be
trusted to do it: SQLite's lower() and LIKE know only ASCII letters, and PostgreSQL would need the
unaccent extension (created by a superuser), whose rules would still differ from the fold of the term.
So a searchable model stores `search_text`, the fold of its `search_fields`, and a search compares the
folded term with it: the same function makes both sides, whatever the database.

How the column stays true to the fields:
- on INSERT, the column's default folds the row's own parameters. Core runs it for every row, so it
  covers ORM objects and bulk `session.execute(insert(Model), [rows])` alike (no ORM event involved);
- on an ORM UPDATE that changes one of the fields, a `before_update` mapper event folds it again;
- a Core or bulk UPDATE of a folded field (`update(Model).values(title=...)`) bypasses both and leaves
  the old fold: grants/ has none; change such fields through the objects.
Changing fold() changes what is stored: ship a migration that refills the columns (as 0011 does).

Full-text indexes: on PostgreSQL the registry stores to_tsvector('simple', search_text) as a generated column,
`search_vector`, and a GIN index over it serves a search by word prefixes (each row's vector is made once, when
it is saved, not again by every search that passes it). SQLAlchemy's metadata cannot declare a column or an
index that only one database has, so the migrations make them and POSTGRES_ONLY names them; `include_object`
keeps Alembic's comparison of the schema with the models from reporting them as ones to drop.

Elsewhere no index: a search finds a term anywhere in the text (LIKE '%term%'), which no B-tree can serve. The
officer's list reads one call's applications (ix_application_call_status) and filters those; the
users' list scans a table of people. Should that grow slow, PostgreSQL's pg_trgm GIN index serves
'%term%' on this very column.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Text, event, inspect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

# Latin letters that Unicode does not decompose into a base letter and a mark (NFKD leaves "ł" whole).
_UNDECOMPOSED = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae", "œ": "oe"})
# Between the fields of one row: a folded term holds no line break, so it never matches across two fields.
_FIELD_SEPARATOR = "\n"


def fold(text: str) -> str:
    """The text lower-cased, without accents and with single spaces: "  ŹRÓDŁO  Łęcka " → "zrodlo lecka"."""
    # NFKD splits "ź" into "z" and a combining accent (and "ﬁ" into "fi"); casefold lowers beyond ASCII
    # ("ß" → "ss"); a second NFKD takes apart what casefolding composed.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_UNDECOMPOSED)
    return " ".join(bare.split())


def search_text(values: Iterable[str | None]) -> str:
    """What a row stores to be searched: the fold of each of its non-empty fields, one a line."""
    return _FIELD_SEPARATOR.join(fold(value) for value in values if value)


# Made by migrations, on PostgreSQL only: the registry's stored search vector and its full-text index, and the
# staff list's orders (submitted newest first, drafts last; a state's by amount: DESC NULLS LAST, which SQLite's
# indexes cannot say).
POSTGRES_ONLY = {"index": frozenset({"ix_registry_entry_search", "ix_application_submitted_desc",
                                     "ix_application_status_amount"}),
                 "column": frozenset({"search_vector"})}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: leave what only PostgreSQL has out of the comparison of the database with the models."""
    return not (reflected and compare_to is None and name in POSTGRES_ONLY.get(type_, ()))


class Searchable:
    """A model found by search: `search_text` holds the fold of `search_fields`, kept by the model."""

    search_fields: ClassVar[tuple[str, ...]] = ()

    @declared_attr
    def search_text(cls) -> Mapped[str]:
        fields = cls.search_fields

        def folded(context: Any) -> str:
            parameters = context.get_current_parameters()
            return search_text(parameters.get(field) for field in fields)

        # Deferred: only queries read it, never the objects.
        return mapped_column(Text, default=folded, server_default="", deferred=True)

    @classmethod
    def matching(cls, term: str) -> ColumnElement[bool]:
        """Rows whose fields contain the term, ignoring case and accents; % and _ in the term are literal."""
        return cls.search_text.contains(fold(term), autoescape=True)


@event.listens_for(Searchable, "before_update", propagate=True)
def _fold_again(mapper, connection, target: Searchable) -> None:
    state = inspect(target)
    if any(state.attrs[field].history.has_changes() for field in target.search_fields):
        target.search_text = search_text(getattr(target, field) for field in target.search_fields)
