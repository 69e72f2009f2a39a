"""End to end: a security incident declared from the chat, with the staff member, the
technician and the director at once.

The real Application polls the fake Telegram server; the real Rasa and action servers give the
reflexes, then run the incident form; the action server declares the incident
(``IncidentService.declare``), which queues the page of the technicians and the director's
checklist and declaration text; the bot's dispatcher sends them; « Je m'en occupe » goes
through the desk. The action server runs in its own process on the system clock: the test
declares at whatever time it runs (the 3 a.m. escalation with a driven clock is
``tests/vigie/incidents/test_service.py``). The transcript is written to
``var/test-transcripts/incident.txt``.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from tests.auxil.fake_telegram import FakeTelegram, FakeUser
from tests.auxil.zones import zone_at_hour
from tests.e2e.conftest import (
    HOTLINE,
    ONCALL,
    ONCALL_BACKUP,
    ONCALL_DAY,
    ONCALL_NIGHT,
    RunningBot,
    Stack,
    make_settings,
)
from tests.e2e.test_tickets import SECRET, Conversation, add_technician, buttons
from vigie.core.clock import FakeClock
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import ROOT
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.housekeeping import Housekeeping
from vigie.incidents.models import Incident
from vigie.incidents.service import IncidentService
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService

TRANSCRIPT = ROOT / "var" / "test-transcripts" / "incident.txt"
NIGHT_TRANSCRIPT = ROOT / "var" / "test-transcripts" / "incident_night.txt"
INCIDENT_RE = re.compile(r"INC-\d{4}-\d{5}")
_FAKE_SERVERS = itertools.count(50)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """Update ids that do not repeat those of other tests on the session's database."""
    server = FakeTelegram(first_update_id=1_000_000 * next(_FAKE_SERVERS))
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def directory(stack: Stack) -> AsyncIterator[Directory]:
    engine = create_engine(stack.database_url)
    yield Directory(make_sessionmaker(engine))
    await engine.dispose()


@pytest_asyncio.fixture
async def incident_bot(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """A bot sharing the action server's database (where the incident and its pages are)."""
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "unused.db",
        database_url=stack.database_url,
        outbox_poll_seconds=0.2,
    )
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


async def join(
    conv: Conversation, directory: Directory, user: FakeUser, facility_id: int, role: str, job: str
) -> None:
    """Join the facility with an invitation code of ``role``, then choose the job."""
    invitation = await directory.create_invitation(facility_id=facility_id, role=role)
    conv.say(user, f"/start {invitation.code}")
    welcome = await conv.until(user, "Vous êtes inscrit")
    conv.press(user, welcome, job)
    await conv.until(user, "Voici ce que je sais faire")


