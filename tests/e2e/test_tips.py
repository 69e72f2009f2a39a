"""The tips of the week end to end: the real bot against the fake Telegram server, on the
stack's database, the weekly job driven by a clock: the offer after registration, opting in,
the tip at the facility's working hour (none at night), /astuces to stop, and a person who
blocked the bot taken off the list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import RunningBot, Stack
from tests.e2e.test_tickets import (  # noqa: F401  (fixtures)
    Conversation,
    buttons,
    directory,
    fake,
    ticket_bot,
)
from vigie.awareness.models import TipSubscription
from vigie.awareness.service import Awareness
from vigie.core.clock import FakeClock
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.people.directory import Directory
from vigie.people.models import Person


async def _join(conv: Conversation, people: Directory, user, facility_id: int) -> dict:  # type: ignore[no-untyped-def]
    invitation = await people.create_invitation(facility_id=facility_id, role="staff")
    conv.say(user, f"/start {invitation.code}")
    welcome = await conv.until(user, "Bienvenue")
    conv.press(user, welcome, "Soins")
    chosen = await conv.until(user, "votre métier")
    await conv.until(user, "Voici ce que je sais faire")
    return chosen


async def test_tips_opt_in_weekly_tip_stop_and_blocked(
    fake: FakeTelegram,  # noqa: F811  (update ids unique on the shared stack's inbox)
    ticket_bot: RunningBot,  # noqa: F811
    stack: Stack,
    directory: Directory,  # noqa: F811
) -> None:
    conv = Conversation(fake)
    awa = conv.person(fake.user(4731, "Awa"), "Aide-soignante")
    bea = conv.person(fake.user(4732, "Béa"), "Secrétaire")
    facility = await directory.create_facility("EHPAD Les Astuces", "Brive", hours="24/7")

    chosen = await _join(conv, directory, awa, facility.id)
    assert "💡 Recevoir une astuce par semaine" in buttons(chosen)
    conv.press(awa, chosen, "💡 Recevoir une astuce par semaine")
    await conv.until(awa, "une astuce par semaine")
    await _join(conv, directory, bea, facility.id)
    conv.say(bea, "/astuces")
    offer = await conv.until(bea, "voulez-vous la recevoir")
    conv.press(bea, offer, "💡 Recevoir une astuce par semaine")
    await conv.until(bea, "C’est noté")

    engine = create_engine(stack.database_url)
    sessions = make_sessionmaker(engine)
    settings = Settings(_env_file=None, knowledge_dir=ticket_bot.settings.knowledge_dir)  # type: ignore[call-arg]
    try:
        # Tuesday 22:30 in Brive: nothing; Wednesday 11:00: the tip, sent by the bot's outbox.
        clock = FakeClock(datetime(2026, 12, 8, 21, 30, tzinfo=UTC))
        assert await Awareness(sessions, settings, clock).send_due() == 0
        clock.advance(12.5 * 3600)
        assert await Awareness(sessions, settings, clock).send_due() >= 2
        tip = await conv.until(awa, "L’astuce de la semaine")
        assert any(title.startswith("En savoir plus") for title in buttons(tip))
        # The article behind the button, through Rasa.
        more = next(title for title in buttons(tip) if title.startswith("En savoir plus"))
        conv.press(awa, tip, more)
        article = await conv.one(awa)
        title = more.split(":", 1)[1].strip()
        assert article["plain_text"].startswith(title[:40])
        await conv.until(bea, "L’astuce de la semaine")

        # Awa stops with /astuces; Béa blocks the bot: the next week, nobody gets one, and
        # Béa is off the list once Telegram has refused the message.
        conv.say(awa, "/astuces")
        status = await conv.until(awa, "Vous recevez une astuce")
        conv.press(awa, status, "Ne plus recevoir d’astuces")
        await conv.until(awa, "vous ne recevrez plus")
        fake.block(bea)
        clock.advance(7 * 24 * 3600)
        assert await Awareness(sessions, settings, clock).send_due() == 1  # Béa's, refused
        for _ in range(300):
            async with sessions() as session:
                active = (
                    await session.scalars(
                        select(TipSubscription.active)
                        .join(Person, Person.id == TipSubscription.person_id)
                        .where(Person.chat_id.in_([awa.id, bea.id]))
                    )
                ).all()
            if not any(active):
                break
            await asyncio.sleep(0.1)
        assert not any(active)
    finally:
        await engine.dispose()
