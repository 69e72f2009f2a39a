"""The clock: every reading of the time and every timed wait, replaceable in tests.

A :class:`Clock` gives the current time (:meth:`~Clock.now`, timezone-aware UTC), a
monotonic reading for deadlines and intervals (:meth:`~Clock.monotonic`, seconds) and a
timed wait (:meth:`~Clock.sleep`). :data:`SYSTEM_CLOCK` reads the real time; a
:class:`FakeClock` only moves when a test calls :meth:`FakeClock.advance`, which wakes the
sleepers whose deadline has passed, so a test advances time instead of waiting for it.

How code gets its clock:

* Components that wait or keep deadlines (the outbox dispatcher, the conversation pipeline
  and its Rasa client, the ticket desk, the ticket service's retries, the mail analyser's
  limits, the supervisor of the front end) take it by injection: a keyword constructor
  parameter ``clock: Clock = SYSTEM_CLOCK``.
* Database timestamps come from :func:`vigie.db.base.utcnow`, which is also the SQLAlchemy
  column default and cannot be given a parameter: it reads the process-wide default clock,
  :func:`default_clock`, :data:`SYSTEM_CLOCK` unless :func:`set_default_clock` replaced it
  (tests only; it returns the previous clock, to be put back).

A test that fakes the time installs its :class:`FakeClock` as the default clock *and*
injects it into the components it builds, so that stored timestamps and deadlines agree.
:func:`wait_event` and :func:`wait_tasks` are :func:`asyncio.wait_for` and
:func:`asyncio.wait` with the timeout measured on a clock.

Importing this module only defines objects.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

__all__ = [
    "SYSTEM_CLOCK",
    "Clock",
    "FakeClock",
    "SystemClock",
    "default_clock",
    "set_default_clock",
    "wait_event",
    "wait_tasks",
]


class Clock(Protocol):
    """What reads the time or waits for it."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for deadlines and intervals)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock."""
        ...


class SystemClock:
    """The real time: :func:`datetime.now`, :func:`time.monotonic`, :func:`asyncio.sleep`."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Clock = SystemClock()

_default: Clock = SYSTEM_CLOCK


def default_clock() -> Clock:
    """The clock of :func:`vigie.db.base.utcnow` (the real time unless a test replaced it)."""
    return _default


def set_default_clock(clock: Clock) -> Clock:
    """Make ``clock`` the default clock; returns the previous one (tests put it back)."""
    global _default
    previous, _default = _default, clock
    return previous


DEFAULT_FAKE_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


class FakeClock:
    """A clock that moves only when told to, for tests.

    :meth:`sleep` really waits: it returns once :meth:`advance` has moved the clock to or past
    its deadline. Sleepers are woken in the order of their deadlines, and of their calls to
    :meth:`sleep` for equal deadlines. A sleep of zero or less only yields to the event loop,
    like :func:`asyncio.sleep`.
    """

    def __init__(self, start: datetime = DEFAULT_FAKE_START, monotonic: float = 1000.0) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("naive datetime: give the fake clock a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._monotonic = float(monotonic)
        self._order = itertools.count()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        waker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self._monotonic + seconds, next(self._order), waker)
        heapq.heappush(self._sleepers, entry)
        try:
            await waker
        finally:
            if not waker.done() or waker.cancelled():
                self._drop(entry)

    def _drop(self, entry: tuple[float, int, asyncio.Future[None]]) -> None:
        if entry in self._sleepers:
            self._sleepers.remove(entry)
            heapq.heapify(self._sleepers)

    @property
    def sleepers(self) -> int:
        """How many tasks are sleeping on this clock."""
        return sum(1 for _, _, waker in self._sleepers if not waker.done())

    @property
    def deadlines(self) -> list[float]:
        """The monotonic readings at which the sleepers wake, soonest first."""
        return sorted(deadline for deadline, _, waker in self._sleepers if not waker.done())

    def advance(self, seconds: float) -> None:
        """Move both readings ``seconds`` forward and wake the sleepers now due (they run at
        the event loop's next turns, in the order of their deadlines)."""
        if seconds < 0:
            raise ValueError("a clock does not go back")
        self._monotonic += seconds
        self._now += timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= self._monotonic:
            _, _, waker = heapq.heappop(self._sleepers)
            if not waker.done():
                waker.set_result(None)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now.isoformat()}, monotonic={self._monotonic})"


async def wait_tasks(
    aws: Iterable[asyncio.Future[Any]], timeout: float | None, clock: Clock = SYSTEM_CLOCK
) -> tuple[set[asyncio.Future[Any]], set[asyncio.Future[Any]]]:
    """:func:`asyncio.wait` (until all are done) with ``timeout`` seconds of ``clock``:
    returns (done, pending)."""
    futures = set(aws)
    if not futures:
        raise ValueError("wait_tasks() needs at least one task")
    if timeout is None:
        return await asyncio.wait(futures)
    pending = {future for future in futures if not future.done()}
    if pending:
        timer = asyncio.ensure_future(clock.sleep(timeout))
        try:
            while pending and not timer.done():
                await asyncio.wait(pending | {timer}, return_when=asyncio.FIRST_COMPLETED)
                pending = {future for future in pending if not future.done()}
        finally:
            timer.cancel()
    return futures - pending, pending


async def wait_event(event: asyncio.Event, timeout: float, clock: Clock = SYSTEM_CLOCK) -> bool:
    """Wait until ``event`` is set, at most ``timeout`` seconds of ``clock``: whether it is."""
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        await wait_tasks({waiter}, timeout, clock)
    finally:
        waiter.cancel()
    return event.is_set()