async def test_incident_from_the_reflexes_to_the_director(
    fake: FakeTelegram, incident_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    staff = conv.person(fake.user(5101, "Anne"), "Veilleuse")
    tech = conv.person(fake.user(5102, "Paul"), "Technicien")
    director = conv.person(fake.user(5103, "Claire"), "Directrice")
    await add_technician(conv, directory, tech)
    facility = await directory.create_facility(
        "EHPAD Les Acacias", "Millau", hours="lun-ven 08:00-18:00", finess="120000999"
    )
    await join(conv, directory, staff, facility.id, "staff", "Soins")
    await join(conv, directory, director, facility.id, "referent", "Direction")

    # The reflexes first, then the form, one question at a time; what the first message said
    # is kept (« Que se passe-t-il ? » is not asked again).
    conv.say(staff, "au secours mon écran rouge demande une rançon, les fichiers ne s'ouvrent plus")
    reflexes = await conv.one(staff)
    assert "câble réseau" in reflexes["plain_text"]
    noted = await conv.until(staff, "J’ai noté ce qui se passe")
    assert "les fichiers ne s" in noted["plain_text"]
    since = await conv.one(staff)
    assert "Depuis quand" in since["plain_text"] and "Passer" in buttons(since)
    assert not [m for m in fake.messages_to(staff.id) if "Que se passe-t-il" in m["plain_text"]]
    conv.press(staff, since, "À l’instant")
    extent = await conv.until(staff, "Combien de postes")
    conv.press(staff, extent, "Passer")  # skipped
    await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.say(staff, "avec difficulté, on passe sur papier")
    data = await conv.until(staff, "données de résidents")
    conv.press(staff, data, "Je ne sais pas")
    await conv.until(staff, "Qu’avez-vous déjà fait")
    conv.say(staff, "j'ai débranché le câble réseau")
    declared = await conv.until(staff, "est enregistré")
    [reference] = INCIDENT_RE.findall(declared["plain_text"])
    assert "Je vous dis dès que quelqu’un s’en occupe" in declared["plain_text"]

    # The technician is paged with « Je m'en occupe »; the skipped answer is « non précisé ».
    page = await conv.until(tech, reference)
    assert "EHPAD Les Acacias" in page["plain_text"] and "critique" in page["plain_text"]
    assert "non précisé" in page["plain_text"] and "Anne" not in page["plain_text"]
    conv.press(tech, page, "Je m’en occupe")
    await conv.until(tech, f"vous prenez l’incident {reference}")
    taken = await conv.until(staff, "s’occupe de votre signalement")
    assert "Paul" in taken["plain_text"]

    # The director: the checklist (with the breach answers) and the declaration text.
    checklist = await conv.until(director, "À faire par la direction")
    assert "signalement.social-sante.gouv.fr" in checklist["plain_text"]
    assert "72 heures" in checklist["plain_text"]
    declaration = await conv.until(director, "Déclaration d’un incident")
    assert (
        reference in declaration["plain_text"] and "FINESS 120000999" in declaration["plain_text"]
    )
    assert "câble réseau" in declaration["plain_text"]
    conv.press(director, checklist, "Le DPO s’en occupe")
    await conv.until(director, "Je ne vous relancerai plus")

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")

    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        [(extent_value, care, data_affected, breach)] = db.execute(
            "SELECT extent, care_continues, data_affected, breach_answer FROM incidents "
            "WHERE reference = ?",
            (reference,),
        )
        kinds = [
            row[0]
            for row in db.execute(
                "SELECT e.kind FROM incident_events e JOIN incidents i ON i.id = e.incident_id "
                "WHERE i.reference = ? ORDER BY e.id",
                (reference,),
            )
        ]
    assert (extent_value, care, data_affected, breach) == (None, "degraded", "unknown", "dpo")
    assert kinds[0] == "created" and "taken" in kinds and kinds[-1] == "breach_answered"


async def test_lost_cps_card_with_residents_data_reaches_the_dpo_path(
    fake: FakeTelegram, incident_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    """A lost CPS card, typed answers, residents' data on it: a critical incident, and the
    director's data-breach path (the DPO, the 72 hours, the answer buttons)."""
    conv = Conversation(fake)
    staff = conv.person(fake.user(5201, "Luc"), "Infirmier")
    tech = conv.person(fake.user(5202, "Paul"), "Technicien")
    director = conv.person(fake.user(5203, "Hélène"), "Directrice")
    await add_technician(conv, directory, tech)
    facility = await directory.create_facility("SSIAD du Larzac", "Millau", hours="24/7")
    await join(conv, directory, staff, facility.id, "staff", "Soins")
    await join(conv, directory, director, facility.id, "referent", "Direction")

    conv.say(staff, "j'ai perdu ma carte cps")
    reflexes = await conv.one(staff)
    assert "CPS" in reflexes["plain_text"]
    await conv.until(staff, "J’ai noté : carte CPS".replace(" :", "\u00a0:"))  # not asked again
    await conv.until(staff, "Quand cela s’est-il passé")
    conv.say(staff, "hier soir en fin de tournée")
    await conv.until(staff, "données de résidents dessus")
    conv.say(staff, "oui, la liste des patients de la tournée")
    await conv.until(staff, "verrouillé")
    conv.say(staff, "passer")
    declared = await conv.until(staff, "est enregistré")
    [reference] = INCIDENT_RE.findall(declared["plain_text"])
    # Paged as the form started, then the answers.
    page = await conv.until(tech, reference)
    assert "carte CPS" in page["plain_text"] and "les précisions suivent" in page["plain_text"]
    details = await conv.until(tech, "Précisions")
    assert reference in details["plain_text"] and "hier soir" in details["plain_text"]
    assert "urgence critique" in details["plain_text"]

    # Residents' data on the card: the director gets the DPO path and its buttons.
    checklist = await conv.until(director, "À faire par la direction")
    text = checklist["plain_text"]
    assert "CNIL" in text and "72 heures" in text and "DPO" in text
    assert set(buttons(checklist)) >= {"Notifiée à la CNIL", "Pas nécessaire", "Le DPO s’en occupe"}
    conv.press(director, checklist, "Le DPO s’en occupe")
    await conv.until(director, "Je ne vous relancerai plus")
    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        [(kind, urgency, data, breach)] = db.execute(
            "SELECT kind, urgency, data_affected, breach_answer FROM incidents WHERE reference = ?",
            (reference,),
        )
    assert (kind, urgency, data, breach) == ("lost_device", "critical", "yes", "dpo")


async def test_unregistered_person_gets_the_reflexes_and_the_hotline(
    fake: FakeTelegram, incident_bot: RunningBot
) -> None:
    conv = Conversation(fake)
    user = conv.person(fake.user(5301), "Inconnu")
    conv.say(user, "au secours mon écran affiche une demande de rançon")
    reflexes = await conv.one(user)
    assert "câble réseau" in reflexes["plain_text"]
    refusal = await conv.until(user, "Je ne peux pas enregistrer cet incident")
    assert "01 23 45 67 89" in refusal["plain_text"]
    await conv.quiet(user)


def spaces(message: dict[str, Any]) -> str:
    """The message's text with its no-break spaces as ordinary ones."""
    return str(message["plain_text"]).replace("\u00a0", " ").replace("\u202f", " ")


async def housekeeping_at(stack: Stack, sessions: Any, at: datetime) -> int:
    """Run the bot's incident job (escalation, 72-hour reminders) once, at ``at``: the real
    Housekeeping and IncidentService on the stack's database, with a driven clock. The bot
    under test sends what it queues (its dispatcher polls the outbox)."""
    settings = make_settings(
        FakeTelegram(), stack.rasa_url, Path("unused.db"), database_url=stack.database_url
    )
    clock = FakeClock(at)
    housekeeping = Housekeeping(
        outbox=Outbox(sessions),
        tickets=TicketService(sessions, settings),
        phishing=PhishingService(sessions, settings),
        settings=settings,
        incidents=IncidentService(sessions, settings, clock=clock),
        clock=clock,
    )
    return await housekeeping.page_incidents()


async def test_a_night_incident_escalates_in_order_until_someone_takes_it(
    fake: FakeTelegram, incident_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    """3 a.m. at the facility (a time zone where it is 3 a.m. now, so that the action server
    keeps the system clock): the on-call number first, the night on-call technician paged at
    once, then, each INCIDENT_ACK_MINUTES without « Je m'en occupe », the roster's backup and then
    the director; it stops at the first « Je m'en occupe »; the director gets the checklist and
    the declaration as a message and a file; the 72-hour reminder fires and stops on an
    answer. The transcript is ``var/test-transcripts/incident_night.txt``."""
    conv = Conversation(fake)
    staff = conv.person(fake.user(5401, "Awa"), "Veilleuse")
    director = conv.person(fake.user(5403, "Odile"), "Directrice")
    oncall = conv.person(fake.user(ONCALL_NIGHT, "Nora"), "Astreinte")
    backup = conv.person(fake.user(ONCALL_BACKUP, "Yann"), "Renfort d’astreinte")
    # Nora, on call tonight, is a technician (paged at once like every technician without a
    # group chat); the backup of the roster is only a chat id (the on-call company's phone).
    await directory.add_technician(
        name="Nora", chat_id=oncall.id, sender=pseudonymize(oncall.id, SECRET.encode())
    )
    zone = zone_at_hour(3)
    facility = await directory.create_facility(
        "Foyer de vie Les Écureuils",
        "Millau",
        hours="lun-ven 08:00-18:00",
        timezone=zone,
        finess="120000777",
    )
    await join(conv, directory, staff, facility.id, "staff", "Soins")
    await join(conv, directory, director, facility.id, "referent", "Direction")

    # 3 a.m.: the reflexes with the on-call number first, then the form.
    conv.say(staff, "l'ordi du bureau infirmier affiche un message de rançon, tout est bloqué")
    reflexes = await conv.one(staff)
    text = reflexes["plain_text"]
    assert "câble réseau" in text and "Appelez l’astreinte de" in text
    assert text.index(ONCALL) < text.index(HOTLINE)
    since = await conv.until(staff, "Depuis quand")
    conv.press(staff, since, "À l’instant")
    await conv.until(staff, "Combien de postes")
    conv.say(staff, "un seul, celui du bureau infirmier")
    await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.say(staff, "oui mais sans le dossier de soins")
    data = await conv.until(staff, "données de résidents")
    conv.press(staff, data, "Oui")
    await conv.until(staff, "Qu’avez-vous déjà fait")
    conv.say(staff, "rien encore")
    declared = await conv.until(staff, "est enregistré")
    [reference] = INCIDENT_RE.findall(declared["plain_text"])
    declared_text = declared["plain_text"]
    assert declared_text.index(ONCALL) < declared_text.index(HOTLINE)

    # At once: the night on-call technician (not the day one, not yet the backup).
    first_page = await conv.until(oncall, reference)
    assert "Relance" not in first_page["plain_text"]
    assert not [m for m in fake.messages_to(ONCALL_DAY) if reference in m["plain_text"]]
    # The director: the checklist, then the declaration as a message and as a file.
    await conv.until(director, "À faire par la direction")
    declaration = await conv.until(director, "Déclaration d’un incident")
    assert "FINESS 120000777" in declaration["plain_text"]
    # The file carries the message as its caption, or comes right after it (a long one).
    document = declaration if "document" in declaration else await conv.one(director)
    assert document["document"]["file_name"] == f"declaration-{reference}.txt"
    body = fake.file(document["document"]["file_id"]).content.decode()
    assert reference in body and "FINESS 120000777" in body and "<" not in body
    await conv.quiet(backup, 0.5, about=reference)

    engine = create_engine(stack.database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            discovered = await session.scalar(
                select(Incident.discovered_at).where(Incident.reference == reference)
            )
        assert discovered is not None
        discovered = discovered.replace(tzinfo=discovered.tzinfo or UTC)
        ack = timedelta(minutes=make_settings(fake, "", Path("x")).incident_ack_minutes)

        # No « Je m'en occupe » within INCIDENT_ACK_MINUTES: paged again, and the backup.
        await housekeeping_at(stack, sessions, discovered + ack + timedelta(seconds=30))
        # (The earlier tests' incidents may be paged to the same on-call chats: only this
        # incident's messages count.)
        again = await conv.until(oncall, "Relance n°", also=reference)
        assert "Relance n° 1" in spaces(again)
        await conv.until(backup, reference)
        await conv.quiet(director, 0.5, about=reference)  # not the director yet
        # Still nobody: the director is paged too.
        await housekeeping_at(stack, sessions, discovered + 2 * ack + timedelta(seconds=60))
        director_page = await conv.until(director, "Relance n°", also=reference)
        assert "Relance n° 2" in spaces(director_page)
        assert "Je m’en occupe" in buttons(director_page)
        # Everyone paged before is paged again (the pages go through the outbox, one chat at a
        # time, and may come after the answer to the button below: read it first).
        await conv.until(oncall, "Relance n° 2", also=reference)
        await conv.until(backup, "Relance n° 2", also=reference)
        # Nora takes it: everyone paged is told, the reporter too; no more pages.
        conv.press(oncall, again, "Je m’en occupe")
        holding = await conv.until(oncall, f"vous prenez l’incident {reference}")
        taken = await conv.until(staff, "s’occupe de votre signalement")
        assert "Nora" in taken["plain_text"]
        await conv.until(backup, "Nora")
        await conv.until(director, "Nora")
        await housekeeping_at(stack, sessions, discovered + 5 * ack)
        for person in (oncall, backup, director):
            await conv.quiet(person, 1.0, about=reference)

        # The 72 hours: a reminder at 24 h, none after the director's answer.
        await housekeeping_at(stack, sessions, discovered + timedelta(hours=24, minutes=1))
        reminder = await conv.until(director, "Rappel")
        assert reference in reminder["plain_text"]
        conv.press(director, reminder, "Notifiée à la CNIL")
        await conv.until(director, "Je ne vous relancerai plus")
        await housekeeping_at(stack, sessions, discovered + timedelta(hours=48, minutes=1))
        await conv.quiet(director, 1.0, about=reference)
        # Dealt with: Nora closes it from the chat; Awa is told.
        conv.press(oncall, holding, "Incident réglé\u00a0: le clore")
        await conv.until(oncall, f"L’incident {reference} est clos")
        closed = await conv.until(staff, "est clos")
        assert reference in closed["plain_text"] and "Nora" in closed["plain_text"]
    finally:
        await engine.dispose()

    NIGHT_TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    NIGHT_TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")

    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        events = [
            (kind, text)
            for kind, text in db.execute(
                "SELECT e.kind, e.text FROM incident_events e JOIN incidents i "
                "ON i.id = e.incident_id WHERE i.reference = ? ORDER BY e.id",
                (reference,),
            )
        ]
    kinds = [kind for kind, _ in events]
    # In order: paged at once, then escalated to the backup, then to the director, taken.
    escalated = [text for kind, text in events if kind == "escalated"]
    assert escalated[0] == f"{ONCALL_BACKUP} (renfort d’astreinte)"
    assert escalated[1].startswith("référent")
    assert kinds.index("taken") > kinds.index("escalated")
    assert "reminder" in kinds
    assert kinds[-2:] == ["breach_answered", "closed"]


async def test_an_incident_revealed_during_a_ticket_form_opens_the_incident_form(
    fake: FakeTelegram, incident_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    """A ransom screen described while a ticket is being written: the reflexes at once, the
    ticket set aside, the incident form with what was said kept; an incident, no ticket."""
    conv = Conversation(fake)
    staff = conv.person(fake.user(5501, "Inès"), "Aide-soignante")
    facility = await directory.create_facility("MAS Les Tilleuls", "Rodez", hours="24/7")
    await join(conv, directory, staff, facility.id, "staff", "Soins")

    conv.say(staff, "je voudrais ouvrir un ticket")
    await conv.until(staff, "Décrivez le problème")
    conv.say(staff, "l'écran affiche une demande de rançon et les fichiers ne s'ouvrent plus")
    reflexes = await conv.until(staff, "câble réseau")
    assert "Appelez" in reflexes["plain_text"]
    await conv.until(staff, "Je mets la demande d’assistance de côté")
    noted = await conv.until(staff, "J’ai noté ce qui se passe")
    assert "demande de rançon" in noted["plain_text"]
    since = await conv.until(staff, "Depuis quand")
    assert not [m for m in fake.messages_to(staff.id) if "C’est annulé" in m["plain_text"]]
    conv.press(staff, since, "À l’instant")
    for question in ("Combien de postes", "Les soins peuvent-ils continuer"):
        asked = await conv.until(staff, question)
        conv.press(staff, asked, "Passer")
    data = await conv.until(staff, "données de résidents")
    conv.press(staff, data, "Je ne sais pas")
    done = await conv.until(staff, "Qu’avez-vous déjà fait")
    conv.press(staff, done, "Rien encore")
    declared = await conv.until(staff, "est enregistré")
    [reference] = INCIDENT_RE.findall(declared["plain_text"])
    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        [(what,)] = db.execute("SELECT what FROM incidents WHERE reference = ?", (reference,))
        tickets = db.execute(
            "SELECT COUNT(*) FROM tickets t JOIN facilities f ON f.id = t.facility_id "
            "WHERE f.name = 'MAS Les Tilleuls'"
        ).fetchone()[0]
    assert "demande de rançon" in what and tickets == 0


async def test_an_incident_revealed_while_vigie_asks_about_a_mail_opens_the_incident_form(
    fake: FakeTelegram, incident_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    """« Qu'avez-vous fait avec ce mail ? » answered with a ransom screen: the reflexes at
    once, the mail's questions set aside, the incident form with the message kept."""
    conv = Conversation(fake)
    staff = conv.person(fake.user(5701, "Rose"), "Aide-soignante")
    facility = await directory.create_facility("IME Les Hirondelles", "Rodez", hours="24/7")
    await join(conv, directory, staff, facility.id, "staff", "Soins")

    conv.say(staff, "j'ai reçu un mail bizarre de la banque")
    await conv.until(staff, "pièce jointe")
    mail = ROOT / "tests" / "data" / "emails" / "phishing" / "banque_code_sms.eml"
    conv.fake.send_document(staff, mail.name, mail.read_bytes(), "message/rfc822")
    await conv.until(staff, "Qu’avez-vous fait avec ce mail")
    conv.say(staff, "l'écran de l'ordi affiche une demande de rançon depuis tout à l'heure")
    await conv.until(staff, "câble réseau")
    await conv.until(staff, "Je laisse les questions sur ce mail")
    noted = await conv.until(staff, "J’ai noté ce qui se passe")
    assert "demande de rançon" in noted["plain_text"]
    await conv.until(staff, "Depuis quand")
