"""The technicians' side of suspicious e-mail reports, on a real database (SQLite and
PostgreSQL) with real reports: verdict buttons, the staff warning, ``/campagnes``.

Reports are built from the test corpus with the real analyser and the real PhishingService;
what the domain queues goes through the real outbox and dispatcher to a recording transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.paths import EMAILS
from vigie.conversation import texts
from vigie.core.desk import DeskReply
from vigie.core.messages import OutgoingMessage
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.outbox.dispatcher import Dispatcher
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.mailcheck import Limits, analyse, trusted_domains
from vigie.phishing.service import PhishingService
from vigie.phishing.views import ReportView
from vigie.tickets import desk_texts as ticket_desk_texts
from vigie.tickets.desk import Desk
from vigie.tickets.service import TicketService

SECRET = b"phishdesk-test-secret"
PARCEL = EMAILS / "phishing" / "colis_chronopost_short.eml"
MAILBOX = EMAILS / "phishing" / "quota_outlook_mini.eml"
TECH, OTHER_TECH = 201, 202
# Three facilities: two staff and a referent in the first, one in the second, two in the third.
ANNE, BRUNO, CLARA, DAVID, EMMA, FARID = 101, 102, 103, 104, 105, 106
STRANGER = 301  # never registered


def sender(user_id: int) -> str:
    return pseudonymize(user_id, SECRET)


def eml(path: Path) -> bytes:
    return path.read_bytes()


class Transport:
    """Records what the dispatcher delivers (messages and documents)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, OutgoingMessage]] = []
        self.documents: list[tuple[int, str, bytes, OutgoingMessage]] = []

    async def deliver(self, chat_id: int, messages: Sequence[OutgoingMessage]) -> None:
        self.sent += [(chat_id, message) for message in messages]

    async def send_document(
        self, chat_id: int, filename: str, data: bytes, caption: OutgoingMessage
    ) -> None:
        self.documents.append((chat_id, filename, data, caption))

    def to(self, chat_id: int) -> list[str]:
        return [message.plain_text() for chat, message in self.sent if chat == chat_id]


@dataclass
class World:
    settings: Settings
    directory: Directory
    phishing: PhishingService
    dispatcher: Dispatcher
    transport: Transport
    desk: Desk

    async def flush(self) -> None:
        """What the running dispatcher does when kicked (twice: a batch's summary is queued
        once its last row went)."""
        await self.dispatcher.send_due()
        await self.dispatcher.send_due()

    async def report(
        self, user_id: int, path: Path = PARCEL, action: str = "clicked", data: bytes = b""
    ) -> ReportView:
        """``user_id`` reports the e-mail of ``path`` (or ``data``) and says what they did."""
        data = data or eml(path)
        analysis = analyse(
            data, trusted=trusted_domains(self.settings.mail_trusted_domains), limits=Limits()
        )
        view = await self.phishing.submit(
            sender=sender(user_id),
            channel="telegram",
            chat_id=user_id,
            data=data,
            source="eml",
            filename=path.name,
            analysis=analysis,
        )
        view = await self.phishing.record_action(sender(user_id), view.id, action)
        await self.flush()
        return view

    async def press(self, user_id: int, data: str, chat_id: int | None = None) -> DeskReply:
        return await self.desk.callback(user_id if chat_id is None else chat_id, user_id, data)


async def make_world(
    sessionmaker: async_sessionmaker[AsyncSession], *, people: bool = True, **overrides: object
) -> World:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, provider_name="Axion Santé Informatique", **overrides
    )
    directory = Directory(sessionmaker)
    phishing = PhishingService(sessionmaker, settings)
    transport = Transport()
    dispatcher = Dispatcher(Outbox(sessionmaker), transport, settings, phishing=phishing)
    desk = Desk(
        directory=directory,
        tickets=TicketService(sessionmaker, settings),
        settings=settings,
        dispatcher=dispatcher,
        sender_of=sender,
        phishing=phishing,
    )
    await directory.add_technician(name="Paul", chat_id=TECH, sender=sender(TECH))
    if people:
        members = {
            ("EHPAD Les Tilleuls", "Rennes"): [
                (ANNE, "staff"),
                (BRUNO, "staff"),
                (CLARA, "referent"),
            ],
            ("FAM L’Horizon", "Rodez"): [(DAVID, "staff")],
            ("EHPAD Les Mimosas", "Brest"): [(EMMA, "staff"), (FARID, "staff")],
        }
        for (name, town), persons in members.items():
            facility = await directory.create_facility(name, town)
            for user_id, role in persons:
                code = await directory.create_invitation(facility_id=facility.id, role=role)
                await directory.redeem_invitation(
                    code.code, channel="telegram", chat_id=user_id, sender=sender(user_id)
                )
    return World(settings, directory, phishing, dispatcher, transport, desk)


