"""The durable inbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.inbox import Inbox
from vigie.conversation.models import InboxItem
from vigie.conversation.turns import TurnLog

BIG_CHAT = -1001234567890  # Telegram supergroup ids exceed 32 bits


async def add_text(
    inbox: Inbox, chat_id: int, text: str, update_id: int | None = None
) -> InboxItem:
    item = await inbox.add(
        channel="telegram",
        chat_id=chat_id,
        sender="p-" + str(chat_id),
        kind="text",
        text=text,
        update_id=update_id,
    )
    assert item is not None
    return item


async def row_count(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(
            (await session.execute(select(func.count()).select_from(InboxItem))).scalar_one()
        )


async def test_add_stores_a_pending_item(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessionmaker)
    before = datetime.now(UTC)
    item = await inbox.add(
        channel="telegram",
        chat_id=BIG_CHAT,
        sender="3f2a",
        kind="button",
        text="faq:password",
        update_id=2**40,
        payload={"message_id": 17},
    )
    assert item is not None
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.channel, stored.update_id, stored.chat_id) == ("telegram", 2**40, BIG_CHAT)
    assert (stored.sender, stored.kind, stored.text) == ("3f2a", "button", "faq:password")
    assert stored.payload == {"message_id": 17}
    assert (stored.status, stored.attempts, stored.degraded_sent) == ("pending", 0, False)
    assert stored.last_error is None
    assert stored.done_at is None
    assert stored.received_at.tzinfo is UTC
    assert before <= stored.received_at <= datetime.now(UTC)
    assert item.received_at == stored.received_at


async def test_payload_defaults_to_empty_dict(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await inbox.add(channel="terminal", chat_id=0, sender="me", kind="text", text="bjr")
    assert item is not None
    stored = await inbox.get(item.id)
    assert stored is not None
    assert stored.payload == {}
    assert stored.update_id is None


async def test_add_deduplicates_redelivered_updates(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    first = await add_text(inbox, 1, "premier", update_id=500)
    again = await inbox.add(
        channel="telegram", chat_id=1, sender="x", kind="text", text="autre", update_id=500
    )
    assert again is None
    # Same update_id on another channel is another update.
    other = await inbox.add(
        channel="terminal", chat_id=1, sender="x", kind="text", text="t", update_id=500
    )
    assert other is not None and other.id != first.id
    # No update_id (terminal): never deduplicated.
    await add_text(inbox, 1, "a")
    await add_text(inbox, 1, "b")
    assert await row_count(sessionmaker) == 4
    stored = await inbox.get(first.id)
    assert stored is not None and stored.text == "premier"


async def test_concurrent_adds_of_the_same_update_store_one(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    results = await asyncio.gather(
        *(
            inbox.add(
                channel="telegram",
                chat_id=7,
                sender="s",
                kind="text",
                text=f"copie {n}",
                update_id=9001,
            )
            for n in range(8)
        )
    )
    stored = [item for item in results if item is not None]
    assert len(stored) == 1
    assert await row_count(sessionmaker) == 1
    assert await inbox.count_pending() == 1


async def test_next_pending_follows_the_order_of_each_chat(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    a1 = await add_text(inbox, 100, "a1")
    b1 = await add_text(inbox, BIG_CHAT, "b1")
    a2 = await add_text(inbox, 100, "a2")
    b2 = await add_text(inbox, BIG_CHAT, "b2")
    a3 = await add_text(inbox, 100, "a3")

    assert await inbox.next_pending(999) is None
    for expected in (a1, a2, a3):
        item = await inbox.next_pending(100)
        assert item is not None and item.id == expected.id and item.text == expected.text
        await inbox.mark_done(item.id)
    assert await inbox.next_pending(100) is None

    # A failing item stays first in its chat (retried before what came after it).
    await inbox.record_failure(b1.id, "rasa_timeout", degraded_sent=False)
    item = await inbox.next_pending(BIG_CHAT)
    assert item is not None and item.id == b1.id
    await inbox.mark_failed(b1.id, "rasa_timeout")
    item = await inbox.next_pending(BIG_CHAT)
    assert item is not None and item.id == b2.id


async def test_pending_chats_ordered_by_oldest_pending_item(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    assert await inbox.pending_chats() == []
    c1 = await add_text(inbox, 3, "c1")
    await add_text(inbox, 1, "a1")
    await add_text(inbox, 2, "b1")
    await add_text(inbox, 3, "c2")
    await add_text(inbox, 1, "a2")
    assert await inbox.pending_chats() == [3, 1, 2]
    # Chat 3's oldest pending item is now c2, younger than a1 and b1.
    await inbox.mark_done(c1.id)
    assert await inbox.pending_chats() == [1, 2, 3]


async def test_set_prepared_replaces_kind_and_text_and_empties_the_payload(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await inbox.add(
        channel="telegram",
        chat_id=BIG_CHAT,
        sender="p-1",
        kind="email_file",
        text="",
        update_id=77,
        payload={"file_id": "BQAC", "file_name": "a.eml", "file_size": 1200},
    )
    assert item is not None
    later = await add_text(inbox, BIG_CHAT, "après")
    await inbox.record_failure(item.id, "rasa_timeout", degraded_sent=True)
    await inbox.set_prepared(item.id, "email", '/email_received{"phishing_report":"3"}')
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.kind, stored.text, stored.payload) == (
        "email",
        '/email_received{"phishing_report":"3"}',
        {},
    )
    assert (stored.status, stored.attempts, stored.degraded_sent) == ("pending", 1, True)
    assert (stored.update_id, stored.sender, stored.received_at) == (77, "p-1", item.received_at)
    first = await inbox.next_pending(BIG_CHAT)  # prepared in place: still first of its chat
    assert first is not None and first.id == item.id
    untouched = await inbox.get(later.id)
    assert untouched is not None and (untouched.kind, untouched.text) == ("text", "après")
    with pytest.raises(LookupError):
        await inbox.set_prepared(item.id + 1000, "email", "x")


async def test_mark_done(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 1, "x")
    await inbox.mark_done(item.id)
    stored = await inbox.get(item.id)
    assert stored is not None
    assert stored.status == "done"
    assert stored.done_at is not None and stored.done_at.tzinfo is UTC
    assert stored.done_at >= stored.received_at
    assert await inbox.count_pending() == 0
    with pytest.raises(LookupError):
        await inbox.mark_done(item.id + 1000)


async def test_marking_done_holds_its_connection_and_writes_only_when_called(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The connection is taken before the answer is sent; nothing is written unless the mark is
    called, and other writers are not blocked meanwhile (SQLite: no write lock held)."""
    inbox = Inbox(sessionmaker)
    sent, failed = await add_text(inbox, 1, "x"), await add_text(inbox, 2, "y")
    async with inbox.marking_done(sent.id) as mark:
        await inbox.record_failure(failed.id, "rasa_timeout", degraded_sent=False)
        await mark()
    with pytest.raises(RuntimeError):
        async with inbox.marking_done(failed.id):
            raise RuntimeError("the answer was not delivered")
    assert (await inbox.get(sent.id)).status == "done"  # type: ignore[union-attr]
    assert (await inbox.get(failed.id)).status == "pending"  # type: ignore[union-attr]
    with pytest.raises(LookupError):
        async with inbox.marking_done(sent.id + 1000) as mark:
            await mark()


