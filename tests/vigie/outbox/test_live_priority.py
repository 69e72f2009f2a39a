"""A large outbox batch (the tips of the week) never holds up the live replies.

Real components only: the database (SQLite and PostgreSQL), the outbox and its dispatcher,
the bot's Application as ``bot/telegram/app.py`` builds it (with its ``AIORateLimiter``, which
every message of the bot goes through) and its ``TelegramDelivery`` (what the pipeline sends
the answers of a conversation with), against the fake Telegram Bot API server.

The dispatcher paces its chat rows evenly below Telegram's global limit: the bot's rate
limiter never fills up, so a live reply sent during the batch finds it nearly empty and goes
at once, instead of queueing behind the batch's rows (one slot of 1/30 s each). Without the
pace, twenty answers sent together took 31 ms to 0.66 s (at most 40–60 ms with it), and the
batch sent 50 messages in its first second (the limiter's bucket of 30, then 30 a second).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.telegram.app import build_application
from bot.telegram.delivery import TelegramDelivery
from tests.auxil.fake_telegram import FakeTelegram, max_in_one_second
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.outbox.dispatcher import Dispatcher
from vigie.outbox.store import Outbox

BATCH = 200  # rows of the batch (one per chat, like the tips): 8 s at the pace
FIRST_BATCH_CHAT = 10_000
LIVE_CHATS = 20
FIRST_LIVE_CHAT = 90_000
TELEGRAM_PER_SECOND = 30
# Queued behind the batch, the 20th reply would wait ≈ 21/30 s more than without it; the
# bound is relative to the same twenty replies sent without a batch just before (a loaded
# machine slows both), not an absolute time.
LIVE_EXTRA_BUDGET_S = 0.3
# Twenty replies at once, ROUNDS times without the batch and ROUNDS times during it (other
# chats each round): a delay the batch causes is in every round, a loaded machine's pause
# (one reply of 1.0 s among 0.3–0.6 s, in a make test run) in one.
ROUNDS = 2


def make_settings(fake: FakeTelegram) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(fake.token),
        telegram_base_url=fake.base_url,
        telegram_base_file_url=fake.base_file_url,
        outbox_poll_seconds=30.0,
    )


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeTelegram, Application]]:  # type: ignore[type-arg]
    """The fake server and the bot's Application, initialised (no handler runs)."""
    async with FakeTelegram() as fake:
        application = build_application(make_settings(fake))
        await application.initialize()
        try:
            yield fake, application
        finally:
            await application.shutdown()


@pytest.mark.alone  # it bounds a latency: make test runs it alone, after the rest
async def test_live_replies_go_at_once_during_a_batch_kept_in_order_within_the_limits(
    sessionmaker: async_sessionmaker[AsyncSession],
    telegram: tuple[FakeTelegram, Application],  # type: ignore[type-arg]
) -> None:
    fake, application = telegram
    settings = make_settings(fake)
    batch_chats = [FIRST_BATCH_CHAT + n for n in range(BATCH)]
    rounds = [[FIRST_LIVE_CHAT + r * 100 + n for n in range(LIVE_CHATS)] for r in range(2 * ROUNDS)]
    for chat_id in batch_chats + [chat for chats in rounds for chat in chats]:
        fake.user(chat_id)
    async with sessionmaker() as session:
        for n, chat_id in enumerate(batch_chats):
            Outbox.add(
                session,
                channel="telegram",
                destination=str(chat_id),
                payload=OutgoingMessage(f"Astuce n° {n}").to_custom(),
            )
        await session.commit()

    delivery = TelegramDelivery(application)

    # Twenty conversations answered at the same moment, as the pipeline sends answers.
    async def live(chat_id: int) -> float:
        started = time.monotonic()
        await delivery.deliver(chat_id, [OutgoingMessage("Voici la réponse.")])
        return time.monotonic() - started

    async def answered_at_once(chats: list[int]) -> list[float]:
        return list(await asyncio.gather(*(live(chat_id) for chat_id in chats)))

    alone = []
    for chats in rounds[:ROUNDS]:
        alone.append(await answered_at_once(chats))
        await asyncio.sleep(1.5)  # the rate limiter empties
    fake.sent.clear()
    dispatcher = Dispatcher(Outbox(sessionmaker), delivery, settings)
    dispatcher.start()
    try:
        # Well into the batch: the bot's rate limiter would be full by now if the
        # dispatcher sent as fast as it may.
        deadline = time.monotonic() + 30
        while len(fake.sent) < 40:
            assert time.monotonic() < deadline, "the batch does not start"
            await asyncio.sleep(0.01)
        during = [await answered_at_once(chats) for chats in rounds[ROUNDS:]]
        tips_so_far = sum(1 for r in fake.sent if r["chat_id"] in set(batch_chats))
        assert tips_so_far < BATCH, "the batch was over before the last round"
        baseline = max(max(waits) for waits in alone)
        assert min(max(waits) for waits in during) < baseline + LIVE_EXTRA_BUDGET_S, (
            [[round(w, 3) for w in waits] for waits in during],
            [[round(w, 3) for w in waits] for waits in alone],
        )

        deadline = time.monotonic() + 60
        while len(fake.sent) < BATCH + ROUNDS * LIVE_CHATS:
            assert time.monotonic() < deadline, "the batch is not delivered"
            await asyncio.sleep(0.05)
    finally:
        await dispatcher.aclose()

    tips = [record for record in fake.sent if record["chat_id"] in set(batch_chats)]
    # In order, each once, within Telegram's limit in any second: no burst at the start (the
    # pace is 25 a second; what is above is the jitter of a loaded machine).
    assert [record["chat_id"] for record in tips] == batch_chats
    assert max_in_one_second([record["time"] for record in tips]) <= TELEGRAM_PER_SECOND
    assert await Outbox(sessionmaker).count_pending() == 0
