"""Shared helpers of the end-to-end ticket tests: the test's own access to the bot's database
(as the action server and the CLI have), tickets opened directly, the bot's pseudonyms, and
:func:`stays_true` for the checks that nothing happens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tests.auxil.fake_telegram import FakeUser
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft, TicketView

SECRET = b"e2e-test-secret-0123456789abcdefghij"  # the one tests.e2e.conftest.make_settings gives the bot
FACILITY = "EHPAD Les Tilleuls"
PROBLEM = "L’imprimante du 2e étage n’imprime plus, le voyant clignote en orange"


async def stays_true(
    check: Callable[[], Awaitable[bool]], within: float, describe: Callable[[], str]
) -> None:
    """A check that nothing happens: fail as soon as ``check`` turns false (with the text of
    ``describe()``), return once it held for ``within`` seconds (a bounded wait on the event,
    never a blind sleep)."""
    deadline = time.monotonic() + within
    while await check():
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(describe())


def sender(user: FakeUser) -> str:
    """The bot's pseudonym of ``user`` (Rasa's sender id)."""
    return pseudonymize(user.id, SECRET)


def payloads(message: dict[str, Any]) -> list[str]:
    """The callback data of the message's inline buttons, in order."""
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Domain:
    """The test's own access to the bot's database (as the action server and the CLI have)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    directory: Directory
    tickets: TicketService
    outbox: Outbox


async def open_domain(settings: Settings) -> tuple[Domain, AsyncEngine]:
    """The services on ``settings.database_url``, and the engine to dispose of at the end."""
    engine = create_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    domain = Domain(
        sessionmaker,
        Directory(sessionmaker),
        TicketService(sessionmaker, settings),
        Outbox(sessionmaker),
    )
    return domain, engine


async def open_ticket(domain: Domain, staff: FakeUser, key: str) -> TicketView:
    """A ticket from ``staff`` committed as the action server does (printer, degraded care)."""
    draft = TicketDraft(problem=PROBLEM, device="printer", scope="service", care_impact="degraded")
    view, created = await domain.tickets.create(sender(staff), draft, idempotency_key=key)
    assert created
    return view
