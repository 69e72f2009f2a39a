"""Every record has an end: the hourly purge with a driven clock, on SQLite and PostgreSQL, and
``vigie purge --dry-run`` counting exactly what a real purge then removes."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vigie.outbox.test_dispatcher import STAFF_CHAT, ticket_world
from vigie.admin.cli import Context, purge_now
from vigie.core.clock import FakeClock
from vigie.core.settings import Settings
from vigie.housekeeping import Housekeeping
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.people.models import Invitation, Person
from vigie.phishing.service import PhishingService
from vigie.tickets.models import Ticket, TicketEvent
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft

DAY = 86_400.0


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "pseudonym_secret": "retention-secret-0123456789abcdefgh",
        "ticket_autoclose_days": 14,
        "ticket_abandon_days": 180,
        "ticket_retention_days": 730,
        "invitation_retention_days": 90,
        "people_retention_days": 365,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def housekeeping(
    sessionmaker: async_sessionmaker[AsyncSession], config: Settings, clock: FakeClock
) -> Housekeeping:
    return Housekeeping(
        outbox=Outbox(sessionmaker),
        tickets=TicketService(sessionmaker, config),
        phishing=PhishingService(sessionmaker, config),
        settings=config,
        directory=Directory(sessionmaker),
        clock=clock,
    )


async def ticket(sessionmaker: async_sessionmaker[AsyncSession], ticket_id: int) -> Ticket | None:
    async with sessionmaker() as session:
        return await session.get(Ticket, ticket_id)


async def test_a_resolved_ticket_closes_itself_then_goes_with_its_timeline(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    config = settings()
    service, ticket_id = await ticket_world(sessionmaker, config)
    await service.take("u-paul", ticket_id)
    await service.resolve("u-paul", ticket_id)
    jobs = housekeeping(sessionmaker, config, fake_clock)
    fake_clock.advance(13 * DAY)
    assert (await jobs.purge_expired())["tickets_autoclosed"] == 0
    fake_clock.advance(2 * DAY)  # 15 days without « c'est réglé »
    assert (await jobs.purge_expired())["tickets_autoclosed"] == 1
    closed = await ticket(sessionmaker, ticket_id)
    assert closed is not None and closed.status == "closed"
    async with sessionmaker() as session:
        events = list(
            await session.scalars(
                select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id)
            )
        )
        told = list(
            await session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.destination == str(STAFF_CHAT))
            )
        )
    assert events[-1] == "auto_closed"
    assert any("je l’ai clôturée" in str(payload) for payload in told)
    assert (await jobs.purge_expired())["tickets_autoclosed"] == 0  # once
    fake_clock.advance(729 * DAY)
    assert (await jobs.purge_expired())["tickets_deleted"] == 0
    fake_clock.advance(2 * DAY)
    assert (await jobs.purge_expired())["tickets_deleted"] == 1
    assert await ticket(sessionmaker, ticket_id) is None


async def test_an_abandoned_ticket_is_closed(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    config = settings()
    _, ticket_id = await ticket_world(sessionmaker, config)
    jobs = housekeeping(sessionmaker, config, fake_clock)
    fake_clock.advance(181 * DAY)
    counts = await jobs.purge_expired()
    assert (counts["tickets_autoclosed"], counts["tickets_abandoned"]) == (0, 1)
    found = await ticket(sessionmaker, ticket_id)
    assert found is not None and found.status == "closed"


async def test_invitations_and_people_who_left_go_their_tickets_stay_unlinked(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    config = settings()
    service, ticket_id = await ticket_world(sessionmaker, config)
    directory = Directory(sessionmaker)
    facility = await directory.get_facility("EHPAD Les Tilleuls")
    assert facility is not None
    expired = await directory.create_invitation(facility_id=facility.id, role="staff", valid_days=1)
    valid = await directory.create_invitation(facility_id=facility.id, role="staff", valid_days=400)
    async with sessionmaker() as session:  # Anne left the facility
        await session.execute(
            update(Person)
            .where(Person.sender == "u-anne")
            .values(active=False, removed_at=fake_clock.now())
        )
        await session.commit()
    jobs = housekeeping(sessionmaker, config, fake_clock)
    fake_clock.advance(92 * DAY)
    counts = await jobs.purge_expired()
    assert (counts["invitations"], counts["people"]) == (1, 0)
    fake_clock.advance(280 * DAY)
    counts = await jobs.purge_expired()
    assert counts["people"] == 1
    async with sessionmaker() as session:
        codes = set(await session.scalars(select(Invitation.code)))
        senders = set(await session.scalars(select(Person.sender)))
    assert valid.code in codes and expired.code not in codes
    assert "u-anne" not in senders and "u-paul" in senders
    kept = await ticket(sessionmaker, ticket_id)
    assert kept is not None and kept.requester_id is None  # the provider's record, unlinked
    assert (await service.get(ticket_id)) is not None  # still shown to technicians


async def test_the_dry_run_counts_what_the_purge_removes_and_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    config = settings()
    service, ticket_id = await ticket_world(sessionmaker, config)
    await service.resolve("u-paul", ticket_id)
    second, _ = await service.create(
        "u-anne",
        TicketDraft("Souris cassée", "workstation", "me", "degraded"),
        idempotency_key="k2",
    )
    jobs = housekeeping(sessionmaker, config, fake_clock)
    fake_clock.advance(200 * DAY)
    planned = await jobs.purge_expired(dry_run=True)
    assert (planned["tickets_autoclosed"], planned["tickets_abandoned"]) == (1, 1)
    assert (await ticket(sessionmaker, ticket_id)).status == "resolved"  # type: ignore[union-attr]
    assert await jobs.purge_expired(dry_run=True) == planned
    done = await jobs.purge_expired()
    assert done == planned

    out = io.StringIO()
    context = Context(settings=config, sessionmaker=sessionmaker, out=out)

    class Args:
        dry_run = True

    await purge_now(context, Args())  # type: ignore[arg-type]
    assert "Ce qui partirait maintenant" in out.getvalue()
    assert "demandes clôturées effacées" in out.getvalue()
    assert second.id > 0
