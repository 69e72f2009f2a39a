"""``make bench`` (several processes): how far Vigie goes with one and two Rasa servers, one
and two bot processes, on this machine.

For each layout of ``--layouts`` (``RxB``: R Rasa servers, B bot processes; by default 1x1,
2x1, 1x2 and 2x2), starts the production layout of the tests (``tests/auxil/layout.py``: a
fresh PostgreSQL database, Rasa's lock store in Redis, the action server, the Rasa servers,
the bot processes in webhook mode behind the real nginx, the fake Telegram server delivering
updates by webhook), finds a dozen FAQ questions whose answers are one message each, then
measures for ``--seconds`` each:

1. **Rasa's saturation**: 40 conversations sent straight to the Rasa servers (the bots'
   own client, ``RasaClient``, spreading them over the servers as the bots do), each sending
   its next message as soon as the previous one is answered: the messages a second that
   the Rasa servers, the action server and PostgreSQL handle together;
2. **the stack's saturation**: 40 conversations through the fake Telegram server, nginx,
   the bots and Rasa, each sending its next message when its reply arrives; meanwhile the
   CPU time of every process (``/proc``: bots, Rasa servers, action server, PostgreSQL,
   Redis, nginx, this process with the fake Telegram server) divided by the messages
   answered: the CPU cost of one message, per process;
3. **10 messages a second offered** over 20 conversations (one every 2 s each), through the
   whole stack: p50 and p95 from the update's creation to its reply.

Every simulated person writes 10 messages, then its slot goes on as a new person (staff
write a handful of messages per conversation; Rasa's cost grows with a conversation's
length).

Then, on the last layout, the stack is saturated once more under ``py-spy record`` (100
samples a second, without pausing the processes) of every bot, Rasa and action process: each
process's top functions by own time, and its samples put on the innermost frame of Vigie's
code (or Rasa's), so that the next bottleneck is named.
The saturations are measured without the profiler (it takes CPU of its own).

Prints a table per layout, the ratios (2 Rasa servers / 1, 2 bots / 1), the targets (2 Rasa
servers ≥ 1.5 times one; the whole stack ≥ 30 messages/s, Telegram's own sending limit; p95
≤ 150 ms at 10 messages/s) with PASS or FAIL, the CPU per message and the profile; writes
``results/bench_scale.json``. Needs PostgreSQL (``VIGIE_TEST_POSTGRES_URL``, else
127.0.0.1:5432) and Redis (``VIGIE_TEST_REDIS_URL``, else database 13 on 127.0.0.1:6379),
as the tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.auxil.chaos import Question, validated_questions  # noqa: E402
from tests.auxil.fake_telegram import FakeTelegram, FakeUser  # noqa: E402
from tests.auxil.layout import Layout, LayoutConfig  # noqa: E402
from vigie.conversation.rasa_client import RasaClient, replica_urls  # noqa: E402
from vigie.knowledge.loader import KnowledgeBase  # noqa: E402

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
SATURATION_CONVERSATIONS = 40  # Telegram's default webhook connections: 40
OFFERED_CONVERSATIONS = 20
OFFERED_PERIOD_S = 2.0  # 20 conversations, one message every 2 s each: 10 a second
MESSAGES_PER_PERSON = 10
QUESTIONS = 12
TARGET_RASA_RATIO = 1.5
TARGET_STACK_RATE = 30.0
TARGET_P95_MS = 150.0
PROFILE_RATE = 100  # samples a second
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------- measuring


@dataclass
class Result:
    """Latencies (seconds) and throughput of one scenario."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    def row(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0
        return {
            "n": len(ordered),
            "failures": self.failures,
            "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
            "p95_ms": round(p95 * 1000, 1),
            "per_s": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
        }


class Replies:
    """The fake server's sent messages, read once each by one poller: waiters get their
    chat's n-th message without every waiter scanning every message (which, at 40 waiters
    and thousands of messages, would make this process the bottleneck)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.cursor = len(fake.sent)
        self.counts: Counter[int] = Counter()
        self.waiters: dict[tuple[int, int], asyncio.Future[float]] = {}
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    def baseline(self, chat: int) -> int:
        """The messages already sent to ``chat``."""
        return self.counts[chat]

    def wait(self, chat: int, nth: int) -> asyncio.Future[float]:
        """Resolved with the wall-clock time of the chat's ``nth`` message (1-based)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[(chat, nth)] = future
        self._read()
        return future

    async def _poll(self) -> None:
        while True:
            self._read()
            await asyncio.sleep(0.005)

    def _read(self) -> None:
        sent = self.fake.sent
        while self.cursor < len(sent):
            record = sent[self.cursor]
            self.cursor += 1
            chat = record["chat_id"]
            self.counts[chat] += 1
            future = self.waiters.pop((chat, self.counts[chat]), None)
            if future is not None and not future.done():
                future.set_result(record.get("time", time.time()))


