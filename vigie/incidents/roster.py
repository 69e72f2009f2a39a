"""The on-call roster (``ONCALL_ROSTER``): who is paged first, and who next, slot by slot.

Format: slots separated by ``|``; each slot is ``<hours>=<chat ids>``. ``<hours>`` is an
opening-hours spec as in :mod:`vigie.core.hours` (``lun-ven 08:00-18:00``, ``sam,dim 09:00-19:00``,
``24/7``) or ``*`` (any time); ``<chat ids>`` are Telegram chat ids separated by commas: the
on-call technician first, then the backups in the order they are called. The first slot whose
hours hold the moment wins; no slot: nobody on call. An empty roster means no on-call
technician (the technicians are still paged). Example::

    ONCALL_ROSTER="lun-ven 08:00-18:00=111,222 | *=333,111"
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigie.core.hours import Schedule, parse_hours

ANY_TIME = "*"
SLOT_SEPARATOR = "|"


@dataclass(frozen=True)
class Slot:
    """A time slot and its chain of chats (on call first, then the backups)."""

    hours: Schedule | None  # None: any time
    chats: tuple[int, ...]


@dataclass(frozen=True)
class Roster:
    """The parsed roster."""

    slots: tuple[Slot, ...] = ()

    def chain_at(self, at: datetime, tz_name: str) -> tuple[int, ...]:
        """The chats of the slot holding ``at`` (on call, then backups); ``()`` when none."""
        for slot in self.slots:
            if slot.hours is None or slot.hours.is_open(at, tz_name):
                return slot.chats
        return ()


def parse_roster(spec: str) -> Roster:
    """Read ``ONCALL_ROSTER``; ValueError (saying which slot) when it cannot be read."""
    slots: list[Slot] = []
    for raw in spec.split(SLOT_SEPARATOR):
        text = raw.strip()
        if not text:
            continue
        hours_text, equals, chats_text = text.rpartition("=")
        if not equals or not hours_text.strip():
            raise ValueError(f"ONCALL_ROSTER slot {text!r}: expected <hours>=<chat ids>")
        try:
            chats = tuple(int(chat) for chat in chats_text.split(",") if chat.strip())
        except ValueError:
            raise ValueError(f"ONCALL_ROSTER slot {text!r}: chat ids must be integers") from None
        if not chats:
            raise ValueError(f"ONCALL_ROSTER slot {text!r}: no chat id")
        hours_spec = hours_text.strip()
        try:
            hours = None if hours_spec == ANY_TIME else parse_hours(hours_spec)
        except ValueError as exc:
            raise ValueError(f"ONCALL_ROSTER slot {text!r}: {exc}") from None
        slots.append(Slot(hours, tuple(dict.fromkeys(chats))))
    return Roster(tuple(slots))
