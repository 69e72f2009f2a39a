"""Rasa's tracker store on Vigie's database: DATABASE_URL → the endpoints file and Rasa's
environment; then read by Rasa itself (its endpoints reader and SQL tracker store, in the
Rasa environment), on SQLite and PostgreSQL. Rasa's Redis lock store of several Rasa
servers: REDIS_URL → its section and environment, the lock lifetime, Redis asked first."""

from __future__ import annotations

import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.rasa_config import (
    LOCK_PASSWORD_ENV,
    LOCK_PASSWORD_REFERENCE,
    LOCK_STORE_CLASS,
    PASSWORD_ENV,
    PASSWORD_REFERENCE,
    SQLITE_TIMEOUT_SECONDS,
    RedisAddress,
    TrackerStoreConfig,
    lock_lifetime,
    lock_store_config,
    redis_address,
    redis_problem,
    tracker_store_config,
)
from bot.supervisor import rasa_service
from tests.auxil.rasa_store import answer_of, rasa_store_command, run_rasa_store, user_event
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import ROOT, Settings

PASSWORD = 'p@ss w:rd/%$HOME "q" \\ é'


def config(url: str) -> TrackerStoreConfig:
    found = tracker_store_config(url)
    assert found is not None
    return found


def test_sqlite_file() -> None:
    found = config("sqlite+aiosqlite:////srv/vigie/var/vigie.db")
    assert found.section == {
        "type": "SQL",
        "dialect": "sqlite",
        "db": "/srv/vigie/var/vigie.db",
        "query": {"timeout": str(SQLITE_TIMEOUT_SECONDS)},
    }
    assert found.env == {}
    assert found.sqlite_path == Path("/srv/vigie/var/vigie.db")
    assert config("sqlite+aiosqlite:///var/vigie.db").section["db"] == "var/vigie.db"


def test_in_memory_sqlite_keeps_rasas_memory_store() -> None:
    assert tracker_store_config("sqlite+aiosqlite://") is None
    assert tracker_store_config("sqlite+aiosqlite:///:memory:") is None


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///file:vigie.db?mode=rwc&uri=true",
        "mysql+aiomysql://u:p@h/db",
        "postgresql+asyncpg://u@h/db?prepared_statement_cache_size=0",
        "postgresql+asyncpg://u@h",
        "postgresql+asyncpg://u:a%20%24%7B%20b@h/db",  # a word "${" in the password
    ],
)
def test_refused(url: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        tracker_store_config(url)


def test_postgresql() -> None:
    found = config("postgresql+asyncpg://vigie:s%40cret@db.example.org:6543/vigie?ssl=require")
    assert found.section == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.example.org",
        "port": 6543,
        "username": "vigie",
        "password": PASSWORD_REFERENCE,
        "db": "vigie",
        "query": {"connect_timeout": "10", "sslmode": "require"},
    }
    assert found.env == {PASSWORD_ENV: "s@cret"}
    assert "s@cret" not in found.yaml() and f"password: {PASSWORD_REFERENCE}\n" in found.yaml()
    bare = config("postgresql+asyncpg://127.0.0.1/vigie").section
    assert bare == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "127.0.0.1",
        "db": "vigie",
        "query": {"connect_timeout": "10"},
    }


def test_supervisor_writes_no_password(tmp_path: Path) -> None:
    url = make_url("postgresql+asyncpg://vigie@127.0.0.1:5432/vigie").set(password=PASSWORD)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url.render_as_string(hide_password=False),
    )
    service = rasa_service(settings, tmp_path / "log")
    endpoints = Path(service.argv[service.argv.index("--endpoints") + 1])
    text = endpoints.read_text(encoding="utf-8")
    assert endpoints.parent == tmp_path / "run"
    assert "p@ss" not in text and "w:rd" not in text and "tracker_store:" in text
    assert text.startswith('action_endpoint:\n  url: "http://127.0.0.1:')
    assert service.env[PASSWORD_ENV] == PASSWORD


def test_supervisor_prepares_the_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "not yet" / "vigie.db"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{path}",
    )
    service = rasa_service(settings, tmp_path / "log")
    assert PASSWORD_ENV not in service.env
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# -- read by Rasa itself ------------------------------------------------------------------


