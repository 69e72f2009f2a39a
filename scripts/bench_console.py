"""``make bench`` (console): every page of the follow-up console on a year of data for 50
facilities, and the monthly report.

Creates a scratch database (PostgreSQL by default, on ``VIGIE_TEST_POSTGRES_URL``'s server or
``--database-url``'s; a SQLite URL gives a temporary file), fills it with
``scripts/make_console_data.py`` (500,000 turns, 10,000 tickets, 5,000 suspicious e-mail
reports by default), starts the console application in this process on a free port of
127.0.0.1, signs in as a technician and as the referent of the busiest facility (a one-time
link, then its POST), and requests every page many times, one request at a time:

- the technician's overview of every facility (``/``), of several facilities
  (``/etablissements/{id}``: the busiest, the quietest and others), the review queue
  (``/revue``);
- the referent's overview of their facility (``/`` and ``/etablissements/{id}``).

Prints p50/p95/max per page, PASS when p95 ≤ 300 ms; then times the monthly report of the
busiest facility for the last complete month (``vigie.console.report.monthly_report``),
PASS when ≤ 5 s. The scratch database is dropped at the end; results also go to
``results/bench_console.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from console.app import make_app  # noqa: E402
from scripts.make_console_data import Sizes, generate  # noqa: E402
from tests.auxil.databases import admin_postgres_url, scratch_postgres  # noqa: E402
from tests.auxil.toggle_proxy import free_port  # noqa: E402
from vigie.console.access import ConsoleAccess  # noqa: E402
from vigie.conversation.models import Turn  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker  # noqa: E402
from vigie.knowledge.loader import KnowledgeBase  # noqa: E402
from vigie.people.models import Person  # noqa: E402

JSON = dict[str, Any]

SECRET = "bench-console-secret-0123456789abcde"
PAGE_BUDGET_MS = 300.0
REPORT_BUDGET_S = 5.0
OTHER_FACILITIES = 3  # besides the busiest and the quietest


@contextlib.asynccontextmanager
async def scratch_database(url: str, work: Path) -> AsyncIterator[str]:
    """A scratch PostgreSQL database on ``url``'s server (dropped afterwards), or a
    temporary SQLite file."""
    if url.startswith("postgresql"):
        async with scratch_postgres(url, "vigie_bench") as scratch:
            yield scratch
    else:
        yield f"sqlite+aiosqlite:///{work / 'console-bench.db'}"


@contextlib.asynccontextmanager
async def running_console(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], titles: dict[str, str]
) -> AsyncIterator[str]:
    """The console application served on ``settings.console_port``; its base URL."""
    runner = web.AppRunner(make_app(settings, sessionmaker, titles), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", settings.console_port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{settings.console_port}"
    finally:
        await runner.cleanup()


async def signed_in(base: str, access: ConsoleAccess, person_id: int) -> aiohttp.ClientSession:
    """A client holding the session cookie of ``person_id`` (a link used like a browser)."""
    link = await access.create_link(person_id)
    http = aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=60)
    )
    path = "/entrer/" + link.rsplit("/entrer/", 1)[1]
    async with http.post(base + path, allow_redirects=False) as entered:
        if entered.status != 303:
            await http.close()
            raise RuntimeError(f"sign-in refused: {entered.status}")
    return http


async def time_page(http: aiohttp.ClientSession, url: str) -> float:
    """Milliseconds until the whole page is read; the page must be a 200."""
    started = time.perf_counter()
    async with http.get(url, allow_redirects=False) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status} {body[:200]!r}")
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(samples: list[float]) -> JSON:
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "max_ms": round(max(samples), 1),
    }


async def facilities_by_activity(sessionmaker: async_sessionmaker[AsyncSession]) -> list[int]:
    """Facility ids, the one with the most turns first."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(Person.facility_id, func.count())
            .join(Turn, Turn.sender == Person.sender)
            .where(Person.facility_id.is_not(None))
            .group_by(Person.facility_id)
            .order_by(func.count().desc(), Person.facility_id)
        )
        return [int(facility_id) for facility_id, _ in rows]


async def person_of(
    sessionmaker: async_sessionmaker[AsyncSession], role: str, facility_id: int | None = None
) -> int:
    async with sessionmaker() as session:
        stmt = select(Person.id).where(Person.role == role, Person.active.is_(True))
        if facility_id is not None:
            stmt = stmt.where(Person.facility_id == facility_id)
        found = await session.scalar(stmt.order_by(Person.id).limit(1))
    if found is None:
        raise RuntimeError(f"no {role} in the generated data")
    return int(found)


def last_complete_month(now: datetime) -> str:
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


async def time_report(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    facility_id: int,
    titles: dict[str, str],
    runs: int,
) -> JSON:
    """The monthly report's time, or why it is not measured."""
    try:
        report = importlib.import_module("vigie.console.report")
        monthly_report = report.monthly_report
    except (ImportError, AttributeError):
        return {"measured": False, "why": "vigie.console.report.monthly_report n’existe pas"}
    month = last_complete_month(datetime.now(UTC))
    seconds: list[float] = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        try:
            document = await monthly_report(sessionmaker, settings, facility_id, month, titles)
        except Exception as exc:  # the report's own bug: said, and a FAIL
            return {"measured": True, "month": month, "error": f"{type(exc).__name__}: {exc}"}
        seconds.append(time.perf_counter() - started)
        size = len(document)
    return {
        "measured": True,
        "month": month,
        "facility_id": facility_id,
        "runs": runs,
        "bytes": size,
        "first_s": round(seconds[0], 2),
        "max_s": round(max(seconds), 2),
    }


