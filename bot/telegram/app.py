"""The python-telegram-bot Application: built with its handlers, run by long polling or by
webhook."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.telegram.handlers import VigieBot
from vigie.core.settings import Settings

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]


def build_application(settings: Settings) -> Application:  # type: ignore[type-arg]
    """Build the Application; the database and sessions open in ``post_init``."""
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
        .post_init(vigie.post_init)
        .post_stop(vigie.post_stop)
        .post_shutdown(vigie.post_shutdown)
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


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of ``run_webhook``/``start_webhook``: listen address, path, secret token."""
    if not settings.webhook_url or settings.webhook_secret_token is None:
        raise RuntimeError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET_TOKEN")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret_token.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
    }


def run(settings: Settings) -> None:
    """Run the Telegram front end until stopped (polling, or webhook with a secret token)."""
    application = build_application(settings)
    if settings.telegram_mode == "webhook":
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