class TelegramPath:
    """One message through the fake Telegram server, nginx, a bot and Rasa; its latency from
    the update's creation to its one reply."""

    def __init__(self, fake: FakeTelegram, replies: Replies, questions: list[Question]) -> None:
        self.fake = fake
        self.replies = replies
        self.questions = questions
        self.users: dict[int, FakeUser] = {}

    async def send(self, person: int, text_index: int, timeout: float = 120.0) -> float:
        user = self.users.get(person)
        if user is None:
            user = self.users[person] = self.fake.user(person)
        nth = self.replies.baseline(person) + 1
        waiting = self.replies.wait(person, nth)
        started = time.time()
        self.fake.send_text(user, self.questions[text_index % len(self.questions)].text)
        answered_at = await asyncio.wait_for(waiting, timeout)
        return max(0.0, answered_at - started)


class RasaPath:
    """One message straight to the Rasa servers with the bots' client."""

    def __init__(self, client: RasaClient, questions: list[Question], run: str) -> None:
        self.client = client
        self.questions = questions
        self.run = run

    async def send(self, person: int, text_index: int, timeout: float = 120.0) -> float:
        started = time.monotonic()
        await self.client.send(
            f"bench-{self.run}-{person}", self.questions[text_index % len(self.questions)].text
        )
        return time.monotonic() - started


class People:
    """Each conversation slot's current person: a new one every ``MESSAGES_PER_PERSON``."""

    def __init__(self, first_id: int) -> None:
        self.next_id = first_id

    def slots(self, count: int) -> list[list[int]]:
        """Per slot, its person and how many messages they sent: ``[person, sent]``."""
        slots = [[self.next_id + i, 0] for i in range(count)]
        self.next_id += count
        return slots

    def advance(self, slot: list[int]) -> None:
        slot[1] += 1
        if slot[1] >= MESSAGES_PER_PERSON:
            slot[0], slot[1] = self.next_id, 0
            self.next_id += 1


async def closed_loop(
    path: TelegramPath | RasaPath, people: People, conversations: int, seconds: float
) -> Result:
    """Each conversation sends its next message as soon as the previous one is answered."""
    result = Result()
    started = time.monotonic()
    deadline = started + seconds

    async def conversation(slot: list[int], index: int) -> None:
        n = index
        while time.monotonic() < deadline:
            try:
                result.latencies.append(await path.send(slot[0], n))
            except Exception:
                result.failures += 1
            people.advance(slot)
            n += 7

    await asyncio.gather(*(conversation(s, i) for i, s in enumerate(people.slots(conversations))))
    result.seconds = time.monotonic() - started
    return result


async def open_loop(
    path: TelegramPath, people: People, conversations: int, period: float, seconds: float
) -> Result:
    """Each conversation sends a message every ``period`` seconds, answered or not (its
    messages wait for each other in the bot: one chat is handled in order)."""
    result = Result()
    started = time.monotonic()
    tasks: list[asyncio.Task[None]] = []

    async def one(person: int, n: int) -> None:
        try:
            result.latencies.append(await path.send(person, n))
        except Exception:
            result.failures += 1

    async def conversation(slot: list[int], index: int) -> None:
        await asyncio.sleep(period * index / conversations)
        n = index
        while time.monotonic() - started < seconds:
            tasks.append(asyncio.create_task(one(slot[0], n)))
            people.advance(slot)
            n += 7
            await asyncio.sleep(period)

    slots = people.slots(conversations)
    await asyncio.gather(*(conversation(s, i) for i, s in enumerate(slots)))
    await asyncio.gather(*tasks)
    result.seconds = time.monotonic() - started
    return result


