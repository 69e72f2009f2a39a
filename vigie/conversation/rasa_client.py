"""Client of Vigie's Rasa channel, over loopback HTTP, with timeouts and bounded retries.

With several Rasa servers (``RASA_REPLICAS``, docs/architecture.md « Several Rasa
servers ») the client spreads the conversations over them: each sender has its own order of
the replicas (rendezvous hashing of the sender and the replica's URL, the same in every bot
process), and its messages go to the first replica of that order that answers. A replica
that fails (connection refused or reset, a 5xx, or a timeout while its health check fails
too) is passed over for a short time and the same message, with the same ``message_id``,
goes to the next replica of the sender's order; once the time is over, the replica is asked
its health before it gets conversations again. The replicas share the tracker store and
Rasa's lock store, so a conversation moved loses nothing; the pipeline sends one message
per chat at a time, so its order is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.messages import OutgoingMessage

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/vigie/webhook"
HEALTH_PATH = "/webhooks/vigie/"
HEALTH_TIMEOUT_SECONDS = 2.0
#: How long a replica that failed is passed over before its health is asked again.
DOWN_SECONDS = 10.0


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) gave no usable answer in time."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class RasaReply:
    """What Rasa answered to one user message (``replica``: the base URL that answered)."""

    messages: list[OutgoingMessage]
    intent: str | None = None
    confidence: float | None = None
    response_key: str | None = None
    articles: list[str] = field(default_factory=list)
    replica: str | None = None


def replica_urls(base_url: str, replicas: int) -> list[str]:
    """The base URLs of ``replicas`` Rasa servers on consecutive ports from ``base_url``'s
    (the supervisor starts them on consecutive ports from ``RASA_PORT``)."""
    if replicas <= 1:
        return [base_url.rstrip("/")]
    parts = urlsplit(base_url.rstrip("/"))
    if parts.hostname is None:
        raise ValueError("RASA_URL: no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return [
        urlunsplit(parts._replace(netloc=f"{host}:{port + index}")) for index in range(replicas)
    ]


@dataclass(eq=False)
class _Replica:
    url: str
    down_until: float | None = None  # monotonic time; None while it answers


class RasaClient:
    """Sends user messages to Rasa (one base URL, or several replicas); one shared aiohttp
    session per process."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str | Sequence[str],
        *,
        timeout: float = 10.0,
        retries: int = 2,
        retry_delay: float = 0.3,
        down_seconds: float = DOWN_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa URL")
        self._session = session
        self._clock = clock  # the pause between retries, the replicas' down time
        self._replicas = [_Replica(url.rstrip("/")) for url in dict.fromkeys(urls)]
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        self._retries = retries
        self._retry_delay = retry_delay
        self._down_seconds = down_seconds

    @property
    def urls(self) -> list[str]:
        """The base URLs of the replicas."""
        return [replica.url for replica in self._replicas]

    def order(self, sender: str) -> list[str]:
        """The replicas in the order ``sender``'s messages try them."""
        return [replica.url for replica in self._order(sender)]

    def down(self) -> list[str]:
        """The replicas passed over right now."""
        now = self._clock.monotonic()
        return [r.url for r in self._replicas if r.down_until is not None and now < r.down_until]

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
        again, to this replica or another: the actions key what they create on it (an
        incident declared as its form starts is declared once).

        Each round tries the sender's replicas in order, each once, the ones passed over
        last; ``retries`` more rounds follow a failed one, after a growing pause. A timeout
        is not sent again, to any replica, unless the replica also fails its health check
        (a replica that is only slow may still handle the message: twice would be one turn
        too many)."""
        body: dict[str, Any] = {"sender": sender, "message": text, "metadata": metadata or {}}
        if message_id is not None:
            body["message_id"] = message_id
        order = self._order(sender)
        hung: set[_Replica] = set()  # timed out and not healthy: not again for this message
        last = "unknown"
        attempts = 0
        for round_ in range(self._retries + 1):
            if len(hung) == len(self._replicas):
                break  # every replica timed out and is gone
            if round_:
                await self._clock.sleep(self._retry_delay * round_)
            tried: set[_Replica] = set()
            while replica := await self._choose(order, hung | tried):
                tried.add(replica)
                attempts += 1
                try:
                    return await self._post(replica, body)
                except _Failed as failure:
                    last = failure.code
                    if failure.hung:
                        hung.add(replica)
                    self._mark_down(replica, failure.code)
        logger.warning("Rasa unavailable after %s attempts: %s", attempts, last)
        raise RasaUnavailable(last)

    async def healthy(self) -> bool:
        """True when Rasa's server and Vigie's channel answer (one replica is enough); the
        replicas that do not are passed over, those that do are used again."""
        answers = await asyncio.gather(*(self._probe(r) for r in self._replicas))
        for replica, answered in zip(self._replicas, answers, strict=True):
            if answered:
                self._mark_up(replica)
            else:
                self._mark_down(replica, "health")
        return any(answers)

    # -- the replicas

    def _order(self, sender: str) -> list[_Replica]:
        """Rendezvous hashing: every replica scored by a hash of (replica, sender), highest
        first. A replica that goes away moves only its own conversations."""
        if len(self._replicas) == 1:
            return list(self._replicas)

        def score(replica: _Replica) -> bytes:
            key = f"{replica.url}\n{sender}".encode()
            return hashlib.blake2b(key, digest_size=8).digest()

        return sorted(self._replicas, key=score, reverse=True)

    async def _choose(self, order: list[_Replica], skip: set[_Replica]) -> _Replica | None:
        """The first replica of ``order`` not in ``skip`` that is up; when none is, the first
        not in ``skip`` all the same (the others failed: one passed over may be back)."""
        fallback = None
        for replica in order:
            if replica in skip:
                continue
            if await self._usable(replica):
                return replica
            fallback = fallback or replica
        return fallback

    async def _usable(self, replica: _Replica) -> bool:
        """Up; or passed over, its time over and its health check answering."""
        if replica.down_until is None:
            return True
        if self._clock.monotonic() < replica.down_until:
            return False
        # Passed over a while longer: the other senders do not wait for this check.
        replica.down_until = self._clock.monotonic() + self._down_seconds
        if await self._probe(replica):
            self._mark_up(replica)
            return True
        return False

    def _mark_down(self, replica: _Replica, code: str) -> None:
        if len(self._replicas) == 1:
            return  # nowhere else to go: every message tries it
        if replica.down_until is None:
            logger.warning(
                "Rasa replica %s does not answer (%s): its conversations go to the others",
                replica.url,
                code,
            )
        replica.down_until = self._clock.monotonic() + self._down_seconds

    def _mark_up(self, replica: _Replica) -> None:
        if replica.down_until is not None:
            logger.info("Rasa replica %s answers again", replica.url)
            replica.down_until = None

    async def _probe(self, replica: _Replica) -> bool:
        try:
            async with self._session.get(
                replica.url + HEALTH_PATH,
                timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS),
            ) as response:
                return response.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def _post(self, replica: _Replica, body: dict[str, Any]) -> RasaReply:
        """One attempt; ``_Failed`` when another attempt may be made (at another replica)."""
        try:
            async with self._session.post(
                replica.url + WEBHOOK_PATH, json=body, timeout=self._timeout
            ) as response:
                if response.status >= 500:
                    raise _Failed(f"http_{response.status}")
                if response.status != 200:
                    raise RasaUnavailable(f"http_{response.status}")
                data = await response.json()
        except aiohttp.ConnectionTimeoutError:
            raise _Failed("connect_timeout") from None  # never sent
        except TimeoutError:
            # A timed-out message may still be handled by that replica: sent elsewhere only
            # when the replica is gone (its health check fails too).
            if len(self._replicas) > 1 and not await self._probe(replica):
                raise _Failed("timeout", hung=True) from None
            raise RasaUnavailable("timeout") from None
        except aiohttp.ClientError as exc:
            raise _Failed(type(exc).__name__) from None
        self._mark_up(replica)
        return _parse_reply(data, replica.url)


class _Failed(Exception):
    """An attempt that failed in a way another attempt may mend."""

    def __init__(self, code: str, *, hung: bool = False) -> None:
        super().__init__(code)
        self.code = code
        self.hung = hung


def _parse_reply(data: Any, replica: str | None = None) -> RasaReply:
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
        replica=replica,
    )
