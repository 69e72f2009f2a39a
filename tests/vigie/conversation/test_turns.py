"""The turn log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.inbox import Inbox
from vigie.conversation.models import Turn
from vigie.conversation.turns import TurnLog


async def record(log: TurnLog, text_in: str, **extra: object) -> Turn:
    values: dict[str, object] = {
        "channel": "telegram",
        "sender": "p1",
        "text_in": text_in,
        "text_out": "réponse",
        "intent": "faq",
        "confidence": 0.87,
        "article_id": "password",
    }
    values.update(extra)
    return await log.record(**values)  # type: ignore[arg-type]


async def test_record_and_recent(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    log = TurnLog(sessionmaker)
    inbox = Inbox(sessionmaker)
    item = await inbox.add(channel="telegram", chat_id=5, sender="p1", kind="text", text="mdp")
    assert item is not None
    before = datetime.now(UTC)
    turn = await log.record(
        channel="telegram",
        sender="p1",
        text_in="mdp oublié [EMAIL]",
        text_out="Pas de panique\u00a0!",
        intent="faq",
        confidence=0.87,
        article_id="password",
        inbox_id=item.id,
        latency_ms=412,
    )
    assert turn.id is not None
    assert turn.created_at.tzinfo is UTC
    assert before <= turn.created_at <= datetime.now(UTC)

    (stored,) = await log.recent()
    assert stored.id == turn.id
    assert (stored.channel, stored.sender) == ("telegram", "p1")
    assert (stored.text_in, stored.text_out) == ("mdp oublié [EMAIL]", "Pas de panique\u00a0!")
    assert (stored.intent, stored.article_id, stored.inbox_id) == ("faq", "password", item.id)
    assert stored.confidence == pytest.approx(0.87)
    assert stored.latency_ms == 412
    assert stored.created_at == turn.created_at


async def test_optional_fields(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    log = TurnLog(sessionmaker)
    await log.record(
        channel="terminal",
        sender="local",
        text_in="?",
        text_out="Je n’ai pas compris.",
        intent=None,
        confidence=None,
        article_id=None,
    )
    (stored,) = await log.recent()
    assert (stored.intent, stored.confidence, stored.article_id) == (None, None, None)
    assert (stored.inbox_id, stored.latency_ms) == (None, None)


async def test_inbox_id_must_exist(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The foreign key is enforced (on SQLite too: foreign_keys pragma)."""
    with pytest.raises(IntegrityError):
        await record(TurnLog(sessionmaker), "x", inbox_id=123456)


async def test_recent_is_newest_first_and_limited(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    log = TurnLog(sessionmaker)
    turns = [await record(log, f"message {n}") for n in range(5)]
    recent = await log.recent(limit=3)
    assert [t.text_in for t in recent] == ["message 4", "message 3", "message 2"]
    assert [t.id for t in await log.recent()] == [t.id for t in reversed(turns)]
    assert await log.recent(limit=0) == []


async def test_purge_older_than(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    log = TurnLog(sessionmaker)
    now = datetime.now(UTC)
    old = await record(log, "ancien")
    older = await record(log, "très ancien")
    fresh = await record(log, "récent")
    async with sessionmaker() as session:
        for turn, age in ((old, 400), (older, 800)):
            await session.execute(
                update(Turn).where(Turn.id == turn.id).values(created_at=now - timedelta(days=age))
            )
        await session.commit()

    assert [t.id for t in await log.recent()] == [fresh.id, old.id, older.id]
    assert await log.purge_older_than(now - timedelta(days=365)) == 2
    assert [t.id for t in await log.recent()] == [fresh.id]
    assert await log.purge_older_than(now - timedelta(days=365)) == 0
