"""Who receives the tips of the week and which tip each person was sent; the micro-quizzes'
answers; the facilities' self-diagnostics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, utcnow


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


class QuizAttempt(Base):
    """A micro-quiz of three questions taken by a person (``/quiz``, or after a tip)."""

    __tablename__ = "quiz_attempts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    # Kept for the facility's figures while the person exists (a forgotten person's
    # attempts go with them).
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    questions: Mapped[str] = mapped_column(String(120))  # question ids, comma-separated
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()
    score: Mapped[int | None] = mapped_column(Integer)  # right answers, once finished

    @property
    def question_ids(self) -> list[str]:
        return [q for q in self.questions.split(",") if q]

    def __repr__(self) -> str:
        return f"QuizAttempt(id={self.id!r}, score={self.score!r})"


class QuizAnswer(Base):
    """One answer of a quiz: the question, its article and whether it was right."""

    __tablename__ = "quiz_answers"

    attempt_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64), index=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"QuizAnswer(attempt_id={self.attempt_id!r}, position={self.position!r})"


class DiagnosticRun(Base):
    """A facility's self-diagnostic (``/diagnostic``), taken by its director or referent:
    the answers by question id, and the score once finished. Every run is kept: progress."""

    __tablename__ = "diagnostic_runs"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    facility_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[int | None] = mapped_column(Integer)  # percent, once finished

    def __repr__(self) -> str:
        return f"DiagnosticRun(id={self.id!r}, score={self.score!r})"
