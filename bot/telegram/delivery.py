"""Showing Vigie's messages in Telegram: HTML messages with inline keyboards, files with a
caption, prompts; Telegram's errors turned into delivery errors."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence

from telegram import (
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
)

from vigie.conversation.pipeline import (
    DeliveryError,
)
from vigie.core.messages import OutgoingMessage
from vigie.knowledge.render import split_html
from vigie.tickets import desk_texts as ticket_desk_texts

logger = logging.getLogger(__name__)

CALLBACK_DATA_MAX_BYTES = 64
CAPTION_MAX_CHARS = 1024


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    """Rasa's buttons as an inline keyboard, one button per row."""
    rows = [
        [InlineKeyboardButton(b.title[:64], callback_data=b.payload)]
        for b in message.buttons
        if b.payload and len(b.payload.encode()) <= CALLBACK_DATA_MAX_BYTES
    ]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramDelivery:
    """Sends messages with the Application's bot (rate-limited by AIORateLimiter)."""

    def __init__(self, application: Application) -> None:  # type: ignore[type-arg]
        self._application = application

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        bot = self._application.bot
        with delivery_errors():
            for message in messages:
                chunks = split_html(message.html) or [""]
                for index, chunk in enumerate(chunks):
                    last = index == len(chunks) - 1
                    await bot.send_message(
                        chat_id,
                        chunk,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(message) if last else None,
                        disable_web_page_preview=True,
                    )

    async def retract(self, chat_id: int, message_id: int) -> bool:
        """Delete a person's message from the private chat (a bot may, for 48 hours); True
        when it is gone. Never raises."""
        try:
            return bool(await self._application.bot.delete_message(chat_id, message_id))
        except TelegramError as exc:
            logger.warning("Message not deleted: %s", type(exc).__name__)
            return False

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None:
        """Send a file with its caption (Telegram HTML); a caption too long for Telegram goes
        first as a message of its own, then the file without caption."""
        fits = len(caption.plain_text()) <= CAPTION_MAX_CHARS
        if not fits:
            await self.deliver(chat_id, [caption])
        with delivery_errors():
            await self._application.bot.send_document(
                chat_id,
                InputFile(data, filename=filename, attach=True),
                caption=caption.html if fits else None,
                parse_mode=ParseMode.HTML if fits else None,
                reply_markup=keyboard(caption) if fits else None,
                disable_content_type_detection=True,
            )

    async def send_prompt(
        self, chat_id: int, message: OutgoingMessage, *, reply_to: int | None
    ) -> int | None:
        """Send a prompt that opens a reply for the users it mentions (a group's selective
        ForceReply), as a reply to ``reply_to`` when it still exists; its id, or None."""
        try:
            sent = await self._application.bot.send_message(
                chat_id,
                message.html,
                parse_mode=ParseMode.HTML,
                reply_markup=ForceReply(
                    selective=True, input_field_placeholder=ticket_desk_texts.REPLY_PLACEHOLDER
                ),
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to is not None
                    else None
                ),
                disable_web_page_preview=True,
            )
        except TelegramError as exc:
            logger.warning("Reply prompt not delivered: %s", type(exc).__name__)
            return None
        return int(sent.message_id)


@contextlib.contextmanager
def delivery_errors() -> Iterator[None]:
    """Telegram's errors as :class:`DeliveryError` (permanent when retrying is useless)."""
    try:
        yield
    except Forbidden as exc:
        raise DeliveryError("forbidden", permanent=True) from exc
    except BadRequest as exc:
        logger.error("Telegram refused a message: %s", exc.message)
        raise DeliveryError("bad_request", permanent=True) from exc
    except TelegramError as exc:
        raise DeliveryError(type(exc).__name__) from exc
