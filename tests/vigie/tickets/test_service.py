"""Tickets: lifecycle, timeline, outbox rows, idempotency, numbering — SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.settings import Settings
from vigie.outbox.models import OutboxMessage
from vigie.people.directory import Directory, PersonView
from vigie.tickets.models import Ticket, TicketEvent
from vigie.tickets.service import TicketError, TicketService, derive_urgency, draft_urgency
from vigie.tickets.views import TicketDraft

STAFF_CHAT = 1001
OTHER_CHAT = 1002
PAUL_CHAT = 2001
ZOE_CHAT = 2002
GROUP_CHAT = -1009876543210
HELPDESK = "support@prestataire.example"

DRAFT = TicketDraft(
    problem="Le logiciel de soins <Netsoins> ne démarre plus & affiche une erreur",
    device="care_software",
    scope="service",
    care_impact="degraded",
)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "pseudonym_secret": "test-secret",
        "technicians_chat_id": None,
        "smtp_host": None,
        "helpdesk_mail_to": None,
        "mail_from": "vigie@ehpad.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    directory: Directory
    staff: PersonView
    other_staff: PersonView
    facility_id: int


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    directory = Directory(sessionmaker)
    facility = await directory.create_facility(
        "EHPAD Les Tilleuls", "Rodez", finess="120000123", hours="lun-ven 08:30-18:00"
    )
    other = await directory.create_facility("EHPAD Les Chênes", "Millau")
    code = await directory.create_invitation(facility_id=facility.id, role="staff")
    other_code = await directory.create_invitation(facility_id=other.id, role="staff")
    await directory.redeem_invitation(
        code.code, channel="telegram", chat_id=STAFF_CHAT, sender="u-anne"
    )
    staff = await directory.set_job("u-anne", "care")
    await directory.redeem_invitation(
        other_code.code, channel="telegram", chat_id=OTHER_CHAT, sender="u-bob"
    )
    other_staff = await directory.set_job("u-bob", "admin")
    await directory.add_technician(name="Paul", chat_id=PAUL_CHAT, sender="u-paul")
    await directory.add_technician(name="Zoé", chat_id=ZOE_CHAT, sender="u-zoe")
    return World(sessionmaker, directory, staff, other_staff, facility.id)


async def outbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], after_id: int = 0
) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)
        )
        return list(rows)


async def last_outbox_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0)


def telegram_to(rows: list[OutboxMessage]) -> dict[str, dict[str, Any]]:
    return {r.destination: r.payload for r in rows if r.channel == "telegram"}


@pytest.mark.parametrize(
    ("device", "scope", "care", "expected"),
    [
        ("printer", "me", "no", "high"),
        ("printer", "facility", "no", "critical"),
        ("workstation", "me", "degraded", "normal"),
        ("workstation", "service", "degraded", "high"),
        ("workstation", "facility", "degraded", "high"),
        ("printer", "facility", "yes", "normal"),
        ("care_software", "service", "yes", "normal"),
        ("network", "service", "yes", "normal"),
        ("network", "me", "yes", "low"),
        ("printer", "service", "yes", "low"),
    ],
)
def test_derive_urgency(device: str, scope: str, care: str, expected: str) -> None:
    assert derive_urgency(device, scope, care) == expected


async def test_create_writes_ticket_event_and_notifications(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    view, created = await service.create("u-anne", DRAFT, idempotency_key="k1")
    assert created
    year = datetime.now(UTC).year
    assert view.reference == f"VIG-{year}-00001"
    assert (view.status, view.urgency, view.requester_job) == ("new", "high", "care")
    assert (view.facility_name, view.facility_town, view.facility_finess) == (
        "EHPAD Les Tilleuls",
        "Rodez",
        "120000123",
    )
    assert view.assignee_name is None and view.last_technician_message is None

    rows = await outbox_rows(world.sessionmaker)
    # One private message per active technician; no e-mail (mail disabled).
    assert [(r.channel, r.destination) for r in rows] == [
        ("telegram", str(PAUL_CHAT)),
        ("telegram", str(ZOE_CHAT)),
    ]
    payload = rows[0].payload
    assert rows[0].ticket_id == view.id and rows[0].status == "pending"
    assert view.reference in payload["html"]
    assert "&lt;Netsoins&gt;" in payload["html"] and "<Netsoins>" not in payload["html"]
    assert "soins" in payload["html"] and "u-anne" not in payload["html"]
    assert [b["payload"] for b in payload["buttons"]] == [
        f"v:take:{view.id}",
        f"v:reply:{view.id}",
        f"v:ask:{view.id}",
        f"v:resolve:{view.id}",
    ]
    events = await service.timeline(view.id)
    assert [(e.kind, e.actor_kind, e.actor_label) for e in events] == [
        ("created", "staff", "Demandeur (soins)")
    ]

    second, created = await service.create(
        "u-anne",
        TicketDraft("Imprimante HS", "printer", "me", "yes", urgency="normal"),
        idempotency_key="k2",
    )
    assert created and second.reference == f"VIG-{year}-00002"
    assert second.urgency == "normal"
    async with world.sessionmaker() as session:
        stored = await session.get(Ticket, second.id)
        assert stored is not None and stored.urgency_derived == "low"


async def test_create_is_idempotent(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    first, created = await service.create("u-anne", DRAFT, idempotency_key="same")
    again, created_again = await service.create("u-anne", DRAFT, idempotency_key="same")
    assert created and not created_again
    assert again.id == first.id and again.reference == first.reference
    assert len(await outbox_rows(world.sessionmaker)) == 2  # not notified twice
    async with world.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_concurrent_creates_get_distinct_references(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    results = await asyncio.gather(
        *(service.create("u-anne", DRAFT, idempotency_key=f"c{n}") for n in range(10)),
        *(service.create("u-anne", DRAFT, idempotency_key="dup") for _ in range(4)),
    )
    references = {view.reference for view, _ in results}
    assert len(references) == 11
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, 12))
    dup = [created for view, created in results[10:]]
    assert dup.count(True) == 1
    async with world.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 11
        events = await session.scalar(select(func.count()).select_from(TicketEvent))
        assert events == 11


async def test_unregistered_sender_cannot_create(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    with pytest.raises(TicketError) as caught:
        await service.create("u-stranger", DRAFT, idempotency_key="x")
    assert caught.value.code == "not_registered"
    # A technician has no facility: not registered as a requester either.
    with pytest.raises(TicketError) as caught:
        await service.create("u-paul", DRAFT, idempotency_key="y")
    assert caught.value.code == "not_registered"
    with pytest.raises(ValueError):
        await service.create(
            "u-anne", TicketDraft("x", "toaster", "me", "yes"), idempotency_key="z"
        )
    assert await outbox_rows(world.sessionmaker) == []


async def test_full_lifecycle(world: World) -> None:
    sm = world.sessionmaker
    service = TicketService(sm, make_settings())
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="life")

    mark = await last_outbox_id(sm)
    taken = await service.take("u-paul", view.id)
    assert (taken.status, taken.assignee_name) == ("in_progress", "Paul")
    rows = await outbox_rows(sm, mark)
    assert [(r.channel, r.destination) for r in rows] == [("telegram", str(STAFF_CHAT))]
    assert "prise en charge par Paul, technicien" in rows[0].payload["html"]
    # Pressing the button twice changes nothing and notifies nobody.
    again = await service.take("u-paul", view.id)
    assert again == taken
    assert len(await outbox_rows(sm, mark)) == 1
    assert [e.kind for e in await service.timeline(view.id)] == ["created", "taken"]

    mark = await last_outbox_id(sm)
    asked = await service.technician_message(
        "u-paul", view.id, "Quel message d'erreur <exact> ?", ask=True
    )
    assert asked.status == "waiting"
    assert asked.last_technician_message == "Quel message d'erreur <exact> ?"
    [row] = await outbox_rows(sm, mark)
    assert row.destination == str(STAFF_CHAT)
    assert "&lt;exact&gt;" in row.payload["html"]
    assert "besoin d’une précision" in row.payload["html"]
    assert row.payload["buttons"] == [
        {
            "title": "Ajouter une information",
            "payload": '/add_info{"ticket_ref":"' + view.reference + '"}',
        }
    ]

    mark = await last_outbox_id(sm)
    informed = await service.add_info("u-anne", view.reference.lower(), "Erreur 42 au démarrage")
    assert informed.status == "in_progress"
    rows = await outbox_rows(sm, mark)
    # Assigned ticket, no group chat: only the assignee hears about it.
    assert [(r.channel, r.destination) for r in rows] == [("telegram", str(PAUL_CHAT))]
    assert "Nouvelle information sur" in rows[0].payload["html"]
    assert "Erreur 42" in rows[0].payload["html"]

    mark = await last_outbox_id(sm)
    replied = await service.technician_message("u-paul", view.id, "Je redémarre le serveur.")
    assert replied.status == "in_progress"
    assert replied.last_technician_message == "Je redémarre le serveur."

    resolved = await service.resolve("u-paul", view.id)
    assert resolved.status == "resolved"
    rows = await outbox_rows(sm, mark)
    assert [r.destination for r in rows] == [str(STAFF_CHAT)] * 2
    assert "Est-ce réglé" in rows[1].payload["html"]
    assert [b["payload"] for b in rows[1].payload["buttons"]] == [
        f"v:fixed:{view.id}",
        f"v:notfixed:{view.id}",
    ]
    # Still shown to the requester until confirmed; gone from the technicians' list.
    assert [v.id for v in await service.open_for_requester("u-anne")] == [view.id]
    assert await service.list_open() == []

    mark = await last_outbox_id(sm)
    reopened = await service.reopen("u-anne", view.id)
    assert reopened.status == "reopened"
    rows = await outbox_rows(sm, mark)
    assert [r.destination for r in rows] == [str(PAUL_CHAT)]
    assert "rouverte" in rows[0].payload["html"]
    assert [v.id for v in await service.list_open()] == [view.id]

    await service.resolve("u-paul", view.id)
    mark = await last_outbox_id(sm)
    closed = await service.confirm_fixed("u-anne", view.id)
    assert closed.status == "closed"
    rows = await outbox_rows(sm, mark)
    assert [r.destination for r in rows] == [str(PAUL_CHAT)]
    assert "clôturée" in rows[0].payload["html"]
    assert await service.open_for_requester("u-anne") == []
    # Confirming twice is harmless; a closed ticket accepts no more changes.
    assert (await service.confirm_fixed("u-anne", view.id)).status == "closed"
    for action in (
        service.take("u-paul", view.id),
        service.resolve("u-paul", view.id),
        service.reopen("u-anne", view.id),
        service.add_info("u-anne", view.reference, "encore"),
    ):
        with pytest.raises(TicketError) as caught:
            await action
        assert caught.value.code == "bad_state"

    events = await service.timeline(view.id)
    assert [e.kind for e in events] == [
        "created",
        "taken",
        "info_requested",
        "staff_info",
        "technician_message",
        "resolved",
        "reopened",
        "resolved",
        "confirmed",
    ]
    assert events[1].actor_label == "Paul (technicien)"
    assert events[3].actor_label == "Demandeur (soins)"
    assert events[3].text == "Erreur 42 au démarrage"
    async with sm() as session:
        stored = await session.get(Ticket, view.id)
        assert stored is not None and stored.closed_at is not None
        assert stored.resolved_at is not None


async def test_group_chat_receives_technician_notifications(world: World) -> None:
    sm = world.sessionmaker
    service = TicketService(sm, make_settings(technicians_chat_id=GROUP_CHAT))
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="g")
    await service.take("u-zoe", view.id)
    mark = await last_outbox_id(sm)
    await service.add_info("u-anne", view.reference, "précision")
    rows = await outbox_rows(sm)
    assert rows[0].destination == str(GROUP_CHAT)
    assert [r.destination for r in await outbox_rows(sm, mark)] == [str(GROUP_CHAT)]


async def test_unassigned_follow_up_goes_to_every_active_technician(world: World) -> None:
    sm = world.sessionmaker
    service = TicketService(sm, make_settings())
    await world.directory.remove_technician("Zoé")
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="u")
    assert [r.destination for r in await outbox_rows(sm)] == [str(PAUL_CHAT)]
    await world.directory.add_technician(name="Zoé", chat_id=ZOE_CHAT, sender="u-zoe")
    mark = await last_outbox_id(sm)
    await service.add_info("u-anne", view.reference, "précision")
    assert [r.destination for r in await outbox_rows(sm, mark)] == [
        str(PAUL_CHAT),
        str(ZOE_CHAT),
    ]


async def test_other_peoples_tickets_are_not_found(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="mine")
    assert await service.for_requester("u-anne", view.reference) is not None
    assert await service.for_requester("u-bob", view.reference) is None
    assert await service.for_requester("u-anne", "VIG-1999-00001") is None
    assert await service.for_requester("u-anne", "n'importe quoi") is None
    assert await service.open_for_requester("u-bob") == []
    mark = await last_outbox_id(world.sessionmaker)
    for action in (
        service.add_info("u-bob", view.reference, "je m'en mêle"),
        service.confirm_fixed("u-bob", view.id),
        service.reopen("u-bob", view.id),
        service.add_info("u-anne", "VIG-2026-99999", "inconnu"),
    ):
        with pytest.raises(TicketError) as caught:
            await action
        assert caught.value.code == "not_found"
    with pytest.raises(TicketError) as caught:
        await service.add_info("u-stranger", view.reference, "x")
    assert caught.value.code == "not_registered"
    assert await outbox_rows(world.sessionmaker, mark) == []
    assert [e.kind for e in await service.timeline(view.id)] == ["created"]


async def test_technician_actions_need_an_active_technician(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="t")
    await world.directory.remove_technician("Zoé")
    for sender in ("u-anne", "u-bob", "u-stranger", "u-zoe"):
        for action in (
            service.take(sender, view.id),
            service.technician_message(sender, view.id, "bonjour"),
            service.resolve(sender, view.id),
        ):
            with pytest.raises(TicketError) as caught:
                await action
            assert caught.value.code == "not_allowed"
    assert not await world.directory.is_technician("u-anne")
    assert not await world.directory.is_technician("u-zoe")
    assert await world.directory.is_technician("u-paul")
    with pytest.raises(TicketError) as caught:
        await service.take("u-paul", view.id + 1000)
    assert caught.value.code == "not_found"
    stored = await service.get(view.id)
    assert stored is not None and stored.status == "new" and stored.assignee_name is None


async def test_list_open_orders_by_urgency_then_age(world: World) -> None:
    service = TicketService(world.sessionmaker, make_settings())
    low, _ = await service.create(
        "u-anne", TicketDraft("a", "printer", "me", "yes"), idempotency_key="1"
    )
    high1, _ = await service.create("u-anne", DRAFT, idempotency_key="2")
    critical, _ = await service.create(
        "u-bob", TicketDraft("b", "network", "facility", "no"), idempotency_key="3"
    )
    high2, _ = await service.create("u-bob", DRAFT, idempotency_key="4")
    normal, _ = await service.create(
        "u-anne", TicketDraft("c", "printer", "me", "yes", urgency="normal"), idempotency_key="5"
    )
    done, _ = await service.create("u-anne", DRAFT, idempotency_key="6")
    await service.resolve("u-paul", done.id)
    assert [v.id for v in await service.list_open()] == [
        critical.id,
        high1.id,
        high2.id,
        normal.id,
        low.id,
    ]
    mine = await service.open_for_requester("u-anne")
    assert [v.id for v in mine] == [done.id, normal.id, high1.id, low.id]
    assert [v.id for v in await service.list_tickets(facility_id=world.facility_id)] == [
        done.id,
        normal.id,
        high1.id,
        low.id,
    ]
    assert [v.id for v in await service.list_tickets(status="resolved")] == [done.id]
    assert (await service.get(critical.reference.lower())) == (await service.get(critical.id))
    assert await service.get("VIG-2000-00001") is None
    assert await service.get(str(critical.id)) is not None


async def test_mail_rows_only_when_mail_is_enabled(world: World) -> None:
    sm = world.sessionmaker
    # Only one of the two settings: mail stays disabled.
    half = TicketService(sm, make_settings(smtp_host="127.0.0.1"))
    await half.create("u-anne", DRAFT, idempotency_key="half")
    assert all(r.channel == "telegram" for r in await outbox_rows(sm))

    mark = await last_outbox_id(sm)
    service = TicketService(sm, make_settings(smtp_host="127.0.0.1", helpdesk_mail_to=HELPDESK))
    view, _ = await service.create("u-anne", DRAFT, idempotency_key="mail")
    rows = await outbox_rows(sm, mark)
    assert [r.channel for r in rows] == ["telegram", "telegram", "email"]
    mail = rows[2]
    assert mail.destination == HELPDESK and mail.ticket_id == view.id
    payload = mail.payload
    first_id = f"<{view.reference}@ehpad.example>"
    assert payload["subject"] == (
        f"[{view.reference}] logiciel de soins – EHPAD Les Tilleuls (urgence haute)"
    )
    assert payload["message_id"] == first_id
    assert payload["in_reply_to"] is None and payload["references"] == []
    body = payload["body"]
    for expected in (
        view.reference,
        "EHPAD Les Tilleuls",
        "Rodez",
        "120000123",
        "soins",
        "logiciel de soins",
        "son service",
        "avec difficulté",
        "haute",
        "reçue",
        "<Netsoins>",  # plain text: not escaped
        "Europe/Paris",
    ):
        assert expected in body, expected

    # Every event is told to the helpdesk too, threaded under the first e-mail.
    mark = await last_outbox_id(sm)
    await service.take("u-paul", view.id)
    await service.technician_message("u-paul", view.id, "Quel <message> exact ?", ask=True)
    await service.add_info("u-anne", view.reference, "Erreur 42")
    await service.technician_message("u-zoe", view.id, "Je redémarre le serveur.")
    await service.resolve("u-paul", view.id)
    await service.reopen("u-anne", view.id)
    await service.resolve("u-paul", view.id)
    await service.confirm_fixed("u-anne", view.id)
    rows = await outbox_rows(sm, mark)
    mails = [r for r in rows if r.channel == "email"]
    expected = [
        ("Paul (technicien) a pris la demande en charge.", "prise en charge"),
        (
            "Paul (technicien) a demandé une précision au demandeur\u00a0:",
            "en attente du demandeur",
        ),
        ("Le demandeur a ajouté une information\u00a0:", "prise en charge"),
        ("Zoé (technicien) a répondu au demandeur\u00a0:", "prise en charge"),
        (
            "Paul (technicien) a indiqué que la demande est résolue",
            "résolue, confirmation attendue",
        ),
        ("problème n’est pas réglé\u00a0: demande rouverte.", "rouverte"),
        (
            "Paul (technicien) a indiqué que la demande est résolue",
            "résolue, confirmation attendue",
        ),
        ("a confirmé que le problème est réglé\u00a0: demande clôturée.", "clôturée"),
    ]
    assert len(mails) == len(expected)
    for mail, (title, status) in zip(mails, expected, strict=True):
        assert mail.destination == HELPDESK and mail.ticket_id == view.id
        assert mail.payload["subject"].startswith(f"Re: [{view.reference}] logiciel de soins")
        assert mail.payload["in_reply_to"] == first_id
        assert mail.payload["references"] == [first_id]
        head, fields = mail.payload["body"].split("Référence", 1)
        assert title in head, (title, head)
        assert f"Statut\u00a0: {status}\n" in fields, (status, fields)
        assert view.reference in fields
    message_ids = [m.payload["message_id"] for m in mails]
    assert len(set(message_ids)) == len(mails) and first_id not in message_ids
    heads = [m.payload["body"].split("Référence")[0] for m in mails]
    assert "Quel <message> exact ?" in heads[1]  # plain text, as written (already redacted)
    assert "Erreur 42" in heads[2]
    assert "Je redémarre le serveur." in heads[3]
    # Each e-mail is written with the Telegram notification of the same change, after it.
    assert [r.channel for r in rows] == ["telegram", "email"] * len(mails)


async def test_change_and_notifications_are_one_transaction(world: World) -> None:
    """A failing notification rolls the ticket change back (nothing half-written)."""
    sm = world.sessionmaker
    service = TicketService(
        sm, make_settings(smtp_host="127.0.0.1", helpdesk_mail_to="x@" + "a" * 330)
    )
    with pytest.raises(ValueError, match="destination"):
        await service.create("u-anne", DRAFT, idempotency_key="atomic")
    async with sm() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert await session.scalar(select(func.count()).select_from(TicketEvent)) == 0
    assert await outbox_rows(sm) == []


async def test_a_terminal_requester_is_notified_in_the_terminal(world: World) -> None:
    """Rows for staff follow their channel (the local terminal chat of ``make run``);
    technicians' rows stay Telegram, the helpdesk's stay e-mail."""
    sm = world.sessionmaker
    code = await world.directory.create_invitation(facility_id=world.facility_id, role="staff")
    await world.directory.redeem_invitation(
        code.code, channel="terminal", chat_id=1, sender="u-terminal"
    )
    # A technician known only on another channel is never sent Telegram messages.
    await world.directory.add_technician(name="Léa", chat_id=7, sender="u-lea", channel="terminal")
    service = TicketService(sm, make_settings(smtp_host="127.0.0.1", helpdesk_mail_to=HELPDESK))
    view, _ = await service.create("u-terminal", DRAFT, idempotency_key="terminal")
    rows = await outbox_rows(sm)
    assert [(r.channel, r.destination) for r in rows] == [
        ("telegram", str(PAUL_CHAT)),
        ("telegram", str(ZOE_CHAT)),
        ("email", HELPDESK),
    ]

    mark = await last_outbox_id(sm)
    await service.take("u-paul", view.id)
    await service.technician_message("u-paul", view.id, "Je regarde.")
    await service.resolve("u-paul", view.id)
    rows = await outbox_rows(sm, mark)
    assert [(r.channel, r.destination) for r in rows] == [
        ("terminal", "1"),
        ("email", HELPDESK),
    ] * 3
    assert "Est-ce réglé" in rows[-2].payload["html"]

    mark = await last_outbox_id(sm)
    await service.reopen("u-terminal", view.id)
    rows = await outbox_rows(sm, mark)
    assert [(r.channel, r.destination) for r in rows] == [
        ("telegram", str(PAUL_CHAT)),
        ("email", HELPDESK),
    ]


async def test_a_ticket_nobody_is_notified_of_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    sm = world.sessionmaker
    await world.directory.remove_technician("Paul")
    await world.directory.remove_technician("Zoé")
    caplog.set_level(logging.INFO, logger="vigie.tickets.service")
    view, _ = await TicketService(sm, make_settings()).create("u-anne", DRAFT, idempotency_key="a")
    assert await outbox_rows(sm) == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = warning.getMessage()
    assert view.reference in message and "TECHNICIANS_CHAT_ID" in message
    assert "Netsoins" not in message and "u-anne" not in message

    # With the technicians' group configured, the group is told: no warning.
    caplog.clear()
    group = TicketService(sm, make_settings(technicians_chat_id=GROUP_CHAT))
    await group.create("u-anne", DRAFT, idempotency_key="b")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_purge_closed_before_deletes_old_closed_tickets_and_their_events(
    world: World,
) -> None:
    sm = world.sessionmaker
    service = TicketService(sm, make_settings(smtp_host="127.0.0.1", helpdesk_mail_to=HELPDESK))

    async def closed(key: str) -> int:
        view, _ = await service.create("u-anne", DRAFT, idempotency_key=key)
        await service.resolve("u-paul", view.id)
        await service.confirm_fixed("u-anne", view.id)
        return view.id

    old, recent = await closed("old"), await closed("recent")
    old_unconfirmed, _ = await service.create("u-anne", DRAFT, idempotency_key="resolved")
    await service.resolve("u-paul", old_unconfirmed.id)
    still_open, _ = await service.create("u-bob", DRAFT, idempotency_key="open")
    long_ago = datetime.now(UTC) - timedelta(days=400)
    async with sm() as session:
        for ticket_id in (old, old_unconfirmed.id, still_open.id):
            ticket = await session.get(Ticket, ticket_id)
            assert ticket is not None
            ticket.created_at = ticket.updated_at = long_ago
            if ticket.status == "closed":
                ticket.closed_at = long_ago
            else:
                ticket.resolved_at = long_ago if ticket.status == "resolved" else None
        await session.commit()
    old_rows = [r.id for r in await outbox_rows(sm) if r.ticket_id == old]
    assert old_rows

    before = datetime.now(UTC) - timedelta(days=365)
    assert await service.purge_closed_before(before) == 1
    assert await service.get(old) is None
    async with sm() as session:
        events = await session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == old)
        )
        assert events == 0
    # Its outbox rows stay (the outbox has its own retention), without the link.
    kept = {r.id: r for r in await outbox_rows(sm)}
    assert all(kept[row_id].ticket_id is None for row_id in old_rows)
    for ticket_id in (recent, old_unconfirmed.id, still_open.id):
        assert await service.get(ticket_id) is not None
        assert await service.timeline(ticket_id)
    assert await service.purge_closed_before(before) == 0
    assert await service.purge_closed_before(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert await service.get(recent) is None


def test_the_summary_urgency_is_the_chosen_one_else_the_derived_one() -> None:
    draft = TicketDraft("L'imprimante", "printer", "facility", "no")
    assert draft_urgency(draft) == derive_urgency("printer", "facility", "no") == "critical"
    assert draft_urgency(replace(draft, urgency="low")) == "low"
