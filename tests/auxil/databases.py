"""Scratch PostgreSQL databases for the tests, the chaos harness and the benchmarks: created
empty on a server (``VIGIE_TEST_POSTGRES_URL`` by default), dropped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CONNECT_TIMEOUT_SECONDS = 10

T = TypeVar("T")


def admin_postgres_url() -> str:
    """The SQLAlchemy URL of the server where scratch databases are made."""
    return os.environ.get("VIGIE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def asyncpg_dsn(url: str) -> str:
    """``url`` (SQLAlchemy, asyncpg driver) as a DSN asyncpg reads."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_database(admin_url: str, prefix: str) -> str:
    """Create an empty database named ``<prefix>_<random>`` on ``admin_url``'s server; its
    SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url`` from ``admin_url``'s database (even while in use)."""
    connection = await asyncpg.connect(asyncpg_dsn(admin_url), timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        name = make_url(url).database
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def scratch_postgres(admin_url: str, prefix: str) -> AsyncIterator[str]:
    """The URL of an empty database on ``admin_url``'s server, dropped afterwards."""
    url = await create_database(admin_url, prefix)
    try:
        yield url
    finally:
        await drop_database(admin_url, url)


def run_async(function: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from a sync fixture, in its own thread and event loop."""

    async def main() -> T:
        return await function()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, main()).result()
