"""Incidents: paging and escalation, « Je m'en occupe », the director's part, the 72 hours,
lost devices — SQLite and PostgreSQL, the clock driven, the real outbox rows asserted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.core.clock import FakeClock, set_default_clock
from vigie.core.settings import Settings
from vigie.core.typography import NBSP
from vigie.housekeeping import Housekeeping
from vigie.incidents import texts
from vigie.incidents.models import Incident
from vigie.incidents.roster import parse_roster
from vigie.incidents.service import IncidentError, IncidentService, incident_urgency
from vigie.incidents.views import IncidentDraft
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService

STAFF_CHAT = 1001
PAUL_CHAT = 2001
ZOE_CHAT = 2002
DIRECTOR_CHAT = 3001
GROUP_CHAT = -1009876543210
#: Wednesday 7 January 2026, 03:00 in Paris.
NIGHT = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)
ROSTER = "lun-ven 08:00-18:00=2001,2002 | *=2002,2001"

RANSOM = IncidentDraft(
    kind="incident",
    what="Écran rouge qui demande une rançon sur l’ordi du poste de soins",
    since="3 h du matin",
    extent="un poste",
    care_continues="degraded",
    data_affected="unknown",
    actions_taken="câble réseau débranché",
)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "pseudonym_secret": "test-secret",
        "technicians_chat_id": GROUP_CHAT,
        "oncall_roster": ROSTER,
        "incident_ack_minutes": 10,
        "dpo_contact": "Mme Martin, DPO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def night_clock() -> Iterator[FakeClock]:
    clock = FakeClock(NIGHT)
    previous = set_default_clock(clock)
    try:
        yield clock
    finally:
        set_default_clock(previous)


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: FakeClock
    service: IncidentService

    async def rows(self, after: int = 0) -> list[OutboxMessage]:
        async with self.sessionmaker() as session:
            found = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
            )
            return list(found)

    async def last_id(self) -> int:
        async with self.sessionmaker() as session:
            value = await session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
            return int(value or 0)

    async def kinds(self, incident_id: int) -> list[tuple[str, str | None]]:
        return [(e.kind, e.text) for e in await self.service.timeline(incident_id)]

    def advance(self, minutes: float) -> datetime:
        self.clock.advance(minutes * 60)
        return self.clock.now()


async def make_world(
    sessionmaker: async_sessionmaker[AsyncSession], clock: FakeClock, **settings: Any
) -> World:
    directory = Directory(sessionmaker)
    facility = await directory.create_facility(
        "EHPAD Les Tilleuls", "Rodez", finess="120000123", referent_contact="M. Durand, directeur"
    )
    staff = await directory.create_invitation(facility_id=facility.id, role="staff")
    await directory.redeem_invitation(
        staff.code, channel="telegram", chat_id=STAFF_CHAT, sender="u-anne"
    )
    await directory.set_job("u-anne", "care")
    referent = await directory.create_invitation(facility_id=facility.id, role="referent")
    await directory.redeem_invitation(
        referent.code, channel="telegram", chat_id=DIRECTOR_CHAT, sender="u-director"
    )
    await directory.add_technician(name="Paul", chat_id=PAUL_CHAT, sender="u-paul")
    await directory.add_technician(name="Zoé", chat_id=ZOE_CHAT, sender="u-zoe")
    service = IncidentService(sessionmaker, make_settings(**settings), clock=clock)
    return World(sessionmaker, clock, service)


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession], night_clock: FakeClock) -> World:
    return await make_world(sessionmaker, night_clock)


def to(rows: list[OutboxMessage], chat: int) -> list[dict[str, Any]]:
    return [r.payload for r in rows if r.destination == str(chat)]


def buttons(payload: dict[str, Any]) -> list[str]:
    return [b["payload"] for b in payload["buttons"]]


async def test_night_incident_escalates_in_order_and_stops_at_the_first_take(
    world: World,
) -> None:
    view, created = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    assert created and view.reference == "INC-2026-00001" and view.urgency == "critical"
    rows = await world.rows()
    take = texts.take_payload(view.id)
    # At once: the technicians' group and the night's on-call technician (Zoé), with the button.
    pages = [r for r in rows if take in buttons(r.payload)]
    assert {r.destination for r in pages} == {str(GROUP_CHAT), str(ZOE_CHAT)}
    assert "Je m’en occupe" in pages[0].payload["buttons"][0]["title"]
    assert not to(rows, PAUL_CHAT)

    # Nothing before INCIDENT_ACK_MINUTES.
    mark = await world.last_id()
    assert await world.service.escalate_due(world.advance(9)) == 0
    assert await world.rows(mark) == []

    # 10 minutes: paged again, and escalated to the roster's backup (Paul).
    assert await world.service.escalate_due(world.advance(1)) == 1
    step1 = await world.rows(mark)
    assert {r.destination for r in step1} == {str(GROUP_CHAT), str(ZOE_CHAT), str(PAUL_CHAT)}
    assert all("Relance n° 1" in r.payload["html"] for r in step1)
    assert not to(step1, DIRECTOR_CHAT)

    # 20 minutes: everyone again, and the facility's referent (the director).
    mark = await world.last_id()
    assert await world.service.escalate_due(world.advance(10)) == 1
    step2 = await world.rows(mark)
    assert {r.destination for r in step2} == {
        str(GROUP_CHAT),
        str(ZOE_CHAT),
        str(PAUL_CHAT),
        str(DIRECTOR_CHAT),
    }
    assert take in buttons(to(step2, DIRECTOR_CHAT)[0])

    # Paul takes it: the reporter and the others are told; the paging stops.
    mark = await world.last_id()
    ack = await world.service.acknowledge(view.id, "u-paul")
    assert ack.holder and ack.incident.status == "taken"
    told = await world.rows(mark)
    assert (
        "Paul (technicien) s’occupe de votre signalement INC-2026-00001"
        in (to(told, STAFF_CHAT)[0]["html"])
    )
    assert {r.destination for r in told} == {
        str(STAFF_CHAT),
        str(GROUP_CHAT),
        str(ZOE_CHAT),
        str(DIRECTOR_CHAT),
    }
    mark = await world.last_id()
    assert await world.service.escalate_due(world.advance(30)) == 0
    assert await world.rows(mark) == []

    kinds = [kind for kind, _ in await world.kinds(view.id)]
    assert kinds[0] == "created"
    assert kinds.index("escalated") < kinds.index("taken")
    steps = [(k, t) for k, t in await world.kinds(view.id) if k in ("paged", "escalated")]
    assert steps == [
        ("paged", "groupe des techniciens"),
        ("paged", "Zoé (astreinte)"),
        ("escalated", "Paul (renfort d’astreinte)"),
        ("escalated", f"référent n° {ack.incident.reporter_id + 1}"),  # type: ignore[operator]
    ]
    assert kinds[-2:] == ["taken", "reporter_told"]


async def test_a_second_take_does_not_steal_it(world: World) -> None:
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    first = await world.service.acknowledge(view.id, "u-zoe")
    assert first.holder
    mark = await world.last_id()
    second = await world.service.acknowledge(view.id, "u-paul")
    assert not second.holder
    assert f"Déjà pris par Zoé (technicien){NBSP}." not in second.reply.html
    assert "Déjà pris par Zoé (technicien)." in second.reply.html
    again = await world.service.acknowledge(view.id, "u-zoe")
    assert again.holder
    assert await world.rows(mark) == []
    stored = await world.service.get(view.id)
    assert stored is not None and stored.taken_by_name == "Zoé (technicien)"
    assert [k for k, _ in await world.kinds(view.id)].count("taken") == 1
    # Staff cannot take it; an unknown incident is said so.
    with pytest.raises(IncidentError) as refused:
        await world.service.acknowledge(view.id, "u-anne")
    assert refused.value.code == "not_allowed"
    with pytest.raises(IncidentError) as missing:
        await world.service.acknowledge(view.id + 100, "u-paul")
    assert missing.value.code == "not_found"


async def test_the_director_gets_the_checklist_and_the_declaration_text(world: World) -> None:
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    summary, declaration = to(await world.rows(), DIRECTOR_CHAT)
    html = summary["html"]
    assert "décret n° 2022-715" in html
    assert "signalement.social-sante.gouv.fr" in html
    assert "Mme Martin, DPO décide de la notification à la CNIL" in html
    assert "samedi 10 janvier à 3 h" in html  # 72 hours after the discovery, Paris time
    assert "17cyber.gouv.fr" in html
    assert "Vigie n’envoie rien à votre place" in html
    assert buttons(summary) == [
        texts.breach_payload(view.id, "notifiee"),
        texts.breach_payload(view.id, "pas_necessaire"),
        texts.breach_payload(view.id, "dpo"),
    ]
    body = declaration["html"]
    assert f"Établissement{NBSP}: EHPAD Les Tilleuls, Rodez (FINESS 120000123)" in body
    assert f"Contact{NBSP}: M. Durand, directeur" in body
    assert f"Date et heure de découverte{NBSP}: 07/01/2026 à 03:00" in body
    assert "rançon" in body and "les soins continuent avec difficulté." in body
    assert "Mesures déjà prises" in body and "câble réseau débranché" in body
    name, document = await world.service.declaration(view.id)
    assert name == "declaration-INC-2026-00001.txt"
    assert "<" not in document and "Vigie ne l’envoie pas" in document
    # The same text goes to the director as a file attached to the message.
    assert declaration["document"] == {"filename": name, "text": document}
    assert ("director_summary", f"référent n° {view.reporter_id + 1}") in (  # type: ignore[operator]
        await world.kinds(view.id)
    )


async def test_the_72_hour_reminders_fire_and_stop_on_an_answer(world: World) -> None:
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    quiet, _ = await world.service.declare(
        "u-anne",
        IncidentDraft(what="virus supprimé par l’antivirus", data_affected="no"),
        idempotency_key="k2",
    )
    mark = await world.last_id()
    assert await world.service.remind_due(world.advance(23 * 60)) == 0
    assert await world.service.remind_due(world.advance(60)) == 1  # 24 h
    first = await world.rows(mark)
    assert [r.destination for r in first] == [str(DIRECTOR_CHAT)]
    assert "Il reste environ 48 heures" in first[0].payload["html"]
    assert texts.breach_payload(view.id, "dpo") in buttons(first[0].payload)
    assert await world.service.remind_due(world.clock.now()) == 0  # once per step
    assert await world.service.remind_due(world.advance(24 * 60)) == 1  # 48 h

    _, reply = await world.service.answer_breach(view.id, "u-director", "dpo")
    assert "Le DPO s’en occupe" in reply.html
    mark = await world.last_id()
    assert await world.service.remind_due(world.advance(18 * 60)) == 0  # 66 h
    assert await world.rows(mark) == []
    stored = await world.service.get(view.id)
    assert stored is not None and stored.breach_answer == "dpo" and stored.reminders_sent == 2
    kinds = await world.kinds(view.id)
    assert [t for k, t in kinds if k == "reminder"] == ["24 h", "48 h"]
    assert ("breach_answered", "dpo") in kinds
    assert not [k for k, _ in await world.kinds(quiet.id) if k == "reminder"]
    with pytest.raises(IncidentError):
        await world.service.answer_breach(view.id, "u-anne", "notifiee")


async def test_a_lost_cps_card_with_resident_data_reaches_the_dpo_path(world: World) -> None:
    card = IncidentDraft(
        kind="lost_device",
        lost_device="cps_card",
        since="hier soir",
        data_affected="yes",
        device_locked="no",
    )
    view, _ = await world.service.declare("u-anne", card, idempotency_key="card")
    assert view.urgency == "critical" and view.data_at_risk
    rows = await world.rows()
    summary = to(rows, DIRECTOR_CHAT)[0]
    assert "carte CPS" in summary["html"] and "Mme Martin, DPO" in summary["html"]
    assert texts.breach_payload(view.id, "notifiee") in buttons(summary)
    assert {r.destination for r in rows if texts.take_payload(view.id) in buttons(r.payload)} == {
        str(GROUP_CHAT),
        str(ZOE_CHAT),
    }
    assert await world.service.remind_due(world.advance(24 * 60)) == 1

    # A badge without data, locked: high, paged, no director's data-breach path.
    badge = IncidentDraft(
        kind="lost_device", lost_device="badge", data_affected="no", device_locked="yes"
    )
    mark = await world.last_id()
    other, _ = await world.service.declare("u-anne", badge, idempotency_key="badge")
    assert other.urgency == "high" and not other.data_at_risk
    assert not to(await world.rows(mark), DIRECTOR_CHAT)


async def test_declare_redacts_is_idempotent_and_needs_a_registered_reporter(
    world: World,
) -> None:
    draft = IncidentDraft(what="j’ai donné mon mot de passe : Soleil2024! à un faux support")
    view, created = await world.service.declare("u-anne", draft, idempotency_key="same")
    again, created_again = await world.service.declare("u-anne", draft, idempotency_key="same")
    assert created and not created_again and again.id == view.id
    assert view.what is not None and "Soleil2024" not in view.what
    async with world.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Incident)) == 1
    with pytest.raises(IncidentError) as refused:
        await world.service.declare("u-nobody", draft, idempotency_key="other")
    assert refused.value.code == "not_registered"


async def test_daytime_pages_the_day_on_call_and_without_roster_goes_to_referents(
    sessionmaker: async_sessionmaker[AsyncSession], fake_clock: FakeClock
) -> None:
    # No group chat, no roster: every technician at once, then the referent.
    world = await make_world(sessionmaker, fake_clock, technicians_chat_id=None, oncall_roster="")
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    take = texts.take_payload(view.id)
    pages = {r.destination for r in await world.rows() if take in buttons(r.payload)}
    assert pages == {str(PAUL_CHAT), str(ZOE_CHAT)}
    mark = await world.last_id()
    assert await world.service.escalate_due(world.advance(10)) == 1
    assert str(DIRECTOR_CHAT) in {r.destination for r in await world.rows(mark)}
    # The director may take it too.
    ack = await world.service.acknowledge(view.id, "u-director")
    assert ack.holder and ack.incident.taken_by_name == "la direction"


def test_roster() -> None:
    roster = parse_roster(ROSTER)
    monday_10 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert roster.chain_at(monday_10, "Europe/Paris") == (2001, 2002)
    assert roster.chain_at(NIGHT, "Europe/Paris") == (2002, 2001)
    assert parse_roster("").chain_at(NIGHT, "Europe/Paris") == ()
    assert parse_roster("lun-ven 08:00-18:00=1").chain_at(NIGHT, "Europe/Paris") == ()
    for wrong in ("=1", "lun-ven 08:00-18:00", "*=abc", "blurb=1", "*="):
        with pytest.raises(ValueError, match="ONCALL_ROSTER"):
            parse_roster(wrong)


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (IncidentDraft(), "critical"),
        (IncidentDraft(kind="lost_device", data_affected="no", device_locked="yes"), "high"),
        (IncidentDraft(kind="lost_device", data_affected="no", device_locked="no"), "critical"),
        (IncidentDraft(kind="lost_device", data_affected="yes", device_locked="yes"), "critical"),
        (IncidentDraft(kind="lost_device", data_affected="no"), "critical"),
    ],
)
def test_urgency(draft: IncidentDraft, expected: str) -> None:
    assert incident_urgency(draft) == expected


def test_breach_deadline_is_72_hours() -> None:
    assert texts.BREACH_HOURS == 72
    assert timedelta(hours=texts.BREACH_HOURS) == timedelta(days=3)


async def test_housekeeping_pages_reminds_and_purges_incidents(world: World) -> None:
    settings = make_settings()
    kicks: list[int] = []
    jobs = Housekeeping(
        outbox=Outbox(world.sessionmaker),
        tickets=TicketService(world.sessionmaker, settings),
        phishing=PhishingService(world.sessionmaker, settings),
        settings=settings,
        kick=lambda: kicks.append(1),
        clock=world.clock,
    )
    view, _ = await world.service.declare("u-anne", RANSOM, idempotency_key="k1")
    assert await jobs.page_incidents() == 0
    world.advance(10)
    assert await jobs.page_incidents() == 1 and kicks == [1]
    await world.service.acknowledge(view.id, "u-paul")
    await world.service.close(view.id, "u-paul")
    world.advance(24 * 60)
    assert await jobs.page_incidents() == 1  # the 24-hour reminder, even once closed
    world.advance((settings.ticket_retention_days + 1) * 24 * 60)
    assert (await jobs.purge_expired(dry_run=True))["incidents_deleted"] == 1
    assert (await jobs.purge_expired())["incidents_deleted"] == 1
    assert await world.service.get(view.id) is None
    assert await world.service.timeline(view.id) == []


# --- Declared as the form starts -------------------------------------------------------------

EARLY = IncidentDraft(kind="incident", what="un écran de rançon sur l’ordi du poste de soins")


async def test_declared_as_the_form_starts_pages_at_once_and_the_answers_follow(
    world: World,
) -> None:
    view, created = await world.service.declare(
        "u-anne", EARLY, idempotency_key="e1", complete=False
    )
    assert created and not view.details_complete
    rows = await world.rows()
    [page] = to(rows, GROUP_CHAT)
    assert "répond encore à mes questions" in page["html"]
    assert "non précisé" in page["html"]  # since, extent… not answered yet
    assert to(rows, DIRECTOR_CHAT) == []  # the director's part waits for the answers
    before = await world.last_id()
    view, completed = await world.service.complete("u-anne", RANSOM, idempotency_key="e1")
    assert completed and view.details_complete
    assert view.what == RANSOM.what and view.actions_taken == "câble réseau débranché"
    rows = await world.rows(before)
    [details] = to(rows, GROUP_CHAT)
    assert details["html"].startswith("<b>Précisions – INC-2026-00001</b>")
    assert "câble réseau débranché" in details["html"]
    assert buttons(details) == [texts.take_payload(view.id)]  # nobody took it yet
    [summary, declaration] = to(rows, DIRECTOR_CHAT)
    assert "À faire par la direction" in summary["html"]
    assert "câble réseau débranché" in declaration["document"]["text"]
    # A retry changes nothing and tells nobody again; another person cannot complete it.
    before = await world.last_id()
    _, again = await world.service.complete("u-anne", RANSOM, idempotency_key="e1")
    assert not again and await world.rows(before) == []
    with pytest.raises(IncidentError):
        await world.service.complete("u-paul", RANSOM, idempotency_key="e1")
    kinds = [kind for kind, _ in await world.kinds(view.id)]
    assert kinds[0] == "created" and "completed" in kinds and "director_summary" in kinds


async def test_a_skipped_answer_keeps_what_was_known(world: World) -> None:
    await world.service.declare("u-anne", EARLY, idempotency_key="e2", complete=False)
    view, _ = await world.service.complete(
        "u-anne", IncidentDraft(kind="incident", since="ce matin"), idempotency_key="e2"
    )
    assert view.what == EARLY.what and view.since == "ce matin"


async def test_a_reporter_who_leaves_the_form_still_reaches_the_director(world: World) -> None:
    view, _ = await world.service.declare("u-anne", EARLY, idempotency_key="e3", complete=False)
    before = await world.last_id()
    assert await world.service.complete_stale(world.advance(14)) == 0
    assert await world.service.complete_stale(world.advance(2)) == 1  # INCIDENT_FORM_MINUTES
    [summary, declaration] = to(await world.rows(before), DIRECTOR_CHAT)
    assert "À faire par la direction" in summary["html"]
    assert EARLY.what is not None and EARLY.what in declaration["document"]["text"]
    assert (await world.service.get(view.id)).details_complete  # type: ignore[union-attr]
    assert ("form_left", None) in await world.kinds(view.id)
    assert await world.service.complete_stale(world.advance(60)) == 0
    # The answers may still come afterwards: nothing more is sent.
    before = await world.last_id()
    _, completed = await world.service.complete("u-anne", RANSOM, idempotency_key="e3")
    assert not completed and await world.rows(before) == []


async def test_a_lost_phone_declared_early_reaches_the_director_once_data_is_at_risk(
    world: World,
) -> None:
    lost = IncidentDraft(kind="lost_device", lost_device="phone")
    view, _ = await world.service.declare("u-anne", lost, idempotency_key="e4", complete=False)
    assert view.urgency == "critical"  # data on it not known yet: may be exposed
    answers = IncidentDraft(
        kind="lost_device", lost_device="phone", data_affected="no", device_locked="yes"
    )
    before = await world.last_id()
    view, _ = await world.service.complete("u-anne", answers, idempotency_key="e4")
    assert view.urgency == "high"
    assert to(await world.rows(before), DIRECTOR_CHAT) == []  # no data at risk: not theirs


async def test_the_helpdesk_gets_the_incident_and_its_steps_threaded(
    sessionmaker: async_sessionmaker[AsyncSession], night_clock: FakeClock
) -> None:
    world = await make_world(
        sessionmaker, night_clock, smtp_host="127.0.0.1", helpdesk_mail_to="support@presta.example"
    )
    view, _ = await world.service.declare("u-anne", EARLY, idempotency_key="m1", complete=False)
    await world.service.complete("u-anne", RANSOM, idempotency_key="m1")
    await world.service.acknowledge(view.id, "u-paul")
    await world.service.close(view.id, "u-paul")
    mails = [r for r in await world.rows() if r.channel == "email"]
    assert {r.destination for r in mails} == {"support@presta.example"}
    first, *steps = [r.payload for r in mails]
    assert first["subject"] == (
        "[INC-2026-00001] Incident de sécurité – EHPAD Les Tilleuls (urgence critique)"
    )
    assert first["message_id"] == "<INC-2026-00001@localhost>" and first["in_reply_to"] is None
    assert "rançon" in first["body"] and "<" not in first["body"]
    assert [s["message_id"] for s in steps] == [
        "<INC-2026-00001.completed@localhost>",
        "<INC-2026-00001.taken@localhost>",
        "<INC-2026-00001.closed@localhost>",
    ]
    assert all(s["in_reply_to"] == first["message_id"] for s in steps)
    assert all(s["subject"] == "Re: " + first["subject"] for s in steps)
    assert "câble réseau débranché" in steps[0]["body"]
    assert steps[1]["body"].startswith("Pris en charge par Paul (technicien).")
    assert steps[2]["body"].startswith("Incident clos par Paul (technicien).")


async def test_no_helpdesk_mail_without_smtp(world: World) -> None:
    await world.service.declare("u-anne", RANSOM, idempotency_key="m2")
    assert [r for r in await world.rows() if r.channel == "email"] == []
