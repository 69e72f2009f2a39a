"""Rasa's tracker store on Vigie's database: the ``tracker_store`` section of the endpoints
file the supervisor writes for Rasa, derived from ``DATABASE_URL``.

Rasa 3.6 then keeps every conversation (the events of each sender's tracker) in the table
``events`` of Vigie's own database (``rasa.core.tracker_store.SQLTrackerStore``: SQLAlchemy 1.4
with the sqlite3 or psycopg2 driver, in Rasa's environment), so a restart of Rasa forgets
nothing. See docs/database.md.

The password of a PostgreSQL URL is never written: the file says
``password: ${VIGIE_TRACKER_DB_PASSWORD}``, which Rasa expands from its environment when it
reads the file, and :attr:`TrackerStoreConfig.env` holds that variable for Rasa's process.

Several Rasa servers (``RASA_REPLICAS``) share that tracker store and Rasa's Redis lock
store (``lock_store`` section, from ``REDIS_URL``, :func:`lock_store_config`; its password
the same way, by ``${VIGIE_LOCK_STORE_PASSWORD}``; the class is Rasa's ``RedisLockStore``
with a fixed waiter, ``rasa_addons/lock_store.py``), so that a conversation may move from
one server to another. See docs/architecture.md « Several Rasa servers ».
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import sqlite3
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from sqlalchemy.engine import URL, make_url

from vigie.db.engine import SQLITE_BUSY_TIMEOUT_MS, ensure_sqlite_directory

PASSWORD_ENV = "VIGIE_TRACKER_DB_PASSWORD"
PASSWORD_REFERENCE = "${" + PASSWORD_ENV + "}"
# How long Rasa's sqlite3 connections wait for another writer (the bot, the action server,
# the retention purge) before failing with « database is locked »; Python's default is 5 s.
SQLITE_TIMEOUT_SECONDS = 30
# Rasa's psycopg2 connections give up connecting after this long (libpq waits forever).
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
# Options of a PostgreSQL DATABASE_URL that Rasa's libpq connection takes too, by their libpq
# name (asyncpg's ``ssl`` is libpq's ``sslmode``). Any other option is refused.
POSTGRES_OPTIONS = {
    "ssl": "sslmode",
    "sslmode": "sslmode",
    "sslrootcert": "sslrootcert",
    "sslcert": "sslcert",
    "sslkey": "sslkey",
    "application_name": "application_name",
    "connect_timeout": "connect_timeout",
}

Scalar = str | int
Value = Scalar | Mapping[str, Scalar]


@dataclass(frozen=True)
class TrackerStoreConfig:
    """The ``tracker_store`` section of Rasa's endpoints file, and the environment Rasa needs
    to read it (the database password, when there is one)."""

    section: dict[str, Value]
    env: dict[str, str] = field(default_factory=dict)
    sqlite_path: Path | None = None

    def yaml(self) -> str:
        """The section as YAML for Rasa's endpoints file: every value quoted (nothing in it is
        expanded) but the password's reference, which Rasa expands in plain scalars only."""
        return _yaml_section("tracker_store", self.section)


def _yaml_section(name: str, section: Mapping[str, Value]) -> str:
    """A section of Rasa's endpoints file: every value quoted but ``password``, the reference
    to an environment variable that Rasa expands in plain scalars only."""
    lines = [f"{name}:"]
    for key, value in section.items():
        if isinstance(value, Mapping):
            lines.append(f"  {key}:")
            lines.extend(f"    {k}: {json.dumps(v)}" for k, v in value.items())
        elif key == "password":
            lines.append(f"  {key}: {value}")  # a reference: PASSWORD_REFERENCE…
        else:
            lines.append(f"  {key}: {json.dumps(value)}")  # YAML 1.2 double-quoted or int
    return "\n".join(lines) + "\n"


def _check_referable(password: str, reference: str, setting: str) -> None:
    """Rasa refuses a value holding a word made of a "$" and a piece of the reference (it
    takes it for a variable it could not expand)."""
    if any(w.startswith("$") and w in reference for w in password.split()):
        raise ValueError(f"{setting}: Rasa cannot take a password with a word like '${{'")


