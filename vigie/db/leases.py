"""Named leases in the database: the process that holds ``name`` runs a job that must run once
across processes (the outbox dispatcher, the housekeeping), until its lease runs out; another
process takes the job over when the holder stopped renewing it (it died, or was stopped).

One statement takes or renews a lease: an insert when nobody holds it, else an update that
matches only when the lease is the caller's or has run out. On PostgreSQL the row lock makes
two processes racing for an expired lease end with one holder; SQLite has one writer at a
time (and one bot process)."""

from __future__ import annotations

import logging
import math
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from vigie.core.clock import Clock, default_clock
from vigie.db.base import Base
from vigie.db.engine import execute_write, insert_unless_present

logger = logging.getLogger(__name__)


class Lease(Base):
    """Who runs a once-only job, and until when."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"Lease(name={self.name!r}, holder={self.holder!r})"


def process_identity(instance: str | None = None) -> str:
    """This process's name on the leases it takes (≤ 64 characters): the machine and the
    process's instance name (``BOT_INSTANCE``: bot-1, bot-2…, unique per process), so that a
    process restarted in its slot takes its own leases back at once, while another process
    waits for them to run out. Without an instance name: the process id and a random part."""
    host = socket.gethostname()[:24]
    if instance:
        return f"{host}:{instance}"[:64]
    return f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


class Leases:
    """Take, renew and give back named leases."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        holder: str,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.holder = holder
        self._clock = clock or default_clock()

    async def acquire(self, name: str, seconds: float) -> bool:
        """Take or renew the lease ``name`` for ``seconds``; False when another process holds
        it and its lease has not run out."""
        now = self._clock.now()
        until = now + timedelta(seconds=seconds)
        renewed = await execute_write(
            self._sessionmaker,
            update(Lease)
            .where(
                Lease.name == name,
                (Lease.holder == self.holder) | (Lease.expires_at < now),
            )
            .values(holder=self.holder, expires_at=until),
        )
        if renewed:
            return True
        async with self._sessionmaker() as session:
            stmt = insert_unless_present(
                session,
                Lease,
                {"name": name, "holder": self.holder, "expires_at": until},
                [Lease.name],
            ).returning(Lease.name)
            try:
                inserted = (await session.execute(stmt)).first()
                await session.commit()
            except IntegrityError:  # pragma: no cover - the conflict clause covers it
                return False
        return inserted is not None

    async def release(self, name: str) -> None:
        """Give the lease back (at a clean stop): another process may take it at once."""
        await execute_write(
            self._sessionmaker,
            delete(Lease).where(Lease.name == name, Lease.holder == self.holder),
        )

    async def holder_of(self, name: str) -> str | None:
        """Who holds ``name`` now (None: nobody, or run out)."""
        async with self._sessionmaker() as session:
            lease = await session.scalar(select(Lease).where(Lease.name == name))
        if lease is None or lease.expires_at < self._clock.now():
            return None
        return lease.holder


class LeasedJob:
    """A job that runs in one process at a time (the outbox dispatcher, the housekeeping, the
    report mailbox): :meth:`holds` takes or renews its lease (while held, at most every
    ``renew_seconds``), says when this process starts or stops running it, and takes a
    database error for « not held »; :meth:`release` gives it back at a clean stop, so that
    another process takes it over at once. Without leases (one process) the job always runs
    here."""

    def __init__(
        self,
        leases: Leases | None,
        name: str,
        seconds: float,
        *,
        what: str,
        renew_seconds: float = 0.0,
    ) -> None:
        self._leases = leases
        self.name = name
        self.seconds = seconds
        self._what = what  # for the logs: « sends the notifications »…
        self._renew_seconds = renew_seconds
        self._checked = -math.inf
        self.leading = False

    async def holds(self) -> bool:
        """Whether this process runs the job now (never raises)."""
        if self._leases is None:
            return True
        now = time.monotonic()
        if self.leading and now < self._checked + self._renew_seconds:
            return True
        try:
            held = await self._leases.acquire(self.name, self.seconds)
        except Exception:
            logger.exception("Lease %s not checked", self.name)
            held = False
        if held and not self.leading:
            logger.info("Lease %s taken: this process %s", self.name, self._what)
        elif self.leading and not held:
            logger.warning("Lease %s lost: another process %s", self.name, self._what)
        self.leading, self._checked = held, now
        return held

    async def release(self) -> None:
        """Give the lease back if held (never raises: it runs out by itself otherwise)."""
        if self._leases is None or not self.leading:
            return
        self.leading = False
        try:
            await self._leases.release(self.name)
        except Exception:
            logger.exception("Lease %s not released (it runs out by itself)", self.name)
