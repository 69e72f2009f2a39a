"""Declarative base shared by every feature's models: naming convention, UTC datetimes.

Datetimes are always timezone-aware UTC in Python. PostgreSQL stores them as
``timestamp with time zone``; SQLite has no time zone type, so they are stored as UTC
text and given back their UTC time zone when read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase

from vigie.core.clock import default_clock

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit integer primary key; SQLite needs exactly INTEGER for an auto-incremented rowid.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC, of the default clock
    (:func:`vigie.core.clock.default_clock`): the real time, unless a test replaced it."""
    return default_clock().now()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: use a timezone-aware datetime (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so that migrations name constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - read by SQLAlchemy, not mutated
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def in_values(column: str, values: tuple[str, ...]) -> str:
    """SQL of a CHECK constraint ``column IN (...)``."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
