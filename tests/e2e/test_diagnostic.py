"""The facility self-diagnostic end to end: the real bot against the fake Telegram server, on the
stack's database: a care assistant is told it is for the direction; the director answers every
question with the buttons (leaving half-way and coming back with /diagnostic), gets the score
per domain and the actions to do first, then the PDF, whose text is read back and checked.
The transcript is written to ``var/test-transcripts/diagnostic.txt``."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import RunningBot
from tests.e2e.test_tickets import (  # noqa: F401  (fixtures)
    Conversation,
    buttons,
    directory,
    fake,
    ticket_bot,
)
from vigie.awareness.diagnostic import bank_path, load_diagnostic, score
from vigie.core.settings import ROOT
from vigie.core.typography import french_typography
from vigie.knowledge.loader import KnowledgeBase
from vigie.people.directory import Directory

TRANSCRIPT = ROOT / "var" / "test-transcripts" / "diagnostic.txt"
LABELS = {"yes": "Oui", "partly": "En partie", "no": "Non", "unknown": "Je ne sais pas"}


async def _join(
    conv: Conversation, people: Directory, user, facility_id: int, role: str, job: str
) -> None:  # type: ignore[no-untyped-def]
    invitation = await people.create_invitation(facility_id=facility_id, role=role)
    conv.say(user, f"/start {invitation.code}")
    welcome = await conv.until(user, "Bienvenue")
    conv.press(user, welcome, job)
    await conv.until(user, "Voici ce que je sais faire")


async def test_the_director_takes_the_diagnostic_and_gets_the_pdf(
    fake: FakeTelegram,  # noqa: F811
    ticket_bot: RunningBot,  # noqa: F811
    directory: Directory,  # noqa: F811
) -> None:
    knowledge_dir = ticket_bot.settings.knowledge_dir
    bank = load_diagnostic(bank_path(knowledge_dir), KnowledgeBase.load(knowledge_dir))
    conv = Conversation(fake)
    director = conv.person(fake.user(4751, "Claire"), "Directrice")
    carer = conv.person(fake.user(4752, "Inès"), "Aide-soignante")
    facility = await directory.create_facility("EHPAD Le Bilan", "Rodez", hours="24/7")
    await _join(conv, directory, director, facility.id, "referent", "Direction")
    await _join(conv, directory, carer, facility.id, "staff", "Soins")

    conv.say(carer, "/diagnostic")
    await conv.until(carer, "pour la direction ou le référent")

    pattern = ["yes", "no", "partly", "unknown", "yes", "yes"]
    answers = [pattern[i % len(pattern)] for i in range(len(bank.questions))]
    conv.say(director, "/diagnostic")
    message = await conv.until(director, "Question 1/")
    assert "Autodiagnostic de sécurité" in message["plain_text"]
    for position, question in enumerate(bank.questions):
        assert f"Question {position + 1}/{len(bank.questions)}" in message["plain_text"]
        assert french_typography(question.question) in message["plain_text"]
        conv.press(director, message, LABELS[answers[position]])
        if position == 4:  # she stops, and comes back later
            await conv.until(director, "Question 6/")
            conv.say(director, "/diagnostic")
            message = await conv.until(director, "On reprend")
            assert "Question 6/" in message["plain_text"]
            continue
        if position + 1 < len(bank.questions):
            message = await conv.until(director, f"Question {position + 2}/")

    expected = score(bank, {q.id: a for q, a in zip(bank.questions, answers, strict=True)})
    result = await conv.until(director, "Résultat de l’autodiagnostic")
    text = result["plain_text"]
    assert f"{expected.percent} / 100" in text and "Par domaine" in text
    for priority in expected.priorities:
        assert french_typography(priority.question.action) in text

    document = await conv.until(director, "Autodiagnostic de sécurité –")
    assert document["document"]["file_name"].startswith("autodiagnostic-")
    content = fake.file(document["document"]["file_id"]).content
    pdf_text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()
    )
    assert "EHPAD Le Bilan" in pdf_text and f"{expected.percent} / 100" in pdf_text
    for priority in expected.priorities:
        assert priority.question.action[:40] in pdf_text
    for source in bank.documents.values():
        assert source.title[:30] in pdf_text

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")
