"""The monthly report (PDF) of a facility, on SQLite and PostgreSQL: the figures of one calendar
month in the facility's time zone, nothing of another facility nor of who asked, fake e-mails
defanged, exactly three pieces of advice; an empty month; the ``vigie report`` command."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.admin.cli import main
from vigie.console import report
from vigie.console import report_texts as txt
from vigie.console.report import (
    MonthlyFigures,
    ReportError,
    choose_advice,
    defang_text,
    month_bounds,
    monthly_report,
    parse_month,
)
from vigie.console.stats import Overview
from vigie.conversation.turns import TurnLog
from vigie.core import pdf
from vigie.core.clock import FakeClock, set_default_clock
from vigie.core.settings import Settings
from vigie.core.typography import NBSP
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.incidents.service import IncidentService
from vigie.incidents.views import IncidentDraft
from vigie.people.directory import Directory
from vigie.phishing.mailcheck import analyse, trusted_domains
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService
from vigie.tickets.views import TicketDraft

PARIS = ZoneInfo("Europe/Paris")
PROVIDER = "Axion Santé"
TITLES = {"antivirus": "L’antivirus", "phishing_recognize": "Reconnaître un mail piégé"}
TITLE = "Rapport mensuel de cybersécurité – EHPAD Les Tilleuls – novembre 2026"
OTHER_QUESTION = "question du foyer soleil sur le planning"
FAKE_MAIL = (
    b"From: Colis Express <avis@colis-suivi.info>\r\n"
    b"To: equipe@ehpad-lestilleuls.fr\r\n"
    b"Subject: Votre colis est bloque, payez sur colis-suivi.info\r\n"
    b"Date: Tue, 10 Nov 2026 06:12:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b'<p>Payez 1,99 EUR : <a href="https://colis-suivi.info/payer">payer</a></p>\r\n'
)


def settings() -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        provider_name=PROVIDER,
        pseudonym_secret="report-test-secret",
        technicians_chat_id=None,
        smtp_host=None,
        helpdesk_mail_to=None,
    )


@pytest.fixture
def place() -> Iterator[Any]:
    """``place(datetime)``: what is written next is dated then (the default clock)."""
    previous = set_default_clock(FakeClock())

    def at(moment: datetime) -> None:
        set_default_clock(FakeClock(moment))

    yield at
    set_default_clock(previous)


def paris(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS)


@dataclass
class World:
    sessions: async_sessionmaker[AsyncSession]
    tilleuls: int
    soleil: int
    urgencies: list[str]  # of the Tilleuls' tickets


async def seed(sessions: async_sessionmaker[AsyncSession], at: Any) -> World:
    """EHPAD Les Tilleuls in November 2026: 5 questions (3 answered, 1 not understood, 1 out of
    scope), 2 tickets (one resolved in 4 hours), 1 fake e-mail (a password typed), 1 incident.
    Foyer Soleil: questions and a ticket that must not show."""
    directory = Directory(sessions)
    tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Brive")
    soleil = await directory.create_facility("Foyer Soleil", "Tulle")
    for facility_id, sender, chat in ((tilleuls.id, "u-12", 12), (soleil.id, "u-13", 13)):
        code = await directory.create_invitation(facility_id=facility_id, role="staff")
        await directory.redeem_invitation(
            code.code, channel="telegram", chat_id=chat, sender=sender
        )
    await directory.add_technician(name="Paul", chat_id=99, sender="u-99")

    turns = TurnLog(sessions)
    for moment, sender, text, intent in (
        # 00:30 in Paris on 1 November, still 31 October in UTC: November's.
        (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "u-12", "antivirus rouge", "faq/antivirus"),
        (paris(3, 10), "u-12", "bonjour", "greet"),  # not a question
        (paris(3, 10), "u-12", "mon antivirus clignote", "faq/antivirus"),
        (paris(12, 9), "u-12", "c'est quoi un mail piégé", "faq/phishing_recognize"),
        (paris(12, 15), "u-12", "le truc du bidule marche pas", "nlu_fallback"),
        (paris(20, 11), "u-12", "la recette du gâteau", "out_of_scope"),
        # 00:30 in Paris on 1 December, still 30 November in UTC: not November's.
        (datetime(2026, 11, 30, 23, 30, tzinfo=UTC), "u-12", "trop tard", "nlu_fallback"),
        (paris(15, 10, month=10), "u-12", "le mois d'avant", "nlu_fallback"),
        (paris(5, 10), "u-13", OTHER_QUESTION, "nlu_fallback"),
        (paris(6, 10), "u-13", "antivirus", "faq/antivirus"),
    ):
        at(moment)
        await turns.record(
            channel="telegram",
            sender=sender,
            text_in=text,
            text_out="…",
            intent=intent,
            confidence=0.9,
            article_id=None,
        )

    config = settings()
    tickets = TicketService(sessions, config)
    at(paris(4, 9))
    printer, _ = await tickets.create(
        "u-12",
        TicketDraft("L’imprimante n’imprime plus", "printer", "me", "yes"),
        idempotency_key="t1",
    )
    await tickets.take("u-99", printer.id)
    at(paris(4, 13))
    await tickets.resolve("u-99", printer.id)
    at(paris(18, 9))
    software, _ = await tickets.create(
        "u-12",
        TicketDraft("Le logiciel de soins ne démarre pas", "care_software", "facility", "no"),
        idempotency_key="t2",
    )
    at(paris(18, 10))
    await tickets.create(
        "u-13", TicketDraft("Le Wi-Fi coupe", "network", "me", "yes"), idempotency_key="t3"
    )

    phishing = PhishingService(sessions, config)
    at(paris(10, 7))
    reported = await phishing.submit(
        sender="u-12",
        channel="telegram",
        chat_id=12,
        data=FAKE_MAIL,
        source="eml",
        filename="message.eml",
        analysis=analyse(FAKE_MAIL, trusted=trusted_domains(["ehpad-lestilleuls.fr"])),
    )
    await phishing.record_action("u-12", reported.id, "credentials")
    await phishing.set_verdict("u-99", reported.campaign_id, "phishing")

    at(paris(22, 3))
    await IncidentService(sessions, config).declare(
        "u-12",
        IncidentDraft(what="écran de rançon", since="ce matin", data_affected="unknown"),
        idempotency_key="i1",
    )
    at(paris(1, 9, month=12))  # the report is made on 1 December
    return World(sessions, tilleuls.id, soleil.id, [printer.urgency, software.urgency])


def pdf_text(data: bytes) -> str:
    """The text of every page, as extracted, then with white space collapsed."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def advice_lines(text: str) -> list[str]:
    section = text.split(txt.ADVICE_SECTION, 1)[1]
    return re.findall(r"^\d+\. ", section, flags=re.MULTILINE)


