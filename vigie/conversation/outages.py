"""Known outages of the services the conversation needs, kept in the database.

A message that has to wait because Rasa (or the action server behind it) does not answer gets
the degraded notice at once. Whether Rasa is down is therefore a fact every process must know,
including one that has just been restarted and has not called Rasa yet: one row per service
that is down, written at the first failed call and deleted at the first successful one.

Every message asks whether Rasa is down as it arrives, and every answer whether it was: each
process keeps what it last read or wrote for CACHE_SECONDS, so that a busy process does not
ask the database twice per message; an outage another process records is seen within that
time.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import Outage
from vigie.db.base import utcnow
from vigie.db.engine import execute_write, insert_unless_present

RASA = "rasa"
#: How long a process trusts what it last knew of a service's outage.
CACHE_SECONDS = 1.0


class Outages:
    """Repository of :class:`Outage` rows; every method is one short statement, or none when
    the process knew the answer less than CACHE_SECONDS ago."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        # Per service: (when it was known, since when it is down or None).
        self._known: dict[str, tuple[float, datetime | None]] = {}

    def _cached(self, service: str) -> tuple[bool, datetime | None]:
        known = self._known.get(service)
        if known is None or time.monotonic() - known[0] >= CACHE_SECONDS:
            return False, None
        return True, known[1]

    def _remember(self, service: str, since: datetime | None) -> None:
        self._known[service] = (time.monotonic(), since)

    async def mark_down(self, service: str, error_code: str) -> bool:
        """Record that ``service`` is down; True when it was not known to be down before.

        The start of an outage is kept when it is recorded again (by this process or another).
        """
        values: dict[str, Any] = {"service": service, "since": utcnow(), "last_error": error_code}
        async with self._sessionmaker() as session:
            stmt = insert_unless_present(session, Outage, values, [Outage.service]).returning(
                Outage.service
            )
            inserted = (await session.scalars(stmt)).one_or_none()
            await session.commit()
        if inserted is not None:
            self._remember(service, values["since"])
        else:
            self._known.pop(service, None)  # down since another process's record: read it
        return inserted is not None

    async def mark_up(self, service: str) -> bool:
        """Record that ``service`` answers again; True when it was known to be down."""
        if await self.down_since(service) is None:  # a read: no write lock on every turn
            return False
        stmt = delete(Outage).where(Outage.service == service)
        deleted = await execute_write(self._sessionmaker, stmt) > 0
        self._remember(service, None)
        return deleted

    async def down_since(self, service: str) -> datetime | None:
        """When the current outage of ``service`` started; None when it is not known down."""
        cached, since = self._cached(service)
        if cached:
            return since
        stmt = select(Outage.since).where(Outage.service == service)
        async with self._sessionmaker() as session:
            since = (await session.scalars(stmt)).one_or_none()
        self._remember(service, since)
        return since

    async def is_down(self, service: str) -> bool:
        """True when ``service`` is known to be down."""
        return await self.down_since(service) is not None
