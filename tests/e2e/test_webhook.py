"""Webhook mode: Vigie's own endpoint takes an update only with Telegram's secret token, and
answers 200 (which confirms it to Telegram) only once the update is stored in the inbox."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import select

from bot.telegram.app import TelegramBot
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import Stack, make_settings
from tests.e2e.helpers import stays_true
from vigie.conversation.models import InboxItem
from vigie.db.engine import create_engine, make_sessionmaker

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest_asyncio.fixture
async def webhook_bot(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> AsyncIterator[tuple[TelegramBot, str]]:
    """The Telegram front end in webhook mode, and the local URL Telegram would post to."""
    port = free_port()
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "vigie.db",
        telegram_mode="webhook",
        webhook_url="https://vigie.example.org/telegram/hook",
        webhook_secret_token=SecretStr(SECRET),
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    front = TelegramBot(settings)
    await front.start()
    try:
        yield front, f"http://127.0.0.1:{port}/telegram/hook"
    finally:
        await front.stop()


async def test_webhook_requires_the_secret_token(
    fake: FakeTelegram, webhook_bot: tuple[TelegramBot, str]
) -> None:
    front, url = webhook_bot
    assert fake.webhook_url == front.settings.webhook_url
    assert fake.webhook_params.get("secret_token") == SECRET
    user = fake.user(4761)  # unique among the end-to-end files: they share a stack
    update = fake.send_text(user, "bonjour")
    async with aiohttp.ClientSession() as session:
        for token in (None, "wrong-token", SECRET[:-1], SECRET + "x"):
            headers = {HEADER: token} if token else {}
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 403

        async def unanswered() -> bool:
            return fake.messages_to(user.id) == []

        await stays_true(unanswered, 1.0, lambda: "a refused update was answered")
        headers = {HEADER: SECRET}
        for body in (b"not json", b"[1, 2]", b'{"no": "update"}'):
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 400
        async with session.post(url, json=update, headers=headers) as response:
            assert response.status == 200
    [reply] = await fake.wait_for_messages(user.id, 1)
    assert "Vigie" in reply["plain_text"]
    # The health check of the reverse proxy and the service manager.
    health = url.replace("/telegram/hook", "/health")
    async with aiohttp.ClientSession() as session, session.get(health) as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "instance": "bot-1"}


async def test_webhook_confirms_only_what_is_stored(
    fake: FakeTelegram, webhook_bot: tuple[TelegramBot, str]
) -> None:
    """While the database cannot be written, the update is answered 500 (Telegram sends it
    again); once it can, the update is stored once and answered 200."""
    front, url = webhook_bot
    user = fake.user(4762)
    update = fake.send_text(user, "comment faire un bon mot de passe ?")
    database = front.settings.database_url.split("///", 1)[1]
    engine = create_engine(front.settings.database_url)
    headers = {HEADER: SECRET}
    locker = sqlite3.connect(database, timeout=1)
    try:
        locker.execute("BEGIN EXCLUSIVE")  # another process holding the database
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 500
            locker.rollback()
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200
                # Stored before the 200: the inbox holds it when the answer arrives.
                async with make_sessionmaker(engine)() as db:
                    stored = list(await db.scalars(select(InboxItem.update_id)))
                assert stored == [update["update_id"]]
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200  # sent again by Telegram: stored once
        [reply] = await fake.wait_for_messages(user.id, 1)
        assert "mot de passe" in reply["plain_text"].lower()
        async with make_sessionmaker(engine)() as db:
            assert list(await db.scalars(select(InboxItem.update_id))) == [update["update_id"]]
    finally:
        locker.close()
        await engine.dispose()
