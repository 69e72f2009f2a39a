"""``python -m console``: the follow-up console on 127.0.0.1:CONSOLE_PORT (started by
``make run``'s supervisor)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from console.app import make_app
from vigie.core.private import private_umask
from vigie.core.settings import get_settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.knowledge.loader import KnowledgeBase

logger = logging.getLogger("console")


async def serve() -> None:
    settings = get_settings()
    await asyncio.to_thread(upgrade, settings.database_url)
    knowledge = await asyncio.to_thread(KnowledgeBase.load, settings.knowledge_dir)
    titles = {article.id: article.title for article in knowledge}
    engine = create_engine(settings.database_url)
    runner = web.AppRunner(make_app(settings, make_sessionmaker(engine), titles), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.console_port)
    await site.start()
    logger.info("Console on 127.0.0.1:%s", settings.console_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await engine.dispose()


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    private_umask()
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
