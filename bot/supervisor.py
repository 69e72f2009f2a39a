"""Starts Rasa, the action server and the front end; restarts what dies; stops all cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import aiohttp

from bot.rasa_config import prepare_sqlite_file, tracker_store_config
from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_event, wait_tasks
from vigie.core.settings import ROOT, Settings
from vigie.knowledge.loader import KnowledgeBase, KnowledgeError

logger = logging.getLogger(__name__)

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MAX_RESTARTS = 5


@dataclass
class Service:
    """One child process with its health URL and its log file."""

    name: str
    label: str
    argv: list[str]
    health_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    start_timeout: float = 180.0
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    clock: Clock = field(default=SYSTEM_CLOCK, repr=False)  # start timeout, polls, stop

    async def start(self) -> None:
        """Start the process, its output going to its log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()

    async def healthy(self, session: aiohttp.ClientSession) -> bool:
        try:
            async with session.get(self.health_url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def wait_healthy(self, session: aiohttp.ClientSession, out: TextIO | None) -> None:
        """Wait until the health URL answers, showing progress every few seconds."""
        started = self.clock.monotonic()
        last_shown = 0.0
        while True:
            if await self.healthy(session):
                if out:
                    out.write(f"  ✓ {self.label} prêt ({self.clock.monotonic() - started:.0f} s)\n")
                    out.flush()
                return
            if self.process is not None and self.process.returncode is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}"
                )
            elapsed = self.clock.monotonic() - started
            if elapsed > self.start_timeout:
                raise RuntimeError(
                    f"{self.name} not healthy after {elapsed:.0f} s; see {self.log_path}"
                )
            if out and elapsed - last_shown >= 3:
                out.write(f"  … {self.label} démarre ({elapsed:.0f} s)\n")
                out.flush()
                last_shown = elapsed
            await self.clock.sleep(0.25)

    async def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL after ``timeout``."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        waiter = asyncio.ensure_future(process.wait())
        try:
            _, busy = await wait_tasks({waiter}, timeout, self.clock)
        finally:
            waiter.cancel()  # nothing when it is done
        if busy:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def write_endpoints(settings: Settings, directory: Path) -> Path:
    """Rasa's endpoints file: the action server at the configured port, and Rasa's trackers
    in Vigie's database (``bot/rasa_config.py``; the password is only referenced, by a
    variable :func:`rasa_service` gives Rasa). A SQLite file is created in WAL mode first."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"endpoints-{settings.actions_port}.yml"
    text = f'action_endpoint:\n  url: "http://127.0.0.1:{settings.actions_port}/webhook"\n'
    tracker_store = tracker_store_config(settings.database_url)
    if tracker_store is not None:
        if tracker_store.sqlite_path is not None:
            prepare_sqlite_file(ROOT / tracker_store.sqlite_path)  # Rasa runs in ROOT
        text += tracker_store.yaml()
    path.write_text(text, encoding="utf-8")
    return path


def rasa_service(settings: Settings, log_dir: Path) -> Service:
    """The Rasa server on 127.0.0.1, telemetry off, HTTP API only if configured."""
    argv = [
        str(RASA_BIN),
        "run",
        "--model",
        str(settings.models_dir),
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port),
        "--credentials",
        str(ROOT / "credentials.yml"),
        "--endpoints",
        str(write_endpoints(settings, log_dir.parent / "run")),
    ]
    if settings.rasa_enable_api:
        argv.append("--enable-api")
    env = {
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "LOG_LEVEL": "INFO",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    tracker_store = tracker_store_config(settings.database_url)
    if tracker_store is not None:
        env.update(tracker_store.env)  # the database password, referenced by the file
    return Service(
        "rasa",
        "Rasa (compréhension du français)",
        argv,
        f"http://127.0.0.1:{settings.rasa_port}/webhooks/vigie/",
        log_dir / "rasa.log",
        env,
    )


def actions_service(settings: Settings, log_dir: Path) -> Service:
    """The rasa_sdk action server on 127.0.0.1."""
    argv = [
        sys.executable,
        "-m",
        "rasa_sdk",
        "--actions",
        "actions",
        "--port",
        str(settings.actions_port),
    ]
    env = {"SANIC_HOST": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    return Service(
        "actions",
        "Serveur d’actions",
        argv,
        f"http://127.0.0.1:{settings.actions_port}/health",
        log_dir / "actions.log",
        env,
    )


def bot_service(log_dir: Path) -> Service:
    """The Telegram front end (health: its process is alive)."""
    return Service(
        "bot", "Bot Telegram", [sys.executable, "-m", "bot", "telegram"], "", log_dir / "bot.log"
    )


class Supervisor:
    """Owns the child processes of one ``make run``."""

    def __init__(
        self,
        services: list[Service],
        out: TextIO | None = sys.stdout,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.services = services
        self.out = out
        self.clock = clock  # the watch's period

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start every service, then wait for each to be healthy."""
        for service in self.services:
            await service.start()
        for service in self.services:
            if service.health_url:
                await service.wait_healthy(session, self.out)

    async def watch(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """Restart a service that dies (a bounded number of times) until ``stop`` is set."""
        while not stop.is_set():
            for service in self.services:
                process = service.process
                if process is None or process.returncode is None:
                    continue
                logger.error("%s died with code %s", service.name, process.returncode)
                if self.out:
                    self.out.write(f"\n  ! {service.label} s’est arrêté ; redémarrage…\n")
                    self.out.flush()
                if service.restarts >= MAX_RESTARTS:
                    logger.error("%s restarted too often; giving up", service.name)
                    stop.set()
                    return
                service.restarts += 1
                await service.start()
                if service.health_url:
                    with contextlib.suppress(RuntimeError):
                        await service.wait_healthy(session, self.out)
            await wait_event(stop, 1.0, self.clock)

    async def stop(self) -> None:
        """Stop every service, last started first."""
        for service in reversed(self.services):
            await service.stop()


async def run(settings: Settings) -> int:
    """``make run``: the whole of Vigie, with the terminal chat when there is no token."""
    log_dir = ROOT / "var" / "log"
    out = sys.stdout
    try:
        KnowledgeBase.load(settings.knowledge_dir)
    except KnowledgeError as exc:
        out.write(f"La base de connaissances est invalide, Vigie ne démarre pas : {exc}\n")
        return 1
    services = [rasa_service(settings, log_dir), actions_service(settings, log_dir)]
    has_token = settings.telegram_bot_token is not None and bool(
        settings.telegram_bot_token.get_secret_value()
    )
    if has_token:
        services.append(bot_service(log_dir))
    supervisor = Supervisor(services, out)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    out.write(f"Démarrage de Vigie (journaux dans {log_dir})\n")
    out.flush()
    async with aiohttp.ClientSession() as session:
        try:
            await supervisor.start(session)
            watcher = asyncio.create_task(supervisor.watch(session, stop))
            if has_token:
                out.write("Vigie écoute Telegram. Ctrl-C pour arrêter.\n")
                out.flush()
                await stop.wait()
            else:
                from bot.terminal import chat

                out.write("Aucun TELEGRAM_BOT_TOKEN : conversation locale dans ce terminal.\n\n")
                chat_task = asyncio.create_task(chat(settings))
                stop_task = asyncio.create_task(stop.wait())
                await asyncio.wait({chat_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
                stop.set()
                for task in (chat_task, stop_task):
                    if not task.done():
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
            await watcher
        except RuntimeError as exc:
            out.write(f"Vigie n’a pas pu démarrer : {exc}\n")
            return 1
        finally:
            out.write("Arrêt de Vigie…\n")
            out.flush()
            await supervisor.stop()
    return 0
