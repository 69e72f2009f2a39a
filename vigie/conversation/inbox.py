"""The durable inbox: every incoming update is stored before it is handled.

Each method runs in its own short transaction, and every write is a single statement
(no read-then-write), so several workers or processes can share the table.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Update, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from vigie.conversation.models import InboxItem
from vigie.db.base import utcnow
from vigie.db.engine import count_where, execute_write, insert_unless_present, writer

PENDING = "pending"
DONE = "done"
FAILED = "failed"

# Error codes are short identifiers ("rasa_timeout", "TimeoutError"), never free text.
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def _check_error_code(error_code: str) -> str:
    if not _ERROR_CODE.fullmatch(error_code):
        raise ValueError("error_code must be a short identifier ([A-Za-z0-9_.:-], at most 64)")
    return error_code


def _failed_before(older: Any, channel: Any, chat_id: Any, item_id: Any) -> Select[Any]:
    """The pending items (``older``, an alias of the inbox) of the chat that came before
    ``item_id`` and already failed or had their degraded notice: what a message waits behind.
    The arguments are values or the columns of the outer query."""
    return select(older.id).where(
        older.channel == channel,
        older.chat_id == chat_id,
        older.status == PENDING,
        older.id < item_id,
        (older.attempts > 0) | older.degraded_sent.is_(True),
    )


class Inbox:
    """Repository of :class:`InboxItem` rows."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def add(
        self,
        *,
        channel: str,
        chat_id: int,
        sender: str,
        kind: str,
        text: str,
        update_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> InboxItem | None:
        """Store a pending item; None if ``(channel, update_id)`` is already stored.

        ``text`` must already be redacted. Safe under concurrency: a redelivered update
        inserted twice at the same time is stored once (``INSERT .. ON CONFLICT DO NOTHING``).
        """
        values: dict[str, Any] = {
            "channel": channel,
            "update_id": update_id,
            "chat_id": chat_id,
            "sender": sender,
            "kind": kind,
            "text": text,
            "payload": dict(payload) if payload else {},
            "status": PENDING,
            "attempts": 0,
            "degraded_sent": False,
            "received_at": utcnow(),
        }
        async with self._sessionmaker() as session:
            stmt = insert_unless_present(
                session, InboxItem, values, [InboxItem.channel, InboxItem.update_id]
            ).returning(InboxItem)
            item = (await session.scalars(stmt)).one_or_none()
            await session.commit()
            return cast("InboxItem | None", item)

    async def get(self, item_id: int) -> InboxItem | None:
        """The item with this id, if any."""
        async with self._sessionmaker() as session:
            return await session.get(InboxItem, item_id)

    async def next_pending(self, chat_id: int) -> InboxItem | None:
        """The oldest pending item of ``chat_id`` (items of one chat are handled in order)."""
        stmt = (
            select(InboxItem)
            .where(InboxItem.status == PENDING, InboxItem.chat_id == chat_id)
            .order_by(InboxItem.id)
            .limit(1)
        )
        async with self._sessionmaker() as session:
            return (await session.scalars(stmt)).first()

    async def lease_next(
        self, chat_id: int, holder: str, seconds: float
    ) -> tuple[InboxItem | None, bool]:
        """Lease the oldest pending item of ``chat_id`` to ``holder`` for ``seconds``:
        ``(item, False)``; ``(None, True)`` when that item is leased by another process whose
        lease has not run out (it handles the chat: its items, in order); ``(None, False)``
        when the chat has nothing pending.

        One conditional UPDATE on the chat's oldest pending item (not ``SKIP LOCKED``, which
        would hand a later item of the chat to a second process and break the order): of two
        processes racing for it, PostgreSQL's row lock lets one match; SQLite has one writer."""
        now = utcnow()
        oldest = (
            select(func.min(InboxItem.id))
            .where(InboxItem.status == PENDING, InboxItem.chat_id == chat_id)
            .scalar_subquery()
        )
        stmt = (
            update(InboxItem)
            .where(
                InboxItem.id == oldest,
                or_(
                    InboxItem.leased_by.is_(None),
                    InboxItem.leased_by == holder,
                    InboxItem.lease_until < now,
                ),
            )
            .values(leased_by=holder, lease_until=now + timedelta(seconds=seconds))
            .returning(InboxItem)
            .execution_options(synchronize_session=False)
        )
        async with self._sessionmaker() as session:
            item = (await session.scalars(stmt)).one_or_none()
            await session.commit()
        if item is not None:
            return item, False
        return None, await self.next_pending(chat_id) is not None

    async def renew_lease(self, item_id: int, holder: str, seconds: float) -> bool:
        """Extend ``holder``'s lease on a pending item; False if it is no longer theirs."""
        stmt = (
            update(InboxItem)
            .where(
                InboxItem.id == item_id,
                InboxItem.leased_by == holder,
                InboxItem.status == PENDING,
            )
            .values(lease_until=utcnow() + timedelta(seconds=seconds))
        )
        return await execute_write(self._sessionmaker, stmt) > 0

    async def release_lease(self, item_id: int, holder: str) -> None:
        """Give the item back (it waits for a retry that any process may make)."""
        stmt = (
            update(InboxItem)
            .where(InboxItem.id == item_id, InboxItem.leased_by == holder)
            .values(leased_by=None, lease_until=None)
        )
        await execute_write(self._sessionmaker, stmt)

    async def pending_chats(self) -> list[int]:
        """Chat ids having pending items, the chat with the oldest pending item first."""
        oldest = func.min(InboxItem.id)
        stmt = (
            select(InboxItem.chat_id)
            .where(InboxItem.status == PENDING)
            .group_by(InboxItem.chat_id)
            .order_by(oldest)
        )
        async with self._sessionmaker() as session:
            return list((await session.scalars(stmt)).all())

    async def set_prepared(self, item_id: int, kind: str, text: str) -> None:
        """The item was prepared in place (an e-mail file taken in): its ``kind`` and ``text``
        replace the stored ones and its payload is emptied, so that a retry does not prepare
        it again. ``text`` must be safe to store (redacted, or an intent payload)."""
        await self._update(item_id, kind=kind, text=text, payload={})

    async def needs_notice(self, item_id: int) -> bool:
        """True when the item is pending and has not had its degraded notice yet."""
        stmt = select(InboxItem.id).where(
            InboxItem.id == item_id,
            InboxItem.status == PENDING,
            InboxItem.degraded_sent.is_(False),
        )
        async with self._sessionmaker() as session:
            return (await session.scalars(stmt)).first() is not None

    async def mark_notified(self, item_id: int) -> None:
        """The degraded notice of the item was delivered (recorded after the delivery: a crash
        in between sends it again, as for answers; never lost)."""
        await self._update(item_id, degraded_sent=True)

    async def waits_behind_failure(self, item: InboxItem) -> bool:
        """True when an older pending item of the same chat has already failed (or had its
        degraded notice): ``item`` waits behind it, as long as it takes."""
        stmt = select(
            _failed_before(aliased(InboxItem), item.channel, item.chat_id, item.id).exists()
        )
        async with self._sessionmaker() as session:
            return bool((await session.execute(stmt)).scalar())

    async def unnotified_behind_failures(
        self, channel: str, kinds: Iterable[str]
    ) -> list[InboxItem]:
        """Pending items of ``channel`` and of these kinds without a degraded notice that wait
        behind an older pending item of their chat that already failed or had its notice."""
        behind = _failed_before(
            aliased(InboxItem), InboxItem.channel, InboxItem.chat_id, InboxItem.id
        ).exists()
        return await self._unnotified(channel, kinds, behind)

    async def unnotified(self, channel: str, kinds: Iterable[str]) -> list[InboxItem]:
        """Pending items of ``channel`` and of these kinds that have had no degraded notice,
        oldest first."""
        return await self._unnotified(channel, kinds)

    async def _unnotified(
        self, channel: str, kinds: Iterable[str], *conditions: ColumnElement[bool]
    ) -> list[InboxItem]:
        stmt = (
            select(InboxItem)
            .where(
                InboxItem.channel == channel,
                InboxItem.status == PENDING,
                InboxItem.degraded_sent.is_(False),
                InboxItem.kind.in_(list(kinds)),
                *conditions,
            )
            .order_by(InboxItem.id)
        )
        async with self._sessionmaker() as session:
            return list((await session.scalars(stmt)).all())

    async def mark_done(self, item_id: int) -> None:
        """The item was handled (an answer was sent): status ``done``."""
        async with self.marking_done(item_id) as mark:
            await mark()

    @contextlib.asynccontextmanager
    async def marking_done(self, item_id: int) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """``mark_done`` for an answer about to be sent, its connection taken now: call it the
        moment the answer is accepted (see ``vigie.db.engine.writer``)."""
        async with writer(self._sessionmaker) as write:

            async def mark() -> None:
                if await write(self._done(item_id)) == 0:
                    raise LookupError(f"no inbox item with id {item_id}")

            yield mark

    async def mark_sent(self, entries: Iterable[tuple[int, int]]) -> int:
        """Mark done the items of these (item id, chat id) pairs that are still pending: their
        answers were sent (``vigie.conversation.journal``). The number of items marked."""
        pairs = sorted(set(entries))
        marked = 0
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            # Not a tuple IN: SQLite matches no row with a one-pair ``IN (VALUES (?, ?))``.
            stmt = (
                update(InboxItem)
                .where(
                    InboxItem.id.in_([item_id for item_id, _ in chunk]),
                    or_(
                        *(
                            (InboxItem.id == item_id) & (InboxItem.chat_id == chat_id)
                            for item_id, chat_id in chunk
                        )
                    ),
                    InboxItem.status == PENDING,
                )
                .values(status=DONE, done_at=utcnow())
            )
            marked += await execute_write(self._sessionmaker, stmt)
        return marked

    async def record_failure(self, item_id: int, error_code: str, *, degraded_sent: bool) -> None:
        """A handling attempt failed; the item stays pending for a retry.

        ``attempts`` is incremented, ``last_error`` set, ``degraded_sent`` set if True
        (once a degraded answer was sent, it stays recorded).
        """
        values: dict[str, Any] = {
            "attempts": InboxItem.attempts + 1,
            "last_error": _check_error_code(error_code),
        }
        if degraded_sent:
            values["degraded_sent"] = True
        await self._update(item_id, **values)

    async def mark_failed(self, item_id: int, error_code: str) -> None:
        """Permanent failure: status ``failed``, no more retries."""
        await self._update(
            item_id, status=FAILED, last_error=_check_error_code(error_code), done_at=utcnow()
        )

    async def count_pending(self) -> int:
        """Number of pending items, all chats together."""
        stmt = select(func.count()).select_from(InboxItem).where(InboxItem.status == PENDING)
        async with self._sessionmaker() as session:
            return int((await session.execute(stmt)).scalar_one())

    async def purge_done_before(self, before: datetime, *, dry_run: bool = False) -> int:
        """Delete finished items (``done`` or ``failed``) finished before ``before``.

        Pending items are never deleted. Turns that referenced a deleted item keep their
        row with ``inbox_id`` set to NULL. Returns the number of deleted items.
        """
        done = (InboxItem.status.in_((DONE, FAILED)), InboxItem.done_at < before)
        if dry_run:
            return await count_where(self._sessionmaker, InboxItem, *done)
        return await execute_write(self._sessionmaker, delete(InboxItem).where(*done))

    @staticmethod
    def _done(item_id: int) -> Update:
        return (
            update(InboxItem).where(InboxItem.id == item_id).values(status=DONE, done_at=utcnow())
        )

    async def _update(self, item_id: int, **values: Any) -> None:
        stmt = update(InboxItem).where(InboxItem.id == item_id).values(**values)
        if await execute_write(self._sessionmaker, stmt) == 0:
            raise LookupError(f"no inbox item with id {item_id}")
