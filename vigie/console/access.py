"""Who may enter the console and what they see: one-time sign-in links, sessions with an idle
timeout, CSRF tokens, and the audit of every action.

- The provider's technicians and administrators see every facility and the redacted texts.
- A facility's referent (its director or whoever it named) sees only their facility, only
  aggregates and the questions left unanswered, never who asked.
- Staff get no link.

Tokens are 256 random bits; only their SHA-256 is stored. A link works once, for
``CONSOLE_LINK_MINUTES``; a session ends at sign-out, after ``CONSOLE_IDLE_MINUTES`` without
a request, or ``CONSOLE_SESSION_HOURS`` after the sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.console.models import ConsoleAudit, ConsoleLink, ConsoleSession
from vigie.core.clock import Clock, default_clock
from vigie.core.settings import Settings
from vigie.people.models import Facility, Person
from vigie.people.roles import DESK_ROLES, Role

#: Roles that may enter the console.
CONSOLE_ROLES: tuple[str, ...] = (*DESK_ROLES, Role.REFERENT.value)


class AccessError(Exception):
    """A refused sign-in: ``code`` is one of ``not_allowed``, ``unknown``, ``used``,
    ``expired``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Viewer:
    """The signed-in person, as the console needs them."""

    person_id: int
    name: str
    role: str
    facility_id: int | None
    facility_name: str | None
    csrf_token: str

    @property
    def provider(self) -> bool:
        """A technician or an administrator: every facility, the redacted texts."""
        return self.role in DESK_ROLES

    def may_see(self, facility_id: int) -> bool:
        """Whether this facility's figures are for this viewer."""
        return self.provider or (self.facility_id is not None and facility_id == self.facility_id)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_enter(person: Person | None) -> bool:
    """An active technician or administrator, or an active referent of a facility."""
    if person is None or not person.active or person.removed_at is not None:
        return False
    if person.role == Role.REFERENT.value:
        return person.facility_id is not None
    return person.role in DESK_ROLES


