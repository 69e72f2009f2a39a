"""Sends the transactional outbox: ticket notifications (Telegram) and helpdesk e-mails.

Rows are written by the ticket service in the same transaction as the ticket change (by this
process or by the action server). One task per channel served (Telegram and e-mail for the
Telegram bot; the terminal chat and e-mail for the local chat of ``make run`` without a
token; the two never run together) sends that channel's due rows, oldest first, and marks each sent right after it was accepted (at least
once, with a one-write window, like the inbox): a slow or unreachable SMTP server never
delays a notification in the chat.
Temporary errors are retried with exponential backoff; permanent errors, or too many
attempts, mark the row failed. One failing row never blocks the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.pipeline import Delivery, DeliveryError
from vigie.db.models import CHAT_CHANNELS, OUTBOX_CHANNELS, OutboxMessage
from vigie.mailer import MailError, build_email, send_email
from vigie.messages import OutgoingMessage
from vigie.outbox import Outbox
from vigie.settings import Settings

logger = logging.getLogger(__name__)

BATCH_SIZE = 20
MAX_RETRY_DELAY_SECONDS = 300.0
CLOSE_TIMEOUT_SECONDS = 15.0
CHANNELS = ("telegram", "email")  # what the Telegram bot serves
TERMINAL_CHANNELS = ("terminal", "email")  # what the local terminal chat serves
PURGE_INTERVAL_SECONDS = 3600.0
_CODE = re.compile(r"[^A-Za-z0-9_.:-]")


def retry_delay(attempts: int) -> float:
    """Seconds before the next try of a row that already failed ``attempts`` times before."""
    return min(2.0 ** max(attempts, 0), MAX_RETRY_DELAY_SECONDS)


def _code(raw: str) -> str:
    """An error code fit for ``last_error``: a short identifier, never free text."""
    return _CODE.sub("_", raw)[:64] or "error"


class _Failure(Exception):
    def __init__(self, code: str, *, permanent: bool) -> None:
        super().__init__(code)
        self.code = _code(code)
        self.permanent = permanent


class Dispatcher:
    """Background tasks sending the due outbox rows; ``kick()`` wakes them at once."""

    def __init__(
        self,
        outbox: Outbox,
        delivery: Delivery,
        settings: Settings,
        channels: Sequence[str] = CHANNELS,
    ) -> None:
        unknown = set(channels) - set(OUTBOX_CHANNELS)
        if not channels or unknown:
            raise ValueError(f"channels must be some of {OUTBOX_CHANNELS}")
        self._outbox = outbox
        self._delivery = delivery  # shows the rows of the chat channels served
        self._settings = settings
        self._channels = tuple(dict.fromkeys(channels))
        self._wakes = {channel: asyncio.Event() for channel in self._channels}
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    def start(self) -> None:
        """Start one sending task per channel (each sends what was left pending at once)."""
        if not self._tasks:
            self._closing = False
            self._tasks = [
                asyncio.create_task(self._run(channel), name=f"outbox-{channel}")
                for channel in self._channels
            ]

    def kick(self) -> None:
        """Something was written to the outbox: look at it now rather than at the next poll."""
        for wake in self._wakes.values():
            wake.set()

    async def aclose(self) -> None:
        """Stop after the rows being sent (never in the middle of a send and its marking)."""
        tasks, self._tasks = self._tasks, []
        if not tasks:
            return
        self._closing = True
        self.kick()
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.gather(*tasks)), CLOSE_TIMEOUT_SECONDS)
        except TimeoutError:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self, channel: str) -> None:
        wake = self._wakes[channel]
        next_purge = 0.0
        while not self._closing:
            wake.clear()
            try:
                await self.send_due(channel)
                if channel == self._channels[0] and time.monotonic() >= next_purge:
                    await self.purge_expired()
                    next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            except Exception:
                logger.exception("Outbox dispatch failed (%s)", channel)
            if self._closing:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self._settings.outbox_poll_seconds)

    async def purge_expired(self) -> int:
        """Delete sent and failed rows older than the retention period (they hold texts)."""
        before = datetime.now(UTC) - timedelta(days=self._settings.retention_days)
        deleted = await self._outbox.purge_sent_before(before)
        if deleted:
            logger.info("Retention: %s outbox rows deleted", deleted)
        return deleted

    async def send_due(self, channel: str | None = None) -> int:
        """Send every row due now of the channels served (of ``channel`` only, when given);
        returns how many rows were tried."""
        if channel is None:
            return sum([await self._send_due(served) for served in self._channels])
        return await self._send_due(channel) if channel in self._channels else 0

    async def _send_due(self, channel: str) -> int:
        tried: set[int] = set()
        while not self._closing:
            due = await self._outbox.due(limit=BATCH_SIZE, channel=channel)
            rows = [row for row in due if row.id not in tried]
            if not rows:
                break
            skipped: set[str] = set()
            for row in rows:
                if self._closing:
                    break
                tried.add(row.id)
                key = f"{row.channel}:{row.destination}"
                if key in skipped:
                    continue  # this destination just failed: keep its later rows for later
                if not await self._send_one(row):
                    skipped.add(key)
            if len(rows) < BATCH_SIZE:
                break
        return len(tried)

    async def _send_one(self, row: OutboxMessage) -> bool:
        """Send one row and record the outcome; False after a temporary failure."""
        try:
            if row.channel in CHAT_CHANNELS:
                await self._send_chat(row)
            elif row.channel == "email":
                await self._send_email(row)
            else:
                raise _Failure("unknown_channel", permanent=True)
        except _Failure as failure:
            return await self._record_failure(row, failure)
        except Exception as exc:
            logger.exception("Outbox row %s: unexpected error", row.id)
            return await self._record_failure(row, _Failure(type(exc).__name__, permanent=False))
        await self._outbox.mark_sent(row.id)
        return True

    async def _record_failure(self, row: OutboxMessage, failure: _Failure) -> bool:
        attempts = row.attempts + 1
        if failure.permanent or attempts >= self._settings.outbox_max_attempts:
            logger.warning(
                "Outbox row %s (%s) failed after %s attempt(s): %s",
                row.id,
                row.channel,
                attempts,
                failure.code,
            )
            await self._outbox.mark_failed(row.id, failure.code)
            return failure.permanent
        delay = retry_delay(row.attempts)
        logger.info(
            "Outbox row %s (%s) will be retried in %s s: %s",
            row.id,
            row.channel,
            delay,
            failure.code,
        )
        await self._outbox.mark_retry(row.id, failure.code, delay)
        return False

    async def _send_chat(self, row: OutboxMessage) -> None:
        message = OutgoingMessage.from_rasa({"custom": row.payload})
        if message is None:
            raise _Failure("bad_payload", permanent=True)
        try:
            chat_id = int(row.destination)
        except ValueError:
            raise _Failure("bad_destination", permanent=True) from None
        try:
            await self._delivery.deliver(chat_id, [message])
        except DeliveryError as exc:
            raise _Failure(exc.code, permanent=exc.permanent) from exc

    async def _send_email(self, row: OutboxMessage) -> None:
        if not self._settings.smtp_host:
            raise _Failure("mail_disabled", permanent=True)
        try:
            email = build_email(dict(row.payload), self._settings, to=row.destination or None)
            await send_email(email, self._settings)
        except MailError as exc:
            raise _Failure(exc.code, permanent=exc.permanent) from exc
