"""The facility self-diagnostic's questions (``knowledge/diagnostic/questions.yml``: the official
documents they rest on, the domains, about twenty questions answered Oui / En partie / Non /
Je ne sais pas) and its result: a score per domain, an overall score, and the five actions to do
first, each with who does it (the facility, the provider, or both).

Scoring: « Oui » counts 1, « En partie » ½, « Non » and « Je ne sais pas » 0, each question
weighted by how much a gap there matters (1 to 3). The actions to do first are the unanswered
« Oui » with the heaviest weight; among equals, « Non » and « Je ne sais pas » before « En
partie », then the bank's order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from vigie.awareness import texts
from vigie.core.hours import MONTH_NAMES, zone
from vigie.knowledge.loader import KnowledgeBase

DIAGNOSTIC_FOLDER = "diagnostic"
BANK_FILE = "questions.yml"
ANSWERS = ("yes", "partly", "no", "unknown")
POINTS = {"yes": 1.0, "partly": 0.5, "no": 0.0, "unknown": 0.0}
#: Among actions of the same weight, the order of urgency of the answers.
URGENCY = {"no": 0, "unknown": 0, "partly": 1}
OWNERS = ("facility", "provider", "both")
PRIORITIES = 5
QUESTION_CHARS = 160
EXPLANATION_CHARS = 260
ACTION_CHARS = 140


class DiagnosticError(ValueError):
    """A question bank that cannot be used: where and why."""


@dataclass(frozen=True)
class SourceDocument:
    id: str
    title: str
    publisher: str
    date: str

    def citation(self, ref: str | None = None) -> str:
        """« ANSSI, « Titre », version 2.0, septembre 2017, mesure 37 »."""
        parts = [self.publisher, f"« {self.title} »", self.date]
        if ref:
            parts.append(ref)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Domain:
    id: str
    title: str


@dataclass(frozen=True)
class DiagnosticQuestion:
    id: str
    domain: str
    question: str
    explanation: str
    action: str
    owner: str  # facility | provider | both
    weight: int  # 1-3
    article: str | None
    document: str
    ref: str | None


@dataclass(frozen=True)
class DiagnosticBank:
    documents: dict[str, SourceDocument]
    domains: tuple[Domain, ...]
    questions: tuple[DiagnosticQuestion, ...]

    def source(self, question: DiagnosticQuestion) -> str:
        return self.documents[question.document].citation(question.ref)

    def domain_title(self, domain_id: str) -> str:
        return next((d.title for d in self.domains if d.id == domain_id), domain_id)


@dataclass(frozen=True)
class DomainScore:
    domain: Domain
    percent: int
    answered_yes: int
    questions: int


@dataclass(frozen=True)
class Priority:
    question: DiagnosticQuestion
    answer: str


@dataclass(frozen=True)
class DiagnosticResult:
    percent: int
    domains: tuple[DomainScore, ...]
    priorities: tuple[Priority, ...]
    unknown: int  # questions answered « Je ne sais pas »


def owner_label(owner: str, provider: str) -> str:
    """Who does an action, in French: « l’établissement », the provider's name, or both."""
    return texts.OWNER_LABELS.get(owner, owner).format(provider=provider)


def bank_path(knowledge_dir: Path) -> Path:
    return knowledge_dir / DIAGNOSTIC_FOLDER / BANK_FILE


def _text(entry: Mapping[str, object], key: str) -> str:
    return str(entry.get(key) or "").strip()


