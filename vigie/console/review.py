"""The review queue: the turns Vigie did not understand (a fallback, or a low confidence)
and the answers people judged not useful (👎), newest first, for a technician to give the right label (an intent or an article), to mark
« nouveau sujet à écrire », or to dismiss. The labelled examples are exported as Rasa NLU
YAML (``nlu_data/nlu/review.yml``, a file of its own) so that ``make train`` learns them; the
texts keep their redaction (they were stored redacted)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.console.models import REVIEW_DECISIONS, ReviewDecision
from vigie.conversation.models import AnswerFeedback, Turn
from vigie.core.clock import Clock, default_clock
from vigie.people.models import Facility, Person

FALLBACK = "nlu_fallback"
#: Below this confidence a turn joins the queue even when it was answered.
LOW_CONFIDENCE = 0.5
#: The intents a person can type (the NLU's labels besides the articles).
TYPED_INTENTS: tuple[str, ...] = (
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "help",
    "out_of_scope",
    "report_phishing",
    "open_ticket",
    "ticket_status",
    "declare_incident",
    "lost_device",
    "cancel",
    "inform",
    "add_info",
)
EXPORT_HEADER = """\
# Examples labelled in the console's review queue (`vigie review export`): real questions
# that Vigie did not understand, redacted before they were stored. Written by the export;
# edit a label in the console, not here.
"""


class ReviewError(Exception):
    """A refused decision: ``code`` is ``unknown_turn``, ``bad_decision`` or ``bad_label``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class QueueItem:
    turn_id: int
    at: datetime
    text: str
    intent: str | None
    confidence: float | None
    facility_name: str | None
    judged_useless: bool = False
    #: What the person said was missing, after their 👎 (redacted).
    note: str | None = None


class ReviewQueue:
    """The queue, the decisions and the export."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        labels: tuple[str, ...],
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._labels = frozenset(labels)
        self._clock = clock or default_clock()

    @staticmethod
    def labels_for(article_ids: tuple[str, ...]) -> tuple[str, ...]:
        """Every label a reviewer may give: the typed intents, then ``faq/<article>``."""
        return (*TYPED_INTENTS, *(f"faq/{a}" for a in sorted(article_ids)))

    async def pending(self, limit: int = 50) -> list[QueueItem]:
        """The turns still to review, newest first."""
        stmt = (
            select(Turn, Facility.name, AnswerFeedback.useful, AnswerFeedback.note)
            .outerjoin(Person, Person.sender == Turn.sender)
            .outerjoin(Facility, Facility.id == Person.facility_id)
            .outerjoin(ReviewDecision, ReviewDecision.turn_id == Turn.id)
            .outerjoin(AnswerFeedback, AnswerFeedback.turn_id == Turn.id)
            .where(
                ReviewDecision.turn_id.is_(None),
                Turn.text_in != "",
                or_(
                    Turn.intent == FALLBACK,
                    Turn.confidence < LOW_CONFIDENCE,
                    AnswerFeedback.useful.is_(False),
                ),
            )
            .order_by(Turn.created_at.desc(), Turn.id.desc())
            .limit(limit)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(stmt)).tuples().all()
        return [
            QueueItem(
                turn_id=turn.id,
                at=turn.created_at,
                text=turn.text_in,
                intent=turn.intent,
                confidence=turn.confidence,
                facility_name=facility,
                judged_useless=useful is False,
                note=note,
            )
            for turn, facility, useful, note in rows
        ]

    async def decide(
        self, turn_id: int, decision: str, label: str | None, reviewer_id: int
    ) -> None:
        """Record (or change) the decision on a turn."""
        if decision not in REVIEW_DECISIONS:
            raise ReviewError("bad_decision")
        if decision == "labelled":
            if label not in self._labels:
                raise ReviewError("bad_label")
        else:
            label = None
        async with self._sessionmaker() as session:
            if await session.get(Turn, turn_id) is None:
                raise ReviewError("unknown_turn")
            row = await session.get(ReviewDecision, turn_id)
            if row is None:
                row = ReviewDecision(turn_id=turn_id)
                session.add(row)
            row.decision = decision
            row.label = label
            row.reviewer_id = reviewer_id
            row.decided_at = self._clock.now()
            await session.commit()

    async def counts(self) -> dict[str, int]:
        """How many decisions of each kind are kept."""
        async with self._sessionmaker() as session:
            rows = await session.scalars(select(ReviewDecision.decision))
            found: dict[str, int] = defaultdict(int)
            for decision in rows:
                found[decision] += 1
        return dict(found)

    async def export_yaml(self) -> tuple[str, int]:
        """The labelled examples as Rasa NLU YAML (labels sorted, texts deduplicated and on
        one line each), and how many."""
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(
                    select(ReviewDecision.label, Turn.text_in)
                    .join(Turn, Turn.id == ReviewDecision.turn_id)
                    .where(ReviewDecision.decision == "labelled")
                    .order_by(ReviewDecision.label, Turn.id)
                )
            ).all()
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, text in rows:
            line = " ".join(str(text).split())
            if line and line not in by_label[str(label)]:
                by_label[str(label)].append(line)
        lines = [EXPORT_HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
        total = 0
        for label in sorted(by_label):
            lines += [f"- intent: {label}", "  examples: |"]
            for text in by_label[label]:
                lines.append(f"    - {_yaml_safe(text)}")
                total += 1
        if total == 0:
            lines[-1] = "nlu: []"
        return "\n".join(lines) + "\n", total

    async def export_to(self, path: Path) -> int:
        """Write the export to ``path`` (replaced whole); how many examples."""
        text, total = await self.export_yaml()
        await asyncio.to_thread(_write, path, text)
        return total


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _yaml_safe(text: str) -> str:
    """An example line inside a YAML block scalar: no entity syntax Rasa would read
    (``[x](y)``, ``{...}``) and no line breaks; the block scalar needs no other escaping."""
    for char in "[]{}()":
        text = text.replace(char, " ")
    return " ".join(text.split())
