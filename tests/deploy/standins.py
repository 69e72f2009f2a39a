"""Small aiohttp servers standing in for the processes behind nginx, recording what reaches them.

* :class:`BotStandIn`: a bot process in webhook mode as nginx sees it (``bot/telegram/updates.py``,
  class ``Webhook``): POST on the webhook path answered 200 (or the status it is told to
  answer, 503 for a process that is stopping; or no answer at all, the connection dropped once
  the update is read, for a process killed while storing it), GET /health with its instance
  name.
* :class:`ConsoleStandIn`: the follow-up console: any request answered 200 with the console's
  own security headers (``console/app.py``), so that a header added twice would show.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from tests.auxil.toggle_proxy import free_port

CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _StandIn:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._runner: web.AppRunner | None = None

    def _app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        self._runner = web.AppRunner(self._app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop listening: connections are refused from now on."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _record(self, request: web.Request) -> Received:
        received = Received(
            request.method, request.path_qs, dict(request.headers), await request.read()
        )
        self.received.append(received)
        return received


class BotStandIn(_StandIn):
    """A bot process: POST ``path`` → ``status`` with ``{"instance": …}``; GET /health."""

    def __init__(self, instance: str, path: str) -> None:
        super().__init__()
        self.instance = instance
        self.path = path
        self.status = 200
        self.drop = False  # drop the connection once the update is read (a process killed)

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._update)
        app.router.add_get("/health", self._health)
        return app

    async def _update(self, request: web.Request) -> web.Response:
        await self._record(request)
        if self.drop and request.transport is not None:
            request.transport.abort()
            raise web.HTTPInternalServerError  # never written: the connection is gone
        return web.json_response({"instance": self.instance}, status=self.status)

    async def _health(self, request: web.Request) -> web.Response:
        await self._record(request)
        if self.status != 200:
            return web.json_response({"status": "stopping"}, status=503)
        return web.json_response({"status": "ok", "instance": self.instance})

    def updates(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]


class ConsoleStandIn(_StandIn):
    """The console: every request answered 200 with the console's own security headers."""

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._page)
        return app

    async def _page(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(text="console", headers=CONSOLE_HEADERS)
