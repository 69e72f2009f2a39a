"""The bot killed between a ticket's commit and its notifications: they arrive exactly once.

The bot runs as a real process (``python -m bot telegram``) against the fake Telegram server,
on SQLite and on PostgreSQL, with a real SMTP server for the helpdesk e-mail. A ticket is
committed (with its outbox rows) while the first bot runs with a very long outbox poll, so its
notifications stay pending; that bot is SIGKILLed; the second one sends them at start; it is
SIGKILLed in turn once they are marked sent, and a third one sends nothing again.
Rasa is not needed: its URL is a closed port, and the probe ``/tickets`` is answered by the
desk alone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from pydantic import SecretStr
from sqlalchemy import select

from tests.auxil.fake_telegram import FakeTelegram, FakeUser
from tests.auxil.smtp import SmtpSink
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import make_settings
from tests.e2e.helpers import FACILITY, Domain, open_domain, open_ticket, payloads, stays_true
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import ROOT, Settings
from vigie.db.engine import upgrade
from vigie.outbox.models import OutboxMessage
from vigie.tickets import desk_texts as ticket_desk_texts

HELPDESK = "support@prestataire.example"
# Settings that no environment value can bring back to their default None (an empty string
# is not an integer): the developer's .env must leave them unset for this test.
UNSETTABLE = ("technicians_chat_id",)


def bot_env(settings: Settings) -> dict[str, str]:
    """The bot process's environment: every setting explicit, nothing from the developer's.

    Variables of the shell named like a setting are dropped; each setting is then given its
    value from ``settings`` (a ``None`` becomes an empty string, which the code treats the same),
    so the ``.env`` file the bot also reads cannot change anything that matters.
    """
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    dotenv = {key.upper(): value for key, value in dotenv_values(ROOT / ".env").items()}
    for name, value in settings.model_dump().items():
        if value is None and name in UNSETTABLE:
            if dotenv.get(name.upper()):
                pytest.skip(f"{ROOT / '.env'} sets {name.upper()}, which this test needs unset")
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[name.upper()] = "" if value is None else str(value)
    return env


class BotProcess:
    """``python -m bot telegram`` in its own process, its output appended to ``log``."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram"],
                cwd=ROOT,
                env=bot_env(settings),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    async def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a crash or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 10)
        assert self.process.returncode == -signal.SIGKILL

    async def terminate(self) -> int:
        """SIGTERM, a normal stop (the fake server keeps answering meanwhile)."""
        self.process.terminate()
        return await asyncio.to_thread(self.process.wait, 30)

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


async def wait_until_up(fake: FakeTelegram, visitor: FakeUser, bot: BotProcess) -> None:
    """The bot answers ``/tickets`` (the desk, not Rasa): it is polling, its dispatcher started.

    The desk's refusal kicks nothing, and the update is confirmed before returning, so a later
    SIGKILL cannot make the next bot answer it again.
    """
    before = len(fake.messages_to(visitor.id))
    update = fake.send_text(visitor, "/tickets")
    try:
        messages = await fake.wait_for_messages(visitor.id, before + 1, timeout=90)
        await fake.wait_for_acknowledged(update["update_id"], timeout=30)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nbot log:\n{bot.tail()}") from None
    assert messages[-1]["plain_text"] == ticket_desk_texts.TECHNICIANS_ONLY


async def outbox_rows(domain: Domain, ticket_id: int) -> list[tuple[str, str, str, int]]:
    """(channel, destination, status, attempts) of the ticket's outbox rows, in order."""
    async with domain.sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ticket_id == ticket_id)
            .order_by(OutboxMessage.id)
        )
        return [(r.channel, r.destination, r.status, r.attempts) for r in rows]


