"""The production layout on one machine: several bot processes behind nginx, several Rasa
servers, PostgreSQL and Redis (docs/deployment.md), fed by the fake Telegram server's webhook.

:meth:`Layout.running` starts, on a fresh PostgreSQL database (dropped at the end):

- the action server and ``rasa_replicas`` Rasa servers, from the supervisor's own service
  definitions (``bot.supervisor``: ``actions_service``, ``rasa_services``): consecutive ports,
  Rasa's trackers in the database, its lock store in Redis;
- ``bots`` bot processes, ``python -m bot telegram`` (``bot_service``'s command) in webhook
  mode, each with its ``BOT_INSTANCE`` (``bot-1``…), ``WEBHOOK_PORT``, ``JOURNAL_DIR``,
  ``TELEGRAM_BASE_URL`` pointing at the fake server, ``REDIS_URL``, ``RASA_REPLICAS`` and
  ``RASA_URL`` of the first Rasa server, every other setting explicit (the developer's ``.env``
  and shell change nothing but ``TECHNICIANS_CHAT_ID``, which no variable can unset);
- the real nginx with the tests' configuration (``deploy/nginx/test.conf.in``: the production
  webhook location and upstream parameters) in front of the bot processes;

then points the fake server's webhook delivery (:attr:`FakeTelegram.webhook_delivery_url`) at
nginx: each bot process calls ``setWebhook`` with the production URL and the secret token, and
the fake server POSTs every update to nginx with that token, per chat one at a time.

Every process can be SIGKILLed, stopped (SIGTERM, as systemd does) and started again
(:meth:`Layout.kill`, :meth:`Layout.restart`); each restart is recorded (:class:`Restart`: the
old and new process, the exit code, when it was healthy again), with a marker line in the
process's log. :meth:`Layout.log_problems` lists the tracebacks and lock errors of the logs.
:class:`FaqTraffic` sends the validated FAQ questions of the chaos harness at a steady rate and
:meth:`FaqTraffic.analyse` counts what was answered once, lost, duplicated, out of order, and
the latencies. The tests (``tests/e2e/test_multiprocess.py``) and the benchmarks use it::

    async with Layout.running(work, redis_url, LayoutConfig(bots=2, rasa_replicas=2)) as layout:
        fake = layout.fake
        fake.send_text(fake.user(42), "bonjour")
        await layout.restart(layout.bots[0], how="SIGTERM")
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import os
import random
import re
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from pydantic import SecretStr
from sqlalchemy import text

from bot.supervisor import Listen, Service, actions_service, bot_service, rasa_services
from tests.auxil.chaos import HOTLINE, PROVIDER, Question, settings_env
from tests.auxil.databases import admin_postgres_url, scratch_postgres
from tests.auxil.fake_telegram import FakeTelegram, FakeUser, JSONDict, parse_telegram_html
from tests.auxil.toggle_proxy import free_port
from tests.deploy.nginx import WEBHOOK_HOST, WEBHOOK_PATH, Nginx, front_config
from vigie.conversation import texts
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, upgrade

WEBHOOK_SECRET = "layout-webhook-secret_0123456789-abcdefghij"
# Lines of the logs that show a problem: a traceback, or an error about a lock (Rasa's lock
# store in Redis, a database lock).
PROBLEM_RE = re.compile(
    r"Traceback|LockError|deadlock|could not acquire lock|lock\w* (?:error|timed? ?out)|"
    r"(?:ERROR|CRITICAL|Exception)\b.*\block|\block\b.*\b(?:ERROR|CRITICAL|Exception)\b",
    re.IGNORECASE,
)
MARKER = "=== layout: "


@dataclass(frozen=True)
class LayoutConfig:
    """What :meth:`Layout.running` starts."""

    bots: int = 2
    rasa_replicas: int = 2
    inbox_lease_seconds: float = 10.0
    """INBOX_LEASE_SECONDS: a killed process's chats are taken over after this (60 s in
    production; 10 s here so that takeovers are quick)."""
    max_connections: int = 40
    """The fake server's deliveries in flight at most (Telegram's default)."""
    bot_stop_timeout: float = 60.0
    """SIGTERM to SIGKILL for a bot process (systemd: 90 s)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Other settings of every process (``Settings`` field names)."""


@dataclass
class Restart:
    """One process stopped (SIGKILL or SIGTERM) and started again."""

    name: str
    how: str
    old_pid: int
    new_pid: int
    exit_code: int | None
    """The old process's (SIGKILL: -9; a clean stop after SIGTERM: 0)."""
    stopped_at: float
    """Wall clock: when the signal was sent."""
    healthy_at: float
    """Wall clock: when the new process answered its health check."""

    @property
    def seconds(self) -> float:
        return self.healthy_at - self.stopped_at


