"""The outbox dispatcher on a real database (SQLite and PostgreSQL) and a real SMTP server.

The Telegram side is a small Delivery that records or fails, like the transport would.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.paths import EMAILS
from tests.auxil.smtp import SmtpSink
from tests.auxil.toggle_proxy import free_port
from vigie.conversation.pipeline import DeliveryError
from vigie.core.clock import SYSTEM_CLOCK, Clock, FakeClock
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.settings import Settings
from vigie.db.leases import Leases
from vigie.housekeeping import Housekeeping
from vigie.outbox.dispatcher import KICK_INTERVAL_SECONDS, Dispatcher, retry_delay
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.mailcheck import Limits, analyse, trusted_domains
from vigie.phishing.models import PhishingReport
from vigie.phishing.service import PhishingService
from vigie.tickets.models import Ticket
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft


class Transport:
    """Records what is delivered; ``failures[chat_id]`` lists the errors to raise first."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []
        self.documents: list[tuple[int, str, bytes, OutgoingMessage]] = []
        self.failures: dict[int, list[Exception]] = {}
        self.delay = 0.0  # seconds of ``clock`` a delivery takes
        self.clock: Clock = SYSTEM_CLOCK
        self.started = asyncio.Event()

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.started.set()
        if self.delay:
            await self.clock.sleep(self.delay)
        queue = self.failures.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.sent += [(chat_id, message) for message in messages]

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None:
        queue = self.failures.get(chat_id)
        if queue:
            raise queue.pop(0)
        self.documents.append((chat_id, filename, data, caption))

    def texts(self) -> list[tuple[int, str]]:
        return [(chat_id, message.plain_text()) for chat_id, message in self.sent]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"outbox_poll_seconds": 30.0, **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def notice(text: str, *buttons: Button) -> dict[str, Any]:
    return OutgoingMessage(text, tuple(buttons)).to_custom()


def mail_payload(reference: str) -> dict[str, Any]:
    return {
        "subject": f"[{reference}] Imprimante bloquée — EHPAD Les Tilleuls",
        "body": "Problème : l’imprimante n’imprime plus.\n",
        "message_id": f"{reference.lower()}.0@vigie.test",
        "in_reply_to": None,
        "references": [],
    }


async def add_rows(
    sessionmaker: async_sessionmaker[AsyncSession], *rows: tuple[str, str, dict[str, Any]]
) -> list[int]:
    """Commit outbox rows (channel, destination, payload) in one transaction, like a ticket."""
    async with sessionmaker() as session:
        added = [
            Outbox.add(session, channel=channel, destination=destination, payload=payload)
            for channel, destination, payload in rows
        ]
        await session.commit()
        return [row.id for row in added]


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {timeout} s")


def sleeping(clock: FakeClock, *deadlines: float) -> Callable[[], Awaitable[bool]]:
    """A check for :func:`wait_until`: tasks sleep on ``clock`` until each of ``deadlines``."""

    async def check() -> bool:
        pending = clock.deadlines
        return all(pending.count(d) >= deadlines.count(d) for d in deadlines)

    return check


async def row(outbox: Outbox, row_id: int) -> Any:
    found = await outbox.get(row_id)
    assert found is not None
    return found


async def set_row(
    sessionmaker: async_sessionmaker[AsyncSession], row_id: int, **values: Any
) -> None:
    """Change a stored row (its age, or its retry time as if the delay had passed)."""
    async with sessionmaker() as session:
        found = await session.get(OutboxMessage, row_id)
        assert found is not None
        for name, value in values.items():
            setattr(found, name, value)
        await session.commit()


async def test_due_rows_are_sent_in_order_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings())
    take = Button("Prendre en charge", "v:take:1")
    ids = await add_rows(
        sessionmaker,
        ("telegram", "501", notice("<b>VIG-2026-00001</b> nouveau", take)),
        ("telegram", "502", notice("VIG-2026-00001 pour le second")),
        ("telegram", "501", notice("VIG-2026-00002 nouveau")),
    )
    assert await dispatcher.send_due() == 3
    assert transport.texts() == [
        (501, "VIG-2026-00001 nouveau"),
        (502, "VIG-2026-00001 pour le second"),
        (501, "VIG-2026-00002 nouveau"),
    ]
    assert transport.sent[0][1].buttons == (take,)
    assert transport.sent[0][1].html == "<b>VIG-2026-00001</b> nouveau"
    for row_id in ids:
        sent = await row(outbox, row_id)
        assert (sent.status, sent.attempts, sent.sent_at is not None) == ("sent", 1, True)
    assert await dispatcher.send_due() == 0
    assert len(transport.sent) == 3
    assert await outbox.count_pending() == 0


