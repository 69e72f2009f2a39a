"""The console over HTTP (the real aiohttp application on a real port, SQLite and
PostgreSQL): sign-in links, sessions, who sees what, CSRF, headers, the review queue and its
export, and hostile texts shown as text. The browser tests are in test_browser.py."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
import yaml
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from console.app import COOKIE, CSP, make_app
from vigie.console.access import AccessError, ConsoleAccess
from vigie.console.models import ConsoleAudit
from vigie.conversation.turns import TurnLog
from vigie.core.clock import FakeClock
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.people.directory import Directory

SECRET = "console-test-secret-0123456789abcdef"
TITLES = {"antivirus": "Antivirus", "phishing_recognize": "Reconnaître un mail piégé"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> « mdp » & co'


@dataclass
class World:
    url: str
    access: ConsoleAccess
    clock: FakeClock
    sessions: async_sessionmaker[AsyncSession]
    ids: dict[str, int]
    export: Path


async def _person(directory: Directory, facility_id: int | None, role: str, chat: int) -> int:
    code = await directory.create_invitation(facility_id=facility_id, role=role)
    person = await directory.redeem_invitation(
        code.code, channel="telegram", chat_id=chat, sender=f"u-{chat}"
    )
    return person.id


@pytest_asyncio.fixture
async def world(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[World]:
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    directory = Directory(sessionmaker)
    tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Brive")
    soleil = await directory.create_facility("Foyer Soleil", "Tulle")
    ids = {
        "tilleuls": tilleuls.id,
        "soleil": soleil.id,
        "referent_a": await _person(directory, tilleuls.id, "referent", 11),
        "staff_a": await _person(directory, tilleuls.id, "staff", 12),
        "staff_b": await _person(directory, soleil.id, "staff", 13),
    }
    tech = await directory.add_technician(name="Paul", chat_id=99, sender="u-99")
    ids["tech"] = tech.id
    turns = TurnLog(sessionmaker)
    for sender, text, intent, confidence in (
        ("u-12", "mon antivirus clignote en rouge", "faq/antivirus", 0.9),
        ("u-12", "le truc du bidule marche pas", "nlu_fallback", 0.1),
        ("u-13", HOSTILE, "nlu_fallback", 0.12),
        ("u-13", "c'est quoi un mail piégé", "faq/phishing_recognize", 0.35),
    ):
        await turns.record(
            channel="telegram",
            sender=sender,
            text_in=text,
            text_out="…",
            intent=intent,
            confidence=confidence,
            article_id=None,
        )
    clock = FakeClock(utcnow())  # after the turns: the overview ends now
    export = tmp_path / "review.yml"
    app = make_app(settings, sessionmaker, TITLES, clock=clock, export_path=export)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield World(
            str(server.make_url("")).rstrip("/"),
            ConsoleAccess(sessionmaker, settings, clock),
            clock,
            sessionmaker,
            ids,
            export,
        )
    finally:
        await server.close()


def _path(link: str) -> str:
    return "/entrer/" + link.rsplit("/entrer/", 1)[1]


async def _sign_in(http: aiohttp.ClientSession, world: World, person: str) -> str:
    """Sign in with a fresh link; the CSRF token of the session."""
    link = await world.access.create_link(world.ids[person])
    async with http.get(world.url + _path(link)) as page:
        assert page.status == 200
        assert "Entrer dans la console" in await page.text()
    async with http.post(world.url + _path(link), allow_redirects=False) as entered:
        assert entered.status == 303, await entered.text()
        cookie = entered.cookies[COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
    async with http.get(world.url + "/") as home:
        html = await home.text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=20)
    )


async def test_a_link_works_once_and_expires(world: World) -> None:
    async with _client() as http:
        link = await world.access.create_link(world.ids["tech"])
        assert link.startswith("http://127.0.0.1:8090/entrer/")
        async with http.post(world.url + _path(link), allow_redirects=False) as first:
            assert first.status == 303
        async with _client() as other, other.post(world.url + _path(link)) as again:
            assert again.status == 403
            assert "a déjà servi" in await again.text()
        late = await world.access.create_link(world.ids["tech"])
        world.clock.advance(11 * 60)
        async with _client() as other:
            async with other.post(world.url + _path(late)) as expired:
                assert expired.status == 403 and "a expiré" in await expired.text()
            async with other.post(world.url + "/entrer/nimporte-quoi") as unknown:
                assert unknown.status == 403 and "n’existe pas" in await unknown.text()


async def test_staff_get_no_link(world: World) -> None:
    with pytest.raises(AccessError, match="not_allowed"):
        await world.access.create_link(world.ids["staff_a"])
    with pytest.raises(AccessError, match="not_allowed"):
        await world.access.create_link_for_sender("u-nobody")


async def test_pages_need_a_session_which_ends_when_idle_or_signed_out(world: World) -> None:
    async with _client() as http:
        async with http.get(world.url + "/") as anonymous:
            assert anonymous.status == 401 and "/console" in await anonymous.text()
        csrf = await _sign_in(http, world, "tech")
        async with http.get(world.url + "/") as home:
            assert home.status == 200
        world.clock.advance(31 * 60)
        async with http.get(world.url + "/") as idle:
            assert idle.status == 401
        csrf = await _sign_in(http, world, "tech")
        async with http.post(world.url + "/sortie", data={"csrf": csrf}) as out:
            assert out.status == 200 and "déconnecté" in await out.text()
        async with http.get(world.url + "/") as after:
            assert after.status == 401


async def test_a_referent_sees_only_their_facility_and_no_review(world: World) -> None:
    async with _client() as http:
        await _sign_in(http, world, "referent_a")
        async with http.get(world.url + "/") as home:
            html = await home.text()
            assert "EHPAD Les Tilleuls" in html and "Foyer Soleil" not in html
            assert "le truc du bidule marche pas" in html  # their unanswered question
            assert "alert" not in html  # the other facility's question
            assert "u-12" not in html  # never who asked
        for path in (f"/etablissements/{world.ids['soleil']}", "/revue"):
            async with http.get(world.url + path) as refused:
                assert refused.status == 403, path
        async with http.get(world.url + f"/etablissements/{world.ids['tilleuls']}") as own:
            assert own.status == 200
        async with http.get(world.url + "/etablissements/999999") as other:
            assert other.status == 403  # an unknown id says no more than a forbidden one
    async with world.sessions() as session:
        refused = await session.scalar(
            select(func.count()).select_from(ConsoleAudit).where(ConsoleAudit.action == "refused")
        )
    assert refused == 2


async def test_headers_csrf_and_hostile_text(world: World) -> None:
    async with _client() as http:
        csrf = await _sign_in(http, world, "tech")
        async with http.get(world.url + "/revue") as page:
            html = await page.text()
            assert page.headers["Content-Security-Policy"] == CSP
            assert page.headers["X-Frame-Options"] == "DENY"
            assert page.headers["Cache-Control"] == "no-store"
        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        turn_ids = [int(i) for i in re.findall(r'id="turn-(\d+)"', html)]
        assert len(turn_ids) == 3  # two fallbacks and the 0.35 answer; not the sure one
        async with http.post(
            world.url + f"/revue/{turn_ids[0]}", data={"decision": "dismissed"}
        ) as forged:
            assert forged.status == 403
        async with http.post(
            world.url + f"/revue/{turn_ids[0]}",
            data={"decision": "labelled", "label": "faq/inexistant", "csrf": csrf},
        ) as bad:
            assert bad.status == 400


async def test_review_label_then_export(world: World) -> None:
    async with _client() as http:
        csrf = await _sign_in(http, world, "tech")
        async with http.get(world.url + "/revue") as page:
            html = await page.text()
        texts = dict(
            (text, int(turn))
            for turn, text in re.findall(
                r'id="turn-(\d+)">.*?<blockquote class="text">(.*?)</blockquote>', html, re.S
            )
        )
        bidule = texts["le truc du bidule marche pas"]
        hostile = next(t for s, t in texts.items() if "script" in s)
        async with http.post(
            world.url + f"/revue/{bidule}",
            data={"decision": "labelled", "label": "open_ticket", "csrf": csrf},
        ) as labelled:
            assert labelled.status == 200
            assert f'id="turn-{bidule}"' not in await labelled.text()
        async with http.post(
            world.url + f"/revue/{hostile}",
            data={"decision": "labelled", "label": "faq/antivirus", "csrf": csrf},
        ) as labelled:
            assert labelled.status == 200
        async with http.post(world.url + "/revue/export", data={"csrf": csrf}) as exported:
            assert exported.status == 200
            assert "2 exemple(s) exporté(s)" in await exported.text()
    data = yaml.safe_load(world.export.read_text(encoding="utf-8"))
    examples = {block["intent"]: block["examples"] for block in data["nlu"]}
    assert examples["open_ticket"] == "- le truc du bidule marche pas\n"
    assert "script" in examples["faq/antivirus"] and "(" not in examples["faq/antivirus"]


async def test_every_week_of_the_period_is_drawn(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Eight weeks, zero-filled, the week of each question counted once (SQL week buckets
    agree with Python's Mondays on both databases)."""
    from datetime import timedelta

    from vigie.console.stats import ConsoleStats, last_weeks

    turns = TurnLog(sessionmaker)
    now = utcnow()
    clock = FakeClock(now - timedelta(days=15))
    from vigie.core.clock import set_default_clock

    previous = set_default_clock(clock)
    try:
        await turns.record(
            channel="telegram",
            sender="x",
            text_in="vieux",
            text_out="…",
            intent="faq/antivirus",
            confidence=0.9,
            article_id=None,
        )
    finally:
        set_default_clock(previous)
    await turns.record(
        channel="telegram",
        sender="x",
        text_in="récent",
        text_out="…",
        intent="help",
        confidence=0.9,
        article_id=None,
    )
    since, until = last_weeks(now + timedelta(seconds=1), 8)
    overview = await ConsoleStats(sessionmaker).overview(facility_id=None, since=since, until=until)
    assert len(overview.per_week) in (8, 9)  # a period of 8 weeks spans 9 Mondays but once
    assert sum(n for _, n in overview.per_week) == 2
    counted = [week for week, n in overview.per_week if n]
    assert len(counted) == 2 and counted[-1] == overview.per_week[-1][0]


