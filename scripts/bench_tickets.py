"""``make bench`` (tickets): from a staff member's confirmation to the technician's notification.

Starts the real stack on loopback like the end-to-end tests: the action server and Rasa
(sharing a scratch database, SQLite by default or PostgreSQL with ``--database-url``, and a
real aiosmtpd SMTP server), the fake Telegram Bot API server of the tests, and the real
Application in this process. It creates a facility open 24/7, one technician (notified
privately), registers staff members with an invitation code (``/start CODE``, job button),
then opens tickets one after the other through the form, with button presses: problem text,
device, scope, care, Confirmer. For each ticket it measures, from the moment the Confirmer
press is offered by the fake server:
- the staff member's "C’est envoyé" reply (the ticket is written by then);
- the technician's notification naming the new reference (the bot's outbox dispatcher);
- the helpdesk e-mail received by the SMTP server.
Prints p50/p95/max of each and writes results/bench_tickets.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.supervisor import Service, actions_service, rasa_service  # noqa: E402
from tests.auxil.databases import scratch_postgres  # noqa: E402
from tests.auxil.fake_telegram import FakeTelegram, FakeUser  # noqa: E402
from tests.auxil.smtp import SmtpSink  # noqa: E402
from tests.auxil.toggle_proxy import free_port  # noqa: E402
from tests.e2e.conftest import RunningBot  # noqa: E402
from vigie.core.pseudonym import pseudonymize  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker, upgrade  # noqa: E402
from vigie.outbox.store import Outbox  # noqa: E402
from vigie.people.directory import Directory  # noqa: E402
from vigie.tickets.models import Ticket  # noqa: E402

JSON = dict[str, Any]
T = TypeVar("T")

SECRET = "bench-tickets-secret-0123456789abcde"
FACILITY = "EHPAD Le Banc d’Essai"
TECHNICIAN_ID = 900_001
FIRST_STAFF_ID = 910_000
REFERENCE_RE = re.compile(r"VIG-\d{4}-\d{5}")
TIMEOUT_S = 60.0
POLL_S = 0.002
# Realistic problems, nothing the redaction would remove (one reply per message).
PROBLEMS = (
    "l imprimante du poste de soins n imprime plus les plans de soins",
    "le logiciel de soins ne s ouvre plus sur la tablette",
    "plus de wifi au premier étage depuis ce matin",
    "je n arrive plus à ouvrir ma session sur le poste de l infirmerie",
    "la messagerie n envoie plus les mails depuis hier",
    "le téléphone de garde ne sonne plus quand on l appelle",
    "l écran du poste de l accueil reste noir au démarrage",
    "le scanner ne transmet plus les ordonnances",
    "internet est très lent dans tout le bâtiment",
    "le clavier du poste de soins ne répond plus",
)


def buttons(message: JSON) -> dict[str, str]:
    """The message's buttons, title → callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


class Chat:
    """Reads, in order, what the bot sends to one private chat."""

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        self.fake = fake
        self.user = user
        self.seen = 0

    async def next(self, timeout: float = TIMEOUT_S) -> JSON:
        messages = await self.fake.wait_for_messages(self.user.id, self.seen + 1, timeout)
        self.seen += 1
        return messages[self.seen - 1]

    async def until(self, needle: str, timeout: float = TIMEOUT_S) -> JSON:
        """Read messages until one contains ``needle`` (case-insensitive)."""
        while True:
            message = await self.next(timeout)
            if needle.casefold() in message["plain_text"].casefold():
                return message

    def say(self, text: str) -> None:
        self.fake.send_text(self.user, text)

    def press(self, message: JSON, title: str) -> None:
        options = buttons(message)
        if title not in options:
            raise RuntimeError(f"no button {title!r} in {list(options)}")
        self.fake.press_button(self.user, message, options[title])


@dataclass
class Sample:
    reference: str
    confirmed_at: float  # time.time() when the Confirmer press was offered
    staff_reply_s: float
    technician_s: float
    email_s: float
    written_s: float = 0.0  # tickets.created_at, set by the action server (filled in later)


