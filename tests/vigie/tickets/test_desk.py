"""The desk (registration, technicians' commands and buttons) on a real database.

Notifications go through the real outbox and dispatcher to a recording transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation import texts
from vigie.core.clock import FakeClock
from vigie.core.desk import DeskReply
from vigie.core.messages import OutgoingMessage
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.outbox.dispatcher import Dispatcher
from vigie.outbox.store import Outbox
from vigie.people import texts as people_texts
from vigie.people.directory import Directory
from vigie.people.models import Invitation
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.desk import PENDING_REPLY_SECONDS, Desk
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft, TicketView

SECRET = b"desk-test-secret"
STAFF, OTHER_STAFF, TECH, STRANGER = 101, 102, 201, 301


def sender(user_id: int) -> str:
    return pseudonymize(user_id, SECRET)


class Transport:
    """Records what the dispatcher delivers."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.sent += [(chat_id, message) for message in messages]

    def to(self, chat_id: int) -> list[OutgoingMessage]:
        return [message for chat, message in self.sent if chat == chat_id]


@dataclass
class World:
    directory: Directory
    tickets: TicketService
    outbox: Outbox
    dispatcher: Dispatcher
    transport: Transport
    desk: Desk
    sessionmaker: async_sessionmaker[AsyncSession]
    code: str
    clock: FakeClock = field(default_factory=FakeClock)  # the desk's: replies expire on it

    async def flush(self) -> None:
        """What the running dispatcher does when kicked."""
        await self.dispatcher.send_due()

    async def new_ticket(self, key: str = "k1") -> TicketView:
        draft = TicketDraft(
            problem="L’imprimante du 2e étage n’imprime plus <rien>",
            device="printer",
            scope="service",
            care_impact="yes",
        )
        view, created = await self.tickets.create(sender(STAFF), draft, idempotency_key=key)
        assert created
        await self.flush()
        return view


@pytest_asyncio.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[World]:
    settings = Settings(_env_file=None, provider_name="Infogérance Test")  # type: ignore[call-arg]
    directory = Directory(sessionmaker)
    tickets = TicketService(sessionmaker, settings)
    outbox = Outbox(sessionmaker)
    transport = Transport()
    dispatcher = Dispatcher(outbox, transport, settings)
    clock = FakeClock()
    desk = Desk(
        directory=directory,
        tickets=tickets,
        settings=settings,
        dispatcher=dispatcher,
        sender_of=sender,
        clock=clock,  # the default 15-minute wait for a reply, on a clock the tests advance
    )
    facility = await directory.create_facility("EHPAD Les Tilleuls", "Rennes")
    invitation = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.add_technician(name="Paul", chat_id=TECH, sender=sender(TECH))
    world = World(
        directory,
        tickets,
        outbox,
        dispatcher,
        transport,
        desk,
        sessionmaker,
        invitation.code,
        clock,
    )
    reply = await desk.register(STAFF, STAFF, invitation.code)
    assert "EHPAD Les Tilleuls" in reply.messages[-1].plain_text()
    yield world
    await dispatcher.aclose()


def plain(reply: DeskReply | None) -> str:
    assert reply is not None
    return "\n".join(message.plain_text() for message in reply.messages)


def payloads(message: OutgoingMessage) -> list[str]:
    return [button.payload for button in message.buttons]


async def test_registration_then_job(world: World) -> None:
    reply = await world.desk.register(OTHER_STAFF, OTHER_STAFF, world.code.lower())
    welcome, privacy, question = reply.messages
    assert "Vigie" in welcome.plain_text() and "365" in privacy.plain_text()
    assert question.plain_text().startswith("Bienvenue\u00a0! Vous êtes inscrit(e) à EHPAD")
    assert payloads(question) == ["v:job:care", "v:job:admin", "v:job:management", "v:job:other"]
    person = await world.directory.person_by_sender(sender(OTHER_STAFF))
    assert person is not None and (person.role, person.job) == ("staff", None)

    chosen = await world.desk.callback(OTHER_STAFF, OTHER_STAFF, "v:job:management")
    assert chosen.then_menu and chosen.close_buttons
    assert "votre métier\u00a0: Direction." in plain(chosen)
    person = await world.directory.person_by_sender(sender(OTHER_STAFF))
    assert person is not None and person.job == "management"

    bogus = await world.desk.callback(OTHER_STAFF, OTHER_STAFF, "v:job:chef")
    assert bogus.toast == texts.BUTTON_EXPIRED and not bogus.messages
    stranger = await world.desk.callback(STRANGER, STRANGER, "v:job:care")
    assert "pas encore inscrit" in plain(stranger)
    assert await world.directory.person_by_sender(sender(STRANGER)) is None


