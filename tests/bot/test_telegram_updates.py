"""Updates confirmed to Telegram only once taken: Vigie's polling loop against the fake
Telegram server, and the gate's rules for updates whose handlers fail."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from telegram import Bot, Update

from bot.telegram.app import TelegramBot
from bot.telegram.updates import Gate
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import free_port
from vigie.conversation.models import InboxItem
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade


def settings_for(fake: FakeTelegram, database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(fake.token),
        telegram_base_url=fake.base_url,
        telegram_base_file_url=fake.base_file_url,
        database_url=database_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",  # Rasa down: the notice is the answer
        rasa_timeout_seconds=2,
        rasa_retries=0,
        retry_interval_seconds=60,
        pseudonym_secret=SecretStr("updates-test-secret-0123456789abcdef"),
    )


async def test_an_update_is_confirmed_only_once_stored(tmp_path: Path) -> None:
    database = tmp_path / "vigie.db"
    database_url = f"sqlite+aiosqlite:///{database}"
    await asyncio.to_thread(upgrade, database_url)
    async with FakeTelegram() as fake:
        front = TelegramBot(settings_for(fake, database_url), poll_timeout=1)
        await front.start()
        engine = create_engine(database_url)
        locker = sqlite3.connect(database, timeout=1)
        try:
            user = fake.user(51)
            locker.execute("BEGIN EXCLUSIVE")  # the database cannot be written
            update_id = fake.send_text(user, "bonjour")["update_id"]
            deadline = time.monotonic() + 7  # more than the 5 s busy timeout of one attempt
            while time.monotonic() < deadline:
                assert fake.acknowledged_offset <= update_id, "confirmed before being stored"
                await asyncio.sleep(0.05)
            assert [u["update_id"] for u in fake.pending_updates] == [update_id]
            assert fake.messages_to(user.id) == []
            locker.rollback()
            await fake.wait_for_acknowledged(update_id, timeout=15)
            async with make_sessionmaker(engine)() as db:
                stored = list(await db.scalars(select(InboxItem.update_id)))
            assert stored == [update_id]
            [notice] = await fake.wait_for_messages(user.id, 1, timeout=10)
            assert "bien enregistré" in notice["plain_text"]
        finally:
            locker.close()
            await front.stop()
            await engine.dispose()


class Failing:
    """Handlers that fail with the errors given, in turn, then succeed."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0
        self.apologised: list[int] = []

    async def handle(self, update: Update) -> BaseException | None:
        self.calls += 1
        return self.errors.pop(0) if self.errors else None

    async def not_taken(self, update: Update) -> None:
        self.apologised.append(update.update_id)


def an_update(update_id: int) -> Update:
    return Update(update_id)


async def test_the_gate_waits_for_storage_as_long_as_it_takes() -> None:
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    handlers = Failing(*[locked] * 10)
    gate = Gate(handlers, max_failures=3)
    results = [await gate.take(an_update(7)) for _ in range(11)]
    assert results == [False] * 10 + [True]
    assert handlers.apologised == []


async def test_the_gate_asks_to_resend_after_repeated_failures() -> None:
    handlers = Failing(RuntimeError("bug"), ValueError("bug"), KeyError("bug"))
    gate = Gate(handlers, max_failures=3)
    assert [await gate.take(an_update(8)) for _ in range(3)] == [False, False, True]
    assert handlers.apologised == [8]
    assert await gate.take(an_update(9)) and handlers.apologised == [8]


async def test_the_resend_request_is_in_french_and_escaped(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}"
    async with FakeTelegram() as fake:
        settings = settings_for(fake, database_url).model_copy(
            update={"provider_name": "Info <&> Services"}
        )
        front = TelegramBot(settings, poll_timeout=1)
        await front.start()
        try:
            user = fake.user(52)
            raw = fake.send_text(user, "bonjour")
            update = Update.de_json(raw, Bot(fake.token))
            assert update is not None
            await front.vigie.not_taken(update)
            [message] = await fake.wait_for_messages(user.id, 1)
            assert "pas pu prendre en compte votre dernier message" in message["plain_text"]
            assert "Info <&> Services" in message["plain_text"]
        finally:
            await front.stop()
