"""``make bench`` (suspicious e-mails): from an uploaded ``.eml`` file to the verdict.

Starts the real stack on loopback like the end-to-end tests: the action server and Rasa
sharing a scratch database (SQLite by default, PostgreSQL with ``--database-url``), the fake
Telegram Bot API server of the tests and the real Application in this process. It creates a
facility, one technician (notified privately) and registers staff members, then each staff
member uploads a message of the corpus (``tests/data/emails/phishing`` and ``legit``, in
turn) as a document and answers « Rien ». For each report it measures, from the moment the
upload is offered by the fake server:

- the verdict message (download, analysis, report written, Rasa turn, action, delivery);
- the technician's report, from the moment the answer button is offered;
- the analysis itself (``elapsed_ms`` recorded with the report).

Then the largest file the bot accepts (a generated message just under 10 MB) is uploaded
once and timed the same way. Prints p50/p95/max and writes results/bench_phishing.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.bench_tickets import (  # noqa: E402
    Chat,
    Figures,
    bench_stack,
    measure_and_save,
    register,
    scratch_database,
    wait_for,
)
from scripts.make_email_corpus import TRUSTED_EXTRA, big_message  # noqa: E402
from tests.auxil.fake_telegram import FakeTelegram  # noqa: E402
from vigie.core.pseudonym import pseudonymize  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker, upgrade  # noqa: E402
from vigie.people.directory import Directory  # noqa: E402
from vigie.phishing.models import PhishingReport  # noqa: E402

JSON = dict[str, Any]

SECRET = "bench-phishing-secret-0123456789abcd"
FACILITY = "EHPAD Le Banc d’Essai"
TECHNICIAN_ID = 800_001
FIRST_STAFF_ID = 810_000
CORPUS = ROOT / "tests" / "data" / "emails"
VERDICT_WORDS = ("Dangereux", "Douteux", "Probablement sans danger")
BIG_SIZE = 9_900_000  # the largest the bot accepts is 10 MiB, base64 and headers included


@dataclass
class Sample:
    name: str
    size: int
    verdict: str
    verdict_s: float
    technician_s: float


def corpus_files(count: int) -> list[Path]:
    """``count`` files, phishing and legitimate in turn."""
    phishing = sorted((CORPUS / "phishing").glob("*.eml"))
    legit = sorted((CORPUS / "legit").glob("*.eml"))
    mixed = [f for pair in zip(phishing, legit, strict=False) for f in pair]
    return [mixed[i % len(mixed)] for i in range(count)]


async def report_one(
    name: str, data: bytes, chat: Chat, technician: Chat, fake: FakeTelegram
) -> Sample:
    """Upload one message, read the verdict, answer « Rien », wait for the technician."""
    offered = time.time()
    fake.send_document(chat.user, name, data, "message/rfc822")
    while True:
        message = await chat.next()
        found = next((w for w in VERDICT_WORDS if w in message["plain_text"]), None)
        if found:
            break
    verdict_s = float(message["time"]) - offered
    question = await chat.until("Qu’avez-vous fait")
    seen = len(fake.messages_to(technician.user.id))
    answered = time.time()
    chat.press(question, "Rien")

    def reported() -> float | None:
        records = fake.messages_to(technician.user.id)[seen:]
        return next(
            (float(r["time"]) for r in records if "Hameçonnage" in str(r.get("reply_markup"))),
            None,
        )

    technician_at = await wait_for(reported, f"report of {name}")
    return Sample(name, len(data), found, verdict_s, technician_at - answered)


async def flood_probe(uploaders: list[Chat], asking: Chat) -> JSON:
    """Everyone in ``uploaders`` sends the largest accepted file at once; half a second later
    ``asking`` asks a question: how long its answer takes, and the last verdict."""
    data = big_message(BIG_SIZE)
    started = time.time()
    for chat in uploaders:
        chat.fake.send_document(chat.user, "gros_message.eml", data, "message/rfc822")
    await asyncio.sleep(0.5)
    asking.seen = len(asking.fake.messages_to(asking.user.id))
    asked = time.time()
    asking.say("c koi un bon mot de passe")
    answer = await asking.next()
    answered_s = float(answer["time"]) - asked
    last = 0.0
    for chat in uploaders:
        while True:
            message = await chat.next()
            if any(w in message["plain_text"] for w in VERDICT_WORDS):
                last = max(last, float(message["time"]) - started)
                break
    return {
        "uploads": len(uploaders),
        "bytes_each": len(data),
        "question_answered_ms": round(answered_s * 1000, 1),
        "last_verdict_ms": round(last * 1000, 1),
    }


async def run(args: argparse.Namespace) -> JSON:
    work = Path(tempfile.mkdtemp(prefix="vigie-bench-phishing-"))
    async with scratch_database(args.database_url, work) as database_url:
        await asyncio.to_thread(upgrade, database_url)
        async with bench_stack(
            database_url,
            work / "logs",
            {"MAIL_TRUSTED_DOMAINS": ",".join(TRUSTED_EXTRA)},
            pseudonym_secret=SecretStr(SECRET),
            mail_trusted_domains=list(TRUSTED_EXTRA),
        ) as (fake, _):
            return await measure(args, fake, database_url)


async def measure(args: argparse.Namespace, fake: FakeTelegram, database_url: str) -> JSON:
    engine = create_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        directory = Directory(sessions)
        total = args.warmup + args.reports + 1  # + the big file
        flood = 10  # then ten people upload the largest file at once, while one more asks
        total += flood + 1
        facility = await directory.create_facility(FACILITY, "Rodez", hours="24/7")
        invitation = await directory.create_invitation(
            facility_id=facility.id, role="staff", max_uses=total + 1
        )
        technician = Chat(fake, fake.user(TECHNICIAN_ID, "Paul"))
        await directory.add_technician(
            name="Paul", chat_id=TECHNICIAN_ID, sender=pseudonymize(TECHNICIAN_ID, SECRET.encode())
        )
        staff = [Chat(fake, fake.user(FIRST_STAFF_ID + i)) for i in range(total)]
        print(f"  … inscription de {total} soignant(e)s", flush=True)
        for chat in staff:
            await register(chat, invitation.code)
        files = corpus_files(args.warmup + args.reports)
        samples: list[Sample] = []
        print(f"  … {args.warmup} signalement(s) d’échauffement, puis {args.reports}", flush=True)
        for index, path in enumerate(files):
            sample = await report_one(path.name, path.read_bytes(), staff[index], technician, fake)
            if index >= args.warmup:
                samples.append(sample)
        print("  … le plus gros fichier accepté", flush=True)
        first = args.warmup + args.reports
        big = await report_one(
            "gros_message.eml", big_message(BIG_SIZE), staff[first], technician, fake
        )
        print(f"  … {flood} plus gros fichiers envoyés ensemble, et une question", flush=True)
        flood_figures = await flood_probe(staff[first + 1 : first + 1 + flood], staff[-1])
        async with sessions() as session:
            rows = (
                await session.execute(select(PhishingReport.size, PhishingReport.analysis))
            ).all()
        analysis_ms = {int(size): float(a.get("elapsed_ms", 0.0)) for size, a in rows}
    finally:
        await engine.dispose()
    measured_sizes = {s.size for s in samples}
    verdicts: dict[str, int] = {}
    for s in samples:
        verdicts[s.verdict] = verdicts.get(s.verdict, 0) + 1
    return {
        "reports": len(samples),
        "warmup_reports": args.warmup,
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "figures": {
            "upload_to_verdict": Figures.stats([s.verdict_s for s in samples]),
            "answer_to_technician_report": Figures.stats([s.technician_s for s in samples]),
            "analysis": Figures.stats(
                [analysis_ms[size] / 1000 for size in measured_sizes if size in analysis_ms]
            ),
        },
        "verdicts": verdicts,
        "flood": flood_figures,
        "largest_file": {
            "bytes": big.size,
            "upload_to_verdict_ms": round(big.verdict_s * 1000, 1),
            "analysis_ms": analysis_ms.get(big.size),
            "verdict": big.verdict,
        },
        "samples_ms": [
            {
                "file": s.name,
                "verdict": s.verdict,
                "upload_to_verdict": round(s.verdict_s * 1000, 1),
                "answer_to_technician_report": round(s.technician_s * 1000, 1),
            }
            for s in samples
        ],
    }


def report(results: JSON) -> str:
    labels = {
        "upload_to_verdict": "upload of the .eml → verdict (staff)",
        "answer_to_technician_report": "answer « Rien » → technician's report",
        "analysis": "analysis alone (elapsed_ms of the report)",
    }
    lines = [f"{'':44} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for key, label in labels.items():
        row = results["figures"][key]
        lines.append(
            f"{label:44} {row['n']:4d} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
            f"{row['max_ms']:8.1f}"
        )
    big = results["largest_file"]
    lines.append(
        f"largest file {big['bytes'] / 1_048_576:.1f} MB: upload → verdict "
        f"{big['upload_to_verdict_ms']:.0f} ms, analysis {big['analysis_ms']} ms ({big['verdict']})"
    )
    flood = results["flood"]
    lines.append(
        f"{flood['uploads']} × {flood['bytes_each'] / 1_048_576:.1f} MB at once: a question asked "
        f"meanwhile answered in {flood['question_answered_ms']:.0f} ms, last verdict after "
        f"{flood['last_verdict_ms'] / 1000:.1f} s"
    )
    lines.append(f"verdicts: {results['verdicts']}, database={results['database']}")
    load = results["load_average_1min"]
    lines.append(f"load average (1 min) before/after: {load['before']:.2f}/{load['after']:.2f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=40, help="reports measured")
    parser.add_argument("--warmup", type=int, default=2, help="reports sent first, not counted")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test "
        "(a scratch database is created there, then dropped); default: a temporary SQLite file",
    )
    args = parser.parse_args()
    if args.reports < 1:
        parser.error("--reports must be at least 1")
    print("==> Banc d’essai des mails suspects (Rasa, actions, bot, faux Telegram)…", flush=True)
    measure_and_save(lambda: run(args), report, "bench_phishing.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
