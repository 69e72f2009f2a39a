"""The supervisor refuses to start on a broken knowledge base (naming the file) or on a
database Rasa cannot keep its conversations in; several Rasa servers (RASA_REPLICAS): their
services, and what they need said before anything starts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import supervisor
from bot.wiring import Services
from tests.auxil.toggle_proxy import free_port
from vigie.core.settings import ROOT, Settings


async def test_broken_article_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    broken = knowledge / "wifi.md"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("## Qui prévenir", "## Autre"), encoding="utf-8"
    )
    settings = Settings(_env_file=None, knowledge_dir=knowledge)  # type: ignore[call-arg]
    assert await supervisor.run(settings) == 1
    shown = capsys.readouterr().out
    assert "wifi.md" in shown and "invalide" in shown


async def test_a_database_rasa_cannot_use_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="mysql+aiomysql://vigie@127.0.0.1/vigie",
    )
    assert await supervisor.run(settings) == 1
    shown = capsys.readouterr().out
    assert "DATABASE_URL ne convient pas à Rasa" in shown and "mysql" in shown


def test_rasas_http_api_opens_only_with_a_token(tmp_path: Path) -> None:
    """Rasa's HTTP API can replace the model: never open without --auth-token."""
    closed = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "--enable-api" not in supervisor.rasa_service(closed, tmp_path).argv
    bare = Settings(_env_file=None, rasa_enable_api=True)  # type: ignore[call-arg]
    assert bare.api_problem() is not None
    with pytest.raises(ValueError, match="RASA_API_TOKEN"):
        supervisor.rasa_service(bare, tmp_path)
    short = Settings(_env_file=None, rasa_enable_api=True, rasa_api_token="abc")  # type: ignore[call-arg]
    assert short.api_problem() is not None
    token = "7d0f3a9c2b5e8f1a4c7b0e3d6a9f2c5b8e1d4a7c0f3b6e9d"
    opened = Settings(_env_file=None, rasa_enable_api=True, rasa_api_token=token)  # type: ignore[call-arg]
    argv = supervisor.rasa_service(opened, tmp_path).argv
    assert argv[argv.index("--enable-api") + 1 :][:2] == ["--auth-token", token]


def test_make_run_starts_the_console_on_loopback(tmp_path: Path) -> None:
    """The console is one of make run's services: its own process, its health URL and port
    on 127.0.0.1, and the address printed once everything is ready."""
    settings = Settings(_env_file=None, console_port=8123)  # type: ignore[call-arg]
    services = {s.name: s for s in supervisor.vigie_services(settings, tmp_path)}
    console = services["console"]
    assert console.argv[-2:] == ["-m", "console"]
    assert console.health_url == "http://127.0.0.1:8123/health"
    assert console.listen is not None and (console.listen.port, console.listen.host) == (
        8123,
        "127.0.0.1",
    )
    assert console.address == "http://127.0.0.1:8123"
    public = Settings(_env_file=None, console_public_url="https://vigie.example/")  # type: ignore[call-arg]
    assert supervisor.console_service(public, tmp_path).address == "https://vigie.example"


# -- several Rasa servers (RASA_REPLICAS; started for real in test_rasa_replicas.py) --------

POSTGRES = "postgresql+asyncpg://vigie@127.0.0.1:5432/vigie"
SECRET = "7d0f3a9c2b5e8f1a4c7b0e3d6a9f2c5b8e1d4a7c0f3b6e9d"


