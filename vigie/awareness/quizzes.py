"""The micro-quizzes over the application's database: starting one (three questions chosen
for the person, :func:`vigie.awareness.quiz.pick`), taking the answers one by one, the score.

Only facility staff take quizzes. Scores are never shown beside a colleague's name: the
person sees their own, the facility's figures are per topic (``vigie awareness stats``, the
console, the monthly report)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness.models import QuizAnswer, QuizAttempt
from vigie.awareness.quiz import Question, bank_path, load_bank, pick, weak_topics
from vigie.awareness.service import facility_staff
from vigie.core.clock import Clock, default_clock
from vigie.core.settings import Settings
from vigie.knowledge import knowledge_base_at
from vigie.phishing.models import PhishingReport

logger = logging.getLogger(__name__)

#: What the facility's reports say about its weak points: the reporter's answer to « Qu’avez-vous
#: fait avec ce mail ? » → the articles to quiz on.
REPORT_TOPICS: dict[str, tuple[str, ...]] = {
    "clicked": ("phishing_recognize",),
    "clicked_asked": ("phishing_recognize", "password_strength"),
    "credentials": ("password_strength", "mfa"),
    "attachment": ("email_attachments",),
    "replied": ("phishing_recognize",),
}
#: How far back the facility's mistakes and reports count.
WEAK_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Step:
    """A question to show: its attempt, its position (0-based) and the number of questions."""

    attempt_id: int
    position: int
    total: int
    question: Question


@dataclass(frozen=True)
class Answered:
    """What an answer gives: right or not, the question, then the next step or the score."""

    question: Question
    correct: bool
    next: Step | None
    score: int | None = None  # once the last question is answered
    total: int = 0
    to_review: tuple[str, ...] = ()  # topics answered wrong in this quiz


class QuizStale(Exception):
    """The button belongs to an attempt that is not the person's, or a question answered."""

    def __init__(self, already: bool) -> None:
        super().__init__("already answered" if already else "unknown attempt")
        self.already = already


