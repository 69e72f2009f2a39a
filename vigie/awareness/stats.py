"""Participation in prevention, per facility: how many staff opted in to the tips, the tips
sent, the quizzes finished, the share of right answers by topic, the latest self-diagnostic.
Read by ``vigie awareness stats``, the console and the monthly report; nothing here names a
person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness.models import DiagnosticRun, QuizAnswer, QuizAttempt, TipSent, TipSubscription
from vigie.people.models import Facility, Person
from vigie.people.roles import STAFF_ROLES


@dataclass(frozen=True)
class TopicScore:
    topic: str
    answers: int
    right: int

    @property
    def percent(self) -> int:
        return round(100 * self.right / self.answers) if self.answers else 0


@dataclass(frozen=True)
class Participation:
    facility_id: int
    facility: str
    staff: int  # active staff and referents
    opted_in: int
    tips_sent: int  # in the period
    quizzes_finished: int  # in the period
    quiz_takers: int  # distinct people who finished one in the period
    right_answers: int
    answers: int
    topics: tuple[TopicScore, ...]  # weakest first
    diagnostic_score: int | None  # the latest finished one, whenever it was
    diagnostic_at: datetime | None

    @property
    def opt_in_percent(self) -> int:
        return round(100 * self.opted_in / self.staff) if self.staff else 0

    @property
    def score_percent(self) -> int | None:
        return round(100 * self.right_answers / self.answers) if self.answers else None


async def participation(
    sessionmaker: async_sessionmaker[AsyncSession],
    since: datetime,
    until: datetime,
    facility_id: int | None = None,
) -> list[Participation]:
    """Each facility's figures for [since, until) (opt-ins and diagnostics: as they stand)."""
    async with sessionmaker() as session:
        return await _participation(session, since, until, facility_id)


async def _participation(
    session: AsyncSession, since: datetime, until: datetime, facility_id: int | None
) -> list[Participation]:
    def scoped(query: Select[Any], column: Any) -> Select[Any]:
        return query if facility_id is None else query.where(column == facility_id)

    facilities = (
        await session.execute(
            scoped(select(Facility.id, Facility.name), Facility.id).order_by(Facility.name)
        )
    ).all()
    staff_q = select(Person.facility_id, func.count()).where(
        Person.active.is_(True), Person.role.in_(STAFF_ROLES)
    )
    staff = dict(
        (await session.execute(scoped(staff_q, Person.facility_id).group_by(Person.facility_id)))
        .tuples()
        .all()
    )
    opted_q = (
        select(Person.facility_id, func.count())
        .join(TipSubscription, TipSubscription.person_id == Person.id)
        .where(Person.active.is_(True), TipSubscription.active.is_(True))
    )
    opted = dict(
        (await session.execute(scoped(opted_q, Person.facility_id).group_by(Person.facility_id)))
        .tuples()
        .all()
    )
    tips_q = (
        select(Person.facility_id, func.count())
        .join(TipSent, TipSent.person_id == Person.id)
        .where(TipSent.sent_at >= since, TipSent.sent_at < until)
    )
    tips = dict(
        (await session.execute(scoped(tips_q, Person.facility_id).group_by(Person.facility_id)))
        .tuples()
        .all()
    )
    finished = QuizAttempt.finished_at
    quiz_q = select(
        QuizAttempt.facility_id, func.count(), func.count(func.distinct(QuizAttempt.person_id))
    ).where(finished >= since, finished < until)
    quizzes = {
        fid: (int(count), int(people))
        for fid, count, people in (
            await session.execute(
                scoped(quiz_q, QuizAttempt.facility_id).group_by(QuizAttempt.facility_id)
            )
        ).all()
    }
    right = func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0))
    topic_q = (
        select(QuizAttempt.facility_id, QuizAnswer.topic, func.count(), right)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(QuizAnswer.answered_at >= since, QuizAnswer.answered_at < until)
    )
    topics: dict[int, list[TopicScore]] = {}
    for fid, topic, count, good in (
        await session.execute(
            scoped(topic_q, QuizAttempt.facility_id).group_by(
                QuizAttempt.facility_id, QuizAnswer.topic
            )
        )
    ).all():
        topics.setdefault(fid, []).append(TopicScore(topic, int(count), int(good or 0)))
    latest = (
        select(DiagnosticRun.facility_id, func.max(DiagnosticRun.finished_at).label("at"))
        .where(DiagnosticRun.finished_at.is_not(None))
        .group_by(DiagnosticRun.facility_id)
        .subquery()
    )
    diagnostics = {
        fid: (score, at)
        for fid, score, at in (
            await session.execute(
                select(
                    DiagnosticRun.facility_id, DiagnosticRun.score, DiagnosticRun.finished_at
                ).join(
                    latest,
                    (latest.c.facility_id == DiagnosticRun.facility_id)
                    & (latest.c.at == DiagnosticRun.finished_at),
                )
            )
        ).all()
    }
    rows = []
    for fid, name in facilities:
        mine = sorted(topics.get(fid, []), key=lambda t: (t.percent, -t.answers, t.topic))
        count, takers = quizzes.get(fid, (0, 0))
        score, at = diagnostics.get(fid, (None, None))
        rows.append(
            Participation(
                facility_id=fid,
                facility=name,
                staff=int(staff.get(fid, 0)),
                opted_in=int(opted.get(fid, 0)),
                tips_sent=int(tips.get(fid, 0)),
                quizzes_finished=count,
                quiz_takers=takers,
                right_answers=sum(t.right for t in mine),
                answers=sum(t.answers for t in mine),
                topics=tuple(mine),
                diagnostic_score=score,
                diagnostic_at=at,
            )
        )
    return rows
