"""``make bench`` (tips of the week): a weekly tip to 10,000 opted-in people, delivered within
Telegram's limits and in order, while live conversations keep their answer time.

Creates a scratch database (a temporary SQLite file by default, a PostgreSQL database on the
server of ``--database-url`` / ``--postgres``, dropped afterwards), starts the fake Telegram
Bot API server of the tests, a minimal stand-in for Rasa (an instant answer: what is measured
is the bot's path, not Rasa's) and the real Telegram front end in this process (the
Application with its rate limiter, Vigie's polling loop, the pipeline, the outbox
dispatcher). The bot's hourly housekeeping is stopped: the bench runs the weekly job itself,
on its own clock.

Then it registers ``--people`` staff members over ``--facilities`` facilities with the
project's services (an invitation code per facility redeemed by each person, their job, the
tips opted in), and:

1. measures live conversations alone (``--baseline-seconds``): ``--live-chats`` people each
   write a message at regular intervals, ``--live-rate`` messages a second in all, each
   answered through the whole path (update offered by the fake server, Vigie's polling loop,
   inbox, pipeline, Rasa, delivery through the bot's rate limiter);
2. runs ``Awareness.send_due`` at 11:00 in Paris on a Wednesday (the clock it is given), which
   queues one outbox row per person, and lets the bot's dispatcher deliver them, the live
   conversations going on meanwhile.

Prints the time to queue the batch, the time to deliver it, the rate achieved, the most
messages received by the fake server within any one second (all of them, and in any one
chat), whether the tips arrived in the order they were queued (each once), and p50/p95 of
the live answers without the batch and during it. PASS/FAIL: every tip delivered once and in
order, at most 30 messages in any second, at most 1 a second in any chat, the live answers'
p95 during the batch within 300 ms. Results also go to ``results/bench_tips.json`` (with
every live answer's time and the messages received each second).

``--outbox-chat-rate`` sets the dispatcher's pace (``OUTBOX_CHAT_RATE``, 25 by default); 1000
leaves only the bot's rate limiter, as before the pace existed. ``--quick`` is the smoke test
of ``tests/scripts/test_bench_tips.py``: 200 people in 10 facilities.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_tickets import scratch_database  # noqa: E402
from tests.auxil.fake_telegram import FakeTelegram, max_in_one_second  # noqa: E402
from tests.e2e.conftest import RunningBot  # noqa: E402
from vigie.awareness.models import TipSent  # noqa: E402
from vigie.awareness.service import Awareness  # noqa: E402
from vigie.conversation.rasa_client import WEBHOOK_PATH  # noqa: E402
from vigie.core.clock import FakeClock  # noqa: E402
from vigie.core.pseudonym import pseudonymize  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker, upgrade  # noqa: E402
from vigie.outbox.models import OutboxMessage  # noqa: E402
from vigie.outbox.store import PENDING  # noqa: E402
from vigie.people.directory import Directory  # noqa: E402
from vigie.people.roles import JOBS  # noqa: E402

JSON = dict[str, Any]

SECRET = "bench-tips-secret-0123456789abcdefghi"
#: Wednesday 9 December 2026, 11:00 in Paris: a working day, within the tips' hours.
TIPS_AT = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
FIRST_PERSON_ID = 700_000_000
FIRST_LIVE_ID = 600_000_000
TELEGRAM_PER_SECOND = 30  # Telegram: about 30 messages a second for a bot, in all
CHAT_PER_SECOND = 1  # and about one a second in any one chat
LIVE_P95_BUDGET_MS = 300.0  # the answer time floor of scripts/bench.py (10 messages/s)
REGISTRATION_WORKERS = 8
TIMEOUT_S = 60.0
ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def word(number: int, width: int = 4) -> str:
    """``number`` written in ``width`` letters (aaaa, aaab…): a token nothing redacts, none
    the beginning of another."""
    letters = ""
    for _ in range(width):
        number, digit = divmod(number, len(ALPHABET))
        letters = ALPHABET[digit] + letters
    return letters


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency_figures(samples: list[float]) -> JSON:
    if not samples:
        return {"n": 0}
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


def per_second(times: list[float], origin: float) -> list[int]:
    """How many of ``times`` fall in each second from ``origin`` on (the first seconds
    before ``origin`` are left out)."""
    counts: list[int] = []
    for at in times:
        second = int(at - origin)
        if second < 0:
            continue
        counts.extend([0] * (second + 1 - len(counts)))
        counts[second] += 1
    return counts


# --- A stand-in for Rasa: Vigie's channel, answering at once ------------------------------


@contextlib.asynccontextmanager
async def fake_rasa() -> AsyncIterator[str]:
    """Vigie's Rasa channel on a free port of 127.0.0.1, answering each message at once with
    one message naming it; its base URL."""

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("message", ""))
        return web.json_response(
            {
                "messages": [{"text": f"Voici la réponse à votre {text}."}],
                "intent": "bench",
                "confidence": 1.0,
            }
        )

    app = web.Application()
    app.router.add_get("/webhooks/vigie/", health)
    app.router.add_post(WEBHOOK_PATH, webhook)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = int(runner.addresses[0][1])
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


# --- The people -----------------------------------------------------------------------------


async def register_people(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, people: int, facilities: int
) -> list[int]:
    """``people`` staff members spread over ``facilities`` facilities (Paris time), each
    registered with their facility's code, a job, and the tips opted in; their chat ids."""
    directory = Directory(sessionmaker)
    awareness = Awareness(sessionmaker, settings)
    per_facility = math.ceil(people / facilities)
    codes: list[str] = []
    for number in range(facilities):
        facility = await directory.create_facility(
            f"EHPAD du Banc d’Essai {number + 1}", "Rodez", timezone="Europe/Paris"
        )
        invitation = await directory.create_invitation(
            facility_id=facility.id, role="staff", max_uses=per_facility
        )
        codes.append(invitation.code)
    chat_ids = [FIRST_PERSON_ID + n for n in range(people)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(people):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            chat_id = chat_ids[index]
            sender = pseudonymize(chat_id, SECRET.encode())
            await directory.redeem_invitation(
                codes[index // per_facility], channel="telegram", chat_id=chat_id, sender=sender
            )
            await directory.set_job(sender, JOBS[index % len(JOBS)])
            if not await awareness.subscribe(sender, True):
                raise RuntimeError("a registered staff member could not opt in")

    await asyncio.gather(*(worker() for _ in range(REGISTRATION_WORKERS)))
    return chat_ids


# --- Live conversations ---------------------------------------------------------------------


@dataclass
class LiveSample:
    chat_id: int
    token: str
    offered_at: float  # time.time() when the fake server offered the message
    answered_at: float | None = None  # when it received the answer naming the token


class LiveTraffic:
    """``chats`` people writing in turn, ``rate`` messages a second in all, until stopped."""

    def __init__(self, fake: FakeTelegram, chats: int, rate: float) -> None:
        self.fake = fake
        self.users = [fake.user(FIRST_LIVE_ID + n, "Aide") for n in range(chats)]
        self.interval = 1.0 / rate
        self.samples: list[LiveSample] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="bench-live")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        started = time.monotonic()
        count = 0
        while not self._stop.is_set():
            user = self.users[count % len(self.users)]
            token = f"question {word(count)}"
            self.samples.append(LiveSample(user.id, token, time.time()))
            self.fake.send_text(user, token)
            count += 1
            delay = started + count * self.interval - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), max(0.0, delay))

    async def wait_for_answers(self, timeout: float = TIMEOUT_S) -> None:
        """Fill in the answer times; every message must be answered within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            missing = [s for s in self.samples if s.answered_at is None]
            by_chat: dict[int, list[LiveSample]] = {}
            for sample in missing:
                by_chat.setdefault(sample.chat_id, []).append(sample)
            for chat_id, waiting in by_chat.items():
                for record in self.fake.messages_to(chat_id):
                    for sample in waiting:
                        if sample.answered_at is None and sample.token in record["plain_text"]:
                            sample.answered_at = float(record["time"])
            if all(s.answered_at is not None for s in self.samples):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(missing)} live message(s) never answered")
            await asyncio.sleep(0.2)

    def latencies(self, since: float, until: float) -> list[float]:
        """Answer times of the messages offered between ``since`` and ``until``."""
        return [
            s.answered_at - s.offered_at
            for s in self.samples
            if s.answered_at is not None and since <= s.offered_at < until
        ]


# --- The run --------------------------------------------------------------------------------


async def bench(args: argparse.Namespace) -> JSON:
    with tempfile.TemporaryDirectory(prefix="vigie-bench-tips-") as work:
        async with scratch_database(args.database_url, Path(work)) as database_url:
            await asyncio.to_thread(upgrade, database_url)
            async with FakeTelegram() as fake, fake_rasa() as rasa_url:
                rate = {"outbox_chat_rate": args.outbox_chat_rate} if args.outbox_chat_rate else {}
                settings = Settings(
                    _env_file=None,  # type: ignore[call-arg]
                    telegram_bot_token=SecretStr(fake.token),
                    telegram_base_url=fake.base_url,
                    telegram_base_file_url=fake.base_file_url,
                    database_url=database_url,
                    rasa_url=rasa_url,
                    rasa_retries=0,
                    rasa_timeout_seconds=10.0,
                    pseudonym_secret=SecretStr(SECRET),
                    journal_dir=Path(work),
                    **rate,
                )
                engine = create_engine(database_url)
                bot = RunningBot(settings)
                await bot.start()
                try:
                    front = bot.vigie.front
                    if front is None:
                        raise RuntimeError("the bot's front end did not start")
                    # The weekly job is the bench's, on its clock: not the bot's hourly one.
                    await front.housekeeping.aclose()
                    results = await measure(
                        args, fake, settings, make_sessionmaker(engine), front.dispatcher.kick
                    )
                finally:
                    await bot.stop()
                    await engine.dispose()
                results["database"] = engine.dialect.name
                return results


async def measure(
    args: argparse.Namespace,
    fake: FakeTelegram,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    kick: Any,
) -> JSON:
    print(
        f"  … inscription de {args.people} personnes dans {args.facilities} établissements",
        flush=True,
    )
    started = time.perf_counter()
    chat_ids = await register_people(sessionmaker, settings, args.people, args.facilities)
    registered_s = time.perf_counter() - started
    for chat_id in chat_ids:
        fake.user(chat_id)
    people = set(chat_ids)

    live = LiveTraffic(fake, args.live_chats, args.live_rate)
    print(
        f"  … conversations seules pendant {args.baseline_seconds:.0f} s "
        f"({args.live_rate:g} messages/s sur {args.live_chats} conversations)",
        flush=True,
    )
    baseline_from = time.time()
    live.start()
    await asyncio.sleep(args.baseline_seconds)

    print(f"  … astuces de la semaine ({args.people}), les conversations continuant", flush=True)
    clock = FakeClock(TIPS_AT)
    queue_from = time.time()
    queued = await Awareness(sessionmaker, settings, clock).send_due()
    queue_until = time.time()
    kick()  # as the housekeeping does once the job has queued something
    pace = min(settings.outbox_chat_rate, TELEGRAM_PER_SECOND)  # the bot's limiter: 30/s
    deadline = time.monotonic() + args.people / pace * 2 + TIMEOUT_S
    while sum(1 for record in fake.sent if record["chat_id"] in people) < queued:
        if time.monotonic() > deadline:
            raise RuntimeError("the tips were not all delivered in time")
        await asyncio.sleep(0.2)
    await live.stop()
    await live.wait_for_answers()

    tips = [record for record in fake.sent if record["chat_id"] in people]
    tip_times = [float(record["time"]) for record in tips]
    first_tip, last_tip = min(tip_times), max(tip_times)
    async with sessionmaker() as session:
        queued_order = [
            int(destination)
            for destination in (
                await session.scalars(select(OutboxMessage.destination).order_by(OutboxMessage.id))
            )
            if int(destination) in people
        ]
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)
        )
        tips_sent = await session.scalar(select(func.count()).select_from(TipSent))
    during = [float(r["time"]) for r in fake.sent if queue_from <= float(r["time"]) <= last_tip]
    by_chat: dict[int, list[float]] = {}
    for record in fake.sent:
        by_chat.setdefault(int(record["chat_id"]), []).append(float(record["time"]))
    return {
        "people": args.people,
        "facilities": args.facilities,
        "registration_s": round(registered_s, 1),
        "outbox_chat_rate": settings.outbox_chat_rate,
        "queued": queued,
        "tips_sent_rows": tips_sent,
        "queue_s": round(queue_until - queue_from, 2),
        "first_tip_after_s": round(first_tip - queue_from, 2),
        "delivered_after_s": round(last_tip - queue_from, 1),
        "delivery_rate_per_s": round((len(tips) - 1) / (last_tip - first_tip), 1)
        if len(tips) > 1
        else None,
        "delivered": len(tips),
        "each_once_in_order": [int(r["chat_id"]) for r in tips] == queued_order
        and len(tips) == queued,
        "outbox_pending_at_end": pending,
        "max_per_second_all": max_in_one_second(during),
        "max_per_second_tips": max_in_one_second(tip_times),
        "max_per_second_one_chat": max(max_in_one_second(times) for times in by_chat.values()),
        "live": {
            "chats": args.live_chats,
            "rate_per_s": args.live_rate,
            "baseline": latency_figures(live.latencies(baseline_from, queue_from)),
            "during_queueing": latency_figures(live.latencies(queue_from, queue_until)),
            "during_delivery": latency_figures(live.latencies(queue_until, last_tip)),
            "during_batch": latency_figures(live.latencies(queue_from, last_tip)),
            # Every message: offered (seconds after the weekly job started), answer time (ms).
            "samples": [
                [
                    round(s.offered_at - queue_from, 3),
                    round((s.answered_at - s.offered_at) * 1000, 1),
                ]
                for s in live.samples
                if s.answered_at is not None
            ],
        },
        "tips_per_second": per_second(tip_times, first_tip),
        "all_per_second": per_second([float(r["time"]) for r in fake.sent], first_tip),
    }


def verdicts(results: JSON) -> dict[str, bool]:
    during = results["live"]["during_batch"]
    live_ok = during.get("n", 0) > 0 and during["p95_ms"] <= LIVE_P95_BUDGET_MS
    delivered_ok = bool(results["each_once_in_order"]) and results["outbox_pending_at_end"] == 0
    return {
        "every tip once, in order": delivered_ok,
        f"≤ {TELEGRAM_PER_SECOND} messages in any second": (
            results["max_per_second_all"] <= TELEGRAM_PER_SECOND
        ),
        f"≤ {CHAT_PER_SECOND} message a second in any chat": (
            results["max_per_second_one_chat"] <= CHAT_PER_SECOND
        ),
        f"live answers p95 ≤ {LIVE_P95_BUDGET_MS:.0f} ms during the batch": live_ok,
    }


def summary(results: JSON) -> str:
    live = results["live"]
    lines = [
        f"Astuces de la semaine ({results['database']}) : {results['people']} personnes, "
        f"{results['facilities']} établissements (inscrites en {results['registration_s']} s), "
        f"dispatcher à {results['outbox_chat_rate']:g} messages/s au plus",
        f"mise en file (Awareness.send_due)  {results['queued']} astuces en "
        f"{results['queue_s']:.2f} s",
        f"livraison                          première après {results['first_tip_after_s']:.2f} s, "
        f"toutes ({results['delivered']}) après {results['delivered_after_s']:.1f} s, "
        f"{results['delivery_rate_per_s']} messages/s",
        f"au plus en une seconde             {results['max_per_second_all']} messages "
        f"(dont astuces {results['max_per_second_tips']}), "
        f"{results['max_per_second_one_chat']} dans une même conversation",
        f"ordre                              "
        f"{'gardé, chacune une fois' if results['each_once_in_order'] else 'NON GARDÉ'}",
        f"réponses en direct ({live['rate_per_s']:g}/s, {live['chats']} conversations)"
        f"{'':3} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}",
    ]
    labels = {
        "baseline": "  sans astuces",
        "during_queueing": "  pendant la mise en file",
        "during_delivery": "  pendant la livraison",
        "during_batch": "  pendant le lot (les deux)",
    }
    for key, label in labels.items():
        row = live[key]
        if row.get("n"):
            lines.append(
                f"{label:55} {row['n']:>5} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
                f"{row['max_ms']:>8.1f}"
            )
        else:
            lines.append(f"{label:55} {0:>5}")
    for name, ok in verdicts(results).items():
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
    load = results["load_average_1min"]
    lines.append(f"load average (1 min) before/after: {load['before']:.2f}/{load['after']:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=None, help="opted-in staff (10000)")
    parser.add_argument("--facilities", type=int, default=None, help="facilities (200)")
    parser.add_argument(
        "--database-url",
        "--postgres",
        dest="database_url",
        default=None,
        help="PostgreSQL server, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test "
        "(a scratch database is created there, then dropped); default: a temporary SQLite file",
    )
    parser.add_argument("--live-chats", type=int, default=20, help="live conversations")
    parser.add_argument(
        "--live-rate", type=float, default=2.0, help="live messages a second, in all"
    )
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=None,
        help="live conversations alone before the tips (20 s; 5 s with --quick)",
    )
    parser.add_argument(
        "--outbox-chat-rate",
        type=float,
        default=None,
        help="the dispatcher's pace, messages a second (default: the setting's default, 25; "
        "1000: no pace of its own, only the bot's rate limiter, as before the pace existed)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test: 200 people in 10 facilities, 5 s of live conversations alone",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "results" / "bench_tips.json",
        help="where the results go (default: results/bench_tips.json)",
    )
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = 200 if args.quick else 10_000
    if args.facilities is None:
        args.facilities = 10 if args.quick else 200
    if args.baseline_seconds is None:
        args.baseline_seconds = 5.0 if args.quick else 20.0
    if args.people < 1 or args.facilities < 1 or args.live_chats < 1 or args.live_rate <= 0:
        parser.error("--people, --facilities, --live-chats and --live-rate must be positive")
    print("==> Banc d’essai des astuces de la semaine (bot, faux Telegram, lot de l’outbox)…")
    load_before = os.getloadavg()[0]
    results = asyncio.run(bench(args))
    results["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    results["verdicts"] = verdicts(results)
    print(summary(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if all(results["verdicts"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
