"""Count the SQL statements a block of code runs (for tests that pin a page's number of queries)."""
from __future__ import annotations

import contextlib
from typing import Iterator

from sqlalchemy import event


@contextlib.contextmanager
def recorded_statements(engine) -> Iterator[list[str]]:
    """Yield a list that fills with the SQL of every statement the engine runs until the block ends."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
