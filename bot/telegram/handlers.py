"""The handlers of the Telegram front end: thin, everything goes through the pipeline, the
desk or the e-mail intake."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ContextTypes,
)

from bot.telegram.delivery import TelegramDelivery
from bot.telegram.incoming import text_with_links
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
from vigie.db.base import utcnow
from vigie.outbox.dispatcher import CHANNELS as OUTBOX_CHANNELS
from vigie.people import texts as people_texts
from vigie.phishing.intake import TOO_BIG, UNREADABLE, Intake, file_kind, safe_filename
from vigie.rights import forget_answer
from vigie.rights import summary as rights_summary
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.desk import Desk, is_desk_callback

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_SECONDS = 30.0
COMMANDS = [
    BotCommand("start", "Présentation de Vigie"),
    BotCommand("aide", "Ce que Vigie sait faire"),
    BotCommand("menu", "Le menu des sujets"),
    BotCommand("quiz", "Un quiz de sécurité de 3 questions"),
    BotCommand("astuces", "L’astuce de la semaine : oui ou non"),
]


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
        self.delivery: TelegramDelivery | None = None
        self.front: FrontEnd | None = None
        self._bot: Bot | None = None
        self._application: Application | None = None  # type: ignore[type-arg]
        self._errors: dict[int, BaseException] = {}  # update id: what its handler raised

    @property
    def pipeline(self) -> Pipeline | None:
        """The conversation pipeline, once started."""
        return self.front.pipeline if self.front is not None else None

    def _front(self) -> FrontEnd:
        if self.front is None:
            raise RuntimeError("the front end is not started")
        return self.front

    def _pipeline(self) -> Pipeline:
        return self._front().pipeline

    def _desk(self) -> Desk:
        return self._front().desk

    def _intake(self) -> Intake:
        return self._front().intake

    async def post_init(self, application: Application) -> None:  # type: ignore[type-arg]
        """Open the database and the HTTP session, then handle what was left pending."""
        self.services = await Services.open(self.settings)
        self._application = application
        self._bot = application.bot
        self.delivery = TelegramDelivery(application)
        front = FrontEnd.assemble(
            self.services,
            channel="telegram",
            delivery=self.delivery,
            outbox_channels=OUTBOX_CHANNELS,
            prepare=self._prepare,  # e-mail files, downloaded by the chat's worker
            retract=self.delivery.retract,  # a password typed in the chat is deleted from it
        )
        self.front = front
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
                await self._desk().prompt_sent(chat.id, user.id, message_id)
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
        message = update.effective_message
        await self._pipeline().receive(
            Incoming(
                chat_id=chat.id,
                user_id=user.id,
                kind=kind,
                text=text,
                update_id=update.update_id,
                message_id=message.message_id if message is not None else None,
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
        contacts = self.settings.contacts_at(utcnow())
        await context.bot.send_message(
            chat.id, texts.fill(texts.WELCOME, contacts), parse_mode=ParseMode.HTML
        )
        await context.bot.send_message(
            chat.id,
            texts.fill(texts.PRIVACY, contacts, **self.settings.privacy_durations()),
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

    async def tips(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/astuces``: the tips of the week, on or off."""
        user = update.effective_user
        if user is not None:
            await self._show(update, await self._desk_call(update, self._desk().tips(user.id)))

    async def quiz(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/quiz``: a micro-quiz of three questions."""
        user = update.effective_user
        if user is not None:
            await self._show(update, await self._desk_call(update, self._desk().quiz(user.id)))

    async def diagnostic(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/diagnostic``: the facility's self-diagnostic (referent, direction)."""
        user = update.effective_user
        if user is not None:
            reply = await self._desk_call(update, self._desk().diagnostic(user.id))
            await self._show(update, reply)

    async def console(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/console``: a one-time link to the follow-up console (technicians, referents)."""
        user = update.effective_user
        desk = self._front().console
        if user is not None and desk is not None:
            await self._show(update, await self._desk_call(update, desk.link(user.id)))

    async def address(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/adresse …``: link the person's work e-mail address (reporting mailbox)."""
        user = update.effective_user
        if user is not None:
            argument = " ".join(context.args or [])
            reply = await self._desk_call(update, self._desk().address(user.id, argument))
            await self._show(update, reply)

    async def my_data(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/mes_donnees``: what Vigie holds about the person, and the whole of it as JSON."""
        chat, user = update.effective_chat, update.effective_user
        rights = self._front().rights
        if chat is None or user is None or rights is None:
            return
        sender = self._pipeline().sender_of(user.id)
        try:
            data = await rights.data(sender)
        except Exception:
            logger.exception("Personal data not read")
            await self._show(
                update,
                DeskReply([OutgoingMessage(texts.fill(ticket_desk_texts.ACTION_FAILED, {}))]),
            )
            return
        await context.bot.send_message(chat.id, rights_summary(data), parse_mode=ParseMode.HTML)
        if not data.empty:
            export = json.dumps(data.to_json(), ensure_ascii=False, indent=2).encode("utf-8")
            await context.bot.send_document(
                chat.id,
                InputFile(export, filename="mes-donnees-vigie.json", attach=True),
                caption=people_texts.MY_DATA_FILE_CAPTION,
            )

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/oubli``: what it erases; ``/oubli confirmer``: erase it."""
        chat, user = update.effective_chat, update.effective_user
        rights = self._front().rights
        if chat is None or user is None or rights is None:
            return
        confirmed = [a.lower() for a in context.args or []] == ["confirmer"]
        if not confirmed:
            answer = texts.fill(people_texts.FORGET_ASK, self.settings.contacts_at(utcnow()))
        else:
            try:
                answer = forget_answer(await rights.forget(self._pipeline().sender_of(user.id)))
            except Exception:
                logger.exception("Person not forgotten")
                answer = texts.fill(ticket_desk_texts.ACTION_FAILED, {})
        await context.bot.send_message(chat.id, answer, parse_mode=ParseMode.HTML)

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
        """A message forwarded into the chat: a suspicious message's text when it looks like an
        e-mail or holds a link or an address; otherwise a chat message (redacted like any)."""
        message = update.effective_message
        if message is None:
            return
        shown = text_with_links(message)
        if self._intake().suspicious_forward(shown):
            await self._take_text(update, shown, forwarded=True)
        else:
            await self._incoming(update, "text", message.text or "")

    async def _take_text(self, update: Update, text: str, *, forwarded: bool) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        # The chat's earlier file is already in the inbox: the worker handles it first.
        message = update.effective_message
        incoming = await self._intake().text(
            chat_id=chat.id,
            user_id=user.id,
            text=text,
            update_id=update.update_id,
            forwarded=forwarded,
            message_id=message.message_id if message is not None else None,
        )
        await self._pipeline().receive(incoming)

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A file: a saved e-mail (.eml, or Outlook's .msg; at most 10 MB, checked before
        downloading) is stored in the inbox, to be downloaded and taken in by the chat's worker;
        other files get an explanation."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        document = message.document if message is not None else None
        if document is None or chat is None or user is None:
            return
        kind = file_kind(document.file_name or "", document.mime_type or "")
        if kind not in ("eml", "msg"):
            await self._incoming(update, "document")
        elif document.file_size is not None and document.file_size > self._intake().max_bytes:
            await self._incoming(update, TOO_BIG)
        else:
            payload = {
                "file_id": document.file_id,
                "file_name": safe_filename(
                    document.file_name or "", "message.msg" if kind == "msg" else "message.eml"
                ),
                "file_size": document.file_size,
            }
            await self._store_file(update, payload)

    async def _store_file(self, update: Update, payload: dict[str, Any]) -> None:
        """Store a file to take in (an e-mail, a picture of one) in the inbox: the chat's
        worker downloads it and takes it in (``_prepare``)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
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
        if item.payload.get("image"):
            return await intake.image(
                chat_id=item.chat_id, sender=item.sender, data=data, update_id=item.update_id
            )
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
        """A photo: when Vigie is waiting for an e-mail, a screenshot or a photo of it, stored
        in the inbox and read by the chat's worker (OCR); any other photo is neither read nor
        kept (it may show a resident)."""
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None or not message.photo:
            return
        if not await self._intake().expecting(user.id):
            await self._incoming(update, "photo")
            return
        largest = message.photo[-1]
        if largest.file_size is not None and largest.file_size > self._intake().max_bytes:
            await self._incoming(update, TOO_BIG)
            return
        payload = {
            "file_id": largest.file_id,
            "file_name": "capture.jpg",
            "file_size": largest.file_size,
            "image": True,
        }
        await self._store_file(update, payload)

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
        try:
            await query.answer()
        except TelegramError as exc:
            # Answered already (by a process killed before it confirmed the update, which
            # came again) or too old: the press is taken all the same.
            logger.warning("Button press not acknowledged: %s", type(exc).__name__)
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
        """Log the error's traceback, never the update's content; keep it for :meth:`handle`."""
        logger.error("Handler error: %s", type(context.error).__name__, exc_info=context.error)
        if isinstance(update, Update) and context.error is not None:
            self._errors[update.update_id] = context.error

    async def handle(self, update: Update) -> BaseException | None:
        """Run the handlers of ``update`` (they are blocking: once this returns, its message is
        in the inbox); the error one of them raised, if any."""
        if self._application is None:
            raise RuntimeError("the bot is not started")
        self._errors.pop(update.update_id, None)
        await self._application.process_update(update)
        return self._errors.pop(update.update_id, None)

    async def not_taken(self, update: Update) -> None:
        """Ask the sender of an update that kept failing to send it again."""
        chat = update.effective_chat
        if chat is None or self._bot is None:
            return
        await self._bot.send_message(
            chat.id,
            texts.fill(texts.NOT_TAKEN, self.settings.contacts_at(utcnow())),
            parse_mode=ParseMode.HTML,
        )


def _replied_id(update: Update) -> int | None:
    """The id of the message the update's message replies to, if any."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    return replied.message_id if replied is not None else None