def consecutive_free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1 right now."""
    for _ in range(100):
        first = free_port()
        if first + count > 65535:
            continue
        with contextlib.ExitStack() as stack:
            try:
                for port in range(first, first + count):
                    probe = stack.enter_context(socket.socket())
                    probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise RuntimeError("no consecutive free ports")


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


class Layout:
    """The running layout (see the module's docstring)."""

    def __init__(
        self,
        config: LayoutConfig,
        work: Path,
        database_url: str,
        redis_url: str,
        fake: FakeTelegram,
        out: TextIO | None = None,
    ) -> None:
        self.config = config
        self.work = work
        self.logs = work / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.redis_url = redis_url
        self.fake = fake
        self.out = out
        rasa_port = consecutive_free_ports(config.rasa_replicas)
        # The pseudonyms of this run's own (Rasa's senders, its lock keys in a Redis that
        # other runs may share).
        self.secret = f"layout-{uuid.uuid4().hex}"
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(fake.token),
            telegram_base_url=fake.base_url,
            telegram_base_file_url=fake.base_file_url,
            telegram_mode="webhook",
            webhook_url=f"https://{WEBHOOK_HOST}{WEBHOOK_PATH}",
            webhook_secret_token=SecretStr(WEBHOOK_SECRET),
            webhook_listen="127.0.0.1",
            database_url=database_url,
            redis_url=SecretStr(redis_url),
            rasa_port=rasa_port,
            rasa_replicas=config.rasa_replicas,
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            actions_port=free_port(),
            inbox_lease_seconds=config.inbox_lease_seconds,
            pseudonym_secret=SecretStr(self.secret),
            provider_name=PROVIDER,
            provider_hotline=HOTLINE,
            provider_hours="24/7",  # the degraded reply: the day's wording
            **config.settings,
        )
        shared = settings_env(self.settings)
        self.actions = actions_service(self.settings, self.logs)
        self.actions.env = {**self.actions.env, **shared}
        self.rasa = rasa_services(self.settings, self.logs)
        for service in self.rasa:
            service.env = {**service.env, **shared}
        self.bots = [self._bot(n) for n in range(1, config.bots + 1)]
        self.nginx_port = free_port()
        self.nginx: Nginx | None = None
        self.http: aiohttp.ClientSession | None = None
        self.restarts: list[Restart] = []
        self.events: list[tuple[float, str]] = []
        """What the harness did, when (wall clock)."""
        self._timeline_extra: dict[str, Any] = {}
        self.degraded = parse_telegram_html(texts.fill(texts.DEGRADED, self.settings.contacts()))[
            0
        ].strip()

    def _bot(self, number: int) -> Service:
        port = free_port()
        instance = f"bot-{number}"
        journal = self.work / "journal" / instance
        journal.mkdir(parents=True, exist_ok=True)
        settings = self.settings.model_copy(
            update={"webhook_port": port, "bot_instance": instance, "journal_dir": journal}
        )
        service = bot_service(self.logs, Listen(port, "webhook Telegram", "WEBHOOK_PORT"))
        return dataclasses.replace(
            service,
            name=instance,
            label=f"Bot {number}",
            health_url=f"http://127.0.0.1:{port}/health",
            log_path=self.logs / f"{instance}.log",
            env=settings_env(settings),
            start_timeout=120.0,
        )

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls,
        work: Path,
        redis_url: str,
        config: LayoutConfig | None = None,
        *,
        fake: FakeTelegram | None = None,
        out: TextIO | None = None,
    ) -> AsyncIterator[Layout]:
        """The layout started on a fresh PostgreSQL database, stopped and dropped at the end;
        ``fake``: a fake server of the caller's (started and stopped here)."""
        fake = fake if fake is not None else FakeTelegram()
        await fake.start()
        try:
            async with scratch_postgres(admin_postgres_url(), "vigie_layout") as database_url:
                layout = cls(config or LayoutConfig(), work, database_url, redis_url, fake, out)
                try:
                    await layout.start()
                    yield layout
                finally:
                    await layout.stop()
        finally:
            await fake.stop()

    @property
    def services(self) -> list[Service]:
        return [self.actions, *self.rasa, *self.bots]

    @property
    def webhook_url(self) -> str:
        """Where Telegram's updates go: nginx."""
        return f"http://127.0.0.1:{self.nginx_port}{WEBHOOK_PATH}"

    def say(self, line: str) -> None:
        self.event(line)
        if self.out is not None:
            self.out.write(f"  … {line}\n")
            self.out.flush()

    def event(self, what: str) -> None:
        self.events.append((time.time(), what))

    async def start(self) -> None:
        """Migrate the database, start every process, wait until each is healthy, start nginx
        and deliver Telegram's updates to it once the bots have set their webhook."""
        self.http = aiohttp.ClientSession()
        await asyncio.to_thread(upgrade, self.database_url)
        self.say(
            f"{len(self.rasa)} serveurs Rasa, le serveur d’actions et {len(self.bots)} bots "
            "démarrent"
        )
        for service in self.services:
            self._mark(service, "start")
            await service.start()
        await asyncio.gather(*(s.wait_healthy(self.http, None) for s in self.services))
        nginx_dir = self.work / "nginx"
        nginx_dir.mkdir(exist_ok=True)
        config = front_config(nginx_dir, self.nginx_port, [self.port(bot) for bot in self.bots])
        text = config.read_text()
        # Debian's nginx.conf has 768 worker connections; the tests' template 64, too few for
        # Telegram's 40 connections and as many to the bots. The access log gets the time.
        text = text.replace("worker_connections 64;", "worker_connections 1024;")
        text = text.replace("log_format vigie_test '", "log_format vigie_test '$msec ")
        config.write_text(text)
        self.nginx = await Nginx(config, self.nginx_port).start()
        self.fake.webhook_delivery_url = self.webhook_url
        self.fake.webhook_max_connections = self.config.max_connections
        deadline = time.monotonic() + 30
        while not self.fake.webhook_url:
            if time.monotonic() > deadline:
                raise RuntimeError("no bot set its webhook:\n" + self.tails())
            await asyncio.sleep(0.05)
        self.say("tout est prêt")

    async def stop(self) -> None:
        """Stop the bots (SIGTERM), nginx, Rasa and the action server; write the timeline."""
        self.fake.webhook_delivery_url = ""
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                await service.stop(self.config.bot_stop_timeout if self.is_bot(service) else 10)
        if self.nginx is not None:
            await self.nginx.stop()
        if self.http is not None:
            await self.http.close()
        self.write_timeline()

    def write_timeline(self, extra: dict[str, Any] | None = None) -> Path:
        """``timeline.json`` next to the logs: the harness's events, the restarts, every
        webhook delivery attempt (and ``extra``, kept for the next writes)."""
        self._timeline_extra.update(extra or {})
        timeline = {
            "events": self.events,
            "restarts": [dataclasses.asdict(r) for r in self.restarts],
            "deliveries": self.fake.delivery_log,
            **self._timeline_extra,
        }
        path = self.logs / "timeline.json"
        path.write_text(json.dumps(timeline, ensure_ascii=False, default=str), encoding="utf-8")
        return path

    async def dump_tables(self) -> Path:
        """``tables.json`` next to the logs, to explain a failure: the inbox (no text), the
        turns (the beginning of each answer) and Rasa's user events (their message ids)."""
        engine = create_engine(self.database_url)
        queries = {
            "inbox": "SELECT id, chat_id, update_id, kind, status, attempts, last_error, "
            "degraded_sent, leased_by, lease_until, received_at, done_at FROM inbox ORDER BY id",
            "turns": "SELECT id, created_at, inbox_id, intent, substr(text_out, 1, 50) AS out "
            "FROM turns ORDER BY id",
            "rasa_user_events": "SELECT id, sender_id, timestamp, intent_name, "
            "data::json->>'message_id' AS message_id FROM events WHERE type_name = 'user' "
            "ORDER BY id",
        }
        tables: dict[str, list[dict[str, Any]]] = {}
        try:
            async with engine.connect() as connection:
                for name, query in queries.items():
                    rows = await connection.execute(text(query))
                    tables[name] = [dict(row._mapping) for row in rows]
        finally:
            await engine.dispose()
        path = self.logs / "tables.json"
        path.write_text(json.dumps(tables, ensure_ascii=False, default=str), encoding="utf-8")
        return path

    # ----------------------------------------------------------------- processes

    def is_bot(self, service: Service) -> bool:
        return any(service is bot for bot in self.bots)

    @staticmethod
    def port(service: Service) -> int:
        assert service.listen is not None
        return service.listen.port

    @staticmethod
    def pid(service: Service) -> int:
        assert service.process is not None
        return service.process.pid

    def _mark(self, service: Service, what: str) -> None:
        """A marker line in the process's log: which life of the process the lines below are."""
        service.log_path.parent.mkdir(parents=True, exist_ok=True)
        with service.log_path.open("a", encoding="utf-8") as log:
            log.write(f"{MARKER}{what} {time.strftime('%H:%M:%S')} ===\n")

    async def kill(self, service: Service) -> int | None:
        """SIGKILL the process's group, as a crash or the OOM killer would; its exit code."""
        process = service.process
        assert process is not None
        self.event(f"SIGKILL {service.name}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()
        await service.stop()  # what is left of its group, if anything
        return process.returncode

    async def terminate(self, service: Service) -> int | None:
        """SIGTERM, as ``systemctl stop`` (SIGKILL after the stop timeout); its exit code."""
        process = service.process
        assert process is not None
        self.event(f"SIGTERM {service.name}")
        timeout = self.config.bot_stop_timeout if self.is_bot(service) else 30.0
        await service.stop(timeout)
        return process.returncode

    async def start_again(self, service: Service) -> float:
        """Start a stopped process and wait until it is healthy; when it was (wall clock)."""
        assert self.http is not None
        self._mark(service, "restart")
        await service.start()
        try:
            await service.wait_healthy(self.http, None)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.tail(service)}") from None
        self.event(f"{service.name} healthy")
        return time.time()

    async def restart(self, service: Service, how: str = "SIGKILL") -> Restart:
        """Stop the process (``how``: "SIGKILL" or "SIGTERM"), start it again at once, wait
        until it is healthy; the record of it (also in :attr:`restarts`)."""
        [record] = await self.restart_together([service], how)
        return record

    async def restart_together(
        self, services: list[Service], how: str = "SIGKILL", *, telegram_settle: float = 0.0
    ) -> list[Restart]:
        """Stop ``services`` at the same moment, start them again at once, wait until each is
        healthy; their records (also in :attr:`restarts`).

        ``telegram_settle``: the stops come while Telegram (the fake server) holds the bots'
        calls, once every call it accepted has been answered and this many seconds passed.
        A bot process killed in the milliseconds after Telegram accepted one of its answers
        never learns that it was sent and sends it again after its restart: the network's
        leg of the at-least-once delivery, which no client can close (docs/architecture.md).
        Everything else may be in flight then: webhook requests, Rasa calls, leases."""
        if how not in ("SIGKILL", "SIGTERM"):
            raise ValueError(how)
        stop = self.kill if how == "SIGKILL" else self.terminate
        old = [self.pid(service) for service in services]
        held = self.fake.calls_held() if telegram_settle > 0 else contextlib.nullcontext()
        async with held:
            await asyncio.sleep(telegram_settle)
            stopped_at = time.time()
            codes = await asyncio.gather(*(stop(service) for service in services))
        healthy = await asyncio.gather(*(self.start_again(service) for service in services))
        records = [
            Restart(service.name, how, pid, self.pid(service), code, stopped_at, healthy_at)
            for service, pid, code, healthy_at in zip(services, old, codes, healthy, strict=True)
        ]
        for record in records:
            self.restarts.append(record)
            self.say(f"{record.name} redémarré ({how}, {record.seconds:.1f} s)")
        return records

    async def health(self, service: Service) -> tuple[int, Any]:
        """The process's health check: status and JSON body (None when not JSON)."""
        assert self.http is not None
        async with self.http.get(service.health_url, timeout=aiohttp.ClientTimeout(total=5)) as r:
            try:
                body = await r.json(content_type=None)
            except ValueError:
                body = None
            return r.status, body

    # ----------------------------------------------------------------- logs

    def log_files(self) -> list[Path]:
        return [s.log_path for s in self.services if s.log_path.exists()]

    def tail(self, service: Service, chars: int = 3000) -> str:
        path = service.log_path
        text = path.read_text(errors="replace")[-chars:] if path.exists() else ""
        return f"--- {path.name}\n{text}"

    def tails(self, chars: int = 2000) -> str:
        return "\n".join(self.tail(s, chars) for s in self.services)

    def log_problems(self) -> list[str]:
        """Every line of the processes' logs showing a traceback or a lock error, and nginx's
        alerts (too few worker connections…): ``file: line``."""
        found = []
        for path in self.log_files():
            for line in path.read_text(errors="replace").splitlines():
                if PROBLEM_RE.search(line):
                    found.append(f"{path.name}: {line.strip()[:300]}")
        if self.nginx is not None:  # refused connections are [error]: a process restarting
            for line in self.nginx.error_log().splitlines():
                if re.search(r"\[(?:alert|crit|emerg)\]", line):
                    found.append(f"nginx error.log: {line.strip()[:300]}")
        return found

    def log_lines(self, pattern: str, limit: int = 60) -> list[str]:
        """The processes' log lines matching ``pattern`` (at most ``limit``, the first ones):
        ``file: line``; what a failed bound shows of the bots' dealings with Rasa."""
        found = []
        for path in self.log_files():
            for line in path.read_text(errors="replace").splitlines():
                if re.search(pattern, line):
                    found.append(f"{path.name}: {line.strip()[:300]}")
        return found[:limit]

    def lives(self, service: Service) -> list[str]:
        """The process's log cut at each (re)start marker: one text per life."""
        text = service.log_path.read_text(errors="replace") if service.log_path.exists() else ""
        return [part for part in text.split(MARKER) if part.strip()]

    def nginx_access(self) -> list[JSONDict]:
        """nginx's access log: time, method, path, status, upstream addresses and statuses."""
        assert self.nginx is not None
        entries = []
        for line in self.nginx.log("access.log").splitlines():
            parts = line.split()
            if len(parts) < 6:
                continue
            entries.append(
                {
                    "at": float(parts[0]),
                    "method": parts[1],
                    "path": parts[2],
                    "status": int(parts[3]),
                    "upstream": parts[4].removeprefix("upstream="),
                    "upstream_status": parts[5].removeprefix("status="),
                }
            )
        return entries

    def took_updates(self, service: Service, after: float) -> int:
        """How many updates the bot process answered 200 to nginx after ``after`` (wall
        clock): the last upstream that nginx tried for a request is the one that answered."""
        address = f"127.0.0.1:{self.port(service)}"
        return sum(
            1
            for entry in self.nginx_access()
            if entry["at"] >= after
            and entry["status"] == 200
            and entry["upstream"].split(", ")[-1] == address
        )