class Quizzes:
    """Micro-quizzes of three questions."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock or default_clock()
        self._bank: list[Question] | None = None
        self._by_id: dict[str, Question] = {}
        self._titles: dict[str, str] = {}

    async def bank(self) -> list[Question]:
        """The questions, loaded once."""
        if self._bank is None:
            knowledge = await asyncio.to_thread(knowledge_base_at, self._settings.knowledge_dir)
            path = bank_path(self._settings.knowledge_dir)
            self._bank = await asyncio.to_thread(load_bank, path, knowledge)
            self._by_id = {q.id: q for q in self._bank}
            self._titles = {article.id: article.title for article in knowledge}
        return self._bank

    async def titles(self) -> dict[str, str]:
        """The articles' titles, by id."""
        await self.bank()
        return self._titles

    async def start(self, sender: str) -> Step | None:
        """A new quiz for ``sender``; None when they are not facility staff.

        Raises LookupError when the bank has nothing left to ask them."""
        bank = await self.bank()
        now = self._clock.now()
        async with self._sessionmaker() as session:
            person = await facility_staff(session, sender)
            if person is None:
                return None
            history, own_mistakes = await self._history(session, person.id)
            facility_mistakes, reports = await self._facility_weak_points(
                session, person.facility_id
            )
            previous = await session.scalar(
                select(func.count())
                .select_from(QuizAttempt)
                .where(QuizAttempt.person_id == person.id)
            )
            chosen = pick(
                bank,
                person.job,
                history,
                weak_topics(own_mistakes, facility_mistakes, reports),
                seed=person.id * 1009 + int(previous or 0),
            )
            if not chosen:
                raise LookupError("no question for this person")
            attempt = QuizAttempt(
                person_id=person.id,
                facility_id=person.facility_id,
                questions=",".join(q.id for q in chosen),
                started_at=now,
            )
            session.add(attempt)
            await session.commit()
            logger.info("Quiz %s started", attempt.id)
            return Step(attempt.id, 0, len(chosen), chosen[0])

    async def answer(self, sender: str, attempt_id: int, position: int, choice: int) -> Answered:
        """Record ``choice`` (an index in the bank's order) for the question at ``position``.

        Raises :class:`QuizStale` for a button of someone else's attempt, of a question
        already answered, or of a question the bank no longer has."""
        await self.bank()
        now = self._clock.now()
        async with self._sessionmaker() as session:
            person = await facility_staff(session, sender)
            attempt = await session.get(QuizAttempt, attempt_id, with_for_update=True)
            if person is None or attempt is None or attempt.person_id != person.id:
                raise QuizStale(already=False)
            ids = attempt.question_ids
            answers = (
                await session.scalars(
                    select(QuizAnswer)
                    .where(QuizAnswer.attempt_id == attempt.id)
                    .order_by(QuizAnswer.position)
                )
            ).all()
            if position != len(answers) or position >= len(ids):
                raise QuizStale(already=position < len(answers))
            question = self._by_id.get(ids[position])
            if question is None or choice not in (0, 1, 2):
                raise QuizStale(already=False)
            correct = choice == question.answer
            session.add(
                QuizAnswer(
                    attempt_id=attempt.id,
                    position=position,
                    question_id=question.id,
                    topic=question.topic,
                    correct=correct,
                    answered_at=now,
                )
            )
            following = position + 1
            if following < len(ids) and ids[following] in self._by_id:
                await session.commit()
                step = Step(attempt.id, following, len(ids), self._by_id[ids[following]])
                return Answered(question, correct, step)
            results = [a.correct for a in answers] + [correct]
            attempt.score = sum(results)
            attempt.finished_at = now
            await session.commit()
            wrong = [a.topic for a in answers if not a.correct]
            if not correct:
                wrong.append(question.topic)
            logger.info("Quiz %s finished", attempt.id)
            return Answered(
                question,
                correct,
                None,
                score=attempt.score,
                total=len(results),
                to_review=tuple(dict.fromkeys(wrong)),
            )

    async def _history(
        self, session: AsyncSession, person_id: int
    ) -> tuple[dict[str, bool], list[str]]:
        """The person's answers (question id → right at the last try) and the topics they
        got wrong and never got right since, latest first."""
        rows = (
            await session.execute(
                select(QuizAnswer.question_id, QuizAnswer.topic, QuizAnswer.correct)
                .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
                .where(QuizAttempt.person_id == person_id)
                .order_by(QuizAnswer.answered_at, QuizAnswer.attempt_id, QuizAnswer.position)
            )
        ).all()
        history: dict[str, bool] = {}
        last_by_topic: dict[str, bool] = {}
        for question_id, topic, correct in rows:
            history[question_id] = bool(correct)
            last_by_topic.pop(topic, None)  # re-inserted: latest last
            last_by_topic[topic] = bool(correct)
        mistakes = [topic for topic, right in reversed(last_by_topic.items()) if not right]
        return history, mistakes

    async def _facility_weak_points(
        self, session: AsyncSession, facility_id: int | None
    ) -> tuple[dict[str, float], set[str]]:
        """The facility's share of wrong answers by topic, and the topics its reports point
        at (clicked links, typed passwords, opened attachments), over :data:`WEAK_WINDOW`."""
        if facility_id is None:
            return {}, set()
        since = self._clock.now() - WEAK_WINDOW
        wrong = func.sum(case((QuizAnswer.correct.is_(False), 1), else_=0))
        rows = (
            await session.execute(
                select(QuizAnswer.topic, func.count(), wrong)
                .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
                .where(QuizAttempt.facility_id == facility_id, QuizAnswer.answered_at >= since)
                .group_by(QuizAnswer.topic)
            )
        ).all()
        mistakes = {topic: int(bad or 0) / total for topic, total, bad in rows if bad}
        actions = (
            await session.scalars(
                select(PhishingReport.mail_action)
                .where(
                    PhishingReport.facility_id == facility_id,
                    PhishingReport.created_at >= since,
                    PhishingReport.mail_action.is_not(None),
                )
                .distinct()
            )
        ).all()
        topics = {topic for action in actions for topic in REPORT_TOPICS.get(action or "", ())}
        return mistakes, topics
