"""The python-telegram-bot Application, built with Vigie's handlers, and the Telegram front end
of one process (:class:`TelegramBot`): its updates come from Vigie's own polling loop or webhook
endpoint (``bot/telegram/updates.py``), which confirm them only once stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.telegram.handlers import VigieBot
from bot.telegram.updates import POLL_TIMEOUT_SECONDS, Gate, Polling, Webhook
from vigie.core.settings import Settings
from vigie.db.single_process import AnotherProcess, SingleProcessLock

logger = logging.getLogger(__name__)


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    """Build the Application (without PTB's updater: see ``bot/telegram/updates.py``); the
    database and sessions open in :meth:`VigieBot.post_init`, called by :class:`TelegramBot`."""
    token = settings.telegram_bot_token
    if token is None or not token.get_secret_value():
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    vigie = VigieBot(settings)
    application = (
        Application.builder()
        .token(token.get_secret_value())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .updater(None)
        .build()
    )
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE
    if settings.technicians_chat_id is not None:  # the technicians' group chat
        group = filters.Chat(chat_id=settings.technicians_chat_id) & ~private
        application.add_handler(CommandHandler("tickets", vigie.tickets, filters=group))
        application.add_handler(CommandHandler("campagnes", vigie.campaigns, filters=group))
        application.add_handler(CommandHandler("ticket", vigie.ticket, filters=group))
        application.add_handler(CommandHandler("annuler", vigie.cancel, filters=group))
        application.add_handler(
            MessageHandler(group & new & filters.TEXT & ~filters.COMMAND, vigie.group_text)
        )
    application.add_handler(CommandHandler("start", vigie.start, filters=private))
    application.add_handler(CommandHandler(["aide", "menu", "help"], vigie.menu, filters=private))
    application.add_handler(CommandHandler("tickets", vigie.tickets, filters=private))
    application.add_handler(CommandHandler("campagnes", vigie.campaigns, filters=private))
    application.add_handler(CommandHandler("ticket", vigie.ticket, filters=private))
    application.add_handler(CommandHandler("adresse", vigie.address, filters=private))
    application.add_handler(CommandHandler("console", vigie.console, filters=private))
    application.add_handler(CommandHandler("astuces", vigie.tips, filters=private))
    application.add_handler(CommandHandler("quiz", vigie.quiz, filters=private))
    application.add_handler(CommandHandler("diagnostic", vigie.diagnostic, filters=private))
    application.add_handler(CommandHandler("mes_donnees", vigie.my_data, filters=private))
    application.add_handler(CommandHandler("oubli", vigie.forget, filters=private))
    application.add_handler(CommandHandler("annuler", vigie.cancel, filters=private))
    # Suspicious e-mails, before the generic handlers (private chats only: a group's files
    # and forwards never reach the intake).
    application.add_handler(MessageHandler(private & new & filters.Document.ALL, vigie.document))
    application.add_handler(MessageHandler(private & new & filters.PHOTO, vigie.photo))
    application.add_handler(
        MessageHandler(private & new & filters.FORWARDED & filters.TEXT, vigie.forwarded)
    )
    application.add_handler(MessageHandler(private & new & filters.COMMAND, vigie.unknown_command))
    application.add_handler(MessageHandler(private & new & filters.TEXT, vigie.text))
    application.add_handler(CallbackQueryHandler(vigie.button))
    application.add_handler(MessageHandler(private & new, vigie.other))
    application.add_error_handler(vigie.error)
    application.bot_data["vigie"] = vigie
    return application


class TelegramBot:
    """The Telegram front end of one process: the Application with Vigie's handlers, fed by
    long polling or by the webhook endpoint (``TELEGRAM_MODE``)."""

    def __init__(self, settings: Settings, *, poll_timeout: float = POLL_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.application = build_application(settings)
        self.vigie: VigieBot = self.application.bot_data["vigie"]
        self._poll_timeout = poll_timeout
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None
        self._webhook: Webhook | None = None

    async def start(self) -> None:
        """Open everything, handle what was left pending, then take updates."""
        application = self.application
        await application.initialize()
        await self.vigie.post_init(application)
        await application.start()
        gate = Gate(self.vigie)
        if self.settings.telegram_mode == "webhook":
            self._webhook = Webhook(application.bot, gate, self.settings)
            await self._webhook.start()
        else:
            polling = Polling(application.bot, gate, timeout=self._poll_timeout)
            self._polling = asyncio.create_task(polling.run(self._stop))

    async def wait(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set (or the polling loop ends on a fatal error, raised here)."""
        stopped = asyncio.ensure_future(stop.wait())
        waited: set[asyncio.Future[Any]] = {stopped}
        if self._polling is not None:
            waited.add(self._polling)
        try:
            await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if self._polling is not None and self._polling.done():
            self._polling.result()

    async def stop(self) -> None:
        """Stop taking updates (the one being taken is finished), then the parts and the
        connections; what was not handled stays pending in the inbox."""
        self._stop.set()
        if self._polling is not None:
            with contextlib.suppress(Exception):
                await self._polling
        if self._webhook is not None:
            await self._webhook.stop()
        application = self.application
        if application.running:
            await application.stop()
        await self.vigie.post_stop(application)
        await application.shutdown()
        await self.vigie.post_shutdown(application)


async def serve(settings: Settings) -> None:
    """Run the Telegram front end until SIGINT or SIGTERM (on SQLite, refused when another bot
    process works on the same database: ``AnotherProcess``)."""
    lock = SingleProcessLock(settings.database_url)
    lock.acquire()
    if lock.database is not None:
        logger.info("SQLite database: this is its only bot process (a second one is refused)")
    try:
        await _serve(settings)
    finally:
        lock.release()


async def _serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot = TelegramBot(settings)
    await bot.start()
    try:
        await bot.wait(stop)
    finally:
        await bot.stop()


def run(settings: Settings) -> int:
    """Run the Telegram front end until stopped (polling, or webhook with a secret token); the
    exit code (2: refused, another bot process works on the same SQLite database)."""
    try:
        asyncio.run(serve(settings))
    except AnotherProcess as exc:
        print(exc.french(), file=sys.stderr)
        return 2
    return 0
