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


@pytest.mark.parametrize(
    ("secret", "weak"),
    [
        ("", True),
        ("change-me", True),
        ("a" * 64, True),  # long, but one character
        ("0101010101010101010101010101010101", True),  # a repeated pattern
        ("correct-horse-battery", True),  # too short
        ("3f9c1e7a0b5d48e2a6c9f1d3b7e0a4c8", False),  # 16 random bytes in hex
        ("9b1f0c6e2d4a7f3b8e5c1a0d9f6b2e4c7a3d8f1b5e0c9a6d2f7b4e1c8a5d0f3b", False),
    ],
)
def test_a_weak_pseudonym_secret_is_refused(secret: str, weak: bool) -> None:
    settings = Settings(_env_file=None, pseudonym_secret=secret)  # type: ignore[call-arg]
    problem = settings.secret_problem()
    assert (problem is not None) == weak
    if problem is not None:
        assert secret not in problem or not secret  # the message never shows the secret


def test_the_privacy_notice_states_the_configured_durations() -> None:
    from vigie.conversation import texts

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        retention_days=181,
        ticket_retention_days=732,
        people_retention_days=366,
        phishing_keep_days=31,
    )
    notice = texts.fill(texts.PRIVACY, settings.contacts(), **settings.privacy_durations())
    for days in ("181", "732", "366", "31"):
        assert f"{days}\u00a0jours" in notice
    assert "/mes_donnees" in notice and "/oubli" in notice