async def test_the_month_of_one_facility(
    sessionmaker: async_sessionmaker[AsyncSession], place: Any
) -> None:
    world = await seed(sessionmaker, place)
    data = await monthly_report(sessionmaker, settings(), world.tilleuls, "2026-11", TITLES)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == TITLE
    assert reader.metadata.author == PROVIDER
    raw = pdf_text(data)
    text = flat(raw)
    assert TITLE in text and PROVIDER in text
    for figure in (
        "Questions posées à Vigie : 5",
        "Avec une réponse : 60 % (3)",
        "Non comprises : 1",
        "Hors sujet : 1",
        "Demandes d’assistance ouvertes : 2",
        "Encore en cours aujourd’hui (tous mois confondus) : 1",
        "Délai médian de résolution : 4 h",
        "Mails suspects signalés : 1",
        "A saisi un mot de passe : 1",
        "Incidents de sécurité : 1",
        "L’antivirus 2",  # the topics' chart, with the article's title
        "Reconnaître un mail piégé 1",
    ):
        assert figure in text, figure
    for urgency in set(world.urgencies):
        label = txt.URGENCY_LABELS[urgency]
        assert f"Urgence {label} : {world.urgencies.count(urgency)}" in text
    # The fake e-mail: its subject, defanged; one line for the staff.
    assert "colis-suivi[.]info" in text and "colis-suivi.info" not in text
    assert "À dire au personnel" in text
    # The unanswered question, never who asked; nothing of the other facility or month.
    assert "« le truc du bidule marche pas »" in text
    for absent in ("Foyer Soleil", OTHER_QUESTION, "u-12", "trop tard", "le mois d'avant"):
        assert absent not in text, absent
    # Three pieces of advice, those the figures call for first.
    assert len(advice_lines(raw)) == 3
    advice = flat(raw.split(txt.ADVICE_SECTION, 1)[1])
    assert advice.startswith("1. Un mot de passe a été saisi sur une page piégée")
    assert "2. Un incident de sécurité a été déclaré" in advice
    # The same data at the same moment: the same bytes.
    assert await monthly_report(sessionmaker, settings(), world.tilleuls, "2026-11", TITLES) == data


