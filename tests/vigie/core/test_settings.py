"""Settings come from the environment; secrets stay secret."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.auxil.zones import zone_at_hour
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


# --- Whom to call: the on-call number first outside the provider's hours ----------------------


def test_call_puts_the_hotline_first_during_the_hours_and_the_oncall_outside() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        provider_name="Infogérance Sud",
        provider_hotline="04 11 22 33 44",
        provider_oncall="06 55 66 77 88",
        provider_hours="lun-ven 08:30-18:00",
    )
    tuesday_10h = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    tuesday_3h = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # 03:00 in Paris
    saturday_10h = datetime(2026, 12, 12, 9, 0, tzinfo=UTC)
    day = settings.contacts_at(tuesday_10h)["call"]
    assert day.index("04 11 22 33 44") < day.index("06 55 66 77 88")
    assert day == settings.contacts()["call"]
    for closed in (tuesday_3h, saturday_10h):
        night = settings.contacts_at(closed)["call"]
        assert night.startswith("Appelez l’astreinte de Infogérance Sud")
        assert night.index("06 55 66 77 88") < night.index("04 11 22 33 44")
    # The facility's own hours and time zone decide: 10:00 in Paris is 23:00 in Tahiti.
    assert not settings.off_hours(tuesday_10h, "lun-ven 08:00-18:00", "Europe/Paris")
    assert settings.off_hours(tuesday_10h, "lun-ven 08:00-18:00", "Pacific/Tahiti")
    assert not settings.off_hours(tuesday_3h, "24/7", "Europe/Paris")
    # Unreadable hours: the day's order (both numbers are still given).
    assert not settings.off_hours(tuesday_3h, "n'importe quoi", "Europe/Paris")
    assert not settings.off_hours(tuesday_3h, "24/7", "Nulle/Part")


def test_a_zone_where_it_is_3_am() -> None:
    for utc_hour in range(24):
        now = datetime(2026, 12, 8, utc_hour, 30, tzinfo=UTC)
        assert now.astimezone(ZoneInfo(zone_at_hour(3, now))).hour == 3
