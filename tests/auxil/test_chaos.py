"""The chaos harness's fake server: its hook at the moment updates are confirmed."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.auxil.chaos import ChaosTelegram


async def get_updates(
    session: aiohttp.ClientSession, fake: ChaosTelegram, offset: int
) -> list[dict[str, Any]]:
    async with session.post(
        f"{fake.base_url}{fake.token}/getUpdates", data={"offset": str(offset), "timeout": "0"}
    ) as response:
        body = await response.json()
    assert body["ok"], body
    result: list[dict[str, Any]] = body["result"]
    return result


async def test_the_hook_runs_once_when_new_updates_are_confirmed() -> None:
    fake = ChaosTelegram()
    await fake.start()
    confirmed: list[list[int]] = []
    try:
        user = fake.user(42)
        first, second = fake.send_text(user, "un"), fake.send_text(user, "deux")
        ids = [first["update_id"], second["update_id"]]
        fake.on_confirm = confirmed.append
        async with aiohttp.ClientSession() as session:
            # Fetching confirms nothing: the hook waits.
            assert [u["update_id"] for u in await get_updates(session, fake, 0)] == ids
            assert confirmed == [] and fake.on_confirm is not None
            # Confirming the first only: applied (dropped, as Telegram does), the hook
            # called with it, no update in the answer, the hook disarmed.
            assert await get_updates(session, fake, ids[1]) == []
            assert confirmed == [[ids[0]]] and fake.on_confirm is None
            assert [u["update_id"] for u in fake.pending_updates] == [ids[1]]
            assert fake.acknowledged_offset == ids[1]
            # Disarmed: the server behaves as FakeTelegram, confirming and answering.
            third = fake.send_text(user, "trois")
            assert [u["update_id"] for u in await get_updates(session, fake, ids[1] + 1)] == [
                third["update_id"]
            ]
            assert confirmed == [[ids[0]]]
        assert [entry["offset"] for entry in fake.poll_log] == [0, ids[1], ids[1] + 1]
        assert fake.polls == 3
    finally:
        await fake.stop()


async def test_an_offset_confirming_nothing_new_leaves_the_hook_armed() -> None:
    fake = ChaosTelegram()
    await fake.start()
    confirmed: list[list[int]] = []
    try:
        update = fake.send_text(fake.user(43), "un")
        async with aiohttp.ClientSession() as session:
            await get_updates(session, fake, update["update_id"] + 1)  # confirmed, no hook
            fake.on_confirm = confirmed.append
            assert await get_updates(session, fake, update["update_id"] + 1) == []
        assert confirmed == [] and fake.on_confirm is not None
    finally:
        await fake.stop()
