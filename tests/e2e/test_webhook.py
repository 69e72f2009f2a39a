"""Webhook mode: updates are accepted only with Telegram's secret token header."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.telegram.app import build_application, webhook_options
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.toggle_proxy import free_port
from tests.e2e.conftest import Stack, make_settings
from tests.e2e.helpers import stays_true

SECRET = "s3cret-Token_for-tests"


async def test_webhook_requires_the_secret_token(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> None:
    port = free_port()
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "vigie.db",
        telegram_mode="webhook",
        webhook_url="https://vigie.example.org/telegram/hook",
        webhook_secret_token=SecretStr(SECRET),
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    application = build_application(settings)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_webhook(**webhook_options(settings))
    await application.start()
    try:
        assert fake.webhook_url == settings.webhook_url
        assert fake.webhook_params.get("secret_token") == SECRET
        user = fake.user(3001)
        update = fake.send_text(user, "bonjour")
        url = f"http://127.0.0.1:{port}/telegram/hook"
        async with aiohttp.ClientSession() as session:
            for token in (None, "wrong-token"):
                headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
                async with session.post(url, json=update, headers=headers) as response:
                    assert response.status == 403

            async def unanswered() -> bool:
                return fake.messages_to(user.id) == []

            await stays_true(unanswered, 1.0, lambda: "a refused update was answered")
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(url, json=update, headers=headers) as response:
                assert response.status == 200
        [reply] = await fake.wait_for_messages(user.id, 1)
        assert "Vigie" in reply["plain_text"]
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
