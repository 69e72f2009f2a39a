"""The production layout under fire: two bot processes behind the real nginx, two Rasa servers,
PostgreSQL and Redis, the fake Telegram server delivering updates by webhook (per chat one at a
time, up to 40 in parallel), as in docs/deployment.md (harness: tests/auxil/layout.py).

(a) 50 conversations, each with a ticket form in progress; one Rasa server and one bot process
    are SIGKILLed in the middle and started again at once: every message is answered exactly
    once and in order, every form ends with a ticket carrying the answers given before the
    kills, the technician is told of each ticket exactly once, no lock error or traceback in
    the logs. The kills come while Telegram holds the bots' calls, half a second after it
    answered the last one it accepted: a kill in the moments after an answer's acceptance is
    the network's leg of its delivery, which no client can close (docs/architecture.md). The
    « message bien enregistré » notice is allowed (counted): the bot sends it, as with one
    Rasa server down, when the surviving server takes longer than RASA_TIMEOUT_SECONDS to
    answer, on a busy machine.
(b) a rolling restart of everything under a steady load of 10 messages a second: the bot
    processes one at a time (SIGTERM, restart, nginx's ``fail_timeout``), then the Rasa servers
    one at a time (SIGTERM, restart, the bots' pass-over): nothing lost, nothing answered twice,
    order kept; the latency's p95 is printed and bounded.

One layout is started for the module (about 10 s); (a) then (b) run on it with chats of their
own. docs/chaos.md (« Several processes ») has the figures.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select

from tests.auxil.chaos import (
    FormOutcome,
    finish_ticket_form,
    form_word,
    open_ticket_form,
    register_staff,
    validated_questions,
)
from tests.auxil.fake_telegram import FakeUser
from tests.auxil.layout import FaqTraffic, Layout, LayoutConfig, percentile
from tests.e2e.conftest import MODEL
from vigie.conversation.models import InboxItem
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import ROOT
from vigie.db.engine import create_engine, make_sessionmaker
from vigie.knowledge.loader import KnowledgeBase
from vigie.people.directory import Directory
from vigie.tickets.models import Ticket

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.postgres,
    pytest.mark.alone,  # make test runs it alone, after the rest: it bounds a latency
    pytest.mark.asyncio(loop_scope="module"),
]

FORMS = 50
# The one reply to each message of a form, in order.
FORM_REPLIES = (
    "Décrivez le problème",
    "Sur quoi porte le problème",
    "Qui est touché",
    "Les soins peuvent-ils continuer",
    "Voici votre demande",
    "C’est envoyé",
)
KILL_AT = 0.4  # the share of the forms' replies delivered when the kills come
TELEGRAM_SETTLE_S = 0.5  # Telegram holds the bots' calls this long before the kills
STEP_TIMEOUT_S = 60.0
TECHNICIAN = 6_000_001
FORM_CHATS = 6_100_001
SPARE_CHATS = 6_200_001

RATE = 10.0  # messages a second during the rolling restart
LOAD_CHATS = 200  # each sends QUESTIONS at most: 240 s of load at the rate
QUESTIONS = 12
NGINX_FAIL_TIMEOUT_S = 10.0  # deploy/nginx/vigie.conf: max_fails=1 fail_timeout=10s
RASA_PASS_OVER_S = 10.0  # vigie/conversation/rasa_client.py: a failed server is passed over
P95_BOUND_S = 10.0  # generous: 0.1 to 1.7 s measured, 3.9 s with a core kept busy (docs/chaos.md)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def layout(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> AsyncIterator[Layout]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    work = tmp_path_factory.mktemp("layout")
    async with Layout.running(work, redis_url, LayoutConfig(bots=2, rasa_replicas=2)) as running:
        yield running


def failure_context(layout: Layout) -> str:
    return f"logs: {layout.logs}\n{layout.tails(1500)}"


async def tickets_of(layout: Layout, words: list[str]) -> dict[str, list[Ticket]]:
    """The tickets whose problem names each form's words."""
    engine = create_engine(layout.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            tickets = (await session.scalars(select(Ticket))).all()
    finally:
        await engine.dispose()
    return {word: [t for t in tickets if f"des {word} n imprime" in t.problem] for word in words}


async def inbox_order_violations(layout: Layout, chats: set[int]) -> list[int]:
    """The chats whose inbox items were not stored in the order of their updates."""
    engine = create_engine(layout.database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = (
                await session.execute(
                    select(InboxItem.chat_id, InboxItem.update_id).order_by(InboxItem.id)
                )
            ).all()
    finally:
        await engine.dispose()
    last: dict[int, int] = {}
    wrong = []
    for chat, update_id in rows:
        if chat in chats and update_id is not None:
            if update_id < last.get(chat, -1):
                wrong.append(chat)
            last[chat] = update_id
    return wrong


async def test_a_bot_and_a_rasa_server_killed_mid_forms(layout: Layout) -> None:
    fake = layout.fake
    bot, rasa = layout.bots[0], layout.rasa[0]
    forms = [
        (fake.user(FORM_CHATS + i), FormOutcome(FORM_CHATS + i, form_word(i))) for i in range(FORMS)
    ]
    technician = fake.user(TECHNICIAN, "Paul")
    await register_staff(
        layout.database_url, [user for user, _ in forms], layout.secret, "EHPAD Multi"
    )
    engine = create_engine(layout.database_url)
    try:
        await Directory(make_sessionmaker(engine)).add_technician(
            name="Paul",
            chat_id=technician.id,
            sender=pseudonymize(technician.id, layout.secret.encode()),
        )
    finally:
        await engine.dispose()
    chats = {user.id for user, _ in forms}
    total = FORMS * len(FORM_REPLIES)

    def replies() -> int:
        return sum(1 for record in fake.sent if record["chat_id"] in chats)

    async def converse(user: FakeUser, outcome: FormOutcome) -> None:
        cursor = [0]
        await open_ticket_form(fake, user, outcome, cursor, STEP_TIMEOUT_S)
        await finish_ticket_form(fake, layout.database_url, user, outcome, cursor, STEP_TIMEOUT_S)

    async def kill_both() -> float:
        while True:
            if replies() >= KILL_AT * total:
                break
            await asyncio.sleep(0.02)
        layout.say(f"{replies()} réponses sur {total} : bot-1 et rasa-1 tués (SIGKILL)")
        # Not within the network's leg of an answer Telegram accepted (a duplicate no client
        # can prevent, docs/architecture.md): everything else is in flight.
        [record, _] = await layout.restart_together(
            [bot, rasa], "SIGKILL", telegram_settle=TELEGRAM_SETTLE_S
        )
        return record.stopped_at

    started = time.monotonic()
    layout.say(f"{FORMS} formulaires de ticket en parallèle")
    killer = asyncio.create_task(kill_both())
    await asyncio.gather(*(converse(user, outcome) for user, outcome in forms))
    killed_at = await killer
    forms_s = time.monotonic() - started
    # The technician's notifications, then a quiet moment: a duplicate would show up.
    for _ in range(300):
        if len(fake.messages_to(technician.id)) >= FORMS:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(5.0)

    # Every message answered exactly once, in order: each chat got the form's six replies,
    # and nothing else but the notice that a message waits (a message the other Rasa server
    # took longer than RASA_TIMEOUT_SECONDS to answer: the bot takes Rasa for down).
    wrong_transcripts = {}
    notices_while_waiting = 0
    for user, _ in forms:
        texts = [(m.get("plain_text") or "") for m in fake.messages_to(user.id)]
        notices_while_waiting += sum(text.strip() == layout.degraded for text in texts)
        texts = [text for text in texts if text.strip() != layout.degraded]
        if len(texts) != len(FORM_REPLIES) or not all(
            needle in text for needle, text in zip(FORM_REPLIES, texts, strict=True)
        ):
            wrong_transcripts[user.id] = [text[:60] for text in texts]
    # Every form finished with its earlier answers, one ticket each.
    outcomes = [outcome for _, outcome in forms]
    tickets = await tickets_of(layout, [o.word for o in outcomes])
    not_kept = [o.word for o in outcomes if not (o.finished and o.earlier_answers_kept)]
    ticket_counts = {word: len(found) for word, found in tickets.items() if len(found) != 1}
    # The technician told of each ticket exactly once.
    notices = [m.get("plain_text") or "" for m in fake.messages_to(technician.id)]
    per_ticket = {o.reference: sum(o.reference in n for n in notices) for o in outcomes}
    not_once = {ref: count for ref, count in per_ticket.items() if count != 1}
    stored_out_of_order = await inbox_order_violations(layout, chats)
    problems = layout.log_problems()
    restarts = layout.restarts[-2:]
    bot_back_at = next(r for r in restarts if r.name == bot.name).healthy_at
    after_restart = layout.took_updates(bot, bot_back_at)
    if not after_restart:
        # The forms ended before nginx tried the restarted bot again (its fail_timeout after
        # the refused connections): a few more messages, from chats of their own, once that
        # time is over, show it takes updates again.
        await asyncio.sleep(max(0.0, bot_back_at + NGINX_FAIL_TIMEOUT_S - time.time()))
        for n in range(40):
            fake.send_text(fake.user(SPARE_CHATS + n), "bonjour")
            await asyncio.sleep(0.25)
            after_restart = layout.took_updates(bot, bot_back_at)
            if after_restart:
                break
    rasa_lives = layout.lives(rasa)
    print(
        f"\n(a) {FORMS} forms, {total} replies expected, {replies()} received in {forms_s:.1f} s; "
        f"killed at {KILL_AT:.0%}; restarts: "
        + ", ".join(f"{r.name} {r.seconds:.1f} s" for r in restarts)
        + f"; « message waits » notices {notices_while_waiting}"
        + f"; technician notices {len(notices)} for {FORMS} tickets; webhook deliveries "
        f"{fake.webhook_deliveries}, retries {fake.webhook_retries}; updates taken by the "
        f"restarted bot {after_restart}"
    )
    layout.write_timeline(
        {
            "test": "a",
            "killed_at": killed_at,
            "transcripts": {
                user.id: [
                    (m["time"], (m.get("plain_text") or "")[:60]) for m in fake.messages_to(user.id)
                ]
                for user, _ in [*forms, (technician, None)]
            },
        }
    )
    await layout.dump_tables()

    assert not wrong_transcripts, f"{len(wrong_transcripts)} chats: {wrong_transcripts}"
    assert not not_kept, f"forms not finished with their answers: {not_kept}\n{outcomes}"
    assert not ticket_counts, f"tickets per form (1 expected): {ticket_counts}"
    assert stored_out_of_order == []
    assert fake.pending_updates == []
    assert problems == [], "\n".join(problems)
    # Both restarts happened: new processes, healthy, the bot taking updates again.
    assert sorted((r.name, r.how, r.exit_code) for r in restarts) == [
        (bot.name, "SIGKILL", -9),
        (rasa.name, "SIGKILL", -9),
    ]
    assert all(r.new_pid != r.old_pid for r in restarts)
    assert (await layout.health(bot)) == (200, {"status": "ok", "instance": "bot-1"})
    assert "Rasa server is up and running" in rasa_lives[-1]
    assert after_restart > 0, failure_context(layout)
    # The technician told of each ticket exactly once (a duplicate is a failure).
    assert not not_once, (
        f"technician notifications per ticket (exactly 1 expected): {not_once}; every bot "
        "process runs the outbox dispatcher (docs/deployment.md, known limits)"
    )
    assert len(notices) == FORMS, notices


async def test_a_rolling_restart_under_steady_load(layout: Layout) -> None:
    fake = layout.fake
    rng = random.Random(7)
    rejected: list[str] = []
    questions = await validated_questions(
        fake, KnowledgeBase.load(ROOT / "knowledge"), rng, QUESTIONS, rejected, 9_100_001
    )
    users = [fake.user(7_100_001 + i) for i in range(LOAD_CHATS)]
    traffic = FaqTraffic(fake, questions, users, RATE, rng)
    stop = asyncio.Event()
    windows: list[tuple[float, float]] = []  # each restart: signal → healthy again

    async def rolling_restart() -> None:
        await asyncio.sleep(5.0)  # steady load first
        for service in layout.bots:
            record = await layout.restart(service, "SIGTERM")
            windows.append((record.stopped_at, record.healthy_at))
            await asyncio.sleep(NGINX_FAIL_TIMEOUT_S)  # nginx sends it updates again
        for service in layout.rasa:
            record = await layout.restart(service, "SIGTERM")
            windows.append((record.stopped_at, record.healthy_at))
            await asyncio.sleep(RASA_PASS_OVER_S)  # the bots ask it again
        stop.set()

    layout.say(
        f"{RATE:g} messages par seconde de {LOAD_CHATS} conversations, redémarrage de tout, "
        "un processus à la fois"
    )
    count_before = len(layout.restarts)
    await asyncio.gather(traffic.run(stop), rolling_restart())
    layout.say("attente des dernières réponses")
    await traffic.drain(timeout=60.0, quiet=5.0)
    report = traffic.analyse(layout.degraded)
    restarts = layout.restarts[count_before:]
    p95_during = percentile(
        [
            latency
            for send, latency in zip(traffic.sends, first_latencies(traffic), strict=True)
            if latency is not None and any(start <= send.at <= end + 5 for start, end in windows)
        ],
        0.95,
    )
    healthy_again = {r.name: r.healthy_at for r in restarts}
    took = {
        service.name: layout.took_updates(service, healthy_again[service.name])
        for service in layout.bots
    }
    print(
        f"\n(b) rolling restart under {RATE:g} messages/s\n{report.summary()}\n"
        f"  p95 of messages sent during a restart (signal → healthy + 5 s): "
        f"{p95_during if p95_during is None else round(p95_during, 2)} s\n"
        "  restarts: "
        + ", ".join(f"{r.name} {r.how} exit {r.exit_code} {r.seconds:.1f} s" for r in restarts)
        + f"\n  updates taken by each bot after its restart: {took}; webhook deliveries "
        f"{fake.webhook_deliveries}, retries {fake.webhook_retries}"
    )
    layout.write_timeline(
        {
            "test": "b",
            "sends": [s.__dict__ for s in traffic.sends],
            "report": {k: v for k, v in report.__dict__.items() if k != "latencies"},
            "rejected_questions": rejected,
        }
    )
    (layout.logs / "rolling-restart.json").write_text(
        json.dumps(
            {
                "sent": report.sent,
                "lost": report.lost,
                "duplicated": report.duplicated,
                "p50": report.p50,
                "p95": report.p95,
                "p99": report.p99,
                "max": report.max_latency,
                "p95_during_restarts": p95_during,
                "restarts": [(r.name, r.how, r.exit_code, round(r.seconds, 1)) for r in restarts],
            }
        )
    )

    assert report.lost == 0, f"{report.lost_messages}\n{failure_context(layout)}"
    assert report.duplicated == 0, report.duplicated_messages
    assert report.order_violations == 0
    assert report.other_texts == 0, report.other_samples
    # The load went on through the whole restart, at its rate.
    assert traffic.ended_at >= restarts[-1].healthy_at, "the traffic ended before the restarts"
    assert report.sent >= RATE * (traffic.ended_at - traffic.started_at) * 0.9
    assert report.p95 is not None and report.p95 < P95_BOUND_S, "\n".join(
        [
            report.summary(),
            f"restarts: {restarts}",
            *layout.log_lines(r"Rasa (unavailable|replica|is down|answers again)"),
            failure_context(layout),
        ]
    )
    # Every restart happened: a clean stop (exit 0 after SIGTERM), a new process, healthy; the
    # restarted bots took updates again.
    assert [(r.name, r.how, r.exit_code) for r in restarts] == [
        (service.name, "SIGTERM", 0) for service in (*layout.bots, *layout.rasa)
    ], restarts
    assert all(r.new_pid != r.old_pid for r in restarts)
    for service in layout.bots:
        status, body = await layout.health(service)
        assert status == 200 and body["instance"] == service.name
    for service in layout.rasa:
        assert "Rasa server is up and running" in layout.lives(service)[-1]
    assert all(count > 0 for count in took.values()), took
    problems = layout.log_problems()
    assert problems == [], "\n".join(problems)
    assert fake.pending_updates == []


def first_latencies(traffic: FaqTraffic) -> list[float | None]:
    """Per message sent, the latency of its first answer (None: never answered)."""
    first: dict[tuple[int, int], float] = {}
    for chat, items in traffic.answers().items():
        for index, record in items:
            if index is not None and (chat, index) not in first:
                first[(chat, index)] = record["time"]
    return [
        first[(s.chat, s.question)] - s.at if (s.chat, s.question) in first else None
        for s in traffic.sends
    ]
