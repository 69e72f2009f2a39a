"""The console's tables: one-time sign-in links, sessions, the audit of every console action,
the reviewers' decisions on the turns Vigie did not understand, and the monthly reports sent.

Links and sessions store only a SHA-256 of their token: a copy of the database opens nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, in_values, utcnow

REVIEW_DECISIONS = ("labelled", "new_topic", "dismissed")


class ConsoleLink(Base):
    """A sign-in link: works once, for ``CONSOLE_LINK_MINUTES``."""

    __tablename__ = "console_links"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"ConsoleLink(id={self.id!r}, person_id={self.person_id!r})"


class ConsoleSession(Base):
    """A signed-in browser: ends at sign-out, after ``CONSOLE_IDLE_MINUTES`` without a
    request, or ``CONSOLE_SESSION_HOURS`` after the sign-in."""

    __tablename__ = "console_sessions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"ConsoleSession(id={self.id!r}, person_id={self.person_id!r})"


class ConsoleAudit(Base):
    """One console action: who (the person, kept as an id), what, on what; never a text."""

    __tablename__ = "console_audit"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"ConsoleAudit(id={self.id!r}, action={self.action!r})"


class ReviewDecision(Base):
    """A reviewer's decision on a turn: the right label (an intent or ``faq/<article>``),
    « nouveau sujet à écrire », or dismissed. Goes with its turn (retention)."""

    __tablename__ = "review_decisions"
    __table_args__ = (CheckConstraint(in_values("decision", REVIEW_DECISIONS), name="decision"),)

    turn_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("turns.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(128))
    reviewer_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"ReviewDecision(turn_id={self.turn_id!r}, decision={self.decision!r})"


class MonthlyReportSent(Base):
    """A facility's monthly report, queued once (the key makes it once across processes)."""

    __tablename__ = "monthly_reports"

    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"MonthlyReportSent(facility_id={self.facility_id!r}, month={self.month!r})"