async def test_bot_killed_after_the_commit_notifies_once_after_restart(
    fake: FakeTelegram, db_url: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    await asyncio.to_thread(upgrade, db_url)
    no_rasa = f"http://127.0.0.1:{free_port()}"  # nothing listens: the test needs no Rasa
    settings = make_settings(
        fake,
        no_rasa,
        tmp_path / "unused.db",
        database_url=db_url,
        outbox_poll_seconds=1.0,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_security="none",
        smtp_timeout_seconds=5.0,
        mail_from="vigie@prestataire.example",
        helpdesk_mail_to=HELPDESK,
    )
    # The first bot only sends at start, after a Rasa turn or a desk action: never here.
    asleep = settings.model_copy(update={"outbox_poll_seconds": 3600.0})
    secret = settings.pseudonym_secret.get_secret_value().encode()
    tech, staff, visitor = fake.user(4779, "Paul"), fake.user(4780, "Claire"), fake.user(4781)
    domain, engine = await open_domain(settings)
    bots: list[BotProcess] = []
    try:
        first = BotProcess(asleep, tmp_path / "bot-1.log")
        bots.append(first)
        await wait_until_up(fake, visitor, first)

        facility = await domain.directory.create_facility(FACILITY, "Rennes")
        invitation = await domain.directory.create_invitation(facility_id=facility.id, role="staff")
        await domain.directory.redeem_invitation(
            invitation.code,
            channel="telegram",
            chat_id=staff.id,
            sender=pseudonymize(staff.id, secret),
        )
        await domain.directory.add_technician(
            name="Paul", chat_id=tech.id, sender=pseudonymize(tech.id, secret)
        )
        # The commit of the ticket and of its outbox rows, while the first bot runs.
        view = await open_ticket(domain, staff, "e2e-kill-after-commit")
        expected_rows = [("telegram", str(tech.id)), ("email", HELPDESK)]
        assert [row[:2] for row in await outbox_rows(domain, view.id)] == expected_rows

        async def untouched() -> bool:
            rows = [row[2:] for row in await outbox_rows(domain, view.id)]
            sent = fake.messages_to(tech.id) or smtp_sink.received()
            return rows == [("pending", 0)] * 2 and not sent

        # The first bot was never kicked and its next poll is an hour away: nothing goes.
        await stays_true(untouched, 1.5, lambda: "the first bot sent the rows:\n" + first.tail())
        assert [row[2:] for row in await outbox_rows(domain, view.id)] == [("pending", 0)] * 2
        assert fake.messages_to(tech.id) == [] and smtp_sink.received() == []
        await first.kill()

        # Restarted after the crash: the pending rows are sent at start.
        second = BotProcess(settings, tmp_path / "bot-2.log")
        bots.append(second)
        try:
            [notice] = await fake.wait_for_messages(tech.id, 1, timeout=90)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nbot log:\n{second.tail()}") from None
        assert view.reference in notice["plain_text"] and FACILITY in notice["plain_text"]
        assert payloads(notice) == [
            f"v:take:{view.id}",
            f"v:reply:{view.id}",
            f"v:ask:{view.id}",
            f"v:resolve:{view.id}",
        ]
        for _ in range(300):
            if await domain.outbox.count_pending() == 0:
                break
            await asyncio.sleep(0.05)
        assert [row[2:] for row in await outbox_rows(domain, view.id)] == [("sent", 1)] * 2, (
            second.tail()
        )
        subject = f"[{view.reference}] imprimante – {FACILITY} (urgence haute)"
        assert smtp_sink.subjects() == [subject]
        await wait_until_up(fake, visitor, second)
        await second.kill()  # right after marking: nothing may be sent again

        # A third start (and a normal stop): still exactly once.
        third = BotProcess(settings, tmp_path / "bot-3.log")
        bots.append(third)
        await wait_until_up(fake, visitor, third)

        async def nothing_again() -> bool:
            return len(fake.messages_to(tech.id)) == 1 and smtp_sink.subjects() == [subject]

        # The start pass and a couple of polls (1 s) send nothing again.
        await stays_true(nothing_again, 2.5, lambda: "sent again:\n" + third.tail())
        assert await third.terminate() == 0, third.tail()
        assert len(fake.messages_to(tech.id)) == 1
        assert smtp_sink.subjects() == [subject]
        assert [row[2:] for row in await outbox_rows(domain, view.id)] == [("sent", 1)] * 2
        assert await domain.outbox.count_pending() == 0
        assert fake.messages_to(staff.id) == []  # opening a ticket tells the requester nothing
    finally:
        for bot in bots:
            bot.cleanup()
        await engine.dispose()
