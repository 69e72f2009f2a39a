"""Who receives the tips of the week, and which tip each person was sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, utcnow


class TipSubscription(Base):
    """A person's choice about the tips of the week (opted in, or out again)."""

    __tablename__ = "tip_subscriptions"

    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"TipSubscription(person_id={self.person_id!r}, active={self.active!r})"


class TipSent(Base):
    """A tip queued to a person: never the same tip twice."""

    __tablename__ = "tips_sent"

    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    tip_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"TipSent(person_id={self.person_id!r}, tip_id={self.tip_id!r})"
