"""Tickets: creation, follow-up by the requester, actions of the technicians.

Every mutating method runs in ONE transaction holding the ticket change, its timeline event
and its notifications (rows of the outbox, sent later by the bot's dispatcher). Texts arriving
here are already redacted by the caller.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    and_,
    case,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from vigie.core.channels import CHAT_CHANNELS
from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.outbox.store import Outbox
from vigie.people.directory import technician_chats
from vigie.people.models import Facility, Person
from vigie.people.roles import DESK_ROLES, is_technician
from vigie.tickets import texts as ticket_texts
from vigie.tickets.models import Ticket, TicketEvent
from vigie.tickets.reference import format_reference, normalize_reference
from vigie.tickets.views import EventView, TicketDraft, TicketView
from vigie.tickets.vocabulary import CARE_IMPACTS, DEVICES, SCOPES, TICKET_STATUSES, URGENCIES

logger = logging.getLogger(__name__)

STALE_BATCH = 500  # tickets closed per pass of the hourly job

#: Statuses of the technicians' open list.
OPEN_STATUSES: tuple[str, ...] = ("new", "in_progress", "waiting", "reopened")
#: Statuses a requester still sees (resolved until they confirm).
REQUESTER_STATUSES: tuple[str, ...] = (*OPEN_STATUSES, "resolved")
URGENCY_RANK: dict[str, int] = {"low": 0, "normal": 1, "high": 2, "critical": 3}
#: Event kinds whose text is a technician's message to the requester.
TECHNICIAN_MESSAGE_KINDS: tuple[str, ...] = ("technician_message", "info_requested")

CREATE_ATTEMPTS = 5
MAX_PROBLEM_CHARS = 4000
MAX_MESSAGE_CHARS = 4000
# Key of the PostgreSQL advisory lock serialising the numbering of tickets ("VI" + year).
_ADVISORY_LOCK_KEY = 0x5649

TicketErrorCode = Literal["not_registered", "not_found", "not_allowed", "bad_state"]


class TicketError(Exception):
    """A refused ticket operation; ``code`` says why."""

    def __init__(self, code: TicketErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: TicketErrorCode = code


def derive_urgency(device: str, scope: str, care_impact: str) -> str:
    """The urgency implied by the answers of the form."""
    if care_impact == "no":
        return "critical" if scope == "facility" else "high"
    if care_impact == "degraded":
        return "high" if scope in ("service", "facility") else "normal"
    if scope == "facility":
        return "normal"
    if device in ("care_software", "network") and scope == "service":
        return "normal"
    return "low"


def draft_urgency(draft: TicketDraft) -> str:
    """The urgency of a draft: the one chosen at the summary, else the derived one."""
    return draft.urgency or derive_urgency(draft.device, draft.scope, draft.care_impact)


def _check_draft(draft: TicketDraft) -> TicketDraft:
    if draft.device not in DEVICES:
        raise ValueError(f"unknown device {draft.device!r}")
    if draft.scope not in SCOPES:
        raise ValueError(f"unknown scope {draft.scope!r}")
    if draft.care_impact not in CARE_IMPACTS:
        raise ValueError(f"unknown care_impact {draft.care_impact!r}")
    if draft.urgency is not None and draft.urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {draft.urgency!r}")
    if not draft.problem.strip():
        raise ValueError("the problem must not be empty")
    return draft


def _check_text(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise ValueError("the text must not be empty")
    return cleaned[:MAX_MESSAGE_CHARS]


def _urgency_order() -> ColumnElement[int]:
    return case(URGENCY_RANK, value=Ticket.urgency, else_=0)


class TicketService:
    """Tickets and their notifications."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock  # the pause before retrying a numbering conflict

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        """The sessions this service works with (the other features share the database)."""
        return self._sessionmaker

    # --- Creation -----------------------------------------------------------------------

    async def create(
        self, sender: str, draft: TicketDraft, *, idempotency_key: str
    ) -> tuple[TicketView, bool]:
        """Open a ticket; ``(view, True)``, or ``(existing, False)`` for a known key.

        Raises TicketError("not_registered") when the sender has no facility.
        """
        _check_draft(draft)
        if not idempotency_key or len(idempotency_key) > 64:
            raise ValueError("idempotency_key must be 1 to 64 characters")
        for attempt in range(CREATE_ATTEMPTS):
            async with self._sessionmaker() as session:
                try:
                    result = await self._create_once(session, sender, draft, idempotency_key)
                    await session.commit()
                    return result
                except IntegrityError:
                    await session.rollback()
            existing = await self._by_idempotency_key(idempotency_key)
            if existing is not None:
                return existing, False
            logger.info("ticket number conflict, retrying (attempt %s)", attempt + 1)
            await self._clock.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise RuntimeError("could not allocate a ticket number")

    async def _create_once(
        self, session: AsyncSession, sender: str, draft: TicketDraft, key: str
    ) -> tuple[TicketView, bool]:
        requester = await session.scalar(select(Person).where(Person.sender == sender))
        if requester is None or requester.facility_id is None or not requester.active:
            raise TicketError("not_registered")
        facility = await session.get(Facility, requester.facility_id)
        if facility is None:  # pragma: no cover - facility_id is SET NULL on delete
            raise TicketError("not_registered")
        now = utcnow()
        year = now.astimezone(ZoneInfo(facility.timezone)).year
        await self._lock_numbering(session, year, requester.id)

        existing = await session.scalar(select(Ticket.id).where(Ticket.idempotency_key == key))
        if existing is not None:
            views = await self._views(session, Ticket.id == existing)
            return views[0], False

        last = await session.scalar(select(func.max(Ticket.number)).where(Ticket.year == year))
        number = int(last or 0) + 1
        derived = derive_urgency(draft.device, draft.scope, draft.care_impact)
        ticket = Ticket(
            reference=format_reference(year, number),
            year=year,
            number=number,
            idempotency_key=key,
            facility_id=facility.id,
            requester_id=requester.id,
            problem=draft.problem.strip()[:MAX_PROBLEM_CHARS],
            device=draft.device,
            scope=draft.scope,
            care_impact=draft.care_impact,
            urgency=draft.urgency or derived,
            urgency_derived=derived,
            status="new",
            created_at=now,
            updated_at=now,
        )
        session.add(ticket)
        await session.flush()
        event = self._event(session, ticket, requester, "created", None, at=now)
        await session.flush()
        view = (await self._views(session, Ticket.id == ticket.id))[0]
        message = ticket_texts.technician_new_ticket(view)
        chats = await self._technician_chats(session, ticket, follow_up=False)
        for chat_id in chats:
            self._telegram(session, chat_id, message, ticket.id)
        if not chats:
            logger.warning(
                "Ticket %s (%s): no active technician and no TECHNICIANS_CHAT_ID, "
                "nobody is notified in Telegram",
                ticket.id,
                ticket.reference,
            )
        self._email(session, view, event=None, event_id=event.id)
        return view, True

    async def _lock_numbering(self, session: AsyncSession, year: int, requester_id: int) -> None:
        """Serialise ticket numbering: a per-year advisory lock on PostgreSQL; on SQLite a
        first write takes the database's write lock until commit."""
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key, :year)"),
                {"key": _ADVISORY_LOCK_KEY, "year": year},
            )
        else:
            await session.execute(
                update(Person).where(Person.id == requester_id).values(active=Person.active),
                execution_options={"synchronize_session": False},
            )

    async def _by_idempotency_key(self, key: str) -> TicketView | None:
        async with self._sessionmaker() as session:
            views = await self._views(session, Ticket.idempotency_key == key)
            return views[0] if views else None

    # --- The requester ----------------------------------------------------------------------

    async def open_for_requester(self, sender: str) -> list[TicketView]:
        """The sender's open and resolved (not yet confirmed) tickets, newest first."""
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            if person is None:
                return []
            return await self._views(
                session,
                Ticket.requester_id == person.id,
                Ticket.status.in_(REQUESTER_STATUSES),
                order=(Ticket.created_at.desc(), Ticket.id.desc()),
            )

    async def for_requester(self, sender: str, reference: str) -> TicketView | None:
        """The ticket if it exists AND is the sender's; None otherwise (nothing revealed)."""
        normalized = normalize_reference(reference)
        if normalized is None:
            return None
        async with self._sessionmaker() as session:
            person = await self._person(session, sender)
            if person is None:
                return None
            views = await self._views(
                session, Ticket.reference == normalized, Ticket.requester_id == person.id
            )
            return views[0] if views else None

    async def add_info(self, sender: str, reference: str, text: str) -> TicketView:
        """A follow-up of the requester; waiting → in_progress; technicians (and e-mail) told."""
        cleaned = _check_text(text)
        normalized = normalize_reference(reference)
        async with self._sessionmaker() as session:
            person = await self._registered(session, sender)
            if normalized is None:
                raise TicketError("not_found")
            ticket = await session.scalar(
                select(Ticket)
                .where(Ticket.reference == normalized, Ticket.requester_id == person.id)
                .with_for_update()
            )
            if ticket is None:
                raise TicketError("not_found")
            if ticket.status == "closed":
                raise TicketError("bad_state", "closed")
            now = utcnow()
            if ticket.status == "waiting":
                ticket.status = "in_progress"
            ticket.updated_at = now
            event = self._event(session, ticket, person, "staff_info", cleaned, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            message = ticket_texts.technician_staff_info(view, cleaned)
            for chat_id in await self._technician_chats(session, ticket, follow_up=True):
                self._telegram(session, chat_id, message, ticket.id)
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title("staff_info"), cleaned, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    async def confirm_fixed(self, sender: str, ticket_id: int) -> TicketView:
        """The requester confirms the fix: closed; technicians told briefly."""
        async with self._sessionmaker() as session:
            person, ticket = await self._requester_ticket(session, sender, ticket_id)
            if ticket.status == "closed":
                return (await self._views(session, Ticket.id == ticket.id))[0]
            if ticket.status != "resolved":
                raise TicketError("bad_state", ticket.status)
            now = utcnow()
            ticket.status = "closed"
            ticket.closed_at = now
            ticket.updated_at = now
            event = self._event(session, ticket, person, "confirmed", None, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            message = ticket_texts.technician_closed(view)
            for chat_id in await self._technician_chats(session, ticket, follow_up=True):
                self._telegram(session, chat_id, message, ticket.id)
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title("confirmed"), None, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    async def reopen(self, sender: str, ticket_id: int) -> TicketView:
        """The requester says it is not fixed: reopened; technicians (and e-mail) told."""
        async with self._sessionmaker() as session:
            person, ticket = await self._requester_ticket(session, sender, ticket_id)
            if ticket.status == "reopened":
                return (await self._views(session, Ticket.id == ticket.id))[0]
            if ticket.status != "resolved":
                raise TicketError("bad_state", ticket.status)
            now = utcnow()
            ticket.status = "reopened"
            ticket.resolved_at = None
            ticket.updated_at = now
            event = self._event(session, ticket, person, "reopened", None, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            message = ticket_texts.technician_reopened(view)
            for chat_id in await self._technician_chats(session, ticket, follow_up=True):
                self._telegram(session, chat_id, message, ticket.id)
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title("reopened"), None, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    # --- Technicians --------------------------------------------------------------------------

    async def take(self, technician_sender: str, ticket_id: int) -> TicketView:
        """The technician takes the ticket: in_progress, assigned; the requester told."""
        async with self._sessionmaker() as session:
            technician, ticket = await self._technician_ticket(
                session, technician_sender, ticket_id
            )
            if ticket.status in ("resolved", "closed"):
                raise TicketError("bad_state", ticket.status)
            if ticket.assignee_id == technician.id and ticket.status == "in_progress":
                return (await self._views(session, Ticket.id == ticket.id))[0]
            now = utcnow()
            ticket.assignee_id = technician.id
            ticket.status = "in_progress"
            ticket.updated_at = now
            event = self._event(session, ticket, technician, "taken", None, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            await self._to_requester(session, ticket, ticket_texts.staff_taken(view))
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title("taken", technician.name), None, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    async def technician_message(
        self, technician_sender: str, ticket_id: int, text: str, *, ask: bool = False
    ) -> TicketView:
        """A technician's message to the requester; ``ask``: status waiting."""
        cleaned = _check_text(text)
        async with self._sessionmaker() as session:
            technician, ticket = await self._technician_ticket(
                session, technician_sender, ticket_id
            )
            if ticket.status == "closed":
                raise TicketError("bad_state", ticket.status)
            now = utcnow()
            if ticket.assignee_id is None:
                ticket.assignee_id = technician.id
            if ask:
                ticket.status = "waiting"
            elif ticket.status in ("new", "reopened", "waiting"):
                ticket.status = "in_progress"
            ticket.updated_at = now
            kind = "info_requested" if ask else "technician_message"
            event = self._event(session, ticket, technician, kind, cleaned, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            # The requester reads the name of the technician who wrote, not the assignee's.
            view_for_staff = _with_assignee(view, technician.name)
            await self._to_requester(
                session,
                ticket,
                ticket_texts.staff_technician_message(view_for_staff, cleaned, ask=ask),
            )
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title(kind, technician.name), cleaned, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    async def resolve(self, technician_sender: str, ticket_id: int) -> TicketView:
        """Resolved; the requester is asked « Est-ce réglé ? »."""
        async with self._sessionmaker() as session:
            technician, ticket = await self._technician_ticket(
                session, technician_sender, ticket_id
            )
            if ticket.status == "resolved":
                return (await self._views(session, Ticket.id == ticket.id))[0]
            if ticket.status == "closed":
                raise TicketError("bad_state", ticket.status)
            now = utcnow()
            if ticket.assignee_id is None:
                ticket.assignee_id = technician.id
            ticket.status = "resolved"
            ticket.resolved_at = now
            ticket.updated_at = now
            event = self._event(session, ticket, technician, "resolved", None, at=now)
            await session.flush()
            view = (await self._views(session, Ticket.id == ticket.id))[0]
            view_for_staff = _with_assignee(view, technician.name)
            await self._to_requester(session, ticket, ticket_texts.staff_resolved(view_for_staff))
            self._email(
                session,
                view,
                event=(ticket_texts.email_event_title("resolved", technician.name), None, now),
                event_id=event.id,
            )
            await session.commit()
            return view

    async def list_open(self) -> list[TicketView]:
        """Open tickets (new, in_progress, waiting, reopened): most urgent, then oldest first."""
        async with self._sessionmaker() as session:
            return await self._views(
                session,
                Ticket.status.in_(OPEN_STATUSES),
                order=(_urgency_order().desc(), Ticket.created_at, Ticket.id),
            )

    # --- Reading ---------------------------------------------------------------------------------

    async def get(self, reference_or_id: str | int) -> TicketView | None:
        """By id (an int or digits) or by reference (``VIG-2026-00042``, case-insensitive)."""
        condition: ColumnElement[bool]
        if isinstance(reference_or_id, int) or reference_or_id.strip().isdigit():
            condition = Ticket.id == int(reference_or_id)
        else:
            normalized = normalize_reference(reference_or_id)
            if normalized is None:
                return None
            condition = Ticket.reference == normalized
        async with self._sessionmaker() as session:
            views = await self._views(session, condition)
            return views[0] if views else None

    async def timeline(self, ticket_id: int) -> list[EventView]:
        """The events of a ticket, oldest first."""
        actor = aliased(Person)
        stmt = (
            select(TicketEvent, actor.name, actor.job)
            .outerjoin(actor, TicketEvent.actor_id == actor.id)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(stmt)).tuples().all()
        return [
            EventView(
                at=event.at,
                actor_kind=event.actor_kind,
                actor_label=_actor_label(event.actor_kind, name, job),
                kind=event.kind,
                text=event.text,
            )
            for event, name, job in rows
        ]

    async def list_tickets(
        self, *, facility_id: int | None = None, status: str | None = None
    ) -> list[TicketView]:
        """Tickets, newest first (for the command line)."""
        if status is not None and status not in TICKET_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        conditions: list[ColumnElement[bool]] = []
        if facility_id is not None:
            conditions.append(Ticket.facility_id == facility_id)
        if status is not None:
            conditions.append(Ticket.status == status)
        async with self._sessionmaker() as session:
            return await self._views(
                session, *conditions, order=(Ticket.created_at.desc(), Ticket.id.desc())
            )

    # --- Retention ---------------------------------------------------------------------------

    async def close_stale(self, now: datetime) -> tuple[int, int]:
        """Give every ticket an end: a ticket resolved ``TICKET_AUTOCLOSE_DAYS`` ago that the
        requester never confirmed is closed (and they are told); an open ticket nobody has
        touched for ``TICKET_ABANDON_DAYS`` is closed too. Returns (resolved, abandoned)."""
        settings = self._settings
        resolved_before = now - timedelta(days=settings.ticket_autoclose_days)
        abandoned_before = now - timedelta(days=settings.ticket_abandon_days)
        counts = [0, 0]
        async with self._sessionmaker() as session:
            tickets = list(
                await session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.status != "closed",
                        or_(
                            and_(Ticket.status == "resolved", Ticket.resolved_at < resolved_before),
                            Ticket.updated_at < abandoned_before,
                        ),
                    )
                    .order_by(Ticket.id)
                    .limit(STALE_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for ticket in tickets:
                resolved = ticket.status == "resolved" and (
                    ticket.resolved_at is not None and ticket.resolved_at < resolved_before
                )
                ticket.status, ticket.closed_at, ticket.updated_at = "closed", now, now
                session.add(
                    TicketEvent(
                        ticket_id=ticket.id,
                        at=now,
                        actor_id=None,
                        actor_kind="system",
                        kind="auto_closed",
                        text="resolved" if resolved else "abandoned",
                    )
                )
                counts[0 if resolved else 1] += 1
                if resolved:
                    await session.flush()
                    view = (await self._views(session, Ticket.id == ticket.id))[0]
                    message = ticket_texts.staff_auto_closed(view, settings.ticket_autoclose_days)
                    await self._to_requester(session, ticket, message)
            await session.commit()
        return counts[0], counts[1]

    async def count_stale(self, now: datetime) -> tuple[int, int]:
        """What :meth:`close_stale` would close now (resolved, abandoned)."""
        settings = self._settings
        resolved_before = now - timedelta(days=settings.ticket_autoclose_days)
        abandoned_before = now - timedelta(days=settings.ticket_abandon_days)
        async with self._sessionmaker() as session:
            resolved = await session.scalar(
                select(func.count()).where(
                    Ticket.status == "resolved", Ticket.resolved_at < resolved_before
                )
            )
            abandoned = await session.scalar(
                select(func.count()).where(
                    Ticket.status != "closed",
                    Ticket.updated_at < abandoned_before,
                    ~and_(Ticket.status == "resolved", Ticket.resolved_at < resolved_before),
                )
            )
        return int(resolved or 0), int(abandoned or 0)

    async def count_closed_before(self, before: datetime) -> int:
        """How many tickets :meth:`purge_closed_before` would delete."""
        async with self._sessionmaker() as session:
            found = await session.scalar(
                select(func.count()).where(Ticket.status == "closed", Ticket.closed_at < before)
            )
        return int(found or 0)

    async def purge_closed_before(self, before: datetime) -> int:
        """Delete the tickets closed before ``before``, with their timelines (their outbox
        rows lose their ticket link); returns how many tickets were deleted."""
        closed = select(Ticket.id).where(Ticket.status == "closed", Ticket.closed_at < before)
        async with self._sessionmaker() as session:
            await session.execute(
                delete(TicketEvent).where(TicketEvent.ticket_id.in_(closed)),
                execution_options={"synchronize_session": False},
            )
            result = cast(
                "CursorResult[Any]",
                await session.execute(
                    delete(Ticket).where(Ticket.status == "closed", Ticket.closed_at < before),
                    execution_options={"synchronize_session": False},
                ),
            )
            await session.commit()
            return int(result.rowcount)

    # --- Helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _person(session: AsyncSession, sender: str) -> Person | None:
        person: Person | None = await session.scalar(select(Person).where(Person.sender == sender))
        return person

    async def _registered(self, session: AsyncSession, sender: str) -> Person:
        person = await self._person(session, sender)
        if person is None or not person.active:
            raise TicketError("not_registered")
        return person

    async def _requester_ticket(
        self, session: AsyncSession, sender: str, ticket_id: int
    ) -> tuple[Person, Ticket]:
        person = await self._registered(session, sender)
        ticket = await session.scalar(
            select(Ticket)
            .where(Ticket.id == ticket_id, Ticket.requester_id == person.id)
            .with_for_update()
        )
        if ticket is None:
            raise TicketError("not_found")
        return person, ticket

    async def _technician_ticket(
        self, session: AsyncSession, sender: str, ticket_id: int
    ) -> tuple[Person, Ticket]:
        person = await self._person(session, sender)
        if not is_technician(person):
            raise TicketError("not_allowed")
        ticket = await session.scalar(
            select(Ticket).where(Ticket.id == ticket_id).with_for_update()
        )
        if ticket is None:
            raise TicketError("not_found")
        return person, ticket

    @staticmethod
    def _event(
        session: AsyncSession,
        ticket: Ticket,
        actor: Person,
        kind: str,
        text_value: str | None,
        *,
        at: datetime,
    ) -> TicketEvent:
        actor_kind = "technician" if actor.role in DESK_ROLES else "staff"
        if actor.role == "admin":
            actor_kind = "admin"
        event = TicketEvent(
            ticket_id=ticket.id,
            at=at,
            actor_id=actor.id,
            actor_kind=actor_kind,
            kind=kind,
            text=text_value,
        )
        session.add(event)
        return event

    async def _technician_chats(
        self, session: AsyncSession, ticket: Ticket, *, follow_up: bool
    ) -> list[int]:
        """The group chat if set; for a follow-up on an assigned ticket, the assignee;
        otherwise every active technician (Telegram chats: the technicians' rows are always
        ``telegram``)."""
        group = self._settings.technicians_chat_id
        if group is None and follow_up and ticket.assignee_id is not None:
            assignee = await session.get(Person, ticket.assignee_id)
            if (
                assignee is not None
                and assignee.active
                and assignee.role == "technician"
                and assignee.channel == "telegram"
            ):
                return [assignee.chat_id]
        return await technician_chats(session, group)

    async def _to_requester(
        self, session: AsyncSession, ticket: Ticket, message: OutgoingMessage
    ) -> None:
        """Notify the requester in their own chat: Telegram, or the local terminal chat."""
        requester = await session.get(Person, ticket.requester_id)
        if requester is None or not requester.active:
            return
        if requester.channel not in CHAT_CHANNELS:
            logger.warning(
                "Requester %s: no outbox for channel %s", requester.id, requester.channel
            )
            return
        self._chat(session, requester.channel, requester.chat_id, message, ticket.id)

    @staticmethod
    def _telegram(
        session: AsyncSession, chat_id: int, message: OutgoingMessage, ticket_id: int
    ) -> None:
        TicketService._chat(session, "telegram", chat_id, message, ticket_id)

    @staticmethod
    def _chat(
        session: AsyncSession, channel: str, chat_id: int, message: OutgoingMessage, ticket_id: int
    ) -> None:
        Outbox.add(
            session,
            channel=channel,
            destination=str(chat_id),
            payload=message.to_custom(),
            ticket_id=ticket_id,
        )

    def _email(
        self,
        session: AsyncSession,
        view: TicketView,
        *,
        event: tuple[str, str | None, datetime] | None,
        event_id: int,
    ) -> None:
        """Queue the helpdesk e-mail (when mail is enabled): the ticket, or a follow-up
        (``event``: its title from ``email_event_title``, its text, its time), threaded
        under the ticket's first e-mail."""
        settings = self._settings
        if not settings.mail_enabled or not settings.helpdesk_mail_to:
            return
        first_id = email_message_id(view.reference, settings.mail_from)
        follow_up = event is not None
        payload: dict[str, Any] = {
            "subject": ticket_texts.email_subject(view, follow_up=follow_up),
            "body": ticket_texts.email_body(
                view,
                town=view.facility_town,
                finess=view.facility_finess,
                event_title=event[0] if event else None,
                event_text=event[1] if event else None,
                event_at=event[2] if event else None,
            ),
            "message_id": (
                email_message_id(view.reference, settings.mail_from, event_id)
                if follow_up
                else first_id
            ),
            "in_reply_to": first_id if follow_up else None,
            "references": [first_id] if follow_up else [],
        }
        Outbox.add(
            session,
            channel="email",
            destination=settings.helpdesk_mail_to,
            payload=payload,
            ticket_id=view.id,
        )

    @staticmethod
    async def _views(
        session: AsyncSession,
        *conditions: ColumnElement[bool],
        order: Sequence[Any] = (),
    ) -> list[TicketView]:
        requester = aliased(Person)
        assignee = aliased(Person)
        stmt = (
            select(Ticket, Facility, requester.job, assignee.name)
            .join(Facility, Ticket.facility_id == Facility.id)
            .outerjoin(requester, Ticket.requester_id == requester.id)
            .outerjoin(assignee, Ticket.assignee_id == assignee.id)
            .where(*conditions)
            .order_by(*order)
        )
        rows = (await session.execute(stmt)).tuples().all()
        if not rows:
            return []
        last_messages = await _last_technician_messages(session, [t.id for t, _, _, _ in rows])
        return [
            TicketView(
                id=ticket.id,
                reference=ticket.reference,
                facility_id=facility.id,
                facility_name=facility.name,
                facility_hours=facility.hours,
                facility_timezone=facility.timezone,
                requester_id=ticket.requester_id,
                requester_job=job,
                problem=ticket.problem,
                device=ticket.device,
                scope=ticket.scope,
                care_impact=ticket.care_impact,
                urgency=ticket.urgency,
                status=ticket.status,
                assignee_name=assignee_name,
                created_at=ticket.created_at,
                updated_at=ticket.updated_at,
                last_technician_message=last_messages.get(ticket.id),
                facility_town=facility.town,
                facility_finess=facility.finess,
            )
            for ticket, facility, job, assignee_name in rows
        ]


async def _last_technician_messages(session: AsyncSession, ticket_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ticket_ids), 500):
        chunk = ticket_ids[start : start + 500]
        rows = await session.execute(
            select(TicketEvent.ticket_id, TicketEvent.text)
            .where(
                TicketEvent.ticket_id.in_(chunk),
                TicketEvent.kind.in_(TECHNICIAN_MESSAGE_KINDS),
                TicketEvent.text.is_not(None),
            )
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        for ticket_id, text_value in rows.tuples():
            if text_value:
                found[ticket_id] = text_value  # later rows overwrite: the last one stays
    return found


def _with_assignee(view: TicketView, name: str | None) -> TicketView:
    return replace(view, assignee_name=name) if name else view


def _actor_label(actor_kind: str, name: str | None, job: str | None) -> str:
    if actor_kind == "technician":
        return f"{name or 'un technicien'} (technicien)"
    if actor_kind == "staff":
        return ticket_texts.requester_label(job).capitalize()
    if actor_kind == "admin":
        return "Administrateur"
    return "Vigie"


def email_message_id(reference: str, mail_from: str, event_id: int | None = None) -> str:
    """The Message-ID of a ticket's first e-mail (``<VIG-2026-00042@domain>``), or of one of
    its follow-ups (``<VIG-2026-00042.17@domain>``); the domain is that of ``mail_from``."""
    domain = mail_from.rpartition("@")[2].strip(" <>") if "@" in mail_from else ""
    domain = domain or "vigie"
    local = reference if event_id is None else f"{reference}.{event_id}"
    return f"<{local}@{domain}>"