class ConsoleAccess:
    """Sign-in links, sessions and the audit, on the application's database."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock or default_clock()

    # --- Links -----------------------------------------------------------------------------

    async def create_link(self, person_id: int) -> str:
        """A one-time sign-in URL for this person (raises AccessError("not_allowed") for
        staff, a removed person or an unknown id)."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._sessionmaker() as session:
            person = await session.get(Person, person_id)
            if not may_enter(person):
                raise AccessError("not_allowed")
            session.add(
                ConsoleLink(
                    token_hash=_hash(token),
                    person_id=person_id,
                    created_at=now,
                    expires_at=now + timedelta(minutes=self._settings.console_link_minutes),
                )
            )
            await self._audit(session, person_id, "link_created", None)
            await session.commit()
        return f"{self._settings.console_url()}/entrer/{token}"

    async def create_link_for_sender(self, sender: str) -> str:
        """The same, for the person behind a chat's pseudonym (``/console``)."""
        async with self._sessionmaker() as session:
            person_id = await session.scalar(select(Person.id).where(Person.sender == sender))
        if person_id is None:
            raise AccessError("not_allowed")
        return await self.create_link(person_id)

    async def redeem(self, token: str) -> tuple[str, Viewer]:
        """Use a link: a new session ``(session token, viewer)``. The link cannot be used
        again; AccessError("unknown" | "used" | "expired" | "not_allowed") otherwise."""
        now = self._clock.now()
        async with self._sessionmaker() as session:
            link = await session.scalar(
                select(ConsoleLink).where(ConsoleLink.token_hash == _hash(token))
            )
            if link is None:
                raise AccessError("unknown")
            # Used or not, the first request wins: the update only matches an unused link.
            used = await session.execute(
                update(ConsoleLink)
                .where(ConsoleLink.id == link.id, ConsoleLink.used_at.is_(None))
                .values(used_at=now)
            )
            if used.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                raise AccessError("used")
            if link.expires_at <= now:
                await session.commit()
                raise AccessError("expired")
            person = await session.get(Person, link.person_id)
            if not may_enter(person):
                await session.commit()
                raise AccessError("not_allowed")
            session_token = secrets.token_urlsafe(32)
            row = ConsoleSession(
                token_hash=_hash(session_token),
                csrf_token=secrets.token_urlsafe(32),
                person_id=link.person_id,
                created_at=now,
                last_seen_at=now,
            )
            session.add(row)
            await self._audit(session, link.person_id, "signed_in", None)
            await session.commit()
            viewer = await self._viewer(session, row)
        assert viewer is not None
        return session_token, viewer

    # --- Sessions --------------------------------------------------------------------------

    async def viewer(self, session_token: str | None) -> Viewer | None:
        """The person of a live session (its idle time restarts), else None."""
        if not session_token:
            return None
        now = self._clock.now()
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(ConsoleSession).where(ConsoleSession.token_hash == _hash(session_token))
            )
            if row is None or row.ended_at is not None:
                return None
            idle = timedelta(minutes=self._settings.console_idle_minutes)
            longest = timedelta(hours=self._settings.console_session_hours)
            if row.last_seen_at + idle <= now or row.created_at + longest <= now:
                row.ended_at = now
                await session.commit()
                return None
            viewer = await self._viewer(session, row)
            if viewer is None:  # no longer allowed (removed, role changed)
                row.ended_at = now
                await session.commit()
                return None
            row.last_seen_at = now
            await session.commit()
            return viewer

    async def sign_out(self, session_token: str, viewer: Viewer) -> None:
        async with self._sessionmaker() as session:
            await session.execute(
                update(ConsoleSession)
                .where(ConsoleSession.token_hash == _hash(session_token))
                .values(ended_at=self._clock.now())
            )
            await self._audit(session, viewer.person_id, "signed_out", None)
            await session.commit()

    @staticmethod
    def csrf_ok(viewer: Viewer, token: str | None) -> bool:
        """Whether a form carries this session's CSRF token."""
        return bool(token) and hmac.compare_digest(viewer.csrf_token, token or "")

    # --- Retention -------------------------------------------------------------------------

    async def purge(
        self, now: datetime, audit_before: datetime, *, dry_run: bool = False
    ) -> tuple[int, int]:
        """Links and sessions that can no longer be used (a day after their end), and audit
        rows older than ``audit_before``: (links and sessions, audit rows) deleted, or with
        ``dry_run`` counted."""
        day = timedelta(days=1)
        longest = timedelta(hours=self._settings.console_session_hours)
        conditions = (
            (ConsoleLink, ConsoleLink.expires_at < now - day),
            (
                ConsoleSession,
                or_(
                    ConsoleSession.ended_at < now - day,
                    ConsoleSession.created_at < now - longest - day,
                ),
            ),
            (ConsoleAudit, ConsoleAudit.at < audit_before),
        )
        counts: list[int] = []
        async with self._sessionmaker() as session:
            for table, condition in conditions:
                if dry_run:
                    found = await session.scalar(
                        select(func.count()).select_from(table).where(condition)
                    )
                    counts.append(int(found or 0))
                else:
                    result = await session.execute(delete(table).where(condition))
                    counts.append(int(result.rowcount or 0))  # type: ignore[attr-defined]
            await session.commit()
        return counts[0] + counts[1], counts[2]

    # --- Audit -----------------------------------------------------------------------------

    async def audit(self, viewer: Viewer, action: str, target: str | None = None) -> None:
        """Record one console action (a page seen, a decision, an export)."""
        async with self._sessionmaker() as session:
            await self._audit(session, viewer.person_id, action, target)
            await session.commit()

    async def _audit(
        self, session: AsyncSession, person_id: int | None, action: str, target: str | None
    ) -> None:
        session.add(
            ConsoleAudit(
                at=self._clock.now(),
                person_id=person_id,
                action=action[:32],
                target=target[:128] if target else None,
            )
        )

    async def _viewer(self, session: AsyncSession, row: ConsoleSession) -> Viewer | None:
        person = await session.get(Person, row.person_id)
        if not may_enter(person):
            return None
        assert person is not None
        facility_name = None
        if person.facility_id is not None:
            facility_name = await session.scalar(
                select(Facility.name).where(Facility.id == person.facility_id)
            )
        return Viewer(
            person_id=person.id,
            name=person.name or ("Référent" if person.role == Role.REFERENT.value else "—"),
            role=person.role,
            facility_id=person.facility_id if person.role == Role.REFERENT.value else None,
            facility_name=facility_name,
            csrf_token=row.csrf_token,
        )
