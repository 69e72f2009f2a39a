"""The self-diagnostic's result as a PDF for the director: the overall score and its trend, a
bar per domain, the actions to do first with who does them, then every question with its
answer, its explanation and the official text it rests on."""

from __future__ import annotations

from vigie.awareness import texts
from vigie.awareness.diagnostic import (
    DiagnosticBank,
    DiagnosticResult,
    RunSummary,
    french_day,
    owner_label,
)
from vigie.core.pdf import PAGES_ALIAS, Document, font_files
from vigie.core.typography import NBSP

TITLE = "Autodiagnostic de sécurité informatique"
SCORE = "Score global{nbsp}: {percent} / 100"
TREND = "Évolution"
DOMAINS = "Score par domaine (en %)"
PRIORITIES = "Les actions à faire d’abord"
ANSWERS = "Vos réponses"
SOURCES = "Textes de référence"
FOOTER = "Vigie · autodiagnostic de {facility} · page {page}/{pages}"
HOW = (
    "Oui compte 1, En partie ½, Non et Je ne sais pas 0, chaque question pesant de 1 à 3 "
    "selon l’importance du risque. Les actions à faire d’abord sont les questions sans « Oui » "
    "qui pèsent le plus."
)


def render(
    bank: DiagnosticBank,
    result: DiagnosticResult,
    run: RunSummary,
    history: list[RunSummary],
    provider: str,
    answers: dict[str, str] | None = None,
) -> bytes:
    """The PDF's bytes (the same inputs give the same bytes: the date is the run's)."""
    doc = Document(
        font_files(),
        lambda page: FOOTER.format(facility=run.facility, page=page, pages=PAGES_ALIAS),
    )
    doc.set_creation_date(run.finished_at)
    doc.set_title(f"{TITLE} – {run.facility}")
    doc.add_page()
    doc.title_block(
        f"{TITLE} – {run.facility}",
        [f"Réalisé le {french_day(run.local_day())}, avec Vigie ({provider})."],
    )
    doc.heading(SCORE.format(nbsp=NBSP, percent=result.percent))
    doc.paragraph(HOW, size=9, muted=True)
    if len(history) > 1:
        doc.heading(TREND)
        doc.bar_chart([(f"{r.local_day():%d/%m/%y}", r.percent) for r in history[-8:]])
    doc.heading(DOMAINS)
    doc.hbar_chart([(d.domain.title, d.percent) for d in result.domains])
    doc.heading(PRIORITIES)
    if not result.priorities:
        doc.paragraph(texts.DIAGNOSTIC_NO_PRIORITY)
    for rank, priority in enumerate(result.priorities, start=1):
        who = owner_label(priority.question.owner, provider)
        doc.item(f"{priority.question.action} ({who})", marker=f"{rank}.", bold=True)
        doc.paragraph(
            f"Réponse{NBSP}: {texts.ANSWER_LABELS[priority.answer]}. "
            f"{priority.question.explanation}",
            size=9,
            muted=True,
        )
    doc.heading(ANSWERS)
    given = answers or {}
    for domain in bank.domains:
        doc.room(14)
        doc.paragraph(domain.title, size=10.5)
        for question in bank.questions:
            if question.domain != domain.id:
                continue
            answer = given.get(question.id)
            label = texts.ANSWER_LABELS.get(answer or "", "")
            line = f"{question.question} — {label}" if label else question.question
            doc.item(line)
            doc.paragraph(f"Référence{NBSP}: {bank.source(question)}", size=8, muted=True)
    doc.heading(SOURCES)
    for document in bank.documents.values():
        doc.item(document.citation(), marker="•")
    return bytes(doc.output())
