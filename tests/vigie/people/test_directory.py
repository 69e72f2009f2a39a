"""The directory: facilities, invitations, people — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.people.directory import (
    CODE_ALPHABET,
    Directory,
    DirectoryError,
    InvitationError,
    PersonView,
    can_open_tickets,
)
from vigie.people.models import Invitation


@pytest.fixture
def directory(sessionmaker: async_sessionmaker[AsyncSession]) -> Directory:
    return Directory(sessionmaker)


async def test_create_and_find_facility(directory: Directory) -> None:
    created = await directory.create_facility(
        "  EHPAD   Les Tilleuls ",
        "Rodez",
        finess="120 000 123",
        referent_contact="Mme Martin, 05 65 00 00 00",
    )
    assert created.name == "EHPAD Les Tilleuls"
    assert created.finess == "120000123"
    assert created.hours == "lun-ven 08:30-18:00"
    assert created.timezone == "Europe/Paris"
    assert await directory.get_facility(created.id) == created
    assert await directory.get_facility(str(created.id)) == created
    assert await directory.get_facility("ehpad les tilleuls") == created
    assert await directory.get_facility("inconnu") is None
    assert await directory.get_facility(9999) is None
    corsica = await directory.create_facility("FAM Ajaccio", "Ajaccio", finess="2a0001234")
    assert corsica.finess == "2A0001234"
    assert [f.name for f in await directory.list_facilities()] == [
        "EHPAD Les Tilleuls",
        "FAM Ajaccio",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"finess": "12345"}, "FINESS"),
        ({"finess": "12345678A"}, "FINESS"),
        ({"hours": "tous les jours de 8 à 18"}, "horaires"),
        ({"hours": "lun-ven 18:00-08:00"}, "horaires"),
        ({"timezone": "Europe/Nulle_Part"}, "fuseau horaire"),
        ({"town": "  "}, "commune"),
    ],
)
async def test_create_facility_refuses_bad_input(
    directory: Directory, kwargs: dict[str, str], message: str
) -> None:
    arguments: dict[str, str] = {"town": "Rodez", **kwargs}
    town = arguments.pop("town")
    with pytest.raises(DirectoryError, match=message):
        await directory.create_facility("EHPAD X", town, **arguments)
    assert await directory.list_facilities() == []


async def test_duplicate_facility_name_is_refused(directory: Directory) -> None:
    await directory.create_facility("EHPAD Les Tilleuls", "Rodez")
    with pytest.raises(DirectoryError, match="existe déjà"):
        await directory.create_facility("ehpad les tilleuls", "Millau")
    assert len(await directory.list_facilities()) == 1


async def test_invitation_codes(directory: Directory) -> None:
    facility = await directory.create_facility("EHPAD A", "Albi")
    invitation = await directory.create_invitation(facility_id=facility.id, role="staff")
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{10}}", invitation.code)
    assert (invitation.max_uses, invitation.uses, invitation.revoked) == (50, 0, False)
    assert invitation.facility_name == "EHPAD A"
    delta = invitation.expires_at - datetime.now(UTC)
    assert timedelta(days=29, hours=23) < delta <= timedelta(days=30)
    technician_code = await directory.create_invitation(facility_id=None, role="technician")
    assert technician_code.facility_id is None
    assert {i.code for i in await directory.list_invitations()} == {
        invitation.code,
        technician_code.code,
    }
    assert [i.code for i in await directory.list_invitations(facility.id)] == [invitation.code]
    with pytest.raises(DirectoryError, match="doit désigner un établissement"):
        await directory.create_invitation(facility_id=None, role="staff")
    with pytest.raises(DirectoryError, match="rôle inconnu"):
        await directory.create_invitation(facility_id=facility.id, role="chef")
    with pytest.raises(DirectoryError, match="aucun établissement"):
        await directory.create_invitation(facility_id=facility.id + 100, role="staff")
    with pytest.raises(DirectoryError, match="max_uses"):
        await directory.create_invitation(facility_id=facility.id, role="staff", max_uses=0)


async def test_redeem_links_the_person_and_counts_uses(directory: Directory) -> None:
    facility = await directory.create_facility("EHPAD A", "Albi")
    invitation = await directory.create_invitation(facility_id=facility.id, role="staff")

    person = await directory.redeem_invitation(
        invitation.code.lower(), channel="telegram", chat_id=11, sender="u-anne"
    )
    assert (person.facility_id, person.facility_name, person.role) == (
        facility.id,
        "EHPAD A",
        "staff",
    )
    assert (person.chat_id, person.sender, person.job, person.name, person.active) == (
        11,
        "u-anne",
        None,
        None,
        True,
    )
    # Joining again (same facility and role): same person, no use consumed.
    again = await directory.redeem_invitation(
        f"  {invitation.code} ", channel="telegram", chat_id=11, sender="u-anne"
    )
    assert again.id == person.id
    await directory.redeem_invitation(
        invitation.code, channel="telegram", chat_id=12, sender="u-bob"
    )
    [stored] = await directory.list_invitations()
    assert stored.uses == 2

    with_job = await directory.set_job("u-anne", "care")
    assert with_job.job == "care"
    assert await directory.person_by_sender("u-anne") == with_job
    assert await directory.person_by_sender("u-nobody") is None
    with pytest.raises(ValueError, match="métier inconnu"):
        await directory.set_job("u-anne", "nurse")
    with pytest.raises(DirectoryError):
        await directory.set_job("u-nobody", "care")


async def test_redeem_moves_a_person_to_another_facility(directory: Directory) -> None:
    first = await directory.create_facility("EHPAD A", "Albi")
    second = await directory.create_facility("EHPAD B", "Castres")
    code_a = await directory.create_invitation(facility_id=first.id, role="staff")
    code_b = await directory.create_invitation(facility_id=second.id, role="referent")
    person = await directory.redeem_invitation(
        code_a.code, channel="telegram", chat_id=5, sender="u-5"
    )
    moved = await directory.redeem_invitation(
        code_b.code, channel="telegram", chat_id=5, sender="u-5"
    )
    assert moved.id == person.id
    assert (moved.facility_id, moved.role) == (second.id, "referent")


async def test_redeem_refusals(
    directory: Directory, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    facility = await directory.create_facility("EHPAD A", "Albi")

    async def reason(code: str, sender: str = "u-x") -> str:
        with pytest.raises(InvitationError) as caught:
            await directory.redeem_invitation(code, channel="telegram", chat_id=99, sender=sender)
        return caught.value.reason

    assert await reason("ABCDEFGHJK") == "unknown"
    assert await reason("") == "unknown"

    revoked = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.revoke_invitation(revoked.code.lower())
    assert await reason(revoked.code) == "revoked"
    with pytest.raises(DirectoryError):
        await directory.revoke_invitation("NOPENOPE22")

    expired = await directory.create_invitation(facility_id=facility.id, role="staff")
    async with sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == expired.id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.commit()
    assert await reason(expired.code) == "expired"

    single = await directory.create_invitation(facility_id=facility.id, role="staff", max_uses=1)
    await directory.redeem_invitation(single.code, channel="telegram", chat_id=1, sender="u-1")
    assert await reason(single.code, sender="u-2") == "used_up"
    # The one who used it can still re-join without consuming anything.
    again = await directory.redeem_invitation(
        single.code, channel="telegram", chat_id=1, sender="u-1"
    )
    assert again.facility_id == facility.id
    assert await directory.person_by_sender("u-x") is None
    assert await directory.person_by_sender("u-2") is None


async def test_technicians(directory: Directory) -> None:
    paul = await directory.add_technician(name="Paul", chat_id=100, sender="u-paul")
    assert (paul.role, paul.name, paul.active, paul.facility_id) == (
        "technician",
        "Paul",
        True,
        None,
    )
    await directory.add_technician(name="Zoé", chat_id=101, sender="u-zoe")
    assert [t.name for t in await directory.list_technicians()] == ["Paul", "Zoé"]

    removed = await directory.remove_technician("paul")
    assert removed.id == paul.id and removed.active is False
    assert [t.name for t in await directory.list_technicians()] == ["Zoé"]
    assert len(await directory.list_technicians(active_only=False)) == 2

    back = await directory.add_technician(name="Paul D.", chat_id=100, sender="u-paul")
    assert back.id == paul.id and back.active and back.name == "Paul D."
    removed = await directory.remove_technician(paul.id)
    assert removed.active is False
    with pytest.raises(DirectoryError):
        await directory.remove_technician("Nobody")


async def test_only_technicians_keep_the_name_they_join_with(directory: Directory) -> None:
    facility = await directory.create_facility("EHPAD N", "Nîmes")
    staff_code = await directory.create_invitation(facility_id=facility.id, role="staff")
    tech_code = await directory.create_invitation(facility_id=None, role="technician")
    staff = await directory.redeem_invitation(
        staff_code.code, channel="telegram", chat_id=301, sender="u-301", name="Aïcha"
    )
    assert staff.name is None  # staff are never named
    tech = await directory.redeem_invitation(
        tech_code.code, channel="telegram", chat_id=302, sender="u-302", name="  Léa   M. "
    )
    assert (tech.role, tech.name) == ("technician", "Léa M.")
    # A name given by the admin is kept; a staff member who becomes technician gets one.
    paul = await directory.add_technician(name="Paul", chat_id=303, sender="u-303")
    again = await directory.redeem_invitation(
        tech_code.code, channel="telegram", chat_id=303, sender="u-303", name="Paulo"
    )
    assert (again.id, again.name) == (paul.id, "Paul")
    promoted = await directory.redeem_invitation(
        tech_code.code, channel="telegram", chat_id=301, sender="u-301", name="Aïcha"
    )
    assert (promoted.id, promoted.role, promoted.name) == (staff.id, "technician", "Aïcha")


async def test_a_removed_technician_cannot_come_back_with_a_code(directory: Directory) -> None:
    facility = await directory.create_facility("EHPAD R", "Redon")
    tech_code = await directory.create_invitation(facility_id=None, role="technician")
    staff_code = await directory.create_invitation(facility_id=facility.id, role="staff")
    paul = await directory.redeem_invitation(
        tech_code.code, channel="telegram", chat_id=400, sender="u-400", name="Paul"
    )
    removed = await directory.remove_technician(paul.id)
    assert removed.active is False

    # Whatever the code (even one never seen), found by sender or by chat id: refused.
    for code, sender in (
        (tech_code.code, "u-400"),
        (staff_code.code, "u-400"),
        ("ABCDEFGHJK", "u-400"),
        (tech_code.code, "u-400-new-secret"),
    ):
        with pytest.raises(InvitationError) as caught:
            await directory.redeem_invitation(code, channel="telegram", chat_id=400, sender=sender)
        assert caught.value.reason == "removed", (code, sender)
    person = await directory.person_by_sender("u-400")
    assert person is not None and (person.active, person.role) == (False, "technician")
    assert await directory.person_by_sender("u-400-new-secret") is None
    uses = {i.code: i.uses for i in await directory.list_invitations()}
    assert (uses[tech_code.code], uses[staff_code.code]) == (1, 0)

    # Only the admin brings them back; then codes work for them again.
    back = await directory.add_technician(name="Paul", chat_id=400, sender="u-400")
    assert back.id == paul.id and back.active
    moved = await directory.redeem_invitation(
        staff_code.code, channel="telegram", chat_id=400, sender="u-400"
    )
    assert (moved.id, moved.role, moved.facility_id) == (paul.id, "staff", facility.id)


def test_only_active_people_of_a_facility_can_open_tickets() -> None:
    person = PersonView(
        id=1,
        channel="telegram",
        chat_id=1001,
        sender="u-anne",
        facility_id=3,
        facility_name="EHPAD",
        role="staff",
        job="care",
        name=None,
        active=True,
    )
    assert can_open_tickets(person)
    assert not can_open_tickets(None)
    assert not can_open_tickets(replace(person, facility_id=None))
    assert not can_open_tickets(replace(person, active=False))
