"""The facility self-diagnostic over the application's database: a run per sitting, one
question at a time, resumed where it was left; once the last answer is in, the score is kept
(every run is: progress over time) and the PDF is written to the outbox in the same transaction.

Taken by a facility's referent, or staff whose job is « Direction »; the provider reads every
facility's latest result and trend (``vigie diagnostic list|show``, the console)."""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness import texts
from vigie.awareness.diagnostic import (
    ANSWERS,
    DiagnosticBank,
    DiagnosticQuestion,
    DiagnosticResult,
    RunSummary,
    bank_path,
    french_day,
    load_diagnostic,
    score,
)
from vigie.awareness.models import DiagnosticRun
from vigie.core.clock import Clock, default_clock
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.core.typography import french_typography
from vigie.knowledge import knowledge_base_at
from vigie.outbox.store import Outbox
from vigie.people.models import Facility, Person
from vigie.people.roles import Role

logger = logging.getLogger(__name__)

#: An unfinished run older than this is not resumed: the next /diagnostic starts again.
RESUME_WITHIN = timedelta(days=30)
DIRECTION_JOB = "management"


@dataclass(frozen=True)
class DiagnosticStep:
    run_id: int
    position: int  # 0-based, in the bank's order
    total: int
    question: DiagnosticQuestion
    domain: str  # the domain's title
    facility: str
    resumed: bool = False


@dataclass(frozen=True)
class DiagnosticDone:
    run: RunSummary
    result: DiagnosticResult
    previous: RunSummary | None


@dataclass(frozen=True)
class FacilityDiagnostic:
    """A facility's latest result and the one before (the trend)."""

    facility_id: int
    facility: str
    latest: RunSummary | None
    previous: RunSummary | None
    runs: int


class DiagnosticStale(Exception):
    """A button of a run that is not the person's, not in progress, or already answered."""

    def __init__(self, already: bool) -> None:
        super().__init__("already answered" if already else "not in progress")
        self.already = already


def may_take(person: Person | None) -> bool:
    """The facility's referent, or its direction."""
    return (
        person is not None
        and person.active
        and person.facility_id is not None
        and (person.role == Role.REFERENT.value or person.job == DIRECTION_JOB)
    )


def _next_position(bank: DiagnosticBank, answers: dict[str, str]) -> int:
    for index, question in enumerate(bank.questions):
        if question.id not in answers:
            return index
    return len(bank.questions)


