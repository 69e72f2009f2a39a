"""People's rights over what Vigie holds about them: see it (``/mes_donnees``, ``vigie people
show``, ``vigie export-person``) and have it erased (``/oubli``, ``vigie people forget``).

A person is found by their pseudonym (``sender``): what they typed (turns, inbox items), Rasa's
events of their conversation, their registration (``people``), the tickets they opened and the
suspicious e-mails they reported. Forgetting erases the conversation, the inbox items, Rasa's
events, the pending code of ``/adresse`` and the registration (linked address included);
tickets stay for the provider's records without any link to the person (``requester_id``
NULL), reports stay in their campaigns under a random sender, with no person, no chat and no
original. Technicians and administrators are covered by the same functions.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness.models import QuizAttempt, TipSent, TipSubscription
from vigie.conversation.models import InboxItem, Turn
from vigie.conversation.trackers import EVENTS, TrackerEvents
from vigie.core.typography import fill
from vigie.people import texts
from vigie.people.models import Facility, Person
from vigie.phishing.models import PhishingExpectation, PhishingReport
from vigie.tickets.models import Ticket

__all__ = ["Forgotten", "PersonData", "Rights", "forget_answer", "summary"]

logger = logging.getLogger(__name__)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class PersonData:
    """What Vigie holds about one pseudonym (texts already redacted)."""

    registered: bool
    role: str | None = None
    job: str | None = None
    facility: str | None = None
    registered_at: str | None = None
    active: bool | None = None
    address_linked: bool = False
    turns: int = 0
    first_turn: str | None = None
    last_turn: str | None = None
    inbox_items: int = 0
    rasa_events: int = 0
    tickets: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    tips: bool | None = None  # opted in to the tips of the week (None: never asked)
    tips_received: int = 0
    quizzes: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # the turns, for the export

    def to_json(self, *, with_messages: bool = True) -> dict[str, Any]:
        data = asdict(self)
        if not with_messages:
            data.pop("messages")
        return data

    @property
    def empty(self) -> bool:
        return not (
            self.registered or self.turns or self.inbox_items or self.tickets or self.reports
        )


@dataclass(frozen=True)
class Forgotten:
    """How many records of each kind were erased or unlinked."""

    turns: int
    inbox_items: int
    rasa_events: int
    tickets_unlinked: int
    reports_unlinked: int
    registration: bool


class Rights:
    """Shows and erases what Vigie holds about a pseudonym."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._trackers = TrackerEvents(sessionmaker)

    async def data(self, sender: str) -> PersonData:
        """Everything held about ``sender``."""
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            facility = (
                await session.get(Facility, person.facility_id)
                if person is not None and person.facility_id is not None
                else None
            )
            found = PersonData(registered=person is not None)
            if person is not None:
                found.role, found.job, found.active = person.role, person.job, person.active
                found.facility = facility.name if facility else None
                found.registered_at = _iso(person.created_at)
                found.address_linked = person.address_key is not None
                tickets = await session.scalars(
                    select(Ticket).where(Ticket.requester_id == person.id).order_by(Ticket.id)
                )
                found.tickets = [
                    {
                        "reference": t.reference,
                        "status": t.status,
                        "created_at": _iso(t.created_at),
                        "problem": t.problem,
                    }
                    for t in tickets
                ]
                subscription = await session.get(TipSubscription, person.id)
                found.tips = subscription.active if subscription is not None else None
                found.tips_received = int(
                    await session.scalar(
                        select(func.count())
                        .select_from(TipSent)
                        .where(TipSent.person_id == person.id)
                    )
                    or 0
                )
                attempts = await session.scalars(
                    select(QuizAttempt)
                    .where(QuizAttempt.person_id == person.id)
                    .order_by(QuizAttempt.id)
                )
                found.quizzes = [
                    {
                        "started_at": _iso(a.started_at),
                        "finished_at": _iso(a.finished_at),
                        "questions": a.question_ids,
                        "score": a.score,
                    }
                    for a in attempts
                ]
            reports = await session.scalars(
                select(PhishingReport)
                .where(PhishingReport.sender == sender)
                .order_by(PhishingReport.id)
            )
            found.reports = [
                {
                    "id": r.id,
                    "created_at": _iso(r.created_at),
                    "source": r.source,
                    "verdict": r.verdict,
                    "subject": r.subject,
                    "what_you_did": r.mail_action,
                }
                for r in reports
            ]
            count, first, last = (
                await session.execute(
                    select(
                        func.count(), func.min(Turn.created_at), func.max(Turn.created_at)
                    ).where(Turn.sender == sender)
                )
            ).one()
            found.turns, found.first_turn, found.last_turn = int(count), _iso(first), _iso(last)
            turns = await session.scalars(
                select(Turn).where(Turn.sender == sender).order_by(Turn.id)
            )
            found.messages = [
                {"at": _iso(t.created_at), "you": t.text_in, "vigie": t.text_out} for t in turns
            ]
            found.inbox_items = int(
                await session.scalar(
                    select(func.count()).select_from(InboxItem).where(InboxItem.sender == sender)
                )
                or 0
            )
        if await self._trackers.exists():
            async with self._sessionmaker() as session:
                found.rasa_events = int(
                    await session.scalar(
                        select(func.count()).select_from(EVENTS).where(EVENTS.c.sender_id == sender)
                    )
                    or 0
                )
        return found

    async def forget(self, sender: str) -> Forgotten:
        """Erase ``sender``'s conversation and registration; unlink their tickets and reports."""
        options = {"synchronize_session": False}
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            tickets = 0
            if person is not None:
                tickets = int(
                    (
                        await session.execute(
                            update(Ticket)
                            .where(Ticket.requester_id == person.id)
                            .values(requester_id=None),
                            execution_options=options,
                        )
                    ).rowcount  # type: ignore[attr-defined]
                )
            reports = int(
                (
                    await session.execute(
                        update(PhishingReport)
                        .where(PhishingReport.sender == sender)
                        .values(
                            sender="oubli-" + secrets.token_hex(8),
                            person_id=None,
                            chat_id=0,
                            original=None,
                        ),
                        execution_options=options,
                    )
                ).rowcount  # type: ignore[attr-defined]
            )
            await session.execute(
                delete(PhishingExpectation).where(PhishingExpectation.sender == sender),
                execution_options=options,
            )
            turns = int(
                (
                    await session.execute(
                        delete(Turn).where(Turn.sender == sender), execution_options=options
                    )
                ).rowcount  # type: ignore[attr-defined]
            )
            items = int(
                (
                    await session.execute(
                        delete(InboxItem).where(InboxItem.sender == sender),
                        execution_options=options,
                    )
                ).rowcount  # type: ignore[attr-defined]
            )
            if person is not None:
                await session.delete(person)  # its /adresse code goes with it (cascade)
            await session.commit()
        events = 0
        if await self._trackers.exists():
            async with self._sessionmaker() as session:
                events = int(
                    (
                        await session.execute(
                            delete(EVENTS).where(EVENTS.c.sender_id == sender),
                            execution_options=options,
                        )
                    ).rowcount  # type: ignore[attr-defined]
                )
                await session.commit()
        logger.info(
            "Person forgotten: %s turns, %s inbox items, %s events; %s tickets, %s reports unlinked",
            turns,
            items,
            events,
            tickets,
            reports,
        )
        return Forgotten(turns, items, events, tickets, reports, person is not None)


