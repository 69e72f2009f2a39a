"""A chaos harness: the real stack against the fake Telegram server, killed and disturbed.

The real Rasa server, the real action server and the bot as a real process
(``python -m bot telegram``) run against :class:`ChaosTelegram` (the fake Telegram server of
the tests, in this process), on a database given by URL (SQLite or PostgreSQL). Then:

- a warm-up on a spare chat, while the stack is calm, sends FAQ questions one at a time and
  records each one's reply; only questions answered by one message that starts with the
  title of their own article are kept, so that every reply of the run names its question;
- ticket forms are opened by registered staff and their first questions answered; Rasa is
  restarted (on its own, or by the outage below); then the forms go on and the tickets
  created are compared with the answers given before the restart;
- traffic: each chat sends each of its questions once, in its own seeded order, the chats
  taking turns at a fixed rate, while the bot is SIGKILLed at random moments and at the
  moment it confirms updates to Telegram (restarted at once each time), and Rasa is stopped
  for a while (then started again; its recovery is measured from the moment it is healthy).

:func:`run_chaos` returns the figures (:class:`ChaosReport`); it reports what happened and
never stops at the first loss. :func:`floor_failures` lists the floors a report misses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from pydantic import SecretStr
from sqlalchemy import select

from bot.supervisor import Service, actions_service, rasa_service
from tests.auxil.databases import admin_postgres_url, scratch_postgres
from tests.auxil.fake_telegram import FakeTelegram, FakeUser, JSONDict, parse_telegram_html
from tests.auxil.toggle_proxy import free_port
from vigie.conversation import texts
from vigie.core.pseudonym import pseudonymize
from vigie.core.redaction import redact
from vigie.core.settings import ROOT, Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.knowledge.loader import KnowledgeBase
from vigie.people.directory import Directory
from vigie.tickets.models import Ticket

SECRET = "chaos-secret-0123456789abcdefghijkl"
PROVIDER = "Infogérance Chaos"
HOTLINE = "01 23 45 67 89"
# The floor: a message sent while Rasa is down gets a reply within this many seconds of a
# bot able to answer it.
NOTICE_WINDOW_S = 2.0
# Settings that no environment value can bring back to their default None.
UNSETTABLE = frozenset({"technicians_chat_id"})
# Words that make each interrupted form's problem its own (no name, no number: nothing that
# redaction could change).
TREES = (
    "chênes",
    "hêtres",
    "érables",
    "tilleuls",
    "bouleaux",
    "sapins",
    "pins",
    "saules",
    "frênes",
    "ormes",
    "peupliers",
    "noyers",
    "cerisiers",
    "pommiers",
    "poiriers",
    "platanes",
    "marronniers",
    "aulnes",
    "charmes",
    "mélèzes",
    "cèdres",
    "oliviers",
    "figuiers",
    "acacias",
    "lilas",
)
# Beyond 25 forms, a tree and a colour (still no name, no number).
COLOURS = ("bleus", "verts", "rouges", "jaunes", "gris", "blancs", "noirs", "roses")


def form_word(index: int) -> str:
    """The words that make the ``index``-th form's problem its own: a tree, then a tree and a
    colour once the trees are used up (200 distinct)."""
    tree = TREES[index % len(TREES)]
    if index < len(TREES):
        return tree
    return f"{tree} {COLOURS[(index // len(TREES) - 1) % len(COLOURS)]}"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ChaosConfig:
    """What one run does. :meth:`full` is the issue's scenario, :meth:`short` the test's."""

    chats: int = 25
    questions: int = 20
    """Distinct FAQ questions; each chat sends ``messages_per_chat`` of them, each once."""
    messages_per_chat: int = 20
    rate_per_s: float = 5.0
    random_kills: int = 10
    confirm_kills: int = 10
    outage_at_s: float = 30.0
    """When Rasa is stopped, from the start of the traffic."""
    outage_s: float = 30.0
    """How long Rasa stays stopped before it is started again."""
    forms: int = 25
    form_restart_alone: bool = True
    """Restart Rasa on its own while the forms are open (else the outage interrupts them)."""
    drain_s: float = 60.0
    """How long to wait for the last answers once Rasa is healthy and the traffic sent."""
    quiet_s: float = 6.0
    """How long nothing more may arrive at the end (duplicates would show up meanwhile)."""
    step_timeout_s: float = 60.0
    """How long a form waits for each of its expected replies."""
    seed: int = 1

    @classmethod
    def full(cls, seed: int = 1) -> ChaosConfig:
        return cls(seed=seed)

    @classmethod
    def short(cls, seed: int = 1) -> ChaosConfig:
        return cls(
            chats=10,
            questions=6,
            messages_per_chat=6,
            rate_per_s=2.0,
            random_kills=2,
            confirm_kills=2,
            outage_at_s=8.0,
            outage_s=5.0,
            forms=5,
            form_restart_alone=False,
            drain_s=45.0,
            quiet_s=6.0,
            step_timeout_s=45.0,
            seed=seed,
        )

    @property
    def sent(self) -> int:
        return self.chats * self.messages_per_chat


# --------------------------------------------------------------------------- the fake server


class ChaosTelegram(FakeTelegram):
    """The fake Telegram server, with a hook at the moment the bot confirms updates.

    When :attr:`on_confirm` is set and a ``getUpdates`` call arrives whose offset confirms
    updates not confirmed before, the confirmation is applied (they are dropped, as Telegram
    does), the hook is called once with their ids (it SIGKILLs the bot), and the call is
    answered with no update. Every other call behaves as in :class:`FakeTelegram`.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self.polls = 0
        self.on_confirm: Callable[[list[int]], None] | None = None
        self.poll_log: list[dict[str, Any]] = []
        """Each getUpdates call: when it came and ended, its offset, the updates returned."""

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        self.polls += 1
        offset = int(params.get("offset") or 0)
        entry: dict[str, Any] = {"at": time.time(), "offset": offset}
        self.poll_log.append(entry)
        hook = self.on_confirm
        if hook is not None and offset > 0 and not self.webhook_url:
            confirmed = [u["update_id"] for u in self._pending if u["update_id"] < offset]
            if confirmed:
                self.on_confirm = None
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                self.acknowledged_offset = max(self.acknowledged_offset, offset)
                hook(confirmed)
                entry.update(end=time.time(), killed_after_confirming=confirmed)
                return []
        try:
            updates = await super()._get_updates(params)
        except Exception as exc:
            entry.update(end=time.time(), error=str(exc)[:80])
            raise
        entry.update(end=time.time(), returned=[u["update_id"] for u in updates])
        return updates


