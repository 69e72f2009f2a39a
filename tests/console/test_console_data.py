"""The console's data generator (scripts/make_console_data.py, for ``make bench``), with tiny
numbers on SQLite and PostgreSQL: it migrates and fills an empty database with what was asked,
rows the constraints accept, and the overview's figures add up on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from scripts.make_console_data import Sizes, generate
from vigie.console.stats import FALLBACK, NOT_QUESTIONS, OUT_OF_SCOPE, ConsoleStats
from vigie.conversation.models import Turn
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.incidents.models import Incident
from vigie.people.models import Facility, Person
from vigie.phishing.models import PhishingCampaign, PhishingReport
from vigie.tickets.models import Ticket

NOW = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
SIZES = Sizes(facilities=2, turns=300, tickets=20, reports=10)


async def test_a_year_of_data_and_the_overview_adds_up(db_url: str) -> None:
    counts = await generate(db_url, SIZES, seed=3, now=NOW)
    assert (counts.facilities, counts.turns, counts.tickets, counts.reports) == (2, 300, 20, 10)
    assert counts.incidents > 0 and counts.campaigns > 0

    engine = create_engine(db_url)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with sessionmaker() as session:

            async def count(*what: object) -> int:
                return int(await session.scalar(select(func.count()).select_from(*what)) or 0)

            assert await count(Facility) == 2
            assert await count(Turn) == 300
            assert await count(Ticket) == 20
            assert await count(PhishingReport) == 10
            assert await count(PhishingCampaign) == counts.campaigns
            assert await count(Incident) == counts.incidents
            roles = dict(
                (await session.execute(select(Person.role, func.count()).group_by(Person.role)))
                .tuples()
                .all()
            )
            assert roles["referent"] == 2 and roles["technician"] >= 1 and roles["staff"] > 10
            first, last = (
                await session.execute(select(func.min(Turn.created_at), func.max(Turn.created_at)))
            ).one()
            assert NOW - timedelta(days=366) < first and last < NOW
            assert last - first > timedelta(days=300)  # spread over the year
            intents = dict(
                (await session.execute(select(Turn.intent, func.count()).group_by(Turn.intent)))
                .tuples()
                .all()
            )
            questions = sum(n for i, n in intents.items() if i not in NOT_QUESTIONS)
            assert 0.03 < intents[FALLBACK] / 300 < 0.15
            assert intents[OUT_OF_SCOPE] > 0
            assert any(str(i).startswith("faq/") for i in intents)
            # Turns of people deleted since: in the total, in no facility.
            orphans = await session.scalar(
                select(func.count())
                .select_from(Turn)
                .outerjoin(Person, Person.sender == Turn.sender)
                .where(Person.id.is_(None), Turn.intent.not_in(NOT_QUESTIONS))
            )
            facility_ids = list(await session.scalars(select(Facility.id)))

        stats = ConsoleStats(sessionmaker)
        since, until = NOW - timedelta(days=366), NOW + timedelta(seconds=1)
        everyone = await stats.overview(facility_id=None, since=since, until=until)
        assert everyone.questions == questions
        assert everyone.answered + everyone.fallback + everyone.out_of_scope == questions
        assert everyone.fallback == intents[FALLBACK]
        assert sum(n for _, n in everyone.per_week) == questions
        assert sum(n for _, n in everyone.topics) == everyone.answered
        assert everyone.tickets_opened == 20
        assert everyone.reports == 10
        assert everyone.incidents == counts.incidents
        assert everyone.unanswered  # the latest fallbacks' texts

        each = [await stats.overview(facility_id=i, since=since, until=until) for i in facility_ids]
        assert sum(o.questions for o in each) == questions - int(orphans or 0)
        assert sum(o.fallback for o in each) <= everyone.fallback
        assert sum(o.tickets_opened for o in each) == 20
        assert sum(o.tickets_open_now for o in each) == everyone.tickets_open_now
        assert sum(o.reports for o in each) == 10
        assert sum(o.incidents for o in each) == counts.incidents
    finally:
        await engine.dispose()


async def test_a_database_with_facilities_is_refused(db_url: str) -> None:
    await generate(db_url, Sizes(facilities=1, turns=10, tickets=1, reports=1), now=NOW)
    with pytest.raises(SystemExit, match="already has facilities"):
        await generate(db_url, Sizes(facilities=1, turns=10, tickets=1, reports=1), now=NOW)
