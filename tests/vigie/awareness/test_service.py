"""The tips of the week on a real database (SQLite and PostgreSQL): opting in and out, the
weekly job at the facility's hour (not at night, not on a Sunday or a holiday), once a week,
never the same tip twice, for the person's job; a chat that blocked the bot is taken off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness import service
from vigie.awareness.service import Awareness
from vigie.core.clock import FakeClock
from vigie.core.settings import Settings
from vigie.outbox.models import OutboxMessage
from vigie.people.directory import Directory

SECRET = "tips-test-secret-0123456789abcdefghij"


async def _people(sessions: async_sessionmaker[AsyncSession]) -> None:
    directory = Directory(sessions)
    brive = await directory.create_facility("EHPAD Brive", "Brive")
    reunion = await directory.create_facility(
        "EHPAD Saint-Denis", "Saint-Denis", timezone="Indian/Reunion"
    )
    for facility, chat, role, job in (
        (brive, 61, "staff", "care"),
        (brive, 62, "staff", "admin"),
        (brive, 63, "referent", "management"),
        (reunion, 64, "staff", "care"),
    ):
        code = await directory.create_invitation(facility_id=facility.id, role=role)
        await directory.redeem_invitation(
            code.code, channel="telegram", chat_id=chat, sender=f"p-{chat}"
        )
        await directory.set_job(f"p-{chat}", job)


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_opt_in_weekly_at_the_right_hour_and_never_twice(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _people(sessionmaker)
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2026, 12, 8, 20, 0, tzinfo=UTC))  # Tuesday, 21:00 in Brive
    tips = Awareness(sessionmaker, settings, clock)
    assert not (await tips.status("p-61")).subscribed
    assert not (await tips.status("nobody")).registered
    assert not await tips.subscribe("nobody", True)
    for sender in ("p-61", "p-62", "p-64"):
        assert await tips.subscribe(sender, True)
    assert (await tips.status("p-61")).subscribed

    assert await tips.send_due() == 0  # 21:00 in Brive, midnight in Réunion: nobody
    clock.advance(14 * 3600)  # Wednesday 10:00 UTC: 11:00 in Brive, 14:00 in Réunion
    assert await tips.send_due() == 3
    assert await tips.send_due() == 0  # once a week
    first = await _rows(sessionmaker)
    assert sorted(int(r.destination) for r in first) == [61, 62, 64]
    html = first[0].payload["html"]
    assert "L’astuce de la semaine" in html
    labels = [b["title"] for b in first[0].payload["buttons"]]
    assert labels[0].startswith("En savoir plus") and labels[1] == "🎯 Un quiz de 3 questions"
    assert labels[2] == "Ne plus recevoir d’astuces"
    assert first[0].payload["buttons"][0]["payload"].startswith('/faq{"article":')

    assert await tips.subscribe("p-62", False)  # opted out
    clock.advance(7 * 24 * 3600)  # a week later, same hour
    assert await tips.send_due() == 2
    second = (await _rows(sessionmaker))[3:]
    assert sorted(int(r.destination) for r in second) == [61, 64]
    by_chat = {r.destination: r.payload["html"] for r in first}
    assert all(r.payload["html"] != by_chat[r.destination] for r in second)  # a new tip


async def test_not_on_sundays_or_holidays_and_a_blocked_chat_is_taken_off(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _people(sessionmaker)
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2026, 12, 6, 10, 0, tzinfo=UTC))  # Sunday
    tips = Awareness(sessionmaker, settings, clock)
    await tips.subscribe("p-61", True)
    assert await tips.send_due() == 0
    clock.advance((datetime(2026, 12, 25, 10, 0, tzinfo=UTC) - clock.now()).total_seconds())
    assert await tips.send_due() == 0  # Christmas Day, a Friday
    assert await tips.blocked(61) == 1
    assert not (await tips.status("p-61")).subscribed
    clock.advance(3 * 24 * 3600)  # Monday 28th
    assert await tips.send_due() == 0


async def test_one_run_goes_through_every_batch(
    sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weekly job reads people by transactions of BATCH: one run queues them all, and
    someone outside the tips' hours in an earlier batch does not stop the later ones."""
    monkeypatch.setattr(service, "BATCH", 2)
    monkeypatch.setattr(service, "BATCH_PAUSE_SECONDS", 0.0)
    await _people(sessionmaker)
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2026, 12, 9, 10, 0, tzinfo=UTC))  # Wednesday, 11:00 in Brive
    tips = Awareness(sessionmaker, settings, clock)
    for sender in ("p-61", "p-62", "p-63", "p-64"):
        assert await tips.subscribe(sender, True)
    assert await tips.send_due() == 4
    assert await tips.send_due() == 0
