"""Known outages (vigie/conversation/outages.py) on a real database: what one process records,
another sees within CACHE_SECONDS; a busy process asks the database at most once per
CACHE_SECONDS, not twice per message."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.outages import CACHE_SECONDS, RASA, Outages


async def test_an_outage_is_seen_by_every_process_and_read_once_per_cache_time(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first, second = Outages(sessionmaker), Outages(sessionmaker)  # two processes
    assert not await second.is_down(RASA)
    assert await first.mark_down(RASA, "timeout")
    assert not await first.mark_down(RASA, "timeout")  # already down: its start is kept
    assert await first.is_down(RASA)
    # The other process trusts what it read a moment ago, then reads again.
    assert not await second.is_down(RASA)
    await asyncio.sleep(CACHE_SECONDS)
    assert await second.is_down(RASA)
    since = await second.down_since(RASA)
    assert since is not None and since == await first.down_since(RASA)
    assert await second.mark_up(RASA)  # Rasa answered the other process: the row goes
    assert not await second.mark_up(RASA)
    await asyncio.sleep(CACHE_SECONDS)
    assert not await first.is_down(RASA)

    # Many messages in a second: one read of the outages.
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "outages" in statement.lower():
            reads.append(statement)

    engine = sessionmaker.kw["bind"].sync_engine
    busy = Outages(sessionmaker)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(50):
            assert not await busy.is_down(RASA)
            assert not await busy.mark_up(RASA)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(reads) == 1
