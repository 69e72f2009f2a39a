"""End to end: a ticket's whole life, with a staff member and a technician at once.

The real Application polls the fake Telegram server; the real Rasa and action servers run
the form; the action server writes the ticket and its notifications to the session's
database; the bot's dispatcher sends them to the technician and, by e-mail, to the session's
real SMTP server. The lifecycle test writes its transcript to
``var/test-transcripts/ticket_lifecycle.txt``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest_asyncio

from tests.auxil.fake_telegram import FakeTelegram, FakeUser
from tests.e2e.conftest import RunningBot, Stack, make_settings
from tests.e2e.helpers import stays_true
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import ROOT
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.people.directory import Directory

SECRET = "e2e-test-secret-0123456789abcdefghij"
TRANSCRIPT = ROOT / "var" / "test-transcripts" / "ticket_lifecycle.txt"
REFERENCE_RE = re.compile(r"VIG-\d{4}-\d{5}")
FRENCH_DAYS = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")

JSON = dict[str, Any]


def buttons(message: JSON) -> dict[str, str]:
    """The message's buttons, title → callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


class Conversation:
    """Reads, in order, what the bot sends to several chats, and keeps a transcript."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.lines: list[tuple[float, str]] = []

    def person(self, user: FakeUser, name: str) -> FakeUser:
        self.names[user.id] = name
        return user

    def say(self, user: FakeUser, text: str) -> None:
        self._note(f"{self.names[user.id]} ✎ {text}")
        self.fake.send_text(user, text)

    def press(self, user: FakeUser, message: JSON, title: str) -> None:
        options = buttons(message)
        assert title in options, f"no button {title!r} in {list(options)}"
        self._note(f"{self.names[user.id]} ▣ [{title}]")
        self.fake.press_button(user, message, options[title])

    async def expect(self, user: FakeUser, count: int = 1, timeout: float = 30) -> list[JSON]:
        """The next ``count`` messages to this chat (waits for them)."""
        start = self.seen.get(user.id, 0)
        messages = await self.fake.wait_for_messages(user.id, start + count, timeout)
        new = messages[start : start + count]
        self.seen[user.id] = start + count
        for message in new:
            text = message["plain_text"].strip()
            choices = " ".join(f"[{t}]" for t in buttons(message))
            order = next(i for i, m in enumerate(self.fake.sent) if m is message)
            line = f"Vigie → {self.names[user.id]} : {text}"
            self.lines.append((order, line + (f"\n    {choices}" if choices else "")))
        return new

    def _note(self, line: str) -> None:
        """A user action, placed after every bot message already sent."""
        self.lines.append((len(self.fake.sent) - 0.5, line))

    def transcript(self) -> list[str]:
        """Every line in the order things happened on the fake Telegram server."""
        return [line for _, line in sorted(self.lines, key=lambda item: item[0])]

    async def one(self, user: FakeUser, timeout: float = 30) -> JSON:
        [message] = await self.expect(user, 1, timeout)
        return message

    async def until(
        self, user: FakeUser, needle: str, timeout: float = 30, *, also: str = ""
    ) -> JSON:
        """Read messages until one contains ``needle`` (and ``also``, if given)."""
        while True:
            message = await self.one(user, timeout)
            if needle in message["plain_text"] and also in message["plain_text"]:
                return message

    async def quiet(self, user: FakeUser, seconds: float = 1.0, *, about: str = "") -> None:
        """Nothing more arrives for this chat within ``seconds`` (fails at the first one);
        with ``about``, nothing more that mentions it (the rest is skipped)."""

        def extra() -> list[dict[str, Any]]:
            news = self.fake.messages_to(user.id)[self.seen.get(user.id, 0) :]
            return [m for m in news if about in (m.get("plain_text") or "")]

        async def none_yet() -> bool:
            return not extra()

        await stays_true(none_yet, seconds, lambda: str([m["plain_text"] for m in extra()]))


def closed_hours_now() -> str:
    """Opening hours that exclude the current moment (a single hour, another day)."""
    tomorrow = (datetime.now(UTC).weekday() + 2) % 7  # never today, whatever the time zone
    return f"{FRENCH_DAYS[tomorrow]} 10:00-11:00"


_FAKE_SERVERS = itertools.count(1)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram server whose update ids do not repeat those of earlier tests: the
    tests of this module share the session's database, where update ids are unique."""
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
async def ticket_bot(fake: FakeTelegram, stack: Stack, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """A bot sharing the action server's database, sending e-mail to the session's SMTP."""
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "unused.db",
        database_url=stack.database_url,
        smtp_host="127.0.0.1",
        smtp_port=stack.smtp.port,
        helpdesk_mail_to=stack.smtp.mail_to,
        mail_from=stack.smtp.mail_from,
        outbox_poll_seconds=0.2,
    )
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


