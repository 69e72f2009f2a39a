"""A local chat in the terminal, on the same pipeline as Telegram (no token needed)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from bot import texts
from bot.pipeline import Incoming, Pipeline
from bot.services import Services
from vigie.messages import Button, OutgoingMessage, html_to_plain
from vigie.settings import Settings

TERMINAL_CHAT_ID = 1
TERMINAL_USER_ID = 1


class TerminalDelivery:
    """Prints messages; buttons become numbered choices."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.choices: list[Button] = []

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        for message in messages:
            self._out.write("\nVigie › " + message.plain_text().replace("\n", "\n        ") + "\n")
            if message.buttons:
                self.choices = list(message.buttons)
                for number, button in enumerate(message.buttons, start=1):
                    self._out.write(f"   [{number}] {button.title}\n")
        self._out.flush()


def to_incoming(
    line: str, choices: Sequence[Button], update_id: int | None = None
) -> Incoming | None:
    """Turn a typed line into an incoming message; ``None`` to quit."""
    stripped = line.strip()
    if stripped in {"/quitter", "/quit", "/exit"}:
        return None
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        payload = choices[int(stripped) - 1].payload
        return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "button", payload, update_id)
    if stripped in {"/aide", "/menu", "/start", "/help"}:
        return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "button", "/help", update_id)
    return Incoming(TERMINAL_CHAT_ID, TERMINAL_USER_ID, "text", line, update_id)


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of ``stdin`` read by a daemon thread, so that Ctrl-C never waits for input."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            line = stdin.readline()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if not line:
                return

    threading.Thread(target=read, name="terminal-input", daemon=True).start()
    return queue


async def chat(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """Run the terminal conversation until /quitter or end of input."""
    services = await Services.open(settings)
    delivery = TerminalDelivery(out)
    pipeline = Pipeline(
        settings=settings,
        channel="terminal",
        inbox=services.inbox,
        turns=services.turns,
        rasa=services.rasa,
        delivery=delivery,
    )
    pipeline.start()
    out.write(html_to_plain(texts.fill(texts.TERMINAL_INTRO, {})) + "\n")
    out.flush()
    lines = _read_lines(stdin)
    try:
        while True:
            out.write("\nVous › ")
            out.flush()
            line = await lines.get()
            if not line:
                break
            incoming = to_incoming(line, delivery.choices)
            if incoming is None:
                break
            await pipeline.receive(incoming)
            await pipeline.idle(timeout=settings.rasa_timeout_seconds * 3)
    finally:
        out.write(html_to_plain(texts.fill(texts.TERMINAL_BYE, {})) + "\n")
        await pipeline.aclose()
        await services.aclose()