def test_rasa_reads_the_postgresql_settings(postgres_url: str, tmp_path: Path) -> None:
    """Rasa expands the password from its environment, and connects (trust authentication
    here: the password is checked in the URL Rasa built)."""
    url = make_url(postgres_url).set(password=PASSWORD, query={"ssl": "disable"})
    answer = run_rasa_store(url.render_as_string(hide_password=False), tmp_path, load=["x"])
    built = make_url(answer["url"])
    assert built.drivername == "postgresql"  # psycopg2
    assert built.password == PASSWORD
    assert (built.host, built.port, built.username, built.database) == (
        url.host,
        url.port,
        url.username,
        url.database,
    )
    assert answer["connect"]["sslmode"] == "disable"
    assert answer["connect"]["connect_timeout"] == "10"
    assert answer["loaded"] == {"x": []}


def test_rasa_waits_for_vigies_writes_on_sqlite(tmp_path: Path) -> None:
    """A write of Vigie held longer than sqlite3's default 5 s timeout does not make Rasa's
    save fail with « database is locked »: Rasa waits for it."""
    path = tmp_path / "données partagées" / "vigie.db"  # quoted, created, read back by Rasa
    url = f"sqlite+aiosqlite:///{path}"
    assert run_rasa_store(url, tmp_path)["connect"]["timeout"] == SQLITE_TIMEOUT_SECONDS
    argv, env = rasa_store_command(
        url, tmp_path, {"wait": True, "save": {"s": [user_event("a", 1.0)]}, "load": ["s"]}
    )
    rasa = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert rasa.stdout is not None and rasa.stdin is not None
    assert rasa.stdout.readline().strip() == "ready"
    vigie = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    vigie.execute("BEGIN IMMEDIATE")  # Vigie's write lock
    vigie.execute("CREATE TABLE held (x INTEGER)")
    released = threading.Timer(6.0, lambda: vigie.execute("COMMIT"))
    released.start()
    rasa.stdin.write("go\n")
    rasa.stdin.flush()
    try:
        out, err = rasa.communicate(timeout=60)
    finally:
        released.join()
        vigie.close()
    assert rasa.returncode == 0, err[-3000:]
    assert [e["text"] for e in answer_of(out)["loaded"]["s"]] == ["a"]


# -- several Rasa servers: Rasa's Redis lock store (read by Rasa itself in
# tests/rasa_addons/test_lock_store.py)


def test_redis_url() -> None:
    assert redis_address("redis://127.0.0.1") == RedisAddress("127.0.0.1", 6379, 0)
    assert redis_address("rediss://vigie:s%40cret@cache.example.org:6380/3") == RedisAddress(
        "cache.example.org", 6380, 3, "vigie", "s@cret", tls=True
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379",
        "unix:///run/redis.sock",
        "redis://127.0.0.1:6379/zero",
        "redis://127.0.0.1:6379/0?timeout=1",
        "redis:///0",
        "redis://127.0.0.1:port/0",
        "redis://:a%20%24%7B%20b@127.0.0.1/0",  # a word "${" in the password
    ],
)
def test_redis_url_refused(url: str) -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        lock_store_config(url, 5)


def test_lock_store_section() -> None:
    found = lock_store_config("rediss://vigie:s%40cret@cache.example.org:6380/3", 5)
    assert found.section == {
        "type": LOCK_STORE_CLASS,
        "url": "cache.example.org",
        "port": 6380,
        "db": 3,
        "key_prefix": "vigie",
        "socket_timeout": 3,
        "username": "vigie",
        "password": LOCK_PASSWORD_REFERENCE,
        "use_ssl": True,
    }
    assert found.env == {LOCK_PASSWORD_ENV: "s@cret", "TICKET_LOCK_LIFETIME": "5"}
    assert "s@cret" not in found.yaml()
    assert found.yaml().startswith("lock_store:\n  type: ")
    assert f"  password: {LOCK_PASSWORD_REFERENCE}\n" in found.yaml()
    assert "  use_ssl: true\n" in found.yaml()
    assert lock_store_config("redis://127.0.0.1/0", 5).env == {"TICKET_LOCK_LIFETIME": "5"}


def test_lock_lifetime_is_half_the_bots_wait() -> None:
    assert lock_lifetime(10.0) == 5
    assert lock_lifetime(9.0) == 5
    assert lock_lifetime(1.0) == 2


async def test_redis_is_asked_before_rasa_starts(redis_url: str) -> None:
    assert await redis_problem(redis_address(redis_url)) is None
    closed = redis_address(f"redis://127.0.0.1:{free_port()}/0")
    assert await redis_problem(closed) is not None
    unknown = redis_address(redis_url.rsplit("/", 1)[0] + "/100000")
    assert "SELECT" in (await redis_problem(unknown) or "")
