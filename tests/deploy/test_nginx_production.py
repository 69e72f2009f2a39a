"""The production nginx configuration (``deploy/nginx/vigie.conf``) itself: valid for
``nginx -t`` with a self-signed certificate, then served by the real nginx over HTTPS in front
of stand-ins for two bot processes and the console.

Only what ties the file to a machine is changed (``tests/deploy/nginx.py``,
``production_config``): the certificate's paths, the log folder, the ports nginx listens on
(``nginx -t`` binds them: 443 and 80 would need root and a machine where they are free) and the
ports of the processes behind it.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.telegram.updates import SECRET_HEADER
from tests.auxil.toggle_proxy import free_port
from tests.deploy.nginx import (
    CONSOLE_HOST,
    PRODUCTION,
    WEBHOOK_HOST,
    WEBHOOK_PATH,
    Nginx,
    ProductionPorts,
    check,
    production_config,
    self_signed,
)
from tests.deploy.standins import CONSOLE_HEADERS, BotStandIn, ConsoleStandIn

SECRET = "secret-of-the-test_0123456789-abcdefghij"
SIGN_IN_TOKEN = "one-time-sign-in-token-of-the-test"
HSTS = "max-age=63072000"
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class Production:
    nginx: Nginx
    ports: ProductionPorts
    bots: list[BotStandIn]
    console: ConsoleStandIn
    context: ssl.SSLContext  # trusts the test's certificate

    def https(self, path: str) -> str:
        return f"https://127.0.0.1:{self.ports.https}{path}"


@pytest.fixture
async def production(tmp_path: Path) -> AsyncIterator[Production]:
    certificate, key = self_signed(tmp_path, [WEBHOOK_HOST, CONSOLE_HOST])
    bots = [BotStandIn("bot-1", WEBHOOK_PATH), BotStandIn("bot-2", WEBHOOK_PATH)]
    console = ConsoleStandIn()
    for server in (*bots, console):
        await server.start()
    ports = ProductionPorts(free_port(), free_port(), [b.port for b in bots], console.port)
    config = production_config(tmp_path, ports, certificate, key)
    tested = check(config)
    assert tested.returncode == 0, tested.stderr
    nginx = Nginx(config, ports.https)
    context = ssl.create_default_context(cafile=str(certificate))
    try:
        await nginx.start()
        yield Production(nginx, ports, bots, console, context)
    finally:
        await nginx.stop()
        for server in (*bots, console):
            await server.stop()


def test_the_production_configuration_is_valid(tmp_path: Path) -> None:
    certificate, key = self_signed(tmp_path, [WEBHOOK_HOST, CONSOLE_HOST])
    ports = ProductionPorts(free_port(), free_port(), [free_port(), free_port()], free_port())
    result = check(production_config(tmp_path, ports, certificate, key))
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


def test_the_production_configuration_keeps_secrets_and_bodies_out() -> None:
    text = PRODUCTION.read_text()
    webhook = (PRODUCTION.parent / "snippets" / "vigie-webhook.conf").read_text()
    for config in (text, webhook):
        assert "$request_body" not in config  # never logged
    # The secret header is only checked for presence: never logged, never set by name.
    uses = [line.strip() for line in webhook.splitlines() if "secret_token" in line]
    assert uses == ['if ($http_x_telegram_bot_api_secret_token = "") {']
    assert "secret_token" not in text
    # Every server logs with a format of its own (Debian's `combined` shows query strings).
    assert text.count("server {") == text.count("access_log /var/log/nginx/vigie-")
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in text


async def test_telegram_updates_over_https(production: Production) -> None:
    body = json.dumps({"update_id": 7, "message": {"text": "bonjour « é »"}}).encode()
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json", "Host": WEBHOOK_HOST}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.post(
            production.https(WEBHOOK_PATH),
            data=body,
            headers=headers,
            ssl=production.context,
            server_hostname=WEBHOOK_HOST,
        ) as r:
            assert r.status == 200
            assert r.headers.getall("Strict-Transport-Security") == [HSTS]
        async with session.get(
            production.https(WEBHOOK_PATH),
            headers={SECRET_HEADER: SECRET, "Host": WEBHOOK_HOST},
            ssl=production.context,
            server_hostname=WEBHOOK_HOST,
        ) as r:
            assert r.status == 403
        # Anything else on the webhook's host (the processes' /health too): 404.
        for path in ("/health", "/", "/entrer/x"):
            async with session.get(
                production.https(path),
                headers={"Host": WEBHOOK_HOST},
                ssl=production.context,
                server_hostname=WEBHOOK_HOST,
            ) as r:
                assert r.status == 404, path

    received = [r for bot in production.bots for r in bot.received]
    assert len(received) == 1
    (update,) = received
    assert update.body == body
    assert update.path == WEBHOOK_PATH
    assert update.headers[SECRET_HEADER] == SECRET
    assert update.headers["X-Forwarded-Proto"] == "https"
    assert update.headers["X-Forwarded-For"] == "127.0.0.1"
    log = production.nginx.log("vigie-webhook.log")
    assert '"POST webhook" 200' in log and "upstream=127.0.0.1:" in log
    for secret in (SECRET, "bonjour", WEBHOOK_PATH):
        assert secret not in log


async def handshake(production: Production, context: ssl.SSLContext, host: str) -> ssl.SSLObject:
    """A TLS handshake with nginx for ``host`` (SNI); what was negotiated."""
    _, writer = await asyncio.open_connection(
        "127.0.0.1", production.ports.https, ssl=context, server_hostname=host
    )
    try:
        tls: ssl.SSLObject = writer.get_extra_info("ssl_object")
        return tls
    finally:
        writer.close()


async def test_tls_1_3_and_1_2_with_forward_secrecy_only(production: Production) -> None:
    for host in (WEBHOOK_HOST, CONSOLE_HOST):
        assert (await handshake(production, production.context, host)).version() == "TLSv1.3"
        context = ssl.create_default_context(cafile=str(production.nginx.root / "fullchain.pem"))
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        tls = await handshake(production, context, host)
        assert tls.version() == "TLSv1.2"
        cipher = tls.cipher()
        assert cipher is not None and cipher[0].startswith("ECDHE-"), cipher
        # Without forward secrecy (static RSA key exchange) there is no agreement.
        context.set_ciphers("AES128-GCM-SHA256:AES256-GCM-SHA384")
        with pytest.raises(ssl.SSLError):
            await handshake(production, context, host)


async def test_the_console_behind_nginx(production: Production) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(
            production.https(f"/entrer/{SIGN_IN_TOKEN}"),
            headers={"Host": CONSOLE_HOST, "X-Forwarded-For": "10.6.6.6"},
            ssl=production.context,
            server_hostname=CONSOLE_HOST,
        ) as r:
            assert r.status == 200
            for name, value in CONSOLE_HEADERS.items():  # the console's own, once
                assert r.headers.getall(name) == [value], name
            assert r.headers.getall("Strict-Transport-Security") == [HSTS]
            assert "Server" not in r.headers or r.headers["Server"] == "nginx"  # no version
        async with session.post(
            production.https("/revue/export"),
            data={"csrf": "x"},
            headers={"Host": CONSOLE_HOST},
            ssl=production.context,
            server_hostname=CONSOLE_HOST,
        ) as r:
            assert r.status == 200
        async with session.get(
            production.https("/health"),
            headers={"Host": CONSOLE_HOST},
            ssl=production.context,
            server_hostname=CONSOLE_HOST,
        ) as r:
            assert r.status == 404  # the console's check stays on 127.0.0.1
        async with session.get(
            f"http://127.0.0.1:{production.ports.http}/entrer/abc?x=1",
            headers={"Host": CONSOLE_HOST},
            allow_redirects=False,
        ) as r:
            assert r.status == 301
            assert r.headers["Location"] == f"https://{CONSOLE_HOST}/entrer/abc?x=1"

    first, second = production.console.received
    assert (first.method, first.path) == ("GET", f"/entrer/{SIGN_IN_TOKEN}")
    assert first.headers["Host"] == CONSOLE_HOST
    assert first.headers["X-Forwarded-Host"] == CONSOLE_HOST
    assert first.headers["X-Forwarded-Proto"] == "https"
    assert first.headers["X-Forwarded-For"] == "127.0.0.1"  # what the client sent is replaced
    assert (second.method, second.path, second.body) == ("POST", "/revue/export", b"csrf=x")
    assert [bot.received for bot in production.bots] == [[], []]
    log = production.nginx.log("vigie-console.log")
    assert '"GET /entrer/-" 200' in log and '"POST /revue/export" 200' in log
    assert SIGN_IN_TOKEN not in log and "abc" not in log and "csrf" not in log