@pytest_asyncio.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[World]:
    world = await make_world(sessionmaker)
    yield world
    await world.dispatcher.aclose()


def plain(reply: DeskReply) -> str:
    return "\n".join(message.plain_text() for message in reply.messages)


def titles(message: OutgoingMessage) -> list[str]:
    return [button.title for button in message.buttons]


def payloads(message: OutgoingMessage) -> list[str]:
    return [button.payload for button in message.buttons]


async def test_a_verdict_tells_the_reporters_and_keeps_the_report_s_buttons(world: World) -> None:
    first = await world.report(ANNE)
    second = await world.report(DAVID)
    assert second.campaign_id == first.campaign_id
    campaign = first.campaign_id
    report_buttons = payloads(next(m for c, m in world.transport.sent if c == TECH and m.buttons))
    assert f"v:ph:v:{campaign}:p" in report_buttons and f"v:ph:w:{campaign}" in report_buttons

    reply = await world.press(TECH, f"v:ph:v:{campaign}:p")
    assert not reply.close_buttons  # « Prévenir le personnel » is still needed
    assert reply.toast == "Verdict enregistré\u00a0: hameçonnage. 2 personnes informées."
    assert f"Campagne n° {campaign} (" in plain(reply)
    assert "classée «\u00a0hameçonnage\u00a0» par Paul\u00a0: 2 personnes informées." in plain(
        reply
    )
    view = await world.phishing.campaign(campaign)
    assert view is not None and (view.verdict, view.verdict_by) == ("phishing", "Paul")

    await world.flush()
    for reporter in (ANNE, DAVID):
        [notice] = [t for t in world.transport.to(reporter) if "l’a examiné" in t]
        assert "Paul" in notice and "hameçonnage" in notice
    # Changed to spam: the reporters already told are not told again.
    reply = await world.press(TECH, f"v:ph:v:{campaign}:s")
    assert reply.toast == "Verdict enregistré\u00a0: spam. Aucune nouvelle personne à informer."
    await world.flush()
    assert len([t for t in world.transport.to(ANNE) if "l’a examiné" in t]) == 1


