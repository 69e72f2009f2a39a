"""The pipeline with a real SQLite inbox and a real Rasa client facing a closed port.

E-mail files are prepared by a preparer the test gives (the Telegram bot's own, which
downloads the file, is tested in tests/bot/test_telegram_intake.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.toggle_proxy import free_port
from vigie.conversation.inbox import Inbox
from vigie.conversation.journal import SentJournal
from vigie.conversation.models import InboxItem, Turn
from vigie.conversation.outages import Outages
from vigie.conversation.pipeline import Incoming, Pipeline, Prepare
from vigie.conversation.rasa_client import RasaClient
from vigie.conversation.turns import TurnLog
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade


class Collected:
    """A front end that keeps what it is asked to show."""

    def __init__(self) -> None:
        self.shown: list[tuple[int, str]] = []

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.shown += [(chat_id, m.plain_text()) for m in messages]


@dataclass
class Running:
    pipeline: Pipeline
    collected: Collected
    inbox: Inbox
    sessionmaker: async_sessionmaker[AsyncSession]

    async def items(self, chat_id: int) -> list[InboxItem]:
        stmt = select(InboxItem).where(InboxItem.chat_id == chat_id).order_by(InboxItem.id)
        async with self.sessionmaker() as session:
            return list(await session.scalars(stmt))

    async def turns(self) -> list[Turn]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(Turn).order_by(Turn.id)))


@pytest_asyncio.fixture
async def setup(db_url: str) -> AsyncIterator[tuple[Pipeline, Collected, Inbox]]:
    """A pipeline on SQLite or PostgreSQL, with nothing listening where Rasa should be."""
    async with running_pipeline(db_url) as running:
        yield running.pipeline, running.collected, running.inbox


@contextlib.asynccontextmanager
async def running_pipeline(
    db_url: str,
    prepare: Prepare | None = None,
    rasa_url: str | None = None,
    rasa_timeout: float = 1.0,
    journal: SentJournal | None = None,
    collected: Collected | None = None,
) -> AsyncIterator[Running]:
    """The pipeline of :func:`setup`, with ``prepare`` as its preparer of e-mail files (and
    Rasa at ``rasa_url``, with ``rasa_timeout``, when given)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url,
        rasa_url=rasa_url or f"http://127.0.0.1:{free_port()}",  # nothing listens there
        pseudonym_secret=SecretStr("unit-secret-0123456789abcdefghijklm"),
        provider_hotline="01 23 45 67 89",
        retry_interval_seconds=60,
        max_message_chars=500,
    )
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    inbox = Inbox(sessionmaker)
    collected = collected or Collected()
    async with aiohttp.ClientSession() as http:
        pipeline = Pipeline(
            settings=settings,
            channel="telegram",
            inbox=inbox,
            turns=TurnLog(sessionmaker),
            outages=Outages(sessionmaker),
            rasa=RasaClient(
                http, settings.rasa_url, timeout=rasa_timeout if rasa_url else 2, retries=0
            ),
            delivery=collected,
            prepare=prepare,
            journal=journal,
        )
        yield Running(pipeline, collected, inbox, sessionmaker)
        await pipeline.aclose()
    await engine.dispose()


