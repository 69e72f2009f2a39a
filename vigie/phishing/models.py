"""The suspicious e-mail tables: campaigns, reports, grouping keys, expected e-mails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, in_values, utcnow
from vigie.phishing.vocabulary import (
    KEY_KINDS,
    MAIL_ACTIONS,
    MAIL_VERDICTS,
    REPORT_SOURCES,
    TECH_VERDICTS,
    WARN_SCOPES,
)


class PhishingCampaign(Base):
    """Reports of one suspicious e-mail campaign, grouped by shared keys within a window."""

    __tablename__ = "phishing_campaigns"
    __table_args__ = (
        CheckConstraint(
            "verdict IS NULL OR " + in_values("verdict", TECH_VERDICTS), name="verdict"
        ),
        CheckConstraint(
            "warned_scope IS NULL OR " + in_values("warned_scope", WARN_SCOPES), name="warned_scope"
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
        CheckConstraint(in_values("source", REPORT_SOURCES), name="source"),
        CheckConstraint(in_values("verdict", MAIL_VERDICTS), name="verdict"),
        CheckConstraint(
            "mail_action IS NULL OR " + in_values("mail_action", MAIL_ACTIONS), name="mail_action"
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
        CheckConstraint(in_values("kind", KEY_KINDS), name="kind"),
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
