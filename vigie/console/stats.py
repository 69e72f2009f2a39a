"""The overview's figures, for every facility or for one, over the last weeks: questions by
week and by topic, how many were answered, fell back or were out of scope, tickets, suspicious
e-mails and what people did, incidents. Aggregated in the database (GROUP BY on indexed
columns), never by reading every turn into memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import AnswerFeedback, Turn
from vigie.incidents.models import Incident
from vigie.people.models import Facility, Person
from vigie.phishing.models import PhishingReport
from vigie.tickets.models import Ticket, TicketEvent

FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
#: Intents that are not questions (greetings, yes/no, form answers): not counted as topics.
NOT_QUESTIONS = frozenset(
    {"greet", "goodbye", "thank", "affirm", "deny", "inform", "cancel", "bot_challenge"}
)
OPEN_TICKET_STATUSES = ("new", "in_progress", "waiting", "reopened")
#: A technician's first step on a ticket: it is taken, or answered, or a precision is asked.
FIRST_ANSWER_EVENTS = ("taken", "technician_message", "info_requested")


@dataclass(frozen=True)
class Overview:
    """What the overview page and the monthly report show."""

    since: datetime
    until: datetime
    questions: int
    answered: int
    fallback: int
    out_of_scope: int
    #: (ISO week start "YYYY-MM-DD", number of questions), oldest first.
    per_week: list[tuple[str, int]]
    #: (topic: an intent or faq/<article>, number), most asked first.
    topics: list[tuple[str, int]]
    tickets_opened: int
    tickets_open_now: int
    tickets_by_urgency: dict[str, int]
    resolution_hours_median: float | None
    reports: int
    reports_by_verdict: dict[str, int]
    reports_by_action: dict[str, int]
    incidents: int
    incidents_open_now: int
    incidents_by_kind: dict[str, int]
    unanswered: list[str] = field(default_factory=list)
    #: Median time from a ticket's opening to a technician's first step (taken, answer).
    first_answer_hours_median: float | None = None
    #: 👍 and 👎 under the knowledge base's answers of the period.
    judged_useful: int = 0
    judged_useless: int = 0

    @property
    def answered_share(self) -> float:
        return self.answered / self.questions if self.questions else 0.0


def _week_start(dialect: str, column: Any) -> Any:
    """The Monday of a timestamp's week, as text "YYYY-MM-DD", in SQL."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc("week", column), "YYYY-MM-DD")
    # SQLite: weekday 0 is Sunday; go back to the Monday.
    return func.date(column, "-6 days", "weekday 1")


