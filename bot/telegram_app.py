"""The python-telegram-bot Application: thin handlers over the shared pipeline."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.wiring import FrontEnd, Services
from vigie.conversation import texts
from vigie.conversation.models import InboxItem
from vigie.conversation.pipeline import (
    EMAIL_FILE_KIND,
    UNKNOWN_USER,
    DeliveryError,
    Incoming,
    Pipeline,
)
from vigie.core.desk import DeskReply
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.knowledge.render import split_html
from vigie.outbox.dispatcher import CHANNELS as OUTBOX_CHANNELS
from vigie.outbox.dispatcher import Dispatcher
from vigie.phishing.intake import MSG_FILE, PHOTO, TOO_BIG, UNREADABLE, Intake, file_kind
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.desk import Desk, is_desk_callback

logger = logging.getLogger(__name__)

CALLBACK_DATA_MAX_BYTES = 64
CAPTION_MAX_CHARS = 1024
# A suspicious e-mail's file: one bound for getFile and the download together.
DOWNLOAD_TIMEOUT_SECONDS = 30.0
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = [
    BotCommand("start", "Présentation de Vigie"),
    BotCommand("aide", "Ce que Vigie sait faire"),
    BotCommand("menu", "Le menu des sujets"),
]


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
        with _delivery_errors():
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

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None:
        """Send a file with its caption (Telegram HTML); a caption too long for Telegram goes
        first as a message of its own, then the file without caption."""
        fits = len(caption.plain_text()) <= CAPTION_MAX_CHARS
        if not fits:
            await self.deliver(chat_id, [caption])
        with _delivery_errors():
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
def _delivery_errors() -> Iterator[None]:
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


def text_with_links(message: Message) -> str:
    """The message's text where each link hidden behind words shows its target, as mail
    clients write it in plain text: « ces mots <https://cible> »."""
    text = message.text or ""
    links = sorted(
        (e for e in message.entities or () if e.type == MessageEntity.TEXT_LINK and e.url),
        key=lambda entity: entity.offset,
    )
    if not links:
        return text
    encoded = text.encode("utf-16-le")  # entity offsets count UTF-16 code units
    parts: list[str] = []
    position = 0
    for entity in links:
        end = (entity.offset + entity.length) * 2
        if end < position:
            continue
        parts.append(encoded[position:end].decode("utf-16-le", errors="replace"))
        parts.append(f" <{entity.url}>")
        position = end
    parts.append(encoded[position:].decode("utf-16-le", errors="replace"))
    return "".join(parts)