async def test_bad_invitation_codes_change_nothing(world: World) -> None:
    directory = world.directory
    facility = await directory.get_facility("EHPAD Les Tilleuls")
    assert facility is not None
    once = await directory.create_invitation(facility_id=facility.id, role="staff", max_uses=1)
    await world.desk.register(OTHER_STAFF, OTHER_STAFF, once.code)
    expired = await directory.create_invitation(facility_id=facility.id, role="staff")
    async with world.sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == expired.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        await session.commit()
    revoked = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.revoke_invitation(revoked.code)

    cases = {
        "ZZZZZZZZZZ": "n’est pas valable",
        "x" * 200: "n’est pas valable",
        once.code: "déjà servi",
        expired.code: "a expiré",
        revoked.code: "a été désactivé",
    }
    for code, expected in cases.items():
        reply = await world.desk.register(STRANGER, STRANGER, code)
        text = plain(reply)
        assert expected in text, code
        assert "Pour obtenir un nouveau lien" in text
        assert [m.buttons for m in reply.messages] == [()]
    assert await directory.person_by_sender(sender(STRANGER)) is None
    uses = {i.code: i.uses for i in await directory.list_invitations(facility.id)}
    assert (uses[once.code], uses[expired.code], uses[revoked.code]) == (1, 0, 0)


async def test_technician_invitation(world: World) -> None:
    invitation = await world.directory.create_invitation(facility_id=None, role="technician")
    reply = await world.desk.register(202, 202, invitation.code)
    assert "/tickets" in plain(reply) and "/ticket VIG-" in plain(reply)
    person = await world.directory.person_by_sender(sender(202))
    assert person is not None and person.role == "technician"


async def test_commands_are_for_technicians_only(world: World) -> None:
    view = await world.new_ticket()
    for user in (STAFF, STRANGER):
        assert plain(await world.desk.list_tickets(user)) == ticket_desk_texts.TECHNICIANS_ONLY
        assert (
            plain(await world.desk.show_ticket(user, view.reference))
            == ticket_desk_texts.TECHNICIANS_ONLY
        )
        for action in ("take", "reply", "ask", "resolve", "show"):
            reply = await world.desk.callback(user, user, f"v:{action}:{view.id}")
            assert reply.toast == ticket_desk_texts.TECHNICIANS_ONLY and not reply.messages
        assert await world.desk.text(user, user, "un texte") is None  # goes to Rasa
    await world.directory.remove_technician("Paul")
    assert plain(await world.desk.list_tickets(TECH)) == ticket_desk_texts.TECHNICIANS_ONLY
    unchanged = await world.tickets.get(view.id)
    assert unchanged is not None and unchanged.status == "new"


async def test_list_and_show(world: World) -> None:
    assert plain(await world.desk.list_tickets(TECH)) == ticket_desk_texts.NO_OPEN_TICKETS
    view = await world.new_ticket()
    [listing] = (await world.desk.list_tickets(TECH)).messages
    assert view.reference in listing.plain_text()
    assert payloads(listing) == [f"v:show:{view.id}"]
    assert listing.buttons[0].title.startswith(view.reference)

    [card] = (await world.desk.show_ticket(TECH, view.reference.lower())).messages
    assert "<rien>" in card.plain_text() and "&lt;rien&gt;" in card.html
    assert "Historique" in card.plain_text()
    assert payloads(card) == [f"v:{a}:{view.id}" for a in ("take", "reply", "ask", "resolve")]
    shown = await world.desk.callback(TECH, TECH, f"v:show:{view.id}")
    assert shown.messages[0].html == card.html
    assert "VIG-2026-99999" in plain(await world.desk.show_ticket(TECH, "VIG-2026-99999"))
    assert plain(await world.desk.show_ticket(TECH, " ")) == texts.fill(
        ticket_desk_texts.TICKET_USAGE, {}
    )
    missing = await world.desk.callback(TECH, TECH, "v:take:99999")
    assert missing.toast == ticket_desk_texts.TICKET_NOT_FOUND


