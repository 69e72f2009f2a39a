"""A local chat in the terminal, on the same pipeline as Telegram (no token needed).

It is also a staff member's trial of tickets: ``/start CODE`` registers the terminal user in a
facility (the desk, channel ``terminal``), the numbered choices of ``v:…`` buttons go to the
desk (job, « Est-ce réglé ? »), and an outbox dispatcher for the ``terminal`` and ``email``
channels shows the ticket notifications addressed to this chat as they come. Technicians'
commands stay in Telegram. ``make run`` runs this chat only when there is no Telegram token,
so the two dispatchers never send the same e-mail rows. ``/mail CHEMIN.eml`` submits a saved
suspicious e-mail as a file sent in Telegram would be (pasting a whole e-mail is not practical
in a terminal).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import sys
import threading
from collections.abc import Awaitable, Sequence
from pathlib import Path, PurePath
from typing import TextIO

from bot.wiring import FrontEnd, Services
from vigie.conversation import texts
from vigie.conversation.pipeline import Incoming
from vigie.core.desk import DeskReply
from vigie.core.messages import Button, OutgoingMessage, html_to_plain
from vigie.core.settings import Settings
from vigie.core.typography import NBSP
from vigie.outbox.dispatcher import TERMINAL_CHANNELS
from vigie.phishing.intake import TOO_BIG, file_kind
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.desk import is_desk_callback

logger = logging.getLogger(__name__)

CHANNEL = "terminal"
TERMINAL_CHAT_ID = 1
TERMINAL_USER_ID = 1
PROMPT = "\nVous › "
TECHNICIAN_COMMANDS = frozenset({"/tickets", "/ticket", "/campagnes"})
MAIL_COMMAND = "/mail"


class TerminalDelivery:
    """Prints messages; buttons become numbered choices."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.choices: list[Button] = []
        # The user is at the prompt: a message arriving now (a ticket notification, a reply
        # sent once Rasa is back) is followed by the prompt again.
        self.prompting = False

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        for message in messages:
            self._out.write("\nVigie › " + message.plain_text().replace("\n", "\n        ") + "\n")
            if message.buttons:
                self.choices = list(message.buttons)
                for number, button in enumerate(message.buttons, start=1):
                    self._out.write(f"   [{number}] {button.title}\n")
        if self.prompting and messages:
            self._out.write(PROMPT)
        self._out.flush()

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None:
        """Show that a file was sent (its name and size), then its caption."""
        size = max(1, round(len(data) / 1024))
        shown = f"[Pièce jointe{NBSP}: {filename} ({size}{NBSP}Ko)]"
        text = caption.plain_text()
        await self.deliver(chat_id, [OutgoingMessage(html.escape(f"{shown}\n{text}".strip()))])

    def prompt(self) -> None:
        """Show the prompt and wait for a line."""
        self._out.write(PROMPT)
        self._out.flush()
        self.prompting = True


