"""End to end: Rasa keeps its conversations in Vigie's database (its SQL tracker store), so a
restart of Rasa forgets nothing, on SQLite and on PostgreSQL.

Rasa and the action server run as the supervisor runs them (``bot.supervisor``, on the
test's database); the real Application polls the fake Telegram server. A care worker is in
the middle of a ticket form, someone else has just been asked « Qu’avez-vous fait avec ce
mail ? »; Rasa is stopped and started again on the same database; both conversations go on
where they stopped, and the ticket is created with the answers given before the restart.
The ticket's description holds a password: Rasa's events hold it only masked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from sqlalchemy import select

from bot.supervisor import Service, actions_service, rasa_service
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import CONTACT_ENV, HOTLINE, MODEL, RunningBot, make_settings
from tests.e2e.test_tickets import REFERENCE_RE, Conversation, register
from vigie.conversation.trackers import EVENTS
from vigie.core.pseudonym import pseudonymize
from vigie.core.redaction import PLACEHOLDERS
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.tickets.models import Ticket

SECRET = "e2e-test-secret-0123456789abcdefghij"  # make_settings' pseudonym secret
PASSWORD = "Soleil2024!"
MASKED = PLACEHOLDERS["password"]
PASTED_MAIL = (
    "De : Service Facturation <compta@fournisseur-medical-paiement.com>\n"
    "Objet : URGENT facture impayée - dernier rappel\n\n"
    "Votre facture n° 2026-118 reste impayée. Sans paiement sous 24h votre compte sera "
    "suspendu. Consultez la facture : http://185.12.44.7/facture.php"
)


class Backend:
    """Rasa and the action server on one database, started and stopped by the test."""

    def __init__(self, database_url: str, log_dir: Path) -> None:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            rasa_port=free_port(),
            actions_port=free_port(),
            database_url=database_url,
        )
        env = {"DATABASE_URL": database_url, **CONTACT_ENV}
        self.actions = actions_service(settings, log_dir)
        self.rasa = rasa_service(settings, log_dir)
        for service in (self.actions, self.rasa):
            service.env.update(env)
        self.rasa_url = f"http://127.0.0.1:{settings.rasa_port}"

    async def start(self, http: aiohttp.ClientSession, service: Service) -> None:
        await service.start()
        await service.wait_healthy(http, None)


@pytest_asyncio.fixture
async def backend(db_url: str, tmp_path: Path) -> AsyncIterator[Backend]:
    """Rasa and the action server on an empty, migrated database (SQLite or PostgreSQL)."""
    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train`"
    await asyncio.to_thread(upgrade, db_url)
    running = Backend(db_url, tmp_path / "logs")
    try:
        async with aiohttp.ClientSession() as http:
            await running.start(http, running.actions)
            await running.start(http, running.rasa)
        yield running
    finally:
        await running.rasa.stop()
        await running.actions.stop()


async def test_conversations_go_on_after_a_rasa_restart(
    fake: FakeTelegram, backend: Backend, db_url: str, tmp_path: Path
) -> None:
    engine = create_engine(db_url)
    sessions = make_sessionmaker(engine)
    bot = RunningBot(
        make_settings(fake, backend.rasa_url, tmp_path / "unused.db", database_url=db_url)
    )
    await bot.start()
    try:
        conv = Conversation(fake)
        staff = conv.person(fake.user(4777, "Aide"), "Soignante")
        stranger = conv.person(fake.user(4778, "Inconnu"), "Intérimaire")
        await register(conv, Directory(sessions), staff, "EHPAD Les Lilas", "24/7")

        # Before the restart: half a ticket form, and the question about a pasted e-mail.
        conv.say(staff, "je voudrais ouvrir un ticket")
        await conv.until(staff, "Décrivez le problème")
        conv.say(staff, f"le logiciel de soins refuse mon mot de passe {PASSWORD} depuis ce matin")
        device_question = await conv.until(staff, "Sur quoi porte le problème")
        conv.press(staff, device_question, "Logiciel de soins")
        await conv.until(staff, "Qui est touché")
        conv.say(stranger, PASTED_MAIL)
        await conv.until(stranger, "Dangereux")  # an IP link, pressure, a stranger
        mail_question = await conv.until(stranger, "Qu’avez-vous fait avec ce mail")

        async with aiohttp.ClientSession() as http:
            await backend.rasa.stop()
            await backend.start(http, backend.rasa)

        # After: the answers go on where they stopped.
        conv.press(stranger, mail_question, "J’ai ouvert une pièce jointe")
        reflexes = await conv.until(stranger, "N’éteignez pas")
        assert "câble réseau" in reflexes["plain_text"]
        if HOTLINE not in reflexes["plain_text"]:
            await conv.until(stranger, HOTLINE)
        conv.say(staff, "tout le service")
        care_question = await conv.until(staff, "Les soins peuvent-ils continuer")
        conv.press(staff, care_question, "Avec difficulté")
        summary = await conv.until(staff, "Voici votre demande")
        text = summary["plain_text"].lower()
        assert MASKED in text and "refuse mon mot de passe" in text
        assert "concerne\xa0: logiciel de soins" in text
        conv.press(staff, summary, "Confirmer")
        created = await conv.until(staff, "C’est envoyé")
        [reference] = REFERENCE_RE.findall(created["plain_text"])
    finally:
        await bot.stop()

    try:
        async with sessions() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
            assert ticket is not None
            assert (ticket.device, ticket.scope, ticket.care_impact) == (
                "care_software",
                "service",
                "degraded",
            )
            assert ticket.problem.startswith("le logiciel de soins refuse mon mot de passe")
            # Rasa's events of the care worker: the password only masked, in her message, in
            # the slot the form filled, in the summary Vigie sent back.
            sender = pseudonymize(staff.id, SECRET.encode())
            rows = (
                await session.execute(
                    select(EVENTS.c.type_name, EVENTS.c.data).where(EVENTS.c.sender_id == sender)
                )
            ).all()
    finally:
        await engine.dispose()
    assert rows and not [data for _, data in rows if PASSWORD in data]
    events = [json.loads(data) for _, data in rows]
    masked = {e["event"] for e in events if MASKED in json.dumps(e, ensure_ascii=False)}
    assert {"user", "slot", "bot"} <= masked
    assert any(e["event"] == "slot" and MASKED in str(e.get("value")) for e in events)
