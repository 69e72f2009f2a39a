"""The sent journal: an answer accepted by Telegram is written down at once, in one system call.

Telegram has no idempotency key. A bot process killed after Telegram accepted an answer and
before the inbox marked its message done sends that answer again once restarted (and asks Rasa
the same message a second time). Marking the item in the database takes a statement on the
network or behind SQLite's write lock: a few milliseconds, more under load. The journal takes
one ``write(2)`` on a file opened in append mode, which the kernel keeps even if the process is
killed the next instant. At the next start, the items written in the journal and still pending
are marked done before anything is handled, then the journal is emptied.

What it holds: one line per answered item, ``<item id> <chat id>``: no text, nothing personal
beyond the chat id the inbox already holds. The replay checks both, so an entry never marks
another chat's item. One journal per database (its name is a hash of the database URL), in
``JOURNAL_DIR``; readable by its owner only.

What it does not cover: a machine that loses power between the send and the write (the page
cache is lost; the answer may be sent again, never lost), and a reply of several messages
interrupted between two of them (the whole reply is sent again).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

# Past this many entries the journal is compacted (its entries marked, then the file emptied).
COMPACT_AFTER = 10_000

MarkSent = Callable[[Iterable[tuple[int, int]]], Awaitable[int]]
"""Marks done the items of these (item id, chat id) pairs that are still pending; how many."""


def journal_path(directory: Path, database_url: str) -> Path:
    """The journal of one database: its name does not show the URL (which may hold a secret)."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return directory / f"sent-{digest}.journal"


def read_entries(path: Path) -> list[tuple[int, int]]:
    """The well-formed entries of a journal file (a line cut by a crash is skipped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    entries: list[tuple[int, int]] = []
    for line in data.split(b"\n"):
        fields = line.split()
        if len(fields) != 2:
            continue
        try:
            entries.append((int(fields[0]), int(fields[1])))
        except ValueError:
            continue
    return entries


class SentJournal:
    """The append-only record of the answers accepted by Telegram, for one database."""

    def __init__(self, path: Path, *, compact_after: int = COMPACT_AFTER) -> None:
        self._path = path
        self._rotated = path.with_name(path.name + ".old")
        self._compact_after = compact_after
        self._fd: int | None = None
        self._entries = 0

    @property
    def path(self) -> Path:
        return self._path

    async def open(self, mark_sent: MarkSent) -> int:
        """Replay what earlier processes wrote (the items still pending are marked done), empty
        the journal and open it for appending; the number of items marked."""
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        entries = read_entries(self._rotated) + read_entries(self._path)
        marked = await mark_sent(entries) if entries else 0
        if marked:
            logger.warning(
                "Answers sent but not marked before a crash: %s (marked now, not sent again)",
                marked,
            )
        self._fd = os.open(
            self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC | os.O_CLOEXEC, 0o600
        )
        os.fchmod(self._fd, 0o600)
        self._rotated.unlink(missing_ok=True)
        self._entries = 0
        return marked

    def record(self, item_id: int, chat_id: int) -> None:
        """Write down that the answer of this item was accepted: one ``write(2)``, no await."""
        if self._fd is None:
            return
        try:
            os.write(self._fd, f"{item_id} {chat_id}\n".encode())
        except OSError as exc:  # a full disk: the database mark still follows
            logger.error("Sent journal not written: %s", type(exc).__name__)
            return
        self._entries += 1

    @property
    def full(self) -> bool:
        """Whether the journal should be compacted."""
        return self._entries >= self._compact_after

    async def compact(self, mark_sent: MarkSent) -> None:
        """Move the entries aside, start a new file, mark the moved entries (most are marked
        already; the others are in flight and marked right after), then drop them."""
        if self._fd is None or not self.full:
            return
        os.replace(self._path, self._rotated)
        old, self._fd = (
            self._fd,
            os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600),
        )
        os.close(old)
        self._entries = 0
        await mark_sent(read_entries(self._rotated))
        self._rotated.unlink(missing_ok=True)

    def close(self) -> None:
        """Stop appending (the file stays: the next start replays it)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    async def aclose(self, mark_sent: MarkSent) -> None:
        """Stop appending, mark what the journal holds (a worker stopped between an answer and
        its mark) and remove the file; if the database cannot be reached, the file stays for
        the next start."""
        self.close()
        try:
            await mark_sent(read_entries(self._rotated) + read_entries(self._path))
        except Exception as exc:
            logger.warning("Sent journal kept for the next start: %s", type(exc).__name__)
            return
        self._rotated.unlink(missing_ok=True)
        self._path.unlink(missing_ok=True)