async def test_tickets_incidents_and_campaigns_pages(world: World) -> None:
    """Read-only lists and detail pages for the provider, searchable, hostile text escaped;
    a referent reaches none of them."""
    from email.message import EmailMessage

    from vigie.incidents.service import IncidentService
    from vigie.incidents.views import IncidentDraft
    from vigie.phishing.mailcheck import analyse
    from vigie.phishing.service import PhishingService
    from vigie.tickets.service import TicketService
    from vigie.tickets.views import TicketDraft

    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    ticket, _ = await TicketService(world.sessions, settings).create(
        "u-12", TicketDraft(HOSTILE, "printer", "me", "yes"), idempotency_key="t1"
    )
    incident, _ = await IncidentService(world.sessions, settings).declare(
        "u-12", IncidentDraft(what="écran de rançon " + HOSTILE), idempotency_key="i1"
    )
    mail = EmailMessage()
    mail["From"] = "Ameli <noreply@ameli-remboursement.example>"
    mail["To"] = "staff@ehpad.example"
    mail["Subject"] = "Remboursement <b>urgent</b> <script>alert(2)</script>"
    mail.set_content("Cliquez ici http://ameli-remboursement.example/login pour être remboursé")
    data = mail.as_bytes()
    report = await PhishingService(world.sessions, settings).submit(
        sender="u-13",
        channel="telegram",
        chat_id=13,
        data=data,
        source="eml",
        filename="mail.eml",
        analysis=analyse(data),
    )
    async with _client() as http:
        await _sign_in(http, world, "tech")
        async with http.get(world.url + "/demandes") as listing:
            html = await listing.text()
            assert ticket.reference in html and "<script>alert" not in html
        async with http.get(world.url + "/demandes?q=NOTHING-MATCHES") as none:
            assert "Aucune demande." in await none.text()
        async with http.get(world.url + f"/demandes/{ticket.reference.lower()}") as detail:
            html = await detail.text()
            assert detail.status == 200 and "a ouvert la demande" in html
            assert "&lt;script&gt;" in html and "<script>" not in html
        async with http.get(world.url + "/incidents?q=rançon") as listing:
            assert incident.reference in await listing.text()
        async with http.get(world.url + f"/incidents/{incident.reference}") as detail:
            html = await detail.text()
            assert "déclaré" in html and "alerté" in html and "<img src=x" not in html
        async with http.get(world.url + "/campagnes") as listing:
            html = await listing.text()
            assert "Remboursement &lt;b&gt;urgent&lt;/b&gt;" in html
        async with http.get(world.url + f"/campagnes/{report.campaign_id}") as detail:
            html = await detail.text()
            assert "Foyer Soleil" in html and "<script>alert(2)" not in html
        for missing in ("/demandes/VIG-1999-00001", "/incidents/INC-1999-00001", "/campagnes/x"):
            async with http.get(world.url + missing) as gone:
                assert gone.status == 404, missing
    async with _client() as http:
        await _sign_in(http, world, "referent_a")
        for path in (
            "/demandes",
            f"/demandes/{ticket.reference}",
            "/incidents",
            f"/incidents/{incident.reference}",
            "/campagnes",
            f"/campagnes/{report.campaign_id}",
        ):
            async with http.get(world.url + path) as refused:
                assert refused.status == 403, path


