"""The micro-quizzes' bank (knowledge/quiz/questions.yml, issue 15): every question leads to
an existing article and cites one of that article's sources; three short choices (Telegram
buttons), one right answer, a one-sentence explanation. The quizzes themselves are not built
yet; the bank is checked from the start."""

from __future__ import annotations

import yaml

from vigie.core.settings import ROOT
from vigie.knowledge.loader import KnowledgeBase

KB = KnowledgeBase.load(ROOT / "knowledge")
BANK = yaml.safe_load((ROOT / "knowledge" / "quiz" / "questions.yml").read_text("utf-8"))


def test_every_question_has_a_source_and_an_article() -> None:
    assert len(BANK) >= 60
    ids = [q["id"] for q in BANK]
    assert len(set(ids)) == len(ids)
    for q in BANK:
        assert q["topic"] in KB, q["id"]
        assert q["source"] in KB.get(q["topic"]).sources, q["id"]
    assert {q["topic"] for q in BANK} == set(KB.ids)


def test_every_question_fits_the_chat() -> None:
    for q in BANK:
        assert len(q["choices"]) == 3 and q["answer"] in (0, 1, 2), q["id"]
        assert all(0 < len(c.encode()) <= 64 for c in q["choices"]), q["id"]
        assert len(set(q["choices"])) == 3, q["id"]
        assert 0 < len(q["explanation"]) <= 160, q["id"]
        assert q["question"].strip() and "http" not in q["explanation"], q["id"]
