"""Column types shared by every area."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import DateTime, Enum, types


def finite_decimal(value: Any) -> Decimal | None:
    """A finite decimal from stored or typed data, or None: for nothing, for what is no number (a word, a
    yes/no) and for NaN and Infinity, which no amount may be."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Id columns are 32-bit integers: a larger number is no id (404, not a database error).
LARGEST_ID = 2**31 - 1


class UTCDateTime(types.TypeDecorator):
    """Stored as naive UTC on every database, returned as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A string column limited by a CHECK constraint to the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
