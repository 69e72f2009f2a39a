"""Rasa's conversation trackers, kept by Rasa in Vigie's database: their retention.

Rasa's SQL tracker store (``rasa.core.tracker_store.SQLTrackerStore``, configured by
``bot/rasa_config.py``) writes one row per tracker event to its table ``events``: user
messages (already redacted by the pipeline), bot messages, actions, slots. Rasa creates the
table itself; it is described here with Rasa's exact columns, on a metadata of its own,
so that Alembic never creates, changes or drops it (``vigie/db/schema.py`` filters it out).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.db.engine import count_where, execute_write

# Not Base.metadata: Rasa owns these tables.
RASA_METADATA = MetaData()

# ``SQLTrackerStore.SQLEvent`` of Rasa 3.6 (plus its index ``ix_events_sender_id``).
EVENTS = Table(
    "events",
    RASA_METADATA,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),  # seconds since the epoch, set by Rasa
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),  # the event as JSON (texts, slot values…)
)

RASA_TABLES = frozenset(RASA_METADATA.tables)
"""Names of the tables Rasa owns in Vigie's database."""

PURGE_BATCH = 5000


class TrackerEvents:
    """Repository of Rasa's tracker events (read and purged, never written by Vigie)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, batch: int = PURGE_BATCH
    ) -> None:
        self._sessionmaker = sessionmaker
        self._batch = batch

    async def exists(self) -> bool:
        """Whether Rasa has created its table (it does so when it first starts)."""
        async with self._sessionmaker() as session:
            connection = await session.connection()
            return await connection.run_sync(lambda c: inspect(c).has_table(EVENTS.name))

    async def purge_older_than(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete the events Rasa stamped before ``before``; how many were deleted (0 when
        Rasa's table does not exist yet).

        Deleted in batches of the oldest first, each its own short transaction, so Rasa's
        writes never wait long. Rasa may write back events of a conversation purged between
        its reading and its saving of that tracker; they are older than ``before`` and go at
        the next purge.
        """
        if before.tzinfo is None:
            raise ValueError("naive datetime")
        if not await self.exists():
            return 0
        cutoff = before.timestamp()
        if dry_run:
            return await count_where(self._sessionmaker, EVENTS, EVENTS.c.timestamp < cutoff)
        total = 0
        while True:
            oldest = (
                select(EVENTS.c.id)
                .where(EVENTS.c.timestamp < cutoff)
                .order_by(EVENTS.c.id)
                .limit(self._batch)
            )
            stmt = delete(EVENTS).where(EVENTS.c.id.in_(oldest))
            deleted = await execute_write(self._sessionmaker, stmt)
            total += deleted
            if deleted < self._batch:
                return total