def load_diagnostic(path: Path, knowledge: KnowledgeBase) -> DiagnosticBank:
    """The bank, checked: every question's domain, document and article exist, « Oui » is
    the good practice (wording is the author's job), texts fit a chat message, each domain
    has two questions or more. DiagnosticError for the first problem."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise DiagnosticError(f"{path.name}: documents, domains and questions expected")
    documents = {
        _text(d, "id"): SourceDocument(
            _text(d, "id"), _text(d, "title"), _text(d, "publisher"), _text(d, "date")
        )
        for d in raw.get("documents") or []
    }
    domains = tuple(Domain(_text(d, "id"), _text(d, "title")) for d in raw.get("domains") or [])
    questions: list[DiagnosticQuestion] = []
    for entry in raw.get("questions") or []:
        source = entry.get("source") or {}
        try:
            weight = int(entry.get("weight", 0))
        except (TypeError, ValueError):
            weight = 0
        questions.append(
            DiagnosticQuestion(
                id=_text(entry, "id"),
                domain=_text(entry, "domain"),
                question=_text(entry, "question"),
                explanation=_text(entry, "explanation"),
                action=_text(entry, "action"),
                owner=_text(entry, "owner"),
                weight=weight,
                article=_text(entry, "article") or None,
                document=_text(source, "document"),
                ref=_text(source, "ref") or None,
            )
        )
    bank = DiagnosticBank(documents, domains, tuple(questions))
    problem = _problem(bank, knowledge)
    if problem:
        raise DiagnosticError(f"{path.name}: {problem}")
    return bank


def _problem(bank: DiagnosticBank, knowledge: KnowledgeBase) -> str | None:
    if any(not d.id or not d.title or not d.publisher for d in bank.documents.values()):
        return "a document without id, title or publisher"
    domain_ids = [d.id for d in bank.domains]
    if len(set(domain_ids)) != len(domain_ids) or not domain_ids:
        return "missing or duplicate domains"
    ids = [q.id for q in bank.questions]
    if len(set(ids)) != len(ids) or not ids:
        return "missing or duplicate question ids"
    for q in bank.questions:
        if not q.id or len(q.id) > 8 or ":" in q.id:
            return f"bad id {q.id!r}"
        if q.domain not in domain_ids:
            return f"{q.id}: unknown domain {q.domain!r}"
        if q.document not in bank.documents:
            return f"{q.id}: unknown document {q.document!r}"
        if q.article is not None and q.article not in knowledge:
            return f"{q.id}: unknown article {q.article!r}"
        if q.owner not in OWNERS or not 1 <= q.weight <= 3:
            return f"{q.id}: owner or weight"
        if not 0 < len(q.question) <= QUESTION_CHARS or not q.question.endswith("?"):
            return f"{q.id}: a question of at most {QUESTION_CHARS} characters expected"
        if not 0 < len(q.explanation) <= EXPLANATION_CHARS:
            return f"{q.id}: explanation missing or too long"
        if not 0 < len(q.action) <= ACTION_CHARS:
            return f"{q.id}: action missing or too long"
    for domain in bank.domains:
        if sum(q.domain == domain.id for q in bank.questions) < 2:
            return f"domain {domain.id!r} has fewer than two questions"
    return None


def score(bank: DiagnosticBank, answers: Mapping[str, str]) -> DiagnosticResult:
    """The result of ``answers`` (question id → one of :data:`ANSWERS`; a question not
    answered counts as « Je ne sais pas »)."""

    def answer(q: DiagnosticQuestion) -> str:
        value = answers.get(q.id, "unknown")
        return value if value in POINTS else "unknown"

    def percent(questions: Sequence[DiagnosticQuestion]) -> int:
        total = sum(q.weight for q in questions)
        got = sum(q.weight * POINTS[answer(q)] for q in questions)
        return round(100 * got / total) if total else 0

    domains = tuple(
        DomainScore(
            domain,
            percent(mine := [q for q in bank.questions if q.domain == domain.id]),
            sum(answer(q) == "yes" for q in mine),
            len(mine),
        )
        for domain in bank.domains
    )
    gaps = [(index, q) for index, q in enumerate(bank.questions) if answer(q) != "yes"]
    gaps.sort(key=lambda item: (-item[1].weight, URGENCY[answer(item[1])], item[0]))
    priorities = tuple(Priority(q, answer(q)) for _, q in gaps[:PRIORITIES])
    unknown = sum(answer(q) == "unknown" for q in bank.questions)
    return DiagnosticResult(percent(bank.questions), domains, priorities, unknown)


@dataclass(frozen=True)
class RunSummary:
    """A finished run, as the provider and the director see it."""

    run_id: int
    facility_id: int
    facility: str
    timezone: str
    finished_at: datetime
    percent: int

    def local_day(self) -> date:
        return self.finished_at.astimezone(zone(self.timezone)).date()


def french_day(day: date) -> str:
    """« 1er décembre 2026 »."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTH_NAMES[day.month - 1]} {day.year}"
