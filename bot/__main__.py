"""``python -m bot run|telegram|chat``: the entry points of the front end."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from vigie.core.private import make_private, private_umask
from vigie.core.settings import ROOT, get_settings


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen part of Vigie."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Vigie front end")
    parser.add_argument(
        "command",
        choices=["run", "telegram", "chat"],
        help="run: everything (supervisor); telegram: the Telegram bot only; "
        "chat: the terminal chat only (Rasa must be running)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command == "telegram" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    private_umask()  # the database, the journal, the logs: this account's only
    settings = get_settings()
    problem = settings.secret_problem() or settings.api_problem()
    if problem is not None:  # refused before anything starts or is written
        print(problem, file=sys.stderr)
        return 2
    make_private(ROOT / "var")
    if args.command == "run":
        from bot import supervisor

        return asyncio.run(supervisor.run(settings))
    if args.command == "telegram":
        from bot.telegram import app as telegram_app

        return telegram_app.run(settings)
    from bot import terminal

    asyncio.run(terminal.chat(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