async def test_record_failure_counts_attempts_and_keeps_degraded_flag(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 1, "x")
    await inbox.record_failure(item.id, "rasa_unreachable", degraded_sent=False)
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.degraded_sent) == ("pending", 1, False)
    assert stored.last_error == "rasa_unreachable"

    await inbox.record_failure(item.id, "rasa_timeout", degraded_sent=True)
    await inbox.record_failure(item.id, "HTTP_502", degraded_sent=False)  # stays True
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.degraded_sent) == ("pending", 3, True)
    assert stored.last_error == "HTTP_502"
    assert stored.done_at is None
    with pytest.raises(LookupError):
        await inbox.record_failure(item.id + 1000, "x", degraded_sent=False)


async def test_concurrent_failures_all_count(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 1, "x")
    await asyncio.gather(
        *(inbox.record_failure(item.id, "e", degraded_sent=n == 3) for n in range(6))
    )
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.attempts, stored.degraded_sent) == (6, True)


async def test_error_codes_cannot_carry_text(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 1, "x")
    for bad in ("", "mon mot de passe est toto", "x" * 65, "erreur\n"):
        with pytest.raises(ValueError):
            await inbox.record_failure(item.id, bad, degraded_sent=False)
        with pytest.raises(ValueError):
            await inbox.mark_failed(item.id, bad)
    stored = await inbox.get(item.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.last_error) == ("pending", 0, None)


async def test_mark_failed(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 1, "x")
    await inbox.record_failure(item.id, "rasa_timeout", degraded_sent=True)
    await inbox.mark_failed(item.id, "too_many_attempts")
    stored = await inbox.get(item.id)
    assert stored is not None
    assert stored.status == "failed"
    assert stored.last_error == "too_many_attempts"
    assert (stored.attempts, stored.degraded_sent) == (1, True)
    assert stored.done_at is not None
    assert await inbox.next_pending(1) is None
    assert await inbox.pending_chats() == []


