"""The real stack for end-to-end tests: Rasa and the action server on loopback (once per
session), and per test a fake Telegram Bot API server with the real Application."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from pydantic import SecretStr

from bot.supervisor import actions_service, rasa_service
from bot.telegram.app import TelegramBot
from tests.auxil.databases import (
    admin_postgres_url,
    create_database,
    drop_database,
    run_async,
)
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.smtp import SmtpSink
from tests.auxil.toggle_proxy import ToggleProxy, free_port
from vigie.core.settings import ROOT, Settings
from vigie.db.engine import upgrade

MODEL = ROOT / "models" / "vigie.tar.gz"
HOTLINE = "01 23 45 67 89"
PROVIDER = "Infogérance Test"
ONCALL = "06 44 55 66 77"
CONTACT_ENV = {"PROVIDER_NAME": PROVIDER, "PROVIDER_HOTLINE": HOTLINE, "PROVIDER_ONCALL": ONCALL}
#: The stack's on-call roster (chat ids of the night test, tests/e2e/test_incidents.py): on
#: weekdays in the day ONCALL_DAY, at any other time ONCALL_NIGHT then its backup.
ONCALL_DAY, ONCALL_NIGHT, ONCALL_BACKUP = 5601, 5602, 5603
ONCALL_ROSTER = f"lun-ven 08:00-18:00={ONCALL_DAY} | *={ONCALL_NIGHT},{ONCALL_BACKUP}"


@dataclass(frozen=True)
class Stack:
    """Where the session's Rasa and action server listen, and what they share with bots.

    The action server writes tickets to ``database_url`` (a SQLite file of the session) and
    e-mail rows for the helpdesk address ``smtp.mail_to``; bots of ticket tests use the same
    database and send e-mail to the session's real SMTP server (``smtp``).
    """

    rasa_url: str
    rasa_port: int
    actions_port: int
    database_url: str
    smtp: SmtpSink
    log_dir: Path  # rasa.log and actions.log


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} process exited; log:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not healthy after {timeout} s; log:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def started_stack(database_url: str, log_dir: Path) -> Iterator[Stack]:
    """Rasa and the action server, as the supervisor starts them, on ``database_url`` (Rasa
    keeps its trackers there too), with a real SMTP server; stopped on exit."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        rasa_port=free_port(),
        actions_port=free_port(),
        database_url=database_url,  # Rasa's trackers too (its SQL tracker store)
    )
    upgrade(database_url)
    smtp = SmtpSink()
    smtp.start()
    shared_env = {"DATABASE_URL": database_url, "ONCALL_ROSTER": ONCALL_ROSTER, **smtp.env}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for service in (actions_service(settings, log_dir), rasa_service(settings, log_dir)):
            log = service.log_path.open("wb")
            processes.append(
                subprocess.Popen(
                    service.argv,
                    cwd=ROOT,
                    env={**os.environ, **service.env, **CONTACT_ENV, **shared_env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            _wait_http(service.health_url, processes[-1], service.log_path, timeout=240)
        yield Stack(
            f"http://127.0.0.1:{settings.rasa_port}",
            settings.rasa_port,
            settings.actions_port,
            database_url,
            smtp,
            log_dir,
        )
    finally:
        smtp.stop()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The session's stack on SQLite, shared by the end-to-end tests."""
    database_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'stack.db'}"
    with started_stack(database_url, tmp_path_factory.mktemp("logs")) as started:
        yield started


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A second stack on a PostgreSQL database of its own (dropped at the end), for the tests
    that must hold on both engines; started only when a test asks for it."""
    admin_url = admin_postgres_url()
    try:
        database_url = run_async(lambda: create_database(admin_url, "vigie_e2e"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = f"PostgreSQL unreachable ({type(exc).__name__}: {exc})"
        if os.environ.get("VIGIE_SKIP_POSTGRES") == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)
    try:
        with started_stack(database_url, tmp_path_factory.mktemp("pg-logs")) as started:
            yield started
    finally:
        run_async(lambda: drop_database(admin_url, database_url))


def make_settings(
    fake: FakeTelegram, rasa_url: str, db_path: Path, **overrides: object
) -> Settings:
    """Settings of a test bot: fake Telegram, given Rasa URL, its own SQLite file."""
    values: dict[str, object] = {
        "telegram_bot_token": SecretStr(fake.token),
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "database_url": f"sqlite+aiosqlite:///{db_path}",
        "rasa_url": rasa_url,
        "pseudonym_secret": SecretStr("e2e-test-secret-0123456789abcdefghij"),
        "provider_name": PROVIDER,
        "provider_hotline": HOTLINE,
        "provider_oncall": ONCALL,
        "rasa_timeout_seconds": 8.0,
        "rasa_retries": 0,
        "retry_interval_seconds": 0.5,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


class RunningBot(TelegramBot):
    """The real Telegram front end, polling the fake server with short long-polls, started and
    stopped by the test."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, poll_timeout=1)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fresh fake Telegram Bot API server."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram, stack: Stack, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The real Application against the fake server and the session's Rasa."""
    running = RunningBot(make_settings(fake, stack.rasa_url, tmp_path / "vigie.db"))
    await running.start()
    yield running
    await running.stop()


@pytest_asyncio.fixture
async def proxy(stack: Stack) -> AsyncIterator[ToggleProxy]:
    """A proxy in front of Rasa that the test can take down and bring back."""
    toggle = ToggleProxy(stack.rasa_url)
    await toggle.up()
    yield toggle
    await toggle.close()
