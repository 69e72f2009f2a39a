"""👍 / 👎 under the knowledge base's answers: the buttons, and what a press records."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.conversation.feedback import (
    EXPIRED,
    THANKS,
    THANKS_NOT_USEFUL,
    Feedback,
    with_feedback,
)
from vigie.conversation.inbox import Inbox
from vigie.conversation.models import AnswerFeedback
from vigie.conversation.turns import TurnLog
from vigie.core import callbacks
from vigie.core.messages import Button, OutgoingMessage


def test_only_the_first_article_gets_the_buttons() -> None:
    plain = OutgoingMessage("Bonjour")
    article = OutgoingMessage("<b>Antivirus</b>", (Button("Mises à jour", "/faq"),), "antivirus")
    other = OutgoingMessage("<b>Wi-Fi</b>", (), "wifi")
    out = with_feedback([plain, article, other], 42)
    assert out[0] == plain and out[2] == other
    assert [b.title for b in out[1].buttons] == ["Mises à jour", "👍 Utile", "👎 Pas utile"]
    pressed = callbacks.decode(out[1].buttons[2].payload)
    assert pressed is not None and pressed.action == "fb" and pressed.arguments == ("d", "42")
    assert with_feedback([plain], 42) == [plain]


async def test_a_press_counts_for_the_asker_only_and_the_last_one_wins(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessionmaker)
    item = await inbox.add(
        channel="telegram",
        chat_id=5,
        sender="asker",
        kind="text",
        text="antivirus ?",
        update_id=1,
        payload={},
    )
    assert item is not None
    turn = await TurnLog(sessionmaker).record(
        channel="telegram",
        sender="asker",
        text_in="antivirus ?",
        text_out="…",
        intent="faq/antivirus",
        confidence=0.9,
        article_id="antivirus",
        inbox_id=item.id,
    )
    feedback = Feedback(sessionmaker)
    assert await feedback.press("someone-else", f"u:{item.id}") == (EXPIRED, None)
    assert await feedback.press("asker", "u:abc") == (EXPIRED, None)
    assert await feedback.press("asker", f"x:{item.id}") == (EXPIRED, None)
    assert await feedback.press("asker", f"u:{item.id + 1}") == (EXPIRED, None)
    assert await feedback.press("asker", f"u:{item.id}") == (THANKS, None)
    assert await feedback.press("asker", f"d:{item.id}") == (THANKS_NOT_USEFUL, turn.id)
    # « Qu'est-ce qui manquait ? » sent as message 777: only the asker's reply to it counts.
    await feedback.prompt_sent(turn.id, 777)
    assert not await feedback.note("asker", 778, "autre chose")
    assert not await feedback.note("someone-else", 777, "pas le mien")
    assert await feedback.note("asker", 777, "  il manquait   le numéro du support  ")
    async with sessionmaker() as session:
        rows = (await session.scalars(select(AnswerFeedback))).all()
    assert [(r.turn_id, r.useful, r.note) for r in rows] == [
        (turn.id, False, "il manquait le numéro du support")
    ]
