"""The facility self-diagnostic: its bank (every question cites an official document, leads to
an existing article when it names one, and fits a chat message), its scoring, and the service
on a real database (SQLite and PostgreSQL): who may take it, one question at a time, resumed
where it was left, stale buttons refused, the result with its PDF (text read back with pypdf)
queued to the chat, progress kept over two runs, and ``vigie diagnostic list|show`` and
``vigie awareness stats`` on the same data."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.admin.cli import main
from vigie.awareness.desk import diagnostic_message, diagnostic_result
from vigie.awareness.diagnostic import (
    DiagnosticBank,
    bank_path,
    load_diagnostic,
    score,
)
from vigie.awareness.diagnostics import DiagnosticDone, Diagnostics, DiagnosticStale
from vigie.core import callbacks
from vigie.core.clock import FakeClock
from vigie.core.settings import ROOT, Settings
from vigie.core.typography import NBSP
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.knowledge.loader import KnowledgeBase
from vigie.outbox.models import OutboxMessage
from vigie.people.directory import Directory

SECRET = "diagnostic-test-secret-0123456789abcdef"
PROVIDER = "Infogérance Diag"
KB = KnowledgeBase.load(ROOT / "knowledge")
BANK = load_diagnostic(bank_path(ROOT / "knowledge"), KB)


def test_every_question_cites_an_official_document_and_fits_the_chat() -> None:
    assert 18 <= len(BANK.questions) <= 22
    assert 5 <= len(BANK.domains) <= 7
    for document in BANK.documents.values():
        assert document.title and document.publisher and document.date, document.id
    for q in BANK.questions:
        assert q.document in BANK.documents, q.id
        assert q.article is None or q.article in KB, q.id
        assert q.question.endswith(f"{NBSP}?"), q.id  # French typography
        assert len(callbacks.encode("diag", 999999, 99, "u")) <= 64
    # Each topic the issue names is asked about.
    text = " ".join(q.question.lower() for q in BANK.questions)
    for word in ("sauvegarde", "mise", "départ", "astreinte", "exercice", "sensibilis"):
        assert word in text, word


def test_scoring_weights_and_priorities() -> None:
    everything = {q.id: "yes" for q in BANK.questions}
    perfect = score(BANK, everything)
    assert perfect.percent == 100 and not perfect.priorities and perfect.unknown == 0
    nothing = score(BANK, {})
    assert nothing.percent == 0 and nothing.unknown == len(BANK.questions)
    assert len(nothing.priorities) == 5
    assert [p.question.weight for p in nothing.priorities] == sorted(
        (p.question.weight for p in nothing.priorities), reverse=True
    )
    # A heavy « Non » comes before a heavy « En partie »; a light gap after both.
    heavy = [q for q in BANK.questions if q.weight == 3]
    light = next(q for q in BANK.questions if q.weight == 1)
    answers = dict(everything)
    answers[heavy[0].id], answers[heavy[1].id], answers[light.id] = "partly", "no", "no"
    result = score(BANK, answers)
    assert [p.question.id for p in result.priorities] == [heavy[1].id, heavy[0].id, light.id]
    assert 0 < result.percent < 100
    domain = next(d for d in result.domains if d.domain.id == heavy[1].domain)
    assert domain.percent < 100


def _bank_answers(bank: DiagnosticBank, pattern: list[str]) -> list[str]:
    return [pattern[i % len(pattern)] for i in range(len(bank.questions))]


@dataclass
class Place:
    facility_id: int
    facility: str


async def _people(sessions: async_sessionmaker[AsyncSession]) -> Place:
    directory = Directory(sessions)
    facility = await directory.create_facility("EHPAD Le Diagnostic", "Figeac")
    for chat, role, job in (
        (81, "referent", "management"),
        (82, "staff", "care"),
        (83, "staff", "management"),
    ):
        code = await directory.create_invitation(facility_id=facility.id, role=role)
        await directory.redeem_invitation(
            code.code, channel="telegram", chat_id=chat, sender=f"d-{chat}"
        )
        await directory.set_job(f"d-{chat}", job)
    return Place(facility.id, facility.name)


async def _take(diagnostics: Diagnostics, sender: str, answers: list[str]) -> DiagnosticDone:
    step = await diagnostics.start(sender)
    assert step is not None
    outcome = None
    for position, answer in enumerate(answers):
        if position < step.position:
            continue
        outcome = await diagnostics.answer(sender, step.run_id, position, answer)
        if not isinstance(outcome, DiagnosticDone):
            step = outcome
    assert isinstance(outcome, DiagnosticDone)
    return outcome


async def test_a_diagnostic_taken_twice_with_its_pdf(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    place = await _people(sessionmaker)
    settings = Settings(_env_file=None, pseudonym_secret=SECRET, provider_name=PROVIDER)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    diagnostics = Diagnostics(sessionmaker, settings, clock)
    bank = await diagnostics.bank()
    assert await diagnostics.start("d-82") is None  # a care assistant: not for her
    assert await diagnostics.start("nobody") is None

    step = await diagnostics.start("d-81")
    assert step is not None and step.position == 0 and not step.resumed
    message = diagnostic_message(step, PROVIDER)
    assert (
        "Autodiagnostic de sécurité</b> – EHPAD" in message.html and "Question 1/" in message.html
    )
    assert [b.title for b in message.buttons] == ["Oui", "En partie", "Non", "Je ne sais pas"]

    first = _bank_answers(bank, ["no", "partly", "unknown", "yes"])
    nxt = await diagnostics.answer("d-81", step.run_id, 0, first[0])
    assert not isinstance(nxt, DiagnosticDone) and nxt.position == 1
    with pytest.raises(DiagnosticStale) as stale:
        await diagnostics.answer("d-81", step.run_id, 0, "yes")
    assert stale.value.already
    with pytest.raises(DiagnosticStale):  # another person's run
        await diagnostics.answer("d-83", step.run_id, 1, "yes")
    # She leaves; /diagnostic again resumes at question 2.
    again = await diagnostics.start("d-81")
    assert again is not None and again.run_id == step.run_id and again.position == 1
    assert again.resumed and "On reprend" in diagnostic_message(again, PROVIDER).html

    done = await _take(diagnostics, "d-81", first)
    assert (
        done.previous is None
        and done.result.percent
        == score(bank, dict(zip([q.id for q in bank.questions], first, strict=True))).percent
    )
    summary = diagnostic_result(done, PROVIDER).html
    assert f"{done.result.percent} / 100" in summary and "Par domaine" in summary
    assert summary.count("\n1. ") == 1 and "\n5. " in summary
    assert PROVIDER in summary  # who does the actions, and the « Je ne sais pas »

    async with sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage))).all()
    assert len(rows) == 1 and rows[0].destination == "81"
    document = rows[0].payload["document"]
    assert document["filename"] == "autodiagnostic-2026-11-03.pdf"
    pdf = base64.b64decode(document["base64"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "EHPAD Le Diagnostic" in text and f"{done.result.percent} / 100" in text
    for priority in done.result.priorities:
        assert priority.question.action[:40] in " ".join(text.split())
    for document_cited in bank.documents.values():
        assert document_cited.publisher in text

    # A month later, better: the trend is kept and shown.
    clock.advance(timedelta(days=30).total_seconds())
    better = _bank_answers(bank, ["yes", "yes", "partly", "yes"])
    second = await _take(diagnostics, "d-81", better)
    assert second.previous is not None and second.previous.percent == done.result.percent
    assert second.result.percent > done.result.percent
    assert "La dernière fois, le 3 novembre 2026" in diagnostic_result(second, PROVIDER).html
    rows_ = await diagnostics.facilities()
    mine = next(r for r in rows_ if r.facility_id == place.facility_id)
    assert mine.runs == 2 and mine.latest and mine.previous
    assert (mine.latest.percent, mine.previous.percent) == (
        second.result.percent,
        done.result.percent,
    )
    again_pdf = await diagnostics.pdf(second.run.run_id)
    reread = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(again_pdf)).pages)
    assert "Évolution" in reread


@pytest.fixture
def vigie(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PSEUDONYM_SECRET", SECRET)
    monkeypatch.setenv("PROVIDER_NAME", PROVIDER)
    monkeypatch.delenv("TECHNICIANS_CHAT_ID", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--database-url", db_url, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_the_command_line_lists_shows_and_counts(vigie, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert vigie("facilities", "list")[0] == 0  # migrates the database

    async def go() -> None:
        engine = create_engine(db_url)
        try:
            sessions = make_sessionmaker(engine)
            await _people(sessions)
            settings = Settings(_env_file=None, pseudonym_secret=SECRET, provider_name=PROVIDER)  # type: ignore[call-arg]
            diagnostics = Diagnostics(sessions, settings)
            bank = await diagnostics.bank()
            await _take(diagnostics, "d-81", _bank_answers(bank, ["no", "yes"]))
            await _take(diagnostics, "d-83", _bank_answers(bank, ["yes", "yes", "partly"]))
        finally:
            await engine.dispose()

    asyncio.run(go())
    code, out, _ = vigie("diagnostic", "list")
    assert code == 0 and "EHPAD Le Diagnostic" in out and "DERNIER SCORE" in out
    line = next(line for line in out.splitlines() if "EHPAD Le Diagnostic" in line)
    assert line.split()[-1] == "2" and "+" in line
    pdf = tmp_path / "diag.pdf"
    code, out, _ = vigie("diagnostic", "show", "EHPAD Le Diagnostic", "--pdf", str(pdf))
    assert code == 0 and "À faire d’abord" in out and "Historique" in out
    assert pdf.read_bytes().startswith(b"%PDF")
    code, out, _ = vigie("awareness", "stats")
    assert code == 0 and "EHPAD Le Diagnostic" in out
    assert "AUTODIAGNOSTIC" in out
    code, _, err = vigie("diagnostic", "show", "Nulle Part")
    assert code == 1 and "établissement inconnu" in err
