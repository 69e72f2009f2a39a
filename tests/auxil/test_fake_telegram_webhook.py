"""The fake Telegram server's webhook delivery mode, against a small aiohttp receiver and the
real python-telegram-bot (``setWebhook``): updates POSTed with the secret token header, at most
``max_connections`` at a time, per chat one at a time in ``update_id`` order, a failure (non-200,
connection refused) tried again after a pause; nothing posted without a delivery URL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from .fake_telegram import SECRET_TOKEN_HEADER, FakeTelegram
from .toggle_proxy import free_port

SECRET = "webhook-secret-of-the-test_0123456789"
URL = "https://vigie.example.org/telegram"


@dataclass
class Receiver:
    """A webhook endpoint: records each request; answers what :attr:`answer` says."""

    delay: float = 0.03
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    chats_in_flight: set[int] = field(default_factory=set)
    overlaps: list[int] = field(default_factory=list)
    """Chats that had two updates in flight at once (never, as with Telegram)."""
    failures: dict[int, int] = field(default_factory=dict)
    """update_id → how many times to answer it 500 before 200."""
    port: int = 0
    runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram", self.receive)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def receive(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        chat = update["message"]["chat"]["id"]
        if chat in self.chats_in_flight:
            self.overlaps.append(chat)
        self.chats_in_flight.add(chat)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
            self.chats_in_flight.discard(chat)
        status = 200
        if self.failures.get(update["update_id"], 0) > 0:
            self.failures[update["update_id"]] -= 1
            status = 500
        self.requests.append(
            {
                "update_id": update["update_id"],
                "chat": chat,
                "text": update["message"]["text"],
                "secret": request.headers.get(SECRET_TOKEN_HEADER),
                "content_type": request.content_type,
                "status": status,
                "at": time.monotonic(),
            }
        )
        return web.Response(status=status)

    def delivered(self, chat: int) -> list[int]:
        """The update ids of ``chat`` answered 200, in the order they were answered."""
        return [r["update_id"] for r in self.requests if r["chat"] == chat and r["status"] == 200]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    await endpoint.start()
    try:
        yield endpoint
    finally:
        await endpoint.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(webhook_retry_seconds=0.05, webhook_retry_max_seconds=0.2)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as b:
        yield b


async def wait_confirmed(fake: FakeTelegram, update_ids: list[int], timeout: float = 10) -> None:
    for update_id in update_ids:
        await fake.wait_for_acknowledged(update_id, timeout)


async def test_updates_are_posted_in_parallel_but_one_at_a_time_per_chat(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    fake.webhook_delivery_url = receiver.url
    users = [fake.user(100 + n) for n in range(6)]
    ids = {
        user.id: [fake.send_text(user, f"message {i}")["update_id"] for i in range(5)]
        for user in users
    }
    await asyncio.sleep(0.2)
    assert receiver.requests == []  # no webhook yet: nothing is posted
    assert await bot.set_webhook(URL, secret_token=SECRET, max_connections=4)
    await wait_confirmed(fake, [i for chat in ids.values() for i in chat])

    assert receiver.overlaps == []
    assert 2 <= receiver.most_in_flight <= 4
    for user in users:
        assert receiver.delivered(user.id) == ids[user.id]  # each once, in order
    assert {r["secret"] for r in receiver.requests} == {SECRET}
    assert {r["content_type"] for r in receiver.requests} == {"application/json"}
    assert fake.webhook_deliveries == 30 and fake.webhook_retries == 0
    assert fake.pending_updates == []
    assert len(fake.delivery_log) == 30
    assert all(entry["status"] == 200 for entry in fake.delivery_log)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    # A new update goes at once.
    update = fake.send_text(users[0], "encore")
    await fake.wait_for_acknowledged(update["update_id"], 5)
    assert receiver.delivered(users[0].id)[-1] == update["update_id"]


async def test_the_connection_limit_can_be_set_by_the_test(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    fake.webhook_delivery_url = receiver.url
    fake.webhook_max_connections = 1
    assert await bot.set_webhook(URL, secret_token=SECRET)  # Telegram's default: 40
    assert fake.max_connections() == 1
    updates = [fake.send_text(fake.user(200 + n), "bonjour")["update_id"] for n in range(5)]
    await wait_confirmed(fake, updates)
    assert receiver.most_in_flight == 1
    assert [r["update_id"] for r in receiver.requests] == updates
    fake.webhook_max_connections = None
    assert fake.max_connections() == 40


async def test_a_failed_delivery_is_tried_again_before_the_next_update_of_its_chat(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    fake.webhook_delivery_url = receiver.url
    user, other = fake.user(300), fake.user(301)
    first = fake.send_text(user, "un")["update_id"]
    second = fake.send_text(user, "deux")["update_id"]
    elsewhere = fake.send_text(other, "ailleurs")["update_id"]
    receiver.failures = {first: 2}
    assert await bot.set_webhook(URL, secret_token=SECRET)
    await wait_confirmed(fake, [first, second, elsewhere])

    statuses = [(r["update_id"], r["status"]) for r in receiver.requests if r["chat"] == user.id]
    assert statuses == [(first, 500), (first, 500), (first, 200), (second, 200)]
    assert fake.webhook_retries == 2 and fake.webhook_deliveries == 3
    # The other chat did not wait for the failing one.
    answered = {r["update_id"]: r["at"] for r in receiver.requests if r["status"] == 200}
    assert answered[elsewhere] < answered[first]


async def test_connection_errors_are_retried_until_the_endpoint_is_up(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    fake.webhook_delivery_url = f"http://127.0.0.1:{free_port()}/telegram"  # nothing listens
    assert await bot.set_webhook(URL, secret_token=SECRET)
    user = fake.user(400)
    updates = [fake.send_text(user, f"message {i}")["update_id"] for i in range(3)]
    for _ in range(100):
        if fake.webhook_retries >= 3:
            break
        await asyncio.sleep(0.02)
    assert fake.webhook_retries >= 3 and fake.webhook_deliveries == 0
    assert {entry["update_id"] for entry in fake.delivery_log} == {updates[0]}
    assert all(entry["status"] is None and entry["error"] for entry in fake.delivery_log)
    fake.webhook_delivery_url = receiver.url
    await wait_confirmed(fake, updates)
    assert receiver.delivered(user.id) == updates


async def test_deleting_the_webhook_stops_the_deliveries(
    fake: FakeTelegram, bot: Bot, receiver: Receiver
) -> None:
    fake.webhook_delivery_url = receiver.url
    assert await bot.set_webhook(URL, secret_token=SECRET)
    user = fake.user(500)
    delivered = fake.send_text(user, "un")["update_id"]
    await fake.wait_for_acknowledged(delivered, 5)
    assert await bot.delete_webhook()
    kept = fake.send_text(user, "deux")["update_id"]
    await asyncio.sleep(0.3)
    assert [r["update_id"] for r in receiver.requests] == [delivered]
    [pending] = await bot.get_updates(timeout=0)  # polling again: the update is there
    assert pending.update_id == kept


async def test_calls_are_held_once_those_accepted_are_answered(
    fake: FakeTelegram, bot: Bot
) -> None:
    """What a test does to kill a bot process outside the moments after Telegram accepted one
    of its calls: the calls being handled are answered, the next ones wait."""
    fake.user(600)
    release, inside, leave = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def slow(method: str, params: dict[str, Any]) -> None:
        await release.wait()  # accepted, its answer not sent yet

    async def hold() -> None:
        async with fake.calls_held():
            inside.set()
            await leave.wait()

    fake.before_reply = slow
    first = asyncio.create_task(bot.send_message(600, "un"))
    await asyncio.sleep(0.2)
    holding = asyncio.create_task(hold())
    await asyncio.sleep(0.2)
    assert not inside.is_set()  # the accepted call is not answered yet
    release.set()
    await first
    await asyncio.wait_for(inside.wait(), 5)
    second = asyncio.create_task(bot.send_message(600, "deux"))
    await asyncio.sleep(0.3)
    assert not second.done() and [m["plain_text"] for m in fake.sent] == ["un"]
    leave.set()
    await holding
    await asyncio.wait_for(second, 5)
    assert [m["plain_text"] for m in fake.sent] == ["un", "deux"]
