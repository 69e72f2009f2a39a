"""``/astuces``, ``/quiz`` and their buttons: opting in and out of the tips of the week, and
the micro-quizzes (a question per message, the answer at once, the score at the end)."""

from __future__ import annotations

import html
from collections.abc import Callable

from vigie.awareness import texts
from vigie.awareness.diagnostic import ANSWERS, french_day, owner_label
from vigie.awareness.diagnostics import (
    DiagnosticDone,
    Diagnostics,
    DiagnosticStale,
    DiagnosticStep,
)
from vigie.awareness.quiz import choice_order
from vigie.awareness.quizzes import Answered, QuizStale, Quizzes, Step
from vigie.awareness.service import Awareness
from vigie.core import callbacks
from vigie.core.desk import DeskReply
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.typography import french_typography
from vigie.knowledge.render import faq_payload


def _say(text: str, *buttons: Button) -> OutgoingMessage:
    return OutgoingMessage(french_typography(text), buttons)


def offer_button() -> Button:
    return Button(texts.OFFER_LABEL, callbacks.encode(texts.TIPS_ACTION, texts.ON))


def offer() -> OutgoingMessage:
    """The offer shown after the registration and by ``/astuces``."""
    return _say(texts.STATUS_OFF, offer_button())


def quiz_button(label: str = texts.QUIZ_OFFER_LABEL) -> Button:
    return Button(label, callbacks.encode(texts.QUIZ_ACTION, texts.NEW))


def question_message(step: Step) -> OutgoingMessage:
    """A quiz question with its three choices as buttons (in the attempt's order)."""
    q = step.question
    body = texts.QUIZ_QUESTION.format(
        position=step.position + 1,
        total=step.total,
        question=html.escape(french_typography(q.question)),
    )
    if step.position == 0:
        body = f"{texts.QUIZ_INTRO}\n\n{body}"
    buttons = tuple(
        Button(
            french_typography(q.choices[index]),
            callbacks.encode(texts.QUIZ_ACTION, step.attempt_id, step.position, index),
        )
        for index in choice_order(step.attempt_id, q.id)
    )
    return OutgoingMessage(french_typography(body), buttons)


def answer_messages(answered: Answered, titles: dict[str, str]) -> list[OutgoingMessage]:
    """The right answer and its explanation, then the next question or the score."""
    q = answered.question
    template = texts.QUIZ_RIGHT if answered.correct else texts.QUIZ_WRONG
    feedback = french_typography(template).format(
        right=html.escape(french_typography(q.right)),
        explanation=html.escape(french_typography(q.explanation)),
        source=html.escape(french_typography(q.source)),
    )
    messages = [OutgoingMessage(feedback)]
    if answered.next is not None:
        messages.append(question_message(answered.next))
        return messages
    score = answered.score or 0
    # Three questions, as always; the plain figure if the bank changed under an attempt.
    head = texts.QUIZ_SCORE.get(score) if answered.total == 3 else None
    lines = [head or f"<b>{score} sur {answered.total}</b>"]
    buttons = [
        Button(french_typography(titles.get(topic, topic))[:64], faq_payload(topic))
        for topic in answered.to_review
    ]
    if buttons:
        lines.append(texts.QUIZ_REVIEW)
    buttons.append(quiz_button(texts.QUIZ_AGAIN_LABEL))
    messages.append(OutgoingMessage(french_typography("\n".join(lines)), tuple(buttons)))
    return messages


_ANSWER_OF_CODE = {code: answer for answer, code in texts.ANSWER_CODES.items()}


def diagnostic_message(step: DiagnosticStep, provider: str) -> OutgoingMessage:
    """A self-diagnostic question with its four answers as buttons."""
    q = step.question
    body = texts.DIAGNOSTIC_QUESTION.format(
        position=step.position + 1,
        total=step.total,
        domain=html.escape(french_typography(step.domain)),
        question=html.escape(french_typography(q.question)),
        explanation=html.escape(french_typography(q.explanation)),
    )
    if step.resumed:
        body = f"{texts.DIAGNOSTIC_RESUME}\n\n{body}"
    elif step.position == 0:
        intro = texts.DIAGNOSTIC_INTRO.format(
            facility=html.escape(step.facility),
            count=step.total,
            provider=html.escape(provider),
        )
        body = f"{intro}\n\n{body}"
    buttons = tuple(
        Button(
            texts.ANSWER_LABELS[answer],
            callbacks.encode(
                texts.DIAGNOSTIC_ACTION, step.run_id, step.position, texts.ANSWER_CODES[answer]
            ),
        )
        for answer in ANSWERS
    )
    return OutgoingMessage(french_typography(body), buttons)


def diagnostic_result(done: DiagnosticDone, provider: str) -> OutgoingMessage:
    """The score, its trend, the score per domain and the actions to do first."""
    result = done.result
    lines = [texts.DIAGNOSTIC_RESULT_HEAD.format(percent=result.percent)]
    if done.previous is not None:
        lines.append(
            texts.DIAGNOSTIC_PREVIOUS.format(
                date=french_day(done.previous.local_day()), percent=done.previous.percent
            )
        )
    lines += ["", texts.DIAGNOSTIC_DOMAINS]
    lines += [
        texts.DIAGNOSTIC_DOMAIN_LINE.format(title=html.escape(d.domain.title), percent=d.percent)
        for d in result.domains
    ]
    lines += ["", texts.DIAGNOSTIC_PRIORITIES]
    if not result.priorities:
        lines.append(texts.DIAGNOSTIC_NO_PRIORITY)
    for rank, priority in enumerate(result.priorities, start=1):
        lines.append(
            texts.DIAGNOSTIC_PRIORITY_LINE.format(
                rank=rank,
                action=html.escape(priority.question.action),
                owner=html.escape(owner_label(priority.question.owner, provider)),
            )
        )
    if result.unknown:
        lines += [
            "",
            texts.DIAGNOSTIC_UNKNOWN.format(count=result.unknown, provider=html.escape(provider)),
        ]
    lines += ["", texts.DIAGNOSTIC_PDF_FOLLOWS]
    return OutgoingMessage(french_typography("\n".join(lines)))