async def test_count_pending(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessionmaker)
    assert await inbox.count_pending() == 0
    items = [await add_text(inbox, chat, "x") for chat in (1, 1, 2, 3)]
    assert await inbox.count_pending() == 4
    await inbox.mark_done(items[0].id)
    await inbox.mark_failed(items[2].id, "boom")
    await inbox.record_failure(items[3].id, "retry", degraded_sent=False)
    assert await inbox.count_pending() == 2


async def test_purge_done_before(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    inbox = Inbox(sessionmaker)
    turns = TurnLog(sessionmaker)
    now = datetime.now(UTC)
    old_done = await add_text(inbox, 1, "old done")
    old_failed = await add_text(inbox, 1, "old failed")
    recent_done = await add_text(inbox, 1, "recent done")
    old_pending = await add_text(inbox, 2, "old pending")
    await inbox.mark_done(old_done.id)
    await inbox.mark_failed(old_failed.id, "boom")
    await inbox.mark_done(recent_done.id)
    turn = await turns.record(
        channel="telegram",
        sender="s",
        text_in="old done",
        text_out="ok",
        intent="greet",
        confidence=0.9,
        article_id=None,
        inbox_id=old_done.id,
    )
    # Age the first three items (and the pending one) by 40 days.
    async with sessionmaker() as session:
        await session.execute(
            update(InboxItem)
            .where(InboxItem.id.in_([old_done.id, old_failed.id, old_pending.id]))
            .values(done_at=now - timedelta(days=40), received_at=now - timedelta(days=40))
        )
        await session.commit()

    assert await inbox.purge_done_before(now - timedelta(days=30)) == 2
    assert await inbox.get(old_done.id) is None
    assert await inbox.get(old_failed.id) is None
    assert await inbox.get(recent_done.id) is not None
    assert await inbox.get(old_pending.id) is not None  # pending items are never purged
    assert await inbox.purge_done_before(now - timedelta(days=30)) == 0
    # The turn survives; its link to the purged item is cleared (ON DELETE SET NULL).
    (kept,) = await turns.recent()
    assert kept.id == turn.id and kept.inbox_id is None
    assert await inbox.purge_done_before(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert await inbox.count_pending() == 1


async def test_a_chat_is_leased_to_one_process_at_a_time(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    a1 = await add_text(inbox, 300, "a1")
    a2 = await add_text(inbox, 300, "a2")
    assert await inbox.lease_next(301, "A", 60) == (None, False)  # nothing pending

    item, busy = await inbox.lease_next(300, "A", 60)
    assert item is not None and item.id == a1.id and not busy
    assert item.leased_by == "A" and item.lease_until is not None
    # B may not take the chat, not even its later item: A handles it, in order.
    assert await inbox.lease_next(300, "B", 60) == (None, True)
    assert await inbox.renew_lease(a1.id, "A", 60)
    assert not await inbox.renew_lease(a1.id, "B", 60)
    # A failed to handle it (Rasa down): given back, anyone retries it first.
    await inbox.release_lease(a1.id, "A")
    item, _ = await inbox.lease_next(300, "B", 60)
    assert item is not None and item.id == a1.id
    await inbox.mark_done(a1.id)
    item, _ = await inbox.lease_next(300, "B", 60)
    assert item is not None and item.id == a2.id


async def test_a_dead_process_s_lease_runs_out(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    first = await add_text(inbox, 302, "x")
    item, _ = await inbox.lease_next(302, "A", 5)
    assert item is not None
    async with sessionmaker() as session:  # A died five seconds ago, its lease ran out
        row = await session.get(InboxItem, first.id)
        assert row is not None and row.lease_until is not None
        row.lease_until = row.lease_until - timedelta(seconds=10)
        await session.commit()
    assert not await inbox.renew_lease(first.id, "B", 5)
    item, busy = await inbox.lease_next(302, "B", 5)
    assert item is not None and item.id == first.id and item.leased_by == "B" and not busy


async def test_racing_processes_each_take_a_chat_once(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Many takers race for the same chats: each oldest item goes to exactly one of them."""
    inbox = Inbox(sessionmaker)
    heads = [await add_text(inbox, 400 + chat, "m") for chat in range(10)]
    results = await asyncio.gather(
        *(inbox.lease_next(400 + chat, f"P{taker}", 60) for chat in range(10) for taker in range(4))
    )
    taken = [item.id for item, _ in results if item is not None]
    assert sorted(taken) == sorted(h.id for h in heads)
    assert sum(busy for _, busy in results) == 30
