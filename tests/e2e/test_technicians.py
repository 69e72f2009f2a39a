"""End to end, the Telegram side of tickets: registration, technicians, the outbox dispatcher.

The real Application polls the fake Telegram server; the database is SQLite or PostgreSQL.
Tickets are opened here through TicketService.create, as the action server does from its own
process (the Rasa form is tested elsewhere); the bot learns about them by polling the outbox
and by the kick given after each Rasa turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import update

from tests.auxil.fake_telegram import FakeTelegram, FakeUser
from tests.auxil.smtp import SmtpSink
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import RunningBot, Stack, make_settings
from tests.e2e.helpers import (
    FACILITY,
    PROBLEM,
    open_domain,
    open_ticket,
    payloads,
    sender,
    stays_true,
)
from vigie.conversation import texts
from vigie.db.base import utcnow
from vigie.db.engine import upgrade
from vigie.people.models import Invitation
from vigie.tickets import desk_texts as ticket_desk_texts


class Chat:
    """One user's private chat with the bot, read message after message."""

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        self.fake, self.user, self.seen = fake, user, 0

    async def next(self, timeout: float = 15) -> dict[str, Any]:
        messages = await self.fake.wait_for_messages(self.user.id, self.seen + 1, timeout)
        self.seen += 1
        return messages[self.seen - 1]

    async def next_text(self, timeout: float = 15) -> str:
        return str((await self.next(timeout))["plain_text"])

    def count(self) -> int:
        return len(self.fake.messages_to(self.user.id))


@pytest_asyncio.fixture
async def database(db_url: str) -> AsyncIterator[str]:
    """The bot's database, migrated (SQLite and PostgreSQL)."""
    await asyncio.to_thread(upgrade, db_url)
    yield db_url


async def test_ticket_between_staff_and_technician(
    fake: FakeTelegram, stack: Stack, database: str, tmp_path: Path
) -> None:
    # A long poll: only the kicks (after a Rasa turn, after a desk action) send at once.
    settings = make_settings(
        fake, stack.rasa_url, tmp_path / "unused.db", database_url=database, outbox_poll_seconds=30
    )
    domain, engine = await open_domain(settings)
    staff, tech = fake.user(3001, "Claire"), fake.user(3901, "Paul")
    staff_chat, tech_chat = Chat(fake, staff), Chat(fake, tech)
    facility = await domain.directory.create_facility(FACILITY, "Rennes")
    invitation = await domain.directory.create_invitation(facility_id=facility.id, role="staff")
    await domain.directory.add_technician(name="Paul", chat_id=tech.id, sender=sender(tech))
    running = RunningBot(settings)
    await running.start()
    try:
        # Joining with the deep link, then the job.
        fake.send_text(staff, f"/start {invitation.code}")
        assert "Vigie" in await staff_chat.next_text()
        assert "Vos données" in await staff_chat.next_text()
        question = await staff_chat.next()
        assert f"Vous êtes inscrit(e) à {FACILITY}" in question["plain_text"]
        assert payloads(question) == [
            "v:job:care",
            "v:job:admin",
            "v:job:management",
            "v:job:other",
        ]

        # A ticket is committed by "the action server": the bot is not told directly.
        view = await open_ticket(domain, staff, "e2e-lifecycle")

        async def no_notice() -> bool:
            return tech_chat.count() == 0

        await stays_true(no_notice, 0.5, lambda: "the technician was notified without a kick")

        fake.press_button(staff, question, "v:job:care")
        assert "votre métier\u00a0: Soins." in await staff_chat.next_text()
        menu = await staff_chat.next()
        assert "/report_phishing" in payloads(menu)  # the usual menu, from Rasa
        assert fake.current_message(staff.id, question["message_id"]).get("reply_markup") is None
        person = await domain.directory.person_by_sender(sender(staff))
        assert person is not None and person.job == "care"

        # That Rasa turn kicked the dispatcher: the technician is notified now, not in 30 s.
        notice = await tech_chat.next(timeout=10)
        text = notice["plain_text"]
        assert view.reference in text and FACILITY in text and "soins" in text
        assert PROBLEM in text and "Claire" not in text and str(staff.id) not in text
        assert payloads(notice) == [
            f"v:take:{view.id}",
            f"v:reply:{view.id}",
            f"v:ask:{view.id}",
            f"v:resolve:{view.id}",
        ]

        fake.press_button(tech, notice, f"v:take:{view.id}")
        assert "Vous avez pris en charge" in await tech_chat.next_text()
        assert "prise en charge par Paul, technicien" in await staff_chat.next_text(timeout=10)

        fake.press_button(tech, notice, f"v:reply:{view.id}")
        assert "Écrivez maintenant" in await tech_chat.next_text()
        fake.send_text(tech, "Bonjour, éteignez l’imprimante 30 secondes puis rallumez-la.")
        assert await tech_chat.next_text() == f"Réponse envoyée au demandeur de {view.reference}."
        reply = await staff_chat.next(timeout=10)
        assert "éteignez l’imprimante 30 secondes" in reply["plain_text"]
        assert "Paul" in reply["plain_text"]
        assert payloads(reply) == ['/add_info{"ticket_ref":"' + view.reference + '"}']

        fake.press_button(tech, notice, f"v:resolve:{view.id}")
        assert "marqué résolu" in await tech_chat.next_text()
        solved = await staff_chat.next(timeout=10)
        assert "Est-ce réglé" in solved["plain_text"]
        assert payloads(solved) == [f"v:fixed:{view.id}", f"v:notfixed:{view.id}"]

        fake.press_button(staff, solved, f"v:notfixed:{view.id}")
        assert "rouverte" in await staff_chat.next_text()
        assert fake.current_message(staff.id, solved["message_id"]).get("reply_markup") is None
        reopened = await tech_chat.next(timeout=10)
        assert "rouverte" in reopened["plain_text"] and view.reference in reopened["plain_text"]
        current = await domain.tickets.get(view.id)
        assert current is not None and current.status == "reopened"
        kinds = [e.kind for e in await domain.tickets.timeline(view.id)]
        assert kinds == ["created", "taken", "technician_message", "resolved", "reopened"]

        # Technicians' commands: refused to staff, shown to the technician.
        fake.send_text(staff, "/tickets")
        assert await staff_chat.next_text() == ticket_desk_texts.TECHNICIANS_ONLY
        fake.send_text(staff, f"/ticket {view.reference}")
        assert await staff_chat.next_text() == ticket_desk_texts.TECHNICIANS_ONLY
        fake.send_text(tech, "/tickets")
        listing = await tech_chat.next()
        assert view.reference in listing["plain_text"]
        fake.press_button(tech, listing, f"v:show:{view.id}")
        card = await tech_chat.next()
        assert "Historique" in card["plain_text"] and "éteignez" in card["plain_text"]

        async def nothing_more() -> bool:  # nothing else arrives, nothing is sent twice
            return (staff_chat.count(), tech_chat.count()) == (staff_chat.seen, tech_chat.seen)

        await stays_true(nothing_more, 1.0, lambda: "an extra message arrived")
        assert len(fake.answered_callbacks) == 6
        assert await domain.outbox.count_pending() == 0
    finally:
        await running.stop()
        await engine.dispose()


