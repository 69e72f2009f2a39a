"""Starts Rasa, the action server and the front end; restarts what dies; stops all cleanly,
and never leaves an orphan.

How the children never outlive the supervisor:

* Each child runs in its own session (Ctrl-C in the terminal reaches the supervisor only, which
  stops the children in order: SIGTERM to each process group, SIGKILL after 10 s) and, on
  Linux, with ``PR_SET_PDEATHSIG`` = SIGKILL: when the supervisor dies, even by SIGKILL, the
  kernel kills its children. The signal fires when the *thread* that forked the child ends, so
  services are started from the thread of the event loop (the main thread under
  ``asyncio.run``; ``python -m bot run`` does so).
* SIGINT, SIGTERM and SIGHUP (a closed terminal) stop the children. Writing to the terminal
  never prevents it: when the reader is gone (``make run | tee`` after Ctrl-C: ``tee`` dies
  first) or the terminal is closed, the output is sent to ``/dev/null`` instead of raising.
* The children (process groups) of the running supervisor are recorded in
  ``var/run/supervisor.json``; the next start stops whatever is left of them (a grandchild
  outlives ``PR_SET_PDEATHSIG``), and refuses to start while the recorded supervisor runs.

Before starting anything, each port Vigie will listen on is checked (``/proc/net/tcp`` and
``tcp6``): a leftover Vigie process of this checkout is stopped; any other holder is named
(pid and command line, from ``/proc/<pid>/fd``) with the setting to change, and Vigie exits
with code 1. A service that dies while its port was taken by someone else is not restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot.processes import (
    STOP_TIMEOUT,
    ProcessInfo,
    die_with_parent,
    group_members,
    port_in_use,
    process_info,
    stop_processes,
)
from bot.rasa_config import (
    LockStoreConfig,
    lock_lifetime,
    lock_store_config,
    prepare_sqlite_file,
    redis_problem,
    tracker_store_config,
)
from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_event, wait_tasks
from vigie.core.settings import ROOT, Settings
from vigie.core.typography import french_typography
from vigie.knowledge.loader import KnowledgeBase, KnowledgeError

logger = logging.getLogger(__name__)

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
VIGIE_MODULES = ("rasa_sdk", "bot", "console")  # ``python -m X`` run from the checkout
MAX_RESTARTS = 5
RECORD_NAME = "supervisor.json"  # under var/run: the running supervisor and its children

# What the supervisor says on the terminal: French, typography applied by ``_text``.
ALERT = "  ! "  # before what goes wrong while Vigie runs (outside the typography)
STARTING = "Démarrage de Vigie (journaux dans {log_dir})"
SERVICE_READY = "  ✓ {label} prêt ({seconds} s)"
SERVICE_STARTING = "  … {label} démarre ({seconds} s)"
SERVICE_EXITED = "{label} s’est arrêté au démarrage (code {code}) ; voir {log}"
SERVICE_NOT_READY = "{label} ne répond pas après {seconds} s ; voir {log}"
ADDRESS = "{label} : {address} (connexion : /console dans Telegram, ou vigie console-link ID)"
LISTENING = "Vigie écoute Telegram. Ctrl-C pour arrêter."
LOCAL_CHAT = "Aucun TELEGRAM_BOT_TOKEN : conversation locale dans ce terminal.\n"
STOPPING = "Arrêt de Vigie…"
KNOWLEDGE_INVALID = "La base de connaissances est invalide, Vigie ne démarre pas : {error}"
DATABASE_URL_INVALID = "DATABASE_URL ne convient pas à Rasa, Vigie ne démarre pas : {error}"
REDIS_URL_INVALID = "REDIS_URL ne convient pas à Rasa, Vigie ne démarre pas : {error}"
REDIS_UNREACHABLE = (
    "Redis ne répond pas comme il faut à REDIS_URL ({error}) : Rasa ne pourrait pas verrouiller "
    "les conversations. Vigie ne démarre pas."
)
REPLICAS_NEED_POSTGRES = (
    "RASA_REPLICAS={replicas} : plusieurs serveurs Rasa doivent partager les conversations, "
    "ce que SQLite ne permet pas (avec SQLite, un seul serveur Rasa). Mettez RASA_REPLICAS=1, "
    "ou DATABASE_URL sur PostgreSQL. Vigie ne démarre pas."
)
REPLICAS_NEED_REDIS = (
    "RASA_REPLICAS={replicas} : plusieurs serveurs Rasa verrouillent les conversations dans "
    "Redis. Indiquez REDIS_URL (redis://127.0.0.1:6379/0), ou mettez RASA_REPLICAS=1. "
    "Vigie ne démarre pas."
)
REPLICAS_PORTS = (
    "RASA_REPLICAS={replicas} : les serveurs Rasa écoutent sur les ports {first} à {last}, "
    "y compris le port {port} ({setting}). Changez RASA_PORT ou {setting}. Vigie ne démarre pas."
)
START_FAILED = "Vigie n’a pas pu démarrer : {error}"
SERVICE_DIED = "{label} s’est arrêté ; redémarrage…"
GAVE_UP = "{label} s’est arrêté {count} fois : Vigie s’arrête. Voyez ce qui ne va pas dans {log}."
HOLDER = "le processus {pid} ({command})"
HOLDER_UNKNOWN = (
    "un processus qui n’a pas pu être identifié (sans doute celui d’un autre utilisateur)"
)
PORT_TAKEN = (
    "Le port {port} ({what}) est déjà pris par {holder}. "
    "Arrêtez-le, ou choisissez un autre port avec {setting} dans .env."
)
PORT_TAKEN_UNKNOWN = (
    "Le port {port} ({what}) est déjà pris par {holder}. "
    "Libérez ce port, ou choisissez-en un autre avec {setting} dans .env."
)
PORT_TAKEN_AFTER_DEATH = (
    "{label} s’est arrêté et son port {port} est maintenant pris par {holder} : "
    "Vigie s’arrête. Libérez ce port, ou choisissez-en un autre avec {setting} dans .env."
)
LEFTOVER_STOPPED = (
    "Processus {pid} ({command}) laissé par un lancement précédent de Vigie : arrêté."
)
ALREADY_RUNNING = (
    "Vigie tourne déjà dans ce dossier (processus {pid} : {command}). "
    "Arrêtez-le d’abord (Ctrl-C dans son terminal), puis relancez."
)


def _text(template: str, **values: object) -> str:
    """A template above with French typography, then filled (values left as they are)."""
    return french_typography(template).format(**values)


def say(out: TextIO | None, text: str) -> None:
    """Write a line and flush it; never raise.

    A reader gone (``make run | tee`` after Ctrl-C) or a closed terminal makes the write fail:
    the stream's descriptor (and stderr, when it is the same file) is then pointed at
    ``/dev/null``, so that neither later writes nor the flush at exit raise or print a
    traceback.
    """
    if out is None:
        return
    try:
        out.write(text + "\n")
        out.flush()
    except (OSError, ValueError):
        silence(out)


def silence(out: TextIO) -> None:
    """Point ``out``'s descriptor, and stderr's when it is the same file, at ``/dev/null``."""
    try:
        fd = out.fileno()
    except (OSError, ValueError):
        return  # no descriptor (a test's capture): nothing to redirect
    targets = {fd}
    with contextlib.suppress(OSError):
        mine, err = os.fstat(fd), os.fstat(2)
        if (mine.st_dev, mine.st_ino) == (err.st_dev, err.st_ino):
            targets.add(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for target in targets:
            os.dup2(devnull, target)
    finally:
        os.close(devnull)
    logger.info("output closed by its reader; going on silently")


# --- Services ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Listen:
    """A port a service listens on, named for the user with the setting that changes it."""

    port: int
    what: str  # « Rasa », « serveur d’actions »…
    setting: str  # RASA_PORT…
    host: str = "127.0.0.1"


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
    listen: Listen | None = None
    started_at: int | None = None  # the process's start time in /proc (identifies it)
    address: str | None = None  # shown once everything is ready (the console's)

    async def start(self) -> None:
        """Start the process, its output going to its log file.

        The child gets SIGKILL when the thread calling this ends (``PR_SET_PDEATHSIG``): call
        it from the thread that lives as long as the service should, the main one normally.
        """
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
                preexec_fn=die_with_parent(),
            )
        finally:
            log.close()
        info = process_info(self.process.pid)
        self.started_at = info.start if info else None

    async def healthy(self, session: aiohttp.ClientSession) -> bool:
        try:
            async with session.get(self.health_url, timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def wait_healthy(
        self,
        session: aiohttp.ClientSession,
        out: TextIO | None,
        until: asyncio.Event | None = None,
    ) -> bool:
        """Wait until the health URL answers, showing progress every few seconds.

        Returns False if ``until`` is set first; raises RuntimeError (a French message) when
        the process exits or is not healthy after ``start_timeout``.
        """
        started = self.clock.monotonic()
        last_shown = 0.0
        while True:
            if until is not None and until.is_set():
                return False
            if await self.healthy(session):
                seconds = f"{self.clock.monotonic() - started:.0f}"
                say(out, _text(SERVICE_READY, label=self.label, seconds=seconds))
                return True
            if self.process is not None and self.process.returncode is not None:
                code = self.process.returncode
                raise RuntimeError(
                    _text(SERVICE_EXITED, label=self.label, code=code, log=self.log_path)
                )
            elapsed = self.clock.monotonic() - started
            if elapsed > self.start_timeout:
                raise RuntimeError(
                    _text(
                        SERVICE_NOT_READY,
                        label=self.label,
                        seconds=f"{elapsed:.0f}",
                        log=self.log_path,
                    )
                )
            if out and elapsed - last_shown >= 3:
                say(out, _text(SERVICE_STARTING, label=self.label, seconds=f"{elapsed:.0f}"))
                last_shown = elapsed
            await self.clock.sleep(0.25)

    async def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the process group, then SIGKILL after ``timeout``.

        When the process itself has already exited, what is left of its group (a grandchild)
        is stopped the same way.
        """
        process = self.process
        if process is None:
            return
        if process.returncode is not None:
            await stop_processes(group_members(process.pid, self.started_at), timeout, self.clock)
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
        # The leader is gone; members that ignored SIGTERM got SIGKILL above, or are stopped now.
        await stop_processes(group_members(process.pid, self.started_at), timeout, self.clock)