def test_rasa_replicas_on_consecutive_ports(tmp_path: Path) -> None:
    """Three Rasa servers on 5005-5007, each its own name, log, health URL and port checked
    before the start, all with the same endpoints file: Vigie's database as tracker store,
    Redis as lock store. The action server stays one."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        rasa_replicas=3,
        database_url=POSTGRES,
        redis_url="redis://127.0.0.1:6379/2",
    )
    services = supervisor.vigie_services(settings, tmp_path / "log")
    rasa = [s for s in services if s.name.startswith("rasa")]
    assert [s.name for s in services] == ["rasa-1", "rasa-2", "rasa-3", "actions", "console"]
    for index, service in enumerate(rasa):
        port = 5005 + index
        assert service.argv[service.argv.index("--port") + 1] == str(port)
        assert service.argv[service.argv.index("--interface") + 1] == "127.0.0.1"
        assert service.health_url == f"http://127.0.0.1:{port}/webhooks/vigie/"
        assert service.log_path == tmp_path / "log" / f"rasa-{index + 1}.log"
        assert service.listen is not None
        assert (service.listen.port, service.listen.host) == (port, "127.0.0.1")
        assert service.listen.what == f"Rasa {index + 1}/3"
        assert service.label == f"Rasa {index + 1}/3 (compréhension du français)"
        assert service.env["TICKET_LOCK_LIFETIME"] == "5"
    endpoints = {s.argv[s.argv.index("--endpoints") + 1] for s in rasa}
    assert len(endpoints) == 1
    text = Path(endpoints.pop()).read_text(encoding="utf-8")
    assert 'tracker_store:\n  type: "SQL"\n  dialect: "postgresql"' in text
    assert 'lock_store:\n  type: "rasa_addons.lock_store.VigieRedisLockStore"' in text
    assert "  db: 2\n" in text


def test_one_rasa_keeps_its_name_and_rasas_memory_lock_store(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    [rasa] = supervisor.rasa_services(settings, tmp_path / "log")
    assert (rasa.name, rasa.label) == ("rasa", "Rasa (compréhension du français)")
    assert rasa.log_path.name == "rasa.log" and rasa.listen is not None
    assert rasa.listen.what == "Rasa"
    text = Path(rasa.argv[rasa.argv.index("--endpoints") + 1]).read_text(encoding="utf-8")
    assert "lock_store" not in text and "TICKET_LOCK_LIFETIME" not in rasa.env
    assert supervisor.replicas_problem(settings) is None
    # REDIS_URL with one server: Redis's lock store all the same (several machines…).
    shared = Settings(_env_file=None, redis_url="redis://127.0.0.1:6379/0")  # type: ignore[call-arg]
    [rasa] = supervisor.rasa_services(shared, tmp_path / "log")
    text = Path(rasa.argv[rasa.argv.index("--endpoints") + 1]).read_text(encoding="utf-8")
    assert "lock_store:" in text


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (
            {"rasa_replicas": 2},
            "RASA_REPLICAS=2\N{NO-BREAK SPACE}: plusieurs serveurs Rasa doivent partager les "
            "conversations, ce que SQLite ne permet pas (avec SQLite, un seul serveur Rasa).",
        ),
        ({"rasa_replicas": 2, "database_url": "sqlite+aiosqlite://"}, "un seul serveur Rasa"),
        ({"rasa_replicas": 2, "database_url": POSTGRES}, "Indiquez REDIS_URL"),
        (
            {
                "rasa_replicas": 3,
                "database_url": POSTGRES,
                "redis_url": "redis://127.0.0.1:6379/0",
                "actions_port": 5007,
            },
            "les ports 5005 à 5007, y compris le port 5007 (ACTIONS_PORT)",
        ),
        ({"redis_url": "redis://127.0.0.1:6379/zéro"}, "REDIS_URL ne convient pas à Rasa"),
    ],
)
async def test_what_several_rasa_servers_need_is_said_and_nothing_starts(
    values: dict[str, object], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]
    assert await supervisor.run(settings) == 1
    shown = capsys.readouterr().out
    assert said in shown and "Vigie ne démarre pas" in shown


async def test_a_redis_that_does_not_answer_stops_start_up(
    capsys: pytest.CaptureFixture[str],
) -> None:
    closed = free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=f"redis://127.0.0.1:{closed}/0",
    )
    assert await supervisor.run(settings) == 1
    shown = capsys.readouterr().out
    assert "Redis ne répond pas comme il faut à REDIS_URL" in shown


async def test_the_bot_talks_to_every_replica(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        rasa_replicas=2,
        rasa_url="http://127.0.0.1:6005",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}",
        pseudonym_secret=SECRET,
    )
    services = await Services.open(settings)
    try:
        assert services.rasa.urls == ["http://127.0.0.1:6005", "http://127.0.0.1:6006"]
    finally:
        await services.aclose()
