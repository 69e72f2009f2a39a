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
    LargeBinary,
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


# --- Tickets: facilities, people, invitations, tickets, their events, the outbox -----------

ROLES = ("staff", "referent", "technician", "admin")
JOBS = ("care", "admin", "management", "other")
DEVICES = ("workstation", "printer", "care_software", "email", "phone", "network", "other")
SCOPES = ("me", "service", "facility")
CARE_IMPACTS = ("yes", "degraded", "no")
URGENCIES = ("low", "normal", "high", "critical")
TICKET_STATUSES = ("new", "in_progress", "waiting", "resolved", "closed", "reopened")
ACTOR_KINDS = ("staff", "technician", "system", "admin")
#: Chat channels (a chat id as destination) and e-mail (an address as destination).
CHAT_CHANNELS = ("telegram", "terminal")
OUTBOX_CHANNELS = (*CHAT_CHANNELS, "email")
OUTBOX_STATUSES = ("pending", "sent", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    """SQL of a CHECK constraint ``column IN (...)``."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Facility(Base):
    """A medico-social facility served by the provider."""

    __tablename__ = "facilities"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    town: Mapped[str] = mapped_column(String(120))
    finess: Mapped[str | None] = mapped_column(String(9))
    hours: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    referent_contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"Facility(id={self.id!r}, name={self.name!r})"


class Person(Base):
    """Someone who talks to Vigie: staff (no name stored), referents, technicians, admins."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("job IS NULL OR " + _in("job", JOBS), name="job"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32), default="telegram")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(128), unique=True)
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    job: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an admin removes the person (``vigie technicians remove``): no invitation code
    # can bring them back, only the admin (``vigie technicians add``).
    removed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # no chat id, no sender
        return f"Person(id={self.id!r}, role={self.role!r}, active={self.active!r})"


class Invitation(Base):
    """A code that links whoever redeems it to a facility with a role."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"Invitation(id={self.id!r}, role={self.role!r}, uses={self.uses!r})"


class Ticket(Base):
    """A request of a staff member to the provider (the problem text is already redacted)."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint(_in("status", TICKET_STATUSES), name="status"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        Index(None, "status", "urgency"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facilities.id"), index=True)
    requester_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("people.id"), index=True)
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
        CheckConstraint(_in("actor_kind", ACTOR_KINDS), name="actor_kind"),
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


class OutboxMessage(Base):
    """A notification to send (Telegram, the local terminal chat or e-mail), written with the
    change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("channel", OUTBOX_CHANNELS), name="channel"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="status"),
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


# --- Suspicious e-mail reports: campaigns, reports, grouping keys, expected e-mails ---------

#: What the reporter did with the message.
MAIL_ACTIONS = ("none", "clicked", "clicked_asked", "credentials", "attachment", "replied")
#: The analyser's verdicts, and the technicians' verdicts of a campaign.
MAIL_VERDICTS = ("dangereux", "douteux", "sans_danger")
TECH_VERDICTS = ("phishing", "spam", "legit")
#: Who a staff warning goes to: the campaign's facilities, or every facility.
WARN_SCOPES = ("facilities", "all")
REPORT_SOURCES = ("eml", "text")
KEY_KINDS = ("domain", "host", "url", "subject", "sha256")


class PhishingCampaign(Base):
    """Reports of one suspicious e-mail campaign, grouped by shared keys within a window."""

    __tablename__ = "phishing_campaigns"
    __table_args__ = (
        CheckConstraint("verdict IS NULL OR " + _in("verdict", TECH_VERDICTS), name="verdict"),
        CheckConstraint(
            "warned_scope IS NULL OR " + _in("warned_scope", WARN_SCOPES), name="warned_scope"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    subject: Mapped[str] = mapped_column(String(300))
    sender_domain: Mapped[str | None] = mapped_column(String(255))
    verdict: Mapped[str | None] = mapped_column(String(16))
    verdict_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    verdict_at: Mapped[datetime | None] = mapped_column()
    warned_at: Mapped[datetime | None] = mapped_column()
    warned_scope: Mapped[str | None] = mapped_column(String(16))
    warned_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    warn_batch: Mapped[str | None] = mapped_column(String(64))
    warn_total: Mapped[int] = mapped_column(Integer, default=0)
    warn_reported_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # never shows the subject
        return f"PhishingCampaign(id={self.id!r}, verdict={self.verdict!r})"


class PhishingReport(Base):
    """A suspicious e-mail sent to Vigie: its analysis, the original (purged after a while),
    what the reporter did and who was told."""

    __tablename__ = "phishing_reports"
    __table_args__ = (
        CheckConstraint(_in("source", REPORT_SOURCES), name="source"),
        CheckConstraint(_in("verdict", MAIL_VERDICTS), name="verdict"),
        CheckConstraint(
            "mail_action IS NULL OR " + _in("mail_action", MAIL_ACTIONS), name="mail_action"
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    campaign_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("phishing_campaigns.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    sender: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    original: Mapped[bytes | None] = mapped_column(LargeBinary)
    verdict: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    analysis: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject: Mapped[str] = mapped_column(String(300))
    mail_action: Mapped[str | None] = mapped_column(String(16))
    action_at: Mapped[datetime | None] = mapped_column()
    ticket_reference: Mapped[str | None] = mapped_column(String(20))
    notified_at: Mapped[datetime | None] = mapped_column()  # technicians told
    verdict_told_at: Mapped[datetime | None] = mapped_column()  # reporter told the verdict
    # The update that brought it ("telegram:<update_id>"): a redelivered update stores nothing.
    update_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:  # never shows the subject, the sender or the original
        return (
            f"PhishingReport(id={self.id!r}, campaign_id={self.campaign_id!r}, "
            f"verdict={self.verdict!r}, mail_action={self.mail_action!r})"
        )


class PhishingKey(Base):
    """A value a report shares with the other reports of its campaign (sender domain, link
    host, normalised subject, attachment hash)."""

    __tablename__ = "phishing_keys"
    __table_args__ = (
        CheckConstraint(_in("kind", KEY_KINDS), name="kind"),
        Index(None, "kind", "value"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("phishing_reports.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300))

    def __repr__(self) -> str:  # never shows the value
        return f"PhishingKey(id={self.id!r}, report_id={self.report_id!r}, kind={self.kind!r})"


class PhishingExpectation(Base):
    """Someone was asked to send a suspicious e-mail: their next text with a link or an
    address is taken as that e-mail, until ``expires_at``."""

    __tablename__ = "phishing_expectations"

    sender: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:  # no sender, no chat id
        return f"PhishingExpectation(expires_at={self.expires_at!r})"
