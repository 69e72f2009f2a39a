"""Rasa's tracker store on Vigie's database: the ``tracker_store`` section of the endpoints
file the supervisor writes for Rasa, derived from ``DATABASE_URL``.

Rasa 3.6 then keeps every conversation (the events of each sender's tracker) in the table
``events`` of Vigie's own database (``rasa.core.tracker_store.SQLTrackerStore``: SQLAlchemy 1.4
with the sqlite3 or psycopg2 driver, in Rasa's environment), so a restart of Rasa forgets
nothing. See docs/database.md.

The password of a PostgreSQL URL is never written: the file says
``password: ${VIGIE_TRACKER_DB_PASSWORD}``, which Rasa expands from its environment when it
reads the file, and :attr:`TrackerStoreConfig.env` holds that variable for Rasa's process.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
        lines = ["tracker_store:"]
        for key, value in self.section.items():
            if isinstance(value, Mapping):
                lines.append(f"  {key}:")
                lines.extend(f"    {k}: {json.dumps(v)}" for k, v in value.items())
            elif key == "password":
                lines.append(f"  {key}: {PASSWORD_REFERENCE}")
            else:
                lines.append(f"  {key}: {json.dumps(value)}")  # YAML 1.2 double-quoted or int
        return "\n".join(lines) + "\n"


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
        # Rasa refuses a value holding a word made of a "$" and a piece of the reference
        # (it takes it for a variable it could not expand).
        if any(w.startswith("$") and w in PASSWORD_REFERENCE for w in password.split()):
            raise ValueError("DATABASE_URL: Rasa cannot take a password with a word like '${'")
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