class AwarenessDesk:
    def __init__(
        self,
        awareness: Awareness,
        sender_of: Callable[[int], str],
        quizzes: Quizzes | None = None,
        diagnostics: Diagnostics | None = None,
        *,
        provider: str = "votre prestataire informatique",
        kick: Callable[[], None] = lambda: None,
    ) -> None:
        self._awareness = awareness
        self._sender_of = sender_of
        self._quizzes = quizzes
        self._diagnostics = diagnostics
        self._provider = provider
        self._kick = kick

    async def diagnostic(self, user_id: int) -> DeskReply:
        """``/diagnostic``: the next question of the facility's self-diagnostic."""
        if self._diagnostics is None:
            return DeskReply([_say(texts.DIAGNOSTIC_UNAVAILABLE)])
        step = await self._diagnostics.start(self._sender_of(user_id))
        if step is None:
            only = texts.DIAGNOSTIC_ONLY_DIRECTION.format(provider=html.escape(self._provider))
            return DeskReply([_say(only)])
        return DeskReply([diagnostic_message(step, self._provider)])

    async def diagnostic_callback(self, user_id: int, argument: str) -> DeskReply:
        """An answer button: ``<run>:<position>:<y|p|n|u>``."""
        parts = argument.split(":")
        answer = _ANSWER_OF_CODE.get(parts[-1]) if len(parts) == 3 else None
        if self._diagnostics is None or answer is None or not all(p.isdigit() for p in parts[:2]):
            return DeskReply(toast=french_typography(texts.DIAGNOSTIC_EXPIRED)[:190])
        try:
            outcome = await self._diagnostics.answer(
                self._sender_of(user_id), int(parts[0]), int(parts[1]), answer
            )
        except DiagnosticStale as stale:
            text = texts.DIAGNOSTIC_ALREADY if stale.already else texts.DIAGNOSTIC_EXPIRED
            return DeskReply(toast=french_typography(text)[:190], close_buttons=True)
        if isinstance(outcome, DiagnosticStep):
            return DeskReply([diagnostic_message(outcome, self._provider)], close_buttons=True)
        self._kick()  # the PDF, queued with the result
        return DeskReply([diagnostic_result(outcome, self._provider)], close_buttons=True)

    async def quiz(self, user_id: int) -> DeskReply:
        """``/quiz`` (or « Un quiz de 3 questions »): the first question of a new quiz."""
        if self._quizzes is None:
            return DeskReply([_say(texts.QUIZ_EMPTY)])
        try:
            step = await self._quizzes.start(self._sender_of(user_id))
        except LookupError:
            return DeskReply([_say(texts.QUIZ_EMPTY)])
        if step is None:
            return DeskReply([_say(texts.QUIZ_NOT_REGISTERED)])
        return DeskReply([question_message(step)])

    async def quiz_callback(self, user_id: int, argument: str) -> DeskReply:
        """A quiz button: « Un quiz de 3 questions » (``new``) or a choice
        (``<attempt>:<position>:<choice>``)."""
        if argument == texts.NEW:
            reply = await self.quiz(user_id)
            return DeskReply(reply.messages)
        parts = argument.split(":")
        if self._quizzes is None or len(parts) != 3 or not all(p.isdigit() for p in parts):
            return DeskReply(toast=french_typography(texts.QUIZ_EXPIRED)[:190])
        attempt, position, choice = (int(p) for p in parts)
        try:
            answered = await self._quizzes.answer(
                self._sender_of(user_id), attempt, position, choice
            )
        except QuizStale as stale:
            text = texts.QUIZ_ALREADY if stale.already else texts.QUIZ_EXPIRED
            return DeskReply(toast=french_typography(text)[:190], close_buttons=True)
        titles = await self._quizzes.titles()
        return DeskReply(answer_messages(answered, titles), close_buttons=True)

    async def command(self, user_id: int) -> DeskReply:
        """``/astuces``: where the person stands, with the button that changes it."""
        status = await self._awareness.status(self._sender_of(user_id))
        if not status.registered:
            return DeskReply([_say(texts.NOT_REGISTERED)])
        if status.subscribed:
            stop = Button(texts.STOP_LABEL, callbacks.encode(texts.TIPS_ACTION, texts.OFF))
            return DeskReply([_say(texts.STATUS_ON, stop)])
        return DeskReply([offer()])

    async def callback(self, user_id: int, argument: str) -> DeskReply:
        """« Recevoir une astuce par semaine » or « Ne plus recevoir d'astuces »."""
        if argument not in (texts.ON, texts.OFF):
            return DeskReply(toast=texts.NOT_REGISTERED[:60])
        done = await self._awareness.subscribe(self._sender_of(user_id), argument == texts.ON)
        if not done:
            return DeskReply([_say(texts.NOT_REGISTERED)], close_buttons=True)
        answer = texts.SUBSCRIBED if argument == texts.ON else texts.UNSUBSCRIBED
        return DeskReply([_say(answer)], close_buttons=True)
