"""Rasa's Redis lock store, with a waiter that cannot wait forever.

Several Rasa servers (``RASA_REPLICAS``) lock each conversation in Redis while one of them
handles a message of it (``lock_store`` of the endpoints file the supervisor writes,
``bot/rasa_config.py``). Rasa 3.6.21's ticket lock serves the first ticket still alive, and a
waiter goes in only when that one is its own: a waiter whose own ticket expired while it
waited behind the ticket of a server killed mid-message (both expired between two of its
polls, one second apart) finds no ticket at all, takes « no ticket » for ticket 0 and waits
until its client gives up. A message moved from a killed server to another one is exactly
that waiter.

Here a waiter goes in as soon as no live ticket older than its own is left, its own ticket
alive or not; everything else is Rasa's ``RedisLockStore``. Rasa loads the class from the
``type`` of the ``lock_store`` section (``rasa_addons.lock_store.VigieRedisLockStore``),
giving it the section.
"""

import asyncio
import logging

from rasa.core.lock import TicketLock
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)


class VigieRedisLockStore(RedisLockStore):
    """``RedisLockStore`` from the endpoints section, with the waiter above."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # What Rasa does for ``type: redis`` (rasa.core.lock_store._create_from_endpoint_config).
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Wait until no live ticket issued before ``ticket`` is left (Rasa's restated, but
        for that test and a lock gone meaning « free »)."""
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None:  # every holder is done and deleted it: free
                return self.create_lock(conversation_id)
            lock.remove_expired_tickets()
            if all(other.number >= ticket for other in lock.tickets):
                return lock
            logger.debug("Waiting for the lock of a conversation")
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
