"""The one wiring of a front end (Telegram or terminal): what the process opens once at
start (:class:`Services`) and the parts every front end runs over it (:class:`FrontEnd`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from vigie.awareness.service import Awareness
from vigie.console.access import ConsoleAccess
from vigie.console.desk import ConsoleDesk
from vigie.conversation.inbox import Inbox
from vigie.conversation.journal import SentJournal, journal_path
from vigie.conversation.outages import Outages
from vigie.conversation.pipeline import Pipeline, Prepare, Retract
from vigie.conversation.rasa_client import RasaClient, replica_urls
from vigie.conversation.trackers import TrackerEvents
from vigie.conversation.turns import TurnLog
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, schema_is_current, upgrade
from vigie.db.leases import Leases, process_identity
from vigie.housekeeping import Housekeeping
from vigie.outbox.dispatcher import Dispatcher, OutboxDelivery
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.addresses import AddressLinks
from vigie.phishing.intake import Intake
from vigie.phishing.mailbox import ReportMailbox
from vigie.phishing.service import PhishingService
from vigie.rights import Rights
from vigie.tickets.desk import Desk
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
    outages: Outages
    trackers: TrackerEvents
    http: aiohttp.ClientSession
    rasa: RasaClient
    directory: Directory
    tickets: TicketService
    outbox: Outbox
    phishing: PhishingService
    journal: SentJournal

    @classmethod
    async def open(cls, settings: Settings) -> Services:
        """Migrate the database to the latest schema, then open everything."""
        problem = settings.secret_problem()
        if problem is not None:
            raise RuntimeError(problem)
        engine = create_engine(settings.database_url)
        if await schema_is_current(engine):
            logger.info("database schema up to date")
        else:
            await asyncio.to_thread(upgrade, settings.database_url)
        sessionmaker = make_sessionmaker(engine)
        inbox = Inbox(sessionmaker)
        journal = SentJournal(journal_path(settings.sent_journal_dir(), settings.database_url))
        await journal.open(inbox.mark_sent)  # before anything is handled
        http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64),
            timeout=aiohttp.ClientTimeout(total=settings.rasa_timeout_seconds),
        )
        rasa = RasaClient(
            http,
            replica_urls(settings.rasa_url, settings.rasa_replicas),  # RASA_REPLICAS servers
            timeout=settings.rasa_timeout_seconds,
            retries=settings.rasa_retries,
        )
        return cls(
            settings=settings,
            engine=engine,
            inbox=inbox,
            turns=TurnLog(sessionmaker),
            outages=Outages(sessionmaker),
            trackers=TrackerEvents(sessionmaker),
            http=http,
            rasa=rasa,
            directory=Directory(sessionmaker),
            tickets=TicketService(sessionmaker, settings),
            outbox=Outbox(sessionmaker),
            phishing=PhishingService(sessionmaker, settings),
            journal=journal,
        )

    async def aclose(self) -> None:
        """Close the HTTP session, the sent journal and the database engine."""
        await self.journal.aclose(self.inbox.mark_sent)
        await self.http.close()
        await self.engine.dispose()


@dataclass
class FrontEnd:
    """The parts a front end runs over the services: the outbox dispatcher, the pipeline, the
    technicians' desk, the e-mail intake, all for one chat channel, and the periodic jobs."""

    dispatcher: Dispatcher
    pipeline: Pipeline
    desk: Desk
    intake: Intake
    housekeeping: Housekeeping
    mailbox: ReportMailbox | None = None
    rights: Rights | None = None
    console: ConsoleDesk | None = None

    @classmethod
    def assemble(
        cls,
        services: Services,
        *,
        channel: str,
        delivery: OutboxDelivery,
        outbox_channels: Sequence[str],
        prepare: Prepare | None = None,
        retract: Retract | None = None,
    ) -> FrontEnd:
        """Wire the parts of ``channel``; ``prepare`` downloads e-mail files (Telegram)."""
        settings = services.settings
        dispatcher = Dispatcher(
            services.outbox,
            delivery,
            settings,
            channels=outbox_channels,
            phishing=services.phishing,
            on_blocked=Awareness(services.tickets.sessionmaker, settings).blocked,
            # Several bot processes: the holder of the ``outbox`` lease sends.
            leases=Leases(services.tickets.sessionmaker, process_identity(settings.bot_instance)),
        )
        pipeline = Pipeline(
            settings=settings,
            channel=channel,
            inbox=services.inbox,
            turns=services.turns,
            outages=services.outages,
            rasa=services.rasa,
            delivery=delivery,
            after_turn=dispatcher.kick,  # the actions may have opened a ticket
            prepare=prepare,
            trackers=services.trackers,
            journal=services.journal,
            retract=retract,
        )
        desk = Desk(
            directory=services.directory,
            tickets=services.tickets,
            settings=settings,
            dispatcher=dispatcher,
            sender_of=pipeline.sender_of,
            phishing=services.phishing,
        )
        intake = Intake(services.phishing, settings, channel=channel, sender_of=pipeline.sender_of)
        housekeeping = Housekeeping(
            directory=services.directory,
            outbox=services.outbox,
            tickets=services.tickets,
            phishing=services.phishing,
            settings=settings,
            kick=dispatcher.kick,
            # Several bot processes: the lease's holder runs the periodic jobs.
            leases=Leases(services.tickets.sessionmaker, process_identity(settings.bot_instance)),
        )
        mailbox = None
        if settings.report_mailbox_enabled:
            sessionmaker = services.tickets.sessionmaker
            mailbox = ReportMailbox(
                phishing=services.phishing,
                links=AddressLinks(sessionmaker, settings),
                settings=settings,
                kick=dispatcher.kick,
                leases=Leases(sessionmaker, process_identity(settings.bot_instance)),
            )
        return cls(
            dispatcher=dispatcher,
            pipeline=pipeline,
            desk=desk,
            intake=intake,
            housekeeping=housekeeping,
            mailbox=mailbox,
            rights=Rights(services.tickets.sessionmaker),
            console=ConsoleDesk(
                ConsoleAccess(services.tickets.sessionmaker, settings),
                pipeline.sender_of,
                settings.console_link_minutes,
            ),
        )

    def start(self) -> None:
        """Handle what was left pending, send the due notifications, run the periodic jobs."""
        self.pipeline.start()
        self.dispatcher.start()
        self.housekeeping.start()
        if self.mailbox is not None:
            self.mailbox.start()

    async def aclose(self) -> None:
        """Stop the dispatcher (the message in flight is finished), then the chats' workers
        (pending messages stay in the inbox)."""
        if self.mailbox is not None:
            await self.mailbox.aclose()
        await self.housekeeping.aclose()
        await self.dispatcher.aclose()
        await self.pipeline.aclose()
        await self.intake.aclose()