# ------------------------------------------------------------------------- CPU time


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (its threads included), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def pids_named(name: str) -> list[int]:
    """The processes whose command name is ``name`` (PostgreSQL's backends, Redis, nginx)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def process_groups(layout: Layout) -> dict[str, list[int]]:
    """The processes measured, by name."""
    groups: dict[str, list[int]] = {}
    for service in layout.services:
        if service.process is not None:
            groups[service.name] = [service.process.pid]
    groups["postgresql"] = pids_named("postgres")
    groups["redis"] = pids_named("redis-server")
    groups["nginx"] = pids_named("nginx")
    groups["bench (fake Telegram)"] = [os.getpid()]
    return groups


def cpu_snapshot(groups: dict[str, list[int]]) -> dict[str, float]:
    snapshot = {}
    for name, pids in groups.items():
        if name == "postgresql":  # backends come and go: take those alive now
            pids = pids_named("postgres")
        snapshot[name] = sum(cpu_seconds(pid) for pid in pids)
    return snapshot


def cpu_per_message(
    before: dict[str, float], after: dict[str, float], messages: int
) -> dict[str, float]:
    """Milliseconds of CPU per message answered, per process group."""
    if not messages:
        return {}
    return {
        name: round(max(0.0, after[name] - before.get(name, 0.0)) * 1000 / messages, 2)
        for name in after
    }


# ------------------------------------------------------------------------- profile


# Where a sample is put for « ours »: the innermost frame of Vigie's code, or of Rasa's own
# packages in the Rasa servers (py-spy gives paths relative to sys.path).
OWN_CODE = ("bot/", "vigie/", "actions/", "rasa_addons/", "console/")
RASA_CODE = ("rasa/core/", "rasa/nlu/", "rasa/engine/", "rasa_sdk/")


def parse_frame(frame: str) -> tuple[str, str]:
    """``function (path/to/module.py:12)`` → (``function``, ``path/to/module.py``)."""
    match = re.match(r"(.*?) \((.*?)(?::\d+)?\)$", frame.strip())
    if not match:
        return frame.strip(), ""
    function, path = match.groups()
    return function, path


def short(function: str, path: str) -> str:
    parts = Path(path).parts
    return f"{function} ({'/'.join(parts[-2:]) if len(parts) >= 2 else path})"


def read_profile(text: str, top: int = 8) -> dict[str, Any]:
    """py-spy's raw (collapsed) output → samples; the top functions by own samples (the
    innermost frame: where the CPU is spent); and « ours »: each sample put on the innermost
    frame of Vigie's code (or of Rasa's packages: ``RASA_CODE``), which names the feature
    that pays (the library work it calls included); samples outside them (the event loop,
    the servers' plumbing) are « outside ». The share is of all samples."""
    own: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    samples = 0
    for line in text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        samples += count
        own[short(*frames[-1])] += count
        mine = [f for f in frames if f[1].startswith(OWN_CODE + RASA_CODE)]
        ours[short(*mine[-1]) if mine else "(outside)"] += count
    if not samples:
        return {"samples": 0, "own": [], "ours": []}

    def shares(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / samples, 1)) for name, n in counter.most_common(top)]

    return {"samples": samples, "own": shares(own), "ours": shares(ours)}


