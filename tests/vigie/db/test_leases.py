"""Named leases on a real database (SQLite and PostgreSQL): one holder at a time, renewed by
its holder, taken over once run out, given back at a clean stop; racing takers end with one."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.clock import FakeClock
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.db.leases import LeasedJob, Leases, process_identity


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


async def test_a_leased_job_runs_in_one_process_and_passes_on_at_a_clean_stop(
    sessionmaker: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    caplog.set_level(logging.INFO, logger="vigie.db.leases")
    a = LeasedJob(Leases(sessionmaker, "A", clock), "outbox", 30, what="sends", renew_seconds=60)
    b = LeasedJob(Leases(sessionmaker, "B", clock), "outbox", 30, what="sends")
    assert await a.holds() and a.leading
    assert not await b.holds() and not b.leading
    # Held and checked less than renew_seconds ago: no database round trip (the lease's
    # own expiry is still checked by the others).
    clock.advance(40)  # A's lease ran out in the database, A does not know yet
    assert await a.holds()
    assert await b.holds()  # B takes the run-out lease over
    await b.release()
    assert not b.leading
    await b.release()  # twice: nothing
    # Released: another process takes it at once.
    c = LeasedJob(Leases(sessionmaker, "C", clock), "outbox", 30, what="sends")
    assert await c.holds()
    messages = [r.getMessage() for r in caplog.records]
    assert "Lease outbox taken: this process sends" in messages
    # One process, no leases: the job always runs here.
    alone = LeasedJob(None, "outbox", 30, what="sends")
    assert await alone.holds()
    await alone.release()


async def test_a_leased_job_takes_a_database_error_for_not_held(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")
    try:
        job = LeasedJob(Leases(make_sessionmaker(engine), "A"), "outbox", 30, what="sends")
        assert not await job.holds()  # no table: logged, not raised
        await job.release()
    finally:
        await engine.dispose()
