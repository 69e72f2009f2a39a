"""Outages: Rasa stopped and back, the bot killed and restarted — nothing lost, no duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import ToggleProxy
from tests.e2e.conftest import HOTLINE, ONCALL, RunningBot, Stack, make_settings
from tests.e2e.helpers import stays_true
from vigie.conversation.journal import journal_path, read_entries
from vigie.conversation.outages import Outages
from vigie.core.settings import ROOT
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.knowledge.loader import KnowledgeBase

KB = KnowledgeBase.load(ROOT / "knowledge")
DEGRADED_MARK = "bien enregistré"


async def test_rasa_down_then_back(
    fake: FakeTelegram, stack: Stack, proxy: ToggleProxy, tmp_path: Path
) -> None:
    await proxy.down()
    running = RunningBot(make_settings(fake, proxy.url, tmp_path / "vigie.db"))
    await running.start()
    try:
        user = fake.user(2001)
        fake.send_text(user, "c koi un bon mdp")
        [first] = await fake.wait_for_messages(user.id, 1, timeout=15)
        assert DEGRADED_MARK in first["plain_text"] and HOTLINE in first["plain_text"]
        fake.send_text(user, "comment verrouiller mon ordi quand je quitte le poste de soins")
        second = (await fake.wait_for_messages(user.id, 2, timeout=15))[1]
        assert DEGRADED_MARK in second["plain_text"]

        await proxy.up()
        messages = await fake.wait_for_messages(user.id, 4, timeout=30)
        assert messages[2]["plain_text"].startswith(KB.get("password_strength").title)
        assert messages[3]["plain_text"].startswith(KB.get("lock_screen").title)

        async def four() -> bool:
            return len(fake.messages_to(user.id)) == 4

        # Several retry periods (0.5 s): nothing is sent twice.
        await stays_true(four, 2.0, lambda: f"sent twice: {fake.messages_to(user.id)!r}")
        assert len(fake.messages_to(user.id)) == 4
    finally:
        await running.stop()


async def test_rasa_down_during_an_incident_still_gives_the_reflexes_at_once(
    fake: FakeTelegram, stack: Stack, proxy: ToggleProxy, tmp_path: Path
) -> None:
    """A ransom screen at night while Rasa is down: the first answer, at once, already says to
    unplug the network without switching off and gives the day and on-call numbers; once Rasa
    is back, the whole reflexes follow (then, not registered, whom to call)."""
    await proxy.down()
    settings = make_settings(
        fake, proxy.url, tmp_path / "vigie.db", provider_oncall="06 98 76 54 32"
    )
    running = RunningBot(settings)
    await running.start()
    try:
        user = fake.user(2051)
        fake.send_text(user, "au secours mon écran affiche une demande de rançon")
        [first] = await fake.wait_for_messages(user.id, 1, timeout=15)
        text = first["plain_text"]
        assert DEGRADED_MARK in text
        assert "câble réseau" in text and "sans éteindre" in text
        assert HOTLINE in text and "06 98 76 54 32" in text
        await proxy.up()
        messages = await fake.wait_for_messages(user.id, 3, timeout=30)
        assert "Incident de sécurité" in messages[1]["plain_text"]
        assert ONCALL in messages[1]["plain_text"]  # the action server's
    finally:
        await running.stop()


async def test_a_restarted_bot_knows_rasa_is_down(
    fake: FakeTelegram, stack: Stack, proxy: ToggleProxy, tmp_path: Path
) -> None:
    """The outage is in the database: a bot restarted during it knows it; once Rasa is back,
    its end is recorded within seconds, a new message gets no notice, and every message is
    answered once, in order."""
    await proxy.down()
    settings = make_settings(fake, proxy.url, tmp_path / "vigie.db", retry_interval_seconds=60)
    first = RunningBot(settings)
    await first.start()
    user, other = fake.user(2101), fake.user(2102)
    try:
        fake.send_text(user, "c koi un bon mdp")
        [notice] = await fake.wait_for_messages(user.id, 1, timeout=15)
        assert DEGRADED_MARK in notice["plain_text"]
    finally:
        await first.stop()
    second = RunningBot(settings)
    await second.start()
    try:
        fake.send_text(other, "comment verrouiller mon ordi quand je quitte le poste de soins")
        [notice] = await fake.wait_for_messages(other.id, 1, timeout=15)
        assert DEGRADED_MARK in notice["plain_text"]
        await proxy.up()
        # With a 60 s retry period, the end of the outage is recorded by the health check
        # made every second while Rasa is known down, which wakes the chats left waiting.
        engine = create_engine(settings.database_url)
        try:
            outages = Outages(make_sessionmaker(engine))
            deadline = time.monotonic() + 10
            while await outages.is_down("rasa"):
                assert time.monotonic() < deadline, "the end of the outage was not recorded"
                await asyncio.sleep(0.1)
        finally:
            await engine.dispose()
        fake.send_text(other, "mon ecran affiche une rançon")
        # The reflexes, no notice first; then, not registered (no incident form), whom to call.
        others = await fake.wait_for_messages(other.id, 4, timeout=30)
        assert others[1]["plain_text"].startswith(KB.get("lock_screen").title)
        assert DEGRADED_MARK not in others[2]["plain_text"]
        assert HOTLINE in others[3]["plain_text"]
        answers = await fake.wait_for_messages(user.id, 2, timeout=30)
        assert answers[1]["plain_text"].startswith(KB.get("password_strength").title)

        async def once() -> bool:
            return len(fake.messages_to(user.id)) == 2 and len(fake.messages_to(other.id)) == 4

        await stays_true(once, 2.0, lambda: "an answer or a notice was sent twice")
    finally:
        await second.stop()


def _bot_process(fake: FakeTelegram, rasa_url: str, db: Path, log: Path) -> subprocess.Popen[bytes]:
    settings = make_settings(fake, rasa_url, db)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "TELEGRAM_MODE": "polling",
        "DATABASE_URL": settings.database_url,
        "RASA_URL": rasa_url,
        "RASA_RETRIES": "0",
        "RETRY_INTERVAL_SECONDS": "0.5",
        "PSEUDONYM_SECRET": "e2e-test-secret-0123456789abcdefghij",
        "PROVIDER_HOTLINE": HOTLINE,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def test_bot_killed_after_receiving_answers_once_after_restart(
    fake: FakeTelegram, stack: Stack, proxy: ToggleProxy, tmp_path: Path
) -> None:
    db, log = tmp_path / "vigie.db", tmp_path / "bot.log"
    await proxy.down()
    first = _bot_process(fake, proxy.url, db, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        user = fake.user(2002)
        fake.send_text(user, "c koi un bon mdp")
        [degraded] = await fake.wait_for_messages(user.id, 1, timeout=60)
        assert DEGRADED_MARK in degraded["plain_text"]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        await proxy.up()
        second = _bot_process(fake, proxy.url, db, log)
        messages = await fake.wait_for_messages(user.id, 2, timeout=60)
        assert messages[1]["plain_text"].startswith(KB.get("password_strength").title)

        async def two() -> bool:
            return len(fake.messages_to(user.id)) == 2

        # Time for a duplicate to show up, if any (the bot retries every 0.5 s).
        await stays_true(two, 3.0, lambda: "sent twice:\n" + log.read_text()[-2000:])
        assert len(fake.messages_to(user.id)) == 2, log.read_text()[-2000:]
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)


async def test_bot_killed_between_an_answer_and_its_mark_never_sends_it_again(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> None:
    """Telegram accepted the answer, the bot wrote it in its sent journal, and dies while its
    mark waits for the database (held by the test): the next bot marks it from the journal
    at start, and neither asks Rasa again nor sends the answer twice."""
    db, log = tmp_path / "vigie.db", tmp_path / "bot.log"
    journal = journal_path(tmp_path, make_settings(fake, stack.rasa_url, db).database_url)
    user = fake.user(2003)
    holder: list[sqlite3.Connection] = []

    async def hold_the_database(method: str, params: dict[str, object]) -> None:
        to_user = method.lower() == "sendmessage" and str(params.get("chat_id")) == str(user.id)
        if to_user and not holder:  # the answer is accepted: no write reaches the database now
            holder.append(sqlite3.connect(db, isolation_level=None, timeout=10))
            holder[0].execute("BEGIN EXCLUSIVE")

    first = _bot_process(fake, stack.rasa_url, db, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        fake.before_reply = hold_the_database
        fake.send_text(user, "c koi un bon mdp")
        deadline = time.monotonic() + 90
        while not read_entries(journal):
            assert time.monotonic() < deadline, "no entry in the sent journal:\n" + _tail(log)
            assert first.poll() is None, _tail(log)
            await asyncio.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        answers = len(fake.messages_to(user.id))
        assert fake.messages_to(user.id)[0]["plain_text"].startswith(
            KB.get("password_strength").title
        )
        fake.before_reply = None
        holder[0].rollback()
        holder[0].close()

        second = _bot_process(fake, stack.rasa_url, db, log)
        fake.send_text(user, "merci")
        messages = await fake.wait_for_messages(user.id, answers + 1, timeout=90)
        assert not messages[answers]["plain_text"].startswith(KB.get("password_strength").title)

        async def once() -> bool:
            return len(fake.messages_to(user.id)) == answers + 1

        await stays_true(once, 2.0, lambda: "sent again:\n" + _tail(log))
        assert "Answers sent but not marked before a crash: 1 " in log.read_text()
    finally:
        fake.before_reply = None
        for connection in holder:
            connection.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]
