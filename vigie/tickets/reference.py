"""Ticket references (``VIG-2026-00042``): the one grammar, its canonical form and readers.

People write references loosely (« vig 2026 42 », « VIG_2026_00042 »); Vigie always writes
the canonical form, ``VIG-<year>-<number on at least five digits>``.
"""

from __future__ import annotations

import re

#: What a person may write: « VIG », an optional separator, the year, the number.
_LOOSE = r"VIG[-\s_]?(\d{4})[-\s_]?(\d{1,6})"
_LOOSE_RE = re.compile(_LOOSE, re.IGNORECASE)
_LOOSE_IN_TEXT_RE = re.compile(rf"\b{_LOOSE}\b", re.IGNORECASE)
#: What Vigie writes (e-mail subjects, texts).
CANONICAL = r"VIG-\d{4}-\d{5,}"
_IN_SUBJECT_RE = re.compile(rf"\[({CANONICAL})\]")


def format_reference(year: int, number: int) -> str:
    """The canonical reference of ticket ``number`` of ``year``."""
    return f"VIG-{year}-{number:05d}"


def normalize_reference(value: str) -> str | None:
    """``"vig 2026 42"`` → ``"VIG-2026-00042"``; None when it is not a reference."""
    match = _LOOSE_RE.fullmatch(value.strip())
    if not match:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


def find_reference(text: str) -> str | None:
    """The first reference written in ``text``, normalised; None when there is none."""
    match = _LOOSE_IN_TEXT_RE.search(text or "")
    if match is None:
        return None
    return format_reference(int(match.group(1)), int(match.group(2)))


def reference_in_subject(subject: str) -> str | None:
    """The reference in an e-mail subject such as ``"[VIG-2026-00042] …"``, or None."""
    match = _IN_SUBJECT_RE.search(subject)
    return match.group(1) if match else None
