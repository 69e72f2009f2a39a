"""Rasa's own SQL tracker store, driven from a test: run in the Rasa environment.

``.venv-rasa/bin/python tests/auxil/rasa_tracker_store.py PROGRAM`` takes one JSON object:
``endpoints`` (an endpoints file, as the supervisor writes it), then optionally ``save``
(sender → list of Rasa event dicts, appended to that sender's tracker), ``load`` (senders
whose tracker to read back) and ``wait`` (if true, print ``ready`` once the store is made and
wait for a line on stdin before saving). The tracker store is made exactly as ``rasa run``
makes it from the file (its ``tracker_store`` section, environment variables expanded), which
creates Rasa's table if needed. Prints one JSON object last: the database URL Rasa built
(with its password), the arguments its DBAPI connection gets, the events of each loaded
tracker.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


async def main(program: dict[str, Any]) -> dict[str, Any]:
    domain = Domain.load(str(DOMAIN))
    config = read_endpoint_config(program["endpoints"], "tracker_store")
    store = TrackerStore.create(config, domain)
    assert isinstance(store, SQLTrackerStore), type(store).__name__
    if program.get("wait"):
        print("ready", flush=True)
        sys.stdin.readline()
    for sender, events in program.get("save", {}).items():
        tracker = await store.retrieve(sender)
        old = [e.as_dict() for e in tracker.events] if tracker else []
        await store.save(DialogueStateTracker.from_dict(sender, old + events, domain.slots))
    loaded: dict[str, list[dict[str, Any]]] = {}
    for sender in program.get("load", []):
        tracker = await store.retrieve(sender)
        loaded[sender] = [e.as_dict() for e in tracker.events] if tracker else []
    url = store.engine.url
    _, connect_kwargs = store.engine.dialect.create_connect_args(url)
    store.engine.dispose()
    return {
        "url": url.render_as_string(hide_password=False),
        "connect": {k: v for k, v in connect_kwargs.items() if k != "password"},
        "loaded": loaded,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1]))), default=str))
