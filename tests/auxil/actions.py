"""What the action tests share: the people and contacts of their database, and that database
(opened by the real settings, as the action server does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.common import close_store
from vigie.core import reflexes
from vigie.core.settings import get_settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.knowledge import get_knowledge_base
from vigie.outbox.models import OutboxMessage
from vigie.people.directory import Directory
from vigie.tickets.models import Ticket

SENDER = "chat-42"
STRANGER = "chat-99"
STAFF_CHAT, PAUL_CHAT = 1001, 2001
CONTACTS = {
    "provider_name": "Infogérance <Sud>",
    "provider_hotline": "04 11 22 33 44",
    "provider_oncall": "06 55 66 77 88",
    "helpdesk_email": "aide@infogerance.example",
    "dpo_contact": "M. Martin (DPO)",
    "referent_contact": "Mme Durand",
}
CONTACTS["call"] = reflexes.call(CONTACTS, night=False)  # a facility open 24/7: the day's order


@asynccontextmanager
async def action_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A facility open 24/7, a registered staff member (SENDER) and a technician (Paul); the
    actions open the same database through the real settings."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROVIDER_HOURS", "24/7")
    monkeypatch.delenv("TECHNICIANS_CHAT_ID", raising=False)
    for key, value in CONTACTS.items():
        if key != "call":
            monkeypatch.setenv(key.upper(), value)
    get_settings.cache_clear()
    get_knowledge_base.cache_clear()
    await close_store()
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    directory = Directory(sessions)
    facility = await directory.create_facility("EHPAD Les Tilleuls", "Rodez", hours="24/7")
    code = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.redeem_invitation(
        code.code, channel="telegram", chat_id=STAFF_CHAT, sender=SENDER
    )
    await directory.add_technician(name="Paul", chat_id=PAUL_CHAT, sender="u-paul")
    try:
        yield sessions
    finally:
        await engine.dispose()
        await close_store()
        get_settings.cache_clear()
        get_knowledge_base.cache_clear()


async def tickets(sessions: async_sessionmaker[AsyncSession]) -> list[Ticket]:
    """Every ticket of the database, oldest first."""
    async with sessions() as session:
        return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


async def outbox_to(sessions: async_sessionmaker[AsyncSession], destination: int) -> int:
    """How many notifications were written for chat ``destination``."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.destination == str(destination))
        )
        return int(count or 0)
