"""Data layer: SQLAlchemy 2 models, repositories and Alembic migrations.

SQLite (default, ``sqlite+aiosqlite:///path``) or PostgreSQL (``postgresql+asyncpg://...``).
"""

from vigie.db.engine import create_engine, downgrade, make_sessionmaker, upgrade
from vigie.db.inbox import Inbox
from vigie.db.models import (
    Base,
    Facility,
    InboxItem,
    Invitation,
    OutboxMessage,
    Person,
    PhishingCampaign,
    PhishingExpectation,
    PhishingKey,
    PhishingReport,
    Ticket,
    TicketEvent,
    Turn,
)
from vigie.db.turns import TurnLog

__all__ = [
    "Base",
    "Facility",
    "Inbox",
    "InboxItem",
    "Invitation",
    "OutboxMessage",
    "Person",
    "PhishingCampaign",
    "PhishingExpectation",
    "PhishingKey",
    "PhishingReport",
    "Ticket",
    "TicketEvent",
    "Turn",
    "TurnLog",
    "create_engine",
    "downgrade",
    "make_sessionmaker",
    "upgrade",
]
