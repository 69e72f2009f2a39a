"""Named leases on a real database (SQLite and PostgreSQL): one holder at a time, renewed by
its holder, taken over once run out, given back at a clean stop; racing takers end with one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.clock import FakeClock
from vigie.db.leases import Leases, process_identity


async def test_one_holder_renewed_taken_over_and_released(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    a = Leases(sessionmaker, "A", clock)
    b = Leases(sessionmaker, "B", clock)
    assert await a.acquire("dispatcher", 30)
    assert not await b.acquire("dispatcher", 30)
    assert await a.holder_of("dispatcher") == "A"
    clock.advance(20)
    assert await a.acquire("dispatcher", 30)  # renewed: until 12:00:50
    clock.advance(20)
    assert not await b.acquire("dispatcher", 30)
    clock.advance(11)  # A stopped renewing: run out
    assert await a.holder_of("dispatcher") is None
    assert await b.acquire("dispatcher", 30)
    assert not await a.acquire("dispatcher", 30)
    await b.release("dispatcher")
    assert await a.acquire("dispatcher", 30)
    assert await b.acquire("housekeeping", 30)  # another name, another lease


async def test_racing_takers_end_with_one_holder(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    takers = [Leases(sessionmaker, process_identity(f"bot-{n}")) for n in range(6)]
    won = await asyncio.gather(*(t.acquire("jobs", 30) for t in takers))
    assert sum(won) == 1
    holder = await takers[0].holder_of("jobs")
    assert holder == takers[won.index(True)].holder
    assert process_identity("bot-2") == process_identity("bot-2")  # restarted in its slot
    assert process_identity() != process_identity()
