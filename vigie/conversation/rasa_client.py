"""Client of Vigie's Rasa channel, over loopback HTTP, with timeouts and bounded retries."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.messages import OutgoingMessage

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/vigie/webhook"


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) gave no usable answer in time."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RasaReply:
    """What Rasa answered to one user message."""

    messages: list[OutgoingMessage]
    intent: str | None = None
    confidence: float | None = None
    response_key: str | None = None
    articles: list[str] = field(default_factory=list)


class RasaClient:
    """Sends user messages to Rasa; one shared aiohttp session per process."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        retry_delay: float = 0.3,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._session = session
        self._clock = clock  # the pause between retries
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        self._retries = retries
        self._retry_delay = retry_delay

    async def send(
        self,
        sender: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        *,
        message_id: str | None = None,
    ) -> RasaReply:
        """Send one message; raise ``RasaUnavailable`` when no usable answer comes.

        ``message_id`` (the inbox item's id) is the same each time the message is sent
        again: the actions key what they create on it (an incident declared as its form
        starts is declared once)."""
        body: dict[str, Any] = {"sender": sender, "message": text, "metadata": metadata or {}}
        if message_id is not None:
            body["message_id"] = message_id
        last = "unknown"
        for attempt in range(self._retries + 1):
            if attempt:
                await self._clock.sleep(self._retry_delay * attempt)
            try:
                async with self._session.post(
                    self._base_url + WEBHOOK_PATH, json=body, timeout=self._timeout
                ) as response:
                    if response.status >= 500:
                        last = f"http_{response.status}"
                        continue
                    if response.status != 200:
                        raise RasaUnavailable(f"http_{response.status}")
                    data = await response.json()
            except TimeoutError:
                # A timed-out message may still be handled by Rasa: don't send it twice.
                raise RasaUnavailable("timeout") from None
            except aiohttp.ClientError as exc:
                last = type(exc).__name__
                continue
            return _parse_reply(data)
        logger.warning("Rasa unavailable after %s attempts: %s", self._retries + 1, last)
        raise RasaUnavailable(last)

    async def healthy(self) -> bool:
        """True when Rasa's server and Vigie's channel answer."""
        try:
            async with self._session.get(
                self._base_url + "/webhooks/vigie/",
                timeout=aiohttp.ClientTimeout(total=2),
            ) as response:
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False


def _parse_reply(data: Any) -> RasaReply:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise RasaUnavailable("bad_reply")
    messages = [
        m
        for m in (OutgoingMessage.from_rasa(x) for x in data["messages"] if isinstance(x, dict))
        if m is not None
    ]
    if not messages:
        # Every intent of Vigie's domain answers something: an empty answer means an
        # action failed (the action server is down, for instance).
        raise RasaUnavailable("empty_reply")
    confidence = data.get("confidence")
    articles = [m.article_id for m in messages if m.article_id]
    return RasaReply(
        messages=messages,
        intent=data.get("intent") if isinstance(data.get("intent"), str) else None,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        response_key=data.get("response_key")
        if isinstance(data.get("response_key"), str)
        else None,
        articles=list(dict.fromkeys(articles)),
    )
