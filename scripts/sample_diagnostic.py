"""Write ``docs/awareness/autodiagnostic-exemple.pdf``: the self-diagnostic of a made-up
facility taken twice (October, then December 2026), from a temporary SQLite database. No
network; nothing real.

    .venv/bin/python scripts/sample_diagnostic.py [--out FICHIER.pdf]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from vigie.awareness.diagnostics import DiagnosticDone, Diagnostics  # noqa: E402
from vigie.core.clock import FakeClock  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker, upgrade  # noqa: E402
from vigie.people.directory import Directory  # noqa: E402

OUT = ROOT / "docs" / "awareness" / "autodiagnostic-exemple.pdf"
FIRST = ["no", "partly", "yes", "unknown", "yes", "no", "partly"]
SECOND = ["yes", "partly", "yes", "yes", "yes", "no", "yes"]


async def _take(diagnostics: Diagnostics, sender: str, pattern: list[str]) -> DiagnosticDone:
    step = await diagnostics.start(sender)
    assert step is not None
    while True:
        outcome = await diagnostics.answer(
            sender, step.run_id, step.position, pattern[step.position % len(pattern)]
        )
        if isinstance(outcome, DiagnosticDone):
            return outcome
        step = outcome


async def main(out: Path) -> None:
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite+aiosqlite:///{work}/sample.db"
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            directory = Directory(sessions)
            facility = await directory.create_facility("EHPAD Les Glycines", "Périgueux")
            code = await directory.create_invitation(facility_id=facility.id, role="referent")
            await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=1, sender="direction"
            )
            settings = Settings(  # type: ignore[call-arg]
                _env_file=None,
                pseudonym_secret=SecretStr("sample-diagnostic-secret-0123456789ab"),
                provider_name="Infogérance Exemple",
            )
            clock = FakeClock(datetime(2026, 10, 6, 9, 0, tzinfo=UTC))
            diagnostics = Diagnostics(sessions, settings, clock)
            await _take(diagnostics, "direction", FIRST)
            clock.advance(60 * 86400)
            done = await _take(diagnostics, "direction", SECOND)
            data = await diagnostics.pdf(done.run.run_id)
            await asyncio.to_thread(out.write_bytes, data)
            print(
                f"{out}: {done.result.percent}/100 (before: {done.previous.percent if done.previous else '-'})"
            )
        finally:
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    asyncio.run(main(parser.parse_args().out))
