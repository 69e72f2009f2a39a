"""Several Rasa servers (RASA_REPLICAS=2), started and watched by the supervisor's own code
(``bot.supervisor``: ``rasa_services``, ``Supervisor``) on PostgreSQL (the shared tracker
store) and Redis (Rasa's lock store), with the real action server, talked to by the bot's
Rasa client over both.

One pair of servers is started for the module (about 15 s, more on a busy machine):

* conversations are spread over both servers, each keeping its own (the answers come from
  the process listening on the replica's port), and Rasa keeps them all in Vigie's database;
* a ticket form whose turns alternate between the two servers goes to its end with every
  answer kept, each server taking the conversation's lock in Redis for its turns;
* one server SIGKILLed in the middle of many conversations: every message is answered, the
  ones sent after the kill by the other server, each conversation's messages stored once at
  least and in order; the supervisor restarts the killed one, which gets its conversations
  back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.processes import port_in_use, socket_owners
from bot.rasa_config import LOCK_KEY_PREFIX, redis_address
from bot.supervisor import (
    Service,
    Supervisor,
    actions_service,
    rasa_services,
    replicas_problem,
)
from tests.auxil.databases import admin_postgres_url, create_database, drop_database
from tests.auxil.layout import consecutive_free_ports
from tests.auxil.toggle_proxy import free_port
from vigie.conversation.rasa_client import RasaClient, RasaReply
from vigie.conversation.trackers import EVENTS
from vigie.core.settings import ROOT, Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.tickets.models import Ticket

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.asyncio(loop_scope="module")]

MODEL = ROOT / "models" / "vigie.tar.gz"
RUN = uuid.uuid4().hex[:8]  # senders of this run: Redis may be shared with other runs
REFERENCE_RE = re.compile(r"VIG-\d{4}-\d{5}")
MONITOR_RE = re.compile(r'^\+[\d.]+ \[(\d+) [^\]]*:(\d+)\] "(\w+)" "([^"]*)"(.*)$')


@dataclass
class Replicas:
    """The running servers: the Rasa replicas (in port order), the supervisor watching them,
    the session's HTTP client and database."""

    rasa: list[Service]
    urls: list[str]
    supervisor: Supervisor
    http: aiohttp.ClientSession
    database_url: str
    redis_url: str
    log_dir: Path

    def client(self, urls: list[str] | None = None, timeout: float = 15.0) -> RasaClient:
        """The bot's client over ``urls`` (both replicas by default), never retrying: a
        message answered was answered at the first round."""
        return RasaClient(self.http, urls or self.urls, timeout=timeout, retries=0)

    def logs(self) -> str:
        return "\n".join(
            f"--- {s.log_path.name}\n{s.log_path.read_text(errors='replace')[-2000:]}"
            for s in self.supervisor.services
            if s.log_path.exists()
        )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replicas(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> AsyncIterator[Replicas]:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    admin = admin_postgres_url()
    try:
        database_url = await create_database(admin, "vigie_replicas")
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.fail(f"PostgreSQL unreachable ({type(exc).__name__}: {exc})", pytrace=False)
    try:
        await asyncio.to_thread(upgrade, database_url)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            rasa_port=consecutive_free_ports(2),
            rasa_replicas=2,
            actions_port=free_port(),
            database_url=database_url,
            redis_url=redis_url,
        )
        assert replicas_problem(settings) is None
        log_dir = tmp_path_factory.mktemp("replicas")
        rasa = rasa_services(settings, log_dir / "log")
        services = [*rasa, actions_service(settings, log_dir / "log")]
        for service in services:
            service.env["DATABASE_URL"] = database_url  # the actions' database
        supervisor = Supervisor(services, out=None, run_dir=log_dir / "run")
        assert await supervisor.prepare()
        stop = asyncio.Event()
        async with aiohttp.ClientSession() as http:
            watcher = None
            try:
                await supervisor.start(http, stop)
                watcher = asyncio.create_task(supervisor.watch(http, stop))
                yield Replicas(
                    rasa,
                    [s.health_url.removesuffix("/webhooks/vigie/") for s in rasa],
                    supervisor,
                    http,
                    database_url,
                    redis_url,
                    log_dir,
                )
            finally:
                stop.set()
                if watcher is not None:
                    await watcher
                await supervisor.stop()
    finally:
        await drop_database(admin, database_url)


