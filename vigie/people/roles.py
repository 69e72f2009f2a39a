"""Roles and jobs of the people Vigie knows: the one source of who may do what."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, TypeGuard, TypeVar


class Role(StrEnum):
    """What a person is to Vigie (stored as its value in ``people.role``)."""

    STAFF = "staff"
    REFERENT = "referent"
    TECHNICIAN = "technician"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)
#: The provider's people: they take tickets, judge campaigns, warn the staff, give their name
#: (admins too; only technicians are notified).
DESK_ROLES: tuple[str, ...] = (Role.TECHNICIAN.value, Role.ADMIN.value)
#: A facility's people: they open tickets, report e-mails and are warned of campaigns.
STAFF_ROLES: tuple[str, ...] = (Role.STAFF.value, Role.REFERENT.value)
#: Roles an invitation may give (an administrator is never invited).
INVITATION_ROLES: tuple[str, ...] = (*STAFF_ROLES, Role.TECHNICIAN.value)

JOBS = ("care", "admin", "management", "other")


class HasRole(Protocol):
    """A person as stored or as viewed: a role and whether they are active."""

    @property
    def role(self) -> str: ...

    @property
    def active(self) -> bool: ...


_Person = TypeVar("_Person", bound=HasRole)


def is_technician(person: _Person | None) -> TypeGuard[_Person]:
    """Whether ``person`` is an active member of the provider's desk."""
    return person is not None and person.active and person.role in DESK_ROLES