def chosen(line: str, choices: Sequence[Button]) -> Button | None:
    """The choice whose number was typed, if any."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        return choices[int(stripped) - 1]
    return None


def to_incoming(
    line: str, choices: Sequence[Button], update_id: int | None = None
) -> Incoming | None:
    """Turn a typed line into an incoming message; ``None`` to quit."""
    stripped = line.strip()
    if stripped in {"/quitter", "/quit", "/exit"}:
        return None
    button = chosen(stripped, choices)
    if button is not None:
        return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "button", button.payload, update_id)
    if stripped in {"/aide", "/menu", "/start", "/help"}:
        return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "button", "/help", update_id)
    return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "text", line, update_id)


UNREADABLE_FILE = "unreadable"


def read_mail_file(path_text: str, max_bytes: int) -> bytes | str | None:
    """The file's bytes; ``TOO_BIG`` beyond ``max_bytes`` (checked before reading), None when
    there is no such file, ``UNREADABLE_FILE`` when it cannot be read."""
    try:
        path = Path(path_text).expanduser()
        if not path.is_file():
            return None
        if path.stat().st_size > max_bytes:
            return TOO_BIG
        with path.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError:
        return UNREADABLE_FILE
    return TOO_BIG if len(data) > max_bytes else data


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of ``stdin`` read by a daemon thread, so that Ctrl-C never waits for input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):  # the terminal is gone (a closed window: EIO)
                line = ""
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if not line:
                return

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    return queue


class TerminalChat:
    """One terminal conversation: the desk for registration and ``v:…`` choices, the
    pipeline (Rasa) for the rest, the outbox dispatcher for ticket notifications."""

    def __init__(self, settings: Settings, services: Services, out: TextIO) -> None:
        self.settings = settings
        self.delivery = TerminalDelivery(out)
        self.front = FrontEnd.assemble(
            services,
            channel=CHANNEL,
            delivery=self.delivery,
            outbox_channels=TERMINAL_CHANNELS,
        )
        self.pipeline = self.front.pipeline  # the parts this chat calls most
        self.desk = self.front.desk
        self.intake = self.front.intake

    def start(self) -> None:
        self.front.start()

    async def aclose(self) -> None:
        await self.front.aclose()

    async def handle(self, line: str) -> bool:
        """Handle one typed line; False to quit."""
        command, _, argument = line.strip().partition(" ")
        argument = argument.strip()
        if command == "/start" and argument:
            await self._desk(
                self.desk.register(TERMINAL_CHAT_ID, TERMINAL_USER_ID, argument, channel=CHANNEL)
            )
            return True
        if command == MAIL_COMMAND:
            await self.mail(argument)
            return True
        if command in TECHNICIAN_COMMANDS:
            await self._show(
                DeskReply([OutgoingMessage(texts.fill(texts.TERMINAL_TECHNICIANS_ONLY, {}))])
            )
            return True
        button = chosen(line, self.delivery.choices)
        if button is not None and is_desk_callback(button.payload):
            await self._desk(self.desk.callback(TERMINAL_CHAT_ID, TERMINAL_USER_ID, button.payload))
            return True
        incoming = to_incoming(line, self.delivery.choices)
        if incoming is None:
            return False
        await self.pipeline.receive(incoming)
        await self.pipeline.idle(timeout=self.settings.rasa_timeout_seconds * 3)
        return True

    async def mail(self, argument: str) -> None:
        """``/mail CHEMIN.eml``: a saved e-mail submitted like a file sent in Telegram."""
        path_text = argument.strip().strip("\"'")
        if not path_text:
            await self._show(DeskReply([OutgoingMessage(texts.fill(texts.MAIL_USAGE, {}))]))
            return
        incoming = await self._mail_incoming(path_text)
        if isinstance(incoming, OutgoingMessage):
            await self._show(DeskReply([incoming]))
            return
        await self.pipeline.receive(incoming)
        await self.pipeline.idle(timeout=self.settings.rasa_timeout_seconds * 3)

    async def _mail_incoming(self, path_text: str) -> Incoming | OutgoingMessage:
        """The file taken in (or refused, as in Telegram), or why it could not be read."""
        name = PurePath(path_text).name
        kind = file_kind(name, "")
        if kind not in ("eml", "msg"):
            return self.intake.refusal(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "document")
        data = await asyncio.to_thread(read_mail_file, path_text, self.intake.max_bytes)
        if data == TOO_BIG:
            return self.intake.refusal(TERMINAL_CHAT_ID, TERMINAL_USER_ID, TOO_BIG)
        if not isinstance(data, bytes):
            template = texts.MAIL_NOT_FOUND if data is None else texts.MAIL_UNREADABLE
            return OutgoingMessage(texts.fill(template, {}, name=path_text))
        return await self.intake.file(
            chat_id=TERMINAL_CHAT_ID, user_id=TERMINAL_USER_ID, data=data, filename=name
        )

    async def _desk(self, call: Awaitable[DeskReply]) -> None:
        try:
            reply = await call
        except Exception:
            logger.exception("Desk action failed")
            reply = DeskReply([OutgoingMessage(texts.fill(ticket_desk_texts.ACTION_FAILED, {}))])
        await self._show(reply)

    async def _show(self, reply: DeskReply) -> None:
        if reply.close_buttons:
            self.delivery.choices = []  # the answered question's choices are gone
        messages = list(reply.messages)
        if reply.toast:
            messages.insert(0, OutgoingMessage(html.escape(reply.toast)))  # a plain text
        if messages:
            await self.delivery.deliver(TERMINAL_CHAT_ID, messages)
        if reply.then_menu:
            await self.pipeline.receive(
                Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "button", "/help")
            )
            await self.pipeline.idle(timeout=self.settings.rasa_timeout_seconds * 3)


async def chat(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Run the terminal conversation until /quitter or end of input."""
    services = await Services.open(settings)
    conversation = TerminalChat(settings, services, out)
    out.write(html_to_plain(texts.fill(texts.TERMINAL_INTRO, {})) + "\n")
    out.flush()
    conversation.start()  # then notifications left pending since the last session
    lines = _read_lines(stdin)
    try:
        while True:
            conversation.delivery.prompt()
            line = await lines.get()
            conversation.delivery.prompting = False
            if not line or not await conversation.handle(line):
                break
    finally:
        with contextlib.suppress(OSError):  # the terminal may be gone (closed, or a dead pipe)
            out.write(html_to_plain(texts.fill(texts.TERMINAL_BYE, {})) + "\n")
        await conversation.aclose()
        await services.aclose()
