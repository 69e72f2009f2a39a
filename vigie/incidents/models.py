"""The incidents' tables: incidents and their timelines (``incident_events``)."""

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
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, in_values, utcnow
from vigie.incidents.vocabulary import (
    ACTOR_KINDS,
    BREACH_ANSWERS,
    CARE_ANSWERS,
    INCIDENT_KINDS,
    INCIDENT_STATUSES,
    INCIDENT_URGENCIES,
    LOST_DEVICES,
    TRISTATE,
)


class Incident(Base):
    """A security incident or a lost device declared by a staff member (texts redacted)."""

    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint(in_values("kind", INCIDENT_KINDS), name="kind"),
        CheckConstraint(in_values("status", INCIDENT_STATUSES), name="status"),
        CheckConstraint(in_values("urgency", INCIDENT_URGENCIES), name="urgency"),
        CheckConstraint(
            "care_continues IS NULL OR " + in_values("care_continues", CARE_ANSWERS),
            name="care_continues",
        ),
        CheckConstraint(in_values("data_affected", TRISTATE), name="data_affected"),
        CheckConstraint(
            "device_locked IS NULL OR " + in_values("device_locked", TRISTATE),
            name="device_locked",
        ),
        CheckConstraint(
            "lost_device IS NULL OR " + in_values("lost_device", LOST_DEVICES),
            name="lost_device",
        ),
        CheckConstraint(
            "breach_answer IS NULL OR " + in_values("breach_answer", BREACH_ANSWERS),
            name="breach_answer",
        ),
        Index(None, "status", "last_paged_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    facility_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("facilities.id"), index=True)
    # NULL once the reporter is forgotten or deleted: the incident stays for the records.
    reporter_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    # The form's answers, every one skippable; texts are redacted before they get here.
    what: Mapped[str | None] = mapped_column(Text)  # what is happening
    since: Mapped[str | None] = mapped_column(String(200))  # since when, as the person said
    extent: Mapped[str | None] = mapped_column(Text)  # how many workstations, which device
    care_continues: Mapped[str | None] = mapped_column(String(16))
    data_affected: Mapped[str] = mapped_column(String(16), default="unknown")
    actions_taken: Mapped[str | None] = mapped_column(Text)  # what has already been done
    lost_device: Mapped[str | None] = mapped_column(String(16))  # lost_device only
    device_locked: Mapped[str | None] = mapped_column(String(16))  # locked or encrypted
    status: Mapped[str] = mapped_column(String(16), default="open")
    taken_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    taken_at: Mapped[datetime | None] = mapped_column()
    # Paging: the targets of each escalation level, fixed at the declaration (level 0: the
    # technicians and the on-call technician; then the roster's backups, then the referents),
    # the level reached and when it was last paged.
    escalation_chain: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    last_paged_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The personal-data breach: the 72 hours run from the discovery.
    discovered_at: Mapped[datetime] = mapped_column(default=utcnow)
    breach_answer: Mapped[str | None] = mapped_column(String(16))
    breach_answered_at: Mapped[datetime | None] = mapped_column()
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Declared as soon as the form starts: the reporter may still be answering (or have left
    # the form), and the director's part waits for the answers (or INCIDENT_FORM_MINUTES).
    details_complete: Mapped[bool] = mapped_column(default=True, server_default=true())
    director_told: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:  # never shows the answers
        return f"Incident(id={self.id!r}, reference={self.reference!r}, status={self.status!r})"


class IncidentEvent(Base):
    """One step of an incident's timeline: when, who, what (``text``: a short label)."""

    __tablename__ = "incident_events"
    __table_args__ = (
        CheckConstraint(in_values("actor_kind", ACTOR_KINDS), name="actor_kind"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    actor_kind: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:  # never shows the text
        return (
            f"IncidentEvent(id={self.id!r}, incident_id={self.incident_id!r}, kind={self.kind!r})"
        )