@dataclass
class Figures:
    samples: list[Sample] = field(default_factory=list)

    @staticmethod
    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        if not ordered:
            return {"n": 0, "p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
        p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank
        return {
            "n": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }

    def table(self) -> dict[str, dict[str, float]]:
        return {
            "ticket_written": self.stats([s.written_s for s in self.samples]),
            "staff_reply": self.stats([s.staff_reply_s for s in self.samples]),
            "technician_notification": self.stats([s.technician_s for s in self.samples]),
            "email_received": self.stats([s.email_s for s in self.samples]),
        }


async def wait_for(probe: Callable[[], T | None], what: str, timeout: float = TIMEOUT_S) -> T:
    """Poll ``probe()`` every 2 ms until it returns something other than None."""
    deadline = time.monotonic() + timeout
    while (value := probe()) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {timeout} s")
        await asyncio.sleep(POLL_S)
    return value


async def register(chat: Chat, code: str) -> None:
    """``/start CODE``, then the job button (care)."""
    chat.say(f"/start {code}")
    welcome = await chat.until(FACILITY)
    chat.press(welcome, "Soins")
    await chat.until("C’est noté")


async def open_ticket(
    index: int, chat: Chat, technician: Chat, fake: FakeTelegram, mail: SmtpSink
) -> Sample:
    """Open one ticket through the form; time the confirmation's three consequences."""
    chat.say("je voudrais ouvrir un ticket")
    await chat.until("Décrivez le problème")
    chat.say(PROBLEMS[index % len(PROBLEMS)])
    # Vary the answers (and so the urgency): a different button per ticket and question.
    strides = {"Sur quoi porte": 1, "Qui est touché": 2, "Les soins peuvent-ils": 3}
    while True:
        message = await chat.next()
        text = message["plain_text"]
        if "Voici votre demande" in text:
            break
        for needle, stride in strides.items():
            if needle in text:
                titles = [t for t in buttons(message) if t != "Annuler"]
                chat.press(message, titles[(index // stride) % len(titles)])
    technician_seen = len(fake.messages_to(technician.user.id))
    confirmed = time.time()
    chat.press(message, "Confirmer")
    created = await chat.until("C’est envoyé")
    [reference] = REFERENCE_RE.findall(created["plain_text"])

    def notified() -> float | None:
        records = fake.messages_to(technician.user.id)[technician_seen:]
        return next((float(r["time"]) for r in records if reference in r["plain_text"]), None)

    def mailed() -> float | None:
        return next((r.at for r in mail.received() if reference in r.subject), None)

    notice_at = await wait_for(notified, f"notification of {reference}")
    mail_at = await wait_for(mailed, f"e-mail of {reference}")
    return Sample(
        reference,
        confirmed,
        float(created["time"]) - confirmed,
        notice_at - confirmed,
        mail_at - confirmed,
    )


@contextlib.asynccontextmanager
async def scratch_database(url: str | None, work: Path) -> AsyncIterator[str]:
    """A temporary SQLite file, or a scratch PostgreSQL database on ``url``'s server."""
    if url is None or not url.startswith("postgresql"):
        yield url or f"sqlite+aiosqlite:///{work / 'bench.db'}"
        return
    async with scratch_postgres(url, "vigie_bench") as scratch:
        yield scratch


@contextlib.asynccontextmanager
async def bench_stack(
    database_url: str, log_dir: Path, env: dict[str, str], **bot_settings: Any
) -> AsyncIterator[tuple[FakeTelegram, Settings]]:
    """The action server and Rasa sharing ``database_url`` (plus ``env``), the fake Telegram
    server and the real Application in this process (``bot_settings`` added to its settings);
    stopped in reverse order."""
    ports = Settings(
        _env_file=None,  # type: ignore[call-arg]
        rasa_port=free_port(),
        actions_port=free_port(),
        database_url=database_url,  # Rasa's trackers too
    )
    services: list[Service] = [actions_service(ports, log_dir), rasa_service(ports, log_dir)]
    fake = FakeTelegram()
    await fake.start()
    bot: RunningBot | None = None
    try:
        async with aiohttp.ClientSession() as session:
            for service in services:
                service.env.update({"DATABASE_URL": database_url, **env})
                await service.start()
                await service.wait_healthy(session, sys.stdout)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(fake.token),
            telegram_base_url=fake.base_url,
            telegram_base_file_url=fake.base_file_url,
            database_url=database_url,
            rasa_url=f"http://127.0.0.1:{ports.rasa_port}",
            **bot_settings,
        )
        bot = RunningBot(settings)
        await bot.start()
        yield fake, settings
    finally:
        if bot is not None:
            await bot.stop()
        await fake.stop()
        for service in reversed(services):
            await service.stop()


async def run(args: argparse.Namespace) -> JSON:
    work = Path(tempfile.mkdtemp(prefix="vigie-bench-tickets-"))
    log_dir = work / "logs"
    async with scratch_database(args.database_url, work) as database_url:
        await asyncio.to_thread(upgrade, database_url)
        with SmtpSink() as mail:
            poll = {"outbox_poll_seconds": args.outbox_poll_seconds}
            async with bench_stack(
                database_url,
                log_dir,
                mail.env,
                pseudonym_secret=SecretStr(SECRET),
                smtp_host="127.0.0.1",
                smtp_port=mail.port,
                helpdesk_mail_to=mail.mail_to,
                mail_from=mail.mail_from,
                **(poll if args.outbox_poll_seconds else {}),
            ) as (fake, settings):
                engine = create_engine(database_url)
                try:
                    return await measure(args, fake, mail, engine, settings, log_dir)
                finally:
                    await engine.dispose()


async def measure(
    args: argparse.Namespace,
    fake: FakeTelegram,
    mail: SmtpSink,
    engine: AsyncEngine,
    settings: Settings,
    log_dir: Path,
) -> JSON:
    sessions = make_sessionmaker(engine)
    directory = Directory(sessions)
    total = args.warmup + args.tickets
    per_staff = max(1, args.per_staff)
    staff_count = math.ceil(total / per_staff)
    facility = await directory.create_facility(FACILITY, "Rodez", hours="24/7")
    invitation = await directory.create_invitation(
        facility_id=facility.id, role="staff", max_uses=staff_count + 1
    )
    technician = Chat(fake, fake.user(TECHNICIAN_ID, "Paul"))
    await directory.add_technician(
        name="Paul",
        chat_id=TECHNICIAN_ID,
        sender=pseudonymize(TECHNICIAN_ID, SECRET.encode()),
    )
    staff = [Chat(fake, fake.user(FIRST_STAFF_ID + i)) for i in range(staff_count)]
    print(f"  … inscription de {staff_count} soignant(e)s", flush=True)
    for chat in staff:
        await register(chat, invitation.code)

    warmup: list[Sample] = []
    figures = Figures()
    print(f"  … {args.warmup} ticket(s) d’échauffement, puis {args.tickets} tickets", flush=True)
    for index in range(total):
        sample = await open_ticket(index, staff[index // per_staff], technician, fake, mail)
        (warmup if index < args.warmup else figures.samples).append(sample)
    async with sessions() as session:
        created = await session.scalar(select(func.count()).select_from(Ticket))
        rows = await session.execute(select(Ticket.reference, Ticket.created_at))
        written = {reference: at for reference, at in rows.tuples()}
    for sample in figures.samples:
        sample.written_s = written[sample.reference].timestamp() - sample.confirmed_at
    pending = await Outbox(sessions).count_pending()
    return {
        "tickets": args.tickets,
        "warmup_tickets": args.warmup,
        "staff_members": staff_count,
        "tickets_per_staff_member": per_staff,
        "database": "postgresql" if settings.database_url.startswith("postgresql") else "sqlite",
        "outbox_poll_seconds": settings.outbox_poll_seconds,
        "technicians_notified": "privately (one technician)",
        "figures": figures.table(),
        "tickets_in_database": created,
        "outbox_pending_at_end": pending,
        "samples_ms": [
            {
                "reference": s.reference,
                "ticket_written": round(s.written_s * 1000, 1),
                "staff_reply": round(s.staff_reply_s * 1000, 1),
                "technician_notification": round(s.technician_s * 1000, 1),
                "email_received": round(s.email_s * 1000, 1),
            }
            for s in figures.samples
        ],
        "logs": str(log_dir),
    }


def report(results: JSON) -> str:
    labels = {
        "ticket_written": "confirmation → ticket row written (actions)",
        "staff_reply": "confirmation → « C’est envoyé » (staff)",
        "technician_notification": "confirmation → technician notified",
        "email_received": "confirmation → e-mail at the SMTP server",
    }
    lines = [f"{'':44} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for key, label in labels.items():
        row = results["figures"][key]
        lines.append(
            f"{label:44} {row['n']:4d} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
            f"{row['max_ms']:8.1f}"
        )
    lines.append(
        f"database={results['database']}, outbox_poll_seconds={results['outbox_poll_seconds']}, "
        f"staff={results['staff_members']}, tickets in database={results['tickets_in_database']}, "
        f"outbox pending at end={results['outbox_pending_at_end']}"
    )
    load = results["load_average_1min"]
    lines.append(f"load average (1 min) before/after: {load['before']:.2f}/{load['after']:.2f}")
    return "\n".join(lines)


def measure_and_save(
    bench: Callable[[], Coroutine[Any, Any, JSON]], report: Callable[[JSON], str], name: str
) -> JSON:
    """Run ``bench``, note the load average around it (other work on the machine skews the
    figures), print ``report`` of the results and write them to ``results/<name>``."""
    load_before = os.getloadavg()[0]
    results = asyncio.run(bench())
    results["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    print(report(results))
    out = ROOT / "results"
    out.mkdir(exist_ok=True)
    (out / name).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=50, help="tickets measured")
    parser.add_argument("--warmup", type=int, default=1, help="tickets opened first, not counted")
    parser.add_argument(
        "--per-staff", type=int, default=1, help="tickets opened by each staff member"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL server, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test "
        "(a scratch database is created there, then dropped); default: a temporary SQLite file",
    )
    parser.add_argument(
        "--outbox-poll-seconds",
        type=float,
        default=None,
        help="the dispatcher's polling period (default: the setting's default)",
    )
    args = parser.parse_args()
    print("==> Banc d’essai des tickets (Rasa, actions, bot, faux Telegram, SMTP)…", flush=True)
    measure_and_save(lambda: run(args), report, "bench_tickets.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
