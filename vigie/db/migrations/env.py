"""Alembic environment: async engine + ``run_sync``; batch mode on SQLite.

The database URL comes from ``config.attributes["database_url"]`` (set by
``vigie.db.engine.upgrade``), else from ``-x url=...`` on the command line, else from
``sqlalchemy.url`` in the ini file. It is never read from the environment.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from vigie.db.base import UTCDateTime
from vigie.db.engine import URL_ATTRIBUTE, ensure_sqlite_directory
from vigie.db.schema import include_name, metadata

config = context.config
target_metadata = metadata()


def _database_url() -> str:
    url = config.attributes.get(URL_ATTRIBUTE)
    if not url:
        url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "no database URL: use vigie.db.engine.upgrade(url) or `alembic -x url=...`"
        )
    return str(url)


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our UTC datetime type as the plain SQLAlchemy type: migrations stay frozen."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (``alembic upgrade --sql``)."""
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
        render_item=_render_item,
        include_name=include_name,  # Rasa's tables are Rasa's
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=include_name,  # Rasa's tables are Rasa's
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_migrations_online() -> None:
    # Foreign keys are left off on SQLite here (its default): batch migrations recreate
    # tables, which must not cascade.
    url = _database_url()
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_migrations_online())
