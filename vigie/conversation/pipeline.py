"""The path of every message, whatever the front end: redact, store, ask Rasa, reply, log.

Each incoming message is written to the durable inbox *before* it is handled; messages of a
chat are handled strictly in order; an item is marked done only once its reply is delivered.
When Rasa does not answer, the user gets a degraded reply at once and the real answer later:
whether Rasa is down is kept in the database (``outages``), so every message that waits gets its
notice, also after a restart of the process and for the messages that arrived before the first
failed call. A message received during an outage gets it at once; one received behind a
message of its chat that failed already, unless answered within a second (the backlog may go
fast). While Rasa is down its health is checked every second, so that the end of the outage
is recorded soon after it is back. A notice is recorded in the inbox once delivered (never lost;
sent again only if the process dies between the two).
A suspicious e-mail arrives already taken in by ``vigie/phishing/intake.py`` (kind "email"): only its
report's intent payload is stored and sent to Rasa, unredacted and without a length check.
An e-mail file (kind "email_file") is stored first with what is needed to fetch it (its
payload); the chat's worker then has it prepared (downloaded, taken in) by the front end's
``prepare`` before Rasa, and the item becomes an "email" item in place, or is answered with the
French refusal (``texts.UNSUPPORTED``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from vigie.conversation import texts
from vigie.conversation.feedback import with_feedback
from vigie.conversation.inbox import Inbox
from vigie.conversation.journal import SentJournal
from vigie.conversation.models import InboxItem
from vigie.conversation.outages import RASA, Outages
from vigie.conversation.payloads import button_allowed, neutralise
from vigie.conversation.rasa_client import RasaClient, RasaUnavailable
from vigie.conversation.trackers import TrackerEvents
from vigie.conversation.turns import TurnLog
from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_tasks
from vigie.core.files import MAX_FILE_BYTES, MEGABYTE
from vigie.core.messages import OutgoingMessage
from vigie.core.pseudonym import pseudonymize
from vigie.core.redaction import redact
from vigie.core.settings import Settings
from vigie.db.leases import process_identity

logger = logging.getLogger(__name__)

TEXT_KINDS = frozenset({"text", "button"})
# A suspicious e-mail taken in by vigie/phishing/intake.py: its text is the intent payload
# ``/email_received{"phishing_report":"<id>"}``, never anything of the e-mail itself.
EMAIL_KIND = "email"
RASA_KINDS = TEXT_KINDS | {EMAIL_KIND}
# An e-mail file stored before anything else (its payload: file_id, file_name, file_size),
# prepared by the chat's worker; what it answers when preparing fails.
EMAIL_FILE_KIND = "email_file"
EMAIL_FAILED_KIND = "email_failed"
# What waits for Rasa, and so gets the degraded notice while Rasa is down.
WAITING_KINDS = RASA_KINDS | {EMAIL_FILE_KIND}
# A message received behind a failed message of its chat (while no outage is recorded) gets its
# notice unless it is answered within this delay: a short backlog may be answered at once.
NOTICE_DELAY_SECONDS = 1.0
# While Rasa is known down, its health is checked this often (not every retry interval), so
# that the end of the outage is recorded soon after Rasa is back.
DOWN_PROBE_SECONDS = 1.0
# The user id of a message made for a stored item, known by its pseudonymous sender only.
UNKNOWN_USER = 0
PURGE_INTERVAL_SECONDS = 3600.0


class DeliveryError(Exception):
    """A reply could not be delivered; ``permanent`` when retrying is useless."""

    def __init__(self, code: str, *, permanent: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class Delivery(Protocol):
    """Shows messages to the user of a chat (Telegram, terminal…)."""

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None: ...


@dataclass
class Incoming:
    """One message as received by a front end, before anything is stored."""

    chat_id: int
    user_id: int
    kind: str
    text: str = ""
    update_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None  # the front end's own message id (to retract it)


Prepare = Callable[[InboxItem], Awaitable[Incoming]]
"""Turns a stored "email_file" item into the message for Rasa (kind "email", the intent
payload as text) or into a refusal the pipeline answers itself (only kind and text count)."""

Retract = Callable[[int, int], Awaitable[bool]]
"""Deletes a person's message from the chat (chat id, message id); True when it is gone."""