def senders_of(client: RasaClient, url: str, count: int, tag: str) -> list[str]:
    """``count`` new senders whose conversations go to the replica at ``url``."""
    found: list[str] = []
    index = 0
    while len(found) < count:
        sender = f"{tag}-{RUN}-{index}"
        if client.order(sender)[0] == url:
            found.append(sender)
        index += 1
    return found


async def user_message_ids(database_url: str, sender: str) -> list[str]:
    """The ``message_id`` of each user message in ``sender``'s tracker, in Rasa's order."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                select(EVENTS.c.data)
                .where(EVENTS.c.sender_id == sender, EVENTS.c.type_name == "user")
                .order_by(EVENTS.c.id)
            )
            return [json.loads(data)["message_id"] for (data,) in rows]
    finally:
        await engine.dispose()


def process_group_of_connection(local_port: int, remote_port: int) -> int | None:
    """The process group of the process holding the loopback TCP connection from
    ``local_port`` to ``remote_port`` (from /proc)."""
    for name in ("tcp", "tcp6"):
        for line in Path("/proc/net", name).read_text(encoding="ascii").splitlines()[1:]:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], int(parts[9])
            ports = int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)
            if ports == (local_port, remote_port):
                owners = socket_owners({inode})
                return owners[0].pgrp if owners else None
    return None


@dataclass
class RedisMonitor:
    """Redis's MONITOR: the lock store's commands on the tests' database, with the process
    group of the client that sent each."""

    redis_url: str
    # verb, key, the rest of the command, the client's process group
    commands: list[tuple[str, str, str, int | None]] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        address = redis_address(self.redis_url)
        reader, writer = await asyncio.open_connection(address.host, address.port)
        if address.password:
            writer.write(f"AUTH {address.password}\r\n".encode())
            assert (await reader.readline()).startswith(b"+")
        writer.write(b"MONITOR\r\n")
        assert (await reader.readline()).startswith(b"+OK")
        groups: dict[int, int | None] = {}

        async def read() -> None:
            while line := await reader.readline():
                found = MONITOR_RE.match(line.decode("utf-8", "replace"))
                if found is None or int(found[1]) != address.db:
                    continue
                port = int(found[2])
                if port not in groups:
                    groups[port] = process_group_of_connection(port, address.port)
                self.commands.append((found[3], found[4], found[5], groups[port]))

        reading = asyncio.create_task(read())
        try:
            yield
            await asyncio.sleep(0.3)  # the last commands
        finally:
            reading.cancel()
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await reading

    def lockers(self, sender: str) -> list[int | None]:
        """The process group of each client that took a ticket for ``sender``'s lock (a SET
        of the lock with a ticket number in it), in order."""
        key = f"{LOCK_KEY_PREFIX}:lock:{sender}"
        return [
            group
            for verb, k, rest, group in self.commands
            if verb == "SET" and k == key and "number" in rest
        ]


def pid(service: Service) -> int:
    assert service.process is not None
    return service.process.pid


# -- the tests ----------------------------------------------------------------------------


async def test_conversations_are_spread_over_both_servers(replicas: Replicas) -> None:
    rasa = replicas.client()
    first, second = replicas.urls
    senders = senders_of(rasa, first, 4, "spread") + senders_of(rasa, second, 4, "spread")

    async def converse(sender: str) -> list[RasaReply]:
        texts = ["bonjour", "comment créer un mot de passe solide ?", "merci"]
        return [
            await rasa.send(sender, text, {"channel": "telegram"}, message_id=f"{sender}-{i}")
            for i, text in enumerate(texts)
        ]

    answers = await asyncio.gather(*(converse(sender) for sender in senders))
    for sender, replies in zip(senders, answers, strict=True):
        assert {reply.replica for reply in replies} == {rasa.order(sender)[0]}
        assert all(reply.messages for reply in replies)
        assert replies[1].articles  # the FAQ answer, by the action server
    assert {reply.replica for replies in answers for reply in replies} == {first, second}
    # Each URL is served by its own replica's process, and Rasa kept every conversation
    # in Vigie's database.
    for service, url in zip(replicas.rasa, replicas.urls, strict=True):
        use = port_in_use(int(url.rsplit(":", 1)[1]))
        assert use is not None and {h.pgrp for h in use.holders} == {pid(service)}
    for sender in senders:
        ids = await user_message_ids(replicas.database_url, sender)
        assert ids == [f"{sender}-{i}" for i in range(3)]


async def test_a_form_alternating_between_servers_keeps_its_state(replicas: Replicas) -> None:
    """Every turn of a ticket form goes to the other server than the last: the form goes on
    where it stopped (the shared tracker store) and the ticket holds every answer; each
    server takes the conversation's lock in Redis for its own turns."""
    sender = f"form-{RUN}"
    engine = create_engine(replicas.database_url)
    sessions = make_sessionmaker(engine)
    try:
        directory = Directory(sessions)
        facility = await directory.create_facility(f"EHPAD Les Lilas {RUN}", "Rodez", hours="24/7")
        invitation = await directory.create_invitation(facility_id=facility.id, role="staff")
        await directory.redeem_invitation(
            invitation.code, channel="telegram", chat_id=4242, sender=sender
        )
        clients = [replicas.client([url]) for url in replicas.urls]
        turns = [
            ("je voudrais ouvrir un ticket", "Décrivez le problème"),
            ("l imprimante du poste de soins n imprime plus les plans de soins", "Sur quoi porte"),
            ("@Imprimante", "Qui est touché"),
            ("tout le service", "Les soins peuvent-ils continuer"),
            ("@Avec difficulté", "Voici votre demande"),
            ("@Confirmer", "C’est envoyé"),
        ]
        monitor = RedisMonitor(replicas.redis_url)
        last: RasaReply | None = None
        async with monitor.watching():
            for index, (text, expected) in enumerate(turns):
                if text.startswith("@"):  # a button: its payload goes to Rasa
                    assert last is not None
                    buttons = [b for m in last.messages for b in m.buttons]
                    text = next(b.payload for b in buttons if b.title == text[1:])
                client = clients[index % 2]
                last = await client.send(
                    sender, text, {"channel": "telegram"}, message_id=f"{sender}-{index}"
                )
                assert last.replica == replicas.urls[index % 2]
                shown = "\n".join(m.plain_text() for m in last.messages)
                assert expected in shown, (index, shown)
        [reference] = REFERENCE_RE.findall(shown)
        async with sessions() as session:
            ticket = await session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket is not None
        assert "imprime plus" in ticket.problem
        assert (ticket.device, ticket.care_impact) == ("printer", "degraded")
        groups = [pid(service) for service in replicas.rasa]
        assert monitor.lockers(sender) == [groups[i % 2] for i in range(len(turns))]
    finally:
        await engine.dispose()


