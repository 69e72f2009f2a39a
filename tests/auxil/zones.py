"""A time zone where it is a given hour right now: lets a test run « at 3 a.m. » at the
facility while every process (the action server included) keeps the system clock."""

from __future__ import annotations

from datetime import UTC, datetime


def zone_at_hour(hour: int, now: datetime | None = None) -> str:
    """An ``Etc/GMT±N`` zone whose local hour is ``hour`` at ``now`` (default: the clock).

    ``Etc/GMT+N`` is N hours behind UTC (POSIX sign); N is kept within -12…+11, and every
    residue modulo 24 is in that range, so there is always one.
    """
    utc_hour = (now or datetime.now(UTC)).astimezone(UTC).hour
    offset = ((utc_hour - hour + 12) % 24) - 12  # hours behind UTC
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'+' if offset > 0 else '-'}{abs(offset)}"