async def test_temporary_failure_holds_back_its_destination_only(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings(), clock=fake_clock)
    transport.failures[601] = [DeliveryError("TimedOut")]
    first, second, other = await add_rows(
        sessionmaker,
        ("telegram", "601", notice("un")),
        ("telegram", "601", notice("deux")),
        ("telegram", "602", notice("autre")),
    )
    before = fake_clock.now()
    await dispatcher.send_due()
    # The failing chat's later row waits for it; the other chat is served.
    assert transport.texts() == [(602, "autre")]
    failed = await row(outbox, first)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, "TimedOut")
    next_at = failed.next_attempt_at.replace(tzinfo=failed.next_attempt_at.tzinfo or UTC)
    assert 1.5 <= (next_at - before).total_seconds() <= 4  # 2 s after the first failure
    assert (await row(outbox, second)).status == "pending"
    assert (await row(outbox, other)).status == "sent"

    assert await dispatcher.send_due() == 0  # the first row is not due yet: nothing goes
    assert len(transport.sent) == 1
    fake_clock.advance(retry_delay(1) - 0.5)
    assert await dispatcher.send_due() == 0  # half a second early: still not due
    fake_clock.advance(0.5)
    await dispatcher.send_due()
    assert transport.texts()[1:] == [(601, "un"), (601, "deux")]
    assert (await row(outbox, first)).status == "sent"
    assert await outbox.count_pending() == 0


