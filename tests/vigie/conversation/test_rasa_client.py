"""The Rasa client over several replicas (RASA_REPLICAS), against small real aiohttp servers
standing in for Rasa's channel: each conversation has its replica (the same in every bot
process), a replica that fails is passed over and the same message, with the same
``message_id``, goes to the next one; a replica only slow is not sent the message twice;
a replica back is used again once its down time is over and its health answers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.auxil.toggle_proxy import free_port
from vigie.conversation.rasa_client import (
    DOWN_SECONDS,
    RasaClient,
    RasaUnavailable,
    replica_urls,
)
from vigie.core.clock import FakeClock

SENDERS = [f"u{index:032x}" for index in range(40)]


class Replica:
    """A stand-in for one Rasa server: Vigie's channel (health and webhook), recording the
    bodies it is sent. ``mode``: ``ok``, ``error`` (500), ``slow`` (the webhook waits, the
    health check answers) or ``hung`` (nothing answers)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        self.release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def up(self) -> None:
        app = web.Application()
        app.router.add_get("/webhooks/vigie/", self._health)
        app.router.add_post("/webhooks/vigie/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def down(self) -> None:
        """Close the port: connections are refused, as when Rasa was killed."""
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.release = asyncio.Event()

    async def _health(self, request: web.Request) -> web.Response:
        if self.mode == "hung":
            await self.release.wait()
        return web.json_response({"status": "ok"})

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        if not body.get("sender"):
            return web.json_response({"error": "sender and message are required"}, status=400)
        if self.mode in ("slow", "hung"):
            await self.release.wait()
        if self.mode == "error":
            return web.json_response({"error": "message handling failed"}, status=500)
        answer = {"text": f"{self.name} answers"}
        return web.json_response({"messages": [answer], "intent": "greet", "confidence": 0.9})

    def senders(self) -> list[str]:
        return [body["sender"] for body in self.received]


@contextlib.asynccontextmanager
async def replicas(count: int = 2) -> AsyncIterator[list[Replica]]:
    started = [Replica(chr(ord("a") + index)) for index in range(count)]
    for replica in started:
        await replica.up()
    try:
        yield started
    finally:
        for replica in started:
            await replica.down()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client(
    http: aiohttp.ClientSession,
    servers: list[Replica],
    clock: FakeClock | None = None,
    **options: Any,
) -> RasaClient:
    values: dict[str, Any] = {"timeout": 5.0, "retries": 0, **options}
    if clock is not None:
        values["clock"] = clock
    return RasaClient(http, [s.url for s in servers], **values)


def test_replica_urls_are_consecutive_ports() -> None:
    assert replica_urls("http://127.0.0.1:5005/", 1) == ["http://127.0.0.1:5005"]
    assert replica_urls("http://127.0.0.1:5005", 3) == [
        "http://127.0.0.1:5005",
        "http://127.0.0.1:5006",
        "http://127.0.0.1:5007",
    ]
    assert replica_urls("http://localhost", 2) == ["http://localhost:80", "http://localhost:81"]
    assert replica_urls("http://[::1]:7000", 2)[1] == "http://[::1]:7001"


async def test_conversations_are_spread_and_each_keeps_its_replica(
    http: aiohttp.ClientSession,
) -> None:
    async with replicas() as (a, b):
        rasa = client(http, [a, b])
        other_process = client(http, [a, b])
        for _ in range(2):
            for sender in SENDERS:
                reply = await rasa.send(sender, "bonjour", message_id=f"inbox-{sender}")
                assert reply.replica == rasa.order(sender)[0] == other_process.order(sender)[0]
                assert (
                    reply.messages[0].plain_text()
                    == ("a" if reply.replica == a.url else "b") + " answers"
                )
        # Both serve, each sender always the same one.
        assert 10 <= len(set(a.senders())) <= 30 and set(a.senders()) | set(b.senders()) == set(
            SENDERS
        )
        assert not set(a.senders()) & set(b.senders())
        assert await rasa.healthy()


async def test_a_replica_that_stops_answering_hands_its_conversations_over(
    http: aiohttp.ClientSession,
) -> None:
    clock = FakeClock()
    async with replicas() as (a, b):
        rasa = client(http, [a, b], clock)
        on_a = [s for s in SENDERS if rasa.order(s)[0] == a.url]
        on_b = [s for s in SENDERS if rasa.order(s)[0] == b.url]
        await a.down()
        reply = await rasa.send(on_a[0], "bonjour", message_id="inbox-1")
        assert reply.replica == b.url
        assert b.received[-1]["message_id"] == "inbox-1"  # the same message, not a new one
        assert rasa.down() == [a.url]
        for sender in on_a[1:] + on_b:  # A is passed over: no attempt at it
            assert (await rasa.send(sender, "bonjour")).replica == b.url
        assert await rasa.healthy()  # one replica is enough

        # A back: its conversations go back to it once its down time is over.
        await a.up()
        assert (await rasa.send(on_a[0], "encore")).replica == b.url
        clock.advance(DOWN_SECONDS)
        assert (await rasa.send(on_a[0], "encore")).replica == a.url
        assert rasa.down() == [] and a.senders() == [on_a[0]]


async def test_a_5xx_moves_the_message_to_the_next_replica(http: aiohttp.ClientSession) -> None:
    async with replicas() as (a, b):
        rasa = client(http, [a, b])
        sender = next(s for s in SENDERS if rasa.order(s)[0] == a.url)
        a.mode = "error"
        reply = await rasa.send(sender, "bonjour", {"channel": "telegram"}, message_id="inbox-7")
        assert reply.replica == b.url
        assert (
            a.received
            == b.received
            == [
                {
                    "sender": sender,
                    "message": "bonjour",
                    "metadata": {"channel": "telegram"},
                    "message_id": "inbox-7",
                }
            ]
        )


async def test_a_hung_replica_is_left_for_the_next_one(http: aiohttp.ClientSession) -> None:
    """The webhook times out and the health check too: the replica is gone, the message goes
    to the next replica."""
    async with replicas() as (a, b):
        rasa = client(http, [a, b], timeout=0.5)
        sender = next(s for s in SENDERS if rasa.order(s)[0] == a.url)
        a.mode = "hung"
        reply = await rasa.send(sender, "bonjour", message_id="inbox-2")
        assert reply.replica == b.url and b.received[0]["message_id"] == "inbox-2"
        assert rasa.down() == [a.url]


async def test_a_slow_replica_is_not_sent_the_message_twice(
    http: aiohttp.ClientSession,
) -> None:
    """The webhook times out but the replica's health check answers: it may still handle the
    message, so it is sent nowhere else (the pipeline retries it later) and the replica keeps
    its conversations."""
    async with replicas() as (a, b):
        rasa = client(http, [a, b], timeout=0.5, retries=2)
        sender = next(s for s in SENDERS if rasa.order(s)[0] == a.url)
        a.mode = "slow"
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send(sender, "bonjour", message_id="inbox-3")
        assert raised.value.code == "timeout"
        assert len(a.received) == 1 and b.received == [] and rasa.down() == []


async def test_every_replica_down(http: aiohttp.ClientSession) -> None:
    """Each replica is tried once (the ones passed over too: one may be back), then the
    client gives up; nothing answers the health check."""
    async with replicas() as (a, b):
        rasa = client(http, [a, b])
        await a.down()
        await b.down()
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send(SENDERS[0], "bonjour")
        assert raised.value.code == "ClientConnectorError"
        assert sorted(rasa.down()) == sorted([a.url, b.url])
        assert not await rasa.healthy()
        await b.up()  # passed over, but the first tried when all are
        assert (await rasa.send(SENDERS[0], "bonjour")).replica == b.url
        assert await rasa.healthy() and rasa.down() == [a.url]


async def test_one_replica_is_retried_as_before(http: aiohttp.ClientSession) -> None:
    """One Rasa: a refused connection is tried again after a pause, ``retries`` times; it is
    never passed over (there is nowhere else to go)."""
    async with replicas(1) as (a,):
        rasa = RasaClient(http, a.url, timeout=5.0, retries=2, retry_delay=0.01)
        a.mode = "error"
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send(SENDERS[0], "bonjour", message_id="inbox-4")
        assert raised.value.code == "http_500" and len(a.received) == 3
        assert rasa.down() == []
        a.mode = "ok"
        assert (await rasa.send(SENDERS[0], "bonjour")).replica == a.url


async def test_a_4xx_is_not_sent_elsewhere(http: aiohttp.ClientSession) -> None:
    """A request Rasa refuses would be refused by every replica."""
    async with replicas() as (a, b):
        rasa = client(http, [a, b])
        with pytest.raises(RasaUnavailable) as raised:
            await rasa.send("", "bonjour")  # no sender: a 400 from Rasa's channel
        assert raised.value.code == "http_400"
        assert len(a.received) + len(b.received) == 1 and rasa.down() == []


async def test_concurrent_conversations_during_a_failover(http: aiohttp.ClientSession) -> None:
    """Many conversations at once while a replica goes away: every message is answered."""
    async with replicas() as (a, b):
        rasa = client(http, [a, b])
        await a.down()
        replies = await asyncio.gather(
            *(rasa.send(s, "bonjour", message_id=f"inbox-{i}") for i, s in enumerate(SENDERS))
        )
        assert {r.replica for r in replies} == {b.url}
        assert sorted(body["message_id"] for body in b.received) == sorted(
            f"inbox-{i}" for i in range(len(SENDERS))
        )
