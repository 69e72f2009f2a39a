"""Migrations: stairway up/down, and the models equal what the migrations create."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from vigie.db.base import Base
from vigie.db.engine import (
    SCHEMA_HEAD,
    alembic_config,
    create_engine,
    downgrade,
    schema_is_current,
    upgrade,
)
from vigie.db.schema import include_name


def revisions() -> list[Script]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    return list(reversed(list(script.walk_revisions("base", "heads"))))


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read)
    finally:
        await engine.dispose()


def test_single_head_and_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1
    assert revisions()[0].revision == "0001"
    for revision in revisions():
        assert not isinstance(revision.down_revision, tuple | list), "merge revisions"


def test_schema_head_is_the_newest_revision() -> None:
    """A process skips the migrations when the database is at SCHEMA_HEAD: it must name the
    newest script (bump it with every new migration)."""
    assert revisions()[-1].revision == SCHEMA_HEAD


async def test_schema_is_current_only_at_head(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert not await schema_is_current(engine)  # a new database: no alembic_version
        await asyncio.to_thread(upgrade, db_url, revisions()[-2].revision)
        assert not await schema_is_current(engine)
        await asyncio.to_thread(upgrade, db_url)
        assert await schema_is_current(engine)
    finally:
        await engine.dispose()


async def test_stairway(db_url: str) -> None:
    """For every revision: upgrade to it, downgrade one step, upgrade again."""
    steps = revisions()
    assert steps
    for step in steps:
        down = step.down_revision
        assert down is None or isinstance(down, str)
        await asyncio.to_thread(upgrade, db_url, step.revision)
        assert await current_revision(db_url) == step.revision
        await asyncio.to_thread(downgrade, db_url, down or "base")
        assert await current_revision(db_url) == down
        await asyncio.to_thread(upgrade, db_url, step.revision)
        assert await current_revision(db_url) == step.revision

    assert await table_names(db_url) == set(Base.metadata.tables) | {"alembic_version"}
    await asyncio.to_thread(downgrade, db_url, "base")
    assert await table_names(db_url) == {"alembic_version"}
    assert await current_revision(db_url) is None


async def test_models_match_migrations(db_url: str) -> None:
    """Autogenerate finds nothing to do once the database is at head."""
    await asyncio.to_thread(upgrade, db_url)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,  # Rasa's tables, as env.py does
            },
        )
        return list(compare_metadata(context, Base.metadata))

    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_upgrade_is_idempotent(db_url: str) -> None:
    await asyncio.to_thread(upgrade, db_url)
    await asyncio.to_thread(upgrade, db_url)
    assert await current_revision(db_url) == revisions()[-1].revision


async def test_upgrade_from_another_directory_and_inside_a_running_loop(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migrations are found relative to the package, and a blocking call made from a
    thread that runs an event loop still works."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert not (Path(os.getcwd()) / "alembic.ini").exists()
    upgrade(db_url)  # deliberately blocking, from the event loop's thread
    assert await current_revision(db_url) == revisions()[-1].revision
    assert list(elsewhere.iterdir()) == []
