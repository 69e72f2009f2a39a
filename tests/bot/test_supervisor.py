"""The supervisor refuses to start on a broken knowledge base (naming the file) or on a
database Rasa cannot keep its conversations in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot import supervisor
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
