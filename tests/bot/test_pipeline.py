"""The pipeline with a real SQLite inbox and a real Rasa client facing a closed port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.pipeline import Incoming, Pipeline
from bot.rasa_client import RasaClient
from tests.auxil.toggle_proxy import free_port
from vigie.db import Inbox, TurnLog, create_engine, make_sessionmaker, upgrade
from vigie.messages import OutgoingMessage
from vigie.settings import Settings


class Collected:
    """A front end that keeps what it is asked to show."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, str]] = []

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.shown += [(chat_id, m.plain_text()) for m in messages]


@pytest_asyncio.fixture
async def setup(db_url: str) -> AsyncIterator[tuple[Pipeline, Collected, Inbox]]:
    """A pipeline on SQLite or PostgreSQL, with nothing listening where Rasa should be."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        pseudonym_secret=SecretStr("unit-secret"),
        provider_hotline="01 23 45 67 89",
        retry_interval_seconds=60,
        max_message_chars=500,
    )
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    inbox = Inbox(sessionmaker)
    collected = Collected()
    async with aiohttp.ClientSession() as http:
        pipeline = Pipeline(
            settings=settings,
            channel="telegram",
            inbox=inbox,
            turns=TurnLog(sessionmaker),
            rasa=RasaClient(http, settings.rasa_url, timeout=2, retries=0),
            delivery=collected,
        )
        yield pipeline, collected, inbox
        await pipeline.aclose()
    await engine.dispose()


async def test_rasa_down_gives_one_degraded_reply_per_message(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(
        Incoming(chat_id=7, user_id=70, kind="text", text="c koi un bon mdp", update_id=1)
    )
    await pipeline.idle()
    await pipeline.receive(
        Incoming(chat_id=7, user_id=70, kind="text", text="et pour le wifi", update_id=2)
    )
    await pipeline.idle()
    assert len(collected.shown) == 2
    assert all("01 23 45 67 89" in text and "enregistré" in text for _, text in collected.shown)
    assert await inbox.count_pending() == 2
    await pipeline.recover()  # a retry while Rasa is still down sends nothing new
    await pipeline.idle()
    assert len(collected.shown) == 2


async def test_duplicate_update_is_ignored(setup: tuple[Pipeline, Collected, Inbox]) -> None:
    pipeline, collected, inbox = setup
    for _ in range(2):
        await pipeline.receive(
            Incoming(chat_id=8, user_id=80, kind="text", text="bonjour", update_id=5)
        )
        await pipeline.idle()
    assert await inbox.count_pending() == 1
    assert len(collected.shown) == 1


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("sticker", "", "messages écrits"),
        ("voice", "", "vocaux"),
        ("photo", "", "photos"),
        ("document", "", "fichiers"),
        ("text", "   ", "aucun texte"),
        ("text", "a" * 501, "trop long"),
    ],
)
async def test_what_rasa_cannot_take_is_answered_at_once(
    setup: tuple[Pipeline, Collected, Inbox], kind: str, text: str, expected: str
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(Incoming(chat_id=9, user_id=90, kind=kind, text=text, update_id=9))
    assert expected in collected.shown[0][1]
    assert await inbox.count_pending() == 0


async def test_secret_is_redacted_before_storage_and_user_warned(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(
        Incoming(
            chat_id=10,
            user_id=100,
            kind="text",
            text="mon mdp c'est Soleil2024! il marche pas",
            update_id=3,
        )
    )
    await pipeline.idle()
    item = await inbox.next_pending(10)
    assert item is not None and "Soleil2024" not in item.text
    assert "effacé" in collected.shown[0][1]
    assert item.sender == pipeline.sender_of(100) and "100" not in item.sender


async def test_retention_purges_old_turns_and_items(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, _collected, inbox = setup
    await pipeline.receive(Incoming(chat_id=11, user_id=110, kind="sticker", update_id=11))
    assert await inbox.purge_done_before(datetime.now(UTC) - timedelta(days=1)) == 0
    await pipeline.purge_expired()  # retention 365 days: the fresh item stays
    assert await inbox.purge_done_before(datetime.now(UTC) + timedelta(seconds=1)) == 1