async def bench(args: argparse.Namespace) -> JSON:
    sizes = Sizes(args.facilities, args.turns, args.tickets, args.reports)
    with tempfile.TemporaryDirectory(prefix="vigie-console-bench-") as work:
        async with scratch_database(args.database_url, Path(work)) as url:
            print(f"==> Données : {sizes} …", flush=True)
            started = time.perf_counter()
            counts = await generate(url, sizes, seed=args.seed)
            generated_s = time.perf_counter() - started
            print(f"    {counts} en {generated_s:.1f} s", flush=True)
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                console_port=free_port(),
                pseudonym_secret=SecretStr(SECRET),
            )
            knowledge = KnowledgeBase.load(settings.knowledge_dir)
            titles = {article.id: article.title for article in knowledge}
            engine = create_engine(url)
            try:
                results = await measure(args, settings, make_sessionmaker(engine), titles)
            finally:
                await engine.dispose()
            results["data"] = {**vars(counts), "seconds": round(generated_s, 1)}
            results["database"] = engine.dialect.name
            return results


async def measure(
    args: argparse.Namespace,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    titles: dict[str, str],
) -> JSON:
    access = ConsoleAccess(sessionmaker, settings)
    ranked = await facilities_by_activity(sessionmaker)
    busiest, quietest = ranked[0], ranked[-1]
    middle = ranked[1:-1]
    step = max(1, len(middle) // OTHER_FACILITIES)
    several = [busiest, *middle[::step][:OTHER_FACILITIES], quietest]
    several = list(dict.fromkeys(several))
    technician = await person_of(sessionmaker, "technician")
    referent = await person_of(sessionmaker, "referent", busiest)
    pages: JSON = {}
    async with running_console(settings, sessionmaker, titles) as base:
        tech = await signed_in(base, access, technician)
        ref = await signed_in(base, access, referent)
        try:
            plan: list[tuple[str, aiohttp.ClientSession, list[str]]] = [
                ("technicien /", tech, ["/"]),
                (
                    "technicien /etablissements/{id}",
                    tech,
                    [f"/etablissements/{i}" for i in several],
                ),
                ("technicien /revue", tech, ["/revue"]),
                ("référent /", ref, ["/"]),
                ("référent /etablissements/{id}", ref, [f"/etablissements/{busiest}"]),
            ]
            for name, http, paths in plan:
                for path in paths * args.warmup:
                    await time_page(http, base + path)
                samples = [
                    await time_page(http, base + paths[n % len(paths)])
                    for n in range(args.requests)
                ]
                pages[name] = figures(samples)
        finally:
            await tech.close()
            await ref.close()
    report = await time_report(sessionmaker, settings, busiest, titles, args.report_runs)
    return {
        "pages": pages,
        "facilities_measured": several,
        "report": report,
        "budget": {"page_p95_ms": PAGE_BUDGET_MS, "report_s": REPORT_BUDGET_S},
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def summary(results: JSON) -> str:
    data = results["data"]
    lines = [
        f"Console ({results['database']}, {data['facilities']} établissements, "
        f"{data['turns']} tours, {data['tickets']} tickets, {data['reports']} signalements, "
        f"{data['incidents']} incidents ; données faites en {data['seconds']} s)",
        f"{'page':34} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}",
    ]
    for name, row in results["pages"].items():
        ok = row["p95_ms"] <= PAGE_BUDGET_MS
        lines.append(
            f"{name:34} {row['n']:>4} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['max_ms']:>8.1f}  {verdict(ok)} (p95 ≤ {PAGE_BUDGET_MS:.0f} ms)"
        )
    report = results["report"]
    if report.get("error"):
        lines.append(f"rapport mensuel {report['month']} : erreur {report['error']}  FAIL")
    elif report["measured"]:
        ok = report["max_s"] <= REPORT_BUDGET_S
        lines.append(
            f"rapport mensuel {report['month']} (établissement {report['facility_id']}, "
            f"{report['bytes']} octets) : {report['first_s']:.2f} s la première fois, "
            f"max {report['max_s']:.2f} s sur {report['runs']}  "
            f"{verdict(ok)} (≤ {REPORT_BUDGET_S:.0f} s)"
        )
    else:
        lines.append(f"rapport mensuel : non mesuré ({report['why']})")
    return "\n".join(lines)


def passed(results: JSON) -> bool:
    pages = all(row["p95_ms"] <= PAGE_BUDGET_MS for row in results["pages"].values())
    report = results["report"]
    if report.get("error"):
        return False
    return pages and (not report["measured"] or report["max_s"] <= REPORT_BUDGET_S)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=admin_postgres_url(),
        help="PostgreSQL server where a scratch database is created then dropped "
        "(default: VIGIE_TEST_POSTGRES_URL or postgres@127.0.0.1:5432); a sqlite URL: a "
        "temporary SQLite file",
    )
    parser.add_argument("--facilities", type=int, default=Sizes.facilities)
    parser.add_argument("--turns", type=int, default=Sizes.turns)
    parser.add_argument("--tickets", type=int, default=Sizes.tickets)
    parser.add_argument("--reports", type=int, default=Sizes.reports)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="requests per path not counted")
    parser.add_argument("--report-runs", type=int, default=3, help="monthly reports timed")
    args = parser.parse_args(argv)
    print("==> Banc d’essai de la console (une année de données)…", flush=True)
    load_before = os.getloadavg()[0]
    results = asyncio.run(bench(args))
    results["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    print(summary(results))
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_console.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0 if passed(results) else 1


if __name__ == "__main__":
    sys.exit(main())
