"""The micro-quizzes' bank (``knowledge/quiz/questions.yml``) and the choice of a quiz's three
questions: for the person's job, never one they already got right, the topics where they (then
their facility) went wrong first, one topic per question.

A question's right answer is written first in the bank; the buttons show the three choices in
an order drawn from the attempt and the question (:func:`choice_order`), the same each time the
message is built again, so the right answer is not always the first button."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from vigie.knowledge.loader import KnowledgeBase
from vigie.people.roles import JOBS

ALL = "all"
QUESTIONS_PER_QUIZ = 3
QUIZ_FOLDER = "quiz"
BANK_FILE = "questions.yml"
#: Telegram's limit on a button's callback data leaves room for choices of this many bytes.
CHOICE_BYTES = 64
EXPLANATION_CHARS = 160


class QuizError(ValueError):
    """A bank that cannot be used: the question and the problem."""


@dataclass(frozen=True)
class Question:
    id: str
    topic: str  # the article it comes from
    audience: tuple[str, ...]  # jobs, or ("all",)
    question: str
    choices: tuple[str, str, str]
    answer: int  # index of the right choice in ``choices``
    explanation: str
    source: str

    def for_job(self, job: str | None) -> bool:
        return ALL in self.audience or (job is not None and job in self.audience)

    @property
    def right(self) -> str:
        return self.choices[self.answer]


def bank_path(knowledge_dir: Path) -> Path:
    return knowledge_dir / QUIZ_FOLDER / BANK_FILE


def load_bank(path: Path, knowledge: KnowledgeBase) -> list[Question]:
    """The bank's questions in file order; QuizError for the first bad one (an unknown
    article, a source the article does not cite, not three distinct button-sized choices, a
    missing or long explanation, an unknown job, a duplicate id)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise QuizError(f"{path.name}: a list of questions expected")
    questions: list[Question] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, dict):
            raise QuizError(f"{path.name}: a question must be a mapping")
        choices = tuple(str(c) for c in entry.get("choices") or [])
        try:
            answer = int(entry.get("answer", -1))
        except (TypeError, ValueError):
            answer = -1
        question = Question(
            id=str(entry.get("id", "")),
            topic=str(entry.get("topic", "")),
            audience=tuple(str(a) for a in entry.get("audience") or [ALL]),
            question=str(entry.get("question", "")).strip(),
            choices=choices,  # type: ignore[arg-type]  # checked by _problem
            answer=answer,
            explanation=str(entry.get("explanation", "")).strip(),
            source=str(entry.get("source", "")).strip(),
        )
        problem = _problem(question, knowledge, seen)
        if problem:
            raise QuizError(f"{path.name}, {question.id or '?'}: {problem}")
        seen.add(question.id)
        questions.append(question)
    return questions


def _problem(q: Question, knowledge: KnowledgeBase, seen: set[str]) -> str | None:
    if not q.id or q.id in seen or len(q.id) > 16 or "," in q.id:
        return "missing, duplicate or bad id"
    if q.topic not in knowledge:
        return f"unknown article {q.topic!r}"
    if q.source not in knowledge.get(q.topic).sources:
        return "source not cited by the article"
    if len(q.choices) != 3 or len(set(q.choices)) != 3:
        return "three different choices expected"
    if any(not 0 < len(c.encode()) <= CHOICE_BYTES for c in q.choices):
        return "a choice is empty or too long for a button"
    if q.answer not in (0, 1, 2):
        return "answer must be 0, 1 or 2"
    if not q.question or not 0 < len(q.explanation) <= EXPLANATION_CHARS:
        return "question or explanation missing, or explanation too long"
    if any(a != ALL and a not in JOBS for a in q.audience):
        return f"unknown audience {q.audience!r}"
    return None


def choice_order(attempt_id: int, question_id: str) -> list[int]:
    """The order the three choices are shown in, for this attempt and question."""
    order = [0, 1, 2]
    random.Random(f"{attempt_id}:{question_id}").shuffle(order)
    return order


def pick(
    bank: Sequence[Question],
    job: str | None,
    history: Mapping[str, bool],
    weak_topics: Sequence[str],
    seed: int,
    count: int = QUESTIONS_PER_QUIZ,
) -> list[Question]:
    """``count`` questions from different topics, for ``job``.

    ``history`` is what the person answered so far (question id → right at the last try):
    a question they got right never comes back. ``weak_topics`` come first, in their order
    (the person's mistakes, then the facility's weak points), then the topics they were
    asked least, drawn by ``seed`` (at most ``count - 1`` weak topics while other topics
    remain). A question they got wrong may come back, after the
    ones they were never asked."""
    fresh = [q for q in bank if q.for_job(job) and not history.get(q.id, False)]
    if not fresh:  # everything answered right: start again, the oldest knowledge first
        fresh = [q for q in bank if q.for_job(job)]
    rng = random.Random(seed)
    by_topic: dict[str, list[Question]] = {}
    for q in fresh:
        by_topic.setdefault(q.topic, []).append(q)
    for questions in by_topic.values():
        rng.shuffle(questions)
        questions.sort(key=lambda q: q.id in history)  # never asked first (stable)
    asked: dict[str, int] = {}
    for q in bank:
        if q.id in history:
            asked[q.topic] = asked.get(q.topic, 0) + 1
    others = [t for t in by_topic if t not in weak_topics]
    rng.shuffle(others)
    others.sort(key=lambda t: asked.get(t, 0))
    weak = list(dict.fromkeys(t for t in weak_topics if t in by_topic))
    # At most count - 1 weak topics while others remain: every quiz also brings a new one.
    order = [*weak[: count - 1], *others, *weak[count - 1 :]]
    chosen: list[Question] = []
    for topic in order:
        chosen.append(by_topic[topic][0])
        if len(chosen) == count:
            break
    return chosen


def weak_topics(
    own_mistakes: Sequence[str],
    facility_mistakes: Mapping[str, float],
    report_topics: Collection[str],
) -> list[str]:
    """The topics to ask about first: the person's own mistakes (latest first), then what
    the facility's reports show (links clicked, passwords typed), then the facility's
    quiz topics with the most wrong answers."""
    facility = sorted(facility_mistakes, key=lambda t: -facility_mistakes[t])
    return list(dict.fromkeys([*own_mistakes, *sorted(report_topics), *facility]))