class ConsoleStats:
    """The overview's queries."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def overview(
        self,
        *,
        facility_id: int | None,
        since: datetime,
        until: datetime,
        unanswered_limit: int = 20,
    ) -> Overview:
        """The figures of one facility (``facility_id``) or of all, between two moments."""
        async with self._sessionmaker() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            questions = await self._questions(session, dialect, facility_id, since, until)
            tickets = await self._tickets(session, facility_id, since, until)
            reports = await self._reports(session, facility_id, since, until)
            incidents = await self._incidents(session, facility_id, since, until)
            unanswered = await self._unanswered(
                session, facility_id, since, until, unanswered_limit
            )
            judged = (
                await session.execute(
                    self._turns(facility_id, since, until, AnswerFeedback.useful, func.count())
                    .select_from(Turn)
                    .join(AnswerFeedback, AnswerFeedback.turn_id == Turn.id)
                    .group_by(AnswerFeedback.useful)
                )
            ).all()
        votes = {bool(useful): int(n) for useful, n in judged}
        return Overview(
            since=since,
            until=until,
            **questions,
            **tickets,
            **reports,
            **incidents,
            unanswered=unanswered,
            judged_useful=votes.get(True, 0),
            judged_useless=votes.get(False, 0),
        )

    @staticmethod
    def _turns(
        facility_id: int | None, since: datetime, until: datetime, *columns: Any
    ) -> Select[Any]:
        conditions: list[ColumnElement[bool]] = [
            Turn.created_at >= since,
            Turn.created_at < until,
            Turn.intent.is_not(None),
            Turn.intent.not_in(NOT_QUESTIONS),
        ]
        stmt = select(*columns)
        if facility_id is not None:
            stmt = stmt.join(Person, Person.sender == Turn.sender)
            conditions.append(Person.facility_id == facility_id)
        return stmt.where(*conditions)

    async def _questions(
        self,
        session: AsyncSession,
        dialect: str,
        facility_id: int | None,
        since: datetime,
        until: datetime,
    ) -> dict[str, Any]:
        by_topic = (
            await session.execute(
                self._turns(facility_id, since, until, Turn.intent, func.count())
                .select_from(Turn)
                .group_by(Turn.intent)
            )
        ).all()
        counts = {str(intent): int(n) for intent, n in by_topic}
        week = _week_start(dialect, Turn.created_at)
        per_week = (
            await session.execute(
                self._turns(facility_id, since, until, week.label("week"), func.count())
                .select_from(Turn)
                .group_by(week)
                .order_by(week)
            )
        ).all()
        total = sum(counts.values())
        fallback = counts.get(FALLBACK, 0)
        out_of_scope = counts.get(OUT_OF_SCOPE, 0)
        topics = sorted(
            ((t, n) for t, n in counts.items() if t not in (FALLBACK, OUT_OF_SCOPE)),
            key=lambda item: (-item[1], item[0]),
        )
        return {
            "questions": total,
            "answered": total - fallback - out_of_scope,
            "fallback": fallback,
            "out_of_scope": out_of_scope,
            "per_week": _every_week(since, until, {str(w): int(n) for w, n in per_week}),
            "topics": topics,
        }

    @staticmethod
    async def _tickets(
        session: AsyncSession, facility_id: int | None, since: datetime, until: datetime
    ) -> dict[str, Any]:
        scope: list[ColumnElement[bool]] = []
        if facility_id is not None:
            scope.append(Ticket.facility_id == facility_id)
        opened = (
            await session.execute(
                select(Ticket.urgency, func.count())
                .where(*scope, Ticket.created_at >= since, Ticket.created_at < until)
                .group_by(Ticket.urgency)
            )
        ).all()
        open_now = await session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(*scope, Ticket.status.in_(OPEN_TICKET_STATUSES))
        )
        resolved = (
            await session.execute(
                select(Ticket.created_at, Ticket.resolved_at).where(
                    *scope,
                    Ticket.resolved_at.is_not(None),
                    Ticket.resolved_at >= since,
                    Ticket.resolved_at < until,
                )
            )
        ).all()
        hours = [(done - created).total_seconds() / 3600 for created, done in resolved]
        first = (
            await session.execute(
                select(Ticket.created_at, func.min(TicketEvent.at))
                .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                .where(
                    *scope,
                    Ticket.created_at >= since,
                    Ticket.created_at < until,
                    TicketEvent.kind.in_(FIRST_ANSWER_EVENTS),
                )
                .group_by(Ticket.id, Ticket.created_at)
            )
        ).all()
        waits = [(at - created).total_seconds() / 3600 for created, at in first]
        by_urgency = {str(u): int(n) for u, n in opened}
        return {
            "first_answer_hours_median": round(median(waits), 1) if waits else None,
            "tickets_opened": sum(by_urgency.values()),
            "tickets_open_now": int(open_now or 0),
            "tickets_by_urgency": by_urgency,
            "resolution_hours_median": round(median(hours), 1) if hours else None,
        }

    @staticmethod
    async def _reports(
        session: AsyncSession, facility_id: int | None, since: datetime, until: datetime
    ) -> dict[str, Any]:
        scope: list[ColumnElement[bool]] = [
            PhishingReport.created_at >= since,
            PhishingReport.created_at < until,
        ]
        if facility_id is not None:
            scope.append(PhishingReport.facility_id == facility_id)
        verdicts = (
            await session.execute(
                select(PhishingReport.verdict, func.count())
                .where(*scope)
                .group_by(PhishingReport.verdict)
            )
        ).all()
        actions = (
            await session.execute(
                select(PhishingReport.mail_action, func.count())
                .where(*scope, PhishingReport.mail_action.is_not(None))
                .group_by(PhishingReport.mail_action)
            )
        ).all()
        by_verdict = {str(v): int(n) for v, n in verdicts}
        return {
            "reports": sum(by_verdict.values()),
            "reports_by_verdict": by_verdict,
            "reports_by_action": {str(a): int(n) for a, n in actions},
        }

    @staticmethod
    async def _incidents(
        session: AsyncSession, facility_id: int | None, since: datetime, until: datetime
    ) -> dict[str, Any]:
        scope: list[ColumnElement[bool]] = []
        if facility_id is not None:
            scope.append(Incident.facility_id == facility_id)
        kinds = (
            await session.execute(
                select(Incident.kind, func.count())
                .where(*scope, Incident.created_at >= since, Incident.created_at < until)
                .group_by(Incident.kind)
            )
        ).all()
        open_now = await session.scalar(
            select(func.count()).select_from(Incident).where(*scope, Incident.status != "closed")
        )
        by_kind = {str(k): int(n) for k, n in kinds}
        return {
            "incidents": sum(by_kind.values()),
            "incidents_open_now": int(open_now or 0),
            "incidents_by_kind": by_kind,
        }

    async def _unanswered(
        self,
        session: AsyncSession,
        facility_id: int | None,
        since: datetime,
        until: datetime,
        limit: int,
    ) -> list[str]:
        """The latest questions Vigie could not place (their redacted text only)."""
        rows = await session.scalars(
            self._turns(facility_id, since, until, Turn.text_in)
            .select_from(Turn)
            .where(Turn.intent == FALLBACK)
            .order_by(Turn.created_at.desc())
            .limit(limit)
        )
        return [str(text) for text in rows]

    async def facilities(self) -> list[tuple[int, str, str]]:
        """(id, name, town) of every facility, by name."""
        async with self._sessionmaker() as session:
            rows = await session.execute(
                select(Facility.id, Facility.name, Facility.town).order_by(Facility.name)
            )
            return [(int(i), str(n), str(t)) for i, n, t in rows]


def _every_week(since: datetime, until: datetime, counts: dict[str, int]) -> list[tuple[str, int]]:
    """Every week of the period, oldest first, with 0 for the weeks without a question."""
    monday = (since - timedelta(days=since.weekday())).date()
    weeks: list[tuple[str, int]] = []
    while monday <= until.date():
        key = monday.isoformat()
        weeks.append((key, counts.get(key, 0)))
        monday += timedelta(days=7)
    return weeks


def last_weeks(now: datetime, weeks: int = 8) -> tuple[datetime, datetime]:
    """The period of the overview: the last ``weeks`` weeks up to now."""
    return now - timedelta(weeks=weeks), now