async def register(
    conv: Conversation, directory: Directory, user: FakeUser, facility: str, hours: str
) -> None:
    """Create the facility, and join it with an invitation code as a care worker."""
    created = await directory.create_facility(facility, "Rodez", hours=hours)
    invitation = await directory.create_invitation(facility_id=created.id, role="staff")
    conv.say(user, f"/start {invitation.code}")
    welcome = await conv.until(user, facility)
    conv.press(user, welcome, "Soins")
    await conv.until(user, "Voici ce que je sais faire")


async def add_technician(conv: Conversation, directory: Directory, tech: FakeUser) -> None:
    await directory.add_technician(
        name="Paul", chat_id=tech.id, sender=pseudonymize(tech.id, SECRET.encode())
    )


async def test_ticket_lifecycle(
    fake: FakeTelegram, ticket_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    staff = conv.person(fake.user(3101, "Aide"), "Soignante")
    tech = conv.person(fake.user(3102, "Paul"), "Technicien")
    await add_technician(conv, directory, tech)
    await register(conv, directory, staff, "EHPAD Les Tilleuls", "24/7")

    # Opening the ticket: free text, a button, a typed answer, a question in the middle,
    # then a correction of the urgency at the summary.
    conv.say(staff, "je voudrais ouvrir un ticket")
    await conv.until(staff, "Décrivez le problème")
    conv.say(staff, "l imprimante du poste de soins n imprime plus les plans de soins")
    device_question = await conv.until(staff, "Sur quoi porte le problème")
    conv.press(staff, device_question, "Imprimante")
    await conv.until(staff, "Qui est touché")
    conv.say(staff, "tout le service")
    care_question = await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.say(staff, "c'est quoi un mot de passe solide ?")
    await conv.until(staff, "mot de passe")
    care_question = await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.press(staff, care_question, "Avec difficulté")
    summary = await conv.until(staff, "Voici votre demande")
    assert "concerne\xa0: imprimante" in summary["plain_text"].lower()
    assert "urgence\xa0: haute" in summary["plain_text"].lower()
    conv.press(staff, summary, "Modifier")
    field = await conv.until(staff, "Que voulez-vous modifier")
    conv.press(staff, field, "L’urgence")
    urgency = await conv.until(staff, "Quelle urgence")
    conv.press(staff, urgency, "Critique\xa0: les soins sont arrêtés")
    summary = await conv.until(staff, "Voici votre demande")
    assert "urgence\xa0: critique" in summary["plain_text"].lower()
    conv.press(staff, summary, "Confirmer")
    created = await conv.until(staff, "C’est envoyé")
    [reference] = REFERENCE_RE.findall(created["plain_text"])

    # The technician is notified at once: facility, job, urgency, never the Telegram identity.
    notice = await conv.until(tech, reference)
    text = notice["plain_text"]
    assert "EHPAD Les Tilleuls" in text and "critique" in text.lower()
    assert "soins" in text.lower()
    assert "Aide" not in text and str(staff.id) not in text
    assert set(buttons(notice)) >= {"Prendre en charge", "Répondre", "Résolu"}

    # The helpdesk gets an e-mail its mail collector can turn into a ticket (within 30 s, as
    # every wait of these tests: the outbox retries a busy SMTP server after 2, 4, 8 s).
    for _ in range(300):
        if stack.smtp.about(reference):
            break
        await asyncio.sleep(0.1)
    [mail] = stack.smtp.about(reference)
    body = mail.get_content()
    assert f"[{reference}]" in str(mail["Subject"])
    assert "EHPAD Les Tilleuls" in body and "imprime plus" in body

    # Status, in plain French.
    conv.say(staff, "où en est ma demande")
    status = await conv.until(staff, reference)
    assert "reçue" in status["plain_text"].lower() or "attente" in status["plain_text"].lower()

    # Taken, answered, information added, resolved, reopened, resolved, confirmed.
    conv.press(tech, notice, "Prendre en charge")
    await conv.until(tech, "Vous avez pris en charge")
    await conv.until(staff, "prise en charge")
    conv.press(tech, notice, "Répondre")
    await conv.until(tech, "Écrivez maintenant")
    conv.say(tech, "Pouvez-vous éteindre et rallumer l'imprimante ?")
    answer = await conv.until(staff, "rallumer")
    await conv.until(tech, "Réponse envoyée")
    conv.press(staff, answer, next(t for t in buttons(answer) if t.startswith("Ajouter")))
    await conv.until(staff, "Écrivez l’information")
    conv.say(staff, "c'est fait mais ça bloque toujours")
    await conv.until(staff, "C’est ajouté")
    await conv.until(tech, "ça bloque toujours")
    conv.press(tech, notice, "Résolu")
    await conv.until(tech, "marqué résolu")
    resolved = await conv.until(staff, "Est-ce réglé")
    conv.press(staff, resolved, "Non, toujours un problème")
    await conv.until(tech, "rouvert")
    conv.press(tech, notice, "Résolu")
    await conv.until(tech, "marqué résolu")
    resolved = await conv.until(staff, "Est-ce réglé")
    conv.press(staff, resolved, "Oui, c’est réglé")
    await conv.until(staff, "Merci")
    await conv.until(tech, "clôturée")

    # The helpdesk copy follows every step: created, taken, the technician's message, the
    # information added, resolved, reopened, resolved again, closed.
    for _ in range(200):
        if len(stack.smtp.about(reference)) >= 8:
            break
        await asyncio.sleep(0.05)
    mails = stack.smtp.about(reference)
    assert len(mails) == 8, [m["Subject"] for m in mails]
    assert all(m["In-Reply-To"] == mails[0]["Message-ID"] for m in mails[1:])
    assert "ça bloque toujours" in mails[3].get_content()

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    mail_lines = [
        f"--- e-mails reçus par le serveur SMTP ({len(mails)}), leurs sujets :",
        *(f"  {m['Subject']}" for m in mails),
        "--- le premier :",
        *(f"{k}: {v}" for k, v in mails[0].items() if k in ("From", "To", "Subject", "Message-ID")),
        "",
        body,
    ]
    TRANSCRIPT.write_text("\n".join([*conv.transcript(), "", *mail_lines]), encoding="utf-8")

    # The timeline kept every event.
    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        kinds = [
            row[0]
            for row in db.execute(
                "SELECT e.kind FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
                "WHERE t.reference = ? ORDER BY e.id",
                (reference,),
            )
        ]
    assert kinds[0] == "created" and "taken" in kinds and "reopened" in kinds
    assert kinds[-1] == "confirmed"


async def test_cancel_and_nonsense_answers_create_nothing(
    fake: FakeTelegram, ticket_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    staff = conv.person(fake.user(3201), "Agent")
    await register(conv, directory, staff, "Foyer Les Genêts", "24/7")
    conv.say(staff, "il faut que l informaticien passe")
    await conv.until(staff, "Décrivez le problème")
    conv.say(staff, "plus de wifi au premier étage")
    await conv.until(staff, "Sur quoi porte le problème")
    conv.say(staff, "banane")
    await conv.until(staff, "Je n’ai pas compris")
    await conv.until(staff, "Sur quoi porte le problème")
    # (An emergency written instead of an answer sets the ticket aside for the incident's own
    # questions: tests/e2e/test_incidents.py.)
    question = conv.fake.messages_to(staff.id)[-1]
    conv.press(staff, question, "Annuler")
    await conv.until(staff, "rien n’a été envoyé")
    conv.say(staff, "annuler")
    await conv.until(staff, "rien en cours")
    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        [(count,)] = db.execute(
            "SELECT count(*) FROM tickets t JOIN facilities f ON f.id = t.facility_id "
            "WHERE f.name = ?",
            ("Foyer Les Genêts",),
        )
    assert count == 0


async def test_a_request_that_describes_the_problem_is_not_asked_again(
    fake: FakeTelegram, ticket_bot: RunningBot, directory: Directory
) -> None:
    """« Don't ask twice »: the description given with the request is shown back, the form
    goes on with the next question, and the summary carries it."""
    conv = Conversation(fake)
    staff = conv.person(fake.user(3251), "Agent")
    await register(conv, directory, staff, "EHPAD Les Myosotis", "24/7")
    conv.say(staff, "mon pc ne démarre plus depuis ce matin, écran noir")
    noted = await conv.until(staff, "J’ai noté le problème")
    assert "écran noir" in noted["plain_text"]
    question = await conv.one(staff)
    assert "Sur quoi porte le problème" in question["plain_text"]
    assert not [m for m in conv.fake.messages_to(staff.id) if "Décrivez" in m["plain_text"]]
    conv.press(staff, question, "Poste / ordinateur")
    await conv.until(staff, "Qui est touché")
    conv.say(staff, "moi seulement")
    care = await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.press(staff, care, "Oui")
    summary = await conv.until(staff, "Voici votre demande")
    assert "ne démarre plus depuis ce matin" in summary["plain_text"]
    conv.press(staff, summary, "Annuler")
    await conv.until(staff, "rien n’a été envoyé")


async def test_unregistered_person_is_told_how_to_register(
    fake: FakeTelegram, ticket_bot: RunningBot
) -> None:
    conv = Conversation(fake)
    user = conv.person(fake.user(3301), "Inconnu")
    conv.say(user, "je voudrais ouvrir un ticket")
    message = await conv.until(user, "lien d’inscription")
    assert "01 23 45 67 89" in message["plain_text"]


async def test_after_hours_and_other_facility_reference(
    fake: FakeTelegram, ticket_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    night = conv.person(fake.user(3401), "Veilleuse")
    other = conv.person(fake.user(3402), "Autre")
    await register(conv, directory, night, "SSIAD du Lot", closed_hours_now())
    await register(conv, directory, other, "MAS Le Causse", "24/7")

    conv.say(night, "nouveau ticket")
    await conv.until(night, "Décrivez le problème")
    conv.say(night, "le logiciel de soins ne s ouvre plus sur la tablette")
    for question, answer in (
        ("Sur quoi porte", "Logiciel de soins"),
        ("Qui est touché", "Moi seulement"),
        ("Les soins peuvent-ils", "Oui"),
        ("Voici votre demande", "Confirmer"),
    ):
        message = await conv.until(night, question)
        conv.press(night, message, answer)
    created = await conv.until(night, "C’est envoyé")
    [reference] = REFERENCE_RE.findall(created["plain_text"])
    after_hours = await conv.until(night, "en dehors des heures")
    assert "astreinte" in after_hours["plain_text"]

    # Someone of another facility quoting the reference learns nothing about it.
    conv.say(other, f"où en est la demande {reference}")
    refusal = await conv.until(other, reference)
    assert "Je ne trouve pas" in refusal["plain_text"]
    assert "logiciel" not in refusal["plain_text"].lower()


async def test_typed_refusals_are_never_read_as_yes(
    fake: FakeTelegram, ticket_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    staff = conv.person(fake.user(3501), "Infirmière")
    await register(conv, directory, staff, "EHPAD Les Mimosas", "24/7")
    conv.say(staff, "je voudrais ouvrir un ticket")
    await conv.until(staff, "Décrivez le problème")
    # A description that mentions stopping is a description, not a cancellation.
    conv.say(staff, "on arrete les soins le logiciel plante")
    await conv.until(staff, "Sur quoi porte le problème")
    conv.say(staff, "le logiciel de soins")
    await conv.until(staff, "Qui est touché")
    conv.say(staff, "tout l'établissement")
    await conv.until(staff, "Les soins peuvent-ils continuer")
    conv.say(staff, "les soins ne peuvent pas continuer")
    summary = await conv.until(staff, "Voici votre demande")
    assert "soins possibles\xa0: non" in summary["plain_text"].lower()
    assert "urgence\xa0: critique" in summary["plain_text"].lower()
    conv.say(staff, "non ne l'envoyez pas")
    await conv.until(staff, "Je n’ai pas compris")
    await conv.until(staff, "Voici votre demande")
    conv.say(staff, "annuler")
    await conv.until(staff, "rien n’a été envoyé")
    await conv.quiet(staff)
    with sqlite3.connect(stack.database_url.split("///", 1)[1]) as db:
        [(count,)] = db.execute(
            "SELECT count(*) FROM tickets t JOIN facilities f ON f.id = t.facility_id "
            "WHERE f.name = ?",
            ("EHPAD Les Mimosas",),
        )
    assert count == 0
