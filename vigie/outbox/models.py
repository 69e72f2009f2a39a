"""The outbox table: notifications written with the change they report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.core.channels import CHAT_CHANNELS
from vigie.db.base import Base, BigIntPK, in_values, utcnow

OUTBOX_CHANNELS = (*CHAT_CHANNELS, "email")
OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(Base):
    """A notification to send (Telegram, the local terminal chat or e-mail), written with the
    change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(in_values("channel", OUTBOX_CHANNELS), name="channel"),
        CheckConstraint(in_values("status", OUTBOX_STATUSES), name="status"),
        Index(None, "status", "next_attempt_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column()
    # Rows sent together (a staff warning: ``warn:<campaign id>``), counted by the dispatcher.
    batch: Mapped[str | None] = mapped_column(String(64), index=True)

    def __repr__(self) -> str:  # never shows the payload or the destination
        return (
            f"OutboxMessage(id={self.id!r}, channel={self.channel!r}, status={self.status!r}, "
            f"attempts={self.attempts!r})"
        )
