"""Rasa's lock store of several Rasa servers (rasa_addons/lock_store.py), in the Rasa
environment against the tests' Redis.

Made by Rasa itself from the endpoints file the supervisor writes (class, address, database,
password from the environment, key prefix, lock lifetime); then the waiter: behind the
ticket of a server killed mid-message, Rasa's own RedisLockStore waits forever once both
tickets expired between two of its polls, Vigie's goes in. The part of Rasa 3.6.21 it
restates is fingerprinted (fails, naming it, if Rasa changes).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from bot.rasa_config import LOCK_PASSWORD_ENV, LOCK_STORE_CLASS
from bot.supervisor import rasa_service
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import ROOT, Settings

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
# Rasa's LockStore._acquire_lock of 3.6.21, restated by VigieRedisLockStore._acquire_lock,
# and the constructor call of _create_from_endpoint_config it repeats: re-read both, and
# the waiter, before changing a value.
EXPECTED = {
    "rasa.core.lock_store.LockStore._acquire_lock": (
        "053b2767d02e35163745c36f4e44b8c2f0457a3efb5fdfc3a35e3122f808f86a"
    ),
    "rasa.core.lock_store._create_from_endpoint_config": (
        "e83221df2e160879bfcf9be11c2a19b3726ebe69a7d6def3feffb1a97130cea0"
    ),
}

SCRIPT = """
import asyncio, json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
from rasa.core import lock_store
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config
from tests.rasa_addons.rasa_parts import syntax_fingerprint

program = json.loads(sys.argv[1])
config = read_endpoint_config(program["endpoints"], "lock_store")
store = LockStore.create(config)
kwargs = store.red.connection_pool.connection_kwargs
answer = {
    "class": f"{type(store).__module__}.{type(store).__name__}",
    "lifetime": lock_store.LOCK_LIFETIME,
    "prefix": store.key_prefix,
    "connection": {k: kwargs.get(k) for k in ("host", "port", "db", "password", "socket_timeout")},
    "fingerprints": {
        "rasa.core.lock_store.LockStore._acquire_lock": syntax_fingerprint(LockStore._acquire_lock),
        "rasa.core.lock_store._create_from_endpoint_config": syntax_fingerprint(
            lock_store._create_from_endpoint_config
        ),
    },
}


async def behind_a_dead_ticket(store, sender):
    # A server took the conversation and was killed: its ticket is never given back.
    store.issue_ticket(sender, 1.0)
    started = time.monotonic()
    try:
        # Both tickets expire before the second poll (3 s after the first).
        async with store.lock(sender, lock_lifetime=1.2, wait_time_in_seconds=3):
            return round(time.monotonic() - started, 1)
    finally:
        store.delete_lock(sender)


async def waits(store, sender):
    try:
        return await asyncio.wait_for(behind_a_dead_ticket(store, sender), 8)
    except asyncio.TimeoutError:
        return None


if program.get("password") is None:  # a Redis without a password: really lock
    sender = program["sender"]
    rasas = RedisLockStore(host=config.url, **config.kwargs)
    answer["vigie_waited"] = asyncio.run(waits(store, sender + "-vigie"))
    answer["rasa_waited"] = asyncio.run(waits(rasas, sender + "-rasa"))
    answer["left"] = [k.decode() for k in store.red.keys(store.key_prefix + sender + "*")]
print(json.dumps(answer))
"""


def lock_store_of(redis_url: str, folder: Path, password: str | None = None) -> dict[str, Any]:
    """What Rasa makes of the ``lock_store`` section the supervisor writes for
    ``redis_url`` (with ``password``: only read, not connected)."""
    if password is not None:
        redis_url = redis_url.replace("redis://", f"redis://:{quote(password, safe='')}@", 1)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        actions_port=free_port(),
        redis_url=redis_url,
        rasa_timeout_seconds=9,
    )
    service = rasa_service(settings, folder / "log")
    endpoints = service.argv[service.argv.index("--endpoints") + 1]
    program = {"endpoints": endpoints, "password": password, "sender": f"t-{uuid.uuid4().hex}"}
    done = subprocess.run(
        [str(RASA_PY), "-c", SCRIPT, json.dumps(program)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **service.env, "PYTHONWARNINGS": "ignore"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.fixture(scope="module")
def made(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return lock_store_of(redis_url, tmp_path_factory.mktemp("lock"))


def test_rasa_makes_vigies_lock_store_from_the_endpoints_file(
    made: dict[str, Any], redis_url: str
) -> None:
    host, _, rest = redis_url.removeprefix("redis://").partition(":")
    port, _, db = rest.partition("/")
    assert made["class"] == LOCK_STORE_CLASS
    assert made["connection"] == {
        "host": host,
        "port": int(port),
        "db": int(db),
        "password": None,
        "socket_timeout": 3,
    }
    assert made["prefix"] == "vigie:lock:"
    assert made["lifetime"] == 5  # half of RASA_TIMEOUT_SECONDS=9, rounded up


def test_the_password_comes_from_the_environment(redis_url: str, tmp_path: Path) -> None:
    password = 'p@ss w:rd/%$HOME "q" é'
    answer = lock_store_of(redis_url, tmp_path, password)
    assert answer["connection"]["password"] == password
    endpoints = (tmp_path / "run").glob("endpoints-*.yml")
    text = next(endpoints).read_text(encoding="utf-8")
    assert "p@ss" not in text and f"password: ${{{LOCK_PASSWORD_ENV}}}" in text


def test_a_waiter_behind_a_dead_ticket_goes_in(made: dict[str, Any]) -> None:
    """Vigie's waiter goes in at its second poll; Rasa's own never does (its client gives
    up, here after 8 s). Nothing is left in Redis."""
    assert 3 <= made["vigie_waited"] < 6
    assert made["rasa_waited"] is None
    assert made["left"] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_restated_rasa_part_is_unchanged(made: dict[str, Any], name: str) -> None:
    assert made["fingerprints"][name] == EXPECTED[name], (
        f"{name} changed (expected Rasa 3.6.21): rasa_addons/lock_store.py restates it; "
        "re-read both, then update EXPECTED."
    )
