"""The short chaos test: the issue's floors, on SQLite and on PostgreSQL.

The real Rasa server, the real action server and the bot as a real process run against the
fake Telegram server (tests/auxil/chaos.py): 60 FAQ questions from 10 chats, the bot
SIGKILLed twice at random moments and twice at the moment it confirms updates, Rasa stopped
for a few seconds while 5 ticket forms are open. Nothing may be lost, duplicated or
reordered; every message sent while Rasa is down gets the degraded reply within 2 s; every
pending answer arrives within 30 s of Rasa being healthy again; every interrupted form ends
with a ticket carrying the answers given before the restart. ``make chaos`` runs the full
scenario and reports the same figures.
"""

from __future__ import annotations

from pathlib import Path

from tests.auxil.chaos import ChaosConfig, floor_failures, run_chaos, table
from tests.e2e.conftest import MODEL


async def test_short_chaos_keeps_the_floors(db_url: str, tmp_path: Path) -> None:
    assert MODEL.exists(), f"no trained model at {MODEL}: run `make train` (make test does it)"
    database = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    report = await run_chaos(ChaosConfig.short(), database, db_url, tmp_path)
    assert report.sent == 60 and report.random_kills == 2
    assert floor_failures(report) == [], (
        f"{'; '.join(floor_failures(report))}\n{table(report)}\nlogs: {tmp_path / 'logs'}"
    )
