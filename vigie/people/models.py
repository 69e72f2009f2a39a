"""The people's tables: facilities, people and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigie.db.base import Base, BigIntPK, in_values, utcnow
from vigie.people.roles import JOBS, ROLES


class Facility(Base):
    """A medico-social facility served by the provider."""

    __tablename__ = "facilities"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    town: Mapped[str] = mapped_column(String(120))
    finess: Mapped[str | None] = mapped_column(String(9))
    hours: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    referent_contact: Mapped[str | None] = mapped_column(String(200))
    # Where the monthly report is also e-mailed (the director's address), if anywhere.
    report_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"Facility(id={self.id!r}, name={self.name!r})"


class Person(Base):
    """Someone who talks to Vigie: staff (no name stored), referents, technicians, admins."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("channel", "chat_id"),
        CheckConstraint(in_values("role", ROLES), name="role"),
        CheckConstraint("job IS NULL OR " + in_values("job", JOBS), name="job"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32), default="telegram")
    chat_id: Mapped[int] = mapped_column(BigInteger)
    sender: Mapped[str] = mapped_column(String(128), unique=True)
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    job: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an admin removes the person (``vigie technicians remove``): no invitation code
    # can bring them back, only the admin (``vigie technicians add``).
    removed_at: Mapped[datetime | None] = mapped_column()
    # The work e-mail address the person linked (/adresse, confirmed by a code sent to it),
    # as a keyed hash (vigie.core.pseudonym.address_key): the reporting mailbox recognises
    # their forwards; the address itself is never stored.
    address_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:  # no chat id, no sender
        return f"Person(id={self.id!r}, role={self.role!r}, active={self.active!r})"


class AddressCode(Base):
    """A code sent to an address a person wants to link; the address is kept only as its
    keyed hash, the code as a hash too. One pending code per person."""

    __tablename__ = "address_codes"

    person_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    address_key: Mapped[str] = mapped_column(String(64))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:  # no address, no code
        return f"AddressCode(person_id={self.person_id!r}, expires_at={self.expires_at!r})"


class Invitation(Base):
    """A code that links whoever redeems it to a facility with a role."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(in_values("role", ROLES), name="role"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    facility_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("facilities.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"Invitation(id={self.id!r}, role={self.role!r}, uses={self.uses!r})"
