"""Known outages of the services the conversation needs, kept in the database.

A message that has to wait because Rasa (or the action server behind it) does not answer gets
the degraded notice at once. Whether Rasa is down is therefore a fact every process must know,
including one that has just been restarted and has not called Rasa yet: one row per service
that is down, written at the first failed call and deleted at the first successful one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import Outage
from vigie.db.base import utcnow
from vigie.db.engine import execute_write, insert_unless_present

RASA = "rasa"


class Outages:
    """Repository of :class:`Outage` rows; every method is one short statement."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

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
            return inserted is not None

    async def mark_up(self, service: str) -> bool:
        """Record that ``service`` answers again; True when it was known to be down."""
        if await self.down_since(service) is None:  # a read: no write lock on every turn
            return False
        stmt = delete(Outage).where(Outage.service == service)
        return await execute_write(self._sessionmaker, stmt) > 0

    async def down_since(self, service: str) -> datetime | None:
        """When the current outage of ``service`` started; None when it is not known down."""
        stmt = select(Outage.since).where(Outage.service == service)
        async with self._sessionmaker() as session:
            return (await session.scalars(stmt)).one_or_none()

    async def is_down(self, service: str) -> bool:
        """True when ``service`` is known to be down."""
        return await self.down_since(service) is not None
