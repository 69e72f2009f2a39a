"""« Cette réponse vous a aidé ? »: two small buttons under every knowledge base answer, and
what a press records. The buttons name the inbox item that brought the question (its turn is
recorded right after the answer is sent); a press counts only from the person who asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.models import AnswerFeedback, Turn
from vigie.core import callbacks
from vigie.core.clock import Clock, default_clock
from vigie.core.messages import Button, OutgoingMessage

FEEDBACK_ACTION = "fb"
USEFUL, NOT_USEFUL = "u", "d"
USEFUL_LABEL = "👍 Utile"
NOT_USEFUL_LABEL = "👎 Pas utile"
THANKS = "Merci pour votre avis."
THANKS_NOT_USEFUL = "Merci : un technicien relira cette réponse pour l’améliorer."
EXPIRED = "Cette réponse n’est plus en mémoire."
#: After a 👎: an optional question, answered by replying to it.
WHAT_WAS_MISSING = (
    "Qu’est-ce qui vous a manqué dans cette réponse ? Si vous le voulez, répondez à ce "
    "message en une phrase (sans mot de passe ni nom de résident)."
)
NOTE_THANKS = "Merci, c’est noté : un technicien le lira pour améliorer mes réponses."
NOTE_MAX_CHARS = 500


def with_feedback(messages: Sequence[OutgoingMessage], inbox_id: int) -> list[OutgoingMessage]:
    """The messages, the first article among them with 👍 / 👎 under its buttons."""
    result = list(messages)
    for index, message in enumerate(result):
        if message.article_id:
            buttons = (
                *message.buttons,
                Button(USEFUL_LABEL, callbacks.encode(FEEDBACK_ACTION, USEFUL, inbox_id)),
                Button(NOT_USEFUL_LABEL, callbacks.encode(FEEDBACK_ACTION, NOT_USEFUL, inbox_id)),
            )
            result[index] = replace(message, buttons=buttons)
            break
    return result


class Feedback:
    """The presses of 👍 / 👎."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock | None = None
    ) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock or default_clock()

    async def press(self, sender: str, argument: str) -> tuple[str, int | None]:
        """Record a press (``u:<inbox id>`` or ``d:<inbox id>``) by ``sender``: the toast,
        and for a 👎 the turn whose note may be asked for."""
        choice, _, raw_id = argument.partition(":")
        if choice not in (USEFUL, NOT_USEFUL) or not raw_id.isdigit():
            return EXPIRED, None
        async with self._sessionmaker() as session:
            turn_id = await session.scalar(
                select(Turn.id)
                .where(Turn.inbox_id == int(raw_id), Turn.sender == sender)
                .order_by(Turn.id.desc())
                .limit(1)
            )
            if turn_id is None:  # purged, or someone else's answer
                return EXPIRED, None
            row = await session.get(AnswerFeedback, turn_id)
            if row is None:
                row = AnswerFeedback(turn_id=turn_id)
                session.add(row)
            row.useful = choice == USEFUL
            row.at = self._clock.now()
            await session.commit()
        if choice == USEFUL:
            return THANKS, None
        return THANKS_NOT_USEFUL, turn_id

    async def prompt_sent(self, turn_id: int, message_id: int) -> None:
        """« Qu'est-ce qui manquait ? » was sent as message ``message_id``: a reply to it is
        the note of this turn's 👎."""
        async with self._sessionmaker() as session:
            row = await session.get(AnswerFeedback, turn_id)
            if row is not None and not row.useful:
                row.note_prompt_id = message_id
                await session.commit()

    async def note(self, sender: str, reply_to: int, text: str) -> bool:
        """``text`` (already redacted) replies to a « Qu'est-ce qui manquait ? » of this
        sender's: kept as the note (the latest one counts); False when it replies to
        something else."""
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(AnswerFeedback)
                .join(Turn, Turn.id == AnswerFeedback.turn_id)
                .where(AnswerFeedback.note_prompt_id == reply_to, Turn.sender == sender)
            )
            if row is None:
                return False
            row.note = " ".join(text.split())[:NOTE_MAX_CHARS]
            await session.commit()
        return True
