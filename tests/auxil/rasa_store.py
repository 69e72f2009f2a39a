"""Rasa's own SQL tracker store on a database, configured exactly as the supervisor does
(``bot.supervisor.rasa_service``: its endpoints file and its environment), run in the Rasa
environment by ``tests/auxil/rasa_tracker_store.py``."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from bot.supervisor import rasa_service
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import ROOT, Settings

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = Path(__file__).with_name("rasa_tracker_store.py")

Event = dict[str, Any]


def rasa_store_command(
    database_url: str, folder: Path, program: dict[str, Any]
) -> tuple[list[str], dict[str, str]]:
    """The command running ``program`` (see rasa_tracker_store.py; ``endpoints`` is added)
    with Rasa's tracker store on ``database_url``, and its environment, as the supervisor's."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        actions_port=free_port(),
    )
    service = rasa_service(settings, folder / "log")
    endpoints = service.argv[service.argv.index("--endpoints") + 1]
    argv = [str(RASA_PY), str(SCRIPT), json.dumps({"endpoints": endpoints, **program})]
    return argv, {**os.environ, **service.env, "PYTHONWARNINGS": "ignore"}


def answer_of(stdout: str) -> dict[str, Any]:
    """The JSON object the script prints last."""
    answer: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return answer


def run_rasa_store(
    database_url: str,
    folder: Path,
    *,
    save: dict[str, list[Event]] | None = None,
    load: list[str] | None = None,
) -> dict[str, Any]:
    """Append ``save``'s events to those senders' trackers, then read back ``load``'s, with
    Rasa's tracker store on ``database_url`` (it creates its table if needed). Returns the
    script's answer: ``url`` (as Rasa built it), ``connect`` (the DBAPI's arguments),
    ``loaded`` (sender → events)."""
    argv, env = rasa_store_command(database_url, folder, {"save": save or {}, "load": load or []})
    done = subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return answer_of(done.stdout)


def user_event(text: str, timestamp: float, intent: str = "greet") -> Event:
    """A user message as Rasa stores it."""
    parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": []}
    return {"event": "user", "text": text, "timestamp": timestamp, "parse_data": parse}


def bot_event(text: str, timestamp: float) -> Event:
    """A bot message as Rasa stores it."""
    return {"event": "bot", "text": text, "timestamp": timestamp}
