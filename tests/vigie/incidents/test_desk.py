"""The incidents' buttons as the Telegram front end presses them (``Desk.callback``): « Je
m'en occupe » (first press wins, a second gets « Déjà pris par »), the director's breach
answer, and the refusals in French."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.vigie.incidents.test_service import (
    DIRECTOR_CHAT,
    NIGHT,
    PAUL_CHAT,
    RANSOM,
    STAFF_CHAT,
    ZOE_CHAT,
    World,
    make_world,
    to,
)
from vigie.core.callbacks import decode
from vigie.core.clock import FakeClock, set_default_clock
from vigie.incidents import texts
from vigie.incidents.desk import IncidentDesk

SENDERS = {
    STAFF_CHAT: "u-anne",
    PAUL_CHAT: "u-paul",
    ZOE_CHAT: "u-zoe",
    DIRECTOR_CHAT: "u-director",
}


@pytest.fixture
def night_clock() -> Iterator[FakeClock]:
    clock = FakeClock(NIGHT)
    previous = set_default_clock(clock)
    try:
        yield clock
    finally:
        set_default_clock(previous)


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession], night_clock: FakeClock) -> World:
    return await make_world(sessionmaker, night_clock)


class Kicks:
    def __init__(self) -> None:
        self.count = 0

    def kick(self) -> None:
        self.count += 1


def make_desk(world: World, kicks: Kicks) -> IncidentDesk:
    return IncidentDesk(
        incidents=world.service, dispatcher=kicks, sender_of=lambda user: SENDERS[user]
    )


async def press(desk: IncidentDesk, user: int, data: str) -> tuple[list[str], str | None]:
    pressed = decode(data)
    assert pressed is not None
    reply = await desk.callback(user, user, pressed)
    return [m.plain_text() for m in reply.messages], reply.toast


async def test_take_first_press_wins_and_the_reporter_is_told(
    world: World, night_clock: FakeClock
) -> None:
    kicks = Kicks()
    desk = make_desk(world, kicks)
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="d1")
    before = await world.last_id()
    said, toast = await press(desk, PAUL_CHAT, texts.take_payload(view.id))
    assert toast is None and "vous prenez l’incident INC-2026-00001" in said[0]
    assert kicks.count == 1
    [told] = to(await world.rows(before), STAFF_CHAT)
    assert "Paul (technicien) s’occupe de votre signalement" in told["html"]
    said, _ = await press(desk, ZOE_CHAT, texts.take_payload(view.id))
    assert said[0].startswith("Déjà pris par Paul (technicien)")


async def test_the_holder_closes_it_and_the_reporter_is_told(
    world: World, night_clock: FakeClock
) -> None:
    kicks = Kicks()
    desk = make_desk(world, kicks)
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="d3")
    taken = await desk.callback(PAUL_CHAT, PAUL_CHAT, decode(texts.take_payload(view.id)))  # type: ignore[arg-type]
    [button] = taken.messages[0].buttons
    assert button.payload == texts.close_payload(view.id)
    # Staff may not close it; the holder may.
    said, toast = await press(desk, STAFF_CHAT, texts.close_payload(view.id))
    assert said == [] and toast is not None and "réservé" in toast
    before = await world.last_id()
    said, toast = await press(desk, PAUL_CHAT, texts.close_payload(view.id))
    assert toast is None and "L’incident INC-2026-00001 est clos" in said[0]
    assert (await world.service.get(view.id)).status == "closed"  # type: ignore[union-attr]
    [told] = to(await world.rows(before), STAFF_CHAT)
    assert "Votre signalement INC-2026-00001 est clos" in told["html"]
    assert "Paul (technicien)" in told["html"]
    # A second press changes nothing and tells nobody again.
    before = await world.last_id()
    said, _ = await press(desk, PAUL_CHAT, texts.close_payload(view.id))
    assert "est clos" in said[0] and await world.rows(before) == []


async def test_staff_may_not_take_and_the_director_answers_the_breach(
    world: World, night_clock: FakeClock
) -> None:
    desk = make_desk(world, Kicks())
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="d2")
    said, toast = await press(desk, STAFF_CHAT, texts.take_payload(view.id))
    assert said == [] and toast is not None and "réservé aux techniciens" in toast
    said, toast = await press(desk, STAFF_CHAT, texts.breach_payload(view.id, "dpo"))
    assert said == [] and toast is not None and "réservé" in toast
    said, toast = await press(desk, DIRECTOR_CHAT, texts.breach_payload(view.id, "dpo"))
    assert toast is None and "Le DPO s’en occupe" in said[0]
    assert (await world.service.get(view.id)).breach_answer == "dpo"  # type: ignore[union-attr]


async def test_unknown_or_broken_buttons_are_refused_in_french(
    world: World, night_clock: FakeClock
) -> None:
    desk = make_desk(world, Kicks())
    _, toast = await press(desk, PAUL_CHAT, texts.take_payload(999))
    assert toast == "Cet incident n’existe plus dans Vigie."
    for data in ("v:inc:t:abc", "v:inc:b:1:maybe", "v:inc:x:1", "v:inc"):
        _, toast = await press(desk, PAUL_CHAT, data)
        assert toast == "Ce bouton n’est plus valable."


async def test_open_incidents_are_listed_with_the_take_button_until_taken(
    world: World, night_clock: FakeClock
) -> None:
    desk = make_desk(world, Kicks())
    assert await desk.open_list() is None
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="l1")
    listed = await desk.open_list()
    assert listed is not None
    text = listed.plain_text()
    assert text.startswith("Incidents en cours (1)")
    assert "INC-2026-00001 – incident de sécurité – EHPAD Les Tilleuls" in text
    assert "personne ne l’a pris" in text
    assert [b.payload for b in listed.buttons] == [texts.take_payload(view.id)]
    await press(desk, PAUL_CHAT, texts.take_payload(view.id))
    listed = await desk.open_list()
    assert listed is not None and "pris par Paul (technicien)" in listed.plain_text()
    assert listed.buttons == ()
    await press(desk, PAUL_CHAT, texts.close_payload(view.id))
    assert await desk.open_list() is None