class Diagnostics:
    """Facility self-diagnostics."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock or default_clock()
        self._bank: DiagnosticBank | None = None

    async def bank(self) -> DiagnosticBank:
        """The questions, loaded once."""
        if self._bank is None:
            knowledge = await asyncio.to_thread(knowledge_base_at, self._settings.knowledge_dir)
            path = bank_path(self._settings.knowledge_dir)
            self._bank = await asyncio.to_thread(load_diagnostic, path, knowledge)
        return self._bank

    async def start(self, sender: str) -> DiagnosticStep | None:
        """The next question for ``sender``: of their run in progress (recent), else of a new
        run; None when they are neither the referent nor the direction of a facility."""
        bank = await self.bank()
        now = self._clock.now()
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            if person is None or not may_take(person) or person.facility_id is None:
                return None
            facility = await session.get(Facility, person.facility_id)
            assert facility is not None
            run = await session.scalar(
                select(DiagnosticRun)
                .where(
                    DiagnosticRun.person_id == person.id,
                    DiagnosticRun.facility_id == facility.id,
                    DiagnosticRun.finished_at.is_(None),
                    DiagnosticRun.started_at >= now - RESUME_WITHIN,
                )
                .order_by(DiagnosticRun.id.desc())
                .limit(1)
            )
            resumed = run is not None and bool(run.answers)
            if run is None:
                run = DiagnosticRun(
                    facility_id=facility.id, person_id=person.id, started_at=now, answers={}
                )
                session.add(run)
                await session.commit()
            position = _next_position(bank, dict(run.answers))
            if position >= len(bank.questions):  # the bank shrank under a run: start again
                run.answers = {}
                position = 0
                await session.commit()
            logger.info("Diagnostic %s at question %s", run.id, position)
            return self._step(bank, run.id, position, facility.name, resumed=resumed)

    def _step(
        self, bank: DiagnosticBank, run_id: int, position: int, facility: str, resumed: bool
    ) -> DiagnosticStep:
        question = bank.questions[position]
        return DiagnosticStep(
            run_id,
            position,
            len(bank.questions),
            question,
            bank.domain_title(question.domain),
            facility,
            resumed,
        )

    async def answer(
        self, sender: str, run_id: int, position: int, answer: str
    ) -> DiagnosticStep | DiagnosticDone:
        """Record ``answer`` (one of :data:`ANSWERS`) for the question at ``position``: the
        next question, or, after the last one, the result (and the PDF queued to the chat).

        Raises :class:`DiagnosticStale` for a button of another person's run, of a finished
        run, or of a question already answered."""
        bank = await self.bank()
        now = self._clock.now()
        if answer not in ANSWERS:
            raise DiagnosticStale(already=False)
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            run = await session.get(DiagnosticRun, run_id, with_for_update=True)
            if (
                run is None
                or person is None
                or run.person_id != person.id
                or run.finished_at is not None
                or not may_take(person)
            ):
                raise DiagnosticStale(already=run is not None and run.finished_at is not None)
            answers = dict(run.answers)
            expected = _next_position(bank, answers)
            if position != expected or position >= len(bank.questions):
                raise DiagnosticStale(already=position < expected)
            answers[bank.questions[position].id] = answer
            run.answers = answers  # a new dict: the JSON column is written
            facility = await session.get(Facility, run.facility_id)
            assert facility is not None
            following = _next_position(bank, answers)
            if following < len(bank.questions):
                await session.commit()
                return self._step(bank, run.id, following, facility.name, resumed=False)
            result = score(bank, answers)
            run.finished_at = now
            run.score = result.percent
            previous_run = await session.scalar(
                select(DiagnosticRun)
                .where(
                    DiagnosticRun.facility_id == facility.id,
                    DiagnosticRun.finished_at.is_not(None),
                    DiagnosticRun.id != run.id,
                )
                .order_by(DiagnosticRun.finished_at.desc())
                .limit(1)
            )
            summary = _summary(run, facility)
            previous = _summary(previous_run, facility) if previous_run is not None else None
            history = await self._history(session, facility, until=run)
            pdf = await self._pdf(bank, result, summary, history, answers)
            caption = french_typography(texts.DIAGNOSTIC_PDF_CAPTION).format(
                facility=facility.name, date=french_day(summary.local_day())
            )
            payload = dict(OutgoingMessage(caption).to_custom())
            payload["document"] = {
                "filename": f"autodiagnostic-{summary.local_day().isoformat()}.pdf",
                "base64": base64.b64encode(pdf).decode("ascii"),
            }
            Outbox.add(
                session, channel=person.channel, destination=str(person.chat_id), payload=payload
            )
            await session.commit()
            logger.info("Diagnostic %s finished", run.id)
            return DiagnosticDone(summary, result, previous)

    async def _pdf(
        self,
        bank: DiagnosticBank,
        result: DiagnosticResult,
        run: RunSummary,
        history: list[RunSummary],
        answers: dict[str, str],
    ) -> bytes:
        from vigie.awareness.diagnostic_pdf import render  # fpdf2: loaded when needed

        return await asyncio.to_thread(
            render, bank, result, run, history, self._settings.provider_name, answers
        )

    async def _history(
        self, session: AsyncSession, facility: Facility, until: DiagnosticRun | None = None
    ) -> list[RunSummary]:
        query = (
            select(DiagnosticRun)
            .where(
                DiagnosticRun.facility_id == facility.id,
                DiagnosticRun.finished_at.is_not(None),
            )
            .order_by(DiagnosticRun.finished_at)
        )
        runs = list((await session.scalars(query)).all())
        if until is not None and until not in runs:
            runs.append(until)
        return [_summary(run, facility) for run in runs]

    # --- The provider's view -------------------------------------------------------------

    async def facilities(self) -> list[FacilityDiagnostic]:
        """Every facility with its latest result and the one before, by name."""
        async with self._sessionmaker() as session:
            facilities = (await session.scalars(select(Facility).order_by(Facility.name))).all()
            runs = (
                await session.scalars(
                    select(DiagnosticRun)
                    .where(DiagnosticRun.finished_at.is_not(None))
                    .order_by(DiagnosticRun.facility_id, DiagnosticRun.finished_at.desc())
                )
            ).all()
        by_facility: dict[int, list[DiagnosticRun]] = {}
        for run in runs:
            by_facility.setdefault(run.facility_id, []).append(run)
        rows = []
        for facility in facilities:
            mine = by_facility.get(facility.id, [])
            rows.append(
                FacilityDiagnostic(
                    facility.id,
                    facility.name,
                    _summary(mine[0], facility) if mine else None,
                    _summary(mine[1], facility) if len(mine) > 1 else None,
                    len(mine),
                )
            )
        return rows

    async def history(self, facility_id: int) -> list[RunSummary]:
        """A facility's finished runs, oldest first."""
        async with self._sessionmaker() as session:
            facility = await session.get(Facility, facility_id)
            if facility is None:
                return []
            return await self._history(session, facility)

    async def result(self, run_id: int) -> tuple[RunSummary, DiagnosticResult, dict[str, str]]:
        """A finished run's result and answers; LookupError if there is none."""
        bank = await self.bank()
        async with self._sessionmaker() as session:
            run = await session.get(DiagnosticRun, run_id)
            if run is None or run.finished_at is None:
                raise LookupError(run_id)
            facility = await session.get(Facility, run.facility_id)
            assert facility is not None
            answers = {str(k): str(v) for k, v in run.answers.items()}
            return _summary(run, facility), score(bank, answers), answers

    async def pdf(self, run_id: int) -> bytes:
        """A finished run's PDF, drawn again (the same data gives the same report)."""
        bank = await self.bank()
        summary, result, answers = await self.result(run_id)
        async with self._sessionmaker() as session:
            facility = await session.get(Facility, summary.facility_id)
            assert facility is not None
            history = [
                run
                for run in await self._history(session, facility)
                if run.finished_at <= summary.finished_at
            ]
        return await self._pdf(bank, result, summary, history, answers)

    async def count_finished(self, facility_id: int | None = None) -> int:
        async with self._sessionmaker() as session:
            query = select(func.count()).select_from(DiagnosticRun)
            query = query.where(DiagnosticRun.finished_at.is_not(None))
            if facility_id is not None:
                query = query.where(DiagnosticRun.facility_id == facility_id)
            return int(await session.scalar(query) or 0)


def _summary(run: DiagnosticRun, facility: Facility) -> RunSummary:
    assert run.finished_at is not None and run.score is not None
    return RunSummary(
        run.id,
        facility.id,
        facility.name,
        facility.timezone or "Europe/Paris",
        run.finished_at,
        run.score,
    )
