"""Incidents: declaration, paging and escalation, « Je m'en occupe », the director's part and
the 72-hour reminders.

Every mutating method runs in ONE transaction holding the incident change, its timeline
events and its notifications (rows of the outbox, sent by the bot's dispatcher). Paging never
sleeps: :meth:`IncidentService.escalate_due` and :meth:`IncidentService.remind_due` are run
by the housekeeping every minute and read the time they are given.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from vigie.core.channels import CHAT_CHANNELS
from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.hours import zone
from vigie.core.messages import OutgoingMessage
from vigie.core.redaction import redact
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.incidents import texts
from vigie.incidents.models import Incident, IncidentEvent
from vigie.incidents.roster import parse_roster
from vigie.incidents.views import IncidentDraft, IncidentEventView, IncidentView
from vigie.incidents.vocabulary import (
    BREACH_ANSWERS,
    CARE_ANSWERS,
    INCIDENT_KINDS,
    LOST_DEVICES,
    TRISTATE,
)
from vigie.outbox.store import Outbox
from vigie.people.directory import technician_chats
from vigie.people.models import Facility, Person
from vigie.people.roles import Role, is_technician
from vigie.tickets.service import email_message_id

logger = logging.getLogger(__name__)

#: Reminders to the director, in hours after the discovery, while the breach is unanswered.
BREACH_REMINDER_HOURS: tuple[int, ...] = (24, 48, 66)
BATCH = 200  # incidents handled per pass of a periodic job
CREATE_ATTEMPTS = 5
MAX_TEXT_CHARS = 2000
MAX_SINCE_CHARS = 200
# Key of the PostgreSQL advisory lock serialising the numbering of incidents ("IN" + year).
_ADVISORY_LOCK_KEY = 0x494E

IncidentErrorCode = Literal["not_registered", "not_found", "not_allowed", "bad_state"]


class IncidentError(Exception):
    """A refused incident operation; ``code`` says why."""

    def __init__(self, code: IncidentErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: IncidentErrorCode = code


@dataclass(frozen=True)
class Acknowledgement:
    """The outcome of « Je m'en occupe »: whether the presser holds the incident, and what to
    answer them (``already_taken`` when someone was first)."""

    incident: IncidentView
    holder: bool
    reply: OutgoingMessage


def format_reference(year: int, number: int) -> str:
    """``INC-2026-00001``: the incidents' own series, on the tickets' pattern."""
    return f"INC-{year}-{number:05d}"


def incident_urgency(draft: IncidentDraft) -> str:
    """An incident is critical; a lost device is critical when residents' data is (or may be)
    on it or it was not locked or encrypted, else high."""
    if draft.kind != "lost_device":
        return "critical"
    if draft.data_affected in ("yes", "unknown", None) or draft.device_locked != "yes":
        return "critical"
    return "high"


def _clean(value: str | None, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    return redact(value.strip()).text[:limit]


def _check_code(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"unknown {what} {value!r}")


def _check_draft(draft: IncidentDraft) -> None:
    _check_code(draft.kind, INCIDENT_KINDS, "kind")
    _check_code(draft.care_continues, CARE_ANSWERS, "care_continues")
    _check_code(draft.data_affected, TRISTATE, "data_affected")
    _check_code(draft.device_locked, TRISTATE, "device_locked")
    _check_code(draft.lost_device, LOST_DEVICES, "lost_device")


Target = dict[str, Any]  # {"channel": "telegram", "chat": 123, "label": "Zoé (astreinte)"}


def _key(target: Target) -> tuple[str, int]:
    return str(target["channel"]), int(target["chat"])


class IncidentService:
    """Incidents, their paging and their notifications."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        self._roster = parse_roster(settings.oncall_roster)  # ValueError at start when wrong

    @property
    def ack_delay(self) -> timedelta:
        """How long a page waits for « Je m'en occupe » before the next step."""
        return timedelta(minutes=self._settings.incident_ack_minutes)

    # --- Declaration --------------------------------------------------------------------------

    async def declare(
        self,
        sender: str,
        draft: IncidentDraft,
        *,
        idempotency_key: str,
        complete: bool = True,
    ) -> tuple[IncidentView, bool]:
        """Record the incident and queue, in the same transaction, the pages (technicians and
        the on-call technician) and the director's summary, checklist and declaration text.
        ``(view, True)``, or ``(existing, False)`` for a known key. The reporter's answer is
        :func:`vigie.incidents.texts.reporter_declared`.

        ``complete=False``: declared as the form starts, with what is known so far: the pages
        go at once (saying that details follow); the director's part waits for
        :meth:`complete` or, if the reporter leaves the form, ``INCIDENT_FORM_MINUTES``
        (:meth:`complete_stale`).

        Raises IncidentError("not_registered") when the sender has no facility.
        """
        _check_draft(draft)
        if not idempotency_key or len(idempotency_key) > 64:
            raise ValueError("idempotency_key must be 1 to 64 characters")
        for attempt in range(CREATE_ATTEMPTS):
            async with self._sessionmaker() as session:
                try:
                    result = await self._declare_once(
                        session, sender, draft, idempotency_key, complete
                    )
                    await session.commit()
                    return result
                except IntegrityError:
                    await session.rollback()
            existing = await self._by_key(idempotency_key)
            if existing is not None:
                return existing, False
            logger.info("incident number conflict, retrying (attempt %s)", attempt + 1)
            await self._clock.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise RuntimeError("could not allocate an incident number")

    async def _declare_once(
        self, session: AsyncSession, sender: str, draft: IncidentDraft, key: str, complete: bool
    ) -> tuple[IncidentView, bool]:
        reporter = await session.scalar(select(Person).where(Person.sender == sender))
        if reporter is None or reporter.facility_id is None or not reporter.active:
            raise IncidentError("not_registered")
        facility = await session.get(Facility, reporter.facility_id)
        if facility is None:  # pragma: no cover - facility_id is SET NULL on delete
            raise IncidentError("not_registered")
        now = utcnow()
        year = now.astimezone(zone(facility.timezone)).year
        await self._lock_numbering(session, year, reporter.id)
        existing = await session.scalar(select(Incident.id).where(Incident.idempotency_key == key))
        if existing is not None:
            return (await self._views(session, Incident.id == existing))[0], False

        last = await session.scalar(select(func.max(Incident.number)).where(Incident.year == year))
        number = int(last or 0) + 1
        levels = await self._escalation_levels(session, facility, now)
        incident = Incident(
            reference=format_reference(year, number),
            year=year,
            number=number,
            idempotency_key=key,
            facility_id=facility.id,
            reporter_id=reporter.id,
            kind=draft.kind,
            urgency=incident_urgency(draft),
            what=_clean(draft.what, MAX_TEXT_CHARS),
            since=_clean(draft.since, MAX_SINCE_CHARS),
            extent=_clean(draft.extent, MAX_TEXT_CHARS),
            care_continues=draft.care_continues,
            data_affected=draft.data_affected or "unknown",
            actions_taken=_clean(draft.actions_taken, MAX_TEXT_CHARS),
            lost_device=draft.lost_device if draft.kind == "lost_device" else None,
            device_locked=draft.device_locked if draft.kind == "lost_device" else None,
            status="open",
            escalation_chain={"levels": levels},
            escalation_level=0,
            last_paged_at=now,
            discovered_at=min(draft.discovered_at or now, now),
            reminders_sent=0,
            details_complete=complete,
            director_told=False,
            created_at=now,
            updated_at=now,
        )
        session.add(incident)
        await session.flush()
        self._event(session, incident, "created", reporter, None, at=now)
        view = (await self._views(session, Incident.id == incident.id))[0]
        self._email(session, view, None)

        first = levels[0] if levels else []
        for target in first:
            self._send(session, target, texts.page(view))
            self._event(session, incident, "paged", None, target["label"], at=now)
        if not first:
            logger.warning(
                "Incident %s (%s): no technician, no group chat and no on-call technician, "
                "nobody is paged until the escalation reaches the referents",
                incident.id,
                incident.reference,
            )
        if complete:
            await self._director_part(session, incident, view, now)
        return view, True

    async def _director_part(
        self, session: AsyncSession, incident: Incident, view: IncidentView, now: datetime
    ) -> None:
        """The director's summary, checklist and declaration text, once per incident: for a
        security incident, and for a loss that may expose residents' data."""
        if incident.director_told:
            return
        incident.director_told = True
        if view.kind == "incident" or view.data_at_risk:
            await self._to_director(session, incident, view, now)

    async def complete(
        self, sender: str, draft: IncidentDraft, *, idempotency_key: str
    ) -> tuple[IncidentView, bool]:
        """The reporter's answers to an incident declared as its form started: recorded
        (a skipped answer keeps what was known), everyone paged so far gets the details, the
        director their part. ``(view, True)``; ``(view, False)`` when already complete (a
        retry). Raises IncidentError("not_found") for an unknown key or another sender."""
        _check_draft(draft)
        async with self._sessionmaker() as session:
            incident = await session.scalar(
                select(Incident)
                .where(Incident.idempotency_key == idempotency_key)
                .with_for_update()
            )
            reporter = await session.scalar(select(Person).where(Person.sender == sender))
            if incident is None or reporter is None or incident.reporter_id != reporter.id:
                raise IncidentError("not_found")
            if incident.details_complete:
                return await self._view(session, incident.id), False
            now = utcnow()
            self._apply(incident, draft, now)
            incident.details_complete = True
            incident.updated_at = now
            self._event(session, incident, "completed", reporter, None, at=now)
            await session.flush()
            view = await self._view(session, incident.id)
            self._email(session, view, "completed")
            details = texts.details(view)
            for target in self._paged(incident):
                self._send(session, target, details)
            await self._director_part(session, incident, view, now)
            await session.commit()
            return view, True

    @staticmethod
    def _apply(incident: Incident, draft: IncidentDraft, now: datetime) -> None:
        """The form's answers onto an incident declared early (None keeps what is known)."""
        if draft.kind != incident.kind:
            raise ValueError("the form's kind is not the incident's")
        texts_ = {
            "what": _clean(draft.what, MAX_TEXT_CHARS),
            "since": _clean(draft.since, MAX_SINCE_CHARS),
            "extent": _clean(draft.extent, MAX_TEXT_CHARS),
            "actions_taken": _clean(draft.actions_taken, MAX_TEXT_CHARS),
        }
        for name, value in texts_.items():
            if value is not None:
                setattr(incident, name, value)
        if draft.care_continues is not None:
            incident.care_continues = draft.care_continues
        if draft.data_affected is not None:
            incident.data_affected = draft.data_affected
        if draft.kind == "lost_device":
            if draft.lost_device is not None:
                incident.lost_device = draft.lost_device
            if draft.device_locked is not None:
                incident.device_locked = draft.device_locked
        if draft.discovered_at is not None:
            incident.discovered_at = min(draft.discovered_at, incident.created_at, now)
        incident.urgency = incident_urgency(
            IncidentDraft(
                kind=incident.kind,
                data_affected=incident.data_affected,
                lost_device=incident.lost_device,
                device_locked=incident.device_locked,
            )
        )

    async def complete_stale(self, now: datetime) -> int:
        """Incidents whose reporter left the form ``INCIDENT_FORM_MINUTES`` ago: taken as they
        are (the director gets their part with what is known). Returns how many."""
        before = now - timedelta(minutes=self._settings.incident_form_minutes)
        done = 0
        async with self._sessionmaker() as session:
            incidents = list(
                await session.scalars(
                    select(Incident)
                    .where(~Incident.details_complete, Incident.created_at <= before)
                    .order_by(Incident.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for incident in incidents:
                incident.details_complete = True
                incident.updated_at = now
                self._event(session, incident, "form_left", None, None, at=now)
                view = await self._view(session, incident.id)
                await self._director_part(session, incident, view, now)
                done += 1
            await session.commit()
        return done

    async def _to_director(
        self, session: AsyncSession, incident: Incident, view: IncidentView, now: datetime
    ) -> None:
        contacts = self._settings.contacts_at(now, view.facility_hours, view.facility_timezone)
        referents = await self._referents(session, incident.facility_id)
        for person in referents:
            target = {"channel": person.channel, "chat": person.chat_id}
            self._send(session, target, texts.director_summary(view, contacts))
            Outbox.add(
                session,
                channel=str(target["channel"]),
                destination=str(target["chat"]),
                payload=texts.declaration_payload(view, contacts),
            )
            label = f"référent n° {person.id}"
            self._event(session, incident, "director_summary", None, label, at=now)
        if not referents:
            self._event(session, incident, "no_director", None, None, at=now)
            logger.warning(
                "Incident %s (%s): no active referent for the facility, the director's "
                "checklist reaches nobody",
                incident.id,
                incident.reference,
            )

    async def _escalation_levels(
        self, session: AsyncSession, facility: Facility, now: datetime
    ) -> list[list[Target]]:
        """Who is paged at each level, fixed now: level 0 the technicians (their group chat,
        or each of them) and the on-call technician; then each backup of the roster's slot not
        yet paged; then the facility's referents."""
        names = await self._technician_names(session)
        group = self._settings.technicians_chat_id
        level0: dict[tuple[str, int], Target] = {}
        for chat in await technician_chats(session, group):
            label = "groupe des techniciens" if chat == group else f"{names.get(chat, chat)}"
            level0.setdefault(("telegram", chat), _target("telegram", chat, label))
        chain = self._roster.chain_at(now, facility.timezone)
        if chain:
            label = f"{names.get(chain[0], chain[0])} (astreinte)"
            level0[("telegram", chain[0])] = _target("telegram", chain[0], label)
        levels = [list(level0.values())]
        paged = set(level0)
        for chat in chain[1:]:
            if ("telegram", chat) in paged:
                continue
            paged.add(("telegram", chat))
            label = f"{names.get(chat, chat)} (renfort d’astreinte)"
            levels.append([_target("telegram", chat, label)])
        referents = [
            _target(person.channel, person.chat_id, f"référent n° {person.id}")
            for person in await self._referents(session, facility.id)
            if (person.channel, person.chat_id) not in paged
        ]
        if referents:
            levels.append(referents)
        return levels

    async def _lock_numbering(self, session: AsyncSession, year: int, reporter_id: int) -> None:
        """Serialise numbering: a per-year advisory lock on PostgreSQL; on SQLite a first
        write takes the database's write lock until commit."""
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key, :year)"),
                {"key": _ADVISORY_LOCK_KEY, "year": year},
            )
        else:
            await session.execute(
                update(Person).where(Person.id == reporter_id).values(active=Person.active),
                execution_options={"synchronize_session": False},
            )

    # --- « Je m'en occupe » -----------------------------------------------------------------

    async def acknowledge(self, incident_id: int, sender: str) -> Acknowledgement:
        """« Je m'en occupe »: the first one wins (a technician, or a referent of the
        facility); the reporter and the others paged are told. A later press gets
        « Déjà pris par X » and changes nothing."""
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            incident = await session.get(Incident, incident_id)
            if incident is None:
                raise IncidentError("not_found")
            if not self._may_act(person, incident):
                raise IncidentError("not_allowed")
            assert person is not None  # checked by _may_act
            person_id, person_chat = person.id, (person.channel, person.chat_id)
            now = utcnow()
            # One conditional UPDATE: of two presses at once, only one finds the incident open.
            result = cast(
                "CursorResult[Any]",
                await session.execute(
                    update(Incident)
                    .where(Incident.id == incident_id, Incident.status == "open")
                    .values(status="taken", taken_by_id=person_id, taken_at=now, updated_at=now),
                    execution_options={"synchronize_session": False},
                ),
            )
            if result.rowcount != 1:
                await session.rollback()
                view = await self._view(session, incident_id)
                if view.status == "closed" and view.taken_by_name is None:
                    raise IncidentError("bad_state", "closed")
                holder = await session.scalar(
                    select(Incident.taken_by_id).where(Incident.id == incident_id)
                )
                if holder == person_id:
                    return Acknowledgement(view, True, texts.taken_by_you(view))
                return Acknowledgement(view, False, texts.already_taken(view))
            await session.refresh(incident)
            self._event(session, incident, "taken", person, None, at=now)
            view = await self._view(session, incident_id)
            self._email(session, view, "taken")
            reporter = (
                await session.get(Person, incident.reporter_id) if incident.reporter_id else None
            )
            if reporter is not None and reporter.active and reporter.channel in CHAT_CHANNELS:
                target = _target(reporter.channel, reporter.chat_id, "")
                self._send(session, target, texts.reporter_taken(view))
                self._event(session, incident, "reporter_told", None, None, at=now)
            for target in self._paged(incident):
                if _key(target) != person_chat:
                    self._send(session, target, texts.taken_notice(view))
            await session.commit()
            return Acknowledgement(view, True, texts.taken_by_you(view))

    async def close(self, incident_id: int, sender: str) -> IncidentView:
        """The holder (or any technician) closes the incident; the reporter is told (queued);
        the breach clock goes on. Closing a closed incident changes nothing."""
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            incident = await session.get(Incident, incident_id, with_for_update=True)
            if incident is None:
                raise IncidentError("not_found")
            if not is_technician(person) and not (
                person is not None and incident.taken_by_id == person.id
            ):
                raise IncidentError("not_allowed")
            if incident.status != "closed":
                now = utcnow()
                incident.status, incident.closed_at, incident.updated_at = "closed", now, now
                if incident.taken_by_id is None and person is not None:
                    incident.taken_by_id = person.id  # closed without « Je m'en occupe »
                self._event(session, incident, "closed", person, None, at=now)
                await session.flush()
                view = await self._view(session, incident_id)
                self._email(session, view, "closed")
                reporter = (
                    await session.get(Person, incident.reporter_id)
                    if incident.reporter_id
                    else None
                )
                if reporter is not None and reporter.active and reporter.channel in CHAT_CHANNELS:
                    target = _target(reporter.channel, reporter.chat_id, "")
                    self._send(session, target, texts.reporter_closed(view))
                await session.commit()
            return await self._view(session, incident_id)

    # --- Escalation ------------------------------------------------------------------------------

    async def escalate_due(self, now: datetime) -> int:
        """Page again every incident nobody took within ``INCIDENT_ACK_MINUTES`` of its last
        page, and escalate it one level (the roster's next backup, then the referents); past
        the last level, everyone is paged again. Returns how many incidents were paged."""
        due_before = now - self.ack_delay
        async with self._sessionmaker() as session:
            incidents = list(
                await session.scalars(
                    select(Incident)
                    .where(Incident.status == "open", Incident.last_paged_at <= due_before)
                    .order_by(Incident.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for incident in incidents:
                levels: list[list[Target]] = incident.escalation_chain.get("levels", [])
                level = incident.escalation_level + 1
                view = await self._view(session, incident.id)
                message = texts.page(view, repage=level)
                for target in self._paged(incident):
                    self._send(session, target, message)
                    self._event(session, incident, "repaged", None, target["label"], at=now)
                if level < len(levels):
                    for target in levels[level]:
                        self._send(session, target, message)
                        self._event(session, incident, "escalated", None, target["label"], at=now)
                incident.escalation_level = level
                incident.last_paged_at = now
                incident.updated_at = now
            await session.commit()
        return len(incidents)

    # --- The 72 hours ---------------------------------------------------------------------------

    async def remind_due(self, now: datetime) -> int:
        """Remind the referents of every incident whose residents' data may be exposed and
        whose breach answer is still missing, at 24, 48 and 66 hours after the discovery (one
        reminder per step, never after the 72 hours). Returns how many were reminded."""
        first = timedelta(hours=BREACH_REMINDER_HOURS[0])
        window = timedelta(hours=texts.BREACH_HOURS)
        reminded = 0
        async with self._sessionmaker() as session:
            incidents = list(
                await session.scalars(
                    select(Incident)
                    .where(
                        Incident.breach_answer.is_(None),
                        Incident.data_affected.in_(("yes", "unknown")),
                        Incident.reminders_sent < len(BREACH_REMINDER_HOURS),
                        Incident.discovered_at <= now - first,
                        Incident.discovered_at > now - window,
                    )
                    .order_by(Incident.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for incident in incidents:
                elapsed = now - incident.discovered_at
                step = sum(
                    1 for hours in BREACH_REMINDER_HOURS if elapsed >= timedelta(hours=hours)
                )
                if step <= incident.reminders_sent:
                    continue
                incident.reminders_sent = step  # missed steps are not sent one after another
                view = await self._view(session, incident.id)
                referents = await self._referents(session, incident.facility_id)
                for person in referents:
                    target = _target(person.channel, person.chat_id, "")
                    self._send(session, target, texts.breach_reminder(view, now))
                label = f"{BREACH_REMINDER_HOURS[step - 1]} h"
                self._event(session, incident, "reminder", None, label, at=now)
                if not referents:
                    self._event(session, incident, "no_director", None, None, at=now)
                reminded += 1
            await session.commit()
        return reminded

    async def answer_breach(
        self, incident_id: int, sender: str, answer: str
    ) -> tuple[IncidentView, OutgoingMessage]:
        """The director's answer (« notifiée », « pas nécessaire », « le DPO s'en occupe »):
        the reminders stop. A referent of the facility or a technician may answer."""
        if answer not in BREACH_ANSWERS:
            raise ValueError(f"unknown breach answer {answer!r}")
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            incident = await session.get(Incident, incident_id, with_for_update=True)
            if incident is None:
                raise IncidentError("not_found")
            if not self._may_act(person, incident):
                raise IncidentError("not_allowed")
            if incident.breach_answer != answer:
                now = utcnow()
                incident.breach_answer, incident.breach_answered_at = answer, now
                incident.updated_at = now
                self._event(session, incident, "breach_answered", person, answer, at=now)
                await session.commit()
            view = await self._view(session, incident_id)
            return view, texts.breach_answered(view, answer)

    # --- Reading ---------------------------------------------------------------------------------

    async def list_open(self, limit: int = 20) -> list[IncidentView]:
        """The incidents not closed yet, the newest first."""
        async with self._sessionmaker() as session:
            return (
                await self._views(
                    session, Incident.status != "closed", order=(Incident.created_at.desc(),)
                )
            )[:limit]

    async def list_incidents(
        self, *, facility_id: int | None = None, status: str | None = None
    ) -> list[IncidentView]:
        """Every incident (of one facility, with one status), the newest first."""
        conditions: list[ColumnElement[bool]] = []
        if facility_id is not None:
            conditions.append(Incident.facility_id == facility_id)
        if status is not None:
            conditions.append(Incident.status == status)
        async with self._sessionmaker() as session:
            return await self._views(
                session, *conditions, order=(Incident.created_at.desc(), Incident.id.desc())
            )

    async def by_reference(self, reference: str) -> IncidentView | None:
        """The incident with this reference (``INC-2026-00042``), if any."""
        async with self._sessionmaker() as session:
            views = await self._views(session, Incident.reference == reference)
            return views[0] if views else None

    async def get(self, incident_id: int) -> IncidentView | None:
        """The incident with this id, if any."""
        async with self._sessionmaker() as session:
            views = await self._views(session, Incident.id == incident_id)
            return views[0] if views else None

    async def timeline(self, incident_id: int) -> list[IncidentEventView]:
        """The steps of an incident, oldest first."""
        actor = aliased(Person)
        stmt = (
            select(IncidentEvent, actor.name)
            .outerjoin(actor, IncidentEvent.actor_id == actor.id)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(stmt)).tuples().all()
        return [
            IncidentEventView(
                at=event.at,
                actor_kind=event.actor_kind,
                actor_name=name,
                kind=event.kind,
                text=event.text,
            )
            for event, name in rows
        ]

    async def declaration(self, incident_id: int) -> tuple[str, str]:
        """The declaration text as a document (file name, plain-text body)."""
        view = await self.get(incident_id)
        if view is None:
            raise IncidentError("not_found")
        return texts.declaration_document(view, self._settings.contacts())

    # --- Retention ---------------------------------------------------------------------------------

    async def close_stale(self, now: datetime) -> int:
        """Give every incident an end: one nobody touched for ``TICKET_ABANDON_DAYS`` is
        closed. Returns how many."""
        before = now - timedelta(days=self._settings.ticket_abandon_days)
        async with self._sessionmaker() as session:
            incidents = list(
                await session.scalars(
                    select(Incident)
                    .where(Incident.status != "closed", Incident.updated_at < before)
                    .order_by(Incident.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for incident in incidents:
                incident.status, incident.closed_at, incident.updated_at = "closed", now, now
                self._event(session, incident, "closed", None, "abandoned", at=now)
            await session.commit()
        return len(incidents)

    async def count_stale(self, now: datetime) -> int:
        """How many incidents :meth:`close_stale` would close now."""
        before = now - timedelta(days=self._settings.ticket_abandon_days)
        async with self._sessionmaker() as session:
            found = await session.scalar(
                select(func.count()).where(
                    Incident.status != "closed", Incident.updated_at < before
                )
            )
        return int(found or 0)

    async def count_closed_before(self, before: datetime) -> int:
        """How many incidents :meth:`purge_closed_before` would delete."""
        async with self._sessionmaker() as session:
            found = await session.scalar(
                select(func.count()).where(Incident.status == "closed", Incident.closed_at < before)
            )
        return int(found or 0)

    async def purge_closed_before(self, before: datetime) -> int:
        """Delete the incidents closed before ``before``, with their timelines."""
        closed = (Incident.status == "closed", Incident.closed_at < before)
        async with self._sessionmaker() as session:
            await session.execute(
                delete(IncidentEvent).where(
                    IncidentEvent.incident_id.in_(select(Incident.id).where(*closed))
                ),
                execution_options={"synchronize_session": False},
            )
            result = cast(
                "CursorResult[Any]",
                await session.execute(
                    delete(Incident).where(*closed),
                    execution_options={"synchronize_session": False},
                ),
            )
            await session.commit()
            return int(result.rowcount)

    # --- Helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _may_act(person: Person | None, incident: Incident) -> bool:
        """A technician, or an active referent of the incident's facility."""
        if is_technician(person):
            return True
        return (
            person is not None
            and person.active
            and person.role == Role.REFERENT.value
            and person.facility_id == incident.facility_id
        )

    @staticmethod
    def _paged(incident: Incident) -> list[Target]:
        """Everyone paged so far (levels 0 to the current one), each once."""
        levels: list[list[Target]] = incident.escalation_chain.get("levels", [])
        seen: dict[tuple[str, int], Target] = {}
        for level in levels[: incident.escalation_level + 1]:
            for target in level:
                seen.setdefault(_key(target), target)
        return list(seen.values())

    @staticmethod
    async def _referents(session: AsyncSession, facility_id: int) -> list[Person]:
        """The facility's active referents (its director or cyber referent) on a chat."""
        return list(
            await session.scalars(
                select(Person)
                .where(
                    Person.facility_id == facility_id,
                    Person.role == Role.REFERENT.value,
                    Person.active.is_(True),
                    Person.channel.in_(CHAT_CHANNELS),
                )
                .order_by(Person.id)
            )
        )

    @staticmethod
    async def _technician_names(session: AsyncSession) -> dict[int, str]:
        rows = await session.execute(
            select(Person.chat_id, Person.name).where(
                Person.channel == "telegram", Person.name.is_not(None)
            )
        )
        return {chat: str(name) for chat, name in rows.tuples()}

    @staticmethod
    def _send(session: AsyncSession, target: Target, message: OutgoingMessage) -> None:
        Outbox.add(
            session,
            channel=str(target["channel"]),
            destination=str(target["chat"]),
            payload=message.to_custom(),
        )

    @staticmethod
    def _event(
        session: AsyncSession,
        incident: Incident,
        kind: str,
        actor: Person | None,
        text_value: str | None,
        *,
        at: datetime,
    ) -> None:
        if actor is None:
            actor_kind = "system"
        elif actor.role in (Role.TECHNICIAN.value, Role.ADMIN.value, Role.REFERENT.value):
            actor_kind = actor.role
        else:
            actor_kind = "staff"
        session.add(
            IncidentEvent(
                incident_id=incident.id,
                at=at,
                actor_id=actor.id if actor is not None else None,
                actor_kind=actor_kind,
                kind=kind,
                text=text_value,
            )
        )

    def _email(self, session: AsyncSession, view: IncidentView, step: str | None) -> None:
        """Queue the helpdesk e-mail (when mail is enabled): the incident as declared, or one
        step of it (``completed``, ``taken``, ``closed``: each happens once), threaded under
        the first e-mail, as tickets are."""
        settings = self._settings
        if not settings.mail_enabled or not settings.helpdesk_mail_to:
            return
        first_id = email_message_id(view.reference, settings.mail_from)
        payload: dict[str, Any] = {
            "subject": texts.email_subject(view, follow_up=step is not None),
            "body": texts.email_body(view, step),
            "message_id": (
                email_message_id(f"{view.reference}.{step}", settings.mail_from)
                if step
                else first_id
            ),
            "in_reply_to": first_id if step else None,
            "references": [first_id] if step else [],
        }
        Outbox.add(session, channel="email", destination=settings.helpdesk_mail_to, payload=payload)

    async def _by_key(self, key: str) -> IncidentView | None:
        async with self._sessionmaker() as session:
            views = await self._views(session, Incident.idempotency_key == key)
            return views[0] if views else None

    async def _view(self, session: AsyncSession, incident_id: int) -> IncidentView:
        views = await self._views(session, Incident.id == incident_id)
        if not views:
            raise IncidentError("not_found")
        return views[0]

    @staticmethod
    async def _views(
        session: AsyncSession, *conditions: ColumnElement[bool], order: Sequence[Any] = ()
    ) -> list[IncidentView]:
        reporter = aliased(Person)
        taker = aliased(Person)
        stmt = (
            select(Incident, Facility, reporter.job, taker.name, taker.role)
            .join(Facility, Incident.facility_id == Facility.id)
            .outerjoin(reporter, Incident.reporter_id == reporter.id)
            .outerjoin(taker, Incident.taken_by_id == taker.id)
            .where(*conditions)
            .order_by(*order)
        )
        rows = (await session.execute(stmt)).tuples().all()
        return [
            IncidentView(
                id=incident.id,
                reference=incident.reference,
                kind=incident.kind,
                urgency=incident.urgency,
                status=incident.status,
                facility_id=facility.id,
                facility_name=facility.name,
                facility_town=facility.town,
                facility_finess=facility.finess,
                facility_timezone=facility.timezone,
                facility_hours=facility.hours,
                facility_contact=facility.referent_contact,
                reporter_id=incident.reporter_id,
                reporter_job=job,
                what=incident.what,
                since=incident.since,
                extent=incident.extent,
                care_continues=incident.care_continues,
                data_affected=incident.data_affected,
                actions_taken=incident.actions_taken,
                lost_device=incident.lost_device,
                device_locked=incident.device_locked,
                taken_by_name=_taker_label(taker_name, taker_role, incident.taken_by_id),
                taken_at=incident.taken_at,
                discovered_at=incident.discovered_at,
                breach_answer=incident.breach_answer,
                reminders_sent=incident.reminders_sent,
                details_complete=incident.details_complete,
                escalation_level=incident.escalation_level,
                created_at=incident.created_at,
            )
            for incident, facility, job, taker_name, taker_role in rows
        ]


def _target(channel: str, chat: int, label: str) -> Target:
    return {"channel": channel, "chat": chat, "label": label}


def _taker_label(name: str | None, role: str | None, taker_id: int | None) -> str | None:
    """How the holder is named: « Paul (technicien) », « la direction (référent) »."""
    if taker_id is None:
        return None
    if role == Role.REFERENT.value:
        return f"{name} (direction)" if name else "la direction"
    return f"{name} (technicien)" if name else "un technicien"