async def test_another_facility_sees_only_its_own(
    sessionmaker: async_sessionmaker[AsyncSession], place: Any
) -> None:
    world = await seed(sessionmaker, place)
    data = await monthly_report(sessionmaker, settings(), world.soleil, "2026-11", TITLES)
    text = flat(pdf_text(data))
    assert "Foyer Soleil – novembre 2026" in text
    assert "Questions posées à Vigie : 2" in text
    assert "Demandes d’assistance ouvertes : 1" in text
    assert "Mails suspects signalés : 0" in text
    assert OTHER_QUESTION in text
    for absent in ("EHPAD Les Tilleuls", "bidule", "colis-suivi"):
        assert absent not in text, absent


async def test_a_month_without_data_still_gives_a_report(
    sessionmaker: async_sessionmaker[AsyncSession], place: Any
) -> None:
    world = await seed(sessionmaker, place)
    data = await monthly_report(sessionmaker, settings(), world.tilleuls, "2025-02", TITLES)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    raw = pdf_text(data)
    text = flat(raw)
    assert "EHPAD Les Tilleuls – février 2025" in text
    for line in (
        "Questions posées à Vigie : 0",
        "Aucune question ce mois-ci.",
        "Aucune demande ce mois-ci.",
        "Aucun mail suspect signalé ce mois-ci.",
        "Aucun faux mail confirmé",
        "Aucun incident ce mois-ci.",
        "Astuces envoyées ce mois-ci : 0",
        "Aucun quiz terminé ce mois-ci",
        "Autodiagnostic jamais fait",
    ):
        assert line in text, line
    assert len(advice_lines(raw)) == 3
    assert "Aucun mail suspect n’a été signalé : rappelez comment faire" in text
    assert "Vigie a peu servi ce mois-ci" in text


async def test_bad_month_or_facility(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(ReportError, match="AAAA-MM"):
        await monthly_report(sessionmaker, settings(), 1, "2026-13", TITLES)
    with pytest.raises(ReportError, match="établissement inconnu"):
        await monthly_report(sessionmaker, settings(), 999, "2026-11", TITLES)


# --- Without a database ------------------------------------------------------------------------


def figures(**counts: Any) -> MonthlyFigures:
    values: dict[str, Any] = {
        "since": datetime(2026, 10, 31, 23, tzinfo=UTC),
        "until": datetime(2026, 11, 30, 23, tzinfo=UTC),
        "questions": 40,
        "answered": 36,
        "fallback": 4,
        "out_of_scope": 0,
        "per_week": [],
        "topics": [],
        "tickets_opened": 0,
        "tickets_open_now": 0,
        "tickets_by_urgency": {},
        "resolution_hours_median": None,
        "reports": 2,
        "reports_by_verdict": {"douteux": 2},
        "reports_by_action": {"none": 2},
        "incidents": 0,
        "incidents_open_now": 0,
        "incidents_by_kind": {},
    }
    campaigns = counts.pop("campaigns", [])
    values.update(counts)
    return MonthlyFigures("EHPAD", "Europe/Paris", 2026, 11, Overview(**values), campaigns)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Nothing special: the three general pieces of advice, in their order.
        ({"fallback": 1}, ("Mots de passe :", "Mails :", "Mises à jour :")),
        # Many questions not understood: tell staff what Vigie can answer.
        ({"fallback": 10, "answered": 30}, ("Beaucoup de questions", "Mots de passe :", "Mails :")),
        # A click, a lost card: those first; the mail default gives way to the click.
        (
            {
                "fallback": 0,
                "reports_by_action": {"clicked": 1},
                "incidents": 1,
                "incidents_by_kind": {"lost_device": 1},
            },
            ("Un appareil ou une carte", "Des personnes ont cliqué", "Mots de passe :"),
        ),
        # Everything at once: still three, by priority.
        (
            {
                "reports_by_action": {"credentials": 1, "attachment": 1},
                "incidents": 2,
                "incidents_by_kind": {"incident": 1, "lost_device": 1},
            },
            ("Un mot de passe a été saisi", "Un incident de sécurité", "Des personnes ont cliqué"),
        ),
    ],
)
def test_advice_rules(counts: dict[str, Any], expected: tuple[str, ...]) -> None:
    advice = choose_advice(figures(**counts), PROVIDER)
    assert len(advice) == 3
    for line, start in zip(advice, expected, strict=True):
        assert line.replace(NBSP, " ").startswith(start), (line, start)
    assert all(f"{NBSP}:" in line and " :" not in line for line in advice)