def _date(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def summary(data: PersonData) -> str:
    """``/mes_donnees``: what is held, in a few French lines (HTML)."""
    if data.empty:
        return fill(texts.MY_DATA_NOTHING)
    if not data.registered:
        registration = texts.MY_DATA_NONE
    elif data.role in ("technician", "admin"):
        registration = fill(
            texts.MY_DATA_TECHNICIAN,
            {
                "role": texts.ROLE_LABELS.get(data.role or "", data.role or "").capitalize(),
                "since": _date(data.registered_at),
            },
        )
    else:
        registration = fill(
            texts.MY_DATA_REGISTERED,
            {
                "facility": data.facility or "",
                "job": texts.JOB_LABELS.get(data.job or "", texts.MY_DATA_NONE),
                "since": _date(data.registered_at),
            },
        )
    turns = (
        fill(
            texts.MY_DATA_TURNS,
            {"count": data.turns, "first": _date(data.first_turn), "last": _date(data.last_turn)},
        )
        if data.turns
        else "0"
    )
    return fill(
        texts.MY_DATA,
        {
            "registration": registration,
            "turns": turns,
            "tickets": len(data.tickets),
            "reports": len(data.reports),
            "address": "oui" if data.address_linked else "non",
        },
        escape=False,  # the values above are escaped already, or numbers
    )


def forget_answer(forgotten: Forgotten) -> str:
    """The answer to ``/oubli confirmer``."""
    registration = (
        texts.FORGET_DONE_REGISTRATION
        if forgotten.registration
        else texts.FORGET_DONE_NO_REGISTRATION
    )
    return fill(texts.FORGET_DONE, {"turns": forgotten.turns, "registration": registration})