def tracker_store_config(database_url: str) -> TrackerStoreConfig | None:
    """Rasa's SQL tracker store on the database of ``database_url`` (Vigie's URL, async driver).

    ``sqlite+aiosqlite:///path`` → dialect ``sqlite``, ``db`` the same file (a relative path
    stays relative: Rasa runs in the same folder as the bot), with a 30 s lock timeout.
    ``postgresql+asyncpg://user:pw@host:port/db`` → dialect ``postgresql`` (psycopg2), host,
    port, username, ``db``, the password by reference. An in-memory SQLite database gives
    None: Rasa keeps its trackers in memory, as Vigie keeps its data. Raises ``ValueError``
    for another database or an option Rasa's driver would not understand.
    """
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite(url)
    if backend == "postgresql":
        return _postgresql(url)
    raise ValueError(f"DATABASE_URL: Rasa's trackers need SQLite or PostgreSQL, not {backend}")


def _sqlite(url: URL) -> TrackerStoreConfig | None:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:") or url.query:
        raise ValueError("DATABASE_URL: use a plain SQLite file path (sqlite+aiosqlite:///path)")
    return TrackerStoreConfig(
        {
            "type": "SQL",
            "dialect": "sqlite",
            "db": database,
            "query": {"timeout": str(SQLITE_TIMEOUT_SECONDS)},
        },
        sqlite_path=Path(database),
    )


def _postgresql(url: URL) -> TrackerStoreConfig:
    if not url.database:
        raise ValueError("DATABASE_URL: name the PostgreSQL database")
    query: dict[str, Scalar] = {"connect_timeout": str(POSTGRES_CONNECT_TIMEOUT_SECONDS)}
    for key, value in url.query.items():
        if key not in POSTGRES_OPTIONS or not isinstance(value, str):
            raise ValueError(f"DATABASE_URL: option {key!r} is not supported for Rasa's trackers")
        query[POSTGRES_OPTIONS[key]] = value
    section: dict[str, Value] = {"type": "SQL", "dialect": "postgresql"}
    if url.host:
        section["url"] = url.host  # Rasa's name for the host
    if url.port:
        section["port"] = url.port
    if url.username:
        section["username"] = url.username
    env: dict[str, str] = {}
    if url.password:
        password = str(url.password)
        _check_referable(password, PASSWORD_REFERENCE, "DATABASE_URL")
        section["password"] = PASSWORD_REFERENCE
        env[PASSWORD_ENV] = password
    section["db"] = url.database
    section["query"] = query
    return TrackerStoreConfig(section, env)


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder and the file of the SQLite database and turn WAL journaling on (a
    lasting property of the file), so that Rasa's first connection, which may come before
    Vigie's, already lets readers and one writer work at once."""
    ensure_sqlite_directory(f"sqlite:///{path}")
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


# --- Several Rasa servers: Rasa's Redis lock store ---------------------------------------

#: Rasa's RedisLockStore, with a waiter that cannot wait forever (rasa_addons/lock_store.py).
LOCK_STORE_CLASS = "rasa_addons.lock_store.VigieRedisLockStore"
LOCK_PASSWORD_ENV = "VIGIE_LOCK_STORE_PASSWORD"
LOCK_PASSWORD_REFERENCE = "${" + LOCK_PASSWORD_ENV + "}"
#: Rasa's keys are ``vigie:lock:<sender>`` (a Redis shared with other programs stays tidy).
LOCK_KEY_PREFIX = "vigie"
#: Rasa's lock store calls Redis synchronously (its whole server waits): a Redis that hangs
#: holds a replica this long per call at most (Rasa's default: 10 s).
REDIS_SOCKET_TIMEOUT_SECONDS = 3
#: Rasa's environment variable: how long a conversation's lock lasts when its holder never
#: gives it back (a replica killed mid-message); Rasa's default is 60 s.
LOCK_LIFETIME_ENV = "TICKET_LOCK_LIFETIME"
REDIS_PING_TIMEOUT_SECONDS = 3.0


def lock_lifetime(rasa_timeout_seconds: float) -> int:
    """The lock lifetime Rasa gets: half the bot's wait for an answer, so that the message
    of a replica killed while it held the conversation's lock, sent again to another one,
    finds the lock free in time to be answered. A conversation has one message in flight at
    a time (the bot's per-chat order), so a lock outlived by a slow message guards nothing."""
    return max(2, math.ceil(rasa_timeout_seconds / 2))


