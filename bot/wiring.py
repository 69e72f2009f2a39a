"""What a front-end process opens once at start and closes at shutdown."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from vigie.conversation.inbox import Inbox
from vigie.conversation.rasa_client import RasaClient
from vigie.conversation.turns import TurnLog
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Database and its repositories, the one aiohttp session of the process, the Rasa client,
    the domain services (tickets, suspicious e-mail reports)."""

    settings: Settings
    engine: AsyncEngine
    inbox: Inbox
    turns: TurnLog
    http: aiohttp.ClientSession
    rasa: RasaClient
    directory: Directory
    tickets: TicketService
    outbox: Outbox
    phishing: PhishingService

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        """Migrate the database to the latest schema, then open everything."""
        if not settings.pseudonym_secret.get_secret_value():
            raise RuntimeError(
                "PSEUDONYM_SECRET is empty: set it in the environment or in .env "
                "(make run creates one)."
            )
        await asyncio.to_thread(upgrade, settings.database_url)
        engine = create_engine(settings.database_url)
        sessionmaker = make_sessionmaker(engine)
        http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64),
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout_seconds),
        )
        rasa = RasaClient(
            http,
            settings.rasa_url,
            timeout=settings.rasa_timeout_seconds,
            retries=settings.rasa_retries,
        )
        return cls(
            settings=settings,
            engine=engine,
            inbox=Inbox(sessionmaker),
            turns=TurnLog(sessionmaker),
            http=http,
            rasa=rasa,
            directory=Directory(sessionmaker),
            tickets=TicketService(sessionmaker, settings),
            outbox=Outbox(sessionmaker),
            phishing=PhishingService(sessionmaker, settings),
        )

    async def aclose(self) -> None:
        """Close the HTTP session and the database engine."""
        await self.http.close()
        await self.engine.dispose()
