"""A micro-quiz end to end: the real bot against the fake Telegram server, on the stack's
database: ``/quiz``, three questions answered with their buttons (one wrong), each answered at
once with the right answer, its explanation and its source, then the score with the article to
reread and « Un autre quiz ». The transcript is written to ``var/test-transcripts/quiz.txt``."""

from __future__ import annotations

from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import RunningBot
from tests.e2e.test_tickets import (  # noqa: F401  (fixtures)
    Conversation,
    buttons,
    directory,
    fake,
    ticket_bot,
)
from tests.e2e.test_tips import _join
from vigie.awareness.quiz import Question, bank_path, load_bank
from vigie.core.settings import ROOT
from vigie.core.typography import french_typography
from vigie.knowledge.loader import KnowledgeBase
from vigie.people.directory import Directory

TRANSCRIPT = ROOT / "var" / "test-transcripts" / "quiz.txt"


def _question(bank: list[Question], text: str) -> Question:
    """The bank's question shown in ``text`` (the message after « Question n/3 »)."""
    found = [q for q in bank if french_typography(q.question) in text]
    assert len(found) == 1, text
    return found[0]


async def test_a_quiz_of_three_questions_with_answers_and_score(
    fake: FakeTelegram,  # noqa: F811
    ticket_bot: RunningBot,  # noqa: F811
    directory: Directory,  # noqa: F811
) -> None:
    knowledge = KnowledgeBase.load(ticket_bot.settings.knowledge_dir)
    bank = load_bank(bank_path(ticket_bot.settings.knowledge_dir), knowledge)
    conv = Conversation(fake)
    lina = conv.person(fake.user(4741, "Lina"), "Aide-soignante")
    facility = await directory.create_facility("EHPAD Les Quiz", "Aurillac", hours="24/7")
    await _join(conv, directory, lina, facility.id)

    conv.say(lina, "/quiz")
    message = await conv.until(lina, "Question 1/3")
    assert "Quiz de sécurité" in message["plain_text"]
    asked: list[Question] = []
    for position in range(3):
        question = _question(bank, message["plain_text"])
        asked.append(question)
        choices = buttons(message)
        assert set(choices) == {french_typography(c) for c in question.choices}
        # The first answer wrong, the others right.
        pick = question.right if position else question.choices[(question.answer + 1) % 3]
        conv.press(lina, message, french_typography(pick))
        verdict = await conv.until(lina, "Source")
        text = verdict["plain_text"]
        if position == 0:
            assert "Pas tout à fait" in text and french_typography(question.right) in text
        else:
            assert "Bonne réponse" in text
        assert french_typography(question.explanation) in text
        assert french_typography(question.source) in text
        if position < 2:
            message = await conv.until(lina, f"Question {position + 2}/3")
    assert len({q.topic for q in asked}) == 3

    score = await conv.until(lina, "2 sur 3")
    labels = list(buttons(score))
    assert labels[0] == french_typography(knowledge.get(asked[0].topic).title)[:64]
    assert labels[-1] == "🎯 Un autre quiz"
    assert not any(name in score["plain_text"] for name in ("Lina", "collègue"))

    # « Un autre quiz »: the topic answered wrong comes back first.
    conv.press(lina, score, "🎯 Un autre quiz")
    again = await conv.until(lina, "Question 1/3")
    assert _question(bank, again["plain_text"]).topic == asked[0].topic

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")
