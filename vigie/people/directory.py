"""The directory: facilities, people (staff, referents, technicians, admins), invitations.

Each method runs in one short transaction. Views are frozen dataclasses, detached from the
database. Staff never have a name stored; technicians have a display name.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.hours import parse_hours
from vigie.core.typography import NBSP
from vigie.db.base import utcnow
from vigie.db.engine import execute_write
from vigie.people.models import Facility, Invitation, Person
from vigie.people.roles import DESK_ROLES, JOBS, ROLES, STAFF_ROLES, is_technician

#: Default contract hours of a new facility (same as ``Settings.provider_hours``).
DEFAULT_HOURS = "lun-ven 08:30-18:00"
#: Invitation codes: no 0/O/1/I/L, so that a code read aloud or copied by hand is unambiguous.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# Roles whose name is shown to staff ("Paul, technicien"); staff never have a name stored.
NAME_MAX_CHARS = 100

_FINESS_RE = re.compile(r"(?:\d{2}|2[AB])\d{7}")

InvitationFailure = Literal["unknown", "expired", "used_up", "revoked", "wrong_role", "removed"]


@dataclass(frozen=True)
class FacilityView:
    id: int
    name: str
    town: str
    finess: str | None
    hours: str
    timezone: str
    referent_contact: str | None
    report_email: str | None = None


@dataclass(frozen=True)
class PersonView:
    id: int
    channel: str
    chat_id: int
    sender: str
    facility_id: int | None
    facility_name: str | None
    role: str
    job: str | None
    name: str | None
    active: bool


def can_open_tickets(person: PersonView | None) -> bool:
    """The person is registered in a facility and active: they can open and follow tickets."""
    return person is not None and person.facility_id is not None and person.active


@dataclass(frozen=True)
class InvitationView:
    id: int
    code: str
    facility_id: int | None
    facility_name: str | None
    role: str
    max_uses: int
    uses: int
    expires_at: datetime
    revoked: bool


class InvitationError(Exception):
    """An invitation code that cannot be redeemed; ``reason`` says why."""

    def __init__(self, reason: InvitationFailure) -> None:
        super().__init__(reason)
        self.reason: InvitationFailure = reason


class DirectoryError(ValueError):
    """Bad input for the directory (duplicate name, bad FINESS, bad hours…)."""


def normalize_code(code: str) -> str:
    """An invitation code as stored: trimmed, uppercase."""
    return code.strip().upper()


def new_code() -> str:
    """A fresh random invitation code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


_REPORT_EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def facility_view(facility: Facility) -> FacilityView:
    return FacilityView(
        id=facility.id,
        name=facility.name,
        town=facility.town,
        finess=facility.finess,
        hours=facility.hours,
        timezone=facility.timezone,
        referent_contact=facility.referent_contact,
        report_email=facility.report_email,
    )


def person_view(person: Person, facility_name: str | None) -> PersonView:
    return PersonView(
        id=person.id,
        channel=person.channel,
        chat_id=person.chat_id,
        sender=person.sender,
        facility_id=person.facility_id,
        facility_name=facility_name,
        role=person.role,
        job=person.job,
        name=person.name,
        active=person.active,
    )


def _invitation_view(invitation: Invitation, facility_name: str | None) -> InvitationView:
    return InvitationView(
        id=invitation.id,
        code=invitation.code,
        facility_id=invitation.facility_id,
        facility_name=facility_name,
        role=invitation.role,
        max_uses=invitation.max_uses,
        uses=invitation.uses,
        expires_at=invitation.expires_at,
        revoked=invitation.revoked,
    )


