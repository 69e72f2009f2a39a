"""End to end, the technicians' group chat (``TECHNICIANS_CHAT_ID``).

The real Application polls the fake Telegram server, which models a supergroup and Telegram's
privacy mode: the bot receives from the group only commands, replies to its own messages and
button presses. Tickets are opened through TicketService, as the action server does from its
own process; Rasa is not running, and nothing said in the group may reach it or be stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import func, select

from tests.auxil.fake_telegram import FakeGroup, FakeTelegram, FakeUser
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import RunningBot, make_settings
from tests.e2e.helpers import stays_true
from vigie.conversation.models import InboxItem
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft, TicketView

SECRET = b"e2e-test-secret-0123456789abcdefghij"  # the one make_settings gives the bot
GROUP_ID = -1003600000001
FACILITY = "EHPAD Les Tilleuls"
PROBLEM = "Le logiciel de soins se fige à l’ouverture du dossier"

JSON = dict[str, Any]


def sender(user: FakeUser) -> str:
    return pseudonymize(user.id, SECRET)


def payloads(message: JSON) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


class Reader:
    """Reads, in order, what the bot sends to one chat."""

    def __init__(self, fake: FakeTelegram, chat_id: int) -> None:
        self.fake, self.chat_id, self.seen = fake, chat_id, 0

    async def next(self, timeout: float = 10) -> JSON:
        messages = await self.fake.wait_for_messages(self.chat_id, self.seen + 1, timeout)
        self.seen += 1
        return messages[self.seen - 1]

    async def next_text(self, timeout: float = 10) -> str:
        return str((await self.next(timeout))["plain_text"])

    async def quiet(self, seconds: float = 0.5) -> None:
        """Nothing more arrives in this chat within ``seconds`` (fails at the first one)."""

        def extra() -> list[dict[str, Any]]:
            return self.fake.messages_to(self.chat_id)[self.seen :]

        async def none_yet() -> bool:
            return not extra()

        await stays_true(none_yet, seconds, lambda: str([m["plain_text"] for m in extra()]))


async def answered(fake: FakeTelegram, count: int, timeout: float = 10) -> JSON:
    """The ``count``-th answer to a button press (waits for it)."""
    for _ in range(int(timeout / 0.02)):
        if len(fake.answered_callbacks) >= count:
            return fake.answered_callbacks[count - 1]
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {len(fake.answered_callbacks)} button press(es) answered")


@pytest_asyncio.fixture
async def database(db_url: str) -> AsyncIterator[str]:
    """The bot's database, migrated (SQLite and PostgreSQL)."""
    await asyncio.to_thread(upgrade, db_url)
    yield db_url


class World:
    """The people, a ticket, and the bot serving the technicians' group."""

    def __init__(self, fake: FakeTelegram, settings: Settings) -> None:
        self.fake, self.settings = fake, settings
        self.engine = create_engine(settings.database_url)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.directory = Directory(self.sessionmaker)
        self.tickets = TicketService(self.sessionmaker, settings)
        self.staff = fake.user(4774, "Claire")
        self.paul, self.lea = fake.user(3601, "Paul"), fake.user(3602, "Léa")
        self.zoe = fake.user(3603, "Zoé")  # in the group, but not a technician
        self.bot = RunningBot(settings)

    def group(self, *, privacy_mode: bool) -> FakeGroup:
        members = [self.paul, self.lea, self.zoe]
        return self.fake.group(GROUP_ID, "Techniciens", members, privacy_mode=privacy_mode)

    async def start(self) -> None:
        facility = await self.directory.create_facility(FACILITY, "Rennes")
        invitation = await self.directory.create_invitation(facility_id=facility.id, role="staff")
        await self.directory.redeem_invitation(
            invitation.code, channel="telegram", chat_id=self.staff.id, sender=sender(self.staff)
        )
        for tech in (self.paul, self.lea):
            await self.directory.add_technician(
                name=tech.first_name, chat_id=tech.id, sender=sender(tech)
            )
        await self.bot.start()

    async def open_ticket(self, key: str) -> TicketView:
        draft = TicketDraft(
            problem=PROBLEM, device="care_software", scope="service", care_impact="degraded"
        )
        view, created = await self.tickets.create(sender(self.staff), draft, idempotency_key=key)
        assert created
        return view

    async def stored_messages(self) -> int:
        """Rows of the inbox: every message headed for Rasa is stored there first."""
        async with self.sessionmaker() as session:
            count = await session.scalar(select(func.count()).select_from(InboxItem))
        return int(count or 0)

    async def stop(self) -> None:
        await self.bot.stop()
        await self.engine.dispose()