# --------------------------------------------------------------------------- traffic


@dataclass(frozen=True)
class Send:
    chat: int
    question: int
    update_id: int
    at: float
    """Wall clock, when the update was made."""


@dataclass
class TrafficReport:
    """What a :class:`FaqTraffic` got: per message, its question's answer among its chat's
    replies."""

    sent: int = 0
    answered_once: int = 0
    lost: int = 0
    duplicated: int = 0
    order_violations: int = 0
    degraded_notices: int = 0
    other_texts: int = 0
    other_samples: list[str] = field(default_factory=list)
    lost_messages: list[dict[str, Any]] = field(default_factory=list)
    duplicated_messages: list[dict[str, Any]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    """Per message answered: from the update's creation to its first answer (seconds)."""
    seconds: float = 0.0
    """How long the traffic lasted."""

    @property
    def p50(self) -> float | None:
        return percentile(self.latencies, 0.50)

    @property
    def p95(self) -> float | None:
        return percentile(self.latencies, 0.95)

    @property
    def p99(self) -> float | None:
        return percentile(self.latencies, 0.99)

    @property
    def max_latency(self) -> float | None:
        return max(self.latencies) if self.latencies else None

    def summary(self) -> str:
        def seconds(value: float | None) -> str:
            return "—" if value is None else f"{value:.2f} s"

        rows = [
            ("sent", str(self.sent)),
            ("answered once", str(self.answered_once)),
            ("lost", str(self.lost)),
            ("duplicated", str(self.duplicated)),
            ("order violations", str(self.order_violations)),
            ("degraded notices", str(self.degraded_notices)),
            ("other texts", str(self.other_texts)),
            (
                "latency p50 / p95 / p99 / max",
                " / ".join(seconds(v) for v in (self.p50, self.p95, self.p99, self.max_latency)),
            ),
            ("traffic", f"{self.seconds:.0f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


class FaqTraffic:
    """Each chat sends each validated question once, in its own seeded order; the chats take
    turns at ``rate`` messages a second, until :meth:`run`'s ``stop`` is set or every chat has
    sent every question. Each question's answer being known and distinct (the chaos harness's
    warm-up, ``validated_questions``), every reply names its message."""

    def __init__(
        self,
        fake: FakeTelegram,
        questions: list[Question],
        users: list[FakeUser],
        rate: float,
        rng: random.Random,
    ) -> None:
        self.fake = fake
        self.questions = questions
        self.users = users
        self.rate = rate
        orders = {user.id: rng.sample(range(len(questions)), len(questions)) for user in users}
        self.schedule: list[tuple[FakeUser, int]] = []
        for n in range(len(questions)):
            turn = list(users)
            rng.shuffle(turn)
            self.schedule.extend((user, orders[user.id][n]) for user in turn)
        self.sends: list[Send] = []
        self.started_at = 0.0
        self.ended_at = 0.0

    @property
    def capacity_s(self) -> float:
        """How long the traffic can last before every chat has sent every question."""
        return len(self.schedule) / self.rate

    async def run(self, stop: asyncio.Event | None = None) -> None:
        period = 1.0 / self.rate
        started = time.monotonic()
        self.started_at = time.time()
        for i, (user, index) in enumerate(self.schedule):
            if stop is not None and stop.is_set():
                break
            await asyncio.sleep(max(0.0, started + i * period - time.monotonic()))
            update = self.fake.send_text(user, self.questions[index].text)
            self.sends.append(Send(user.id, index, update["update_id"], time.time()))
        self.ended_at = time.time()

    def answers(self) -> dict[int, list[tuple[int | None, JSONDict]]]:
        """Per chat of the traffic, each message received: the question it answers (None:
        another text)."""
        by_text = {q.reply: i for i, q in enumerate(self.questions)}
        chats = {user.id for user in self.users}
        result: dict[int, list[tuple[int | None, JSONDict]]] = {chat: [] for chat in chats}
        for record in self.fake.sent:
            if record["chat_id"] in result:
                text = (record.get("plain_text") or "").strip()
                result[record["chat_id"]].append((by_text.get(text), record))
        return result

    def unanswered(self) -> int:
        answered = {
            (chat, index)
            for chat, items in self.answers().items()
            for index, _ in items
            if index is not None
        }
        return sum((s.chat, s.question) not in answered for s in self.sends)

    async def drain(self, timeout: float, quiet: float) -> None:
        """Wait for every answer (at most ``timeout``), then for ``quiet`` seconds without any
        new message (a duplicate would show up meanwhile)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.unanswered():
                break
            await asyncio.sleep(0.2)
        quiet_until = time.monotonic() + quiet
        count = len(self.fake.sent)
        while time.monotonic() < quiet_until:
            await asyncio.sleep(0.2)
            if len(self.fake.sent) != count:
                count = len(self.fake.sent)
                quiet_until = time.monotonic() + quiet

    def analyse(self, degraded: str) -> TrafficReport:
        """The figures: each message answered once, never, or more than once; first answers
        of a chat in the order of their messages; the latency of each first answer."""
        report = TrafficReport(sent=len(self.sends), seconds=self.ended_at - self.started_at)
        order = {(s.chat, s.question): n for n, s in enumerate(self.sends)}
        sent_at = {(s.chat, s.question): s.at for s in self.sends}
        for chat, items in self.answers().items():
            counts: dict[int, int] = {}
            latest = -1
            for index, record in items:
                if index is None or (chat, index) not in order:
                    if (record.get("plain_text") or "").strip() == degraded:
                        report.degraded_notices += 1
                    else:
                        report.other_texts += 1
                        if len(report.other_samples) < 20:
                            report.other_samples.append((record.get("plain_text") or "")[:80])
                    continue
                counts[index] = counts.get(index, 0) + 1
                if counts[index] > 1:
                    continue
                report.latencies.append(record["time"] - sent_at[(chat, index)])
                if order[(chat, index)] < latest:
                    report.order_violations += 1
                latest = max(latest, order[(chat, index)])
            for send in self.sends:
                if send.chat != chat:
                    continue
                count = counts.get(send.question, 0)
                report.answered_once += count == 1
                if count == 0:
                    report.lost += 1
                    report.lost_messages.append(dataclasses.asdict(send))
                elif count > 1:
                    report.duplicated += 1
                    report.duplicated_messages.append({**dataclasses.asdict(send), "count": count})
        return report
