"""Where Telegram's updates come in, so that none is lost at the door.

Telegram forgets an update once it is *confirmed*: in polling mode, by the offset sent with the
next ``getUpdates``; in webhook mode, by the HTTP 200 answering the update's request. Vigie
confirms an update only once its handlers have returned, that is once the message is committed
to the inbox (or the technician's action is done). python-telegram-bot's own ``run_polling``
and webhook server confirm as soon as an update is queued, which loses it if the process dies
before the handler has stored it: hence this module.

A killed process leaves its last batch unconfirmed: Telegram offers it again, and the inbox
stores an update once (``(channel, update_id)`` is unique). An update whose handlers fail is
not confirmed and is tried again: while the database is unreachable, until it is back; for any
other failure, at most :data:`MAX_FAILURES` times, after which the person is told, in French,
that the message was not taken and should be sent again (never silently dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.exc import DBAPIError, DisconnectionError
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_event
from vigie.core.settings import Settings

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT_SECONDS = 10.0  # long polling: how long Telegram holds a getUpdates open
MAX_FAILURES = 3  # handler failures (other than storage) before the person is asked to resend
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kilobytes; refuse anything huge
HEALTH_PATH = "/health"  # the reverse proxy's and the service manager's check


class Handlers(Protocol):
    """Runs the handlers of one update (the Telegram front end's ``VigieBot``)."""

    async def handle(self, update: Update) -> BaseException | None:
        """Run the update's handlers; the error one of them raised, if any."""
        ...

    async def not_taken(self, update: Update) -> None:
        """Tell the person their message could not be taken and should be sent again."""
        ...


def is_storage_error(error: BaseException) -> bool:
    """True when the failure is the database's (unreachable, locked, restarting): worth
    waiting for, however long it lasts."""
    return isinstance(error, DBAPIError | DisconnectionError | OSError | TimeoutError)


class Gate:
    """Decides whether an update may be confirmed to Telegram: once its handlers succeeded,
    or once the person was told it could not be taken."""

    def __init__(self, handlers: Handlers, *, max_failures: int = MAX_FAILURES) -> None:
        self._handlers = handlers
        self._max_failures = max_failures
        self._failures: dict[int, int] = {}

    async def take(self, update: Update) -> bool:
        """Handle ``update``; True when Telegram may forget it, False to try it again later."""
        error = await self._handlers.handle(update)
        if error is None:
            self._failures.pop(update.update_id, None)
            return True
        if is_storage_error(error):
            logger.warning(
                "Update %s not stored (%s): kept by Telegram, tried again",
                update.update_id,
                type(error).__name__,
            )
            return False
        failures = self._failures.get(update.update_id, 0) + 1
        if failures < self._max_failures:
            self._failures[update.update_id] = failures
            logger.warning(
                "Update %s failed (%s), attempt %s of %s",
                update.update_id,
                type(error).__name__,
                failures,
                self._max_failures,
            )
            return False
        self._failures.pop(update.update_id, None)
        logger.error(
            "Update %s failed %s times (%s): the sender is asked to send it again",
            update.update_id,
            failures,
            type(error).__name__,
        )
        try:
            await self._handlers.not_taken(update)
        except Exception as exc:
            logger.error("Update %s: resend request failed: %s", update.update_id, type(exc))
        return True


class Backoff:
    """Pauses that double from :data:`FIRST_BACKOFF_SECONDS` up to :data:`MAX_BACKOFF_SECONDS`."""

    def __init__(self) -> None:
        self._next = FIRST_BACKOFF_SECONDS

    def next(self) -> float:
        pause = self._next
        self._next = min(self._next * 2, MAX_BACKOFF_SECONDS)
        return pause

    def reset(self) -> None:
        self._next = FIRST_BACKOFF_SECONDS


class Polling:
    """Vigie's own long-polling loop: the offset confirming an update is sent only after the
    update was taken by the :class:`Gate`."""

    def __init__(
        self,
        bot: Bot,
        gate: Gate,
        *,
        timeout: float = POLL_TIMEOUT_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._bot = bot
        self._gate = gate
        self._timeout = timeout
        self._clock = clock  # the pauses after a failure
        self._offset: int | None = None  # the next update to fetch: all before it are taken
        self._confirmed: int | None = None  # the offset Telegram was last sent

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch and take updates until ``stop`` is set; then confirm what was taken."""
        if not await self._delete_webhook(stop):
            return
        backoff = Backoff()
        while not stop.is_set():
            updates = await self._fetch(stop, backoff)
            for update in updates:
                while not await self._gate.take(update):
                    if await wait_event(stop, backoff.next(), self._clock):
                        return  # not confirmed: Telegram offers it again after the restart
                backoff.reset()
                self._offset = update.update_id + 1
                if stop.is_set():
                    break
        await self._confirm_taken()

    async def _delete_webhook(self, stop: asyncio.Event) -> bool:
        """Polling and a webhook exclude each other (``drop_pending_updates`` stays False)."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                await self._bot.delete_webhook(drop_pending_updates=False)
                return True
            except InvalidToken:
                raise
            except TelegramError as exc:
                logger.warning("deleteWebhook failed: %s", type(exc).__name__)
            await wait_event(stop, backoff.next(), self._clock)
        return False

    async def _fetch(self, stop: asyncio.Event, backoff: Backoff) -> Sequence[Update]:
        """One ``getUpdates`` (which confirms every update before the offset); nothing when
        stopped or on a failure, after a pause."""
        call = asyncio.ensure_future(
            self._bot.get_updates(
                offset=self._offset,
                timeout=int(self._timeout),
                allowed_updates=ALLOWED_UPDATES,
            )
        )
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({call, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not call.done():
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await call
            return ()
        pause: float | None = None
        try:
            updates = call.result()
        except InvalidToken:
            raise
        except RetryAfter as exc:
            retry_after = exc.retry_after
            pause = (
                retry_after if isinstance(retry_after, int | float) else retry_after.total_seconds()
            )
            logger.warning("getUpdates throttled for %s s", pause)
        except Conflict:
            logger.warning("getUpdates conflict: another process polls this bot")
        except (NetworkError, TelegramError) as exc:
            logger.warning("getUpdates failed: %s", type(exc).__name__)
        else:
            self._confirmed = self._offset
            backoff.reset()
            return updates
        await wait_event(stop, pause if pause is not None else backoff.next(), self._clock)
        return ()

    async def _confirm_taken(self) -> None:
        """At stop, tell Telegram about the updates taken since the last ``getUpdates``, so that
        a technician's action is not done again at the next start (as PTB's updater does)."""
        if self._offset is None or self._offset == self._confirmed:
            return
        try:
            await self._bot.get_updates(
                offset=self._offset, timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES
            )
        except TelegramError as exc:
            logger.info("Last updates not confirmed at stop: %s", type(exc).__name__)


class Webhook:
    """Vigie's own webhook endpoint: the 200 that confirms an update is answered only after the
    update was taken by the :class:`Gate`; the secret token is compared in constant time.

    Updates are taken one at a time, in the order they arrive, as in polling mode.
    """

    def __init__(self, bot: Bot, gate: Gate, settings: Settings) -> None:
        if not settings.webhook_url or settings.webhook_secret_token is None:
            raise RuntimeError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET_TOKEN")
        self._bot = bot
        self._gate = gate
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret_token.get_secret_value()
        self._listen = settings.webhook_listen
        self._port = settings.webhook_port
        self._path = "/" + urlsplit(settings.webhook_url).path.lstrip("/")
        self._lock = asyncio.Lock()
        self._runner: web.AppRunner | None = None
        self._instance = settings.bot_instance
        self._stopping = False

    async def start(self) -> None:
        """Listen, then tell Telegram where to send the updates (with the secret token)."""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self._path, self._receive)
        app.router.add_get(HEALTH_PATH, self._health)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()
        await self._bot.set_webhook(
            self._url,
            secret_token=self._secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )
        logger.info("Webhook listening on %s:%s", self._listen, self._port)

    async def stop(self) -> None:
        """Stop listening; the update being taken is finished first."""
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _health(self, request: web.Request) -> web.Response:
        """For the reverse proxy and the service manager: 200 while this process takes
        updates, 503 once it is stopping (the proxy sends the next updates elsewhere)."""
        if self._stopping:
            return web.json_response({"status": "stopping"}, status=503)
        return web.json_response({"status": "ok", "instance": self._instance})

    async def _receive(self, request: web.Request) -> web.Response:
        token = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(token.encode(), self._secret.encode()):
            logger.warning("Webhook request refused: wrong or missing secret token")
            return web.Response(status=403)
        try:
            data: Any = await request.json()
            update = Update.de_json(data, self._bot) if isinstance(data, dict) else None
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, KeyError, ValueError):
            update = None
        if update is None:
            logger.warning("Webhook request refused: not an update")
            return web.Response(status=400)
        async with self._lock:
            taken = await self._gate.take(update)
        # 500: Telegram sends the update again later.
        return web.Response(status=200 if taken else 500)
