"""Opening hours: parsing, open/closed, next opening across weekends, midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from vigie.core.hours import french_datetime, parse_hours

PARIS = "Europe/Paris"
OFFICE = parse_hours("lun-ven 08:30-12:30,13:30-18:00; sam 09:00-12:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 11, 30, 7, 29), False),  # Monday 08:29 in Paris (UTC+1)
        (utc(2026, 11, 30, 7, 30), True),  # 08:30
        (utc(2026, 11, 30, 11, 29), True),  # 12:29
        (utc(2026, 11, 30, 11, 30), False),  # 12:30, lunch break
        (utc(2026, 11, 30, 12, 30), True),  # 13:30
        (utc(2026, 11, 30, 16, 59), True),  # 17:59
        (utc(2026, 11, 30, 17, 0), False),  # 18:00
        (utc(2026, 6, 1, 6, 30), True),  # Monday 08:30 in summer (UTC+2)
        (utc(2026, 6, 1, 16, 0), False),  # 18:00 in summer
        (utc(2026, 6, 1, 15, 59), True),  # 17:59 in summer
        (utc(2026, 12, 5, 8, 0), True),  # Saturday 09:00
        (utc(2026, 12, 5, 11, 0), False),  # Saturday 12:00
        (utc(2026, 12, 6, 10, 0), False),  # Sunday
    ],
)
def test_is_open(at: datetime, expected: bool) -> None:
    assert OFFICE.is_open(at, PARIS) is expected


def test_is_open_accepts_any_aware_datetime() -> None:
    at = datetime(2026, 11, 30, 8, 30, tzinfo=timezone(timedelta(hours=1)))
    assert OFFICE.is_open(at, PARIS)
    assert not OFFICE.is_open(at, "America/New_York")  # 02:30 there


def test_next_opening_is_now_when_open() -> None:
    at = utc(2026, 11, 30, 9, 0)
    assert OFFICE.next_opening(at, PARIS) == at


def test_next_opening_after_lunch_and_in_the_morning() -> None:
    assert OFFICE.next_opening(utc(2026, 11, 30, 11, 45), PARIS) == utc(2026, 11, 30, 12, 30)
    assert OFFICE.next_opening(utc(2026, 12, 1, 3, 0), PARIS) == utc(2026, 12, 1, 7, 30)


def test_next_opening_over_the_weekend() -> None:
    # Saturday 12:00 → Monday 08:30
    opening = OFFICE.next_opening(utc(2026, 12, 5, 11, 0), PARIS)
    assert opening == utc(2026, 12, 7, 7, 30)
    assert opening.tzinfo == UTC
    # Friday 19:00 → Saturday 09:00
    assert OFFICE.next_opening(utc(2026, 12, 4, 18, 0), PARIS) == utc(2026, 12, 5, 8, 0)


def test_next_opening_across_spring_forward() -> None:
    weekdays = parse_hours("lun-ven 08:30-18:00")
    # Friday 27 March 2026, 19:00 CET; clocks go forward on Sunday 29 March.
    opening = weekdays.next_opening(utc(2026, 3, 27, 18, 0), PARIS)
    assert opening == utc(2026, 3, 30, 6, 30)  # Monday 08:30 CEST
    assert french_datetime(opening, PARIS) == "lundi 30 mars à 8 h 30"


def test_next_opening_across_fall_back() -> None:
    weekdays = parse_hours("lun-ven 08:30-18:00")
    # Friday 23 October 2026, 19:00 CEST; clocks go back on Sunday 25 October.
    opening = weekdays.next_opening(utc(2026, 10, 23, 17, 0), PARIS)
    assert opening == utc(2026, 10, 26, 7, 30)  # Monday 08:30 CET


def test_is_open_on_dst_days() -> None:
    night = parse_hours("dim 01:00-04:00")
    assert night.is_open(utc(2026, 3, 29, 0, 30), PARIS)  # 01:30 CET
    assert night.is_open(utc(2026, 3, 29, 1, 30), PARIS)  # 03:30 CEST
    assert not night.is_open(utc(2026, 3, 29, 2, 0), PARIS)  # 04:00 CEST
    repeated = parse_hours("dim 02:00-03:00")
    assert repeated.is_open(utc(2026, 10, 25, 0, 30), PARIS)  # first 02:30 (CEST)
    assert repeated.is_open(utc(2026, 10, 25, 1, 30), PARIS)  # second 02:30 (CET)
    assert not repeated.is_open(utc(2026, 10, 25, 2, 0), PARIS)  # 03:00 CET


def test_midnight() -> None:
    nights = parse_hours("lun-dim 22:00-24:00; lun-dim 00:00-06:00")
    assert nights.is_open(utc(2026, 11, 30, 22, 59), PARIS)  # 23:59
    assert nights.is_open(utc(2026, 11, 30, 23, 0), PARIS)  # 00:00 on Tuesday
    assert nights.is_open(utc(2026, 12, 1, 4, 59), PARIS)  # 05:59
    assert not nights.is_open(utc(2026, 12, 1, 5, 0), PARIS)  # 06:00
    assert nights.next_opening(utc(2026, 12, 1, 5, 0), PARIS) == utc(2026, 12, 1, 21, 0)
    assert nights.describe() == "tous les jours de minuit à 6 h et de 22 h à minuit"


def test_next_opening_skips_to_the_next_week() -> None:
    mondays = parse_hours("lun 08:00-09:00")
    # Monday 10:00 → next Monday 08:00
    assert mondays.next_opening(utc(2026, 11, 30, 9, 0), PARIS) == utc(2026, 12, 7, 7, 0)


@pytest.mark.parametrize("spec", ["24/7", "7j/7 24h/24", "  7J/7   24H/24 ", "lun-dim 00:00-24:00"])
def test_always_open(spec: str) -> None:
    schedule = parse_hours(spec)
    assert schedule.always_open
    at = utc(2026, 12, 6, 3, 0)
    assert schedule.is_open(at, PARIS)
    assert schedule.next_opening(at, PARIS) == at
    assert schedule.describe() == "tous les jours, 24 h sur 24"


def test_day_lists_ranges_and_wrapping() -> None:
    schedule = parse_hours("lun,mer 09:00-10:00; ven-lun 14h-15h30")
    assert [bool(day) for day in schedule.week] == [True, False, True, False, True, True, True]
    assert schedule.week[0] == ((9 * 60, 10 * 60), (14 * 60, 15 * 60 + 30))
    assert schedule.week[4] == ((14 * 60, 15 * 60 + 30),)


def test_overlapping_ranges_are_merged() -> None:
    schedule = parse_hours("lun 08:00-12:00,11:00-14:00")
    assert schedule.week[0] == ((8 * 60, 14 * 60),)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("lun", "needs days and time ranges"),
        ("lundy 08:00-09:00", "unknown day 'lundy'"),
        ("lun-xyz 08:00-09:00", "unknown day 'xyz'"),
        ("lun 18:00-08:00", "must end after it starts"),
        ("lun 08:00-08:00", "must end after it starts"),
        ("lun 25:00-26:00", "bad time '25:00'"),
        ("lun 08:61-09:00", "bad time '08:61'"),
        ("lun 08:00", "bad time range '08:00'"),
        ("lun 8-9am", "bad time '9am'"),
        ("lun,,mar 08:00-09:00", "empty day"),
        (";", "define no opening time"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hours(spec)


def test_naive_datetimes_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.is_open(datetime(2026, 11, 30, 9, 0), PARIS)
    with pytest.raises(ValueError, match="timezone-aware"):
        french_datetime(datetime(2026, 11, 30, 9, 0), PARIS)
    with pytest.raises(ValueError, match="unknown time zone"):
        OFFICE.is_open(utc(2026, 11, 30, 9, 0), "Europe/Nowhere")


def test_french_datetime() -> None:
    assert french_datetime(utc(2026, 11, 30, 7, 30), PARIS) == "lundi 30 novembre à 8 h 30"
    assert french_datetime(utc(2026, 12, 1, 13, 0), PARIS) == "mardi 1er décembre à 14 h"
    assert french_datetime(utc(2026, 8, 15, 7, 5), PARIS) == "samedi 15 août à 9 h 05"
    # The local date, not the UTC one: 23:30 UTC on Sunday is Monday in Paris.
    assert french_datetime(utc(2026, 11, 29, 23, 30), PARIS) == "lundi 30 novembre à 0 h 30"


def test_describe() -> None:
    assert parse_hours("lun-ven 08:30-18:00").describe() == "du lundi au vendredi de 8 h 30 à 18 h"
    assert OFFICE.describe() == (
        "du lundi au vendredi de 8 h 30 à 12 h 30 et de 13 h 30 à 18 h\u202f; "
        "le samedi de 9 h à 12 h"
    )
    assert parse_hours("lun,mer 09:00-12:00").describe() == (
        "le lundi et le mercredi de 9 h à 12 h"
    )
    assert parse_hours("sam-dim 00:00-24:00").describe() == (
        "le samedi et le dimanche toute la journée"
    )
