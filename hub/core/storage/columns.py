"""Column types that keep values exact and aware on every database.

SQLite has no decimal and no timezone type, so money is stored as its exact
decimal string and datetimes as UTC (naive in SQLite, ``timestamptz`` in
PostgreSQL), always handed back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class DecimalString(TypeDecorator[Decimal]):
    """An exact Decimal stored as text (never through a float)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("refusing to store a float as money; use Decimal")
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC and always returned aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no timezone")
        aware = value.astimezone(UTC)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value
        return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


def dt_field(**kw: Any) -> Any:
    """A :class:`UTCDateTime` column (``Field`` keywords as given)."""
    from sqlmodel import Field

    return Field(sa_type=UTCDateTime, **kw)


def money_field(**kw: Any) -> Any:
    """A :class:`DecimalString` column (``Field`` keywords as given)."""
    from sqlmodel import Field

    return Field(sa_type=DecimalString, **kw)


def json_field(**kw: Any) -> Any:
    """A nullable JSON column (``Field`` keywords as given)."""
    from sqlalchemy import JSON, Column
    from sqlmodel import Field

    return Field(sa_column=Column(JSON, nullable=True), **kw)