def _clean(value: str, what: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise DirectoryError(f"{what}{NBSP}: valeur vide")
    if len(cleaned) > limit:
        raise DirectoryError(f"{what}{NBSP}: trop long ({limit} caractères au plus)")
    return cleaned


def _people_with_facility() -> Select[tuple[Person, str | None]]:
    facility_name: Any = Facility.name  # NULL for people without a facility (outer join)
    return select(Person, facility_name).outerjoin(Facility, Person.facility_id == Facility.id)


def _as_id(value: str | int) -> int | None:
    if isinstance(value, int):
        return value
    text = value.strip()
    return int(text) if text.isdigit() else None


async def technician_chats(session: AsyncSession, group_chat_id: int | None) -> list[int]:
    """Where the technicians read Vigie's notices: their group chat (``TECHNICIANS_CHAT_ID``)
    if there is one, else the private chat of every active technician (Telegram only)."""
    if group_chat_id is not None:
        return [group_chat_id]
    chats = await session.scalars(
        select(Person.chat_id)
        .where(
            Person.role == "technician",
            Person.active.is_(True),
            Person.channel == "telegram",  # technicians work from Telegram only
        )
        .order_by(Person.id)
    )
    return list(dict.fromkeys(chats))


class Directory:
    """Facilities, people and invitations."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    # --- Facilities ---------------------------------------------------------------------

    async def create_facility(
        self,
        name: str,
        town: str,
        *,
        finess: str | None = None,
        hours: str | None = None,
        timezone: str = "Europe/Paris",
        referent_contact: str | None = None,
    ) -> FacilityView:
        """A new facility; DirectoryError on bad input or a name already taken."""
        name = _clean(name, "nom", 120)
        town = _clean(town, "commune", 120)
        if finess is not None:
            finess = finess.strip().replace(" ", "").upper() or None
        if finess is not None and not _FINESS_RE.fullmatch(finess):
            raise DirectoryError(
                f"FINESS invalide{NBSP}: 9 caractères, des chiffres (2A ou 2B pour la Corse)"
            )
        hours = _clean(hours if hours is not None else DEFAULT_HOURS, "horaires", 200)
        try:
            parse_hours(hours)
        except ValueError as exc:
            raise DirectoryError(f"horaires invalides{NBSP}: {exc}") from exc
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise DirectoryError(f"fuseau horaire inconnu{NBSP}: {timezone}") from exc
        if referent_contact is not None:
            referent_contact = _clean(referent_contact, "contact du référent", 200)
        async with self._sessionmaker() as session:
            taken = await session.scalar(
                select(Facility.id).where(func.lower(Facility.name) == name.lower())
            )
            if taken is not None:
                raise DirectoryError(f"un établissement nommé {name!r} existe déjà")
            facility = Facility(
                name=name,
                town=town,
                finess=finess,
                hours=hours,
                timezone=timezone,
                referent_contact=referent_contact,
                created_at=utcnow(),
            )
            session.add(facility)
            try:
                await session.commit()
            except IntegrityError as exc:
                raise DirectoryError(f"un établissement nommé {name!r} existe déjà") from exc
            return facility_view(facility)

    async def set_report_email(self, id_or_name: str | int, address: str | None) -> FacilityView:
        """Where the facility's monthly report is also e-mailed (None: nowhere)."""
        if address is not None:
            address = address.strip()
            if not _REPORT_EMAIL_RE.fullmatch(address) or len(address) > 320:
                raise DirectoryError(f"adresse e-mail invalide{NBSP}: {address!r}")
        async with self._sessionmaker() as session:
            facility = await self._facility(session, id_or_name)
            if facility is None:
                raise DirectoryError(f"établissement inconnu{NBSP}: {id_or_name!r}")
            facility.report_email = address
            await session.commit()
            return facility_view(facility)

    async def list_facilities(self) -> list[FacilityView]:
        async with self._sessionmaker() as session:
            rows = await session.scalars(select(Facility).order_by(Facility.name))
            return [facility_view(f) for f in rows]

    async def get_facility(self, id_or_name: str | int) -> FacilityView | None:
        """By id (an int or a string of digits) or by name (case-insensitive)."""
        async with self._sessionmaker() as session:
            facility = await self._facility(session, id_or_name)
            return facility_view(facility) if facility else None

    @staticmethod
    async def _facility(session: AsyncSession, id_or_name: str | int) -> Facility | None:
        facility_id = _as_id(id_or_name)
        if facility_id is not None:
            found = await session.get(Facility, facility_id)
            if found is not None or isinstance(id_or_name, int):
                return found
        name = " ".join(str(id_or_name).split()).lower()
        return cast(
            "Facility | None",
            await session.scalar(select(Facility).where(func.lower(Facility.name) == name)),
        )

    # --- Invitations --------------------------------------------------------------------

    async def create_invitation(
        self, *, facility_id: int | None, role: str, max_uses: int = 50, valid_days: int = 30
    ) -> InvitationView:
        """A new code; staff and referent codes need a facility."""
        if role not in ROLES:
            raise DirectoryError(f"rôle inconnu {role!r} (au choix{NBSP}: {', '.join(ROLES)})")
        if role in STAFF_ROLES and facility_id is None:
            raise DirectoryError(f"une invitation {role} doit désigner un établissement")
        if max_uses < 1:
            raise DirectoryError("le nombre d’utilisations (max_uses) doit être d’au moins 1")
        if valid_days < 1:
            raise DirectoryError("la durée de validité (valid_days) doit être d’au moins 1 jour")
        async with self._sessionmaker() as session:
            facility_name: str | None = None
            if facility_id is not None:
                facility = await session.get(Facility, facility_id)
                if facility is None:
                    raise DirectoryError(f"aucun établissement n° {facility_id}")
                facility_name = facility.name
            now = utcnow()
            for _ in range(5):
                invitation = Invitation(
                    code=new_code(),
                    facility_id=facility_id,
                    role=role,
                    max_uses=max_uses,
                    uses=0,
                    expires_at=now + timedelta(days=valid_days),
                    revoked=False,
                    created_at=now,
                )
                session.add(invitation)
                try:
                    await session.commit()
                except IntegrityError:  # pragma: no cover - a code collision, 1 in 8e14
                    await session.rollback()
                    continue
                return _invitation_view(invitation, facility_name)
        raise DirectoryError("impossible de créer un code unique")  # pragma: no cover

    async def list_invitations(self, facility_id: int | None = None) -> list[InvitationView]:
        stmt = select(Invitation, Facility.name).outerjoin(
            Facility, Invitation.facility_id == Facility.id
        )
        if facility_id is not None:
            stmt = stmt.where(Invitation.facility_id == facility_id)
        async with self._sessionmaker() as session:
            rows = await session.execute(stmt.order_by(Invitation.id))
            return [_invitation_view(inv, name) for inv, name in rows.tuples()]

    async def revoke_invitation(self, code: str) -> None:
        """Revoke a code; DirectoryError if it does not exist."""
        stmt = (
            update(Invitation).where(Invitation.code == normalize_code(code)).values(revoked=True)
        )
        if await execute_write(self._sessionmaker, stmt) == 0:
            raise DirectoryError("code d’invitation inconnu")

    async def redeem_invitation(
        self,
        code: str,
        *,
        channel: str,
        chat_id: int,
        sender: str,
        name: str | None = None,
        roles: Collection[str] | None = None,
    ) -> PersonView:
        """Link the person to the code's facility and role (created if new).

        Raises InvitationError (unknown, revoked, expired, used_up; wrong_role when ``roles``
        is given and the code's role is not one of them; removed when an admin removed the
        person, whatever the code: only ``add_technician`` brings them back). Nothing is used
        or changed then.
        Someone already linked to the same facility with the same role gets their view back
        and uses nothing. ``name`` (the Telegram first name) is kept for technicians and
        admins only, to sign their messages to staff, and only when they have no name yet;
        staff never have one.
        """
        normalized = normalize_code(code)
        if not normalized or len(normalized) > 32:
            raise InvitationError("unknown")
        async with self._sessionmaker() as session:
            person = await self._person_for(
                session, channel=channel, chat_id=chat_id, sender=sender
            )
            if person is not None and person.removed_at is not None:
                raise InvitationError("removed")
            invitation = await session.scalar(
                select(Invitation).where(Invitation.code == normalized)
            )
            if invitation is None:
                raise InvitationError("unknown")
            if invitation.revoked:
                raise InvitationError("revoked")
            if invitation.expires_at <= utcnow():
                raise InvitationError("expired")
            if roles is not None and invitation.role not in roles:
                raise InvitationError("wrong_role")
            if (
                person is not None
                and person.active
                and person.facility_id == invitation.facility_id
                and person.role == invitation.role
            ):
                if person.chat_id != chat_id or person.sender != sender:
                    person.chat_id, person.sender, person.channel = chat_id, sender, channel
                    await session.commit()
                return await self._view(session, person)
            used = cast(
                "CursorResult[Any]",
                await session.execute(
                    update(Invitation)
                    .where(Invitation.id == invitation.id, Invitation.uses < Invitation.max_uses)
                    .values(uses=Invitation.uses + 1),
                    execution_options={"synchronize_session": False},
                ),
            )
            if used.rowcount == 0:
                await session.rollback()
                raise InvitationError("used_up")
            if person is None:
                person = Person(
                    channel=channel,
                    chat_id=chat_id,
                    sender=sender,
                    active=True,
                    created_at=utcnow(),
                    role=invitation.role,
                )
                session.add(person)
            person.channel, person.chat_id, person.sender = channel, chat_id, sender
            person.facility_id = invitation.facility_id
            person.role = invitation.role
            person.active = True
            if invitation.role in DESK_ROLES and not person.name and name and name.strip():
                person.name = " ".join(name.split())[:NAME_MAX_CHARS]
            elif invitation.role not in DESK_ROLES:
                person.name = None
            await session.commit()
            return await self._view(session, person)

    # --- People -------------------------------------------------------------------------

    async def set_job(self, sender: str, job: str) -> PersonView:
        """Record the person's job; ValueError on an unknown job, DirectoryError if unknown."""
        if job not in JOBS:
            raise ValueError(f"métier inconnu {job!r} (au choix{NBSP}: {', '.join(JOBS)})")
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            if person is None:
                raise DirectoryError("personne inconnue")
            person.job = job
            await session.commit()
            return await self._view(session, person)

    async def is_technician(self, sender: str) -> bool:
        """Whether ``sender`` is an active member of the provider's desk."""
        return is_technician(await self.person_by_sender(sender))

    async def person_by_sender(self, sender: str) -> PersonView | None:
        async with self._sessionmaker() as session:
            row = (
                await session.execute(_people_with_facility().where(Person.sender == sender))
            ).first()
            return person_view(row[0], row[1]) if row else None

    async def hours_of(self, sender: str) -> tuple[str, str] | None:
        """The provider's hours and the time zone of the facility ``sender`` belongs to (to
        put the right number first: :meth:`vigie.core.settings.Settings.contacts_at`)."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    select(Facility.hours, Facility.timezone)
                    .join(Person, Person.facility_id == Facility.id)
                    .where(Person.sender == sender)
                )
            ).first()
            return (row[0], row[1]) if row else None

    async def add_technician(
        self, *, name: str, chat_id: int, sender: str, channel: str = "telegram"
    ) -> PersonView:
        """Register (or re-activate, even after ``remove_technician``) a technician."""
        name = _clean(name, "nom", 100)
        async with self._sessionmaker() as session:
            person = await self._person_for(
                session, channel=channel, chat_id=chat_id, sender=sender
            )
            if person is None:
                person = Person(created_at=utcnow(), role="technician")
                session.add(person)
            person.channel, person.chat_id, person.sender = channel, chat_id, sender
            person.role = "technician"
            person.name = name
            person.facility_id = None
            person.active = True
            person.removed_at = None
            await session.commit()
            return await self._view(session, person)

    async def remove_technician(self, person_id_or_name: str | int) -> PersonView:
        """Deactivate a technician found by id or by name (case-insensitive).

        No invitation code can re-activate them afterwards (InvitationError "removed"):
        only ``add_technician``.
        """
        async with self._sessionmaker() as session:
            person_id = _as_id(person_id_or_name)
            candidates: list[Person] = []
            if person_id is not None:
                found = await session.get(Person, person_id)
                if found is not None and found.role == "technician":
                    candidates = [found]
            if not candidates and not isinstance(person_id_or_name, int):
                name = " ".join(str(person_id_or_name).split()).lower()
                candidates = list(
                    await session.scalars(
                        select(Person).where(
                            Person.role == "technician", func.lower(Person.name) == name
                        )
                    )
                )
            if not candidates:
                raise DirectoryError(f"aucun technicien {person_id_or_name!r}")
            if len(candidates) > 1:
                raise DirectoryError(
                    f"plusieurs techniciens s’appellent {person_id_or_name!r}{NBSP}: indiquez le numéro"
                )
            person = candidates[0]
            person.active = False
            person.removed_at = utcnow()
            await session.commit()
            return await self._view(session, person)

    async def list_technicians(self, active_only: bool = True) -> list[PersonView]:
        stmt = _people_with_facility().where(Person.role == "technician")
        if active_only:
            stmt = stmt.where(Person.active.is_(True))
        async with self._sessionmaker() as session:
            rows = await session.execute(stmt.order_by(Person.name, Person.id))
            return [person_view(p, f) for p, f in rows.tuples()]

    async def list_people(self) -> list[PersonView]:
        """Everyone registered (staff, referents, technicians, administrators)."""
        async with self._sessionmaker() as session:
            rows = await session.execute(_people_with_facility().order_by(Person.id))
            return [person_view(p, f) for p, f in rows.tuples()]

    async def person(self, person_id: int) -> PersonView | None:
        """One person by their id."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(_people_with_facility().where(Person.id == person_id))
            ).first()
            return person_view(row[0], row[1]) if row is not None else None

    # --- Retention ----------------------------------------------------------------------

    @staticmethod
    def _stale_invitations(before: datetime) -> ColumnElement[bool]:
        """Invitations that can no longer be used, for longer than the retention: expired,
        revoked or used up before ``before``."""
        return or_(
            Invitation.expires_at < before,
            and_(Invitation.revoked.is_(True), Invitation.created_at < before),
            and_(Invitation.uses >= Invitation.max_uses, Invitation.created_at < before),
        )

    @staticmethod
    def _departed(before: datetime) -> ColumnElement[bool]:
        """People who left (deactivated or removed) before ``before``."""
        return and_(
            Person.active.is_(False),
            func.coalesce(Person.removed_at, Person.created_at) < before,
        )

    async def purge(
        self, invitations_before: datetime, people_before: datetime, *, dry_run: bool = False
    ) -> tuple[int, int]:
        """Delete the invitations and the people past their retention (a person's tickets stay,
        unlinked; their reports lose their link). Returns (invitations, people); with
        ``dry_run``, only counts them."""
        stale, departed = self._stale_invitations(invitations_before), self._departed(people_before)
        async with self._sessionmaker() as session:
            if dry_run:
                invitations = await session.scalar(select(func.count()).where(stale))
                people = await session.scalar(select(func.count()).where(departed))
                return int(invitations or 0), int(people or 0)
            gone_invitations = await session.execute(
                delete(Invitation).where(stale), execution_options={"synchronize_session": False}
            )
            gone_people = await session.execute(
                delete(Person).where(departed), execution_options={"synchronize_session": False}
            )
            await session.commit()
        return (
            int(cast("CursorResult[Any]", gone_invitations).rowcount),
            int(cast("CursorResult[Any]", gone_people).rowcount),
        )

    # --- Helpers ------------------------------------------------------------------------

    @staticmethod
    async def _person_for(
        session: AsyncSession, *, channel: str, chat_id: int, sender: str
    ) -> Person | None:
        person = await session.scalar(select(Person).where(Person.sender == sender))
        if person is None:
            person = await session.scalar(
                select(Person).where(Person.channel == channel, Person.chat_id == chat_id)
            )
        return cast("Person | None", person)

    @staticmethod
    async def _view(session: AsyncSession, person: Person) -> PersonView:
        facility_name: str | None = None
        if person.facility_id is not None:
            facility_name = await session.scalar(
                select(Facility.name).where(Facility.id == person.facility_id)
            )
        return person_view(person, facility_name)
