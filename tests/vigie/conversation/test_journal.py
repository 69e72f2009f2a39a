"""The sent journal, on SQLite and PostgreSQL: what it replays, what it never touches."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vigie.conversation.test_inbox import add_text
from tests.vigie.conversation.test_pipeline import running_pipeline
from vigie.conversation.inbox import Inbox
from vigie.conversation.journal import SentJournal, journal_path, read_entries
from vigie.conversation.pipeline import Incoming
from vigie.core.settings import ROOT, Settings


async def test_the_replay_marks_pending_items_of_their_own_chat_only(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    inbox = Inbox(sessionmaker)
    sent = await add_text(inbox, 1, "q1")
    other_chat = await add_text(inbox, 2, "q2")
    done = await add_text(inbox, 3, "q3")
    await inbox.mark_done(done.id)
    failed = await add_text(inbox, 4, "q4")
    await inbox.mark_failed(failed.id, "Forbidden")
    untouched = await add_text(inbox, 5, "q5")
    done_at = (await inbox.get(done.id)).done_at  # type: ignore[union-attr]

    path = tmp_path / "sent.journal"
    path.write_text(
        f"{sent.id} 1\n{other_chat.id} 999\n{done.id} 3\n{failed.id} 4\nnot a line\n{untouched.id}"
    )  # the last line was cut by the crash: no chat id, skipped
    journal = SentJournal(path)
    assert await journal.open(inbox.mark_sent) == 1

    status = {i: (await inbox.get(i)).status for i in (sent.id, other_chat.id, untouched.id)}  # type: ignore[union-attr]
    assert status == {sent.id: "done", other_chat.id: "pending", untouched.id: "pending"}
    assert (await inbox.get(done.id)).done_at == done_at  # type: ignore[union-attr]
    assert (await inbox.get(failed.id)).status == "failed"  # type: ignore[union-attr]
    assert path.read_bytes() == b""
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    journal.close()


async def test_recorded_answers_survive_the_process_and_are_marked_at_the_next_open(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    inbox = Inbox(sessionmaker)
    first, second = await add_text(inbox, 10, "a"), await add_text(inbox, -100123456789, "b")
    path = tmp_path / "nested" / "sent.journal"  # the folder is created
    journal = SentJournal(path)
    assert await journal.open(inbox.mark_sent) == 0
    journal.record(first.id, 10)
    journal.record(second.id, -100123456789)
    journal.close()  # as a SIGKILL leaves it: nothing marked
    assert read_entries(path) == [(first.id, 10), (second.id, -100123456789)]
    assert (await inbox.get(first.id)).status == "pending"  # type: ignore[union-attr]

    again = SentJournal(path)
    assert await again.open(inbox.mark_sent) == 2
    assert {(await inbox.get(i)).status for i in (first.id, second.id)} == {"done"}  # type: ignore[union-attr]
    assert await again.open(inbox.mark_sent) == 0  # emptied: nothing twice
    again.close()


async def test_compaction_marks_the_entries_then_starts_an_empty_file(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    inbox = Inbox(sessionmaker)
    items = [await add_text(inbox, 20 + n, f"m{n}") for n in range(4)]
    path = tmp_path / "sent.journal"
    journal = SentJournal(path, compact_after=3)
    await journal.open(inbox.mark_sent)
    for item in items[:3]:
        assert not journal.full
        journal.record(item.id, item.chat_id)
    assert journal.full
    await journal.compact(inbox.mark_sent)
    assert not journal.full
    assert path.read_bytes() == b""
    assert not path.with_name(path.name + ".old").exists()
    assert {(await inbox.get(i.id)).status for i in items[:3]} == {"done"}  # type: ignore[union-attr]
    journal.record(items[3].id, items[3].chat_id)
    assert read_entries(path) == [(items[3].id, items[3].chat_id)]
    await journal.aclose(inbox.mark_sent)  # a clean stop marks what is left, then removes it
    assert (await inbox.get(items[3].id)).status == "done"  # type: ignore[union-attr]
    assert not path.exists()


async def test_a_journal_left_aside_by_a_compaction_is_replayed_too(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    inbox = Inbox(sessionmaker)
    item = await add_text(inbox, 30, "x")
    path = tmp_path / "sent.journal"
    path.with_name(path.name + ".old").write_text(f"{item.id} 30\n")  # killed mid-compaction
    journal = SentJournal(path)
    assert await journal.open(inbox.mark_sent) == 1
    assert not path.with_name(path.name + ".old").exists()
    journal.close()


def test_one_journal_per_database_and_its_name_shows_no_secret(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://vigie:s3cret-pass@db.example:5432/vigie"
    path = journal_path(tmp_path, url)
    assert path.parent == tmp_path
    assert "s3cret" not in path.name and "vigie" not in path.name.removeprefix("sent-")
    assert journal_path(tmp_path, url + "2") != path
    assert journal_path(tmp_path, url) == path


def test_the_journal_lives_next_to_the_sqlite_file_or_in_var(tmp_path: Path) -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, pseudonym_secret=SecretStr("x"), **values)  # type: ignore[call-arg, arg-type]

    db = tmp_path / "data" / "vigie.db"
    assert settings(database_url=f"sqlite+aiosqlite:///{db}").sent_journal_dir() == db.parent
    assert settings(database_url="sqlite+aiosqlite:///var/v.db").sent_journal_dir() == Path("var")
    pg = "postgresql+asyncpg://u@127.0.0.1/vigie"
    assert settings(database_url=pg).sent_journal_dir() == ROOT / "var"
    chosen = tmp_path / "journal"
    assert settings(database_url=pg, journal_dir=chosen).sent_journal_dir() == chosen


async def test_the_pipeline_writes_an_answer_down_before_its_mark(
    db_url: str, tmp_path: Path
) -> None:
    journal = SentJournal(tmp_path / "sent.journal")
    async with running_pipeline(db_url, journal=journal) as running:
        await journal.open(running.inbox.mark_sent)
        await running.pipeline.receive(Incoming(chat_id=41, user_id=410, kind="sticker"))
        await running.pipeline.idle()
        [item] = await running.items(41)
        assert running.collected.shown and item.status == "done"
        assert read_entries(journal.path) == [(item.id, 41)]
        journal.close()
