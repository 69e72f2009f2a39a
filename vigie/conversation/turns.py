"""The turn log: one row per handled message, texts already redacted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import Turn
from vigie.db.base import utcnow
from vigie.db.engine import count_where, execute_write


class TurnLog:
    """Repository of :class:`Turn` rows."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def record(
        self,
        *,
        channel: str,
        sender: str,
        text_in: str,
        text_out: str,
        intent: str | None,
        confidence: float | None,
        article_id: str | None,
        inbox_id: int | None = None,
        latency_ms: int | None = None,
    ) -> Turn:
        """Store one handled message (``text_in`` must already be redacted)."""
        turn = Turn(
            created_at=utcnow(),
            channel=channel,
            sender=sender,
            text_in=text_in,
            text_out=text_out,
            intent=intent,
            confidence=confidence,
            article_id=article_id,
            inbox_id=inbox_id,
            latency_ms=latency_ms,
        )
        async with self._sessionmaker() as session:
            session.add(turn)
            await session.commit()
        return turn

    async def recent(self, limit: int = 50) -> list[Turn]:
        """The ``limit`` most recent turns, newest first."""
        stmt = select(Turn).order_by(Turn.created_at.desc(), Turn.id.desc()).limit(limit)
        async with self._sessionmaker() as session:
            return list((await session.scalars(stmt)).all())

    async def purge_older_than(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete the turns created before ``before``; returns how many were deleted (with
        ``dry_run``, only counted)."""
        if dry_run:
            return await count_where(self._sessionmaker, Turn, Turn.created_at < before)
        stmt = delete(Turn).where(Turn.created_at < before)
        return await execute_write(self._sessionmaker, stmt)