# --------------------------------------------------------------------------- processes


def settings_env(settings: Settings) -> dict[str, str]:
    """Every setting as an environment variable (the developer's shell and .env overridden)."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None and name in UNSETTABLE:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        env[name.upper()] = "" if value is None else str(value)
    return env


def process_env(settings: Settings) -> dict[str, str]:
    """This process's environment without any setting, then every setting of ``settings``."""
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    return {**env, **settings_env(settings)}


class BotRunner:
    """``python -m bot telegram`` as a real process: started, SIGKILLed, restarted."""

    def __init__(self, settings: Settings, fake: ChaosTelegram, log: Path) -> None:
        self.env = process_env(settings)
        self.fake = fake
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.started_polls = 0
        self.kills = 0
        self.lives: list[tuple[int, float]] = []
        """(index in the fake's poll log of its first poll, killed at) of each process."""

    def start(self) -> None:
        self.started_polls = self.fake.polls
        self.lives.append((self.started_polls, float("inf")))
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "telegram"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1
            self.lives[-1] = (self.lives[-1][0], time.time())

    def kill_and_restart(self) -> None:
        self.kill()
        self.start()

    def up_since(self, at: float) -> float:
        """When a bot could first answer a message sent at ``at``: then, if the bot polling
        then lives 2 s more, else the first poll of the next bot that does (a process killed
        before its 2 s sends nothing; infinity if none ever does)."""
        for first_poll, killed in self.lives:
            if first_poll >= len(self.fake.poll_log):
                continue  # never polled
            start = max(at, float(self.fake.poll_log[first_poll]["at"]))
            if killed - start >= NOTICE_WINDOW_S:
                return start
        return float("inf")

    def polling(self) -> bool:
        """The current process has called getUpdates at least once since it started."""
        return self.fake.polls > self.started_polls

    async def wait_polling(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.polling():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the bot exited; log:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot does not poll; log:\n{self.tail()}")
            await asyncio.sleep(0.05)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    async def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait, 10)


@contextlib.asynccontextmanager
async def fresh_database(kind: str, work: Path) -> AsyncIterator[str]:
    """URL of an empty database of ``kind`` ("sqlite" or "postgresql"), dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{work / 'vigie.db'}"
        return
    async with scratch_postgres(admin_postgres_url(), "vigie_chaos") as url:
        yield url


# --------------------------------------------------------------------------- the questions


@dataclass(frozen=True)
class Question:
    topic: str
    text: str
    reply: str = ""
    """The plain text of its one-message answer, recorded by the warm-up."""


def candidate_questions() -> list[Question]:
    """FAQ questions of the held-out NLU set (never trained on), one list per topic, seeded
    order within a topic; texts that redaction would change are left out."""
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout.yml").read_text(encoding="utf-8"))
    questions: list[Question] = []
    for entry in data["nlu"]:
        intent = str(entry["intent"])
        if not intent.startswith("faq/"):
            continue
        for line in str(entry["examples"]).splitlines():
            text = line.strip().removeprefix("- ").strip()
            if line.strip().startswith("- ") and text and not redact(text).found:
                questions.append(Question(intent.removeprefix("faq/"), text))
    return questions


# --------------------------------------------------------------------------- conversations
#
# Shared with other harnesses (tests/auxil/layout.py: several bot processes behind nginx): each
# takes the fake server the bot answers through.


def loose(text: str) -> str:
    """Lower case, any run of spaces (no-break ones included) as one space."""
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split()).lower()


def buttons(message: JSONDict) -> dict[str, str]:
    """The inline buttons of a message: text → callback data."""
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def next_message(
    fake: FakeTelegram, chat_id: int, cursor: list[int], timeout: float
) -> JSONDict:
    """The chat's next message after ``cursor[0]`` (moved on); AssertionError after ``timeout``."""
    messages = await fake.wait_for_messages(chat_id, cursor[0] + 1, timeout)
    cursor[0] += 1
    return messages[cursor[0] - 1]


