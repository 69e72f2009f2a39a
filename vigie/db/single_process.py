"""One bot process per SQLite database.

Several bot processes share the inbox, the leases and the outbox on PostgreSQL (``FOR UPDATE
SKIP LOCKED``, docs/deployment.md). SQLite has one writer at a time and none of that: a
second bot process on the same file would answer the same chats twice. The bot takes an
exclusive lock on a file beside the database as it starts (``flock``: the kernel gives it back
when the process ends, even SIGKILLed) and refuses to start when another process holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from vigie.db.engine import sqlite_file

LOCK_SUFFIX = ".bot.lock"


class AnotherProcess(Exception):
    """Another bot process already works on this SQLite database."""

    def __init__(self, database: Path, holder: str) -> None:
        super().__init__(str(database))
        self.database = database
        self.holder = holder

    def french(self) -> str:
        """What the operator reads as the process refuses to start."""
        holder = f" (processus {self.holder})" if self.holder else ""
        return (
            f"Un autre processus du bot utilise déjà la base SQLite {self.database}{holder}. "
            "Avec SQLite, Vigie ne fonctionne qu’avec un seul processus du bot : arrêtez "
            "l’autre, ou passez à PostgreSQL pour en lancer plusieurs (docs/deployment.md)."
        )


class SingleProcessLock:
    """The lock of one SQLite database (nothing for another database or an in-memory one)."""

    def __init__(self, database_url: str) -> None:
        parsed = make_url(database_url)
        self.database = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
        self._fd: int | None = None

    @property
    def path(self) -> Path | None:
        return (
            None
            if self.database is None
            else self.database.with_name(self.database.name + LOCK_SUFFIX)
        )

    def acquire(self) -> None:
        """Take the lock; ``AnotherProcess`` when another process holds it."""
        path = self.path
        if path is None or self._fd is not None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            assert self.database is not None
            raise AnotherProcess(self.database, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
