"""Opening hours of the provider and of facilities, written the French way.

Spec format: groups separated by ``;``, each group is a set of days and a set of time ranges:
``"lun-ven 08:30-12:30,13:30-18:00; sam 09:00-12:00"``. Days are ``lun mar mer jeu ven sam dim``
(full names are accepted too), as ranges (``lun-ven``, ``ven-lun``) or lists (``lun,mer``).
Times are ``HH:MM`` (``8h30`` and ``8h`` are accepted), ``24:00`` is the end of the day; ranges
do not cross midnight. ``"24/7"`` or ``"7j/7 24h/24"`` means always open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vigie.core.typography import NNBSP

__all__ = ["Schedule", "french_datetime", "parse_hours", "zone"]

DAY_CODES = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_DAY_INDEX = {code: index for index, code in enumerate(DAY_CODES)} | {
    name: index for index, name in enumerate(DAY_NAMES)
}
_ALWAYS = {"24/7", "7j/7 24h/24", "24h/24 7j/7", "7/7 24/24", "24h/24", "7j/7 24h/24."}
_TIME = re.compile(r"^(\d{1,2})(?:[:h](\d{2})?)?$")
_MINUTES_PER_DAY = 24 * 60

Range = tuple[int, int]  # minutes since local midnight: [start, end)


def zone(tz_name: str) -> ZoneInfo:
    """The time zone called ``tz_name``; ValueError when unknown."""
    try:
        return ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone: {tz_name!r}") from exc


def _check_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")


def _parse_time(text: str, spec: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"bad time {text!r} in opening hours {spec!r} (expected HH:MM)")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"bad time {text!r} in opening hours {spec!r}")
    return hours * 60 + minutes


def _parse_day(text: str, spec: str) -> int:
    try:
        return _DAY_INDEX[text.strip().lower().rstrip(".")]
    except KeyError:
        raise ValueError(
            f"unknown day {text!r} in opening hours {spec!r} "
            f"(expected one of {', '.join(DAY_CODES)})"
        ) from None


def _parse_days(text: str, spec: str) -> list[int]:
    days: list[int] = []
    for item in text.split(","):
        if not item.strip():
            raise ValueError(f"empty day in opening hours {spec!r}")
        if "-" in item:
            first_text, _, last_text = item.partition("-")
            first, last = _parse_day(first_text, spec), _parse_day(last_text, spec)
            span = (last - first) % 7
            days.extend((first + offset) % 7 for offset in range(span + 1))
        else:
            days.append(_parse_day(item, spec))
    return days


def _parse_ranges(text: str, spec: str) -> list[Range]:
    ranges: list[Range] = []
    for item in text.split(","):
        start_text, dash, end_text = item.partition("-")
        if not dash:
            raise ValueError(
                f"bad time range {item.strip()!r} in opening hours {spec!r} (expected HH:MM-HH:MM)"
            )
        start, end = _parse_time(start_text, spec), _parse_time(end_text, spec)
        if start >= end:
            raise ValueError(
                f"time range {item.strip()!r} in opening hours {spec!r} must end after it "
                "starts (ranges cannot cross midnight; split them)"
            )
        ranges.append((start, end))
    return ranges


def _merge(ranges: list[Range]) -> tuple[Range, ...]:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def parse_hours(spec: str) -> Schedule:
    """Parse an opening hours spec (see the module docstring); ValueError when malformed."""
    text = " ".join(spec.split()).lower()
    if not text:
        raise ValueError("opening hours must not be empty (e.g. 'lun-ven 08:30-18:00')")
    if text in _ALWAYS:
        return Schedule(always_open=True, week=((),) * 7)
    per_day: list[list[Range]] = [[] for _ in range(7)]
    for group in text.split(";"):
        group = group.strip()
        if not group:
            continue
        days_text, _, ranges_text = group.partition(" ")
        if not ranges_text.strip():
            raise ValueError(
                f"group {group!r} of opening hours {spec!r} needs days and time ranges "
                "(e.g. 'lun-ven 08:30-18:00')"
            )
        days = _parse_days(days_text, spec)
        ranges = _parse_ranges(ranges_text.replace(" ", ""), spec)
        for day in days:
            per_day[day].extend(ranges)
    week = tuple(_merge(ranges) for ranges in per_day)
    if not any(week):
        raise ValueError(f"opening hours {spec!r} define no opening time")
    if all(day == ((0, _MINUTES_PER_DAY),) for day in week):
        return Schedule(always_open=True, week=((),) * 7)
    return Schedule(always_open=False, week=week)


def _french_time(minutes: int) -> str:
    if minutes in (0, _MINUTES_PER_DAY):
        return "minuit"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def french_datetime(dt_utc: datetime, tz_name: str) -> str:
    """``"lundi 30 novembre à 8 h 30"`` (``"à 14 h"`` on the hour), in the zone ``tz_name``."""
    _check_aware(dt_utc)
    local = dt_utc.astimezone(zone(tz_name))
    day = "1er" if local.day == 1 else str(local.day)
    hour = f"{local.hour} h {local.minute:02d}" if local.minute else f"{local.hour} h"
    return f"{DAY_NAMES[local.weekday()]} {day} {MONTH_NAMES[local.month - 1]} à {hour}"


def _day_runs(days: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def _describe_days(days: list[int]) -> str:
    if len(days) == 7:
        return "tous les jours"
    parts: list[str] = []
    for run in _day_runs(days):
        if len(run) >= 3:
            parts.append(f"du {DAY_NAMES[run[0]]} au {DAY_NAMES[run[-1]]}")
        else:
            parts.extend(f"le {DAY_NAMES[day]}" for day in run)
    return _join(parts)


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours. ``week[0]`` is Monday: sorted, disjoint ``(start, end)`` minutes."""

    always_open: bool
    week: tuple[tuple[Range, ...], ...]

    def is_open(self, at: datetime, tz_name: str) -> bool:
        """Whether ``at`` (aware) falls within the opening hours, local time of ``tz_name``."""
        _check_aware(at)
        local = at.astimezone(zone(tz_name))
        if self.always_open:
            return True
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.week[local.weekday()])

    def next_opening(self, at: datetime, tz_name: str) -> datetime:
        """``at`` when open, else the next opening time, as an aware UTC datetime."""
        _check_aware(at)
        tz = zone(tz_name)
        if self.is_open(at, tz_name):
            return at.astimezone(UTC)
        today: date = at.astimezone(tz).date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            for start, _end in self.week[day.weekday()]:
                local = datetime.combine(day, time(start // 60, start % 60), tzinfo=tz)
                # A start inside a spring-forward gap (02:00-03:00 in Paris) is shifted by the
                # length of the gap (fold=0): no real schedule opens at such a time.
                candidate = local.astimezone(UTC)
                if candidate > at:
                    return candidate
        raise ValueError("these opening hours never open")  # pragma: no cover - parse refuses

    def describe(self) -> str:
        """In French: ``"du lundi au vendredi de 8 h 30 à 18 h"``."""
        if self.always_open:
            return "tous les jours, 24 h sur 24"
        groups: dict[tuple[Range, ...], list[int]] = {}
        for day, ranges in enumerate(self.week):
            if ranges:
                groups.setdefault(ranges, []).append(day)
        parts = []
        for ranges, days in groups.items():
            if ranges == ((0, _MINUTES_PER_DAY),):
                times = "toute la journée"
            else:
                times = _join([f"de {_french_time(s)} à {_french_time(e)}" for s, e in ranges])
            parts.append(f"{_describe_days(days)} {times}")
        return f"{NNBSP}; ".join(parts)
