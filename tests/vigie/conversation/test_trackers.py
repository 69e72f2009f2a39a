"""Rasa's tracker events in Vigie's database, on SQLite and PostgreSQL: Rasa's own tracker
store (in the Rasa environment, configured as the supervisor does) creates its table and
writes the events; Vigie purges them with the turn log's retention."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import SecretStr
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.rasa_store import bot_event, run_rasa_store, user_event
from tests.auxil.toggle_proxy import free_port
from vigie.conversation.inbox import Inbox
from vigie.conversation.outages import Outages
from vigie.conversation.pipeline import Pipeline
from vigie.conversation.rasa_client import RasaClient
from vigie.conversation.trackers import EVENTS, RASA_METADATA, TrackerEvents
from vigie.conversation.turns import TurnLog
from vigie.core.clock import FakeClock
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.db.base import Base

DAY = 86400.0


class Nowhere:
    """A front end nobody reads (the purge shows nothing)."""

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        raise AssertionError("nothing to show")


async def test_purge_before_rasa_ever_started(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    trackers = TrackerEvents(sessionmaker)
    assert not await trackers.exists()
    assert await trackers.purge_older_than(datetime.now(UTC)) == 0


async def test_rasa_tables_are_not_vigies() -> None:
    """Rasa's table and index names are free in Vigie's schema (one database for both)."""
    ours = {index.name for table in Base.metadata.tables.values() for index in table.indexes}
    assert not set(RASA_METADATA.tables) & set(Base.metadata.tables)
    assert not {i.name for i in EVENTS.indexes} & ours
    assert {i.name for i in EVENTS.indexes} == {"ix_events_sender_id"}


async def test_rasa_events_go_with_the_turns_after_the_retention_period(
    db_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    fake_clock: FakeClock,
) -> None:
    start = fake_clock.now().timestamp()
    turns = TurnLog(sessionmaker)
    await turns.record(
        channel="telegram",
        sender="alice",
        text_in="vieux",
        text_out="ancien",
        intent="greet",
        confidence=1.0,
        article_id=None,
    )
    old = [user_event("vieux", start), bot_event("ancien", start + 1)]
    recent = [user_event("récent", start + 30 * DAY), bot_event("réponse", start + 30 * DAY + 1)]
    bob = [user_event("oublié", start + 1), bot_event("parti", start + 2), bot_event("x", start)]
    await asyncio.to_thread(
        run_rasa_store, db_url, tmp_path, save={"alice": old + recent, "bob": bob}
    )

    # The table Rasa created is the one Vigie describes (names, types, nullability).
    def columns(connection: Connection) -> dict[str, tuple[str, bool]]:
        found = inspect(connection).get_columns(EVENTS.name)
        return {c["name"]: (type(c["type"]).__name__, bool(c["nullable"])) for c in found}

    async with sessionmaker() as session:
        connection = await session.connection()
        reflected = await connection.run_sync(columns)
    described = {c.name: (type(c.type).__name__, bool(c.nullable)) for c in EVENTS.c}
    assert {k: v[1] for k, v in reflected.items()} == {k: v[1] for k, v in described.items()}
    assert reflected["timestamp"][0] in ("FLOAT", "DOUBLE_PRECISION", "Float")
    assert reflected["data"][0] == "TEXT" and reflected["sender_id"][0] == "VARCHAR"

    fake_clock.advance(31 * DAY)  # retention 30 days: what is older than start + 1 day goes
    trackers = TrackerEvents(sessionmaker, batch=2)  # several batches
    async with aiohttp.ClientSession() as http:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=db_url,
            pseudonym_secret=SecretStr("unit-secret-0123456789abcdefghijklm"),
            retention_days=30,
        )
        pipeline = Pipeline(
            settings=settings,
            channel="telegram",
            inbox=Inbox(sessionmaker),
            turns=turns,
            outages=Outages(sessionmaker),
            rasa=RasaClient(http, f"http://127.0.0.1:{free_port()}", timeout=2, retries=0),
            delivery=Nowhere(),
            trackers=trackers,
            clock=fake_clock,
        )
        await pipeline.purge_expired()
    assert await turns.recent() == []

    # Rasa reads back what is left: the recent events only.
    loaded = (await asyncio.to_thread(run_rasa_store, db_url, tmp_path, load=["alice", "bob"]))[
        "loaded"
    ]
    assert [e["text"] for e in loaded["alice"]] == ["récent", "réponse"]
    assert loaded["bob"] == []

    # The count returned is the number of rows deleted.
    assert await trackers.purge_older_than(fake_clock.now()) == 2
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(EVENTS)) == 0
