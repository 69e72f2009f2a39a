"""The micro-quizzes: the bank loads through the same checks as the service uses; the choice of
three questions (job, never one answered right, weak topics first, one topic each); the
service on a real database (SQLite and PostgreSQL): three answers, the score, stale buttons,
the facility's reports steering the next quiz."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness.desk import answer_messages, question_message
from vigie.awareness.models import QuizAttempt
from vigie.awareness.quiz import (
    Question,
    QuizError,
    bank_path,
    choice_order,
    load_bank,
    pick,
    weak_topics,
)
from vigie.awareness.quizzes import QuizStale, Quizzes
from vigie.core import callbacks
from vigie.core.clock import FakeClock
from vigie.core.settings import ROOT, Settings
from vigie.knowledge.loader import KnowledgeBase
from vigie.people.directory import Directory
from vigie.phishing.models import PhishingCampaign, PhishingReport
from vigie.rights import Rights

SECRET = "quiz-test-secret-0123456789abcdefghijkl"
KB = KnowledgeBase.load(ROOT / "knowledge")
BANK = load_bank(bank_path(ROOT / "knowledge"), KB)


def _q(qid: str, topic: str, audience: tuple[str, ...] = ("all",)) -> Question:
    return Question(qid, topic, audience, "?", ("a", "b", "c"), 0, "e", "s")


def test_the_bank_loads_with_every_topic() -> None:
    assert len(BANK) >= 60
    assert {q.topic for q in BANK} == set(KB.ids)


def test_a_bad_bank_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "questions.yml"
    good = BANK[0]
    entry = (
        f"- id: x1\n  topic: {good.topic}\n  question: Q ?\n  choices: [a, b, a]\n"
        f"  answer: 0\n  explanation: E.\n  source: {good.source!r}\n"
    )
    path.write_text(entry, encoding="utf-8")
    with pytest.raises(QuizError, match="three different choices"):
        load_bank(path, KB)
    path.write_text(entry.replace("[a, b, a]", "[a, b, c]").replace(good.topic, "nope"), "utf-8")
    with pytest.raises(QuizError, match="unknown article"):
        load_bank(path, KB)
    path.write_text(entry.replace("[a, b, a]", "[a, b, c]").replace("answer: 0", "answer: 3"))
    with pytest.raises(QuizError, match="answer must be"):
        load_bank(path, KB)


def test_choices_are_shuffled_the_same_way_each_time() -> None:
    orders = {tuple(choice_order(attempt, "q001")) for attempt in range(30)}
    assert len(orders) > 3  # the right answer is not always first
    assert choice_order(7, "q001") == choice_order(7, "q001")


def test_pick_three_topics_for_the_job_never_a_right_one_again() -> None:
    bank = [
        _q("a1", "mfa"),
        _q("a2", "mfa"),
        _q("b1", "wifi"),
        _q("c1", "backup", ("management",)),
        _q("d1", "ransomware"),
        _q("e1", "sms_scam"),
    ]
    chosen = pick(bank, "care", {"a1": True}, [], seed=1)
    assert len(chosen) == 3 and len({q.topic for q in chosen}) == 3
    assert all(q.id not in ("a1", "c1") for q in chosen)
    # Weak topics first, at most two of three while other topics remain.
    chosen = pick(bank, "care", {}, ["sms_scam", "wifi", "ransomware"], seed=2)
    assert [q.topic for q in chosen[:2]] == ["sms_scam", "wifi"]
    assert chosen[2].topic in ("mfa", "ransomware")
    # Never asked before comes before a question answered wrong.
    chosen = pick(bank, "care", {"a1": False}, ["mfa"], seed=3)
    assert chosen[0].id == "a2"


def test_weak_topics_order() -> None:
    assert weak_topics(["mfa"], {"wifi": 0.2, "backup": 0.6}, {"phishing_recognize"}) == [
        "mfa",
        "phishing_recognize",
        "backup",
        "wifi",
    ]


async def _staff(sessions: async_sessionmaker[AsyncSession]) -> int:
    directory = Directory(sessions)
    facility = await directory.create_facility("EHPAD Quiz", "Tulle")
    for chat, job in ((71, "care"), (72, "admin")):
        code = await directory.create_invitation(facility_id=facility.id, role="staff")
        await directory.redeem_invitation(
            code.code, channel="telegram", chat_id=chat, sender=f"q-{chat}"
        )
        await directory.set_job(f"q-{chat}", job)
    return facility.id


async def test_a_quiz_of_three_answers_and_its_score(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    facility_id = await _staff(sessionmaker)
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    clock = FakeClock(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    quizzes = Quizzes(sessionmaker, settings, clock)
    assert await quizzes.start("nobody") is None

    # The facility's reports say someone typed a password: the quiz asks about it.
    async with sessionmaker() as session:
        campaign = PhishingCampaign(subject="Colis")
        session.add(campaign)
        await session.flush()
        session.add(
            PhishingReport(
                campaign_id=campaign.id,
                facility_id=facility_id,
                sender="q-72",
                channel="telegram",
                chat_id=72,
                source="eml",
                filename="mail.eml",
                size=10,
                sha256="0" * 64,
                verdict="dangereux",
                score=90,
                subject="Colis",
                mail_action="credentials",
                created_at=clock.now(),
            )
        )
        await session.commit()

    step = await quizzes.start("q-71")
    assert step is not None and step.position == 0 and step.total == 3
    first = step.question
    assert first.topic in ("password_strength", "mfa")

    message = question_message(step)
    assert "Question 1/3" in message.html and len(message.buttons) == 3
    pressed = [callbacks.decode(b.payload) for b in message.buttons]
    assert {c.arguments[2] for c in pressed if c} == {"0", "1", "2"}

    # A wrong answer, then the right ones.
    wrong = (first.answer + 1) % 3
    answered = await quizzes.answer("q-71", step.attempt_id, 0, wrong)
    assert not answered.correct and answered.next is not None
    with pytest.raises(QuizStale) as stale:  # the same button pressed again
        await quizzes.answer("q-71", step.attempt_id, 0, first.answer)
    assert stale.value.already
    with pytest.raises(QuizStale):  # someone else's quiz
        await quizzes.answer("q-72", step.attempt_id, 1, 0)
    second = answered.next.question
    answered = await quizzes.answer("q-71", step.attempt_id, 1, second.answer)
    assert answered.correct and answered.next is not None
    third = answered.next.question
    answered = await quizzes.answer("q-71", step.attempt_id, 2, third.answer)
    assert answered.next is None and answered.score == 2 and answered.total == 3
    assert answered.to_review == (first.topic,)

    messages = answer_messages(answered, await quizzes.titles())
    assert "Bonne réponse" in messages[0].html and "Source" in messages[0].html
    assert "2 sur 3" in messages[1].html
    labels = [b.title for b in messages[1].buttons]
    assert KB.get(first.topic).title[:20] in labels[0] and "autre quiz" in labels[-1]

    # The next quiz starts with the topic the person got wrong; never a question right.
    again = await quizzes.start("q-71")
    assert again is not None and again.question.topic == first.topic
    assert again.question.id not in (second.id, third.id)

    # /mes_donnees shows the quizzes; /oubli erases them with the person.
    rights = Rights(sessionmaker)
    data = await rights.data("q-71")
    assert [q["score"] for q in data.quizzes] == [2, None]
    assert data.to_json()["quizzes"][0]["questions"] == [first.id, second.id, third.id]
    await rights.forget("q-71")
    async with sessionmaker() as session:
        left = (await session.scalars(select(QuizAttempt))).all()
    assert left == []
