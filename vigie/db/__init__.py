"""Data layer: the declarative base, the engine and the Alembic migrations.

Each feature owns its tables (``vigie/<feature>/models.py``); :mod:`vigie.db.schema` gathers
them for Alembic. SQLite (default, ``sqlite+aiosqlite:///path``) or PostgreSQL
(``postgresql+asyncpg://...``).
"""
