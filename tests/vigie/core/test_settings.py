"""Settings come from the environment; secrets stay secret."""

from __future__ import annotations

import pytest

from vigie.core.settings import Settings, get_settings


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVIDER_HOTLINE", "05 55 55 55 55")
    monkeypatch.setenv("RASA_TIMEOUT_SECONDS", "4.5")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.contacts()["provider_hotline"] == "05 55 55 55 55"
    assert settings.rasa_timeout_seconds == 4.5
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123:secret-token"


def test_secrets_never_appear_in_representations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    monkeypatch.setenv("PSEUDONYM_SECRET", "very-secret-key")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "secret-token" not in shown
        assert "very-secret-key" not in shown


def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_MODE", "carrier-pigeon")
    with pytest.raises(ValueError, match="telegram_mode"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_settings_are_loaded_once() -> None:
    get_settings.cache_clear()
    try:
        assert get_settings() is get_settings()
    finally:
        get_settings.cache_clear()