def test_retry_delay_grows_exponentially_and_is_capped() -> None:
    assert [retry_delay(n) for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert retry_delay(8) == 256
    assert retry_delay(9) == retry_delay(40) == retry_delay(10_000) == 300


STAFF_CHAT, TECH_CHAT = 1201, 1301


async def ticket_world(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[TicketService, int]:
    """A facility, a staff member (Telegram chat STAFF_CHAT), Paul the technician, and a
    ticket of the staff member; returns the service and the ticket's id."""
    directory = Directory(sessionmaker)
    facility = await directory.create_facility("EHPAD Les Tilleuls", "Rodez")
    code = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.redeem_invitation(
        code.code, channel="telegram", chat_id=STAFF_CHAT, sender="u-anne"
    )
    await directory.set_job("u-anne", "care")
    await directory.add_technician(name="Paul", chat_id=TECH_CHAT, sender="u-paul")
    service = TicketService(sessionmaker, settings)
    draft = TicketDraft("L’imprimante ne répond plus", "printer", "service", "degraded")
    view, _ = await service.create("u-anne", draft, idempotency_key="order")
    return service, view.id


async def test_a_ticket_s_notifications_arrive_in_order_despite_a_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Taken, answer, resolved to one chat: the first fails once, the others wait for it."""
    settings = make_settings()
    service, ticket_id = await ticket_world(sessionmaker, settings)
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings)
    await dispatcher.send_due()
    assert [chat for chat, _ in transport.sent] == [TECH_CHAT]  # the new ticket

    transport.failures[STAFF_CHAT] = [DeliveryError("TimedOut")]
    await service.take("u-paul", ticket_id)
    await service.technician_message("u-paul", ticket_id, "Je passe à 14 h.")
    await service.resolve("u-paul", ticket_id)
    await dispatcher.send_due()
    assert len(transport.sent) == 1  # « prise en charge » failed: nothing after it went
    [taken] = [e for e in await outbox.entries() if e.last_error == "TimedOut"]
    await dispatcher.send_due()
    assert len(transport.sent) == 1
    await set_row(sessionmaker, taken.id, next_attempt_at=datetime.now(UTC))  # delay over
    await dispatcher.send_due()
    staff = [text for chat, text in transport.texts() if chat == STAFF_CHAT]
    assert len(staff) == 3
    assert "prise en charge" in staff[0]
    assert "Je passe à 14 h." in staff[1]
    assert "Est-ce réglé" in staff[2]
    assert await outbox.count_pending() == 0


async def test_a_new_row_of_a_waiting_destination_waits_too(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings())
    transport.failures[611] = [DeliveryError("TimedOut")]
    [first] = await add_rows(sessionmaker, ("telegram", "611", notice("un")))
    await dispatcher.send_due()
    [second] = await add_rows(sessionmaker, ("telegram", "611", notice("deux")))
    await dispatcher.send_due()
    assert transport.sent == []
    await set_row(sessionmaker, first, next_attempt_at=datetime.now(UTC))
    await dispatcher.send_due()
    assert transport.texts() == [(611, "un"), (611, "deux")]
    assert (await row(outbox, second)).status == "sent"


async def test_permanent_failure_and_bad_rows_are_failed_at_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings())
    transport.failures[701] = [DeliveryError("forbidden", permanent=True)]
    blocked, garbage, bad_chat, good = await add_rows(
        sessionmaker,
        ("telegram", "701", notice("bloqué")),
        ("telegram", "702", {"unexpected": True}),
        ("telegram", "not-a-chat", notice("nulle part")),
        ("telegram", "703", notice("reçu")),
    )
    await dispatcher.send_due()
    assert transport.texts() == [(703, "reçu")]
    for row_id, code in (
        (blocked, "forbidden"),
        (garbage, "bad_payload"),
        (bad_chat, "bad_destination"),
    ):
        failed = await row(outbox, row_id)
        assert (failed.status, failed.last_error, failed.attempts) == ("failed", code, 1)
    assert (await row(outbox, good)).status == "sent"
    await dispatcher.send_due()
    assert len(transport.sent) == 1  # failed rows are never retried


async def test_temporary_failures_are_retried_until_the_give_up_delay(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings(outbox_give_up_hours=48))
    transport.failures[801] = [RuntimeError("boom")] + [DeliveryError("NetworkError")] * 30
    [row_id] = await add_rows(sessionmaker, ("telegram", "801", notice("jamais")))
    for attempt in range(1, 31):  # far more than a few minutes' worth of attempts
        await dispatcher.send_due()
        retried = await row(outbox, row_id)
        assert (retried.status, retried.attempts) == ("pending", attempt)
        await set_row(sessionmaker, row_id, next_attempt_at=datetime.now(UTC))
    assert retried.last_error == "NetworkError"
    # Written 47 h ago: still retried; 49 h ago: the next failure gives up.
    await set_row(sessionmaker, row_id, created_at=datetime.now(UTC) - timedelta(hours=47))
    transport.failures[801] = [DeliveryError("NetworkError")] * 2
    await dispatcher.send_due()
    assert (await row(outbox, row_id)).status == "pending"
    await set_row(
        sessionmaker,
        row_id,
        created_at=datetime.now(UTC) - timedelta(hours=49),
        next_attempt_at=datetime.now(UTC),
    )
    await dispatcher.send_due()
    failed = await row(outbox, row_id)
    assert (failed.status, failed.attempts, failed.last_error) == ("failed", 32, "NetworkError")
    assert transport.sent == []


async def test_kick_wakes_the_running_dispatcher_and_close_finishes_the_send(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    transport.clock = fake_clock
    settings = make_settings(outbox_poll_seconds=30.0)
    dispatcher = Dispatcher(outbox, transport, settings, clock=fake_clock)
    dispatcher.start()
    try:
        # The first pass found nothing: both tasks wait for the next poll, in 30 s (which
        # never comes: the fake clock does not move until the end).
        poll = fake_clock.monotonic() + 30.0
        await wait_until(sleeping(fake_clock, poll, poll))
        [first] = await add_rows(sessionmaker, ("telegram", "901", notice("vite")))
        dispatcher.kick()

        async def delivered() -> bool:
            return bool(transport.sent)

        await wait_until(delivered)  # woken by the kick, not by the 30 s poll

        async def marked() -> bool:
            return bool((await row(outbox, first)).status == "sent")

        await wait_until(marked)

        # Closing while a row is being sent: the send finishes and is recorded.
        transport.delay = 0.5
        transport.started.clear()
        [second] = await add_rows(sessionmaker, ("telegram", "901", notice("lent")))
        dispatcher.kick()
        await asyncio.wait_for(transport.started.wait(), 5)
        closing = asyncio.create_task(dispatcher.aclose())
        bound = fake_clock.monotonic() + dispatcher.close_timeout()
        await wait_until(sleeping(fake_clock, bound))  # aclose waits for the row in flight
        assert not closing.done()
        fake_clock.advance(transport.delay)
        await closing
    finally:
        await dispatcher.aclose()
    assert transport.texts() == [(901, "vite"), (901, "lent")]
    assert (await row(outbox, second)).status == "sent"

    # A new dispatcher (the bot restarted) sends nothing twice.
    again = Dispatcher(outbox, transport, make_settings())
    assert await again.send_due() == 0


async def test_pending_rows_are_sent_when_started(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    await add_rows(sessionmaker, ("telegram", "911", notice("écrit avant le démarrage")))
    dispatcher = Dispatcher(outbox, transport, make_settings(outbox_poll_seconds=30.0))
    dispatcher.start()
    try:

        async def delivered() -> bool:
            return bool(transport.sent)

        await wait_until(delivered)
    finally:
        await dispatcher.aclose()
    assert transport.texts() == [(911, "écrit avant le démarrage")]
    assert await outbox.count_pending() == 0


async def test_email_rows_reach_the_smtp_server(
    sessionmaker: async_sessionmaker[AsyncSession], smtp_sink: SmtpSink
) -> None:
    settings = make_settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_timeout_seconds=3.0,
        mail_from="vigie@ehpad.example",
        helpdesk_mail_to="support@prestataire.example",
        helpdesk_reply_to="tickets@prestataire.example",
    )
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings)
    mail_id, chat_id = await add_rows(
        sessionmaker,
        ("email", "support@prestataire.example", mail_payload("VIG-2026-00042")),
        ("telegram", "1001", notice("VIG-2026-00042 nouveau")),
    )
    await dispatcher.send_due()
    [received] = smtp_sink.received()
    message = received.message
    assert received.rcpt_tos == ["support@prestataire.example"]
    assert message["Subject"] == "[VIG-2026-00042] Imprimante bloquée — EHPAD Les Tilleuls"
    assert message["To"] == "support@prestataire.example"
    assert message["Reply-To"] == "tickets@prestataire.example"
    assert message["Message-ID"] == "<vig-2026-00042.0@vigie.test>"
    assert "l’imprimante n’imprime plus" in message.get_content()
    assert (await row(outbox, mail_id)).status == "sent"
    assert (await row(outbox, chat_id)).status == "sent"
    await dispatcher.send_due()
    assert len(smtp_sink.received()) == 1


async def test_email_to_an_unreachable_server_is_retried_and_blocks_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nothing listens there
        smtp_timeout_seconds=2.0,
        helpdesk_mail_to="support@prestataire.example",
    )
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings)
    mail_id, _ = await add_rows(
        sessionmaker,
        ("email", "support@prestataire.example", mail_payload("VIG-2026-00043")),
        ("telegram", "1002", notice("VIG-2026-00043 nouveau")),
    )
    await dispatcher.send_due()
    assert transport.texts() == [(1002, "VIG-2026-00043 nouveau")]
    mail = await row(outbox, mail_id)
    assert (mail.status, mail.attempts, mail.last_error) == ("pending", 1, "connection_error")


async def test_email_row_with_mail_disabled_waits_for_the_configuration(
    sessionmaker: async_sessionmaker[AsyncSession], smtp_sink: SmtpSink
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings())  # no SMTP host
    [mail_id] = await add_rows(
        sessionmaker, ("email", "support@prestataire.example", mail_payload("VIG-2026-00044"))
    )
    await dispatcher.send_due()
    mail = await row(outbox, mail_id)
    assert (mail.status, mail.last_error) == ("pending", "mail_disabled")
    # The administrator sets SMTP_HOST and restarts: the e-mail goes.
    await set_row(sessionmaker, mail_id, next_attempt_at=datetime.now(UTC))
    configured = make_settings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port)
    await Dispatcher(outbox, transport, configured).send_due()
    assert (await row(outbox, mail_id)).status == "sent"
    assert len(smtp_sink.received()) == 1


async def test_email_with_a_wrong_password_goes_once_the_password_is_fixed(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    def authenticator(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        return AuthResult(success=auth_data.password == b"right", handled=False)

    with SmtpSink(authenticator=authenticator, auth_require_tls=False) as sink:
        settings = make_settings(
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_timeout_seconds=3.0,
            smtp_username="vigie",
            smtp_password="wrong",
            helpdesk_mail_to="support@prestataire.example",
        )
        outbox, transport = Outbox(sessionmaker), Transport()
        [mail_id] = await add_rows(
            sessionmaker, ("email", "support@prestataire.example", mail_payload("VIG-2026-00046"))
        )
        await Dispatcher(outbox, transport, settings).send_due()
        mail = await row(outbox, mail_id)
        assert (mail.status, mail.last_error) == ("pending", "smtp_535")
        await set_row(sessionmaker, mail_id, next_attempt_at=datetime.now(UTC))
        fixed = settings.model_copy(update={"smtp_password": SecretStr("right")})
        await Dispatcher(outbox, transport, fixed).send_due()
        assert (await row(outbox, mail_id)).status == "sent"
        assert len(sink.received()) == 1


async def test_a_hanging_smtp_server_never_delays_the_chat(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """An SMTP server that accepts connections and never answers holds only the e-mail lane."""
    connected = asyncio.Event()
    held: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        connected.set()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = make_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_seconds=30.0,
        helpdesk_mail_to="support@prestataire.example",
    )
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings)
    mail_id, _ = await add_rows(
        sessionmaker,
        ("email", "support@prestataire.example", mail_payload("VIG-2026-00045")),
        ("telegram", "1003", notice("VIG-2026-00045 nouveau")),
    )
    dispatcher.start()
    try:
        await asyncio.wait_for(connected.wait(), 10)
        await wait_until(lambda: _sent(transport), timeout=10)
        # The chat got its notification while the e-mail is still waiting for the server.
        assert transport.texts() == [(1003, "VIG-2026-00045 nouveau")]
        mail = await row(outbox, mail_id)
        assert (mail.status, mail.attempts) == ("pending", 0)
    finally:
        for writer in held:
            writer.close()
        server.close()
        await dispatcher.aclose()


async def _sent(transport: Transport) -> bool:
    return bool(transport.sent)


async def test_sent_rows_and_closed_tickets_are_purged_after_the_retention_period(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(retention_days=30, ticket_retention_days=30)
    service, ticket_id = await ticket_world(sessionmaker, settings)
    await service.resolve("u-paul", ticket_id)
    await service.confirm_fixed("u-anne", ticket_id)
    async with sessionmaker() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.closed_at = datetime.now(UTC) - timedelta(days=31)
        await session.commit()
    outbox = Outbox(sessionmaker)
    housekeeping = Housekeeping(
        outbox=outbox,
        tickets=service,
        phishing=PhishingService(sessionmaker, settings),
        settings=settings,
    )
    old_id, recent_id, pending_id = await add_rows(
        sessionmaker,
        ("telegram", "1004", notice("ancien")),
        ("telegram", "1004", notice("récent")),
        ("telegram", "1005", notice("en attente")),
    )
    await outbox.mark_sent(old_id)
    await outbox.mark_sent(recent_id)
    async with sessionmaker() as session:
        found = await session.get(OutboxMessage, old_id)
        assert found is not None
        found.created_at = datetime.now(UTC) - timedelta(days=31)
        await session.commit()
    purged = await housekeeping.purge_expired()
    assert (purged["outbox_rows"], purged["tickets_deleted"]) == (1, 1)
    assert await service.get(ticket_id) is None
    assert not any((await housekeeping.purge_expired()).values())
    assert await outbox.get(old_id) is None
    assert (await row(outbox, recent_id)).status == "sent"
    assert (await row(outbox, pending_id)).status == "pending"


async def test_close_takes_no_new_row_and_waits_for_the_one_in_flight(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    transport.delay, transport.clock = 0.8, fake_clock
    slow, later = await add_rows(
        sessionmaker,
        ("telegram", "921", notice("en cours d’envoi")),
        ("telegram", "922", notice("pas encore pris")),
    )
    dispatcher = Dispatcher(outbox, transport, make_settings(), clock=fake_clock)
    dispatcher.start()
    await asyncio.wait_for(transport.started.wait(), 5)
    closing = asyncio.create_task(dispatcher.aclose())
    bound = fake_clock.monotonic() + dispatcher.close_timeout()
    await wait_until(sleeping(fake_clock, bound))  # aclose waits for the row in flight
    assert not closing.done()
    fake_clock.advance(transport.delay)
    await closing
    # Returned only once the row in flight was sent AND marked; the next one was not taken.
    assert transport.texts() == [(921, "en cours d’envoi")]
    assert (await row(outbox, slow)).status == "sent"
    later_row = await row(outbox, later)
    assert (later_row.status, later_row.attempts) == ("pending", 0)


class HoldingSink(SmtpSink):
    """Accepts a message only once ``release`` is set; ``data_started`` is set when it
    receives one."""

    def __init__(self) -> None:
        super().__init__()
        self.data_started = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_started.set()
        # The server's own event loop, in its thread: wait for the release without blocking it.
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


async def test_close_waits_for_the_smtp_send_in_flight_and_its_marking(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    """An SMTP send runs in a thread that cannot be cancelled: stopping in the middle would
    leave the e-mail sent but pending, sent again after a restart."""
    with HoldingSink() as sink:
        settings = make_settings(
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_timeout_seconds=5.0,
            helpdesk_mail_to="support@prestataire.example",
        )
        outbox, transport = Outbox(sessionmaker), Transport()
        [mail_id] = await add_rows(
            sessionmaker, ("email", "support@prestataire.example", mail_payload("VIG-2026-00047"))
        )
        dispatcher = Dispatcher(outbox, transport, settings, clock=fake_clock)
        # A bound well above the slowest exchange the SMTP timeouts allow.
        assert dispatcher.close_timeout() >= 10 * settings.smtp_timeout_seconds
        dispatcher.start()
        assert await asyncio.to_thread(sink.data_started.wait, 10)
        closing = asyncio.create_task(dispatcher.aclose())
        bound = fake_clock.monotonic() + dispatcher.close_timeout()
        await wait_until(sleeping(fake_clock, bound))
        assert not closing.done()  # it waits for the server's answer
        sink.release.set()
        await closing
        assert len(sink.received()) == 1
        assert (await row(outbox, mail_id)).status == "sent"
        # Restarted: nothing is sent twice.
        await Dispatcher(outbox, transport, settings).send_due()
        assert len(sink.received()) == 1


# -- Suspicious e-mail reports: the original file, staff warnings --------------------------
PARCEL = EMAILS / "phishing" / "colis_chronopost_short.eml"
REPORTERS = (1401, 1402, 1403)  # staff of two facilities (Telegram chats)
UNREACHABLE = 1404  # a staff member who blocked the bot
PHISH_TECH = 1501


async def phishing_world(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> PhishingService:
    """Two facilities with staff, and Paul the technician (private chat PHISH_TECH)."""
    directory = Directory(sessionmaker)
    for name, chats in (("EHPAD Les Tilleuls", REPORTERS[:2]), ("FAM L’Horizon", REPORTERS[2:])):
        facility = await directory.create_facility(name, "Rodez")
        for chat in (*chats, UNREACHABLE) if name == "FAM L’Horizon" else chats:
            code = await directory.create_invitation(facility_id=facility.id, role="staff")
            await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=chat, sender=f"u-{chat}"
            )
    await directory.add_technician(name="Paul", chat_id=PHISH_TECH, sender="u-paul")
    return PhishingService(sessionmaker, settings)


async def report(
    service: PhishingService, chat: int, data: bytes, action: str | None = "clicked"
) -> int:
    """``chat``'s staff member reports ``data`` (and says what they did, unless None)."""
    analysis = analyse(data, trusted=trusted_domains([]), limits=Limits())
    view = await service.submit(
        sender=f"u-{chat}",
        channel="telegram",
        chat_id=chat,
        data=data,
        source="eml",
        filename="Livraison impossible.eml",
        analysis=analysis,
    )
    if action is not None:
        await service.record_action(f"u-{chat}", view.id, action)
    return view.id


async def test_a_report_s_original_is_sent_as_a_document_after_its_message(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings()
    service = await phishing_world(sessionmaker, settings)
    data = PARCEL.read_bytes()
    report_id = await report(service, REPORTERS[0], data)
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings, phishing=service)
    await dispatcher.send_due()
    [(chat, filename, sent, caption)] = transport.documents
    assert (chat, filename, sent) == (PHISH_TECH, f"signalement-{report_id}.eml", data)
    assert f"signalement n° {report_id} " in caption.plain_text().replace("\u00a0", " ")
    assert "environnement d’analyse" in caption.plain_text()
    [(message_chat, message)] = transport.sent  # the report itself, before its file
    assert message_chat == PHISH_TECH and message.buttons
    assert await outbox.count_pending() == 0
    await dispatcher.send_due()
    assert len(transport.documents) == 1


async def test_a_purged_original_leaves_its_caption_saying_so(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(phishing_keep_days=30)
    service = await phishing_world(sessionmaker, settings)
    report_id = await report(service, REPORTERS[0], PARCEL.read_bytes())
    # The technicians' rows wait (Telegram was down) beyond the original's keeping delay.
    originals, _ = await service.purge(now=datetime.now(UTC) + timedelta(days=31))
    assert originals == 1 and await service.original(report_id) is None
    outbox, transport = Outbox(sessionmaker), Transport()
    await Dispatcher(outbox, transport, settings, phishing=service).send_due()
    assert transport.documents == []
    _, notice = [text for chat, text in transport.texts() if chat == PHISH_TECH]
    assert f"signalement n° {report_id} " in notice.replace("\u00a0", " ")
    assert notice.endswith("\n(fichier original supprimé)")
    assert await outbox.count_pending() == 0


@pytest.mark.parametrize(
    "document",
    [
        {"filename": "x.eml"},
        {"filename": "", "text": "Déclaration"},
        {"filename": "declaration.txt", "text": 42},
        {"filename": "rapport.pdf", "base64": "pas du base64 !"},
        {"filename": "", "base64": "JVBERg=="},
        "declaration.txt",
    ],
)
async def test_bad_document_rows_fail_at_once(
    sessionmaker: async_sessionmaker[AsyncSession], document: object
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, make_settings())
    bad = {**notice("Message original"), "document": document}
    [row_id] = await add_rows(sessionmaker, ("telegram", "1601", bad))
    await dispatcher.send_due()
    failed = await row(outbox, row_id)
    assert (failed.status, failed.last_error) == ("failed", "bad_payload")
    assert transport.sent == transport.documents == []


async def test_a_text_written_by_the_domain_goes_as_a_file_with_its_caption(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    text = "Déclaration d’un incident\nÉtablissement : EHPAD <Les Tilleuls>\n"
    payload = {
        **notice("Déclaration d’un incident"),
        "document": {"filename": "declaration-INC-2026-00001.txt", "text": text},
    }
    await add_rows(sessionmaker, ("telegram", "1601", payload))
    await Dispatcher(outbox, transport, make_settings()).send_due()
    [(chat, filename, data, caption)] = transport.documents
    assert (chat, filename, data.decode()) == (1601, "declaration-INC-2026-00001.txt", text)
    assert caption.plain_text() == "Déclaration d’un incident"
    assert await outbox.count_pending() == 0


async def test_a_binary_file_made_by_the_domain_goes_with_its_caption(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    outbox, transport = Outbox(sessionmaker), Transport()
    pdf = b"%PDF-1.4\n\x00\xff binary\n%%EOF\n"
    payload = {
        **notice("Rapport mensuel"),
        "document": {"filename": "rapport-2026-11.pdf", "base64": base64.b64encode(pdf).decode()},
    }
    await add_rows(sessionmaker, ("telegram", "1601", payload))
    await Dispatcher(outbox, transport, make_settings()).send_due()
    [(chat, filename, data, caption)] = transport.documents
    assert (chat, filename, data) == (1601, "rapport-2026-11.pdf", pdf)
    assert caption.plain_text() == "Rapport mensuel"


async def test_the_end_of_a_warning_batch_queues_one_summary(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """One recipient blocked the bot, one fails once: the summary waits for the retry, then
    comes once, counting the unreachable one."""
    settings = make_settings()
    service = await phishing_world(sessionmaker, settings)
    data = PARCEL.read_bytes()
    report_id = await report(service, REPORTERS[0], data)
    view = await service.get_for_reporter(f"u-{REPORTERS[0]}", report_id)
    assert view is not None
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings, phishing=service)
    await dispatcher.send_due()
    transport.sent.clear()

    _, queued = await service.warn("u-paul", view.campaign_id, "all")
    assert queued == 4
    transport.failures[UNREACHABLE] = [DeliveryError("forbidden", permanent=True)]
    transport.failures[REPORTERS[1]] = [DeliveryError("TimedOut")]
    await dispatcher.send_due()
    warned = {chat for chat, text in transport.texts() if "⚠️" in text}
    assert warned == {REPORTERS[0], REPORTERS[2]}
    assert not [text for chat, text in transport.texts() if chat == PHISH_TECH]
    [retried] = [e for e in await outbox.entries() if e.last_error == "TimedOut"]
    await set_row(sessionmaker, retried.id, next_attempt_at=datetime.now(UTC))
    await dispatcher.send_due()  # the last warning goes: the summary is queued and sent
    await dispatcher.send_due()
    summaries = [text for chat, text in transport.texts() if chat == PHISH_TECH]
    assert len(summaries) == 1
    assert "reçue par 3" in summaries[0] and "sur 4" in summaries[0]
    assert "1 injoignable" in summaries[0].replace("\u00a0", " ")
    # Nothing more, whoever looks again.
    assert await dispatcher.finish_batches() == 0
    assert await service.batch_done(f"warn:{view.campaign_id}") is False
    await Dispatcher(outbox, transport, settings, phishing=service).send_due()
    assert len([text for chat, text in transport.texts() if chat == PHISH_TECH]) == 1


async def test_a_warning_whose_last_row_fails_for_good_still_gets_its_summary(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings()
    service = await phishing_world(sessionmaker, settings)
    report_id = await report(service, REPORTERS[0], PARCEL.read_bytes())
    view = await service.get_for_reporter(f"u-{REPORTERS[0]}", report_id)
    assert view is not None
    outbox, transport = Outbox(sessionmaker), Transport()
    dispatcher = Dispatcher(outbox, transport, settings, phishing=service)
    await dispatcher.send_due()
    transport.sent.clear()
    await service.warn("u-paul", view.campaign_id, "all")
    transport.failures[UNREACHABLE] = [DeliveryError("forbidden", permanent=True)]  # the last
    await dispatcher.send_due()
    await dispatcher.send_due()
    [summary] = [text for chat, text in transport.texts() if chat == PHISH_TECH]
    assert "reçue par 3 personnes sur 4" in summary


async def test_running_housekeeping_releases_unanswered_reports_and_purges_originals(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = make_settings(phishing_notify_after_minutes=10, phishing_keep_days=30)
    service = await phishing_world(sessionmaker, settings)
    data = PARCEL.read_bytes()
    silent = await report(service, REPORTERS[0], data, action=None)  # never answered
    old = await report(service, REPORTERS[2], data, action="none")
    async with sessionmaker() as session:
        for report_id, age in ((silent, timedelta(minutes=11)), (old, timedelta(days=31))):
            found = await session.get(PhishingReport, report_id)
            assert found is not None
            found.created_at = datetime.now(UTC) - age
        await session.commit()
    outbox, transport = Outbox(sessionmaker), Transport()
    # The old report's rows were sent long ago.
    for entry in await outbox.entries(("pending",)):
        await outbox.mark_sent(entry.id)
    dispatcher = Dispatcher(outbox, transport, settings, phishing=service)
    housekeeping = Housekeeping(
        outbox=outbox,
        tickets=TicketService(sessionmaker, settings),
        phishing=service,
        settings=settings,
        kick=dispatcher.kick,
    )
    dispatcher.start()
    housekeeping.start()
    try:

        async def released() -> bool:
            return any(chat == PHISH_TECH for chat, _, _, _ in transport.documents)

        await wait_until(released)
    finally:
        await housekeeping.aclose()
        await dispatcher.aclose()
    [(_, filename, sent, _)] = transport.documents
    assert (filename, sent) == (f"signalement-{silent}.eml", data)
    assert any("non précisé" in text for chat, text in transport.texts() if chat == PHISH_TECH)
    assert await service.original(old) is None  # kept 30 days only
    assert await service.original(silent) is not None


async def test_a_chat_that_blocked_the_bot_is_reported_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Telegram's 403 (« bot was blocked by the user »): the row fails at once and the domain
    hears of the chat (the tips of the week take it off their list); other errors do not."""
    outbox, transport = Outbox(sessionmaker), Transport()
    blocked: list[int] = []

    async def on_blocked(chat_id: int) -> None:
        blocked.append(chat_id)

    transport.failures[1701] = [DeliveryError("forbidden", permanent=True)]
    transport.failures[1702] = [DeliveryError("bad_request", permanent=True)]
    await add_rows(
        sessionmaker,
        ("telegram", "1701", notice("Astuce")),
        ("telegram", "1702", notice("Astuce")),
    )
    await Dispatcher(outbox, transport, make_settings(), on_blocked=on_blocked).send_due()
    assert blocked == [1701]
    assert await outbox.count_pending() == 0


async def test_two_processes_one_sender(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Several bot processes: the holder of the ``outbox`` lease sends every row once; when
    it stops, the other takes the sending over at once (the lease is given back)."""
    settings = Settings(_env_file=None, outbox_poll_seconds=0.05)  # type: ignore[call-arg]
    outbox = Outbox(sessionmaker)
    first, second = Transport(), Transport()
    a = Dispatcher(
        outbox, first, settings, channels=("telegram",), leases=Leases(sessionmaker, "bot-1")
    )
    b = Dispatcher(
        outbox, second, settings, channels=("telegram",), leases=Leases(sessionmaker, "bot-2")
    )
    a.start()

    async def a_leads() -> bool:
        return await Leases(sessionmaker, "x").holder_of("outbox") == "bot-1"

    await wait_until(a_leads)
    b.start()
    try:
        await add_rows(
            sessionmaker,
            *(("telegram", str(700 + n), OutgoingMessage(f"m{n}").to_custom()) for n in range(20)),
        )

        async def all_sent() -> bool:
            return len(first.sent) + len(second.sent) == 20

        await wait_until(all_sent)
        assert len(first.sent) == 20 and second.sent == []
        await a.aclose()  # a clean stop gives the lease back: bot-2 sends from now on
        await add_rows(sessionmaker, ("telegram", "799", OutgoingMessage("after").to_custom()))

        async def taken_over() -> bool:
            return len(second.sent) == 1

        await wait_until(taken_over, timeout=10.0)
        assert len(first.sent) == 20
    finally:
        await a.aclose()
        await b.aclose()


async def test_kicks_are_taken_together_and_a_standing_by_process_ignores_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Under load every turn kicks the dispatcher (« something was written »): the process
    that sends looks for due rows at most every KICK_INTERVAL_SECONDS, not once per kick, and
    a process standing by checks the lease at its own pace, not at each kick."""
    settings = Settings(_env_file=None, outbox_poll_seconds=30)  # type: ignore[call-arg]
    outbox = Outbox(sessionmaker)
    a = Dispatcher(
        outbox, Transport(), settings, channels=("telegram",), leases=Leases(sessionmaker, "bot-1")
    )
    b = Dispatcher(
        outbox, Transport(), settings, channels=("telegram",), leases=Leases(sessionmaker, "bot-2")
    )
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    engine = sessionmaker.kw["bind"].sync_engine
    a.start()

    async def a_leads() -> bool:
        return await Leases(sessionmaker, "x").holder_of("outbox") == "bot-1"

    await wait_until(a_leads)
    b.start()
    await asyncio.sleep(0.5)  # b has checked the lease once and stands by
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for _ in range(100):  # 100 kicks in about a second, to both
            a.kick()
            b.kick()
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        await a.aclose()
        await b.aclose()
    due_queries = [s for s in statements if s.startswith("select") and "from outbox" in s]
    lease_statements = [s for s in statements if "leases" in s]
    seconds = 1.3
    assert 1 <= len(due_queries) <= seconds / KICK_INTERVAL_SECONDS + 2, len(due_queries)
    assert len(lease_statements) <= 2, lease_statements  # b's standby: every 5 s, not per kick