async def test_in_the_group_the_verdict_names_the_technician(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(sessionmaker, technicians_chat_id=-500)
    try:
        report = await world.report(ANNE)
        assert world.transport.to(-500)  # the report went to the group
        reply = await world.press(TECH, f"v:ph:v:{report.campaign_id}:l", chat_id=-500)
        assert "classée «\u00a0légitime\u00a0» par Paul\u00a0: 1 personne informée." in plain(reply)
        await world.flush()
        [notice] = [t for t in world.transport.to(ANNE) if "l’a examiné" in t]
        assert "mail légitime" in notice
    finally:
        await world.dispatcher.aclose()


async def test_buttons_are_refused_to_anyone_but_a_technician(world: World) -> None:
    report = await world.report(ANNE)
    campaign = report.campaign_id
    for data in (
        f"v:ph:v:{campaign}:p",
        f"v:ph:w:{campaign}",
        f"v:ph:ws:{campaign}:a",
        "v:ph:x",
    ):
        for user in (ANNE, STRANGER):
            reply = await world.press(user, data)
            assert reply.toast == ticket_desk_texts.TECHNICIANS_ONLY and not reply.messages, (
                user,
                data,
            )
        in_group = await world.press(ANNE, data, chat_id=-500)
        assert in_group.toast == ticket_desk_texts.TECHNICIANS_ONLY
    await world.directory.remove_technician("Paul")
    assert (
        await world.press(TECH, f"v:ph:v:{campaign}:p")
    ).toast == ticket_desk_texts.TECHNICIANS_ONLY
    view = await world.phishing.campaign(campaign)
    assert view is not None and (view.verdict, view.warned_at) == (None, None)
    await world.flush()
    assert not [t for t in world.transport.to(BRUNO) if "Alerte" in t]


async def test_bad_or_stale_buttons(world: World) -> None:
    report = await world.report(ANNE)
    campaign = report.campaign_id
    for data in (
        "v:ph:v:abc:p",
        f"v:ph:v:{campaign}:z",
        f"v:ph:v:{campaign}",
        f"v:ph:ws:{campaign}:q",
        "v:ph:zz:1",
        "v:ph:",
    ):
        reply = await world.press(TECH, data)
        assert reply.toast == texts.BUTTON_EXPIRED and not reply.messages, data
    for data in (f"v:ph:v:{campaign + 99}:p", f"v:ph:w:{campaign + 99}"):
        missing = await world.press(TECH, data)
        assert missing.toast == "Ce signalement ou cette campagne n’existe plus.", data


async def test_warning_the_staff_with_counts_then_the_summary(world: World) -> None:
    await world.report(ANNE)
    report = await world.report(DAVID)
    campaign = report.campaign_id
    choice = await world.press(TECH, f"v:ph:w:{campaign}")
    [question] = choice.messages
    assert "Prévenir le personnel du faux mail «\u00a0Livraison" in question.plain_text()
    assert titles(question) == [
        "Les 2 établissements concernés (4 personnes)",
        "Tous les établissements (6 personnes)",
        "Annuler",
    ]
    assert payloads(question) == [
        f"v:ph:ws:{campaign}:f",
        f"v:ph:ws:{campaign}:a",
        "v:ph:x",
    ]
    cancelled = await world.press(TECH, "v:ph:x")
    assert cancelled.close_buttons and cancelled.toast == "Alerte annulée."
    assert not cancelled.messages

    sent = await world.press(TECH, f"v:ph:ws:{campaign}:f")
    assert sent.close_buttons
    assert "Alerte en cours d’envoi à 4 personnes." in plain(sent)
    await world.flush()
    for user in (ANNE, BRUNO, CLARA, DAVID):
        [warning] = [m for c, m in world.transport.sent if c == user and "⚠️" in m.plain_text()]
        assert "Axion Santé Informatique" in warning.plain_text()
        assert payloads(warning)[0] == "/report_phishing"
        assert payloads(warning)[1].startswith("v:phl:")  # « Comment le reconnaître ? »
    for user in (EMMA, FARID):
        assert not [t for t in world.transport.to(user) if "⚠️" in t]
    [summary] = [t for t in world.transport.to(TECH) if "reçue par" in t]
    assert "reçue par 4 personnes sur 4 (0 injoignable)" in summary

    # Again: when it was done; only the wider scope is left (the others not yet warned).
    again = await world.press(TECH, f"v:ph:w:{campaign}")
    [choice] = again.messages
    assert "Déjà prévenus\u00a0: les établissements concernés, le " in choice.plain_text()
    assert titles(choice) == ["Tous les établissements (6 personnes)", "Annuler"]
    twice = await world.press(TECH, f"v:ph:ws:{campaign}:f")
    assert twice.close_buttons and "Déjà prévenus" in plain(twice)
    wider = await world.press(TECH, f"v:ph:ws:{campaign}:a")
    assert "Alerte en cours d’envoi à 2 personnes." in plain(wider)
    await world.flush()
    for user in (ANNE, BRUNO, CLARA, DAVID, EMMA, FARID):
        assert len([t for t in world.transport.to(user) if "⚠️" in t]) == 1, user
    summaries = [t for t in world.transport.to(TECH) if "reçue par" in t]
    assert len(summaries) == 2 and "reçue par 6 personnes sur 6" in summaries[1]
    # Everyone warned: nothing left to offer.
    done = await world.press(TECH, f"v:ph:w:{campaign}")
    assert "déjà été prévenu" in plain(done) and not done.messages[0].buttons
    refused = await world.press(TECH, f"v:ph:ws:{campaign}:a")
    assert "déjà été prévenu" in plain(refused) and refused.close_buttons
    await world.flush()
    assert len([t for t in world.transport.to(TECH) if "reçue par" in t]) == 2


async def test_nobody_to_warn(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """No staff registered anywhere (the reporter is not registered either)."""
    world = await make_world(sessionmaker, people=False)
    try:
        data = eml(PARCEL)
        analysis = analyse(data, trusted=trusted_domains([]), limits=Limits())
        report = await world.phishing.submit(
            sender=sender(STRANGER),
            channel="telegram",
            chat_id=STRANGER,
            data=data,
            source="eml",
            filename="colis.eml",
            analysis=analysis,
        )
        nobody = "Personne à prévenir\u00a0: aucun membre du personnel inscrit dans ce périmètre."
        reply = await world.press(TECH, f"v:ph:w:{report.campaign_id}")
        assert nobody in plain(reply) and not reply.messages[0].buttons
        forced = await world.press(TECH, f"v:ph:ws:{report.campaign_id}:a")
        assert plain(forced) == nobody and forced.close_buttons
        view = await world.phishing.campaign(report.campaign_id)
        assert view is not None and view.warned_at is None
    finally:
        await world.dispatcher.aclose()


async def test_no_warning_for_a_legitimate_mail(world: World) -> None:
    report = await world.report(ANNE)
    await world.press(TECH, f"v:ph:v:{report.campaign_id}:l")
    refusal = "Pas d’alerte\u00a0: ce mail a été classé légitime."
    choice = await world.press(TECH, f"v:ph:w:{report.campaign_id}")
    assert plain(choice).startswith(refusal) and not choice.messages[0].buttons
    forced = await world.press(TECH, f"v:ph:ws:{report.campaign_id}:a")
    assert plain(forced).startswith(refusal) and forced.close_buttons
    view = await world.phishing.campaign(report.campaign_id)
    assert view is not None and view.warned_at is None


async def test_campaigns_command(world: World) -> None:
    assert plain(await world.desk.list_campaigns(TECH)) == "Aucun mail suspect signalé récemment."
    parcel = await world.report(ANNE)
    await world.report(DAVID)
    # The same kind of mail with a subject a Telegram message could mistake for markup.
    tricky = eml(MAILBOX).replace(b"\nSubject: ", b"\nSubject: <b>Urgent</b> & ", 1)
    mailbox = await world.report(EMMA, data=tricky, action="none")
    assert mailbox.campaign_id != parcel.campaign_id
    await world.press(TECH, f"v:ph:v:{parcel.campaign_id}:p")
    await world.press(TECH, f"v:ph:ws:{parcel.campaign_id}:a")

    for user in (ANNE, STRANGER):
        assert plain(await world.desk.list_campaigns(user)) == ticket_desk_texts.TECHNICIANS_ONLY
    [listing] = (await world.desk.list_campaigns(TECH)).messages
    lines = listing.plain_text().splitlines()
    assert lines[0] == "Mails suspects signalés récemment\u00a0:"
    newest, oldest = lines[1:]  # the most recent first
    assert newest.startswith(f"n° {mailbox.campaign_id} «\u00a0<b>Urgent</b> & ")
    assert "— 1 signalement, 1 établissement — à classer" in newest
    assert "personnel prévenu" not in newest
    assert "&lt;b&gt;Urgent&lt;/b&gt; &amp; " in listing.html
    assert oldest.startswith(
        f"n° {parcel.campaign_id} «\u00a0Livraison impossible - adresse incomplète\u00a0»"
    )
    assert oldest.endswith(
        "— 2 signalements, 2 établissements — 🔴 hameçonnage · personnel prévenu"
    )


async def test_the_desk_builds_its_own_phishing_service(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Desk and Dispatcher work without ``phishing=`` (as the front ends create them)."""
    world = await make_world(sessionmaker)
    try:
        report = await world.report(ANNE)
        settings = world.settings
        dispatcher = Dispatcher(Outbox(sessionmaker), world.transport, settings)
        desk = Desk(
            directory=world.directory,
            tickets=TicketService(sessionmaker, settings),
            settings=settings,
            dispatcher=dispatcher,
            sender_of=sender,
        )
        reply = await desk.callback(TECH, TECH, f"v:ph:v:{report.campaign_id}:p")
        assert "1 personne informée" in plain(reply)
        assert f"n° {report.campaign_id} " in plain(await desk.list_campaigns(TECH))
        await dispatcher.send_due()
        assert [t for t in world.transport.to(ANNE) if "l’a examiné" in t]
    finally:
        await world.dispatcher.aclose()
