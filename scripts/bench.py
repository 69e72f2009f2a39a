"""``make bench``: end-to-end latency and throughput of Vigie on this machine.

Starts the real stack on loopback — Rasa (with its HTTP API, for the baseline), the action
server, the Telegram bot as its own process — against the fake Telegram Bot API server of
the tests, then measures, for the same messages:
- through Telegram: from the update offered by the fake server to the reply it receives;
- straight to Rasa's ``/model/parse`` (NLU only), as a baseline;
in three scenarios: 1 conversation; 20 conversations each sending every 2 s (10 msg/s
offered); 20 conversations sending as fast as they are answered (saturation). Prints the
figures, their ratio, and the peak memory (VmHWM) of each process; writes results/bench.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.supervisor import Service, actions_service, rasa_service  # noqa: E402
from tests.auxil.fake_telegram import FakeTelegram, FakeUser  # noqa: E402
from tests.auxil.toggle_proxy import free_port  # noqa: E402
from vigie.core.redaction import redact  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402

CONVERSATIONS = 20
PERIOD_S = 2.0
# Staff write a handful of messages per conversation, not hundreds: each simulated user
# writes this many messages, then its slot goes on as a new user (Rasa's per-message cost
# grows with the length of the conversation it keeps in memory).
MESSAGES_PER_CONVERSATION = 10


@dataclass
class Result:
    """Latencies (seconds) and throughput of one scenario."""

    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    seconds: float = 0.0

    def row(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0
        return {
            "n": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
            "p95_ms": round(p95 * 1000, 1),
            "throughput_per_s": round(self.answered / self.seconds, 1) if self.seconds else 0.0,
        }


def messages() -> list[str]:
    """Realistic messages: the texts of the held-out NLU set."""
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    texts = [
        line[2:].strip()
        for entry in data["nlu"]
        for line in entry["examples"].splitlines()
        if line.startswith("- ")
    ]
    # One reply per message: leave out those that also get a redaction notice.
    texts = [text for text in texts if not redact(text).found]
    random.Random(7).shuffle(texts)
    return texts


Send = Callable[[int, str], Awaitable[float]]


async def closed_loop(send: Send, texts: list[str], users: int, seconds: float) -> Result:
    """Each user sends its next message as soon as the previous one is answered."""
    result = Result()
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    async def user(index: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            text = texts[(index * 37 + n) % len(texts)]
            result.latencies.append(await send(index, text))
            result.answered += 1
            n += 1

    await asyncio.gather(*(user(i) for i in range(users)))
    result.seconds = time.monotonic() - started
    return result


async def open_loop(
    send: Send, texts: list[str], users: int, period: float, seconds: float
) -> Result:
    """Each user sends a message every ``period`` seconds, whether answered or not."""
    result = Result()
    started = time.monotonic()
    tasks: list[asyncio.Task[None]] = []

    async def one(index: int, text: str) -> None:
        result.latencies.append(await send(index, text))
        result.answered += 1

    async def user(index: int) -> None:
        await asyncio.sleep(period * index / users)  # spread the users over the period
        n = 0
        while time.monotonic() - started < seconds:
            tasks.append(asyncio.create_task(one(index, texts[(index * 37 + n) % len(texts)])))
            n += 1
            await asyncio.sleep(period)

    await asyncio.gather(*(user(i) for i in range(users)))
    await asyncio.gather(*tasks)
    result.seconds = time.monotonic() - started
    return result


class TelegramPath:
    """Sends through the fake Telegram server and waits for the bot's reply."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.users: dict[int, FakeUser] = {}
        self.counts: dict[int, int] = {}
        self.sent: dict[int, int] = {}

    async def send(self, index: int, text: str) -> float:
        """Offer the message now; its reply is the user's n-th (one reply per message)."""
        count = self.counts.get(index, 0)
        self.counts[index] = count + 1
        user_id = 500_000 + index * 10_000 + count // MESSAGES_PER_CONVERSATION
        user = self.users.setdefault(user_id, self.fake.user(user_id))
        self.sent[user_id] = nth = self.sent.get(user_id, 0) + 1
        started = time.monotonic()
        self.fake.send_text(user, text)
        await self.fake.wait_for_messages(user.id, nth, timeout=120)
        return time.monotonic() - started


class WebhookPath:
    """Sends straight to Rasa's Vigie channel (NLU, dialogue and actions, no Telegram)."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str) -> None:
        self.session = session
        self.url = rasa_url + "/webhooks/vigie/webhook"
        self.counts: dict[int, int] = {}

    async def send(self, index: int, text: str) -> float:
        count = self.counts.get(index, 0)
        self.counts[index] = count + 1
        sender = f"bench-{index}-{count // MESSAGES_PER_CONVERSATION}"
        started = time.monotonic()
        async with self.session.post(
            self.url, json={"sender": sender, "message": text}
        ) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.monotonic() - started


class ParsePath:
    """Sends straight to Rasa's /model/parse (NLU only)."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str, token: str) -> None:
        self.session = session
        self.url = rasa_url + "/model/parse?token=" + token

    async def send(self, index: int, text: str) -> float:
        started = time.monotonic()
        async with self.session.post(self.url, json={"text": text}) as response:
            await response.read()
            assert response.status == 200, response.status
        return time.monotonic() - started


