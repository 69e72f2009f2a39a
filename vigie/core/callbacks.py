"""The callback data of Vigie's own buttons (handled without Rasa): ``v:<action>:<arg>…``.

Buttons built here are read back by :func:`decode`; everything else a button carries (Rasa
payloads such as ``/inform{…}``) is not ours. Telegram limits callback data to 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "v:"
SEPARATOR = ":"
MAX_BYTES = 64


@dataclass(frozen=True)
class Callback:
    """A decoded button: its action and its arguments (texts, as they were encoded)."""

    action: str
    arguments: tuple[str, ...] = ()

    @property
    def argument(self) -> str:
        """The arguments as one text (``""`` when there is none)."""
        return SEPARATOR.join(self.arguments)


def encode(action: str, *arguments: object) -> str:
    """``encode("take", 42)`` → ``"v:take:42"``; refuses what could not be read back."""
    parts = [action, *(str(argument) for argument in arguments)]
    if any(not part or SEPARATOR in part for part in parts):
        raise ValueError(f"callback parts must be non-empty and without {SEPARATOR!r}")
    data = PREFIX + SEPARATOR.join(parts)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError("callback data longer than Telegram's 64 bytes")
    return data


def is_ours(data: str) -> bool:
    """Whether a button's data is one of Vigie's own (never sent to Rasa)."""
    return data.startswith(PREFIX)


def decode(data: str) -> Callback | None:
    """The button behind ``data``; None when it is not one of Vigie's own."""
    if not is_ours(data):
        return None
    action, *arguments = data[len(PREFIX) :].split(SEPARATOR)
    return Callback(action, tuple(arguments))
