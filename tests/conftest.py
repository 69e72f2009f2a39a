"""Shared fixtures: databases, a real SMTP server (``smtp_sink``, tests/auxil/smtp.py) and a
fake clock (``fake_clock``).

Every test using ``db_url`` runs on SQLite and on PostgreSQL.

PostgreSQL: a uniquely named database is created for the test session (through the
``test`` database, or ``VIGIE_TEST_POSTGRES_URL``) and dropped at the end; each test starts
from an empty ``public`` schema. If the server is unreachable the PostgreSQL tests fail,
unless ``VIGIE_SKIP_POSTGRES=1``.

Redis (``redis_url``, Rasa's lock store of several Rasa servers): database 13 of
127.0.0.1:6379, or ``VIGIE_TEST_REDIS_URL``; the tests using it fail when it does not answer.
Keys are the tests' own (unique senders): nothing is flushed, other runs may share it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rasa_config import redis_address, redis_problem
from tests.auxil.databases import (
    admin_postgres_url,
    asyncpg_dsn,
    create_database,
    drop_database,
    run_async,
)
from tests.auxil.smtp import SmtpSink
from vigie.core.clock import FakeClock, set_default_clock
from vigie.db.engine import create_engine, make_sessionmaker, upgrade

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """A test that runs an entry point in-process (``vigie ...``) sets its private umask;
    the next tests get the one they started with."""
    mask = os.umask(0o022)
    os.umask(mask)
    yield
    os.umask(mask)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL database, dropped after the test session."""
    admin_url = admin_postgres_url()
    try:
        url = run_async(lambda: create_database(admin_url, "vigie_test"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        message = (
            f"PostgreSQL unreachable or unusable at {make_url(admin_url)!r} "
            f"({type(exc).__name__}: {exc}). Start it, set VIGIE_TEST_POSTGRES_URL, "
            "or set VIGIE_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        )
        if os.environ.get("VIGIE_SKIP_POSTGRES") == "1":
            pytest.skip(message)
        pytest.fail(message, pytrace=False)

    yield url

    run_async(lambda: drop_database(admin_url, url))


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of the tests' Redis (``VIGIE_TEST_REDIS_URL``, else :data:`DEFAULT_REDIS_URL`),
    checked once: the test fails when it does not answer."""
    url = os.environ.get("VIGIE_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    problem = run_async(lambda: redis_problem(redis_address(url)))
    if problem is not None:
        pytest.fail(
            f"Redis unreachable or unusable at {url!r} ({problem}). Start it (redis-server) "
            "or set VIGIE_TEST_REDIS_URL.",
            pytrace=False,
        )
    return url


def reset_postgres_schema(url: str) -> None:
    """Empty the database: drop and recreate the ``public`` schema."""

    async def reset() -> None:
        connection = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await connection.close()

    run_async(reset)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database (no tables), one per test."""
    if request.param == "sqlite":
        # A folder that does not exist yet: the data layer must create it.
        return f"sqlite+aiosqlite:///{tmp_path / 'var' / 'vigie.db'}"
    url: str = request.getfixturevalue("postgres_url")
    reset_postgres_schema(url)
    return url


@pytest.fixture
async def sessionmaker(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on a database migrated to the head revision."""
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it accepts."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    """A clock that moves only when the test advances it; also the default clock of
    ``utcnow()`` (database timestamps) during the test. Inject it into the components."""
    clock = FakeClock()
    previous = set_default_clock(clock)
    try:
        yield clock
    finally:
        set_default_clock(previous)
