"""nginx in front of several bot processes (deploy/nginx/, docs/deployment.md).

The real nginx of the distribution runs the tests' configuration (``deploy/nginx/test.conf.in``:
the production webhook location and upstream parameters, over plain HTTP on a free port) in
front of two stand-ins for bot processes, then of two real webhook endpoints
(``bot/telegram/updates.py``'s ``Webhook``) of which one is stopped while updates flow, as in a
rolling restart.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from telegram import Bot, Update

from bot.telegram.updates import SECRET_HEADER, Gate, Webhook
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import free_port
from tests.deploy.nginx import WEBHOOK_HOST, WEBHOOK_PATH, Nginx, front_config
from tests.deploy.standins import BotStandIn
from vigie.core.settings import Settings

SECRET = "secret-of-the-test_0123456789-abcdefghij"
TIMEOUT = aiohttp.ClientTimeout(total=30)


def update_body(update_id: int) -> bytes:
    """A Telegram update as Telegram sends it (UTF-8 JSON, French text)."""
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_760_000_000,
            "chat": {"id": 4242, "type": "private", "first_name": "Léa"},
            "from": {"id": 4242, "is_bot": False, "first_name": "Léa"},
            "text": f"mon écran affiche « rançon » n° {update_id}",
        },
    }
    return json.dumps(update, ensure_ascii=False).encode()


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> tuple[int, str | None]:
    """POST an update like Telegram does; the status and the instance that answered 200."""
    sent = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with session.post(url, data=body, headers=sent if headers is None else headers) as r:
        text = await r.text()
        instance = json.loads(text).get("instance") if r.status == 200 and text else None
        return r.status, instance


@dataclass
class Front:
    nginx: Nginx
    bots: list[BotStandIn]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}{WEBHOOK_PATH}"

    def base(self) -> str:
        return f"http://127.0.0.1:{self.nginx.port}"


@pytest.fixture
async def front(tmp_path: Path) -> AsyncIterator[Front]:
    bots = [BotStandIn("bot-1", WEBHOOK_PATH), BotStandIn("bot-2", WEBHOOK_PATH)]
    for bot in bots:
        await bot.start()
    port = free_port()
    nginx = Nginx(front_config(tmp_path, port, [bot.port for bot in bots]), port)
    try:
        await nginx.start()
        yield Front(nginx, bots)
    finally:
        await nginx.stop()
        for bot in bots:
            await bot.stop()


async def test_updates_are_spread_over_the_bot_processes_and_reach_them_unchanged(
    front: Front,
) -> None:
    bodies = [update_body(n) for n in range(1, 21)]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        answers = [await post(session, front.url, body) for body in bodies]
        for bot in front.bots:  # each process's own health, on its own port
            async with session.get(f"http://127.0.0.1:{bot.port}/health") as r:
                assert r.status == 200
                assert await r.json() == {"status": "ok", "instance": bot.instance}

    assert [status for status, _ in answers] == [200] * 20
    by_instance = Counter(instance for _, instance in answers)
    assert set(by_instance) == {"bot-1", "bot-2"}
    assert min(by_instance.values()) >= 5, by_instance  # round robin: about half each

    received = [got for bot in front.bots for got in bot.updates()]
    assert sorted(got.body for got in received) == sorted(bodies)  # byte for byte, each once
    for got in received:
        assert got.path == WEBHOOK_PATH
        assert got.headers[SECRET_HEADER] == SECRET
        assert got.headers["Content-Type"] == "application/json"
        assert got.headers["X-Forwarded-For"] == "127.0.0.1"
        assert got.headers["X-Forwarded-Proto"] == "http"


async def test_a_process_answering_503_is_passed_over(front: Front) -> None:
    stopping, other = front.bots
    stopping.status = 503  # as a process whose webhook is stopping
    bodies = [update_body(n) for n in range(100, 120)]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        answers = [await post(session, front.url, body) for body in bodies]

    assert answers == [(200, "bot-2")] * 20
    assert sorted(r.body for r in other.updates()) == sorted(bodies)
    # The update it refused was sent on at once; then it was left aside (max_fails=1).
    refused = [r.body for r in stopping.updates()]
    assert len(refused) <= 1
    assert set(refused) <= set(bodies)


async def test_an_update_cut_off_by_a_dying_process_goes_to_another(front: Front) -> None:
    """The process read the update and died before answering: nginx sends the same POST to
    the next process (``non_idempotent``), so Telegram gets its 200 at once."""
    dying, other = front.bots
    dying.drop = True
    bodies = [update_body(n) for n in range(150, 170)]
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        answers = [await post(session, front.url, body) for body in bodies]

    assert answers == [(200, "bot-2")] * 20
    assert sorted(r.body for r in other.updates()) == sorted(bodies)
    cut_off = [r.body for r in dying.updates()]
    assert len(cut_off) == 1  # the first one (round robin); then it was left aside
    assert set(cut_off) <= set(bodies)


async def test_a_stopped_process_is_passed_over(front: Front) -> None:
    stopped, other = front.bots
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        before = [await post(session, front.url, update_body(n)) for n in range(200, 204)]
        await stopped.stop()  # connections refused from now on
        bodies = [update_body(n) for n in range(300, 320)]
        answers = [await post(session, front.url, body) for body in bodies]

    assert {instance for _, instance in before} == {"bot-1", "bot-2"}
    assert answers == [(200, "bot-2")] * 20
    assert set(bodies) <= {r.body for r in other.updates()}


async def test_with_no_process_up_telegram_gets_an_error_and_sends_again(front: Front) -> None:
    for bot in front.bots:
        await bot.stop()
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        status, _ = await post(session, front.url, update_body(400))
    assert status == 502  # not confirmed: Telegram keeps the update and sends it again


async def test_only_updates_with_the_secret_header_reach_a_process(front: Front) -> None:
    url = front.url
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(url, headers={SECRET_HEADER: SECRET}) as r:
            assert r.status == 403
        async with session.put(url, data=update_body(1), headers={SECRET_HEADER: SECRET}) as r:
            assert r.status == 403
        assert (await post(session, url, update_body(2), headers={}))[0] == 403
        huge = b'{"update_id": 3, "padding": "' + b"x" * (1024 * 1024 + 1) + b'"}'
        assert (await post(session, url, huge))[0] == 413
        async with session.get(f"{front.base()}/health") as r:  # the processes' own check
            assert r.status == 404
        assert (await post(session, f"{front.base()}/other", update_body(4)))[0] == 404
    assert [bot.received for bot in front.bots] == [[], []]


# --- the real webhook endpoint behind nginx: a rolling restart ------------------------------


class Taker:
    """The handlers of one bot process: record each update taken (as once stored)."""

    def __init__(self) -> None:
        self.taken: list[int] = []

    async def handle(self, update: Update) -> BaseException | None:
        await asyncio.sleep(0.01)  # storing takes a little while
        self.taken.append(update.update_id)
        return None

    async def not_taken(self, update: Update) -> None:
        raise AssertionError("every update is taken")


def webhook_settings(port: int, instance: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_mode="webhook",
        webhook_url=f"https://{WEBHOOK_HOST}{WEBHOOK_PATH}",
        webhook_secret_token=SecretStr(SECRET),
        webhook_listen="127.0.0.1",
        webhook_port=port,
        bot_instance=instance,
    )


async def test_stopping_a_real_webhook_while_updates_flow_loses_none(tmp_path: Path) -> None:
    """Two real webhook endpoints behind nginx, Telegram posting 4 updates at a time; one is
    stopped as ``systemctl stop`` would (SIGTERM → ``Webhook.stop``): every update is
    confirmed with a 200, and taken exactly once."""
    async with FakeTelegram() as fake:
        bot = Bot(fake.token, base_url=fake.base_url)
        ports = [free_port(), free_port()]
        takers = [Taker(), Taker()]
        webhooks = [
            Webhook(bot, Gate(taker), webhook_settings(port, f"bot-{i}"))
            for i, (port, taker) in enumerate(zip(ports, takers, strict=True), start=1)
        ]
        for webhook in webhooks:
            await webhook.start()
        assert fake.webhook_url == f"https://{WEBHOOK_HOST}{WEBHOOK_PATH}"
        port = free_port()
        nginx = Nginx(front_config(tmp_path, port, ports), port)
        await nginx.start()
        url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                async with session.get(f"http://127.0.0.1:{ports[0]}/health") as r:
                    assert await r.json() == {"status": "ok", "instance": "bot-1"}
                confirmed: list[int] = []
                twenty_confirmed = asyncio.Event()
                parallel = asyncio.Semaphore(4)  # Telegram's max_connections, in small

                async def send(update_id: int) -> int:
                    async with parallel:
                        status, _ = await post(session, url, update_body(update_id))
                    if status == 200:
                        confirmed.append(update_id)
                        if len(confirmed) >= 20:
                            twenty_confirmed.set()
                    return status

                async def stop_first() -> int:
                    await twenty_confirmed.wait()
                    await webhooks[0].stop()
                    return len(takers[0].taken)

                stopper = asyncio.create_task(stop_first())
                statuses = await asyncio.gather(*(send(n) for n in range(1, 81)))
                taken_before_stop = await stopper
                with pytest.raises(aiohttp.ClientConnectionError):
                    await session.get(f"http://127.0.0.1:{ports[0]}/health")
        finally:
            await nginx.stop()
            for webhook in webhooks:
                await webhook.stop()

    assert statuses == [200] * 80
    taken = takers[0].taken + takers[1].taken
    assert sorted(taken) == list(range(1, 81))  # none lost, none taken twice
    assert len(takers[0].taken) == taken_before_stop  # nothing after its stop
    assert takers[0].taken and takers[1].taken
