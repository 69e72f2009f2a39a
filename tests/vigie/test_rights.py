"""People's rights: what Vigie holds about a pseudonym, and forgetting it (SQLite and
PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vigie.outbox.test_dispatcher import make_settings, ticket_world
from tests.vigie.phishing.test_service import COLIS, analysed, eml
from vigie.conversation.inbox import Inbox
from vigie.conversation.models import InboxItem, Turn
from vigie.conversation.turns import TurnLog
from vigie.people.models import Person
from vigie.phishing.models import PhishingReport
from vigie.phishing.service import PhishingService
from vigie.rights import Rights, forget_answer, summary
from vigie.tickets.models import Ticket


async def history(
    sessionmaker: async_sessionmaker[AsyncSession], sender: str, first_update: int = 1
) -> None:
    """Two handled messages of ``sender`` and a suspicious e-mail report."""
    inbox, turns = Inbox(sessionmaker), TurnLog(sessionmaker)
    for update_id, text in (
        (first_update, "mon mdp c'est [mot de passe masqué]"),
        (first_update + 1, "merci"),
    ):
        item = await inbox.add(
            channel="telegram", chat_id=1201, sender=sender, kind="text", text=text,
            update_id=update_id,
        )  # fmt: skip
        assert item is not None
        await turns.record(
            channel="telegram", sender=sender, text_in=text, text_out="Réponse",
            intent="faq", confidence=0.9, article_id=None, inbox_id=item.id, latency_ms=5,
        )  # fmt: skip
    service = PhishingService(sessionmaker, make_settings(pseudonym_secret="x" * 40))
    await service.submit(
        sender=sender, channel="telegram", chat_id=1201, data=eml(COLIS), source="eml",
        filename="colis.eml", analysis=analysed(eml(COLIS)),
    )  # fmt: skip


async def count(
    sessionmaker: async_sessionmaker[AsyncSession], model: object, *where: object
) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


async def test_a_person_sees_everything_held_about_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, ticket_id = await ticket_world(sessionmaker, make_settings())
    await history(sessionmaker, "u-anne")
    data = await Rights(sessionmaker).data("u-anne")
    assert data.registered and data.role == "staff" and data.facility == "EHPAD Les Tilleuls"
    assert data.turns == 2 and data.inbox_items == 2
    assert [t["problem"] for t in data.tickets] == ["L’imprimante ne répond plus"]
    assert len(data.reports) == 1 and data.reports[0]["source"] == "eml"
    assert [m["you"] for m in data.messages] == ["mon mdp c'est [mot de passe masqué]", "merci"]
    text = summary(data)
    assert "EHPAD Les Tilleuls" in text and "2, du" in text and "/oubli" in text
    nobody = await Rights(sessionmaker).data("u-nobody")
    assert nobody.empty and "ne conserve rien" in summary(nobody)
    assert ticket_id > 0


async def test_forgetting_erases_the_conversation_and_unlinks_the_records(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    _, ticket_id = await ticket_world(sessionmaker, make_settings())
    await history(sessionmaker, "u-anne")
    await history(sessionmaker, "u-other", 10)  # someone else's history stays
    forgotten = await Rights(sessionmaker).forget("u-anne")
    assert (forgotten.turns, forgotten.inbox_items, forgotten.tickets_unlinked) == (2, 2, 1)
    assert forgotten.registration and "2 échange(s)" in forget_answer(forgotten)
    assert await count(sessionmaker, Turn, Turn.sender == "u-anne") == 0
    assert await count(sessionmaker, InboxItem, InboxItem.sender == "u-anne") == 0
    assert await count(sessionmaker, Person, Person.sender == "u-anne") == 0
    assert await count(sessionmaker, PhishingReport, PhishingReport.sender == "u-anne") == 0
    assert await count(sessionmaker, Turn, Turn.sender == "u-other") == 2
    async with sessionmaker() as session:
        ticket = await session.get(Ticket, ticket_id)
        reports = list(await session.scalars(select(PhishingReport)))
    assert ticket is not None and ticket.requester_id is None  # the provider's record stays
    anonymous = [r for r in reports if r.sender.startswith("oubli-")]
    assert len(anonymous) == 1 and anonymous[0].original is None and anonymous[0].person_id is None
    assert (await Rights(sessionmaker).data("u-anne")).empty
    again = await Rights(sessionmaker).forget("u-anne")
    assert not again.registration and again.turns == 0