#: What makes Vigie pull a message back from the chat: a secret someone could log in with or pay
#: with, not merely an identifier.
RETRACTED_KINDS = frozenset({"password", "code", "card"})


class Pipeline:
    """Inbox-backed, per-chat ordered handling of user messages."""

    def __init__(
        self,
        *,
        settings: Settings,
        channel: str,
        inbox: Inbox,
        turns: TurnLog,
        outages: Outages,
        rasa: RasaClient,
        delivery: Delivery,
        after_turn: Callable[[], None] | None = None,
        prepare: Prepare | None = None,
        trackers: TrackerEvents | None = None,
        journal: SentJournal | None = None,
        retract: Retract | None = None,
        clock: Clock = SYSTEM_CLOCK,
        holder: str | None = None,
    ) -> None:
        self._settings = settings
        # This process's name on the inbox items it leases (several bot processes: one per
        # chat at a time, taken over once a dead process's lease has run out).
        self._holder = holder or process_identity(settings.bot_instance)
        self._lease_seconds = settings.inbox_lease_seconds
        self._retract = retract  # deletes a message holding a password from the chat
        self._clock = clock  # retry loop, purge interval, latencies, retention
        self._channel = channel
        self._inbox = inbox
        self._turns = turns
        self._outages = outages
        self._rasa = rasa
        self._delivery = delivery
        self._after_turn = after_turn  # called once Rasa has answered (actions may have written)
        self._prepare = prepare  # e-mail files: downloaded and taken in by the front end
        self._trackers = trackers  # Rasa's tracker events, purged like the turns
        self._journal = journal  # answers accepted by Telegram, written before their mark
        self._compacting: asyncio.Task[None] | None = None
        self._secret = settings.pseudonym_secret.get_secret_value().encode()
        self._max_mail_mb = MAX_FILE_BYTES // MEGABYTE
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._dirty: set[int] = set()
        self._retry_task: asyncio.Task[None] | None = None
        self._sweep_task: asyncio.Task[None] | None = None
        self._sweep_again = False
        self._notices: set[asyncio.Task[None]] = set()  # notices sent in tasks of their own
        self._notifying: set[int] = set()  # items whose notice is being sent
        # Items the pipeline answers itself (stickers, empty or too long messages…), while
        # their answer is being sent: a chat's worker waits for it instead of taking them.
        self._answering: dict[int, asyncio.Event] = {}
        self._closing = False

    def _contacts_now(self) -> dict[str, str]:
        """The contacts for a text sent now: outside the provider's hours (``PROVIDER_HOURS``;
        the pipeline does not look up the facility), the on-call number first."""
        return self._settings.contacts_at(self._clock.now())

    # -- receiving ------------------------------------------------------------------------

    def sender_of(self, user_id: int) -> str:
        """The pseudonymous id given to Rasa and stored: a keyed hash of the user id."""
        return pseudonymize(user_id, self._secret)

    async def receive(self, incoming: Incoming) -> None:
        """Store one incoming message durably, then get it handled in order."""
        sender = self.sender_of(incoming.user_id)
        text = incoming.text.strip()
        if incoming.kind in RASA_KINDS and not (
            neutralise(text) if incoming.kind == "text" else text
        ):
            await self._store_answered(incoming, sender, "empty", texts.EMPTY)
            return
        if incoming.kind == "button" and not button_allowed(text):
            # Not one of Vigie's own buttons (a forged callback): it never reaches Rasa.
            await self._store_answered(incoming, sender, "bad_button", texts.BUTTON_EXPIRED)
            return
        if incoming.kind not in RASA_KINDS and incoming.kind != EMAIL_FILE_KIND:
            template = texts.UNSUPPORTED.get(incoming.kind, texts.UNSUPPORTED["other"])
            await self._store_answered(
                incoming, sender, incoming.kind, template, limit=self._max_mail_mb
            )
            return
        if incoming.kind == "text" and len(text) > self._settings.max_message_chars:
            await self._store_answered(
                incoming,
                sender,
                "too_long",
                texts.TOO_LONG,
                limit=self._settings.max_message_chars,
            )
            return
        redaction = redact(text) if incoming.kind == "text" else None
        stored_text = redaction.text if redaction else text
        item = await self._inbox.add(
            channel=self._channel,
            chat_id=incoming.chat_id,
            sender=sender,
            kind=incoming.kind,
            text=stored_text,
            update_id=incoming.update_id,
            payload=incoming.payload,
        )
        if item is None:
            logger.info("Duplicate update %s ignored", incoming.update_id)
            return
        masked = redaction.found if redaction else tuple(incoming.payload.get("masked", ()))
        if masked:  # a chat message, or a pasted e-mail stored without what was typed around it
            await self._warn_redacted(incoming, masked)
        if await self._outages.is_down(RASA):
            await self._notify(item)  # it waits: told so before Telegram is told it is received
        elif await self._inbox.waits_behind_failure(item):
            self._notify_later(item, NOTICE_DELAY_SECONDS)  # unless the backlog goes fast
        self.kick(incoming.chat_id)

    async def _warn_redacted(self, incoming: Incoming, found: Sequence[str]) -> None:
        """Say what was masked; a password, a code or a card number is also pulled back from
        the chat when the front end can (else the person is told how to delete it)."""
        secrets = [kind for kind in found if kind in RETRACTED_KINDS]
        what = texts.REDACTED_KINDS.get((secrets or list(found))[0], texts.REDACTED_DEFAULT)
        template = texts.REDACTED_WARNING
        if secrets and self._retract is not None:  # a chat the front end can delete from
            retracted = False
            if incoming.message_id is not None:
                try:
                    retracted = await self._retract(incoming.chat_id, incoming.message_id)
                except Exception as exc:  # the person is told to delete it themselves
                    logger.warning("Message not retracted: %s", type(exc).__name__)
            template = texts.SECRET_RETRACTED if retracted else texts.SECRET_NOT_RETRACTED
        await self._safe_deliver(
            incoming.chat_id,
            [OutgoingMessage(texts.fill(template, self._contacts_now(), what=what))],
        )

    async def _store_answered(
        self, incoming: Incoming, sender: str, kind: str, template: str, **extra: object
    ) -> None:
        """Keep a trace of a message Rasa cannot take, and answer it directly."""
        item = await self._inbox.add(
            channel=self._channel,
            chat_id=incoming.chat_id,
            sender=sender,
            kind=kind,
            text="",
            update_id=incoming.update_id,
            payload=incoming.payload,
        )
        if item is None:
            return
        answered = self._answering[item.id] = asyncio.Event()
        try:
            await self._answer_directly(item, template, **extra)
        finally:
            del self._answering[item.id]
            answered.set()

    async def _answer_directly(self, item: InboxItem, template: str, **extra: object) -> bool:
        """Send the pipeline's own answer to a stored item; False when it must be retried."""
        reply = OutgoingMessage(texts.fill(template, self._contacts_now(), **extra))
        try:
            await self._delivery.deliver(item.chat_id, [reply])
        except DeliveryError as exc:
            if exc.permanent:
                await self._inbox.mark_failed(item.id, exc.code)
                return True
            await self._inbox.record_failure(item.id, exc.code, degraded_sent=False)
            return False
        self._sent(item)
        await self._inbox.mark_done(item.id)
        await self._record_answer(item.id, item.sender, reply)
        return True

    async def _answer_stored(self, item: InboxItem) -> bool:
        """A chat's worker met an item the pipeline answers itself: it waits while that answer
        is being sent; after a crash or a failed send, it answers it (never through Rasa)."""
        answering = self._answering.get(item.id)
        if answering is not None:
            await answering.wait()
            return True  # done, or pending again after a failure: the worker's loop decides
        template, extra = _direct_answer(item.kind), {"limit": self._max_mail_mb}
        if item.kind == "too_long":
            extra = {"limit": self._settings.max_message_chars}
        return await self._answer_directly(item, template, **extra)

    async def _record_answer(self, item_id: int, sender: str, reply: OutgoingMessage) -> None:
        """Log the turn of a message the pipeline answered itself."""
        await self._turns.record(
            channel=self._channel,
            sender=sender,
            text_in="",
            text_out=reply.plain_text(),
            intent=None,
            confidence=None,
            article_id=None,
            inbox_id=item_id,
        )

    # -- handling -------------------------------------------------------------------------

    def kick(self, chat_id: int) -> None:
        """Make sure a worker handles the pending messages of this chat."""
        if self._closing:
            return
        self._dirty.add(chat_id)
        worker = self._workers.get(chat_id)
        if worker is None or worker.done():
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id))

    async def _work(self, chat_id: int) -> None:
        try:
            while True:
                self._dirty.discard(chat_id)
                item, busy = await self._inbox.lease_next(
                    chat_id, self._holder, self._lease_seconds
                )
                if item is None:
                    if busy:  # another process handles this chat, and its later items
                        return
                    if chat_id in self._dirty:
                        continue
                    return
                if not await self._handle_leased(item):
                    return  # retried later by the retry loop, order kept
        except Exception:
            logger.exception("Worker of a chat failed")
        finally:
            if self._workers.get(chat_id) is asyncio.current_task():
                del self._workers[chat_id]

    async def _handle_leased(self, item: InboxItem) -> bool:
        """Handle a leased item, renewing the lease meanwhile; given back unless handled."""
        renewing = asyncio.create_task(self._keep_lease(item.id))
        try:
            handled = await self._handle(item)
        except asyncio.CancelledError:
            # Stopping: the lease stays until it runs out (or this instance, restarted, takes
            # it back), so that no other process answers before the sent journal is replayed.
            raise
        except Exception:
            await self._release(item.id)
            raise
        finally:
            renewing.cancel()
        if not handled:
            await self._release(item.id)
        return handled

    async def _release(self, item_id: int) -> None:
        try:
            await self._inbox.release_lease(item_id, self._holder)
        except Exception:
            logger.exception("Inbox lease not released (it runs out by itself)")

    async def _keep_lease(self, item_id: int) -> None:
        """Renew the lease at a third of its length while the item is being handled."""
        while True:
            await asyncio.sleep(self._lease_seconds / 3)
            try:
                if not await self._inbox.renew_lease(item_id, self._holder, self._lease_seconds):
                    logger.warning("Lease of inbox item %s lost", item_id)
                    return
            except Exception:
                logger.exception("Inbox lease not renewed")

    async def _handle(self, item: InboxItem) -> bool:
        """Handle one stored message; False when it must wait for a later retry."""
        if item.kind not in WAITING_KINDS:
            return await self._answer_stored(item)
        if item.kind == EMAIL_FILE_KIND:
            incoming = await self._prepared(item)
            if incoming.kind != EMAIL_KIND:
                return await self._refuse(item, incoming.kind)
            await self._inbox.set_prepared(item.id, EMAIL_KIND, incoming.text)
            item.kind, item.text, item.payload = EMAIL_KIND, incoming.text, {}
        try:
            # Typed text never names an intent (payloads.py); buttons were checked on arrival.
            message = neutralise(item.text) if item.kind == "text" else item.text
            reply = await self._rasa.send(
                item.sender, message, {"channel": self._channel}, message_id=f"inbox-{item.id}"
            )
        except RasaUnavailable as exc:
            logger.warning("Rasa unavailable (%s) for inbox item %s", exc.code, item.id)
            if await self._outages.mark_down(RASA, exc.code):
                logger.warning("Rasa is down: every waiting message gets the degraded notice")
            await self._notify(item)
            await self._inbox.record_failure(item.id, exc.code, degraded_sent=False)
            self.sweep()  # the messages that arrived before this failure wait too
            return False
        if await self._outages.mark_up(RASA):
            logger.info("Rasa answers again: the waiting messages are handled")
            await self._recover_quietly()  # the other chats' waiting messages
        if self._after_turn is not None:
            try:
                self._after_turn()
            except Exception:
                logger.exception("After-turn hook failed")
        try:
            async with self._inbox.marking_done(item.id) as mark_done:
                await self._delivery.deliver(item.chat_id, with_feedback(reply.messages, item.id))
                self._sent(item)  # one write(2): a crash after it never sends the answer again
                await mark_done()
        except DeliveryError as exc:
            if exc.permanent:
                logger.warning("Reply to inbox item %s undeliverable: %s", item.id, exc.code)
                await self._inbox.mark_failed(item.id, exc.code)
                return True
            await self._inbox.record_failure(item.id, exc.code, degraded_sent=False)
            return False
        await self._turns.record(
            channel=self._channel,
            sender=item.sender,
            text_in=item.text,
            text_out="\n\n".join(m.plain_text() for m in reply.messages),
            intent=reply.response_key or reply.intent,
            confidence=reply.confidence,
            article_id=reply.articles[0] if reply.articles else None,
            inbox_id=item.id,
            latency_ms=int((self._clock.now() - item.received_at).total_seconds() * 1000),
        )
        return True

    async def _prepared(self, item: InboxItem) -> Incoming:
        """The e-mail file taken in by the front end, or the refusal to answer (never raises)."""
        failed = Incoming(item.chat_id, UNKNOWN_USER, EMAIL_FAILED_KIND, update_id=item.update_id)
        if self._prepare is None:
            logger.error("Inbox item %s: no preparer for %s", item.id, item.kind)
            return failed
        try:
            incoming = await self._prepare(item)
        except Exception as exc:
            logger.error("Inbox item %s not prepared: %s", item.id, type(exc).__name__)
            return failed
        if incoming.kind == EMAIL_KIND and not incoming.text.strip():
            return failed
        return incoming

    async def _refuse(self, item: InboxItem, kind: str) -> bool:
        """Answer a prepared item with its French refusal; False when it must be retried."""
        if kind not in texts.UNSUPPORTED:
            kind = EMAIL_FAILED_KIND
        reply = OutgoingMessage(
            texts.fill(texts.UNSUPPORTED[kind], self._contacts_now(), limit=self._max_mail_mb)
        )
        try:
            await self._delivery.deliver(item.chat_id, [reply])
        except DeliveryError as exc:
            if exc.permanent:
                await self._inbox.mark_failed(item.id, exc.code)
                return True
            await self._inbox.record_failure(item.id, exc.code, degraded_sent=False)
            return False  # prepared again at the retry (a report is never made twice)
        self._sent(item)
        await self._inbox.set_prepared(item.id, kind, "")
        await self._inbox.mark_done(item.id)
        await self._record_answer(item.id, item.sender, reply)
        return True

    async def _notify(self, item: InboxItem) -> None:
        """Send the degraded notice of a waiting item, unless it had it already. Recorded once
        delivered, so that a crash never loses it; one notice at a time per item here."""
        if item.id in self._notifying:
            return
        self._notifying.add(item.id)
        try:
            if not await self._inbox.needs_notice(item.id):
                return
            notice = OutgoingMessage(texts.fill(texts.DEGRADED, self._contacts_now()))
            if await self._safe_deliver(item.chat_id, [notice]):
                await self._inbox.mark_notified(item.id)
        finally:
            self._notifying.discard(item.id)

    def _notify_later(self, item: InboxItem, delay: float) -> None:
        """The notice of ``item`` in a task of its own, unless it is answered within ``delay``
        seconds (the receiving of updates does not wait for it)."""
        if self._closing:
            return
        task = asyncio.create_task(self._notify_after_delay(item, delay))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _notify_after_delay(self, item: InboxItem, delay: float) -> None:
        try:
            if delay > 0:
                await self._clock.sleep(delay)
            await self._notify(item)  # claimed only while the item is pending
        except Exception:
            logger.exception("Degraded notice failed")

    def sweep(self) -> None:
        """Get every waiting message of this channel its degraded notice (one sweep at a time;
        one requested while a sweep runs makes it run again)."""
        if self._closing:
            return
        if self._sweep_task is not None and not self._sweep_task.done():
            self._sweep_again = True
            return
        self._sweep_task = asyncio.create_task(self._sweep())

    async def _sweep(self) -> None:
        try:
            while True:
                self._sweep_again = False
                for item in await self._inbox.unnotified(self._channel, WAITING_KINDS):
                    await self._notify(item)
                if not self._sweep_again:
                    return
        except Exception:
            logger.exception("Degraded notices sweep failed")

    async def _recover_quietly(self) -> None:
        try:
            await self.recover()
        except Exception:
            logger.exception("Inbox recovery failed")

    def _sent(self, item: InboxItem) -> None:
        """The answer of ``item`` was accepted: into the journal before the database (which
        the caller marks next), and the journal compacted now and then."""
        if self._journal is None:
            return
        self._journal.record(item.id, item.chat_id)
        if self._journal.full and (self._compacting is None or self._compacting.done()):
            self._compacting = asyncio.create_task(self._compact())

    async def _compact(self) -> None:
        assert self._journal is not None
        try:
            await self._journal.compact(self._inbox.mark_sent)
        except Exception:
            logger.exception("Sent journal compaction failed")

    async def _safe_deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> bool:
        try:
            await self._delivery.deliver(chat_id, messages)
        except DeliveryError as exc:
            logger.warning("Notice not delivered: %s", exc.code)
            return False
        return True

    # -- lifecycle ------------------------------------------------------------------------

    async def recover(self) -> None:
        """Kick every chat that has pending messages (at start, then periodically); a message
        waiting behind a failed one of its chat without a notice (its process died before
        sending it) gets it unless answered within :data:`NOTICE_DELAY_SECONDS`."""
        for chat_id in await self._inbox.pending_chats():
            self.kick(chat_id)
        for item in await self._inbox.unnotified_behind_failures(self._channel, WAITING_KINDS):
            self._notify_later(item, NOTICE_DELAY_SECONDS)

    def start(self) -> None:
        """Handle what was left pending, then retry periodically."""
        self._retry_task = asyncio.create_task(self._retry_loop())

    async def _retry_loop(self) -> None:
        next_purge = 0.0
        while not self._closing:
            pause = self._settings.retry_interval_seconds
            try:
                if not await self.check_rasa():
                    pause = min(pause, DOWN_PROBE_SECONDS)
                if self._clock.monotonic() >= next_purge:
                    await self.purge_expired()
                    next_purge = self._clock.monotonic() + PURGE_INTERVAL_SECONDS
            except Exception:
                logger.exception("Inbox recovery or purge failed")
            await self._clock.sleep(pause)

    async def check_rasa(self) -> bool:
        """While Rasa is known down, handle nothing but the notices until its health check
        answers; then (and whenever it is not known down) handle every pending message.
        False while Rasa is still down."""
        if await self._outages.is_down(RASA):
            if not await self._rasa.healthy():
                self.sweep()  # e.g. messages left by a process stopped during the outage
                return False
            if await self._outages.mark_up(RASA):
                logger.info("Rasa answers again: the waiting messages are handled")
        await self.recover()
        return True

    async def purge_expired(self) -> None:
        """Delete turns, handled inbox items and Rasa's tracker events older than the
        retention period."""
        before = self._clock.now() - timedelta(days=self._settings.retention_days)
        turns = await self._turns.purge_older_than(before)
        items = await self._inbox.purge_done_before(before)
        events = await self._trackers.purge_older_than(before) if self._trackers else 0
        if turns or items or events:
            logger.info(
                "Retention: %s turns, %s inbox items and %s tracker events deleted",
                turns,
                items,
                events,
            )

    async def idle(self, timeout: float = 30.0) -> None:
        """Wait until no worker and no sweep of notices runs (for the terminal chat and tests)."""
        deadline = self._clock.monotonic() + timeout
        while True:
            busy = [*self._workers.values(), *self._notices]
            if self._sweep_task is not None and not self._sweep_task.done():
                busy.append(self._sweep_task)
            remaining = deadline - self._clock.monotonic()
            if not busy or remaining <= 0:
                return
            await wait_tasks(busy, remaining, self._clock)

    async def aclose(self) -> None:
        """Stop the workers; what they had not finished stays pending in the inbox."""
        self._closing = True
        tasks = [
            t
            for t in (
                self._retry_task,
                self._sweep_task,
                self._compacting,
                *self._workers.values(),
                *self._notices,
            )
            if t is not None
        ]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _direct_answer(kind: str) -> str:
    """The answer the pipeline gives itself to a stored item of ``kind`` (see ``receive``)."""
    special = {
        "empty": texts.EMPTY,
        "bad_button": texts.BUTTON_EXPIRED,
        "too_long": texts.TOO_LONG,
    }
    return special.get(kind) or texts.UNSUPPORTED.get(kind, texts.UNSUPPORTED["other"])
