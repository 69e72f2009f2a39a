"""The tickets' tables: tickets and their events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, in_values, utcnow
from vigie.tickets.vocabulary import ACTOR_KINDS, TICKET_STATUSES, URGENCIES


class Ticket(Base):
    """A request of a staff member to the provider (the problem text is already redacted)."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint(in_values("status", TICKET_STATUSES), name="status"),
        CheckConstraint(in_values("urgency", URGENCIES), name="urgency"),
        Index(None, "status", "urgency"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facilities.id"), index=True)
    # NULL once the requester is forgotten (/oubli) or deleted after leaving: the ticket stays
    # for the provider's records, without a link to them.
    requester_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    problem: Mapped[str] = mapped_column(Text)
    device: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    care_impact: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    urgency_derived: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # never shows the problem
        return f"Ticket(id={self.id!r}, reference={self.reference!r}, status={self.status!r})"


class TicketEvent(Base):
    """One entry of a ticket's timeline: who, when, what."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        CheckConstraint(in_values("actor_kind", ACTOR_KINDS), name="actor_kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    actor_kind: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:  # never shows the text
        return f"TicketEvent(id={self.id!r}, ticket_id={self.ticket_id!r}, kind={self.kind!r})"


class PendingReply(Base):
    """A technician pressed « Répondre » or « Poser une question »: their next message (in a
    group: their reply to the prompt) goes to the ticket. In the database, so that behind
    several bot processes the message reaches the ticket whichever process takes it."""

    __tablename__ = "pending_replies"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("tickets.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(20))
    ask: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(100))
    prompt_id: Mapped[int | None] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column()
    # Which press this is: a newer press replaces the row, and an older reply never drops it.
    token: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"PendingReply(ticket_id={self.ticket_id!r}, ask={self.ask!r})"
