"""The transactional outbox: notifications written with the change they report.

A ticket change and its notifications are committed in one transaction (:meth:`Outbox.add`
takes the caller's session), so a notification is never lost; the bot's dispatcher sends the
due rows and records the outcome with :meth:`Outbox.mark_sent`, :meth:`Outbox.mark_retry` or
:meth:`Outbox.mark_failed`. ``attempts`` counts the delivery attempts made (each ``mark_*``
adds one).

Per destination (channel and destination), rows are delivered in the order they were written:
:meth:`Outbox.due` returns only the oldest pending row of each destination, so a row waiting
for its retry holds back the later rows of the same chat or mailbox (never the others).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.db.base import utcnow
from vigie.db.engine import count_where, execute_write
from vigie.outbox.models import OUTBOX_CHANNELS, OutboxMessage
from vigie.tickets.models import Ticket

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _check_error_code(code: str) -> str:
    if not _ERROR_CODE.fullmatch(code):
        raise ValueError("error code must be a short identifier ([A-Za-z0-9_.:-], at most 64)")
    return code


@dataclass(frozen=True)
class OutboxEntry:
    """A row as the administrator sees it: never the payload, never the destination."""

    id: int
    created_at: datetime
    channel: str
    ticket_reference: str | None
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime


class Outbox:
    """Repository of :class:`OutboxMessage` rows."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """The sessions this repository works with."""
        return self._sessionmaker

    @staticmethod
    def add(
        session: AsyncSession,
        *,
        channel: str,
        destination: str,
        payload: dict[str, Any],
        ticket_id: int | None = None,
        batch: str | None = None,
    ) -> OutboxMessage:
        """Queue a message inside the caller's transaction (committed with it); ``batch``
        names a group of rows sent together (see :meth:`batch_counts`)."""
        if channel not in OUTBOX_CHANNELS:
            raise ValueError(f"unknown outbox channel: {channel}")
        if not destination or len(destination) > 320:
            raise ValueError("destination must be 1 to 320 characters")
        if batch is not None and not 1 <= len(batch) <= 64:
            raise ValueError("batch must be 1 to 64 characters")
        now = utcnow()
        message = OutboxMessage(
            created_at=now,
            channel=channel,
            destination=destination,
            payload=dict(payload),
            ticket_id=ticket_id,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            batch=batch,
        )
        session.add(message)
        return message

    async def get(self, message_id: int) -> OutboxMessage | None:
        """The message with this id, if any."""
        async with self._sessionmaker() as session:
            return await session.get(OutboxMessage, message_id)

    async def due(
        self, limit: int = 20, *, now: datetime | None = None, channel: str | None = None
    ) -> list[OutboxMessage]:
        """Pending messages whose ``next_attempt_at`` has come, oldest first (of ``channel``
        only, when given) and those of no batch before those of a batch, each the oldest
        pending message of its channel and destination:
        a message waiting for its retry holds back the later ones of the same destination.

        The pending rows are ranked within their destination in one pass (a window), then
        the few rows chosen are read by id: a batch of 10,000 rows (the tips of the week)
        costs milliseconds, on either database and whatever its statistics. (Testing each
        row against the older ones took 17 s for 10,000 rows.)"""
        ranked = select(
            OutboxMessage.id,
            OutboxMessage.next_attempt_at,
            OutboxMessage.batch,
            func.row_number()
            .over(
                partition_by=(OutboxMessage.channel, OutboxMessage.destination),
                order_by=OutboxMessage.id,
            )
            .label("rank"),
        ).where(OutboxMessage.status == PENDING)
        if channel is not None:
            ranked = ranked.where(OutboxMessage.channel == channel)
        firsts = ranked.subquery()
        chosen = (
            select(firsts.c.id)
            .where(firsts.c.rank == 1, firsts.c.next_attempt_at <= (now or utcnow()))
            # One-to-one messages (a page, a ticket's news) before the rows of a batch (the
            # tips of the week, a warning to all staff): an incident paged during a batch of
            # 10,000 tips goes next, not 7 minutes later.
            .order_by(firsts.c.batch.is_not(None), firsts.c.id)
            .limit(limit)
        )
        async with self._sessionmaker() as session:
            ids = list((await session.scalars(chosen)).all())
            if not ids:
                return []
            rows = await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.id.in_(ids), OutboxMessage.status == PENDING
                )
            )
            by_id = {row.id: row for row in rows.all()}
            return [by_id[i] for i in ids if i in by_id]  # in the order chosen above

    async def next_due_at(self) -> datetime | None:
        """When the earliest pending message becomes due (None if nothing is pending)."""
        stmt = (
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == PENDING)
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
        async with self._sessionmaker() as session:
            return (await session.scalars(stmt)).first()

    async def mark_sent(self, message_id: int) -> None:
        """Delivered: status ``sent``."""
        await self._update(
            message_id,
            status=SENT,
            attempts=OutboxMessage.attempts + 1,
            sent_at=utcnow(),
            last_error=None,
        )

    async def mark_retry(self, message_id: int, code: str, delay_seconds: float) -> None:
        """A temporary failure: stays pending, due again in ``delay_seconds``."""
        await self._update(
            message_id,
            attempts=OutboxMessage.attempts + 1,
            last_error=_check_error_code(code),
            next_attempt_at=utcnow() + timedelta(seconds=max(0.0, delay_seconds)),
        )

    async def mark_failed(self, message_id: int, code: str) -> None:
        """A permanent failure: status ``failed``, never retried."""
        await self._update(
            message_id,
            status=FAILED,
            attempts=OutboxMessage.attempts + 1,
            last_error=_check_error_code(code),
        )

    async def entries(self, statuses: Collection[str] = (PENDING, FAILED)) -> list[OutboxEntry]:
        """The messages of these statuses, oldest first, for the command line."""
        stmt = (
            select(OutboxMessage, Ticket.reference)
            .outerjoin(Ticket, OutboxMessage.ticket_id == Ticket.id)
            .where(OutboxMessage.status.in_(tuple(statuses)))
            .order_by(OutboxMessage.id)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(stmt)).tuples().all()
        return [
            OutboxEntry(
                id=message.id,
                created_at=message.created_at,
                channel=message.channel,
                ticket_reference=reference,
                status=message.status,
                attempts=message.attempts,
                last_error=message.last_error,
                next_attempt_at=message.next_attempt_at,
            )
            for message, reference in rows
        ]

    async def retry_failed(self, message_ids: Collection[int] | None = None) -> int:
        """Put failed messages (these, or all of them when None) back to pending, due now;
        returns how many. Their attempts and give-up delay start again from now (the
        dispatcher gives up on the time elapsed since ``created_at``)."""
        now = utcnow()
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.status == FAILED)
            .values(status=PENDING, attempts=0, created_at=now, next_attempt_at=now)
        )
        if message_ids is not None:
            stmt = stmt.where(OutboxMessage.id.in_(tuple(message_ids)))
        return await execute_write(self._sessionmaker, stmt)

    async def count_pending(self) -> int:
        """Number of pending messages (due or not)."""
        stmt = (
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)
        )
        async with self._sessionmaker() as session:
            return int((await session.execute(stmt)).scalar_one())

    async def batch_counts(self, batch: str) -> dict[str, int]:
        """How many rows of ``batch`` are in each status (``{"pending": 0, "sent": 12,
        "failed": 1}``; every status is present, 0 when none)."""
        stmt = (
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.batch == batch)
            .group_by(OutboxMessage.status)
        )
        counts = dict.fromkeys((PENDING, SENT, FAILED), 0)
        async with self._sessionmaker() as session:
            for status, count in (await session.execute(stmt)).tuples():
                counts[status] = int(count)
        return counts

    async def purge_sent_before(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete messages sent or failed before ``before`` (by creation time); pending stay.
        How many (with ``dry_run``, only counted)."""
        done = (OutboxMessage.status.in_((SENT, FAILED)), OutboxMessage.created_at < before)
        if dry_run:
            return await count_where(self._sessionmaker, OutboxMessage, *done)
        return await execute_write(self._sessionmaker, delete(OutboxMessage).where(*done))

    async def _update(self, message_id: int, **values: Any) -> None:
        stmt = update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        if await execute_write(self._sessionmaker, stmt) == 0:
            raise LookupError(f"no outbox message with id {message_id}")