class VigieBot:
    """Handlers of the Telegram front end; everything goes through the pipeline.

    Suspicious e-mails: forwarded or pasted texts are taken in by the intake first, before the
    pipeline's redaction. A file is stored in the inbox first (kind "email_file", with its
    Telegram file id), then downloaded and taken in by the chat's worker (``_prepare``), in
    order with the chat's other messages and without holding other chats up.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.services: Services | None = None
        self.pipeline: Pipeline | None = None
        self.delivery: TelegramDelivery | None = None
        self.dispatcher: Dispatcher | None = None
        self.desk: Desk | None = None
        self.intake: Intake | None = None
        self.front: FrontEnd | None = None
        self._bot: Bot | None = None

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise RuntimeError("the pipeline is not started")
        return self.pipeline

    def _desk(self) -> Desk:
        if self.desk is None:
            raise RuntimeError("the desk is not started")
        return self.desk

    def _intake(self) -> Intake:
        if self.intake is None:
            raise RuntimeError("the intake is not started")
        return self.intake

    async def post_init(self, application: Application) -> None:  # type: ignore[type-arg]
        """Open the database and the HTTP session, then handle what was left pending."""
        self.services = await Services.open(self.settings)
        self._bot = application.bot
        self.delivery = TelegramDelivery(application)
        front = FrontEnd.assemble(
            self.services,
            channel="telegram",
            delivery=self.delivery,
            outbox_channels=OUTBOX_CHANNELS,
            prepare=self._prepare,  # e-mail files, downloaded by the chat's worker
        )
        self.front = front
        self.dispatcher, self.pipeline = front.dispatcher, front.pipeline
        self.desk, self.intake = front.desk, front.intake
        try:
            await application.bot.set_my_commands(COMMANDS)
        except TelegramError as exc:
            logger.warning("Commands not set: %s", type(exc).__name__)
        front.start()

    async def post_stop(self, application: Application) -> None:  # type: ignore[type-arg]
        """Stop the outbox dispatcher while the bot can still finish the message in flight,
        then the chats' workers: a file being downloaded stays in the inbox, to be downloaded
        again after the restart (never answered as unreadable because the bot is closing)."""
        if self.front is not None:
            await self.front.aclose()

    async def post_shutdown(self, application: Application) -> None:  # type: ignore[type-arg]
        """Stop the workers (pending messages stay in the inbox) and close everything."""
        if self.front is not None:
            await self.front.aclose()
        if self.services is not None:
            await self.services.aclose()

    async def _show(self, update: Update, reply: DeskReply | None) -> None:
        """Show a desk reply in the update's chat (then the menu, if asked)."""
        chat, user = update.effective_chat, update.effective_user
        if reply is None or chat is None or self.delivery is None:
            return
        messages = reply.messages
        prompt = messages[-1] if reply.force_reply and messages and user is not None else None
        if prompt is not None:
            messages = messages[:-1]
        if messages:
            try:
                await self.delivery.deliver(chat.id, messages)
            except DeliveryError as exc:
                logger.warning("Desk reply not delivered: %s", exc.code)
        if prompt is not None and user is not None:
            pressed = update.callback_query.message if update.callback_query else None
            message_id = await self.delivery.send_prompt(
                chat.id, prompt, reply_to=pressed.message_id if pressed else None
            )
            if message_id is not None:
                self._desk().prompt_sent(chat.id, user.id, message_id)
        if reply.then_menu:
            await self._incoming(update, "button", "/help")

    async def _desk_call(
        self, update: Update, call: Awaitable[DeskReply | None]
    ) -> DeskReply | None:
        """Run a desk action; on an unexpected error, say so instead of staying silent."""
        try:
            return await call
        except Exception:
            logger.exception("Desk action failed")
            return DeskReply([OutgoingMessage(texts.fill(ticket_desk_texts.ACTION_FAILED, {}))])

    async def _incoming(self, update: Update, kind: str, text: str = "") -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        await self._pipeline().receive(
            Incoming(
                chat_id=chat.id, user_id=user.id, kind=kind, text=text, update_id=update.update_id
            )
        )

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Introduce Vigie and the privacy notice, then show the menu.

        ``/start CODE`` (an invitation deep link) registers the person first.
        """
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        if context.args:
            code = context.args[0]
            await self._show(
                update,
                await self._desk_call(
                    update, self._desk().register(chat.id, user.id, code, user.first_name)
                ),
            )
            return
        contacts = self.settings.contacts()
        await context.bot.send_message(
            chat.id, texts.fill(texts.WELCOME, contacts), parse_mode=ParseMode.HTML
        )
        await context.bot.send_message(
            chat.id,
            texts.fill(texts.PRIVACY, contacts, retention_days=self.settings.retention_days),
            parse_mode=ParseMode.HTML,
        )
        await self._incoming(update, "button", "/help")

    async def menu(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the help menu (/aide, /menu)."""
        await self._incoming(update, "button", "/help")

    async def tickets(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/tickets``: the open tickets (technicians only)."""
        user = update.effective_user
        if user is not None:
            reply = await self._desk_call(update, self._desk().list_tickets(user.id))
            await self._show(update, reply)

    async def campaigns(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/campagnes``: the recent suspicious e-mail campaigns (technicians only)."""
        user = update.effective_user
        if user is not None:
            reply = await self._desk_call(update, self._desk().list_campaigns(user.id))
            await self._show(update, reply)

    async def ticket(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/ticket REF``: one ticket and its timeline (technicians only)."""
        user = update.effective_user
        if user is not None:
            reference = context.args[0] if context.args else ""
            reply = await self._desk_call(update, self._desk().show_ticket(user.id, reference))
            await self._show(update, reply)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/annuler``: drop the technician's reply being typed, else tell Rasa "annuler"."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        reply = await self._desk_call(update, self._desk().cancel(chat.id, user.id))
        if reply is not None:
            await self._show(update, reply)
        elif chat.type == chat.PRIVATE:
            await self._incoming(update, "text", "annuler")

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a command Vigie does not know; it never reaches Rasa."""
        if update.effective_chat is not None:
            await context.bot.send_message(
                update.effective_chat.id,
                texts.fill(texts.UNKNOWN_COMMAND, {}),
                parse_mode=ParseMode.HTML,
            )

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A written message: a technician's awaited reply, a pasted e-mail (or a link or an
        address while Vigie waits for one) taken in, or stored then handled in order."""
        message = update.effective_message
        text = message.text or "" if message else ""
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and user is not None:
            reply = await self._desk_call(
                update,
                self._desk().text(chat.id, user.id, text, reply_to=_replied_id(update)),
            )
            if reply is not None:
                await self._show(update, reply)
                return
            if message is not None:
                shown = text_with_links(message)
                if await self._intake().wants(user.id, shown):
                    await self._take_text(update, shown, forwarded=False)
                    return
        await self._incoming(update, "text", text)

    async def forwarded(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message forwarded into the chat: taken in as a suspicious e-mail's text."""
        message = update.effective_message
        if message is not None:
            await self._take_text(update, text_with_links(message), forwarded=True)

    async def _take_text(self, update: Update, text: str, *, forwarded: bool) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        # The chat's earlier file is already in the inbox: the worker handles it first.
        incoming = await self._intake().text(
            chat_id=chat.id,
            user_id=user.id,
            text=text,
            update_id=update.update_id,
            forwarded=forwarded,
        )
        await self._pipeline().receive(incoming)

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file: a saved e-mail (.eml, at most 10 MB, checked before downloading) is stored
        in the inbox, to be downloaded and taken in by the chat's worker; Outlook's .msg and
        other files get an explanation."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        document = message.document if message is not None else None
        if document is None or chat is None or user is None:
            return
        kind = file_kind(document.file_name or "", document.mime_type or "")
        if kind != "eml":
            await self._incoming(update, MSG_FILE if kind == "msg" else "document")
        elif document.file_size is not None and document.file_size > self._intake().max_bytes:
            await self._incoming(update, TOO_BIG)
        else:
            payload = {
                "file_id": document.file_id,
                "file_name": document.file_name or "",
                "file_size": document.file_size,
            }
            await self._pipeline().receive(
                Incoming(
                    chat_id=chat.id,
                    user_id=user.id,
                    kind=EMAIL_FILE_KIND,
                    update_id=update.update_id,
                    payload=payload,
                )
            )

    async def _prepare(self, item: InboxItem) -> Incoming:
        """The pipeline's preparer: download a stored e-mail file and take it in."""
        intake = self._intake()
        file_id = str(item.payload.get("file_id") or "")
        data = await self._download(file_id, intake.max_bytes)
        if isinstance(data, str):
            return intake.refusal(item.chat_id, UNKNOWN_USER, data, item.update_id)
        return await intake.file(
            chat_id=item.chat_id,
            sender=item.sender,
            data=data,
            filename=str(item.payload.get("file_name") or "") or "message.eml",
            update_id=item.update_id,
        )

    async def _download(self, file_id: str, max_bytes: int) -> bytes | str:
        """The file's bytes, or the kind of refusal (too big, unreadable)."""
        if self._bot is None:
            raise RuntimeError("the bot is not started")
        try:
            async with asyncio.timeout(DOWNLOAD_TIMEOUT_SECONDS):
                file = await self._bot.get_file(file_id, read_timeout=DOWNLOAD_TIMEOUT_SECONDS)
                if file.file_size is not None and file.file_size > max_bytes:
                    return TOO_BIG
                data = bytes(
                    await file.download_as_bytearray(
                        read_timeout=DOWNLOAD_TIMEOUT_SECONDS,
                        connect_timeout=DOWNLOAD_TIMEOUT_SECONDS,
                    )
                )
        except (TelegramError, TimeoutError, OSError) as exc:
            logger.warning("E-mail file not downloaded: %s", type(exc).__name__)
            return UNREADABLE
        return TOO_BIG if len(data) > max_bytes else data

    async def photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo: when Vigie is waiting for an e-mail, say why a screenshot is not enough."""
        user = update.effective_user
        expected = user is not None and await self._intake().expecting(user.id)
        await self._incoming(update, PHOTO if expected else "photo")

    async def group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in the technicians' group: only a reply to the sender's own prompt is
        taken (anything else is neither stored nor sent to Rasa)."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return
        reply = await self._desk_call(
            update,
            self._desk().text(chat.id, user.id, message.text or "", reply_to=_replied_id(update)),
        )
        await self._show(update, reply)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: desk buttons (``v:…``) are handled here, others go to Rasa."""
        query, chat = update.callback_query, update.effective_chat
        if query is None:
            return
        data = query.data or ""
        if chat is not None and chat.type != chat.PRIVATE:
            # Only the technicians' group, and only the desk's buttons: never Rasa.
            if chat.id == self.settings.technicians_chat_id and is_desk_callback(data):
                await self._desk_button(update, data)
            else:
                await query.answer(texts.fill(ticket_desk_texts.GROUP_BUTTON_UNAVAILABLE, {}))
            return
        if is_desk_callback(data):
            await self._desk_button(update, data)
            return
        if not data.startswith("/"):
            await query.answer(texts.BUTTON_EXPIRED)
            return
        await query.answer()
        await self._incoming(update, "button", data)

    async def _desk_button(self, update: Update, data: str) -> None:
        query, chat, user = update.callback_query, update.effective_chat, update.effective_user
        if query is None or chat is None or user is None:
            return
        reply = await self._desk_call(update, self._desk().callback(chat.id, user.id, data))
        try:
            await query.answer(reply.toast if reply else None)
        except TelegramError as exc:
            logger.warning("Button press not acknowledged: %s", type(exc).__name__)
        if reply is not None and reply.close_buttons:
            try:
                await query.edit_message_reply_markup(None)
            except TelegramError as exc:
                logger.info("Buttons not removed: %s", type(exc).__name__)
        await self._show(update, reply)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, voice notes, photos, files…: say what Vigie can take."""
        message = update.effective_message
        kind = "other"
        if message is not None:
            if message.voice or message.audio or message.video_note:
                kind = "voice"
            elif message.sticker:
                kind = "sticker"
            elif message.photo:
                kind = "photo"
            elif message.document:
                kind = "document"
        await self._incoming(update, kind)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error's traceback, never the update's content."""
        logger.error("Handler error: %s", type(context.error).__name__, exc_info=context.error)


def _replied_id(update: Update) -> int | None:
    """The id of the message the update's message replies to, if any."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return replied.message_id if replied is not None else None


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
