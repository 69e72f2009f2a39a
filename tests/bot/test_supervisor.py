"""The supervisor refuses to start on a broken knowledge base, naming the file."""

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
