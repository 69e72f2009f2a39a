"""Sends the transactional outbox: ticket notifications (Telegram) and helpdesk e-mails.

Rows are written by the ticket service in the same transaction as the ticket change (by this
process or by the action server). One task per channel served (Telegram and e-mail for the
Telegram bot; the terminal chat and e-mail for the local chat of ``make run`` without a
token; the two never run together) sends that channel's due rows, oldest first, and marks
each sent right after it was accepted (at least once, with a one-write window, like the
inbox): a slow or unreachable SMTP server never delays a notification in the chat.

Chat rows are paced evenly, at most ``outbox_chat_rate`` a second (25 by default): Telegram
allows a bot about 30 messages a second in all, and every message of the bot, the live
replies to conversations included, goes through the one rate limiter of the bot
(python-telegram-bot's ``AIORateLimiter``, a bucket of 30 that empties at 30 a second). A
batch sent as fast as that limiter lets it would keep it full, and every live reply would
queue behind the batch (one slot of 1/30 s per message ahead of it; 50 messages in the first
second, too). Paced below the limit, the batch leaves the bucket nearly empty: a live reply
goes at once, several at once too, as long as the live traffic stays under what the batch
leaves (5 messages a second, and bursts of the bucket's size). The pace is real time, like
Telegram's limit, whatever the clock the dispatcher is given.

Temporary errors are retried with exponential backoff (2, 4, 8… s, at most 5 min) until
``outbox_give_up_hours`` have passed since the row was written; only a permanent error
(blocked bot, refused recipient or message) fails a row at once. A row waiting for its retry
holds back the later rows of the same destination (:meth:`Outbox.due`), so they arrive in
order; other destinations are not delayed. Retention and the other periodic jobs are
:mod:`vigie.housekeeping`'s.

Documents: a row whose payload has a ``document`` sends a file with the message as its caption:
a text the domain wrote into the row (an incident's declaration, ``{"filename", "text"}``), a
binary file it made (a monthly report's PDF, ``{"filename", "base64"}``), or
a suspicious e-mail report's original file for the technicians (read from the report when it is sent; once purged, the
caption goes alone, saying so). When the last row of a batch (a warning sent to the staff) is
sent or failed, the domain queues its summary for the technicians (a check that failed is
retried with the next rows).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

from vigie.conversation.pipeline import Delivery, DeliveryError
from vigie.core.channels import CHAT_CHANNELS
from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_event, wait_tasks
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.db.leases import LeasedJob, Leases
from vigie.outbox.mailer import MailError, build_email, send_email
from vigie.outbox.models import OUTBOX_CHANNELS, OutboxMessage
from vigie.outbox.store import PENDING, Outbox
from vigie.phishing import desk_texts as phishing_desk_texts
from vigie.phishing.service import PhishingService

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
MAX_RETRY_DELAY_SECONDS = 300.0
# Stopping waits for the row in flight: a Telegram send (its own timeouts, the rate
# limiter) or an SMTP exchange of at most ~a dozen socket operations, each bounded by
# ``smtp_timeout_seconds``. Only past this generous bound is the task cancelled.
CLOSE_GRACE_SECONDS = 60.0
LEASE_NAME = "outbox"
LEASE_SECONDS = 30.0  # a holder that died is replaced within this
LEASE_RENEW_SECONDS = 10.0
LEASE_STANDBY_SECONDS = 5.0
#: A kick (« something was written ») is taken at most this often: under load every turn
#: kicks, and each kick was a query for due rows, per channel.
KICK_INTERVAL_SECONDS = 0.2
SMTP_OPERATIONS_BOUND = 15
CHANNELS = ("telegram", "email")  # what the Telegram bot serves
TERMINAL_CHANNELS = ("terminal", "email")  # what the local terminal chat serves
_CODE = re.compile(r"[^A-Za-z0-9_.:-]")


def retry_delay(failures: int) -> float:
    """Seconds before the next try of a row that has failed ``failures`` times (2, 4, 8…
    at most 5 min)."""
    return min(2.0 ** min(max(failures, 0), 16), MAX_RETRY_DELAY_SECONDS)


def _code(raw: str) -> str:
    """An error code fit for ``last_error``: a short identifier, never free text."""
    return _CODE.sub("_", raw)[:64] or "error"


class OutboxDelivery(Delivery, Protocol):
    """What the dispatcher needs of a front end: messages, and files for the technicians."""

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None: ...


class _Failure(Exception):
    def __init__(self, code: str, *, permanent: bool) -> None:
        super().__init__(code)
        self.code = _code(code)
        self.permanent = permanent


#: The delivery's code for a chat that blocked the bot (a permanent failure).
BLOCKED = "forbidden"


class Pace:
    """Spaces the sends evenly, at most ``rate`` a second and never in a burst: each send
    takes the next free slot, ``1 / rate`` seconds after the previous one (at once when the
    last was longer ago). Real time: it paces what Telegram counts."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._next = 0.0  # time.monotonic() of the next free slot

    async def wait(self) -> None:
        """Return at this send's slot."""
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class Dispatcher:
    """Background tasks sending the due outbox rows; ``kick()`` wakes them at once."""

    def __init__(
        self,
        outbox: Outbox,
        delivery: OutboxDelivery,
        settings: Settings,
        channels: Sequence[str] = CHANNELS,
        *,
        phishing: PhishingService | None = None,
        clock: Clock = SYSTEM_CLOCK,
        on_blocked: Callable[[int], Awaitable[object]] | None = None,
        leases: Leases | None = None,
    ) -> None:
        unknown = set(channels) - set(OUTBOX_CHANNELS)
        if not channels or unknown:
            raise ValueError(f"channels must be some of {OUTBOX_CHANNELS}")
        self._outbox = outbox
        self._delivery = delivery  # shows the rows of the chat channels served
        self._settings = settings
        self._clock = clock  # polls and give-up ages
        self._phishing = phishing or PhishingService(outbox.sessionmaker, settings)
        # A chat that blocked the bot (Telegram's 403): the domain stops writing to it (the
        # tips of the week take it off their list).
        self._on_blocked = on_blocked
        # Batches whose last row went but whose summary is not queued yet (retried if the
        # database failed meanwhile).
        self._batches: set[str] = set()
        # Chat rows leave room under Telegram's limit for the live replies (module docstring).
        self._pace = Pace(settings.outbox_chat_rate)
        self._channels = tuple(dict.fromkeys(channels))
        self._wakes = {channel: asyncio.Event() for channel in self._channels}
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._closed = asyncio.Event()  # wakes the processes standing by (kicks do not)
        # Several bot processes: only the holder of the ``outbox`` lease sends (one rate, one
        # order per destination); the others check again every LEASE_STANDBY_SECONDS.
        self._lease = LeasedJob(
            leases,
            LEASE_NAME,
            LEASE_SECONDS,
            what="sends the notifications",
            renew_seconds=LEASE_RENEW_SECONDS,
        )

    def start(self) -> None:
        """Start one sending task per channel (each sends what was left pending at once)."""
        if not self._tasks:
            self._closing = False
            self._closed.clear()
            self._tasks = [
                asyncio.create_task(self._run(channel), name=f"outbox-{channel}")
                for channel in self._channels
            ]

    def kick(self) -> None:
        """Something was written to the outbox: look at it now rather than at the next poll."""
        for wake in self._wakes.values():
            wake.set()

    def close_timeout(self) -> float:
        """How long :meth:`aclose` waits for the rows in flight before cancelling."""
        return CLOSE_GRACE_SECONDS + SMTP_OPERATIONS_BOUND * self._settings.smtp_timeout_seconds

    async def aclose(self) -> None:
        """Take no new row, wait until the rows in flight are sent and marked, then return.

        A task is not cancelled while its row is in flight (an SMTP send runs in a thread and
        cannot be stopped: cancelling between the send and its marking would send the row
        again after a restart), unless it is still busy after :meth:`close_timeout`: a send
        hung past every timeout, the only case left for a duplicate.
        """
        tasks, self._tasks = self._tasks, []
        if not tasks:
            return
        self._closing = True
        self._closed.set()
        self.kick()
        try:
            await self._finish(tasks)
        finally:
            await self._lease.release()  # another process takes the sending over at once

    async def _finish(self, tasks: list[asyncio.Task[None]]) -> None:
        done, busy = await wait_tasks(tasks, self.close_timeout(), self._clock)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                logger.error("Outbox task ended with %s", type(task.exception()).__name__)
        if busy:
            logger.error(
                "Outbox: %s task(s) still sending after %s s, cancelled",
                len(busy),
                self.close_timeout(),
            )
            for task in busy:
                task.cancel()
            for task in busy:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self, channel: str) -> None:
        wake = self._wakes[channel]
        last_look = -KICK_INTERVAL_SECONDS
        while not self._closing:
            if not await self._lease.holds():  # another process sends: its kicks are not ours
                await wait_event(self._closed, LEASE_STANDBY_SECONDS, self._clock)
                continue
            # Kicks coming faster than KICK_INTERVAL_SECONDS are taken together.
            await asyncio.sleep(max(0.0, last_look + KICK_INTERVAL_SECONDS - time.monotonic()))
            if self._closing:
                return
            wake.clear()
            last_look = time.monotonic()
            try:
                await self.send_due(channel)
                if not self._closing and channel == self._channels[0] and self._batches:
                    await self.finish_batches()  # a check that failed earlier
            except Exception:
                logger.exception("Outbox dispatch failed (%s)", channel)
            if self._closing:
                return
            await wait_event(wake, self._settings.outbox_poll_seconds, self._clock)

    async def finish_batches(self) -> int:
        """For each batch whose last row went, have the domain queue its summary (once);
        returns how many summaries were queued. A batch whose check fails stays for later."""
        queued = 0
        for batch in sorted(self._batches):
            try:
                counts = await self._outbox.batch_counts(batch)
                if counts.get(PENDING, 0) == 0 and await self._phishing.batch_done(batch):
                    queued += 1
            except Exception:
                logger.exception("Outbox batch check failed")
                continue
            self._batches.discard(batch)
        if queued:
            self.kick()
        return queued

    async def send_due(self, channel: str | None = None) -> int:
        """Send every row due now of the channels served (of ``channel`` only, when given);
        returns how many rows were tried."""
        if channel is None:
            return sum([await self._send_due(served) for served in self._channels])
        return await self._send_due(channel) if channel in self._channels else 0

    async def _send_due(self, channel: str) -> int:
        # ``due`` gives the oldest pending row of each destination: once it is sent, the
        # next one of that destination comes in the following batch.
        tried: set[int] = set()
        while not self._closing:
            due = await self._outbox.due(limit=BATCH_SIZE, channel=channel)
            rows = [row for row in due if row.id not in tried]
            if not rows:
                break
            for row in rows:
                if self._closing:
                    break
                tried.add(row.id)
                await self._send_one(row)
        return len(tried)

    async def _send_one(self, row: OutboxMessage) -> None:
        """Send one row and record the outcome."""
        try:
            if row.channel in CHAT_CHANNELS:
                await self._send_chat(row)
            elif row.channel == "email":
                await self._send_email(row)
            else:
                raise _Failure("unknown_channel", permanent=True)
        except _Failure as failure:
            await self._record_failure(row, failure)
            return
        except Exception as exc:
            logger.exception("Outbox row %s: unexpected error", row.id)
            await self._record_failure(row, _Failure(type(exc).__name__, permanent=False))
            return
        await self._outbox.mark_sent(row.id)
        await self._row_done(row)

    async def _row_done(self, row: OutboxMessage) -> None:
        """A row was sent or failed for good: was it the last of its batch?"""
        if row.batch:
            self._batches.add(row.batch)
            await self.finish_batches()

    async def _record_failure(self, row: OutboxMessage, failure: _Failure) -> None:
        attempts = row.attempts + 1
        age = self._clock.now() - row.created_at
        give_up = timedelta(hours=self._settings.outbox_give_up_hours)
        if failure.permanent or age >= give_up:
            logger.warning(
                "Outbox row %s (%s) failed after %s attempt(s) in %.1f h (%s): %s",
                row.id,
                row.channel,
                attempts,
                age.total_seconds() / 3600,
                "permanent error" if failure.permanent else "gave up",
                failure.code,
            )
            await self._outbox.mark_failed(row.id, failure.code)
            if failure.code == BLOCKED and self._on_blocked is not None:
                try:
                    await self._on_blocked(int(row.destination))
                except Exception:
                    logger.exception("Blocked-chat hook failed")
            await self._row_done(row)
            return
        delay = retry_delay(attempts)
        logger.info(
            "Outbox row %s (%s) will be retried in %s s: %s",
            row.id,
            row.channel,
            delay,
            failure.code,
        )
        await self._outbox.mark_retry(row.id, failure.code, delay)

    async def _send_chat(self, row: OutboxMessage) -> None:
        message = OutgoingMessage.from_rasa({"custom": row.payload})
        if message is None:
            raise _Failure("bad_payload", permanent=True)
        try:
            chat_id = int(row.destination)
        except ValueError:
            raise _Failure("bad_destination", permanent=True) from None
        await self._pace.wait()
        try:
            if "document" in row.payload:
                await self._send_document(chat_id, row.payload["document"], message)
            else:
                await self._delivery.deliver(chat_id, [message])
        except DeliveryError as exc:
            raise _Failure(exc.code, permanent=exc.permanent) from exc

    async def _send_document(self, chat_id: int, document: Any, caption: OutgoingMessage) -> None:
        """A text document written by the domain (``{"filename", "text"}``: an incident's
        declaration), a binary one (``{"filename", "base64"}``: a monthly report), or the
        original file of a report (``{"report_id"}``), with its caption;
        for a report, the caption alone (saying so) once the original was purged."""
        if not isinstance(document, dict):
            raise _Failure("bad_payload", permanent=True)
        if "text" in document:
            text, filename = document["text"], document.get("filename")
            if not isinstance(text, str) or not isinstance(filename, str) or not filename:
                raise _Failure("bad_payload", permanent=True)
            await self._delivery.send_document(chat_id, filename, text.encode(), caption)
            return
        if "base64" in document:  # a binary file the domain made (a monthly report's PDF)
            encoded, filename = document["base64"], document.get("filename")
            if not isinstance(encoded, str) or not isinstance(filename, str) or not filename:
                raise _Failure("bad_payload", permanent=True)
            try:
                data = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise _Failure("bad_payload", permanent=True) from None
            await self._delivery.send_document(chat_id, filename, data, caption)
            return
        try:
            report_id = int(document["report_id"])
        except (KeyError, TypeError, ValueError):
            raise _Failure("bad_payload", permanent=True) from None
        original = await self._phishing.original(report_id)
        if original is None:
            notice = phishing_desk_texts.caption_without_file(caption.html)
            await self._delivery.deliver(chat_id, [OutgoingMessage(notice, caption.buttons)])
            return
        stored_name, data = original
        # The neutral name chosen by the domain (``signalement-<id>.eml``), else the stored one.
        filename = str(document.get("filename") or stored_name)
        await self._delivery.send_document(chat_id, filename, data, caption)

    async def _send_email(self, row: OutboxMessage) -> None:
        if not self._settings.smtp_host:  # retried: it goes once SMTP_HOST is set
            raise _Failure("mail_disabled", permanent=False)
        try:
            email = build_email(dict(row.payload), self._settings, to=row.destination or None)
            await send_email(email, self._settings)
        except MailError as exc:
            raise _Failure(exc.code, permanent=exc.permanent) from exc