async def test_a_server_killed_mid_run_leaves_no_message_unanswered(
    replicas: Replicas,
) -> None:
    """Sixteen conversations of four messages each, one at a time per conversation (as the
    pipeline sends them); the first server is SIGKILLed once a quarter are answered. Every
    message is answered, those sent after the kill by the second server; each conversation
    holds its messages in order (a message cut by the kill may be stored twice, never lost).
    The supervisor restarts the killed server, which then gets its conversations back."""
    rasa = replicas.client()
    first, second = replicas.urls
    killed = replicas.rasa[0]
    senders = senders_of(rasa, first, 8, "kill") + senders_of(rasa, second, 8, "kill")
    texts = ["bonjour", "c'est quoi le phishing ?", "merci", "comment verrouiller mon poste ?"]
    loop = asyncio.get_running_loop()
    answered: list[tuple[str, float, str | None]] = []  # sender, sent at, replica
    killed_at: list[float] = []

    async def converse(sender: str) -> None:
        for index, text in enumerate(texts):
            sent_at = loop.time()
            reply = await rasa.send(
                sender, text, {"channel": "telegram"}, message_id=f"{sender}-{index}"
            )
            assert reply.messages
            answered.append((sender, sent_at, reply.replica))
            if len(answered) == len(senders) and not killed_at:
                os.killpg(pid(killed), signal.SIGKILL)
                killed_at.append(loop.time())

    await asyncio.gather(*(converse(sender) for sender in senders))
    assert len(answered) == len(senders) * len(texts) and killed_at
    after = [replica for _, sent_at, replica in answered if sent_at > killed_at[0]]
    assert after and set(after) == {second}
    moved = {s for s, sent_at, replica in answered if replica == second and s in senders[:8]}
    assert moved  # the first server's conversations went on on the second
    for sender in senders:
        ids = await user_message_ids(replicas.database_url, sender)
        assert list(dict.fromkeys(ids)) == [f"{sender}-{i}" for i in range(len(texts))], ids

    # The supervisor starts the killed server again; once it answers, its conversations
    # come back to it.
    for _ in range(360):
        if killed.restarts == 1 and await rasa.healthy() and not rasa.down():
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("the killed server was not restarted:\n" + replicas.logs())
    reply = await rasa.send(senders[0], "bonjour", message_id=f"{senders[0]}-back")
    assert reply.replica == first
