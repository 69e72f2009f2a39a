"""Engine settings: SQLite pragmas, folder creation, timezone-aware datetimes, PostgreSQL's
pool pinging only connections left idle."""

from __future__ import annotations

import traceback
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import InboxItem, Turn
from vigie.db import engine as engine_module
from vigie.db.engine import create_engine, ensure_sqlite_directory, make_sessionmaker
from vigie.tickets.models import TicketEvent


async def test_sqlite_pragmas_and_parent_folder(tmp_path: Path) -> None:
    database = tmp_path / "deep" / "er" / "vigie.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        assert database.parent.is_dir()
        # Two connections at once: every pooled connection gets the pragmas.
        async with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
                assert (await connection.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
                assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
    assert database.exists()


def test_no_folder_for_memory_or_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ensure_sqlite_directory("sqlite+aiosqlite://")
    ensure_sqlite_directory("sqlite+aiosqlite:///:memory:")
    ensure_sqlite_directory("postgresql+asyncpg://postgres@127.0.0.1:5432/some/thing")
    assert list(tmp_path.iterdir()) == []
    ensure_sqlite_directory("sqlite+aiosqlite:///relative/dir/v.db")
    assert (tmp_path / "relative" / "dir").is_dir()


async def test_sessions_keep_objects_after_commit(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        turn = Turn(channel="terminal", sender="s", text_in="a", text_out="b")
        session.add(turn)
        await session.commit()
    # expire_on_commit=False: attributes are readable outside the session.
    assert turn.id is not None
    assert turn.created_at.tzinfo is UTC


async def test_datetimes_are_utc_and_naive_ones_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    paris_summer = timezone(timedelta(hours=2))
    local = datetime(2025, 7, 1, 12, 0, tzinfo=paris_summer)
    async with sessionmaker() as session:
        session.add(Turn(created_at=local, channel="terminal", sender="s", text_in="", text_out=""))
        await session.commit()
    async with sessionmaker() as session:
        stored = (await session.scalars(select(Turn))).one()
    assert stored.created_at == local
    assert stored.created_at.tzinfo is UTC
    assert stored.created_at.hour == 10

    async with sessionmaker() as session:
        session.add(
            InboxItem(
                channel="terminal",
                chat_id=1,
                sender="s",
                kind="text",
                text="",
                received_at=datetime(2025, 1, 1, 12, 0),  # naive
            )
        )
        with pytest.raises(StatementError, match="naive datetime"):
            await session.commit()


async def test_make_sessionmaker_binds_the_engine(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        maker = make_sessionmaker(engine)
        async with maker() as session:
            assert (await session.execute(text("SELECT 41 + 1"))).scalar_one() == 42
    finally:
        await engine.dispose()


async def test_failing_statements_keep_their_parameters_out_of_the_message(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The text of an exception (logged with ``logger.exception``) has no bound value."""
    secret = "Mme Durand, chambre 12, mot de passe Soleil2024"
    async with sessionmaker() as session:
        with pytest.raises(IntegrityError) as caught:  # no such ticket: foreign key refused
            await session.execute(
                insert(TicketEvent).values(
                    ticket_id=987654, actor_kind="system", kind="created", text=secret
                )
            )
    message = str(caught.value)
    assert "ticket" in message  # the failing statement is still described
    assert "parameters hidden" in message
    assert "Soleil2024" not in message and "Durand" not in message
    assert "Soleil2024" not in "".join(traceback.format_exception(caught.value))


async def test_postgres_pings_only_a_connection_left_idle_and_replaces_a_dead_one(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled PostgreSQL connection used a moment ago is handed out without a ping (three
    round trips on asyncpg); one idle for IDLE_PING_SECONDS is pinged first, and replaced when
    the server dropped it meanwhile: the statement never sees the dead connection."""
    pings = 0
    real_ping = AsyncAdapt_asyncpg_connection.ping

    def counting_ping(self: AsyncAdapt_asyncpg_connection) -> None:
        nonlocal pings
        pings += 1
        real_ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting_ping)
    engine = create_engine(postgres_url)
    admin = create_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            first = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert pings == 1  # a new connection: never checked in, pinged
        for _ in range(5):
            async with engine.connect() as connection:
                assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar() == first
        assert pings == 1  # used a moment ago: no ping
        # The server drops it while it sits in the pool; it is now « idle » for long.
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        async with engine.connect() as connection:
            second = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
        assert second != first
        assert pings >= 2
    finally:
        await engine.dispose()
        await admin.dispose()