def write_endpoints(settings: Settings, directory: Path) -> Path:
    """Rasa's endpoints file: the action server at the configured port, Rasa's trackers in
    Vigie's database and, with ``REDIS_URL``, Rasa's lock store in Redis
    (``bot/rasa_config.py``; the passwords are only referenced, by variables
    :func:`rasa_service` gives Rasa). A SQLite file is created in WAL mode first. Every
    replica reads the same file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"endpoints-{settings.actions_port}.yml"
    text = f'action_endpoint:\n  url: "http://127.0.0.1:{settings.actions_port}/webhook"\n'
    tracker_store = tracker_store_config(settings.database_url)
    if tracker_store is not None:
        if tracker_store.sqlite_path is not None:
            prepare_sqlite_file(ROOT / tracker_store.sqlite_path)  # Rasa runs in ROOT
        text += tracker_store.yaml()
    lock_store = rasa_lock_store(settings)
    if lock_store is not None:
        text += lock_store.yaml()
    path.write_text(text, encoding="utf-8")
    return path


def rasa_lock_store(settings: Settings) -> LockStoreConfig | None:
    """Rasa's Redis lock store when ``REDIS_URL`` is set (else Rasa's in-memory one, for one
    server); ``ValueError`` for a URL Rasa cannot take."""
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else ""
    if not redis_url:
        return None
    return lock_store_config(redis_url, lock_lifetime(settings.rasa_timeout_seconds))


def replicas_problem(settings: Settings) -> str | None:
    """Why the ``RASA_REPLICAS`` servers cannot run as configured (None when they can), in
    French for the terminal: several servers need PostgreSQL and Redis, and ports of their
    own; a ``REDIS_URL`` must be one Rasa can take."""
    replicas = settings.rasa_replicas
    try:
        lock_store = rasa_lock_store(settings)
    except ValueError as exc:
        return _text(REDIS_URL_INVALID, error=exc)
    if replicas == 1:
        return None
    try:
        tracker_store = tracker_store_config(settings.database_url)
    except ValueError as exc:
        return _text(DATABASE_URL_INVALID, error=exc)
    if tracker_store is None or tracker_store.sqlite_path is not None:
        return _text(REPLICAS_NEED_POSTGRES, replicas=replicas)
    if lock_store is None:
        return _text(REPLICAS_NEED_REDIS, replicas=replicas)
    first, last = settings.rasa_port, settings.rasa_port + replicas - 1
    others = {"ACTIONS_PORT": settings.actions_port, "CONSOLE_PORT": settings.console_port}
    if settings.telegram_mode == "webhook":
        others["WEBHOOK_PORT"] = settings.webhook_port
    for setting, port in others.items():
        if first < port <= last:  # RASA_PORT itself taken twice: the port check says so
            return _text(
                REPLICAS_PORTS,
                replicas=replicas,
                first=first,
                last=last,
                port=port,
                setting=setting,
            )
    return None


def rasa_service(settings: Settings, log_dir: Path, replica: int = 0) -> Service:
    """The Rasa server on 127.0.0.1, telemetry off, HTTP API only if configured: with
    ``RASA_REPLICAS`` above 1, the ``replica``-th (from 0) of them, on ``RASA_PORT`` +
    ``replica``, named ``rasa-<n>`` (its log ``rasa-<n>.log``)."""
    port = settings.rasa_port + replica
    argv = [
        str(RASA_BIN),
        "run",
        "--model",
        str(settings.models_dir),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--credentials",
        str(ROOT / "credentials.yml"),
        "--endpoints",
        str(write_endpoints(settings, log_dir.parent / "run")),
    ]
    if settings.rasa_enable_api:
        problem = settings.api_problem()
        if problem is not None or settings.rasa_api_token is None:
            raise ValueError(problem)
        argv += ["--enable-api", "--auth-token", settings.rasa_api_token.get_secret_value()]
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
    lock_store = rasa_lock_store(settings)
    if lock_store is not None:
        env.update(lock_store.env)  # the Redis password, the lock lifetime
    name, label = "rasa", "Rasa (compréhension du français)"
    if settings.rasa_replicas > 1:
        number = f"{replica + 1}/{settings.rasa_replicas}"
        name, label = f"rasa-{replica + 1}", f"Rasa {number} (compréhension du français)"
    return Service(
        name,
        label,
        argv,
        f"http://127.0.0.1:{port}/webhooks/vigie/",
        log_dir / f"{name}.log",
        env,
    )


def rasa_services(settings: Settings, log_dir: Path) -> list[Service]:
    """The ``RASA_REPLICAS`` Rasa servers, on consecutive ports from ``RASA_PORT``, each
    with its port checked before the start and watched like any service."""
    services = []
    for replica in range(settings.rasa_replicas):
        service = rasa_service(settings, log_dir, replica)
        what = "Rasa" if settings.rasa_replicas == 1 else service.label.split(" (")[0]
        listen = Listen(settings.rasa_port + replica, what, "RASA_PORT")
        services.append(dataclasses.replace(service, listen=listen))
    return services


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
        listen=Listen(settings.actions_port, "serveur d’actions", "ACTIONS_PORT"),
    )


def bot_service(log_dir: Path, listen: Listen | None = None) -> Service:
    """The Telegram front end (health: its process is alive); ``listen``: its webhook."""
    return Service(
        "bot",
        "Bot Telegram",
        [sys.executable, "-m", "bot", "telegram"],
        "",
        log_dir / "bot.log",
        listen=listen,
    )


def console_service(settings: Settings, log_dir: Path) -> Service:
    """The follow-up console (aiohttp, 127.0.0.1:CONSOLE_PORT)."""
    return Service(
        "console",
        "Console de suivi",
        [sys.executable, "-m", "console"],
        f"http://127.0.0.1:{settings.console_port}/health",
        log_dir / "console.log",
        start_timeout=60.0,
        listen=Listen(settings.console_port, "console de suivi", "CONSOLE_PORT"),
        address=settings.console_url(),
    )


def vigie_services(settings: Settings, log_dir: Path) -> list[Service]:
    """What ``make run`` starts: Rasa (``RASA_REPLICAS`` servers), the actions, the console,
    and the bot when there is a token."""
    services = [
        *rasa_services(settings, log_dir),
        actions_service(settings, log_dir),
        console_service(settings, log_dir),
    ]
    if has_token(settings):
        webhook = None
        if settings.telegram_mode == "webhook":
            webhook = Listen(
                settings.webhook_port, "webhook Telegram", "WEBHOOK_PORT", settings.webhook_listen
            )
        services.append(bot_service(log_dir, webhook))
    return services


def has_token(settings: Settings) -> bool:
    """Whether a Telegram token is configured (else ``make run`` chats in the terminal)."""
    token = settings.telegram_bot_token
    return token is not None and bool(token.get_secret_value())


def _is_vigie_command(info: ProcessInfo, root: Path) -> bool:
    """This checkout's ``rasa run``, or ``python -m rasa_sdk`` / ``bot`` / ``console`` run
    from it."""
    argv, in_root = info.argv, info.cwd is not None and info.cwd == root.resolve()
    rasa_bins = {
        root / ".venv-rasa" / "bin" / "rasa",
        (root / ".venv-rasa" / "bin" / "rasa").resolve(),
    }
    for index, word in enumerate(argv):
        is_rasa = Path(word).name == "rasa" and "run" in argv[index + 1 :]
        if is_rasa and (Path(word) in rasa_bins or (in_root and not Path(word).is_absolute())):
            return True
        if word == "-m" and index + 1 < len(argv) and argv[index + 1] in VIGIE_MODULES:
            return in_root
    return False


def _is_supervisor_command(info: ProcessInfo, root: Path) -> bool:
    argv = info.argv
    runs = any(argv[i : i + 3] == ("-m", "bot", "run") for i in range(len(argv)))
    return runs and info.cwd is not None and info.cwd == root.resolve()


@dataclass(frozen=True)
class _Record:
    """``var/run/supervisor.json``: the supervisor and its children, as (pid, start time)."""

    supervisor: tuple[int, int]
    children: dict[str, tuple[int, int]]

    @classmethod
    def read(cls, path: Path) -> _Record | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                (int(data["supervisor"][0]), int(data["supervisor"][1])),
                {name: (int(pid), int(start)) for name, (pid, start) in data["children"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        data = {"supervisor": self.supervisor, "children": self.children}
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(path)


def _alive(pid: int, start: int) -> ProcessInfo | None:
    info = process_info(pid)
    return info if info is not None and info.start == start else None


class Supervisor:
    """Owns the child processes of one ``make run``."""

    def __init__(
        self,
        services: list[Service],
        out: TextIO | None = sys.stdout,
        *,
        clock: Clock = SYSTEM_CLOCK,
        run_dir: Path | None = None,
        root: Path = ROOT,
    ) -> None:
        self.services = services
        self.out = out
        self.clock = clock  # the watch's period
        self.root = root  # the checkout: its processes are Vigie's
        self.record_path = run_dir / RECORD_NAME if run_dir is not None else None
        self.exit_code = 0  # 1 once the watch gave up
        self._previous_groups: set[int] = set()  # process groups of the last run's children
        self._stop_announced = False

    # -- before starting: leftovers and ports

    async def prepare(self) -> bool:
        """Stop what a previous run left and check every port; False when Vigie cannot start.

        Nothing is started here; every reason not to start is shown.
        """
        if self.record_path is not None:
            record = _Record.read(self.record_path)
            if record is not None:
                owner = _alive(*record.supervisor)
                if owner is not None and owner.pid != os.getpid():
                    say(self.out, _text(ALREADY_RUNNING, pid=owner.pid, command=owner.command))
                    return False
                for pid, start in record.children.values():
                    self._previous_groups.add(pid)
                    await self._stop_leftovers(group_members(pid, start))
            self.record_path.unlink(missing_ok=True)
        problems = []
        for service in self.services:
            problem = await self._free_port(service)
            if problem:
                problems.append(problem)
        for problem in problems:
            say(self.out, problem)
        return not problems

    async def _stop_leftovers(self, leftovers: list[ProcessInfo]) -> None:
        for info in leftovers:
            logger.info("stopping leftover process %s (%s)", info.pid, info.command)
            say(self.out, _text(LEFTOVER_STOPPED, pid=info.pid, command=info.command))
        await stop_processes(leftovers, STOP_TIMEOUT, self.clock)

    def _ours(self, info: ProcessInfo) -> bool:
        """A process of this supervisor's children's groups (a grandchild left by a death)."""
        groups = {s.process.pid for s in self.services if s.process is not None}
        return info.pgrp in groups

    def _leftover(self, info: ProcessInfo) -> bool | ProcessInfo:
        """True for a leftover Vigie process of this checkout; its running supervisor when
        Vigie is running here; False for anybody else's process."""
        if self._ours(info):
            return True
        if not (info.pgrp in self._previous_groups or _is_vigie_command(info, self.root)):
            return False
        parent = process_info(info.ppid)
        root = self.root.resolve()
        if parent is None or parent.pid == 1 or parent.cwd != root:
            return True  # orphaned: its supervisor is gone
        if _is_supervisor_command(parent, self.root):
            return parent
        return False  # a process of this checkout (a test, a script) runs it: not ours to stop

    async def _free_port(self, service: Service, *, after_death: bool = False) -> str | None:
        """Make ``service``'s port free of leftovers; the message to show when it cannot."""
        listen = service.listen
        if listen is None:
            return None
        use = port_in_use(listen.port, listen.host)
        if use is None:
            return None
        verdicts = [(info, self._leftover(info)) for info in use.holders]
        for info, verdict in verdicts:
            if isinstance(verdict, ProcessInfo):
                return _text(ALREADY_RUNNING, pid=verdict.pid, command=verdict.command)
            if verdict is False:
                return self._port_taken(service, listen, info, after_death)
        if verdicts:
            await self._stop_leftovers([info for info, _ in verdicts])
            deadline = self.clock.monotonic() + STOP_TIMEOUT
            while (use := port_in_use(listen.port, listen.host)) is not None:
                if self.clock.monotonic() > deadline:
                    break
                await self.clock.sleep(0.05)
            if use is None:
                return None
        holder = use.holders[0] if use.holders else None
        return self._port_taken(service, listen, holder, after_death)

    @staticmethod
    def _port_taken(
        service: Service, listen: Listen, holder: ProcessInfo | None, after_death: bool
    ) -> str:
        """What to say when ``service``'s port is taken by ``holder`` (None: unknown)."""
        logger.info("port %s of %s is taken", listen.port, service.name)
        if holder is None:
            named = _text(HOLDER_UNKNOWN)
        else:
            named = _text(HOLDER, pid=holder.pid, command=holder.command)
        if after_death:
            template = PORT_TAKEN_AFTER_DEATH
        else:
            template = PORT_TAKEN if holder is not None else PORT_TAKEN_UNKNOWN
        return _text(
            template,
            port=listen.port,
            what=listen.what,
            label=service.label,
            holder=named,
            setting=listen.setting,
        )

    def _save_record(self) -> None:
        if self.record_path is None:
            return
        me = process_info(os.getpid())
        children = {
            s.name: (s.process.pid, s.started_at)
            for s in self.services
            if s.process is not None and s.started_at is not None
        }
        _Record((os.getpid(), me.start if me else 0), children).write(self.record_path)

    # -- running

    async def start(
        self, session: aiohttp.ClientSession, until: asyncio.Event | None = None
    ) -> None:
        """Start every service, then wait for each to be healthy (or for ``until``)."""
        self._save_record()  # a second supervisor refuses to start from now on
        for service in self.services:
            if until is not None and until.is_set():
                return
            await service.start()
            self._save_record()
        for service in self.services:
            if service.health_url and not await service.wait_healthy(session, self.out, until):
                return

    async def watch(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """Restart a service that dies (a bounded number of times) until ``stop`` is set.

        A service whose port was taken meanwhile by another process is not restarted: the
        holder is named and everything stops (``exit_code`` 1), as when a service dies too
        often.
        """
        while not stop.is_set():
            for service in self.services:
                process = service.process
                if process is None or process.returncode is None:
                    continue
                logger.error("%s died with code %s", service.name, process.returncode)
                await service.stop()  # what is left of its process group
                problem = await self._free_port(service, after_death=True)
                if problem is None and service.restarts >= MAX_RESTARTS:
                    logger.error("%s restarted too often; giving up", service.name)
                    problem = _text(
                        GAVE_UP,
                        label=service.label,
                        count=service.restarts + 1,
                        log=service.log_path,
                    )
                if problem is not None:
                    say(self.out, ALERT + problem)
                    self.exit_code = 1
                    stop.set()
                    return
                say(self.out, "\n" + ALERT + _text(SERVICE_DIED, label=service.label))
                service.restarts += 1
                await service.start()
                self._save_record()
                if service.health_url:
                    with contextlib.suppress(RuntimeError):
                        await service.wait_healthy(session, self.out, stop)
            await wait_event(stop, 1.0, self.clock)

    def announce_stop(self) -> None:
        """Say « Arrêt de Vigie… », once."""
        if not self._stop_announced:
            self._stop_announced = True
            say(self.out, _text(STOPPING))

    async def stop(self) -> None:
        """Stop every service, last started first, then forget the record."""
        for service in reversed(self.services):
            await service.stop()
        if self.record_path is not None:
            self.record_path.unlink(missing_ok=True)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


async def supervise(
    services: list[Service],
    *,
    log_dir: Path,
    run_dir: Path,
    out: TextIO | None = sys.stdout,
    chat: Callable[[], Coroutine[Any, Any, None]] | None = None,
    root: Path = ROOT,
    clock: Clock = SYSTEM_CLOCK,
) -> int:
    """Check the ports, start ``services``, watch them until a stop signal (or the end of
    ``chat``, the terminal conversation, when given), then stop them all. The exit code.

    SIGINT, SIGTERM and SIGHUP stop; the services are stopped whatever happens here.
    """
    supervisor = Supervisor(services, out, clock=clock, run_dir=run_dir, root=root)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        if not await supervisor.prepare():
            return 1
        if stop.is_set():
            return 0
        say(out, _text(STARTING, log_dir=log_dir))
        async with aiohttp.ClientSession() as session:
            try:
                await supervisor.start(session, stop)
                if not stop.is_set():
                    await _serve(supervisor, session, stop, out, chat)
            except RuntimeError as exc:
                say(out, _text(START_FAILED, error=exc))
                return 1
            finally:
                supervisor.announce_stop()
                await supervisor.stop()
        return supervisor.exit_code
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _serve(
    supervisor: Supervisor,
    session: aiohttp.ClientSession,
    stop: asyncio.Event,
    out: TextIO | None,
    chat: Callable[[], Coroutine[Any, Any, None]] | None,
) -> None:
    """Watch the services until ``stop``, or until the chat ends when there is one."""
    watcher = asyncio.create_task(supervisor.watch(session, stop))
    for service in supervisor.services:
        if service.address:
            say(out, _text(ADDRESS, label=service.label, address=service.address))
    if chat is None:
        say(out, _text(LISTENING))
        await stop.wait()
    else:
        say(out, _text(LOCAL_CHAT))
        chat_task = asyncio.create_task(chat())
        stop_task = asyncio.create_task(stop.wait())
        await asyncio.wait({chat_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        if not chat_task.done():
            supervisor.announce_stop()  # before the chat's last words: silences a broken pipe
        for task in (chat_task, stop_task):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})
        if not chat_task.cancelled() and (error := chat_task.exception()) is not None:
            if isinstance(error, OSError) and out is not None:
                silence(out)  # the terminal is gone
            else:
                logger.error("terminal chat failed", exc_info=error)
                supervisor.exit_code = 1
    await watcher


async def run(settings: Settings) -> int:
    """``make run``: the whole of Vigie, with the terminal chat when there is no token."""
    log_dir = ROOT / "var" / "log"
    out = sys.stdout
    try:
        KnowledgeBase.load(settings.knowledge_dir)
    except KnowledgeError as exc:
        say(out, _text(KNOWLEDGE_INVALID, error=exc))
        return 1
    problem = replicas_problem(settings)
    if problem is not None:
        say(out, problem)
        return 1
    lock_store = rasa_lock_store(settings)
    if lock_store is not None and (error := await redis_problem(lock_store.address)):
        say(out, _text(REDIS_UNREACHABLE, error=error))
        return 1
    chat: Callable[[], Coroutine[Any, Any, None]] | None = None
    if not has_token(settings):
        from bot.terminal import chat as terminal_chat

        chat = functools.partial(terminal_chat, settings)
    try:
        services = vigie_services(settings, log_dir)
    except ValueError as exc:  # a DATABASE_URL Rasa's tracker store cannot take
        say(out, _text(DATABASE_URL_INVALID, error=exc))
        return 1
    return await supervise(
        services,
        log_dir=log_dir,
        run_dir=ROOT / "var" / "run",
        out=out,
        chat=chat,
    )