async def test_rasa_down_gives_one_degraded_reply_per_message(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(
        Incoming(chat_id=7, user_id=70, kind="text", text="c koi un bon mdp", update_id=1)
    )
    await pipeline.idle()
    await pipeline.receive(
        Incoming(chat_id=7, user_id=70, kind="text", text="et pour le wifi", update_id=2)
    )
    await pipeline.idle()
    assert len(collected.shown) == 2
    assert all("01 23 45 67 89" in text and "enregistré" in text for _, text in collected.shown)
    assert await inbox.count_pending() == 2
    await pipeline.recover()  # a retry while Rasa is still down sends nothing new
    await pipeline.idle()
    assert len(collected.shown) == 2


async def test_duplicate_update_is_ignored(setup: tuple[Pipeline, Collected, Inbox]) -> None:
    pipeline, collected, inbox = setup
    for _ in range(2):
        await pipeline.receive(
            Incoming(chat_id=8, user_id=80, kind="text", text="bonjour", update_id=5)
        )
        await pipeline.idle()
    assert await inbox.count_pending() == 1
    assert len(collected.shown) == 1


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("sticker", "", "messages écrits"),
        ("voice", "", "vocaux"),
        ("photo", "", "photos"),
        ("document", "", "fichiers"),
        ("text", "   ", "aucun texte"),
        ("text", "a" * 501, "trop long"),
    ],
)
async def test_what_rasa_cannot_take_is_answered_at_once(
    setup: tuple[Pipeline, Collected, Inbox], kind: str, text: str, expected: str
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(Incoming(chat_id=9, user_id=90, kind=kind, text=text, update_id=9))
    assert expected in collected.shown[0][1]
    assert await inbox.count_pending() == 0


class Gated(Collected):
    """A front end whose first delivery waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.gate = asyncio.Event()

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.started.set()
        await self.gate.wait()
        await super().deliver(chat_id, messages)


async def test_a_message_answered_by_the_pipeline_never_reaches_rasa(db_url: str) -> None:
    """While a sticker's answer is being sent, its item is pending: a worker woken for the
    chat then (the retry loop, a recovery) waits for that answer instead of asking Rasa,
    which would answer the degraded notice to a sticker (seen under load)."""
    gated = Gated()
    async with running_pipeline(db_url, collected=gated) as running:
        pipeline = running.pipeline
        sticker = Incoming(chat_id=11, user_id=110, kind="sticker", update_id=1)
        receiving = asyncio.create_task(pipeline.receive(sticker))
        await asyncio.wait_for(gated.started.wait(), 5)
        await pipeline.recover()  # the chat's worker finds the sticker's item pending
        await asyncio.sleep(0.05)
        gated.gate.set()
        await receiving
        await pipeline.idle()
        assert [text for _, text in gated.shown] == [gated.shown[0][1]]
        assert "messages écrits" in gated.shown[0][1]
        assert await running.inbox.count_pending() == 0


async def test_a_direct_answer_interrupted_by_a_crash_is_given_at_recovery(db_url: str) -> None:
    async with running_pipeline(db_url) as running:
        await running.inbox.add(  # stored, then the process died before answering
            channel="telegram", chat_id=12, sender="p", kind="voice", text="", update_id=2
        )
        await running.pipeline.recover()
        await running.pipeline.idle()
        assert len(running.collected.shown) == 1
        assert "vocaux" in running.collected.shown[0][1]  # its own answer, not Rasa's notice
        assert await running.inbox.count_pending() == 0


async def test_secret_is_redacted_before_storage_and_user_warned(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(
        Incoming(
            chat_id=10,
            user_id=100,
            kind="text",
            text="mon mdp c'est Soleil2024! il marche pas",
            update_id=3,
        )
    )
    await pipeline.idle()
    item = await inbox.next_pending(10)
    assert item is not None and "Soleil2024" not in item.text
    assert "effacé" in collected.shown[0][1]
    assert item.sender == pipeline.sender_of(100) and "100" not in item.sender


async def test_retention_purges_old_turns_and_items(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, _collected, inbox = setup
    await pipeline.receive(Incoming(chat_id=11, user_id=110, kind="sticker", update_id=11))
    assert await inbox.purge_done_before(datetime.now(UTC) - timedelta(days=1)) == 0
    await pipeline.purge_expired()  # retention 365 days: the fresh item stays
    assert await inbox.purge_done_before(datetime.now(UTC) + timedelta(seconds=1)) == 1


# -- e-mail files, prepared by the chat's worker ------------------------------------------

EMAIL_FILE = {"file_id": "BQAC-1", "file_name": "a.eml", "file_size": 1200}
EMAIL_RECEIVED = '/email_received{"phishing_report":"7"}'


def email_file(chat_id: int, update_id: int) -> Incoming:
    return Incoming(chat_id, chat_id * 10, "email_file", update_id=update_id, payload=EMAIL_FILE)


async def test_an_email_file_is_stored_then_prepared_once_even_if_rasa_is_down(
    db_url: str,
) -> None:
    prepared: list[tuple[str, str, dict[str, object]]] = []

    async def prepare(item: InboxItem) -> Incoming:
        prepared.append((item.kind, item.text, dict(item.payload)))
        return Incoming(item.chat_id, 0, "email", EMAIL_RECEIVED)

    async with running_pipeline(db_url, prepare) as running:
        pipeline = running.pipeline
        await pipeline.receive(email_file(12, update_id=12))
        await pipeline.receive(Incoming(12, 120, "text", "j’ai cliqué", update_id=13))
        await pipeline.idle()
        assert prepared == [("email_file", "", EMAIL_FILE)]
        first, second = await running.items(12)
        assert (first.kind, first.text, first.payload, first.attempts) == (
            "email",
            EMAIL_RECEIVED,
            {},
            1,
        )
        assert first.sender == pipeline.sender_of(120) and first.update_id == 12
        assert (second.kind, second.attempts) == ("text", 0)  # waits behind the file
        await pipeline.recover()  # Rasa still down: retried as it is, not prepared again
        await pipeline.idle()
        assert len(prepared) == 1
        first, _ = await running.items(12)
        assert (first.kind, first.text, first.attempts) == ("email", EMAIL_RECEIVED, 2)
        # One notice per waiting message (the text arrived before the failure), none again
        # for the file retried.
        assert [chat_id for chat_id, _ in running.collected.shown] == [12, 12]
        assert all("enregistré" in notice for _, notice in running.collected.shown)
        assert [item.degraded_sent for item in await running.items(12)] == [True, True]


@pytest.mark.parametrize(
    ("outcome", "kind", "expected"),
    [
        ("email_unreadable", "email_unreadable", "pas réussi à récupérer ce fichier"),
        ("email_too_big", "email_too_big", "trop lourd pour moi (plus de 10\u00a0Mo)"),
        ("raises", "email_failed", "pas pu analyser ce mail"),
        ("empty", "email_failed", "pas pu analyser ce mail"),
        ("unknown_kind", "email_failed", "pas pu analyser ce mail"),
    ],
)
async def test_an_email_file_not_taken_in_is_answered_in_french_and_done(
    db_url: str, outcome: str, kind: str, expected: str
) -> None:
    async def prepare(item: InboxItem) -> Incoming:
        if outcome == "raises":
            raise OSError("disk full")
        if outcome == "empty":
            return Incoming(item.chat_id, 0, "email", "  ")
        return Incoming(item.chat_id, 0, outcome)

    async with running_pipeline(db_url, prepare) as running:
        await running.pipeline.receive(email_file(13, update_id=20))
        await running.pipeline.receive(Incoming(13, 130, "text", "et alors ?", update_id=21))
        await running.pipeline.idle()
        refusal, degraded = (text for _, text in running.collected.shown)
        assert expected in refusal and "enregistré" in degraded  # the chat goes on
        answered, waiting = await running.items(13)
        assert (answered.kind, answered.text, answered.payload) == (kind, "", {})
        assert (answered.status, waiting.status) == ("done", "pending")
        [turn] = await running.turns()
        assert (turn.inbox_id, turn.text_in, turn.text_out) == (answered.id, "", refusal)


async def test_an_email_file_without_a_preparer_gets_the_failure_answer(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    pipeline, collected, inbox = setup
    await pipeline.receive(email_file(14, update_id=30))
    await pipeline.idle()
    [(chat_id, text)] = collected.shown
    assert chat_id == 14 and "pas pu analyser ce mail" in text
    assert await inbox.count_pending() == 0


# -- the outage is known to every process, through the database ---------------------------


async def test_the_outage_outlives_the_process_and_warns_at_once(db_url: str) -> None:
    """A pipeline that never called Rasa (a restarted bot) knows Rasa is down: a message left
    unnotified by the previous process gets its notice from the first check, without any call
    to Rasa; a new message gets its notice; nothing is sent twice."""
    async with running_pipeline(db_url) as first:
        await first.pipeline.receive(Incoming(21, 210, "text", "bonjour", update_id=21))
        await first.pipeline.idle()
        assert len(first.collected.shown) == 1
        assert await Outages(first.sessionmaker).is_down("rasa")
    async with running_pipeline(db_url) as second:
        # Left by a process killed before its call failed: stored, never notified.
        left = await second.inbox.add(
            channel="telegram", chat_id=22, sender="s", kind="text", text="aide", update_id=22
        )
        assert left is not None
        await second.pipeline.check_rasa()  # the retry loop's check: Rasa still down
        await second.pipeline.idle()
        assert [chat for chat, _ in second.collected.shown] == [22]
        assert [item.attempts for item in await second.items(22)] == [0]  # Rasa not called
        await second.pipeline.receive(Incoming(23, 230, "text", "mot de passe", update_id=23))
        await second.pipeline.idle()
        await second.pipeline.check_rasa()
        await second.pipeline.idle()
        assert [chat for chat, _ in second.collected.shown] == [22, 23]
        assert all("enregistré" in notice for _, notice in second.collected.shown)


@contextlib.asynccontextmanager
async def hanging_server() -> AsyncIterator[str]:
    """An HTTP server that accepts requests and never answers them (a Rasa stuck)."""
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await release.wait()
        return web.Response(status=503)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", hang)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release.set()
        await runner.cleanup()


async def test_messages_waiting_behind_a_stuck_call_are_warned_when_it_fails(
    db_url: str,
) -> None:
    """Messages that arrived before the first failed call (one behind the stuck call of its
    chat, one of another chat) get their notice as soon as that call times out."""
    async with hanging_server() as url, running_pipeline(db_url, rasa_url=url) as running:
        await running.pipeline.receive(Incoming(31, 310, "text", "bonjour", update_id=31))
        await running.pipeline.receive(Incoming(31, 310, "text", "encore", update_id=32))
        await running.pipeline.receive(Incoming(32, 320, "text", "salut", update_id=33))
        assert running.collected.shown == []  # nothing is known yet
        await running.pipeline.idle(timeout=10)
        assert sorted(chat for chat, _ in running.collected.shown) == [31, 31, 32]
        items = [*await running.items(31), *await running.items(32)]
        assert [item.degraded_sent for item in items] == [True, True, True]


async def test_a_notice_is_needed_until_delivered_and_only_while_pending(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    _pipeline, _collected, inbox = setup
    item = await inbox.add(
        channel="telegram", chat_id=41, sender="s", kind="text", text="x", update_id=41
    )
    assert item is not None
    assert await inbox.needs_notice(item.id)
    assert [i.id for i in await inbox.unnotified("telegram", {"text"})] == [item.id]
    assert await inbox.unnotified("terminal", {"text"}) == []
    await inbox.mark_notified(item.id)
    assert not await inbox.needs_notice(item.id)
    assert await inbox.unnotified("telegram", {"text"}) == []
    other = await inbox.add(
        channel="telegram", chat_id=41, sender="s", kind="text", text="y", update_id=42
    )
    assert other is not None
    await inbox.mark_done(other.id)
    assert not await inbox.needs_notice(other.id)  # a handled message needs no notice


async def test_concurrent_notices_of_one_item_are_sent_once(db_url: str) -> None:
    """The worker, the sweep and the receiving may all want to warn the same message."""
    async with running_pipeline(db_url) as running:
        item = await running.inbox.add(
            channel="telegram", chat_id=42, sender="s", kind="text", text="x", update_id=43
        )
        assert item is not None
        await asyncio.gather(*(running.pipeline._notify(item) for _ in range(5)))
        running.pipeline.sweep()
        await running.pipeline.idle()
        assert [chat for chat, _ in running.collected.shown] == [42]


async def test_outages_keep_their_start_and_end_once(db_url: str) -> None:
    async with running_pipeline(db_url) as running:
        outages = Outages(running.sessionmaker)
        assert not await outages.is_down("rasa") and not await outages.mark_up("rasa")
        assert await outages.mark_down("rasa", "timeout")
        since = await outages.down_since("rasa")
        assert not await outages.mark_down("rasa", "http_502")  # already known: start kept
        assert await outages.down_since("rasa") == since
        assert await outages.mark_up("rasa") and not await outages.is_down("rasa")
        assert not await outages.mark_up("rasa")


async def test_a_message_behind_a_failed_one_is_warned_within_a_second(db_url: str) -> None:
    """The outage is not (or no longer) recorded, but the chat's older message already failed
    and is still pending: a new message waits behind it, and is told so without waiting for
    Rasa's timeout (5 s here)."""
    async with (
        hanging_server() as url,
        running_pipeline(db_url, rasa_url=url, rasa_timeout=5.0) as running,
    ):
        older = await running.inbox.add(
            channel="telegram", chat_id=61, sender="s", kind="text", text="aide", update_id=61
        )
        assert older is not None
        await running.inbox.record_failure(older.id, "timeout", degraded_sent=True)
        await running.pipeline.receive(Incoming(61, 610, "text", "vous êtes là ?", update_id=62))
        started = asyncio.get_running_loop().time()
        while not running.collected.shown:
            assert asyncio.get_running_loop().time() - started < 3, "no notice before timeout"
            await asyncio.sleep(0.05)
        [(chat_id, notice)] = running.collected.shown
        assert chat_id == 61 and "enregistré" in notice
        await running.pipeline.idle(timeout=10)
        assert len(running.collected.shown) == 1  # the older one had its notice already


async def test_messages_behind_a_failure_without_notice_are_found(
    setup: tuple[Pipeline, Collected, Inbox],
) -> None:
    """What ``recover`` warns after a restart: pending, no notice, behind a failed message of
    the same chat (not of another chat, not behind a handled one)."""
    _pipeline, _collected, inbox = setup

    async def add(chat_id: int, update_id: int) -> InboxItem:
        item = await inbox.add(
            channel="telegram", chat_id=chat_id, sender="s", kind="text", text="x",
            update_id=update_id,
        )  # fmt: skip
        assert item is not None
        return item

    failed = await add(71, 1)
    await inbox.record_failure(failed.id, "timeout", degraded_sent=False)
    behind = await add(71, 2)
    alone = await add(72, 3)  # its chat has no failure
    done = await add(73, 4)
    await inbox.record_failure(done.id, "timeout", degraded_sent=True)
    await inbox.mark_done(done.id)
    after_done = await add(73, 5)  # behind a handled message only
    found = await inbox.unnotified_behind_failures("telegram", {"text"})
    assert [item.id for item in found] == [behind.id]
    await inbox.mark_notified(behind.id)
    assert await inbox.unnotified_behind_failures("telegram", {"text"}) == []
    assert alone.id != after_done.id