@pytest_asyncio.fixture
async def desk(fake: FakeTelegram, database: str, tmp_path: Path) -> AsyncIterator[World]:
    no_rasa = f"http://127.0.0.1:{free_port()}"  # nothing of the group may reach Rasa
    settings = make_settings(
        fake,
        no_rasa,
        tmp_path / "unused.db",
        database_url=database,
        technicians_chat_id=GROUP_ID,
        outbox_poll_seconds=0.2,
    )
    running = World(fake, settings)
    try:
        yield running
    finally:
        await running.stop()


async def test_ticket_handled_in_the_technicians_group(fake: FakeTelegram, desk: World) -> None:
    team = desk.group(privacy_mode=True)
    paul, lea, zoe, staff = desk.paul, desk.lea, desk.zoe, desk.staff
    group, staff_chat = Reader(fake, GROUP_ID), Reader(fake, staff.id)
    await desk.start()
    view = await desk.open_ticket("e2e-group")

    # The notification goes to the group, to no technician privately.
    notice = await group.next()
    assert notice["message"]["chat"]["type"] == "supergroup"
    assert view.reference in notice["plain_text"] and FACILITY in notice["plain_text"]
    assert PROBLEM in notice["plain_text"] and "Claire" not in notice["plain_text"]
    assert payloads(notice) == [f"v:{a}:{view.id}" for a in ("take", "reply", "ask", "resolve")]

    # A member who is not a technician is refused politely, and nothing changes.
    fake.press_button(zoe, notice, f"v:take:{view.id}")
    refusal = await answered(fake, 1)
    assert refusal["text"] == ticket_desk_texts.TECHNICIANS_ONLY
    current = await desk.tickets.get(view.id)
    assert current is not None and (current.status, current.assignee_name) == ("new", None)

    # Paul takes the ticket: the group sees who did, the staff member is told.
    fake.press_button(paul, notice, f"v:take:{view.id}")
    assert await group.next_text() == (
        f"Paul a pris en charge le ticket {view.reference}. Le demandeur en est informé."
    )
    assert "prise en charge par Paul, technicien" in await staff_chat.next_text()

    # Léa answers: the prompt asks her, and her only, to reply to it.
    fake.press_button(lea, notice, f"v:reply:{view.id}")
    prompt = await group.next()
    assert prompt["reply_markup"]["force_reply"] is True
    assert prompt["reply_markup"]["selective"] is True
    assert prompt["message"]["reply_to_message"]["message_id"] == notice["message_id"]
    assert prompt["plain_text"].startswith("Léa, répondez à ce message")
    assert view.reference in prompt["plain_text"]
    mentions = [e for e in prompt["message"]["entities"] if e["type"] == "text_mention"]
    assert [m["user"]["id"] for m in mentions] == [lea.id]

    # Privacy mode: plain messages of the group never reach the bot.
    fake.send_text(zoe, "Qui s’occupe du logiciel de soins ?", chat=team)
    fake.send_text(lea, "Je lui réponds tout de suite.", chat=team)
    assert [m["text"] for m in fake.withheld] == [
        "Qui s’occupe du logiciel de soins ?",
        "Je lui réponds tout de suite.",
    ]
    # A reply to Léa's prompt by someone else reaches the bot, but is not Léa's answer.
    intruder = fake.send_text(paul, "Pense au cache du navigateur.", chat=team, reply_to=prompt)
    await fake.wait_for_acknowledged(intruder["update_id"])
    fake.send_text(
        lea, "Fermez le logiciel et rouvrez-le, s’il vous plaît.", chat=team, reply_to=prompt
    )
    assert await group.next_text() == f"Réponse de Léa envoyée au demandeur de {view.reference}."
    answer = await staff_chat.next()
    assert "Fermez le logiciel et rouvrez-le" in answer["plain_text"]
    assert "Léa" in answer["plain_text"] and "cache du navigateur" not in answer["plain_text"]
    assert payloads(answer) == ['/add_info{"ticket_ref":"' + view.reference + '"}']

    # The technicians' commands work in the group, with or without the bot's name.
    fake.send_text(paul, "/tickets", chat=team)
    listing = await group.next()
    assert view.reference in listing["plain_text"]
    assert payloads(listing) == [f"v:show:{view.id}"]
    fake.send_text(lea, "/tickets@vigie_test_bot", chat=team)
    assert view.reference in await group.next_text()
    fake.send_text(lea, f"/ticket@vigie_test_bot {view.reference}", chat=team)
    card = await group.next_text()
    assert "Historique" in card and "Fermez le logiciel" in card
    fake.send_text(zoe, "/tickets", chat=team)
    assert await group.next_text() == ticket_desk_texts.TECHNICIANS_ONLY

    kinds = [e.kind for e in await desk.tickets.timeline(view.id)]
    assert kinds == ["created", "taken", "technician_message"]
    await group.quiet()
    await staff_chat.quiet()
    assert [fake.messages_to(u.id) for u in (paul, lea, zoe)] == [[], [], []]
    assert len(fake.answered_callbacks) == 3
    assert await desk.stored_messages() == 0