async def test_links_sessions_and_audit_have_an_end(world: World) -> None:
    """Spent links and ended sessions go a day after their end, the audit after
    RETENTION_DAYS; a live session stays."""
    from datetime import timedelta

    from vigie.console.models import ConsoleLink, ConsoleSession

    await world.access.create_link(world.ids["tech"])  # never used: expires in 10 minutes
    async with _client() as http:
        await _sign_in(http, world, "tech")  # a live session, an audit row or two
    now = world.clock.now()
    far = now - timedelta(days=400)
    assert await world.access.purge(now, far) == (0, 0)
    later = now + timedelta(days=2)
    counted = await world.access.purge(later, far, dry_run=True)
    assert counted[0] >= 3  # both links, the session (past its 12 hours)
    assert await world.access.purge(later, far) == counted
    async with world.sessions() as session:
        for table in (ConsoleLink, ConsoleSession):
            assert await session.scalar(select(func.count()).select_from(table)) == 0
        audit = await session.scalar(select(func.count()).select_from(ConsoleAudit))
    assert audit and await world.access.purge(later, later + timedelta(seconds=1)) == (0, audit)


async def test_a_thumbs_down_reaches_the_review_queue_and_the_overview(world: World) -> None:
    from vigie.conversation.models import AnswerFeedback, Turn

    async with world.sessions() as session:
        sure = await session.scalar(select(Turn.id).where(Turn.confidence == 0.9))
        assert sure is not None
        session.add(
            AnswerFeedback(
                turn_id=sure, useful=False, at=utcnow(), note="le <b>numéro</b> du support"
            )
        )
        await session.commit()
    async with _client() as http:
        await _sign_in(http, world, "tech")
        async with http.get(world.url + "/revue") as page:
            html = await page.text()
        assert f'id="turn-{sure}"' in html and "jugée pas utile" in html
        assert "le &lt;b&gt;numéro&lt;/b&gt; du support" in html
        async with http.get(world.url + "/") as home:
            html = await home.text()
        assert "0 👍 · 1 👎" in html


async def test_time_to_first_answer(world: World) -> None:
    """Opened, then taken by a technician two hours later: the overview says 2 h."""
    from datetime import timedelta

    from vigie.console.stats import ConsoleStats
    from vigie.core.clock import set_default_clock
    from vigie.tickets.service import TicketService
    from vigie.tickets.views import TicketDraft

    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    service = TicketService(world.sessions, settings)
    start = utcnow()
    previous = set_default_clock(FakeClock(start))
    try:
        ticket, _ = await service.create(
            "u-12", TicketDraft("imprimante", "printer", "me", "yes"), idempotency_key="f1"
        )
        set_default_clock(FakeClock(start + timedelta(hours=2)))
        await service.take("u-99", ticket.id)
    finally:
        set_default_clock(previous)
    overview = await ConsoleStats(world.sessions).overview(
        facility_id=None, since=start - timedelta(days=1), until=start + timedelta(days=1)
    )
    assert overview.first_answer_hours_median == 2.0
    assert overview.tickets_opened == 1 and overview.tickets_open_now == 1