async def test_lifecycle_through_the_desk(world: World) -> None:
    view = await world.new_ticket()
    [notice] = world.transport.to(TECH)
    assert payloads(notice)[0] == f"v:take:{view.id}"

    taken = await world.desk.callback(TECH, TECH, f"v:take:{view.id}")
    assert view.reference in plain(taken)
    await world.flush()
    assert "prise en charge par Paul" in world.transport.to(STAFF)[-1].plain_text()

    asked = await world.desk.callback(TECH, TECH, f"v:ask:{view.id}")
    assert "précision" in plain(asked)
    sent = await world.desk.text(TECH, TECH, "  Quel est le modèle de l’imprimante ?  ")
    assert plain(sent).startswith("Question envoyée au demandeur de " + view.reference)
    await world.flush()
    question = world.transport.to(STAFF)[-1]
    assert "Quel est le modèle de l’imprimante ?" in question.plain_text()
    assert payloads(question) == ['/add_info{"ticket_ref":"' + view.reference + '"}']
    current = await world.tickets.get(view.id)
    assert current is not None and current.status == "waiting"
    assert await world.desk.text(TECH, TECH, "plus rien en attente") is None

    await world.desk.callback(TECH, TECH, f"v:reply:{view.id}")
    replied = await world.desk.text(TECH, TECH, "Redémarrez-la, le mot de passe est Soleil2024!")
    assert plain(replied).startswith("Réponse envoyée au demandeur de " + view.reference)
    assert "ressemblait à un mot de passe" in plain(replied)
    await world.flush()
    received = world.transport.to(STAFF)[-1].plain_text()
    assert "Redémarrez-la" in received and "Soleil2024" not in received

    resolved = await world.desk.callback(TECH, TECH, f"v:resolve:{view.id}")
    assert "résolu" in plain(resolved)
    await world.flush()
    question = world.transport.to(STAFF)[-1]
    assert "Est-ce réglé" in question.plain_text()
    assert payloads(question) == [f"v:fixed:{view.id}", f"v:notfixed:{view.id}"]

    # Someone else answering gets a polite refusal and learns nothing; nothing changes.
    for user in (OTHER_STAFF, STRANGER, TECH):
        refused = await world.desk.callback(user, user, f"v:fixed:{view.id}")
        assert refused.toast == ticket_desk_texts.STAFF_REFUSED and not refused.messages
    refused = await world.desk.callback(STAFF, STAFF, "v:fixed:99999")
    assert refused.toast == ticket_desk_texts.STAFF_REFUSED

    told = len(world.transport.to(TECH))
    reopened = await world.desk.callback(STAFF, STAFF, f"v:notfixed:{view.id}")
    assert reopened.close_buttons and "rouverte" in plain(reopened)
    await world.flush()
    assert len(world.transport.to(TECH)) == told + 1
    assert "rouverte" in world.transport.to(TECH)[-1].plain_text()

    await world.desk.callback(TECH, TECH, f"v:resolve:{view.id}")
    fixed = await world.desk.callback(STAFF, STAFF, f"v:fixed:{view.id}")
    assert "clôturée" in plain(fixed) and fixed.close_buttons
    closed = await world.tickets.get(view.id)
    assert closed is not None and closed.status == "closed"
    late = await world.desk.callback(TECH, TECH, f"v:take:{view.id}")
    assert "changé d’état" in plain(late)
    [card] = (await world.desk.show_ticket(TECH, view.reference)).messages
    assert card.buttons == ()


