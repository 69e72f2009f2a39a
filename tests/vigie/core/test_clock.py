"""The clock: the system clock, the fake clock of the tests, the default clock of utcnow()."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from vigie.core.clock import (
    SYSTEM_CLOCK,
    FakeClock,
    SystemClock,
    default_clock,
    set_default_clock,
    wait_event,
    wait_tasks,
)
from vigie.db.base import utcnow


async def settle() -> None:
    """Let the woken tasks run (a few turns of the event loop, no time passes)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_system_clock_reads_the_real_time() -> None:
    before = datetime.now(UTC)
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)
    start = time.monotonic()
    assert start <= SYSTEM_CLOCK.monotonic() <= time.monotonic()
    began = time.monotonic()
    await SYSTEM_CLOCK.sleep(0.01)
    assert time.monotonic() - began >= 0.009
    assert isinstance(SYSTEM_CLOCK, SystemClock)


def test_the_fake_clock_moves_only_when_advanced() -> None:
    start = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    clock = FakeClock(start, monotonic=50.0)
    assert (clock.now(), clock.monotonic()) == (start, 50.0)
    assert (clock.now(), clock.monotonic()) == (start, 50.0)
    clock.advance(90.5)
    assert clock.now() == start + timedelta(seconds=90.5)
    assert clock.monotonic() == 140.5
    clock.advance(0)
    assert clock.monotonic() == 140.5
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert clock.monotonic() == 140.5


def test_the_fake_clock_is_timezone_aware_utc() -> None:
    paris = timezone(timedelta(hours=1))
    clock = FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=paris))
    assert clock.now() == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 3, 2, 9, 30))


async def test_a_fake_sleep_waits_for_advance_past_its_deadline() -> None:
    clock = FakeClock()
    sleeper = asyncio.create_task(clock.sleep(10))
    await settle()
    assert not sleeper.done()
    assert (clock.sleepers, clock.deadlines) == (1, [clock.monotonic() + 10])
    clock.advance(9.999)
    await settle()
    assert not sleeper.done()
    clock.advance(0.001)
    await settle()
    assert sleeper.done() and sleeper.exception() is None
    assert (clock.sleepers, clock.deadlines) == (0, [])


async def test_sleepers_wake_in_deadline_order_then_call_order() -> None:
    clock = FakeClock()
    woken: list[str] = []

    async def sleep(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woken.append(name)

    tasks = [
        asyncio.create_task(sleep(name, seconds))
        for name, seconds in (("c", 3), ("a1", 1), ("b", 2), ("a2", 1), ("late", 60))
    ]
    await settle()
    assert clock.sleepers == 5
    assert clock.deadlines == [clock.monotonic() + s for s in (1, 1, 2, 3, 60)]
    clock.advance(5)
    await settle()
    assert woken == ["a1", "a2", "b", "c"]
    assert clock.sleepers == 1
    clock.advance(55)
    await asyncio.gather(*tasks)
    assert woken == ["a1", "a2", "b", "c", "late"]


async def test_a_sleep_of_zero_only_yields() -> None:
    clock = FakeClock()
    await clock.sleep(0)
    await clock.sleep(-3)
    assert clock.sleepers == 0


async def test_a_cancelled_sleeper_is_forgotten() -> None:
    clock = FakeClock()
    kept = asyncio.create_task(clock.sleep(5))
    dropped = asyncio.create_task(clock.sleep(2))
    await settle()
    dropped.cancel()
    await settle()
    assert dropped.cancelled()
    assert (clock.sleepers, clock.deadlines) == (1, [clock.monotonic() + 5])
    clock.advance(5)
    await kept


async def test_wait_event_returns_at_once_when_the_event_is_set() -> None:
    clock, event = FakeClock(), asyncio.Event()
    waiting = asyncio.create_task(wait_event(event, 30, clock))
    await settle()
    assert clock.sleepers == 1
    event.set()
    assert await waiting is True
    assert clock.sleepers == 0  # its timer was cancelled
    assert await wait_event(event, 30, clock) is True


async def test_wait_event_gives_up_after_its_timeout_on_the_clock() -> None:
    clock, event = FakeClock(), asyncio.Event()
    waiting = asyncio.create_task(wait_event(event, 30, clock))
    await settle()
    clock.advance(29)
    await settle()
    assert not waiting.done()
    clock.advance(1)
    assert await waiting is False


async def test_wait_event_on_the_system_clock() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    asyncio.get_running_loop().call_soon(event.set)
    assert await wait_event(event, 5) is True


async def test_wait_tasks_waits_for_all_within_the_timeout() -> None:
    clock = FakeClock()
    gate = asyncio.Event()
    quick = asyncio.create_task(asyncio.sleep(0))
    slow = asyncio.create_task(gate.wait())
    waiting = asyncio.create_task(wait_tasks([quick, slow], 10, clock))
    await settle()
    assert not waiting.done()  # quick is done, slow is not: it keeps waiting
    clock.advance(10)
    done, pending = await waiting
    assert (done, pending) == ({quick}, {slow})
    gate.set()
    done, pending = await wait_tasks([quick, slow], 10, clock)
    assert (done, pending) == ({quick, slow}, set())
    assert clock.sleepers == 0
    with pytest.raises(ValueError):
        await wait_tasks([], 1, clock)


async def test_wait_tasks_without_timeout() -> None:
    task = asyncio.create_task(asyncio.sleep(0))
    assert await wait_tasks([task], None) == ({task}, set())


def test_utcnow_reads_the_default_clock() -> None:
    assert default_clock() is SYSTEM_CLOCK
    clock = FakeClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    previous = set_default_clock(clock)
    try:
        assert previous is SYSTEM_CLOCK
        assert default_clock() is clock
        assert utcnow() == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
        clock.advance(3600)
        assert utcnow() == datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    finally:
        set_default_clock(previous)
    assert default_clock() is SYSTEM_CLOCK
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)