def test_parse_month_and_defang() -> None:
    assert parse_month("2026-11") == (2026, 11)
    for bad in ("2026-13", "2026-1", "11-2026", "novembre", "2026-00"):
        with pytest.raises(ReportError):
            parse_month(bad)
    assert defang_text("payez sur https://colis-suivi.info/x ou colis.fr, écrivez à a@b.fr") == (
        "payez sur hxxps://colis-suivi[.]info/x ou colis[.]fr, écrivez à a[@]b[.]fr"
    )
    assert defang_text("version 2.3, rien à changer") == "version 2.3, rien à changer"


# --- The command line -------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def vigie(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``vigie(*args)`` runs the command line on the test database and captures its output."""
    monkeypatch.setenv("PSEUDONYM_SECRET", "report-test-secret")
    monkeypatch.setenv("PROVIDER_NAME", PROVIDER)
    monkeypatch.delenv("TECHNICIANS_CHAT_ID", raising=False)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    monkeypatch.delenv("HELPDESK_MAIL_TO", raising=False)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(["--database-url", db_url, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    run.url = db_url  # type: ignore[attr-defined]
    return run


def seed_database(url: str, place: Any) -> World:
    async def go() -> World:
        engine = create_engine(url)
        try:
            return await seed(make_sessionmaker(engine), place)
        finally:
            await engine.dispose()

    upgrade(url)
    return asyncio.run(go())


def test_cli_report(vigie, place: Any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = seed_database(vigie.url, place)
    out = tmp_path / "rapport.pdf"
    result = vigie(
        "report", "--facility", "ehpad les tilleuls", "--month", "2026-11", "--out", str(out)
    )
    assert result.code == 0, result.err
    assert str(out) in result.out
    text = flat(pdf_text(out.read_bytes()))
    assert TITLE in text and PROVIDER in text
    assert "Questions posées à Vigie : 5" in text
    assert "Reconnaître un mail piégé" in text  # the knowledge base's title of the topic

    by_id = tmp_path / "soleil.pdf"
    result = vigie(
        "report", "--facility", str(world.soleil), "--month", "2026-11", "--out", str(by_id)
    )
    assert result.code == 0, result.err
    assert "Foyer Soleil – novembre 2026" in flat(pdf_text(by_id.read_bytes()))


def test_cli_report_refuses_a_bad_month_or_facility(vigie, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "rapport.pdf"
    for month in ("2026-13", "11/2026", "novembre"):
        result = vigie("report", "--facility", "1", "--month", month, "--out", str(out))
        assert result.code == 2, month
        assert "mois attendu au format AAAA-MM" in result.err
    result = vigie("report", "--facility", "Nulle Part", "--month", "2026-11", "--out", str(out))
    assert result.code == 1
    assert "établissement inconnu" in result.err
    assert not out.exists()


def test_missing_fonts_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf, "FONT_DIR", tmp_path)
    with pytest.raises(ReportError, match="apt-get install fonts-dejavu-core"):
        report.font_files()


def test_month_bounds_follow_the_facility_time_zone() -> None:
    since, until = month_bounds(2026, 11, "Europe/Paris")
    assert since == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert until - since == timedelta(days=30)