async def message_containing(
    fake: FakeTelegram, chat_id: int, cursor: list[int], needle: str, timeout: float
) -> JSONDict | None:
    """The chat's next message containing ``needle`` (others skipped), None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            message = await next_message(fake, chat_id, cursor, remaining)
        except AssertionError:
            return None
        if needle in (message.get("plain_text") or ""):
            return message


async def validated_questions(
    fake: FakeTelegram,
    kb: KnowledgeBase,
    rng: random.Random,
    count: int,
    rejected: list[str],
    spare_chat: int = 9_000_001,
) -> list[Question]:
    """Ask candidates on a spare chat, one at a time; keep one question per topic whose answer
    is one message starting with its article's title, with distinct answers (``count`` of
    them, else RuntimeError); what was left out is added to ``rejected``."""
    spare = fake.user(spare_chat)
    by_topic: dict[str, list[Question]] = {}
    for question in candidate_questions():
        by_topic.setdefault(question.topic, []).append(question)
    topics = sorted(by_topic)
    rng.shuffle(topics)
    kept: list[Question] = []
    replies: set[str] = set()
    cursor = len(fake.messages_to(spare.id))
    for topic in topics:
        if len(kept) >= count:
            break
        title = parse_telegram_html(kb.get(topic).title.replace("**", ""))[0]
        for question in by_topic[topic][:3]:
            fake.send_text(spare, question.text)
            try:
                await fake.wait_for_messages(spare.id, cursor + 1, timeout=30)
            except AssertionError:
                rejected.append(f"{topic}: {question.text} (no reply)")
                break
            await asyncio.sleep(0.5)  # a second message of the same answer, if any
            new = fake.messages_to(spare.id)[cursor:]
            cursor += len(new)
            text = (new[0].get("plain_text") or "").strip()
            if (
                len(new) == 1
                and loose(text).startswith(loose(title)[:15])
                and (text not in replies)
            ):
                kept.append(Question(topic, question.text, text))
                replies.add(text)
                break
            rejected.append(f"{topic}: {question.text} ({len(new)} message(s): {text[:50]!r})")
    if len(kept) < count:
        raise RuntimeError(f"only {len(kept)} FAQ questions validated, {count} needed: {rejected}")
    return kept


async def register_staff(
    database_url: str, users: list[FakeUser], secret: str, facility: str = "EHPAD Le Chaos"
) -> None:
    """Register ``users`` as staff of a new facility (an invitation redeemed, as /start does)."""
    engine = create_engine(database_url)
    try:
        directory = Directory(make_sessionmaker(engine))
        created = await directory.create_facility(facility, "Rodez", hours="24/7")
        invitation = await directory.create_invitation(facility_id=created.id, role="staff")
        for user in users:
            await directory.redeem_invitation(
                invitation.code,
                channel="telegram",
                chat_id=user.id,
                sender=pseudonymize(user.id, secret.encode()),
            )
    finally:
        await engine.dispose()


def form_problem(outcome: FormOutcome) -> str:
    """The problem a form describes, naming its own words."""
    return f"l imprimante du pavillon des {outcome.word} n imprime plus les plans de soins"


async def open_ticket_form(
    fake: FakeTelegram, user: FakeUser, outcome: FormOutcome, cursor: list[int], timeout: float
) -> None:
    """Start a ticket, describe the problem, choose the device: then wait (« Qui est touché »
    asked: ``outcome.opened``)."""
    fake.send_text(user, "je voudrais ouvrir un ticket")
    if await message_containing(fake, user.id, cursor, "Décrivez le problème", timeout) is None:
        outcome.stuck_at = "Décrivez le problème"
        return
    fake.send_text(user, form_problem(outcome))
    device = await message_containing(fake, user.id, cursor, "Sur quoi porte le problème", timeout)
    if device is None or "Imprimante" not in buttons(device):
        outcome.stuck_at = "Sur quoi porte le problème"
        return
    fake.press_button(user, device, buttons(device)["Imprimante"])
    if await message_containing(fake, user.id, cursor, "Qui est touché", timeout) is None:
        outcome.stuck_at = "Qui est touché"
        return
    outcome.opened = True


async def finish_ticket_form(
    fake: FakeTelegram,
    database_url: str,
    user: FakeUser,
    outcome: FormOutcome,
    cursor: list[int],
    timeout: float,
) -> None:
    """Answer the remaining questions of an opened form, confirm, check the ticket in the
    database: ``outcome.finished``, ``earlier_answers_kept`` (its problem, the device and the
    scope answered before), ``reference``."""
    if not outcome.opened:
        return
    seen = cursor[0]
    fake.send_text(user, "tout le service")
    care = await message_containing(
        fake, user.id, cursor, "Les soins peuvent-ils continuer", timeout
    )
    outcome.replies_after_restart = [
        (m.get("plain_text") or "")[:80] for m in fake.messages_to(user.id)[seen:]
    ]
    if care is None or "Avec difficulté" not in buttons(care):
        outcome.stuck_at = "Les soins peuvent-ils continuer (after the restart)"
        return
    fake.press_button(user, care, buttons(care)["Avec difficulté"])
    summary = await message_containing(fake, user.id, cursor, "Voici votre demande", timeout)
    if summary is None or "Confirmer" not in buttons(summary):
        outcome.stuck_at = "Voici votre demande"
        return
    fake.press_button(user, summary, buttons(summary)["Confirmer"])
    created = await message_containing(fake, user.id, cursor, "C’est envoyé", timeout)
    if created is None:
        outcome.stuck_at = "C’est envoyé"
        return
    outcome.finished = True
    engine = create_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            tickets = (
                await session.scalars(
                    select(Ticket).where(Ticket.problem.contains(f"des {outcome.word} "))
                )
            ).all()
    finally:
        await engine.dispose()
    for ticket in tickets:
        if ticket.reference in (created.get("plain_text") or ""):
            outcome.reference = ticket.reference
            outcome.earlier_answers_kept = (
                outcome.word in ticket.problem
                and ticket.device == "printer"
                and ticket.scope == "service"
            )


# --------------------------------------------------------------------------- the report


@dataclass
class FormOutcome:
    chat_id: int
    word: str
    opened: bool = False
    """The first answers were given before the restart."""
    finished: bool = False
    """The form went on after the restart and a ticket was created."""
    earlier_answers_kept: bool = False
    """The ticket carries the answers given before the restart."""
    reference: str = ""
    stuck_at: str = ""
    replies_after_restart: list[str] = field(default_factory=list)
    """The beginning of each reply to the first answer given after the restart."""


@dataclass
class ChaosReport:
    database: str
    config: dict[str, Any]
    questions: list[str] = field(default_factory=list)
    rejected_questions: list[str] = field(default_factory=list)
    sent: int = 0
    answered_once: int = 0
    lost: int = 0
    duplicated: int = 0
    order_violations: int = 0
    degraded_notices: int = 0
    sent_while_rasa_down: int = 0
    sent_while_bot_down: int = 0
    """Of those, sent while no bot was polling (their 2 s run from the next bot's start)."""
    notified_within_2s: int = 0
    missing_notices: int = 0
    max_notice_delay_s: float | None = None
    other_texts: int = 0
    other_samples: list[str] = field(default_factory=list)
    pending_at_healthy: int = 0
    """Messages sent before Rasa was healthy again and not answered by then."""
    pending_never_answered: int = 0
    recovery_s: float | None = None
    """From Rasa healthy again to the last pending answer delivered (of those delivered)."""
    lost_messages: list[dict[str, Any]] = field(default_factory=list)
    """Each lost message: chat, question, when it was sent (seconds from the first send)."""
    rasa_down_s: float = 0.0
    """From Rasa stopped to Rasa healthy again."""
    random_kills: int = 0
    confirm_kills: int = 0
    confirm_kills_missed: int = 0
    last_kill_s: float = 0.0
    """When the last kill came, from the start of the traffic."""
    traffic_s: float = 0.0
    """How long the traffic lasted."""
    updates_confirmed_at_kills: int = 0
    forms: int = 0
    forms_opened: int = 0
    forms_finished: int = 0
    forms_with_earlier_answers: int = 0
    form_outcomes: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def floor_failures(report: ChaosReport) -> list[str]:
    """The issue's floors this report misses (empty when all hold)."""
    failures = []
    if report.lost:
        failures.append(f"{report.lost} lost")
    if report.duplicated:
        failures.append(f"{report.duplicated} duplicated")
    if report.order_violations:
        failures.append(f"{report.order_violations} order violations")
    if report.notified_within_2s < report.sent_while_rasa_down:
        failures.append(
            f"{report.sent_while_rasa_down - report.notified_within_2s} of "
            f"{report.sent_while_rasa_down} messages sent while Rasa was down without a degraded "
            "reply within 2 s"
        )
    if report.recovery_s is not None and report.recovery_s > 30.0:
        failures.append(f"recovery {report.recovery_s} s (floor: 30 s)")
    if report.pending_never_answered:
        failures.append(
            f"{report.pending_never_answered} of {report.pending_at_healthy} answers pending "
            "when Rasa was healthy again never delivered"
        )
    if report.forms_with_earlier_answers < report.forms:
        failures.append(
            f"{report.forms - report.forms_with_earlier_answers} of {report.forms} interrupted "
            "forms not finished with their earlier answers"
        )
    return failures


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def table(report: ChaosReport) -> str:
    """The figures of one run, one per line."""
    rows = [
        ("database", report.database),
        ("sent", str(report.sent)),
        ("answered once", str(report.answered_once)),
        ("lost", str(report.lost)),
        ("duplicated", str(report.duplicated)),
        ("order violations", str(report.order_violations)),
        ("degraded notices", str(report.degraded_notices)),
        (
            "sent while Rasa down",
            f"{report.sent_while_rasa_down} (notified within 2 s: {report.notified_within_2s}, "
            f"never notified: {report.missing_notices}; {report.sent_while_bot_down} while "
            "no bot could answer)",
        ),
        ("max delay to notice", _seconds(report.max_notice_delay_s)),
        ("Rasa down (stop → healthy)", _seconds(report.rasa_down_s)),
        (
            "recovery (healthy → last answer)",
            f"{_seconds(report.recovery_s)} ({report.pending_at_healthy} pending at healthy, "
            f"{report.pending_never_answered} never answered)",
        ),
        ("other texts", str(report.other_texts)),
        (
            "kills",
            f"{report.random_kills} random, {report.confirm_kills} at confirmation "
            f"({report.updates_confirmed_at_kills} updates confirmed then; "
            f"{report.confirm_kills_missed} not triggered); last one {report.last_kill_s:.0f} s "
            f"into the traffic of {report.traffic_s:.0f} s",
        ),
        (
            "interrupted forms",
            f"{report.forms}: opened {report.forms_opened}, finished {report.forms_finished}, "
            f"with earlier answers {report.forms_with_earlier_answers}",
        ),
        ("duration", f"{report.seconds:.0f} s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


# --------------------------------------------------------------------------- the run


class Chaos:
    """One run on one database (see :func:`run_chaos`)."""

    def __init__(
        self, config: ChaosConfig, database: str, database_url: str, work: Path, out: Any
    ) -> None:
        self.config = config
        self.database_url = database_url
        self.work = work
        self.out = out
        self.rng = random.Random(config.seed)
        self.fake = ChaosTelegram(first_update_id=1)
        self.report = ChaosReport(database, asdict(config), forms=config.forms)
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_bot_token=SecretStr(self.fake.token),
            telegram_mode="polling",
            database_url=database_url,
            journal_dir=work,
            rasa_port=free_port(),
            actions_port=free_port(),
            pseudonym_secret=SecretStr(SECRET),
            provider_name=PROVIDER,
            provider_hotline=HOTLINE,
            provider_hours="24/7",  # the degraded reply compared below: the day's wording
        )
        self.services: list[Service] = []
        self.bot: BotRunner | None = None
        self.degraded = parse_telegram_html(texts.fill(texts.DEGRADED, self.settings.contacts()))[
            0
        ].strip()
        self.kb = KnowledgeBase.load(ROOT / "knowledge")
        # Traffic bookkeeping: (chat, question index, sent at).
        self.sends: list[tuple[int, int, float]] = []
        self.rasa_stopped_at: float | None = None
        self.rasa_healthy_at: float | None = None
        self.confirm_killed = asyncio.Event()
        self.events: list[tuple[float, str]] = []
        self.kills_started = time.monotonic()
        """What the harness did, when (wall clock): kills, Rasa stopped and healthy…"""

    def event(self, what: str) -> None:
        self.events.append((time.time(), what))

    def write_timeline(self) -> None:
        """The run's timeline next to its logs, to explain its figures."""
        timeline = {
            "events": self.events,
            "sends": self.sends,
            "polls": self.fake.poll_log,
            "received": [
                {"chat": r["chat_id"], "at": r["time"], "text": (r.get("plain_text") or "")[:40]}
                for r in self.fake.sent
            ],
        }
        path = self.work / "logs" / "timeline.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(timeline, ensure_ascii=False), encoding="utf-8")

    def say(self, line: str) -> None:
        if self.out is not None:
            self.out.write(f"  … {line}\n")
            self.out.flush()

    # ----------------------------------------------------------------- stack

    def _service_env(self, service: Service) -> Service:
        service.env = {**service.env, **settings_env(self.settings)}
        return service

    async def start_stack(self, session: aiohttp.ClientSession) -> None:
        await asyncio.to_thread(upgrade, self.database_url)
        logs = self.work / "logs"
        self.services = [
            self._service_env(actions_service(self.settings, logs)),
            self._service_env(rasa_service(self.settings, logs)),
        ]
        self.say("Rasa et le serveur d’actions démarrent")
        for service in self.services:
            await service.start()
        await asyncio.gather(*(s.wait_healthy(session, None) for s in self.services))
        self.settings = self.settings.model_copy(
            update={
                "telegram_base_url": self.fake.base_url,
                "telegram_base_file_url": self.fake.base_file_url,
                "rasa_url": f"http://127.0.0.1:{self.settings.rasa_port}",
            }
        )
        self.bot = BotRunner(self.settings, self.fake, logs / "bot.log")
        self.bot.start()
        await self.bot.wait_polling()

    @property
    def rasa(self) -> Service:
        return self.services[1]

    async def stop_rasa(self) -> None:
        await self.rasa.stop()

    async def start_rasa(self, session: aiohttp.ClientSession) -> float:
        """Start Rasa again; the moment it is healthy (wall clock)."""
        await self.rasa.start()
        await self.rasa.wait_healthy(session, None)
        return time.time()

    async def stop_stack(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        for service in reversed(self.services):
            await service.stop()

    # ----------------------------------------------------------------- reading replies

    async def next_message(self, chat_id: int, cursor: list[int], timeout: float) -> JSONDict:
        return await next_message(self.fake, chat_id, cursor, timeout)

    async def until(
        self, chat_id: int, cursor: list[int], needle: str, timeout: float
    ) -> JSONDict | None:
        """The next message containing ``needle`` (others skipped), None after ``timeout``."""
        return await message_containing(self.fake, chat_id, cursor, needle, timeout)

    # ----------------------------------------------------------------- warm-up

    async def warm_up(self) -> list[Question]:
        """Ask candidates on a spare chat, one at a time; keep one question per topic whose
        answer is one message starting with its article's title, with distinct answers."""
        kept = await validated_questions(
            self.fake, self.kb, self.rng, self.config.questions, self.report.rejected_questions
        )
        self.report.questions = [f"{q.topic}: {q.text}" for q in kept]
        return kept

    # ----------------------------------------------------------------- forms

    async def register_staff(self, users: list[FakeUser]) -> None:
        await register_staff(self.database_url, users, SECRET)

    def form_users(self) -> list[tuple[FakeUser, FormOutcome]]:
        return [
            (self.fake.user(8_000_001 + i), FormOutcome(8_000_001 + i, form_word(i)))
            for i in range(self.config.forms)
        ]

    @staticmethod
    def problem(outcome: FormOutcome) -> str:
        return form_problem(outcome)

    async def open_form(self, user: FakeUser, outcome: FormOutcome, cursor: list[int]) -> None:
        """Start a ticket, describe the problem, choose the device: then wait."""
        await open_ticket_form(self.fake, user, outcome, cursor, self.config.step_timeout_s)

    async def finish_form(self, user: FakeUser, outcome: FormOutcome, cursor: list[int]) -> None:
        """Answer the remaining questions after the restart, confirm, check the ticket."""
        await finish_ticket_form(
            self.fake, self.database_url, user, outcome, cursor, self.config.step_timeout_s
        )

    # ----------------------------------------------------------------- traffic and chaos

    def on_confirm(self, confirmed: list[int]) -> None:
        assert self.bot is not None
        self.report.confirm_kills += 1
        self.report.updates_confirmed_at_kills += len(confirmed)
        self.event(f"kill at confirmation of {len(confirmed)} updates")
        self.report.last_kill_s = round(time.monotonic() - self.kills_started, 1)
        self.bot.kill_and_restart()
        self.confirm_killed.set()

    async def kills(self, duration: float) -> None:
        """The bot SIGKILLed at seeded random moments, some when it confirms updates.

        The traffic is cut into as many slots as kills, each kill at a random moment of its
        slot (in a seeded random order of kinds). A restarted bot takes seconds to start on a
        busy machine: a random kill whose moment comes while the bot is not polling yet
        happens at a random moment of the next 2 s of the bot's life (not at its very first
        poll); a kill at confirmation is armed as soon as the bot polls, and happens at its
        next confirmation (not triggered within 15 s: counted apart). Kills that restarts
        delayed past the traffic go on during the drain (see ``last_kill_s``).
        """
        assert self.bot is not None
        kinds = ["random"] * self.config.random_kills + ["confirm"] * self.config.confirm_kills
        self.rng.shuffle(kinds)
        slot = duration / max(1, len(kinds))
        moments = [slot * (n + self.rng.uniform(0.1, 0.9)) for n in range(len(kinds))]
        started = self.kills_started = time.monotonic()
        for kind, moment in zip(kinds, moments, strict=True):
            await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
            late = not self.bot.polling()
            await self.bot.wait_polling()
            if late and kind == "random":
                first_poll = self.fake.poll_log[self.bot.started_polls]["at"]
                kill_at = first_poll + self.rng.uniform(0.0, 2.0)
                await asyncio.sleep(max(0.0, kill_at - time.time()))
            if kind == "random":
                self.report.last_kill_s = round(time.monotonic() - started, 1)
                self.event("random kill")
                self.bot.kill_and_restart()
                self.report.random_kills += 1
                continue
            self.confirm_killed = asyncio.Event()
            self.fake.on_confirm = self.on_confirm
            try:
                await asyncio.wait_for(self.confirm_killed.wait(), 15.0)
            except TimeoutError:
                self.event("kill at confirmation not triggered")
                self.fake.on_confirm = None
                self.report.confirm_kills_missed += 1

    async def outage(self, session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(self.config.outage_at_s)
        self.say("Rasa arrêté")
        # Down from the stop signal on (a message Rasa still answers meanwhile is answered
        # within 2 s, which the figures count as a reply in time).
        self.rasa_stopped_at = time.time()
        self.event("Rasa stopping")
        await self.stop_rasa()
        self.event("Rasa stopped")
        await asyncio.sleep(self.config.outage_s)
        self.say("Rasa redémarre")
        self.event("Rasa starting")
        self.rasa_healthy_at = await self.start_rasa(session)
        self.event("Rasa healthy")
        self.say(f"Rasa prêt ({self.rasa_healthy_at - self.rasa_stopped_at:.0f} s après l’arrêt)")

    async def traffic(self, questions: list[Question]) -> None:
        """Each chat sends its questions in its own seeded order; the chats take turns."""
        users = [self.fake.user(7_000_001 + i) for i in range(self.config.chats)]
        orders = {
            user.id: self.rng.sample(range(len(questions)), self.config.messages_per_chat)
            for user in users
        }
        schedule: list[tuple[FakeUser, int]] = []
        for n in range(self.config.messages_per_chat):
            turn = list(users)
            self.rng.shuffle(turn)
            schedule.extend((user, orders[user.id][n]) for user in turn)
        period = 1.0 / self.config.rate_per_s
        started = time.monotonic()
        for i, (user, index) in enumerate(schedule):
            await asyncio.sleep(max(0.0, started + i * period - time.monotonic()))
            self.fake.send_text(user, questions[index].text)
            self.sends.append((user.id, index, time.time()))
        self.report.traffic_s = round(time.monotonic() - started, 1)

    def answers(self, questions: list[Question]) -> dict[int, list[tuple[int | None, JSONDict]]]:
        """Per traffic chat, each message received: the question it answers (None: other)."""
        by_text = {q.reply: i for i, q in enumerate(questions)}
        chats = {chat for chat, _, _ in self.sends}
        result: dict[int, list[tuple[int | None, JSONDict]]] = {chat: [] for chat in chats}
        for record in self.fake.sent:
            if record["chat_id"] in result:
                text = (record.get("plain_text") or "").strip()
                result[record["chat_id"]].append((by_text.get(text), record))
        return result

    def all_answered(self, questions: list[Question]) -> bool:
        answered = {
            (chat, index)
            for chat, items in self.answers(questions).items()
            for index, _ in items
            if index is not None
        }
        return all((chat, index) in answered for chat, index, _ in self.sends)

    async def drain(self, questions: list[Question]) -> None:
        """Wait for the last answers (bounded), then for a quiet period (duplicates)."""
        deadline = time.monotonic() + self.config.drain_s
        while time.monotonic() < deadline:
            if self.all_answered(questions):
                break
            await asyncio.sleep(0.2)
        quiet_until = time.monotonic() + self.config.quiet_s
        count = len(self.fake.sent)
        while time.monotonic() < quiet_until:
            await asyncio.sleep(0.2)
            if len(self.fake.sent) != count:
                count = len(self.fake.sent)
                quiet_until = time.monotonic() + self.config.quiet_s

    def analyse(self, questions: list[Question]) -> None:
        report = self.report
        answers = self.answers(questions)
        report.sent = len(self.sends)
        order = {(chat, index): n for n, (chat, index, _) in enumerate(self.sends)}
        healthy, stopped = self.rasa_healthy_at, self.rasa_stopped_at
        first_sent = self.sends[0][2] if self.sends else 0.0
        last_pending_answer = 0.0
        pending_unanswered = 0
        for chat, items in answers.items():
            counts: dict[int, int] = {}
            first_answer: dict[int, float] = {}
            latest = -1
            for index, record in items:
                if index is None:
                    if (record.get("plain_text") or "").strip() == self.degraded:
                        report.degraded_notices += 1
                    else:
                        report.other_texts += 1
                        if len(report.other_samples) < 20:
                            report.other_samples.append((record.get("plain_text") or "")[:80])
                    continue
                if (chat, index) not in order:
                    report.other_texts += 1  # an answer to a question this chat never sent
                    continue
                counts[index] = counts.get(index, 0) + 1
                if counts[index] > 1:
                    continue
                first_answer[index] = record["time"]
                if order[(chat, index)] < latest:
                    report.order_violations += 1
                latest = max(latest, order[(chat, index)])
            for sent_chat, index, at in self.sends:
                if sent_chat != chat:
                    continue
                count = counts.get(index, 0)
                report.answered_once += count == 1
                report.lost += count == 0
                if count == 0:
                    report.lost_messages.append(
                        {"chat": chat, "question": index, "sent_s": round(at - first_sent, 1)}
                    )
                report.duplicated += count > 1
                if healthy is not None and at < healthy:
                    answered = first_answer.get(index)
                    if answered is None:
                        pending_unanswered += 1
                        report.pending_at_healthy += 1
                    elif answered >= healthy:
                        report.pending_at_healthy += 1
                        last_pending_answer = max(last_pending_answer, answered)
            if stopped is not None and healthy is not None:
                self.match_notices(chat, items, first_answer, stopped, healthy)
        if healthy is not None and stopped is not None:
            report.rasa_down_s = round(healthy - stopped, 1)
            report.pending_never_answered = pending_unanswered
            if report.pending_at_healthy > pending_unanswered:
                report.recovery_s = round(max(0.0, last_pending_answer - healthy), 1)
        if report.max_notice_delay_s is not None:
            report.max_notice_delay_s = round(report.max_notice_delay_s, 1)

    def match_notices(
        self,
        chat: int,
        items: list[tuple[int | None, JSONDict]],
        first_answer: dict[int, float],
        stopped: float,
        healthy: float,
    ) -> None:
        """Degraded notices of a chat matched with its messages sent while Rasa was down.

        A notice does not name its message: a message answered within 2 s needs none (and
        takes none meant for another); otherwise it takes a notice not taken yet within 2 s
        after it (a chat writes every few seconds, so these windows do not overlap); a
        message left without either then takes
        the first notice not taken yet after it, for the delay, or is never notified. The
        2 s run from the message, or, when no bot was running then (killed, restarting) or
        the bot was killed within 2 s, from the first poll of the next bot.
        """
        report = self.report
        notices = [
            record["time"]
            for index, record in items
            if index is None and (record.get("plain_text") or "").strip() == self.degraded
        ]
        taken = [False] * len(notices)
        late: list[tuple[int, float]] = []
        for sent_chat, index, at in self.sends:
            if sent_chat != chat or not stopped <= at <= healthy:
                continue
            report.sent_while_rasa_down += 1
            answered = first_answer.get(index)
            ready = self.bot.up_since(at) if self.bot is not None else at
            ready = at if ready == float("inf") else ready
            report.sent_while_bot_down += ready > at
            if answered is not None and answered - ready <= NOTICE_WINDOW_S:
                # Answered in time: it needs no notice, and takes none meant for another.
                delay = max(0.0, answered - ready)
            else:
                found = next(
                    (
                        n
                        for n, t in enumerate(notices)
                        if not taken[n] and at <= t <= ready + NOTICE_WINDOW_S
                    ),
                    None,
                )
                if found is None:
                    late.append((index, ready))
                    continue
                taken[found] = True
                delay = max(0.0, notices[found] - ready)
            report.notified_within_2s += 1
            report.max_notice_delay_s = max(report.max_notice_delay_s or 0.0, delay)
        for index, ready in late:
            found = next((n for n, t in enumerate(notices) if not taken[n] and t >= ready), None)
            answered = first_answer.get(index)
            delays = [answered - ready] if answered is not None else []
            if found is not None:
                taken[found] = True
                delays.append(notices[found] - ready)
            if not delays:
                report.missing_notices += 1
                continue
            report.max_notice_delay_s = max(report.max_notice_delay_s or 0.0, min(delays))

    async def run(self) -> ChaosReport:
        started = time.monotonic()
        await self.fake.start()
        try:
            async with aiohttp.ClientSession() as session:
                await self.start_stack(session)
                self.say("échauffement (questions validées une à une)")
                questions = await self.warm_up()
                forms = self.form_users()
                await self.register_staff([user for user, _ in forms])
                cursors = {user.id: [0] for user, _ in forms}
                self.say(f"{len(forms)} formulaires de ticket ouverts")
                await asyncio.gather(
                    *(self.open_form(user, outcome, cursors[user.id]) for user, outcome in forms)
                )
                if self.config.form_restart_alone:
                    self.say("Rasa redémarré pendant les formulaires")
                    await self.stop_rasa()
                    await self.start_rasa(session)
                    await self.finish_forms(forms, cursors)
                duration = self.config.sent / self.config.rate_per_s
                self.say(
                    f"{self.config.sent} messages de {self.config.chats} conversations, "
                    f"{self.config.rate_per_s:g} par seconde, bot tué "
                    f"{self.config.random_kills + self.config.confirm_kills} fois"
                )
                await asyncio.gather(
                    self.traffic(questions), self.kills(duration), self.outage(session)
                )
                self.say("attente des dernières réponses")
                await self.drain(questions)
                if not self.config.form_restart_alone:
                    await self.finish_forms(forms, cursors)
                self.analyse(questions)
        finally:
            self.fake.on_confirm = None
            self.write_timeline()
            await self.stop_stack()
            await self.fake.stop()
        self.report.seconds = round(time.monotonic() - started, 1)
        return self.report

    async def finish_forms(
        self, forms: list[tuple[FakeUser, FormOutcome]], cursors: dict[int, list[int]]
    ) -> None:
        self.say("les formulaires continuent")
        await asyncio.gather(
            *(self.finish_form(user, outcome, cursors[user.id]) for user, outcome in forms)
        )
        report = self.report
        report.forms_opened = sum(o.opened for _, o in forms)
        report.forms_finished = sum(o.finished for _, o in forms)
        report.forms_with_earlier_answers = sum(o.earlier_answers_kept for _, o in forms)
        report.form_outcomes = [asdict(o) for _, o in forms]


async def run_chaos(
    config: ChaosConfig, database: str, database_url: str, work: Path, out: Any = None
) -> ChaosReport:
    """One chaos run on ``database_url`` (an empty database); logs under ``work``."""
    return await Chaos(config, database, database_url, work, out).run()