async def test_group_chatter_is_ignored_without_privacy_mode(
    fake: FakeTelegram, desk: World
) -> None:
    """When the bot is an administrator of the group, it receives every message: it must
    still take only the awaited reply, and store or forward nothing else."""
    team = desk.group(privacy_mode=False)
    lea, zoe, staff = desk.lea, desk.zoe, desk.staff
    group, staff_chat = Reader(fake, GROUP_ID), Reader(fake, staff.id)
    await desk.start()
    view = await desk.open_ticket("e2e-group-admin")
    notice = await group.next()

    fake.send_text(zoe, "Bonjour à tous", chat=team)
    fake.send_text(zoe, "/start", chat=team)
    fake.press_button(lea, notice, f"v:ask:{view.id}")
    prompt = await group.next()
    assert "la précision à demander" in prompt["plain_text"]
    # Léa's chatter is not her question: only a reply to the prompt is.
    chatter = fake.send_text(lea, "Je demande le numéro du poste.", chat=team)
    assert fake.withheld == []
    await fake.wait_for_acknowledged(chatter["update_id"])
    await group.quiet(0.3)
    fake.send_text(lea, "Quel est le numéro du poste ?", chat=team, reply_to=prompt)
    assert (await group.next_text()).startswith(
        f"Question de Léa envoyée au demandeur de {view.reference}"
    )
    question = await staff_chat.next()
    assert "Quel est le numéro du poste ?" in question["plain_text"]
    current = await desk.tickets.get(view.id)
    assert current is not None and current.status == "waiting"

    # /annuler with nothing pending does nothing; Résolu still works.
    fake.send_text(lea, "/annuler", chat=team)
    fake.press_button(lea, notice, f"v:resolve:{view.id}")
    assert "Léa a marqué le ticket" in await group.next_text()
    await group.quiet()
    await staff_chat.next()  # "Est-ce réglé ?"
    await staff_chat.quiet()
    assert await desk.stored_messages() == 0
