"""``make chaos``: the real stack against the fake Telegram server, killed and disturbed.

Runs tests/auxil/chaos.py's scenario — by default the issue's: 500 messages from 25 chats at
5 per second, 10 SIGKILLs of the bot at random moments and 10 at the moment it confirms
updates, a 30 s Rasa outage, a Rasa restart during 25 open ticket forms — on SQLite and on
PostgreSQL (a fresh database per run), prints a table per database and writes the figures
to results/chaos.json. The exit code is 0 whatever the figures: the floors are the short
test's (tests/e2e/test_chaos.py); here they are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.auxil.chaos import (  # noqa: E402
    ChaosConfig,
    floor_failures,
    fresh_database,
    run_chaos,
    table,
)


async def run(kinds: list[str], config: ChaosConfig) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for kind in kinds:
        work = Path(tempfile.mkdtemp(prefix=f"vigie-chaos-{kind}-"))
        print(f"==> {kind} (journaux : {work / 'logs'})", flush=True)
        async with fresh_database(kind, work) as url:
            report = await run_chaos(config, kind, url, work, sys.stdout)
        print(table(report), flush=True)
        failures = floor_failures(report)
        print("  floors: " + ("all met" if not failures else "; ".join(failures)), flush=True)
        results.append({**report.as_dict(), "floors_missed": failures, "logs": str(work)})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="the short test's scenario")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "results" / "chaos.json", help="JSON figures"
    )
    args = parser.parse_args()
    config = ChaosConfig.short(args.seed) if args.short else ChaosConfig.full(args.seed)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print("==> Chaos : la pile réelle contre le faux Telegram, bot tué, Rasa arrêté…", flush=True)
    results = asyncio.run(run(kinds, config))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": results},
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"==> {args.output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