async def test_invitation_errors_and_technician_code(
    fake: FakeTelegram, database: str, tmp_path: Path
) -> None:
    no_rasa = f"http://127.0.0.1:{free_port()}"  # none of this reaches Rasa
    settings = make_settings(fake, no_rasa, tmp_path / "unused.db", database_url=database)
    domain, engine = await open_domain(settings)
    facility = await domain.directory.create_facility(FACILITY, "Rennes")
    used = await domain.directory.create_invitation(
        facility_id=facility.id, role="staff", max_uses=1
    )
    expired = await domain.directory.create_invitation(facility_id=facility.id, role="staff")
    async with domain.sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == expired.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    technicians = await domain.directory.create_invitation(facility_id=None, role="technician")
    first, second = fake.user(4771), fake.user(4772)
    running = RunningBot(settings)
    await running.start()
    try:
        fake.send_text(first, f"/start {used.code}")
        await fake.wait_for_messages(first.id, 3)
        chat = Chat(fake, second)
        for code, expected in (
            ("PASUNCODE", "Ce code d’invitation n’est pas valable."),
            (used.code, "Ce lien d’invitation a déjà servi le nombre de fois prévu."),
            (expired.code, "Ce lien d’invitation a expiré."),
        ):
            fake.send_text(second, f"/start {code}")
            answer = await chat.next()
            assert answer["plain_text"].startswith(expected), code
            assert "Pour obtenir un nouveau lien" in answer["plain_text"]
            assert payloads(answer) == []
        assert await domain.directory.person_by_sender(sender(second)) is None

        fake.send_text(second, f"/start {technicians.code.lower()}")
        welcome = await chat.next_text()
        assert "technicien" in welcome and "/tickets" in welcome
        fake.send_text(second, "/tickets")
        assert await chat.next_text() == texts.fill(ticket_desk_texts.NO_OPEN_TICKETS, {})

        async def nothing_more() -> bool:
            return chat.count() == chat.seen

        await stays_true(nothing_more, 0.5, lambda: "an extra message arrived")
    finally:
        await running.stop()
        await engine.dispose()


async def test_notification_committed_while_the_bot_is_down_arrives_once(
    fake: FakeTelegram, database: str, tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    settings = make_settings(
        fake,
        f"http://127.0.0.1:{free_port()}",
        tmp_path / "unused.db",
        database_url=database,
        outbox_poll_seconds=30,  # what arrives, arrives because the dispatcher starts
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_timeout_seconds=3.0,
        helpdesk_mail_to="support@prestataire.example",
    )
    domain, engine = await open_domain(settings)
    staff, tech = fake.user(4773), fake.user(3202)
    facility = await domain.directory.create_facility(FACILITY, "Rennes")
    invitation = await domain.directory.create_invitation(facility_id=facility.id, role="staff")
    await domain.directory.redeem_invitation(
        invitation.code, channel="telegram", chat_id=staff.id, sender=sender(staff)
    )
    await domain.directory.add_technician(name="Paul", chat_id=tech.id, sender=sender(tech))
    try:
        # Committed while no bot runs (as if it was killed right after the commit).
        view = await open_ticket(domain, staff, "e2e-restart")
        assert await domain.outbox.count_pending() == 2  # the technician, the helpdesk

        for _ in range(2):
            running = RunningBot(settings)
            await running.start()
            try:
                [notice] = await fake.wait_for_messages(tech.id, 1, timeout=10)
                assert view.reference in notice["plain_text"]
                for _ in range(100):
                    if await domain.outbox.count_pending() == 0:
                        break
                    await asyncio.sleep(0.05)

                async def once() -> bool:
                    return len(fake.messages_to(tech.id)) == 1

                await stays_true(once, 0.5, lambda: "the notice was sent twice")
            finally:
                await running.stop()
            assert len(fake.messages_to(tech.id)) == 1
            assert smtp_sink.subjects() == [
                f"[{view.reference}] imprimante – {FACILITY} (urgence haute)"
            ]
            assert await domain.outbox.count_pending() == 0
        assert fake.messages_to(staff.id) == []
    finally:
        await engine.dispose()
