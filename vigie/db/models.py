"""ORM models: the durable inbox and the turn log.

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
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit integer primary key; SQLite needs exactly INTEGER for an auto-incremented rowid.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

INBOX_STATUSES = ("pending", "done", "failed")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


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


class InboxItem(Base):
    """Every incoming update, stored (already redacted) before it is handled."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        CheckConstraint(
            "status IN ('pending', 'done', 'failed')",
            name="status",
        ),
        Index(None, "status", "chat_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    degraded_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # never shows the text
        return (
            f"InboxItem(id={self.id!r}, channel={self.channel!r}, chat_id={self.chat_id!r}, "
            f"status={self.status!r}, attempts={self.attempts!r})"
        )


class Turn(Base):
    """One handled message (texts already redacted), for follow-up and reports."""

    __tablename__ = "turns"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(128))
    text_in: Mapped[str] = mapped_column(Text)
    text_out: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float)
    article_id: Mapped[str | None] = mapped_column(String(128))
    inbox_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("inbox.id", ondelete="SET NULL"), index=True
    )
    latency_ms: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:  # never shows the texts
        return f"Turn(id={self.id!r}, channel={self.channel!r}, intent={self.intent!r})"
