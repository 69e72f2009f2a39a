"""One bot process per SQLite database (vigie/db/single_process.py): a second process is
refused while the first lives, and the lock is given back by the kernel when the first dies,
even SIGKILLed; PostgreSQL and in-memory databases take no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.__main__ import main
from vigie.core.settings import ROOT, get_settings
from vigie.db.single_process import AnotherProcess, SingleProcessLock

HOLDER = """
import sys, time
from vigie.db.single_process import SingleProcessLock
SingleProcessLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(120)
"""


def hold_in_another_process(url: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_process_is_refused_until_the_first_dies(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'vigie.db'}"
    holder = hold_in_another_process(url)
    try:
        with pytest.raises(AnotherProcess) as refused:
            SingleProcessLock(url).acquire()
        assert refused.value.holder == str(holder.pid)
        message = refused.value.french()
        assert str(tmp_path / "data" / "vigie.db") in message
        assert "un seul processus du bot" in message and "PostgreSQL" in message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    # SIGKILLed: the kernel gave the lock back.
    lock = SingleProcessLock(url)
    lock.acquire()
    try:
        assert lock.path is not None
        assert lock.path.read_text().strip() == str(os.getpid())
        assert oct(lock.path.stat().st_mode & 0o777) == "0o600"
    finally:
        lock.release()
    # Released: taken again at once (a restart in the same process).
    again = SingleProcessLock(url)
    again.acquire()
    again.release()


def test_a_relative_path_is_locked_beside_its_database(tmp_path: Path) -> None:
    lock = SingleProcessLock("sqlite+aiosqlite:///var/vigie.db")
    assert lock.path == Path("var/vigie.db.bot.lock")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_no_lock_without_a_sqlite_file(url: str) -> None:
    lock = SingleProcessLock(url)
    assert lock.path is None
    lock.acquire()  # nothing to take: two processes share PostgreSQL
    lock.release()


def test_python_m_bot_telegram_refuses_a_second_process_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry point says why it does not start (exit 2), before any network call: the
    Telegram URL here leads nowhere."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}"
    holder = hold_in_another_process(url)
    get_settings.cache_clear()
    for name, value in {
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": "123456:refused-before-any-call",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
        "TELEGRAM_MODE": "polling",
        "PSEUDONYM_SECRET": "single-process-secret-0123456789abcdef",
    }.items():
        monkeypatch.setenv(name, value)
    started = time.monotonic()
    try:
        assert main(["telegram"]) == 2
    finally:
        get_settings.cache_clear()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert "Un autre processus du bot utilise déjà la base SQLite" in err
    assert f"processus {holder.pid}" in err
