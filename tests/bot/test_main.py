"""``python -m bot``: what it refuses before starting anything."""

from __future__ import annotations

import pytest

from bot.__main__ import main
from vigie.core.settings import get_settings


def test_the_bot_refuses_to_start_with_a_weak_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("PSEUDONYM_SECRET", "secret123")
    try:
        assert main(["chat"]) == 2
    finally:
        get_settings.cache_clear()
    assert "PSEUDONYM_SECRET is too weak" in capsys.readouterr().err