@dataclass(frozen=True)
class RedisAddress:
    """Where Rasa's lock store is, read from ``REDIS_URL``."""

    host: str
    port: int = 6379
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False


def redis_address(redis_url: str) -> RedisAddress:
    """``redis://[user:password@]host[:port][/db]`` (``rediss://``: TLS). Raises
    ``ValueError`` for anything else (a Unix socket, options)."""
    try:
        parts: SplitResult = urlsplit(redis_url)
        port = parts.port
    except ValueError:
        raise ValueError("REDIS_URL: not a URL (redis://host:port/db)") from None
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL: use redis://host:port/db (or rediss:// for TLS)")
    if parts.query or parts.fragment:
        raise ValueError("REDIS_URL: options are not supported")
    if not parts.hostname:
        raise ValueError("REDIS_URL: name the Redis host (redis://127.0.0.1:6379/0)")
    db = parts.path.strip("/") or "0"
    if not db.isdigit():
        raise ValueError("REDIS_URL: the path is the database number (redis://host:6379/0)")
    return RedisAddress(
        host=parts.hostname,
        port=port or 6379,
        db=int(db),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=parts.scheme == "rediss",
    )


@dataclass(frozen=True)
class LockStoreConfig:
    """The ``lock_store`` section of Rasa's endpoints file (Rasa's ``RedisLockStore``) and
    the environment Rasa needs with it (the password, the lock lifetime)."""

    section: dict[str, Value]
    env: dict[str, str]
    address: RedisAddress

    def yaml(self) -> str:
        return _yaml_section("lock_store", self.section)


def lock_store_config(redis_url: str, lifetime_seconds: int) -> LockStoreConfig:
    """Rasa's Redis lock store at ``redis_url`` (keys under ``vigie:``; Rasa's
    ``RedisLockStore`` with Vigie's waiter, :data:`LOCK_STORE_CLASS`); ``ValueError`` for a
    URL it cannot take."""
    address = redis_address(redis_url)
    section: dict[str, Value] = {
        "type": LOCK_STORE_CLASS,
        "url": address.host,  # Rasa's name for the host
        "port": address.port,
        "db": address.db,
        "key_prefix": LOCK_KEY_PREFIX,
        "socket_timeout": REDIS_SOCKET_TIMEOUT_SECONDS,
    }
    env = {LOCK_LIFETIME_ENV: str(lifetime_seconds)}
    if address.username:
        section["username"] = address.username
    if address.password:
        _check_referable(address.password, LOCK_PASSWORD_REFERENCE, "REDIS_URL")
        section["password"] = LOCK_PASSWORD_REFERENCE
        env[LOCK_PASSWORD_ENV] = address.password
    if address.tls:
        section["use_ssl"] = True
    return LockStoreConfig(section, env, address)


async def redis_problem(
    address: RedisAddress, timeout: float = REDIS_PING_TIMEOUT_SECONDS
) -> str | None:
    """Why Rasa could not use the Redis at ``address`` (None when it answers ``PING`` after
    ``AUTH`` and ``SELECT``, as Rasa's client does). Rasa itself starts without Redis and
    fails at the first message: this is asked before starting it."""
    commands = [["SELECT", str(address.db)], ["PING"]]
    if address.password:
        user = [address.username] if address.username else []
        commands.insert(0, ["AUTH", *user, address.password])
    try:
        async with asyncio.timeout(timeout):
            context = ssl.create_default_context() if address.tls else None
            reader, writer = await asyncio.open_connection(address.host, address.port, ssl=context)
            try:
                for command in commands:
                    writer.write(_resp(command))
                    await writer.drain()
                    line = (await reader.readline()).decode("utf-8", "replace").strip()
                    if not line.startswith("+"):
                        return f"{command[0]}: {line[1:] if line else 'connection closed'}"
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _resp(command: list[str]) -> bytes:
    """A command in Redis's protocol (an array of bulk strings)."""
    parts = [f"*{len(command)}\r\n".encode()]
    for word in command:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)
