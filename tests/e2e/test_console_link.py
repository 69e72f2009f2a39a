"""``/console`` in Telegram: the real bot against the fake Telegram server gives a technician
a one-time link that opens the real console (over the same database), and a care worker a
polite no."""

from __future__ import annotations

import re

import aiohttp
from aiohttp.test_utils import TestServer

from console.app import COOKIE, make_app
from tests.auxil.fake_telegram import FakeTelegram
from tests.e2e.conftest import RunningBot, Stack
from tests.e2e.test_tickets import (  # noqa: F401  (fixtures)
    Conversation,
    add_technician,
    directory,
    fake,
    register,
    ticket_bot,
)
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.people.directory import Directory

LINK = re.compile(r"http://127\.0\.0\.1:\d+(/entrer/[A-Za-z0-9_-]{40,})")


async def test_console_link_from_telegram_opens_the_console(
    fake: FakeTelegram,  # noqa: F811  (update ids unique on the shared stack's inbox)
    ticket_bot: RunningBot,  # noqa: F811
    stack: Stack,
    directory: Directory,  # noqa: F811
) -> None:
    conv = Conversation(fake)
    tech = conv.person(fake.user(3951, "Paul"), "Technicien")
    staff = conv.person(fake.user(3952, "Aide"), "Soignante")
    await add_technician(conv, directory, tech)
    await register(conv, directory, staff, "EHPAD Console", "24/7")

    conv.say(staff, "/console")
    refused = await conv.until(staff, "réservée")
    assert "/entrer/" not in refused["plain_text"]

    conv.say(tech, "/console")
    message = await conv.until(tech, "Console de suivi")
    found = LINK.search(message["plain_text"])
    assert found is not None, message["plain_text"]
    path = found.group(1)

    engine = create_engine(stack.database_url)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    server = TestServer(make_app(settings, make_sessionmaker(engine), {}), host="127.0.0.1")
    await server.start_server()
    try:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            url = str(server.make_url(path))
            async with http.post(url, allow_redirects=False) as entered:
                assert entered.status == 303 and COOKIE in entered.cookies
            async with http.get(str(server.make_url("/"))) as home:
                html = await home.text()
                assert home.status == 200 and "Paul (technicien)" in html
        async with aiohttp.ClientSession() as other, other.post(url) as again:
            assert again.status == 403  # once only
    finally:
        await server.close()
        await engine.dispose()