def peak_memory_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a live process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def run(seconds: float, database_url: str | None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="vigie-bench-"))
    database_url = database_url or f"sqlite+aiosqlite:///{work / 'vigie.db'}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        rasa_port=free_port(),
        actions_port=free_port(),
        rasa_enable_api=True,  # /model/parse, the NLU-only baseline
        rasa_api_token=secrets.token_hex(32),
        database_url=database_url,  # Rasa's trackers too
    )
    services: list[Service] = [actions_service(settings, work), rasa_service(settings, work)]
    fake = FakeTelegram()
    await fake.start()
    bot: Service | None = None
    texts = messages()
    try:
        async with aiohttp.ClientSession() as session:
            for service in services:
                await service.start()
                await service.wait_healthy(session, sys.stdout)
            rasa_url = f"http://127.0.0.1:{settings.rasa_port}"
            env = {
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_BASE_URL": fake.base_url,
                "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
                "TELEGRAM_MODE": "polling",
                "DATABASE_URL": database_url,
                "RASA_URL": rasa_url,
                "PSEUDONYM_SECRET": "bench-secret-0123456789abcdefghijkl",
            }
            bot = Service(
                "bot", "Bot", [sys.executable, "-m", "bot", "telegram"], "", work / "bot.log", env
            )
            await bot.start()
            telegram = TelegramPath(fake)
            assert settings.rasa_api_token is not None
            parse = ParsePath(session, rasa_url, settings.rasa_api_token.get_secret_value())
            webhook = WebhookPath(session, rasa_url)
            print("  … échauffement", flush=True)
            await asyncio.gather(*(telegram.send(i, texts[i]) for i in range(CONVERSATIONS)))
            await asyncio.gather(*(parse.send(i, texts[i]) for i in range(CONVERSATIONS)))

            figures: dict[str, dict[str, dict[str, float]]] = {}
            paths = (
                ("telegram", telegram.send),
                ("rasa_webhook", webhook.send),
                ("model_parse", parse.send),
            )
            for name, path in paths:
                print(f"  … {name} : 1 conversation", flush=True)
                one = await closed_loop(path, texts, 1, seconds)
                print(
                    f"  … {name} : {CONVERSATIONS} conversations, un message toutes les 2 s",
                    flush=True,
                )
                offered = await open_loop(path, texts, CONVERSATIONS, PERIOD_S, seconds)
                print(f"  … {name} : saturation", flush=True)
                saturated = await closed_loop(path, texts, CONVERSATIONS, seconds)
                figures[name] = {
                    "one_conversation": one.row(),
                    "offered_10_per_s": offered.row(),
                    "saturation": saturated.row(),
                }
            memory = {
                "rasa": peak_memory_mb(services[1].process.pid) if services[1].process else 0.0,
                "actions": peak_memory_mb(services[0].process.pid) if services[0].process else 0.0,
                "bot": peak_memory_mb(bot.process.pid) if bot.process else 0.0,
            }
            expected = sum(len(fake.messages_to(u.id)) for u in telegram.users.values())
            return {
                "seconds_per_scenario": seconds,
                "database": make_url(database_url).get_backend_name(),
                "figures": figures,
                "peak_memory_mib": memory,
                "replies_received": expected,
            }
    finally:
        if bot is not None:
            await bot.stop()
        for service in reversed(services):
            await service.stop()
        await fake.stop()


def report(results: dict[str, object]) -> str:
    figures = results["figures"]
    assert isinstance(figures, dict)
    lines = [
        f"{'scenario':22} {'path':12} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'msg/s':>7}",
    ]
    for scenario in ("one_conversation", "offered_10_per_s", "saturation"):
        for path in ("telegram", "rasa_webhook", "model_parse"):
            row = figures[path][scenario]
            lines.append(
                f"{scenario:22} {path:12} {row['n']:5d} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
                f"{row['throughput_per_s']:7.1f}"
            )
        t, p = figures["telegram"][scenario], figures["model_parse"][scenario]
        ratio_p50 = t["p50_ms"] / p["p50_ms"] if p["p50_ms"] else 0.0
        ratio_tp = t["throughput_per_s"] / p["throughput_per_s"] if p["throughput_per_s"] else 0.0
        lines.append(f"{'':22} {'ratio':12} {'':5} {ratio_p50:8.1f}x {'':8} {ratio_tp:6.2f}x")
    memory = results["peak_memory_mib"]
    assert isinstance(memory, dict)
    lines.append("peak memory (MiB): " + ", ".join(f"{k}={v}" for k, v in memory.items()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each scenario")
    parser.add_argument("--database-url", default=None, help="e.g. a PostgreSQL URL")
    args = parser.parse_args()
    print("==> Banc d’essai de bout en bout (Rasa, actions, bot, faux Telegram)…", flush=True)
    results = asyncio.run(run(args.seconds, args.database_url))
    print(report(results))
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
