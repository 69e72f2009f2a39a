"""Engines, sessions and schema migrations (Alembic, run programmatically)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 5000
#: PostgreSQL connections kept open per process, and opened beyond them at peaks (closed after
#: use). Per process at most 20: two bot processes, the action server and the console stay
#: under PostgreSQL's default 100 connections with Rasa's servers (docs/deployment.md).
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 10
#: A pooled connection unused this long is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0
_CHECKED_IN = "vigie_checked_in_at"
# The newest migration's revision (tests/vigie/db/test_migrations.py checks it against the
# scripts): a database already there is not migrated, and a process starts without importing
# Alembic (half a second of each restart on this machine).
SCHEMA_HEAD = "0015"
# Key of ``Config.attributes`` where ``migrations/env.py`` finds the database URL.
URL_ATTRIBUTE = "database_url"


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or URI-style database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if url.query.get("mode") == "memory":
        return None
    return Path(database)


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the parent folder of a SQLite database file (no-op for other databases)."""
    parsed = make_url(url)
    if not _is_sqlite(parsed):
        return
    path = sqlite_file(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _set_sqlite_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: durable across application crashes (what the inbox protects
        # against), one fsync per checkpoint instead of one per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    SQLite: the parent folder of the file is created; every connection gets WAL journaling,
    a 5 s busy timeout and foreign keys enforced. PostgreSQL: a pool of POSTGRES_POOL_SIZE
    connections (and POSTGRES_MAX_OVERFLOW more at peaks), each pinged before use when it sat
    unused for IDLE_PING_SECONDS.
    Statement parameters (message texts, chat ids…) are kept out of exception messages and
    SQL logs (``hide_parameters``): those end up in the logs.
    """
    parsed = make_url(url)
    if _is_sqlite(parsed):
        ensure_sqlite_directory(parsed)
        engine = _create_async_engine(parsed, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
        return engine
    engine = _create_async_engine(
        parsed,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_MAX_OVERFLOW,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "checkin", _checked_in)
    event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a pooled connection that sat unused for IDLE_PING_SECONDS or more before handing it
    out (a dead one is replaced: ``DisconnectionError``). SQLAlchemy's ``pool_pre_ping`` pings
    at every checkout, three round trips on asyncpg (begin, ``;``, rollback), about ten times
    per message in the bot: most of its database traffic. A connection used a moment ago is
    alive; one that a restarted server dropped within those seconds fails its statement once
    and is invalidated (docs/database.md)."""
    last = record.info.get(_CHECKED_IN)
    if last is not None and time.monotonic() - last < IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("the pooled connection is gone") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory whose objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """The Alembic configuration of the package, pointed at ``url`` (any working directory)."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes[URL_ATTRIBUTE] = url
    return config


def _in_fresh_thread(function: Callable[[], None]) -> None:
    """Run ``function`` in a new thread and wait: ``env.py`` starts its own event loop there,
    which works whether or not the calling thread already runs one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigie-alembic") as executor:
        executor.submit(function).result()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the schema of ``url`` up to ``revision`` (blocking; see ``asyncio.to_thread``)."""
    ensure_sqlite_directory(url)
    from alembic import command

    config = alembic_config(url)
    logger.info("database upgrade to %s", revision)
    _in_fresh_thread(lambda: command.upgrade(config, revision))


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database of ``engine`` is at :data:`SCHEMA_HEAD` (False when it has no
    schema yet, or an older or newer one)."""
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
            versions = list(result.scalars())
    except DBAPIError:
        return False  # no alembic_version table: a new database
    return versions == [SCHEMA_HEAD]


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the schema of ``url`` down to ``revision`` (blocking)."""
    from alembic import command

    config = alembic_config(url)
    logger.info("database downgrade to %s", revision)
    _in_fresh_thread(lambda: command.downgrade(config, revision))


Write = Callable[[Executable], Awaitable[int]]
"""Runs one UPDATE or DELETE committed by itself; the number of rows hit."""


@contextlib.asynccontextmanager
async def writer(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[Write]:
    """A connection taken from the pool (and checked, on PostgreSQL) now, for writes made later
    each committed by itself.

    In autocommit mode one statement is its own transaction, without the round trips of BEGIN
    and COMMIT: one round trip to PostgreSQL, one call to SQLite; the connection holds no lock
    between writes. Taken before an answer is sent, it leaves one statement between Telegram's
    acceptance of the answer and its mark, rather than a wait for a free connection and its
    check (under load, most of that time): the shorter that window, the rarer an answer sent
    again after a crash.
    """
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")

        async def write(stmt: Executable) -> int:
            return int((await autocommit.execute(stmt)).rowcount)

        yield write


async def execute_write(sessionmaker: async_sessionmaker[AsyncSession], stmt: Executable) -> int:
    """Run one bulk UPDATE or DELETE, committed by itself (see :func:`writer`); the number of
    rows hit."""
    async with writer(sessionmaker) as write:
        return await write(stmt)


def insert_unless_present(
    session: AsyncSession, model: Any, values: dict[str, Any], keys: list[Any]
) -> Any:
    """``INSERT .. ON CONFLICT (keys) DO NOTHING`` for ``model`` in the session's dialect
    (SQLite or PostgreSQL): one statement, safe when several writers insert the same key."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(model).values(values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(model).values(values)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    return stmt.on_conflict_do_nothing(index_elements=keys)


async def count_where(
    sessionmaker: async_sessionmaker[AsyncSession], model: Any, *conditions: Any
) -> int:
    """How many rows of ``model`` match ``conditions`` (what a purge would delete)."""
    async with sessionmaker() as session:
        found = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    return int(found or 0)
