"""The terminal chat: numbered choices, commands, plain text; registration and ticket
notifications through the desk and the outbox; saved e-mails submitted with ``/mail``; on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import io
import queue
import re
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.terminal import TERMINAL_CHAT_ID, TERMINAL_USER_ID, TerminalDelivery, chat, to_incoming
from tests.auxil.paths import EMAILS
from tests.auxil.toggle_proxy import free_port
from vigie.conversation.models import InboxItem
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.outbox.dispatcher import TERMINAL_CHANNELS, Dispatcher
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.intake import email_received
from vigie.phishing.models import PhishingReport
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft


async def test_buttons_become_numbered_choices() -> None:
    out = io.StringIO()
    delivery = TerminalDelivery(out)
    message = OutgoingMessage(
        "<b>Vous voulez parler de…</b> &lt;ok&gt;",
        (
            Button("Mots de passe", '/faq{"article":"password_strength"}'),
            Button("Autre chose", "/out_of_scope"),
        ),
    )
    await delivery.deliver(1, [message])
    shown = out.getvalue()
    assert "Vous voulez parler de… <ok>" in shown and "<b>" not in shown
    assert "[1] Mots de passe" in shown and "[2] Autre chose" in shown
    chosen = to_incoming("2\n", delivery.choices)
    assert chosen is not None and chosen.kind == "button" and chosen.text == "/out_of_scope"


def test_lines_become_messages_or_commands() -> None:
    assert to_incoming("/quitter\n", []) is None
    menu = to_incoming("/aide\n", [])
    assert menu is not None and menu.text == "/help"
    text = to_incoming("3\n", [])  # no choice 3 on screen: plain text
    assert text is not None and text.kind == "text" and text.text == "3\n"


# -- The terminal as a staff member's trial of tickets (real database, Rasa not running) ------

TECHNICIAN_CHAT = 4242


class TypedLines:
    """The keyboard of the terminal: ``readline`` blocks until the test types a line."""

    def __init__(self) -> None:
        self._lines: queue.Queue[str] = queue.Queue()

    def type(self, line: str) -> None:
        self._lines.put(line + "\n")

    def close(self) -> None:
        self._lines.put("")  # end of input

    def readline(self) -> str:
        return self._lines.get()


class Screen(io.StringIO):
    """What the terminal printed; ``wait_for`` looks only at what came after the last mark."""

    def __init__(self) -> None:
        super().__init__()
        self._mark = 0

    async def wait_for(self, *needles: str, timeout: float = 15.0) -> str:
        """The output since the last call, once it holds every needle (then marks it read)."""
        deadline = time.monotonic() + timeout
        while True:
            shown = self.getvalue()[self._mark :]
            if all(needle in shown for needle in needles):
                self._mark = len(self.getvalue())
                return shown
            if time.monotonic() > deadline:
                raise AssertionError(f"{needles!r} not shown; the screen shows:\n{shown}")
            await asyncio.sleep(0.02)


def choice_number(shown: str, title_start: str) -> str:
    """The number printed before the choice whose title starts with ``title_start``."""
    for number, title in re.findall(r"\[(\d+)\] (.+)", shown):
        if title.startswith(title_start):
            return str(number)
    raise AssertionError(f"no choice {title_start!r} in:\n{shown}")


def terminal_settings(db_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        rasa_url=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        rasa_timeout_seconds=2,
        rasa_retries=0,
        retry_interval_seconds=60,
        pseudonym_secret=SecretStr("terminal-secret-0123456789abcdefghij"),
        technicians_chat_id=None,
        smtp_host=None,
        helpdesk_mail_to=None,
        outbox_poll_seconds=0.05,
    )


async def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_a_terminal_user_registers_and_follows_a_ticket(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings = terminal_settings(db_url)
    directory = Directory(sessionmaker)
    tickets = TicketService(sessionmaker, settings)
    facility = await directory.create_facility("EHPAD Les Tilleuls", "Rodez")
    staff_code = await directory.create_invitation(facility_id=facility.id, role="staff")
    technician_code = await directory.create_invitation(facility_id=None, role="technician")
    await directory.add_technician(name="Paul", chat_id=TECHNICIAN_CHAT, sender="u-paul")
    sender = pseudonymize(TERMINAL_USER_ID, b"terminal-secret-0123456789abcdefghij")

    keyboard, screen = TypedLines(), Screen()
    session = asyncio.create_task(chat(settings, keyboard, screen))  # type: ignore[arg-type]
    try:
        await screen.wait_for("/start CODE", "vigie invitations create", "Vous ›")

        # Technicians' codes and commands are for Telegram: refused, nothing recorded.
        keyboard.type(f"/start {technician_code.code}")
        shown = await screen.wait_for("destiné aux techniciens", "Vous ›")
        assert await directory.person_by_sender(sender) is None
        keyboard.type("/tickets")
        await screen.wait_for("ne fonctionnent que dans Telegram", "Vous ›")

        # Joining with a staff code, then the job as a numbered choice (to the desk).
        keyboard.type(f"/start {staff_code.code.lower()}")
        shown = await screen.wait_for("EHPAD Les Tilleuls", "quel est votre métier", "[4] Autre")
        keyboard.type(choice_number(shown, "Soins"))
        # Then the menu, through the pipeline: Rasa is down here, so the degraded reply.
        await screen.wait_for("votre métier\u00a0: Soins", "Votre message est bien enregistré")
        person = await directory.person_by_sender(sender)
        assert person is not None
        assert (person.channel, person.chat_id, person.role, person.job) == (
            "terminal",
            TERMINAL_CHAT_ID,
            "staff",
            "care",
        )
        assert person.facility_id == facility.id

        # A ticket of this person (as the action server would open it), taken by Paul.
        draft = TicketDraft("L’imprimante du 2e ne répond plus", "printer", "me", "yes")
        view, created = await tickets.create(sender, draft, idempotency_key="terminal-1")
        assert created
        await tickets.take("u-paul", view.id)
        await screen.wait_for(f"Votre demande {view.reference} est prise en charge par Paul")

        await tickets.resolve("u-paul", view.id)
        shown = await screen.wait_for("Est-ce réglé", "[2]", "Vous ›")
        keyboard.type(choice_number(shown, "Non"))
        await screen.wait_for(f"la demande {view.reference} est rouverte", "Vous ›")
        reopened = await tickets.get(view.id)
        assert reopened is not None and reopened.status == "reopened"
        events = [event.kind for event in await tickets.timeline(view.id)]
        assert events == ["created", "taken", "resolved", "reopened"]

        # The requester's rows went to this terminal; Paul's wait for the Telegram bot.
        rows = await outbox(sessionmaker)
        mine = [r for r in rows if r.channel == "terminal"]
        assert [(r.destination, r.status) for r in mine] == [(str(TERMINAL_CHAT_ID), "sent")] * 2
        technician = [r for r in rows if r.channel == "telegram"]
        assert [(r.destination, r.status) for r in technician] == [
            (str(TECHNICIAN_CHAT), "pending")  # the new ticket, then its reopening
        ] * 2
        assert len(rows) == len(mine) + len(technician)

        keyboard.type("/quitter")
        await asyncio.wait_for(session, 15)
    finally:
        keyboard.close()
        if not session.done():
            session.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session
    assert "À bientôt" in screen.getvalue()


async def test_the_telegram_dispatcher_leaves_the_terminal_rows(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    settings = terminal_settings(db_url)
    async with sessionmaker() as session:
        for channel in ("terminal", "telegram"):
            Outbox.add(
                session,
                channel=channel,
                destination="1",
                payload=OutgoingMessage(f"pour {channel}").to_custom(),
            )
        await session.commit()
    outbox_repository = Outbox(sessionmaker)
    screen = Screen()
    telegram_side = Dispatcher(outbox_repository, TerminalDelivery(screen), settings)
    assert await telegram_side.send_due() == 1
    terminal_side = Dispatcher(
        outbox_repository, TerminalDelivery(screen), settings, channels=TERMINAL_CHANNELS
    )
    assert await terminal_side.send_due() == 1
    assert await terminal_side.send_due() == 0
    assert screen.getvalue().index("pour telegram") < screen.getvalue().index("pour terminal")
    assert [row.status for row in await outbox(sessionmaker)] == ["sent", "sent"]
    with pytest.raises(ValueError):
        Dispatcher(outbox_repository, TerminalDelivery(screen), settings, channels=("sms",))


# -- Suspicious e-mails: /mail CHEMIN.eml -------------------------------------------------------


async def test_a_saved_email_is_submitted_with_the_mail_command(
    db_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    settings = terminal_settings(db_url)
    saved = tmp_path / "Attestation de droits.eml"
    saved.write_bytes((EMAILS / "phishing" / "ameli_attestation_spoofed.eml").read_bytes())
    too_big = tmp_path / "gros.eml"
    too_big.write_bytes(b"Subject: x\n\n" + b"x" * (11 * 1024 * 1024))
    keyboard, screen = TypedLines(), Screen()
    session = asyncio.create_task(chat(settings, keyboard, screen))  # type: ignore[arg-type]
    try:
        await screen.wait_for("/mail CHEMIN.eml", "Vous ›")
        keyboard.type("/mail")
        await screen.wait_for("Indiquez le chemin du fichier .eml", "Vous ›")
        keyboard.type(f"/mail {tmp_path / 'absent.eml'}")
        await screen.wait_for("Je ne trouve pas le fichier", "absent.eml", "Vous ›")
        keyboard.type(f"/mail {too_big}")
        await screen.wait_for("trop lourd", "10\u00a0Mo", "Vous ›")
        keyboard.type(f"/mail {tmp_path / 'Facture.msg'}")
        await screen.wait_for("Je ne trouve pas le fichier", "Facture.msg", "Vous ›")
        assert await reports(sessionmaker) == []

        keyboard.type(f'/mail "{saved}"')
        await screen.wait_for("Votre message est bien enregistré", "Vous ›")  # Rasa is down
        [report] = await reports(sessionmaker)
        sender = pseudonymize(TERMINAL_USER_ID, b"terminal-secret-0123456789abcdefghij")
        assert (report.sender, report.channel, report.chat_id) == (
            sender,
            "terminal",
            TERMINAL_CHAT_ID,
        )
        assert (report.source, report.filename, report.verdict) == (
            "eml",
            "Attestation de droits.eml",
            "dangereux",
        )
        async with sessionmaker() as db:
            items = list(await db.scalars(select(InboxItem).order_by(InboxItem.id)))
        assert [(i.kind, i.text) for i in items][-1] == ("email", email_received(report.id))
        keyboard.type("/quitter")
        await asyncio.wait_for(session, 15)
    finally:
        keyboard.close()
        if not session.done():
            session.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session


async def reports(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PhishingReport]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(PhishingReport).order_by(PhishingReport.id)))


async def test_a_document_is_shown_as_an_attachment_line_and_its_caption() -> None:
    out = io.StringIO()
    caption = OutgoingMessage("Message original du signalement n°\u00a03 — <b>à n’ouvrir</b>…")
    await TerminalDelivery(out).send_document(1, "signalement-3.eml", b"x" * 5000, caption)
    shown = out.getvalue()
    assert "[Pièce jointe\u00a0: signalement-3.eml (5\u00a0Ko)]" in shown
    assert "signalement n°\u00a03 — à n’ouvrir…" in shown and "<b>" not in shown
