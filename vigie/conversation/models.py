"""The conversation's tables: the durable inbox, the turn log and the known outages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, utcnow

INBOX_STATUSES = ("pending", "done", "failed")


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
    # The bot process handling it, until when (several processes: one per chat at a time;
    # a process that died is taken over once its lease has run out).
    leased_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # never shows the text
        return (
            f"InboxItem(id={self.id!r}, channel={self.channel!r}, chat_id={self.chat_id!r}, "
            f"status={self.status!r}, attempts={self.attempts!r})"
        )


class Turn(Base):
    """One handled message (texts already redacted), for follow-up and reports."""

    __tablename__ = "turns"
    __table_args__ = (
        # The console's aggregates read these indexes only (index-only scans): the period's
        # turns by intent, and a facility's, through its people's pseudonyms (migration 0011).
        Index(None, "created_at", "intent"),
        Index(None, "sender", "created_at", "intent"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
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


class AnswerFeedback(Base):
    """« Cette réponse vous a aidé ? »: the person's 👍 or 👎 on a knowledge base answer (the
    last press counts). Goes with its turn (retention)."""

    __tablename__ = "answer_feedback"

    turn_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )
    useful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # After a 👎, « Qu'est-ce qui manquait ? » is asked in a message the person may answer
    # (a Telegram reply to it): its message id, and the answer, redacted.
    note: Mapped[str | None] = mapped_column(Text)
    note_prompt_id: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"AnswerFeedback(turn_id={self.turn_id!r}, useful={self.useful!r})"


class Outage(Base):
    """A service the conversation needs (Rasa, and the action server behind it) known to be
    down: the row exists from the first failed call to the first successful one. In the
    database, not in memory, so that a restarted process, or another one, knows it too."""

    __tablename__ = "outages"

    service: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"Outage(service={self.service!r}, since={self.since!r})"