async def test_pending_reply_cancel_expiry_and_limits(world: World) -> None:
    view = await world.new_ticket()
    assert await world.desk.cancel(TECH, TECH) is None  # nothing pending: Rasa gets it
    await world.desk.callback(TECH, TECH, f"v:reply:{view.id}")
    cancelled = await world.desk.cancel(TECH, TECH)
    assert "rien n’a été envoyé" in plain(cancelled)
    assert await world.desk.text(TECH, TECH, "bonjour") is None

    await world.desk.callback(TECH, TECH, f"v:reply:{view.id}")
    too_long = await world.desk.text(TECH, TECH, "x" * 2001)
    assert "trop long" in plain(too_long)
    # Still waiting for the reply; in another chat (a group) the same person is not.
    assert await world.desk.text(-500, TECH, "dans le groupe") is None
    world.clock.advance(PENDING_REPLY_SECONDS - 1)  # a second left: still awaited
    assert "trop long" in plain(await world.desk.text(TECH, TECH, "x" * 2001))
    world.clock.advance(1)  # the reply is no longer awaited
    assert await world.desk.text(TECH, TECH, "trop tard") is None
    events = [e.kind for e in await world.tickets.timeline(view.id)]
    assert events == ["created"]


async def test_reply_still_awaited_when_it_could_not_be_saved(world: World) -> None:
    """A database error while saving the reply: the technician can simply send it again."""
    desk = Desk(
        directory=world.directory,
        tickets=world.tickets,
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        dispatcher=world.dispatcher,
        sender_of=sender,
    )  # its own desk, on the real clock, with the default 15-minute wait
    view = await world.new_ticket()
    await desk.callback(TECH, TECH, f"v:reply:{view.id}")

    async def rename(old: str, new: str) -> None:
        async with world.sessionmaker() as session:
            await session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
            await session.commit()

    await rename("ticket_events", "ticket_events_away")
    try:
        with pytest.raises(SQLAlchemyError):
            await desk.text(TECH, TECH, "Je passe à 14 h.")
    finally:
        await rename("ticket_events_away", "ticket_events")
    unchanged = await world.tickets.get(view.id)
    assert unchanged is not None and unchanged.last_technician_message is None

    sent = await desk.text(TECH, TECH, "Je passe à 14 h.")
    assert plain(sent).startswith("Réponse envoyée au demandeur de " + view.reference)
    assert [e.kind for e in await world.tickets.timeline(view.id)] == [
        "created",
        "technician_message",
    ]
    await world.flush()
    assert "Je passe à 14 h." in world.transport.to(STAFF)[-1].plain_text()
    assert await desk.text(TECH, TECH, "et ensuite") is None  # nothing awaited any more

    # Refused for good (no longer a technician): the reply is dropped, not awaited again.
    await desk.callback(TECH, TECH, f"v:reply:{view.id}")
    await world.directory.remove_technician("Paul")
    assert plain(await desk.text(TECH, TECH, "Encore moi")) == ticket_desk_texts.TECHNICIANS_ONLY
    assert await desk.text(TECH, TECH, "Encore moi") is None


async def test_a_removed_technician_is_told_their_access_was_withdrawn(world: World) -> None:
    code = await world.directory.create_invitation(facility_id=None, role="technician")
    await world.directory.remove_technician("Paul")
    for attempt in (code.code, world.code):
        reply = await world.desk.register(TECH, TECH, attempt)
        assert plain(reply) == people_texts.INVITATION_ERRORS["removed"]
    assert plain(await world.desk.list_tickets(TECH)) == ticket_desk_texts.TECHNICIANS_ONLY
    [stored] = [i for i in await world.directory.list_invitations() if i.code == code.code]
    assert stored.uses == 0


async def test_the_reply_reaches_the_ticket_through_another_process(world: World) -> None:
    """Several bot processes: « Répondre » pressed on one, the reply typed reaches another;
    the awaited reply is in the database, not in a process's memory."""
    other = Desk(
        directory=world.directory,
        tickets=world.tickets,
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        dispatcher=world.dispatcher,
        sender_of=sender,
        clock=world.clock,
    )
    view = await world.new_ticket()
    await world.desk.callback(TECH, TECH, f"v:reply:{view.id}")
    sent = await other.text(TECH, TECH, "Je passe à 15 h.")
    assert plain(sent).startswith("Réponse envoyée au demandeur de " + view.reference)
    assert await world.desk.text(TECH, TECH, "encore") is None  # answered once, by one
    # A newer press on one process is not dropped by an older reply handled elsewhere.
    await world.desk.callback(TECH, TECH, f"v:ask:{view.id}")
    assert "rien n’a été envoyé" in plain(await other.cancel(TECH, TECH))
    assert await world.desk.cancel(TECH, TECH) is None
