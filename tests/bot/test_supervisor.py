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
