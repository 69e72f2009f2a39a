"""Suspicious e-mail reports: storage, campaigns, technicians' report, verdict, staff warning,
retention — on SQLite and PostgreSQL, with real e-mails of the corpus."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.paths import EMAILS
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.people.models import Person
from vigie.phishing.mailcheck import Analysis, analyse, trusted_domains
from vigie.phishing.mailcheck.trusted import TrustedDomains
from vigie.phishing.models import PhishingCampaign, PhishingExpectation, PhishingKey, PhishingReport
from vigie.phishing.service import PhishingError, PhishingService, campaign_keys, normalise_subject
from vigie.phishing.views import ReportView

#: What a deployment puts in MAIL_TRUSTED_DOMAINS (see tests/data/emails/README.md).
OWN_DOMAINS = ["ehpad-lestilleuls.fr", "fam-horizon.org", "axion-si.fr", "logisoins.fr"]
GROUP_CHAT = -1009876543210
PAUL_CHAT, ZOE_CHAT = 2001, 2002
CHATS: dict[str, tuple[str, int]] = {
    "u-anne": ("telegram", 1001),  # staff, Les Tilleuls
    "u-bob": ("telegram", 1002),  # staff, Les Chênes
    "u-carl": ("terminal", 1003),  # referent, Les Tilleuls (local terminal chat)
    "u-dora": ("telegram", 1004),  # staff, L'Horizon
    "u-eve": ("telegram", 1005),  # staff, Les Tilleuls, deactivated
    "u-adam": ("telegram", 3001),  # admin
    "u-stranger": ("telegram", 9999),  # not registered
}


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "pseudonym_secret": "test-secret",
        "technicians_chat_id": None,
        "smtp_host": None,
        "helpdesk_mail_to": None,
        "mail_trusted_domains": OWN_DOMAINS,
        "provider_name": "Axion Santé",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def eml(name: str) -> bytes:
    """A file of the corpus: ``phishing/…`` or ``legit/…``."""
    return (EMAILS / name).read_bytes()


def analysed(data: bytes) -> Analysis:
    return analyse(data, trusted=trusted_domains(OWN_DOMAINS))


def keys_of(data: bytes) -> list[tuple[str, str]]:
    return campaign_keys(analysed(data), TrustedDomains(trusted_domains(OWN_DOMAINS)))


COLIS = "phishing/colis_frais_colissimo.eml"


def colis_other_sender() -> bytes:
    """The same fake Colissimo mail sent from another domain with another subject: only the
    link host is shared."""
    return (
        eml(COLIS)
        .replace(
            b"From: Colissimo <suivi@colissimo-suivi.info>",
            b"From: Colissimo <avis@relais-colis.top>",
        )
        .replace(
            b"Subject: Votre colis est en attente de livraison", b"Subject: Frais de reexpedition"
        )
    )


def colis_other_domain() -> bytes:
    """The same fake Colissimo mail from another domain with other links: only the subject
    is shared."""
    return eml(COLIS).replace(b"colissimo-suivi.info", b"colis-express-fr.top")


@dataclass
class World:
    sessionmaker: async_sessionmaker[AsyncSession]
    directory: Directory
    facilities: dict[str, int]


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    directory = Directory(sessionmaker)
    tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Rodez")
    chenes = await directory.create_facility("EHPAD Les Chênes", "Millau")
    horizon = await directory.create_facility("FAM L'Horizon", "Metz")
    people = [
        ("u-anne", tilleuls.id, "staff"),
        ("u-bob", chenes.id, "staff"),
        ("u-carl", tilleuls.id, "referent"),
        ("u-dora", horizon.id, "staff"),
        ("u-eve", tilleuls.id, "staff"),
        ("u-adam", None, "admin"),
    ]
    for sender, facility_id, role in people:
        code = await directory.create_invitation(facility_id=facility_id, role=role)
        channel, chat_id = CHATS[sender]
        await directory.redeem_invitation(
            code.code, channel=channel, chat_id=chat_id, sender=sender
        )
    await directory.set_job("u-anne", "care")
    await directory.add_technician(name="Paul", chat_id=PAUL_CHAT, sender="u-paul")
    await directory.add_technician(name="Zoé", chat_id=ZOE_CHAT, sender="u-zoe")
    async with sessionmaker() as session:
        await session.execute(update(Person).where(Person.sender == "u-eve").values(active=False))
        await session.commit()
    facilities = {"tilleuls": tilleuls.id, "chenes": chenes.id, "horizon": horizon.id}
    return World(sessionmaker, directory, facilities)


async def submit(
    service: PhishingService, sender: str, data: bytes, *, source: str = "eml"
) -> ReportView:
    channel, chat_id = CHATS[sender]
    return await service.submit(
        sender=sender,
        channel=channel,
        chat_id=chat_id,
        data=data,
        source="text" if source == "text" else "eml",
        filename="message.eml",
        analysis=analysed(data),
    )


async def outbox_rows(
    sessionmaker: async_sessionmaker[AsyncSession], after_id: int = 0
) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)
        )
        return list(rows)


async def last_outbox_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0)


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def age_report(
    sessionmaker: async_sessionmaker[AsyncSession], report_id: int, **delta: float
) -> None:
    """Make a report older by ``delta`` (``timedelta`` keywords)."""
    async with sessionmaker() as session:
        report = await session.get(PhishingReport, report_id)
        assert report is not None
        report.created_at = report.created_at - timedelta(**delta)
        await session.commit()


def destinations(rows: list[OutboxMessage]) -> list[tuple[str, str]]:
    return [(r.channel, r.destination) for r in rows]


# --- Grouping keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("RE: TR: Fwd: Votre colis n°12345 est BLOQUÉ !!", "votre colis n # est bloque"),
        ("Tr : RE[2]: Dernier rappel : 3 jours", "dernier rappel # jours"),
        ("Dernier   rappel — 15 jours", "dernier rappel # jours"),
        ("fw: Boîte aux lettres pleine (98 %)", "boite aux lettres pleine #"),
        ("Re: Facture F2026-0142", None),  # too few letters to say it is the same campaign
        ("Urgent", None),
        ("", None),
    ],
)
def test_normalise_subject(subject: str, expected: str | None) -> None:
    assert normalise_subject(subject) == expected


def test_campaign_keys_of_real_messages() -> None:
    assert keys_of(eml(COLIS)) == [
        ("domain", "colissimo-suivi.info"),
        ("host", "colissimo-suivi.info"),
        ("subject", "votre colis est en attente de livraison"),
    ]
    # Free-mail sender: no domain key.
    assert keys_of(eml("phishing/fovi_direction_gmail.eml")) == [
        ("subject", "demande confidentielle")
    ]
    # A shortener is never a key (its target is unknown).
    shortener = keys_of(eml("phishing/ameli_shortener_ip.eml"))
    assert [k for k in shortener if k[0] == "host"] == []
    # Shared platforms (forms.gle) are not keys; an attacker's own site on one is.
    assert [k for k in keys_of(eml("phishing/quota_outlook_mini.eml")) if k[0] == "host"] == []
    assert ("host", "docs-partage-1d8e2.web.app") in keys_of(
        eml("phishing/m365_sharepoint_compromis.eml")
    )
    # Trusted senders and links, and mailing trackers, are not keys.
    assert keys_of(eml("legit/interne_menus.eml")) == [("subject", "menus semaine #")]
    assert [k[0] for k in keys_of(eml("legit/ars_lettre_info.eml"))] == ["subject"]
    # Attachments by hash.
    archive = keys_of(eml("phishing/facture_zip_lnk.eml"))
    assert [k[0] for k in archive] == ["domain", "subject", "sha256"]
    assert len(archive[2][1]) == 64


def test_the_variants_share_exactly_one_key() -> None:
    original = set(keys_of(eml(COLIS)))
    host_only = set(keys_of(colis_other_sender()))
    subject_only = set(keys_of(colis_other_domain()))
    assert original & host_only == {("host", "colissimo-suivi.info")}
    assert original & subject_only == {("subject", "votre colis est en attente de livraison")}
    assert host_only & subject_only == set()


# --- Submitting -------------------------------------------------------------------------------


async def test_submit_stores_the_report_and_notifies_nobody(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    data = eml(COLIS)
    await service.expect("u-anne", "telegram", 1001)
    assert await service.expecting("u-anne")
    view = await submit(service, "u-anne", data)
    assert not await service.expecting("u-anne")  # the expectation is cleared
    assert view.registered and view.sender == "u-anne"
    assert (view.facility_name, view.facility_town, view.job) == (
        "EHPAD Les Tilleuls",
        "Rodez",
        "care",
    )
    assert (view.source, view.size, view.sha256) == (
        "eml",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert view.verdict == "dangereux" and view.score >= 60
    assert view.subject == "Votre colis est en attente de livraison"
    assert view.reasons and all(isinstance(r, str) for r in view.reasons)
    assert "colissimo-suivi[.]info" in " ".join(view.indicators)
    assert view.asks_payment and not view.asks_credentials
    assert view.mail_action is None and view.campaign_verdict is None
    assert await outbox_rows(world.sessionmaker) == []
    assert await service.original(view.id) == (f"signalement-{view.id}.eml", data)
    assert await service.original(view.id + 100) is None
    credentials = await submit(service, "u-bob", eml("phishing/mssante_desactivation.eml"))
    assert credentials.asks_credentials
    campaign = await service.campaign(view.campaign_id)
    assert campaign is not None
    assert (campaign.reports, campaign.people, campaign.facilities) == (1, 1, 1)
    assert campaign.sender_domain == "colissimo-suivi.info"
    assert await service.campaign(10_000) is None
    with pytest.raises(PhishingError) as caught:
        await service.submit(
            sender="u-anne",
            channel="telegram",
            chat_id=1001,
            data=data,
            source="pdf",  # type: ignore[arg-type]
            filename="x",
            analysis=analysed(data),
        )
    assert caught.value.code == "bad_value"


async def test_a_redelivered_update_gives_back_the_same_report(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    data = eml(COLIS)
    channel, chat_id = CHATS["u-anne"]
    first, again = [
        await service.submit(
            sender="u-anne",
            channel=channel,
            chat_id=chat_id,
            data=data,
            source="eml",
            filename="message.eml",
            analysis=analysed(data),
            update_key="telegram:4242",
        )
        for _ in range(2)
    ]
    assert again.id == first.id
    assert await count(world.sessionmaker, PhishingReport) == 1
    other = await submit(service, "u-anne", data)  # the same mail sent again: a new report
    assert other.id != first.id
    with pytest.raises(PhishingError):
        await service.submit(
            sender="u-anne",
            channel=channel,
            chat_id=chat_id,
            data=data,
            source="eml",
            filename="message.eml",
            analysis=analysed(data),
            update_key="x" * 65,
        )


async def test_expectations_expire_and_are_updated(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    assert not await service.expecting("u-anne")
    await service.expect("u-anne", "telegram", 1001, minutes=0)
    assert not await service.expecting("u-anne")
    await service.expect("u-anne", "telegram", 1001)  # the same row, extended
    assert await service.expecting("u-anne")
    assert await count(world.sessionmaker, PhishingExpectation) == 1


async def test_reports_sharing_a_sender_domain_form_one_campaign(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    # A real invoice and a fake one from the same supplier's domain (hygiene-pro.fr).
    first = await submit(service, "u-anne", eml("legit/facture_hygiene_pro.eml"))
    second = await submit(service, "u-bob", eml("phishing/rib_subtle_reply.eml"))
    assert second.campaign_id == first.campaign_id
    campaign = await service.campaign(first.campaign_id)
    assert campaign is not None
    assert (campaign.reports, campaign.people, campaign.facilities) == (2, 2, 2)


async def test_reports_sharing_a_link_host_or_a_subject_form_one_campaign(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    first = await submit(service, "u-anne", eml(COLIS))
    by_host = await submit(service, "u-bob", colis_other_sender())
    by_subject = await submit(service, "u-dora", colis_other_domain())
    assert by_host.campaign_id == first.campaign_id
    assert by_subject.campaign_id == first.campaign_id
    other = await submit(service, "u-anne", eml("phishing/mssante_desactivation.eml"))
    assert other.campaign_id != first.campaign_id
    campaign = await service.campaign(first.campaign_id)
    assert campaign is not None
    assert (campaign.reports, campaign.people, campaign.facilities) == (3, 3, 3)
    recent = await service.recent_campaigns()
    assert [c.id for c in recent] == [other.campaign_id, first.campaign_id]
    assert [c.id for c in await service.recent_campaigns(limit=1)] == [other.campaign_id]


async def test_a_report_outside_the_window_starts_a_new_campaign(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings(phishing_campaign_window_hours=72))
    first = await submit(service, "u-anne", eml(COLIS))
    async with world.sessionmaker() as session:
        await session.execute(
            update(PhishingCampaign)
            .where(PhishingCampaign.id == first.campaign_id)
            .values(last_seen_at=utcnow() - timedelta(hours=73))
        )
        await session.commit()
    second = await submit(service, "u-bob", eml(COLIS))
    assert second.campaign_id != first.campaign_id
    # The latest campaign sharing a key is the one joined.
    third = await submit(service, "u-dora", colis_other_sender())
    assert third.campaign_id == second.campaign_id


async def test_free_mail_and_trusted_senders_do_not_group_reports(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    gmail_a = await submit(service, "u-anne", eml("phishing/fovi_direction_gmail.eml"))
    gmail_b = await submit(service, "u-bob", eml("phishing/rib_blanchisserie_freemail.eml"))
    assert gmail_a.campaign_id != gmail_b.campaign_id
    own_a = await submit(service, "u-anne", eml("legit/interne_menus.eml"))
    own_b = await submit(service, "u-anne", eml("legit/interne_formation.eml"))
    assert (
        len({gmail_a.campaign_id, gmail_b.campaign_id, own_a.campaign_id, own_b.campaign_id}) == 4
    )


async def test_get_for_reporter_only_gives_the_senders_own_report(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    view = await submit(service, "u-anne", eml(COLIS))
    assert await service.get_for_reporter("u-anne", view.id) == view
    assert await service.get_for_reporter("u-bob", view.id) is None
    assert await service.get_for_reporter("u-anne", view.id + 1) is None


# --- What the person did: the technicians' report ---------------------------------------------


async def test_record_action_queues_the_report_and_the_original_to_technicians(
    world: World,
) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    view = await submit(service, "u-anne", eml(COLIS))
    recorded = await service.record_action(
        "u-anne", view.id, "credentials", ticket_reference="VIG-2026-00042"
    )
    assert (recorded.mail_action, recorded.ticket_reference) == ("credentials", "VIG-2026-00042")
    rows = await outbox_rows(sm)
    assert destinations(rows) == [
        ("telegram", str(PAUL_CHAT)),
        ("telegram", str(PAUL_CHAT)),
        ("telegram", str(ZOE_CHAT)),
        ("telegram", str(ZOE_CHAT)),
    ]
    report, document = rows[0].payload, rows[1].payload
    assert f"signalement n° {view.id}" in report["html"]
    assert "a saisi un mot de passe ou un code" in report["html"]
    assert "VIG-2026-00042" in report["html"] and "EHPAD Les Tilleuls, Rodez" in report["html"]
    assert "u-anne" not in report["html"] and "1001" not in report["html"]
    cid = view.campaign_id
    assert [b["payload"] for b in report["buttons"]] == [
        f"v:ph:v:{cid}:p",
        f"v:ph:v:{cid}:s",
        f"v:ph:v:{cid}:l",
        f"v:ph:w:{cid}",
    ]
    assert document == {
        "vigie": 1,
        "html": (
            f"Message original du signalement n° {view.id} — à n’ouvrir que dans un "
            "environnement d’analyse."
        ),
        "buttons": [],
        "article": None,
        "document": {"report_id": view.id, "filename": f"signalement-{view.id}.eml"},
    }
    assert rows[2].payload == report and rows[3].payload == document

    # Idempotent: the first answer stays, nobody is told twice.
    again = await service.record_action("u-anne", view.id, "none")
    assert again.mail_action == "credentials"
    assert len(await outbox_rows(sm)) == 4


async def test_second_report_of_a_campaign_shows_the_campaign_to_the_group(
    world: World,
) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings(technicians_chat_id=GROUP_CHAT))
    first = await submit(service, "u-anne", eml(COLIS))
    await service.record_action("u-anne", first.id, "none")
    second = await submit(service, "u-bob", colis_other_sender(), source="text")
    mark = await last_outbox_id(sm)
    await service.record_action("u-bob", second.id, "clicked")
    rows = await outbox_rows(sm, mark)
    assert destinations(rows) == [("telegram", str(GROUP_CHAT))] * 2
    assert (
        f"Campagne n° {first.campaign_id}\u00a0: 2 signalements, 2 personnes, 2 établissements"
        in rows[0].payload["html"]
    )
    assert rows[1].payload["document"]["filename"] == f"signalement-{second.id}.txt"


async def test_unregistered_reporters_are_stored_but_technicians_are_not_told(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    view = await submit(service, "u-stranger", eml(COLIS))
    assert not view.registered and view.facility_name is None and view.job is None
    recorded = await service.record_action("u-stranger", view.id, "clicked")
    assert recorded.mail_action == "clicked"
    await age_report(sm, view.id, hours=1)
    assert await service.release_stale() == 0
    assert await outbox_rows(sm) == []
    # A technician has no facility: not a registered reporter either.
    tech = await submit(service, "u-adam", eml(COLIS))
    await service.record_action("u-adam", tech.id, "none")
    assert await outbox_rows(sm) == []


async def test_record_action_refusals(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    view = await submit(service, "u-anne", eml(COLIS))
    for sender, report_id, action, code in [
        ("u-anne", view.id, "panicked", "bad_value"),
        ("u-bob", view.id, "none", "not_found"),
        ("u-anne", view.id + 1, "none", "not_found"),
    ]:
        with pytest.raises(PhishingError) as caught:
            await service.record_action(sender, report_id, action)
        assert caught.value.code == code
    assert await outbox_rows(world.sessionmaker) == []


async def test_a_campaign_already_judged_tells_the_new_reporter_at_once(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    first = await submit(service, "u-anne", eml(COLIS))
    await service.record_action("u-anne", first.id, "none")
    await service.set_verdict("u-paul", first.campaign_id, "phishing")
    second = await submit(service, "u-bob", eml(COLIS))
    assert second.campaign_verdict == "phishing"
    mark = await last_outbox_id(sm)
    await service.record_action("u-bob", second.id, "attachment")
    rows = await outbox_rows(sm, mark)
    assert destinations(rows) == [
        ("telegram", "1002"),
        ("telegram", str(PAUL_CHAT)),
        ("telegram", str(ZOE_CHAT)),
    ]
    notice = rows[0].payload["html"]
    assert notice.startswith("Merci pour votre signalement du mail «\u00a0Votre colis")
    assert "Paul, technicien, l’a examiné\u00a0: c’est bien un hameçonnage" in notice
    note = rows[1].payload
    assert "\n" not in note["html"] and note["buttons"] == [] and "document" not in note
    assert (
        f"signalement n° {second.id}" in note["html"] and "a ouvert la pièce jointe" in note["html"]
    )
    # Idempotent, and a later verdict does not tell bob again.
    await service.record_action("u-bob", second.id, "attachment")
    _, told = await service.set_verdict("u-zoe", first.campaign_id, "phishing")
    assert told == 0
    assert len(await outbox_rows(sm, mark)) == 3


async def test_release_stale_sends_unanswered_reports_once(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings(phishing_notify_after_minutes=10))
    view = await submit(service, "u-anne", eml(COLIS))
    assert await service.release_stale() == 0
    await age_report(sm, view.id, minutes=11)
    assert await service.release_stale() == 1
    rows = await outbox_rows(sm)
    assert len(rows) == 4 and "non précisé" in rows[0].payload["html"]
    assert "document" in rows[1].payload
    assert await service.release_stale() == 0
    # The person answers later: technicians get the answer, not the report again.
    mark = await last_outbox_id(sm)
    await service.record_action(
        "u-anne", view.id, "clicked_asked", ticket_reference="VIG-2026-00007"
    )
    rows = await outbox_rows(sm, mark)
    assert destinations(rows) == [("telegram", str(PAUL_CHAT)), ("telegram", str(ZOE_CHAT))]
    assert "la page a demandé quelque chose" in rows[0].payload["html"]
    assert "VIG-2026-00007" in rows[0].payload["html"] and "document" not in rows[0].payload
    await service.record_action("u-anne", view.id, "clicked_asked")
    assert len(await outbox_rows(sm, mark)) == 2


async def test_concurrent_reports_of_one_campaign_join_the_same_campaign(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    senders = ["u-anne", "u-bob", "u-carl", "u-dora", "u-stranger"]
    views = await asyncio.gather(*(submit(service, s, eml(COLIS)) for s in senders))
    assert len({v.campaign_id for v in views}) == 1
    campaign = await service.campaign(views[0].campaign_id)
    assert campaign is not None and (campaign.reports, campaign.people) == (5, 5)


async def test_answer_and_release_at_the_same_time_send_the_report_once(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    views = [await submit(service, "u-anne", eml(COLIS)) for _ in range(3)]
    for view in views:
        await age_report(sm, view.id, minutes=30)
    await asyncio.gather(
        service.release_stale(),
        *(service.record_action("u-anne", v.id, "none") for v in views),
        service.release_stale(),
    )
    documents = [
        r.payload["document"]["report_id"] for r in await outbox_rows(sm) if "document" in r.payload
    ]
    # One original per report and technician, whoever sent it first.
    assert sorted(documents) == sorted([v.id for v in views] * 2)


# --- The technicians' verdict --------------------------------------------------------------------


async def test_set_verdict_tells_each_registered_reporter_once(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    anne_1 = await submit(service, "u-anne", eml(COLIS))
    anne_2 = await submit(service, "u-anne", colis_other_sender())
    carl = await submit(service, "u-carl", colis_other_domain())
    await submit(service, "u-stranger", eml(COLIS))
    assert anne_1.campaign_id == anne_2.campaign_id == carl.campaign_id
    mark = await last_outbox_id(sm)
    campaign, told = await service.set_verdict("u-paul", anne_1.campaign_id, "spam")
    assert told == 2
    assert (campaign.verdict, campaign.verdict_by, campaign.reports, campaign.people) == (
        "spam",
        "Paul",
        4,
        3,
    )
    rows = await outbox_rows(sm, mark)
    assert destinations(rows) == [("telegram", "1001"), ("terminal", "1003")]
    assert all(
        "Paul, technicien, l’a examiné\u00a0: c’est un spam" in r.payload["html"] for r in rows
    )
    # Changed verdict: those already told are not told again.
    changed, told_again = await service.set_verdict("u-adam", anne_1.campaign_id, "legit")
    assert (changed.verdict, changed.verdict_by, told_again) == ("legit", None, 0)
    assert len(await outbox_rows(sm, mark)) == 2
    view = await service.get_for_reporter("u-anne", anne_1.id)
    assert view is not None and view.campaign_verdict == "legit"


async def test_only_technicians_judge_and_values_are_checked(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    view = await submit(service, "u-anne", eml(COLIS))
    for sender, campaign_id, verdict, code in [
        ("u-anne", view.campaign_id, "phishing", "not_technician"),
        ("u-carl", view.campaign_id, "phishing", "not_technician"),
        ("u-stranger", view.campaign_id, "phishing", "not_technician"),
        ("u-paul", view.campaign_id, "dangerous", "bad_value"),
        ("u-paul", view.campaign_id + 1, "phishing", "not_found"),
    ]:
        with pytest.raises(PhishingError) as caught:
            await service.set_verdict(sender, campaign_id, verdict)
        assert caught.value.code == code
    await world.directory.remove_technician("Paul")
    with pytest.raises(PhishingError) as caught:
        await service.set_verdict("u-paul", view.campaign_id, "phishing")
    assert caught.value.code == "not_technician"
    assert await world.directory.is_technician("u-zoe")
    assert not await world.directory.is_technician("u-paul")
    assert await outbox_rows(world.sessionmaker) == []


# --- Warning the staff ------------------------------------------------------------------------------


async def test_warn_targets_and_scopes(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    first = await submit(service, "u-anne", eml(COLIS))
    await submit(service, "u-bob", eml(COLIS))
    cid = first.campaign_id
    # Tilleuls: anne, carl (eve is inactive); Chênes: bob; all: + dora. Never technicians.
    assert await service.warn_targets(cid) == {"facilities": (2, 3), "all": (3, 4)}
    with pytest.raises(PhishingError) as caught:
        await service.warn_targets(cid + 1)
    assert caught.value.code == "not_found"

    mark = await last_outbox_id(sm)
    campaign, queued = await service.warn("u-paul", cid, "facilities")
    assert queued == 3
    assert (campaign.warned_scope, campaign.warn_total) == ("facilities", 3)
    assert campaign.warned_at is not None
    rows = await outbox_rows(sm, mark)
    assert sorted(destinations(rows)) == [
        ("telegram", "1001"),
        ("telegram", "1002"),
        ("terminal", "1003"),
    ]
    assert {r.batch for r in rows} == {f"warn:{cid}"}
    payload = rows[0].payload
    assert payload["html"].startswith("⚠️ <b>Alerte sécurité (Axion Santé)</b>\u00a0: un faux mail")
    assert "colissimo-suivi[.]info" in payload["html"]
    assert payload["buttons"] == [
        {"title": "J’ai cliqué ou répondu", "payload": "/report_phishing"},
        {"title": "Comment le reconnaître\u00a0?", "payload": f"v:phl:{cid}"},
    ]

    for scope in ("facilities",):
        with pytest.raises(PhishingError) as caught:
            await service.warn("u-paul", cid, scope)
        assert caught.value.code == "already_warned"
    # Wider: only those not warned yet.
    campaign, queued = await service.warn("u-zoe", cid, "all")
    assert queued == 1 and (campaign.warned_scope, campaign.warn_total) == ("all", 4)
    assert destinations(await outbox_rows(sm, mark))[3:] == [("telegram", "1004")]
    for scope in ("facilities", "all"):
        with pytest.raises(PhishingError) as caught:
            await service.warn("u-paul", cid, scope)
        assert caught.value.code == "already_warned"


async def test_warn_refusals(world: World) -> None:
    service = PhishingService(world.sessionmaker, make_settings())
    view = await submit(service, "u-anne", eml(COLIS))
    stranger = await submit(service, "u-stranger", eml("phishing/mssante_desactivation.eml"))
    for sender, campaign_id, scope, code in [
        ("u-anne", view.campaign_id, "all", "not_technician"),
        ("u-paul", view.campaign_id, "everyone", "bad_value"),
        ("u-paul", view.campaign_id + 100, "all", "not_found"),
        # Reported by an unregistered person only: no facility concerned.
        ("u-paul", stranger.campaign_id, "facilities", "nobody"),
    ]:
        with pytest.raises(PhishingError) as caught:
            await service.warn(sender, campaign_id, scope)
        assert caught.value.code == code
    assert await service.warn_targets(stranger.campaign_id) == {
        "facilities": (0, 0),
        "all": (3, 4),
    }
    assert await outbox_rows(world.sessionmaker) == []
    # Judged legitimate: « un faux mail circule » would be false.
    await service.set_verdict("u-paul", view.campaign_id, "legit")
    mark = await last_outbox_id(world.sessionmaker)
    with pytest.raises(PhishingError) as caught:
        await service.warn("u-paul", view.campaign_id, "all")
    assert caught.value.code == "judged_legit"
    assert await outbox_rows(world.sessionmaker, mark) == []


async def test_batch_done_reports_once_to_whoever_warned(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings())
    outbox = Outbox(sm)
    view = await submit(service, "u-anne", eml(COLIS))
    await submit(service, "u-bob", eml(COLIS))
    cid = view.campaign_id
    await service.warn("u-zoe", cid, "facilities")
    batch = f"warn:{cid}"
    rows = [r for r in await outbox_rows(sm) if r.batch == batch]
    assert len(rows) == 3
    assert not await service.batch_done(batch)  # still pending
    await outbox.mark_sent(rows[0].id)
    await outbox.mark_sent(rows[1].id)
    assert not await service.batch_done(batch)
    await outbox.mark_failed(rows[2].id, "Forbidden")
    mark = await last_outbox_id(sm)
    assert await service.batch_done(batch)
    [summary] = await outbox_rows(sm, mark)
    assert (summary.channel, summary.destination, summary.batch) == (
        "telegram",
        str(ZOE_CHAT),
        None,
    )
    assert "reçue par 2 personnes sur 3 (1 injoignable)" in summary.payload["html"]
    assert "Votre colis est en attente de livraison" in summary.payload["html"]
    # Idempotent.
    assert not await service.batch_done(batch)
    assert not await service.batch_done("warn:abc")
    assert not await service.batch_done("other:1")
    assert len(await outbox_rows(sm, mark)) == 1

    # Widened: a new summary once the new rows went, to the group when there is one.
    grouped = PhishingService(sm, make_settings(technicians_chat_id=GROUP_CHAT))
    await grouped.warn("u-paul", cid, "all")
    [dora] = [r for r in await outbox_rows(sm, mark) if r.batch == batch]
    await outbox.mark_sent(dora.id)
    mark = await last_outbox_id(sm)
    assert await grouped.batch_done(batch)
    [summary] = await outbox_rows(sm, mark)
    assert summary.destination == str(GROUP_CHAT)
    assert "reçue par 3 personnes sur 4 (1 injoignable)" in summary.payload["html"]


# --- Retention --------------------------------------------------------------------------------------


async def test_purge_drops_originals_then_reports(world: World) -> None:
    sm = world.sessionmaker
    service = PhishingService(sm, make_settings(phishing_keep_days=30, retention_days=365))
    first = await submit(service, "u-anne", eml(COLIS))
    second = await submit(service, "u-bob", colis_other_sender())
    await service.expect("u-dora", "telegram", 1004)
    now = utcnow()
    assert await service.purge(now) == (0, 0)
    assert await service.purge(now + timedelta(days=31)) == (2, 0)
    assert await service.original(first.id) is None
    assert await service.get_for_reporter("u-bob", second.id) is not None
    assert await count(sm, PhishingExpectation) == 0  # expired by then
    assert await service.purge(now + timedelta(days=366)) == (0, 2)
    assert await service.get_for_reporter("u-anne", first.id) is None
    assert await count(sm, PhishingReport) == 0
    assert await count(sm, PhishingKey) == 0
    assert await count(sm, PhishingCampaign) == 0


def test_grouping_keys_read_punycode_like_the_analyser() -> None:
    """One host cleaning for the analyser and the campaign keys: a punycode domain and its
    Unicode spelling are the same campaign key."""
    from vigie.phishing.mailcheck.trusted import TrustedDomains
    from vigie.phishing.service import link_host_key, sender_domain_key

    trusted = TrustedDomains(["ehpad.example"])
    assert sender_domain_key("xn--amli-cpa.fr.", trusted) == "améli.fr"
    assert sender_domain_key("AMÉLI.fr", trusted) == "améli.fr"
    assert link_host_key("connexion.xn--amli-cpa.fr", trusted) == "connexion.améli.fr"