async def profiled_saturation(
    layout: Layout, path: TelegramPath, people: People, seconds: float, work: Path
) -> dict[str, Any]:
    """The stack saturated once more, every Vigie process under py-spy."""
    spy = Path(sys.executable).with_name("py-spy")
    recorders = []
    for service in layout.services:
        if service.process is None:
            continue
        output = work / f"profile-{service.name}.txt"
        command = [
            str(spy), "record", "--pid", str(service.process.pid), "--rate", str(PROFILE_RATE),
            "--duration", str(int(seconds)), "--format", "raw", "--output", str(output),
            "--nonblocking",
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        recorders.append((service.name, output, process))
    result = await closed_loop(path, people, SATURATION_CONVERSATIONS, seconds)
    profiles: dict[str, Any] = {"messages": len(result.latencies)}
    for name, output, process in recorders:
        try:
            _, errors = await asyncio.wait_for(process.communicate(), seconds + 60)
        except TimeoutError:
            process.kill()
            errors = b"timeout"
        if process.returncode != 0 or not output.exists():
            profiles[name] = {"error": errors.decode(errors="replace")[-300:]}
            continue
        profiles[name] = read_profile(output.read_text(errors="replace"))
    return profiles


# ------------------------------------------------------------------------- one layout


async def measure(
    rasa: int, bots: int, seconds: float, redis_url: str, profile: bool, first_person: int
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix=f"vigie-bench-scale-{rasa}x{bots}-"))
    config = LayoutConfig(bots=bots, rasa_replicas=rasa)
    async with Layout.running(work, redis_url, config, out=sys.stdout) as layout:
        fake = layout.fake
        rejected: list[str] = []
        rng = random.Random(11)
        layout.say("questions de la FAQ à une réponse")
        questions = await validated_questions(
            fake, KnowledgeBase.load(ROOT / "knowledge"), rng, QUESTIONS, rejected, first_person
        )
        replies = Replies(fake)
        replies.start()
        people = People(first_person + 1)
        telegram = TelegramPath(fake, replies, questions)
        run = os.urandom(4).hex()
        async with aiohttp.ClientSession() as session:
            urls = replica_urls(layout.settings.rasa_url, rasa)
            rasa_path = RasaPath(RasaClient(session, urls, timeout=60.0), questions, run)
            # Warm-up: every Rasa server and bot sees messages before the measures.
            await closed_loop(telegram, people, SATURATION_CONVERSATIONS, 5.0)
            await closed_loop(rasa_path, people, SATURATION_CONVERSATIONS, 3.0)

            layout.say(f"saturation de Rasa ({seconds:g} s)")
            rasa_only = await closed_loop(rasa_path, people, SATURATION_CONVERSATIONS, seconds)

            layout.say(f"saturation de la pile ({seconds:g} s)")
            groups = process_groups(layout)
            before = cpu_snapshot(groups)
            stack = await closed_loop(telegram, people, SATURATION_CONVERSATIONS, seconds)
            after = cpu_snapshot(groups)
            cpu = cpu_per_message(before, after, len(stack.latencies))

            layout.say(f"10 messages par seconde offerts ({seconds:g} s)")
            offered = await open_loop(
                telegram, people, OFFERED_CONVERSATIONS, OFFERED_PERIOD_S, seconds
            )
            profiles = None
            if profile:
                layout.say(f"saturation de la pile sous py-spy ({seconds:g} s)")
                profiles = await profiled_saturation(layout, telegram, people, seconds, work)
        await replies.stop()
        return {
            "layout": f"{rasa}x{bots}",
            "rasa_servers": rasa,
            "bot_processes": bots,
            "rasa_saturation": rasa_only.row(),
            "stack_saturation": stack.row(),
            "offered_10_per_s": offered.row(),
            "cpu_ms_per_message": cpu,
            "profile": profiles,
            "logs": str(layout.logs),
        }


# ------------------------------------------------------------------------- report


def ratio(results: list[dict[str, Any]], key: str, a: str, b: str) -> float | None:
    rows = {r["layout"]: r for r in results}
    if a not in rows or b not in rows or not rows[b][key]["per_s"]:
        return None
    return round(float(rows[a][key]["per_s"]) / float(rows[b][key]["per_s"]), 2)


