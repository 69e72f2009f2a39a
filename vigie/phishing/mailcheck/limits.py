"""Resource limits of the analyser and the processing-time budget."""

from __future__ import annotations

from dataclasses import dataclass

from vigie.core.clock import SYSTEM_CLOCK, Clock
from vigie.core.files import MAX_FILE_BYTES

__all__ = ["Deadline", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile file from hanging or exhausting the process."""

    max_bytes: int = MAX_FILE_BYTES  # larger files: headers only, verdict at least "douteux"
    max_depth: int = 8  # MIME nesting
    max_parts: int = 200  # MIME parts walked
    max_header_bytes: int = 64 * 1024  # all top-level headers together
    max_text_chars: int = 500_000  # decoded text scanned (plain text and HTML)
    max_zip_entries: int = 1000  # ZIP central-directory entries read
    max_zip_central_dir_bytes: int = 1024 * 1024  # ZIP central directory bytes read
    max_seconds: float = 2.0  # processing-time budget, checked between steps
    max_links: int = 500  # links kept
    max_macro_bytes: int = 5 * 1024 * 1024  # Office files larger than this: macros not read
    max_macro_seconds: float = 1.0  # reading one file's macros (and never past the deadline)


class Deadline:
    """The processing-time budget: checked between steps, never interrupts a step."""

    def __init__(self, seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self.started = clock.monotonic()
        self.ends = self.started + seconds

    def expired(self, share: float = 1.0) -> bool:
        """Whether ``share`` of the budget is spent (parsing stops early to leave time for the
        signals)."""
        return self._clock.monotonic() >= self.started + (self.ends - self.started) * share

    def remaining(self, share: float = 1.0) -> float:
        """Seconds left until ``share`` of the budget is spent (negative past it)."""
        return self.started + (self.ends - self.started) * share - self._clock.monotonic()

    def elapsed_ms(self) -> float:
        return (self._clock.monotonic() - self.started) * 1000.0