def verdicts(results: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for the issue's three targets."""
    out = []
    rasa_ratio = ratio(results, "rasa_saturation", "2x1", "1x1") or ratio(
        results, "rasa_saturation", "2x2", "1x2"
    )
    if rasa_ratio is not None:
        out.append(
            (
                f"2 Rasa servers ≥ {TARGET_RASA_RATIO:g}× one (Rasa's saturation)",
                f"{rasa_ratio:.2f}×",
                rasa_ratio >= TARGET_RASA_RATIO,
            )
        )
    best = max(results, key=lambda r: r["stack_saturation"]["per_s"])
    out.append(
        (
            f"whole stack ≥ {TARGET_STACK_RATE:g} messages/s",
            f"{best['stack_saturation']['per_s']:.1f}/s ({best['layout']})",
            best["stack_saturation"]["per_s"] >= TARGET_STACK_RATE,
        )
    )
    for row in results:
        p95 = row["offered_10_per_s"]["p95_ms"]
        out.append(
            (
                f"p95 ≤ {TARGET_P95_MS:g} ms at 10 messages/s ({row['layout']})",
                f"{p95:.0f} ms",
                p95 <= TARGET_P95_MS,
            )
        )
    return out


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "layout RxB: R Rasa servers, B bot processes",
        f"{'layout':7} {'Rasa sat. msg/s':>16} {'stack sat. msg/s':>17} {'stack p95 ms':>13} "
        f"{'10/s p50 ms':>12} {'10/s p95 ms':>12} {'failures':>9}",
    ]
    for r in results:
        failures = sum(r[k]["failures"] for k in ("rasa_saturation", "stack_saturation"))
        failures += r["offered_10_per_s"]["failures"]
        lines.append(
            f"{r['layout']:7} {r['rasa_saturation']['per_s']:16.1f} "
            f"{r['stack_saturation']['per_s']:17.1f} {r['stack_saturation']['p95_ms']:13.0f} "
            f"{r['offered_10_per_s']['p50_ms']:12.0f} {r['offered_10_per_s']['p95_ms']:12.0f} "
            f"{failures:9d}"
        )
    for label, key, a, b in (
        ("Rasa saturation, 2 servers / 1 (1 bot)", "rasa_saturation", "2x1", "1x1"),
        ("Rasa saturation, 2 servers / 1 (2 bots)", "rasa_saturation", "2x2", "1x2"),
        ("stack saturation, 2 Rasa servers / 1 (1 bot)", "stack_saturation", "2x1", "1x1"),
        ("stack saturation, 2 bots / 1 (1 Rasa server)", "stack_saturation", "1x2", "1x1"),
        ("stack saturation, 2 bots / 1 (2 Rasa servers)", "stack_saturation", "2x2", "2x1"),
    ):
        value = ratio(results, key, a, b)
        if value is not None:
            lines.append(f"ratio: {label}: {value:.2f}×")
    lines.append("CPU per message answered at the stack's saturation (ms):")
    for r in results:
        cpu = ", ".join(f"{name} {ms:g}" for name, ms in r["cpu_ms_per_message"].items())
        lines.append(f"  {r['layout']}: {cpu}")
    lines.append("targets:")
    for target, measured, met in verdicts(results):
        lines.append(f"  {'PASS' if met else 'FAIL'}  {target}: {measured}")
    for r in results:
        if not r.get("profile"):
            continue
        lines.append(f"profile at saturation ({r['layout']}, py-spy, {PROFILE_RATE} samples/s):")
        for name, data in r["profile"].items():
            if name == "messages":
                continue
            if "error" in data:
                lines.append(f"  {name}: py-spy failed: {data['error']}")
                continue
            lines.append(f"  {name}: {data['samples']} samples")
            lines.append(
                "    own:   " + "; ".join(f"{share}% {function}" for function, share in data["own"])
            )
            lines.append(
                "    ours:  "
                + "; ".join(f"{share}% {function}" for function, share in data["ours"])
            )
    return "\n".join(lines)


def parse_layouts(text: str) -> list[tuple[int, int]]:
    layouts = []
    for item in text.split(","):
        rasa, _, bots = item.strip().partition("x")
        if not (rasa.isdigit() and bots.isdigit()) or not int(rasa) or not int(bots):
            raise argparse.ArgumentTypeError(f"layout {item!r}: RxB, e.g. 2x2")
        layouts.append((int(rasa), int(bots)))
    return layouts


async def run_all(args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    for number, (rasa, bots) in enumerate(args.layouts):
        profile = args.profile and number == len(args.layouts) - 1
        print(f"==> {rasa} serveur(s) Rasa, {bots} bot(s)", flush=True)
        results.append(
            await measure(
                rasa, bots, args.seconds, args.redis_url, profile, 20_000_000 + number * 1_000_000
            )
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="each measure's duration")
    parser.add_argument(
        "--layouts", type=parse_layouts, default=parse_layouts("1x1,2x1,1x2,2x2"),
        help="RxB, comma-separated (R Rasa servers, B bot processes)",
    )  # fmt: skip
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument(
        "--redis-url", default=os.environ.get("VIGIE_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    )
    parser.add_argument(
        "--json", type=Path, default=ROOT / "results" / "bench_scale.json", help="results file"
    )
    args = parser.parse_args()
    print("==> Banc d’essai de plusieurs processus (Rasa, bots, nginx, PostgreSQL, Redis)…")
    results = asyncio.run(run_all(args))
    print(report(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps({"seconds": args.seconds, "layouts": results}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
