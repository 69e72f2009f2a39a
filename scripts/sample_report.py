"""Write ``docs/console/rapport-exemple.pdf``: the monthly report of a made-up facility for
November 2026, drawn from a temporary SQLite database seeded with realistic but invented data
(questions, tickets, suspicious e-mails, a fake e-mail confirmed by the technicians, a lost
CPS card). No network; nothing real.

    .venv/bin/python scripts/sample_report.py [--out FICHIER.pdf]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker  # noqa: E402

from vigie.console.report import monthly_report  # noqa: E402
from vigie.conversation.turns import TurnLog  # noqa: E402
from vigie.core.clock import FakeClock, set_default_clock  # noqa: E402
from vigie.core.settings import Settings  # noqa: E402
from vigie.db.engine import create_engine, make_sessionmaker, upgrade  # noqa: E402
from vigie.incidents.service import IncidentService  # noqa: E402
from vigie.incidents.views import IncidentDraft  # noqa: E402
from vigie.knowledge.loader import KnowledgeBase  # noqa: E402
from vigie.people.directory import Directory  # noqa: E402
from vigie.phishing.mailcheck import analyse, trusted_domains  # noqa: E402
from vigie.phishing.service import PhishingService  # noqa: E402
from vigie.tickets.service import TicketService  # noqa: E402
from vigie.tickets.views import TicketDraft  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
OUT = ROOT / "docs" / "console" / "rapport-exemple.pdf"
STAFF = ("u-aide1", "u-ide1", "u-ide2", "u-asd1", "u-accueil")
# (day of November, hour, sender, redacted text, intent)
QUESTIONS: list[tuple[int, int, str, str, str]] = [
    (2, 9, "u-ide1", "c koi un bon mdp", "faq/password_strength"),
    (2, 14, "u-aide1", "je peux noter mon mot de passe dans mon carnet ?", "faq/password_storage"),
    (3, 3, "u-ide2", "un mail de l'ARS me demande de me reconnecter", "faq/phishing_recognize"),
    (3, 10, "u-asd1", "l'antivirus affiche une alerte rouge", "faq/antivirus"),
    (4, 16, "u-accueil", "la clé usb d'une famille pour imprimer des photos", "faq/usb_devices"),
    (5, 8, "u-ide1", "le poste de soins redémarre tout seul pour des mises à jour", "faq/updates"),
    (6, 22, "u-aide1", "ma collègue me prête sa session, c'est grave ?", "faq/account_sharing"),
    (9, 7, "u-ide2", "comment reconnaître un mail piégé", "faq/phishing_recognize"),
    (9, 11, "u-accueil", "un faux RIB de la blanchisserie ?", "faq/payment_fraud"),
    (10, 13, "u-ide1", "c'est quoi la double authentification", "faq/mfa"),
    (10, 15, "u-asd1", "le truc du planning marche plus depuis hier", "nlu_fallback"),
    (12, 2, "u-ide2", "j'ai perdu ma carte CPS", "faq/cps_card"),
    (12, 9, "u-aide1", "le mot de passe doit faire combien de caractères", "faq/password_strength"),
    (13, 18, "u-accueil", "quelle recette pour le goûter de dimanche", "out_of_scope"),
    (16, 10, "u-ide1", "verrouiller le poste en partant", "faq/lock_screen"),
    (16, 11, "u-aide1", "un mail de colissimo avec un lien bizarre", "faq/phishing_recognize"),
    (17, 4, "u-ide2", "dossier patient sur whatsapp avec le médecin ?", "faq/health_data_sharing"),
    (18, 14, "u-asd1", "la tablette du chariot de soins rame", "nlu_fallback"),
    (
        19,
        9,
        "u-accueil",
        "on peut mettre les photos de l'anniversaire sur facebook",
        "faq/social_media",
    ),
    (20, 16, "u-ide1", "le wifi des résidents c'est le même que le nôtre ?", "faq/wifi"),
    (23, 8, "u-aide1", "c koi un bon mdp pour le logiciel de soins", "faq/password_strength"),
    (23, 10, "u-ide2", "j'ai cliqué sur un lien dans un mail", "faq/phishing_recognize"),
    (24, 12, "u-asd1", "où sont les sauvegardes du serveur", "faq/backup"),
    (25, 7, "u-accueil", "un technicien microsoft m'appelle", "faq/phone_scam"),
    (26, 15, "u-ide1", "mon badge ouvre plus la pharmacie", "nlu_fallback"),
    (27, 9, "u-aide1", "mot de passe oublié pour la messagerie", "faq/password_strength"),
    (30, 11, "u-ide2", "comment signaler un incident", "faq/incident_reporting"),
]
FAKE_MAIL = (
    b"From: Service RH <paie@ehpad-lestilleuls-rh.com>\r\n"
    b"To: equipe@ehpad-lestilleuls.fr\r\n"
    b"Subject: Votre bulletin de salaire de novembre est disponible\r\n"
    b"Date: Tue, 17 Nov 2026 06:12:00 +0100\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/html; charset="utf-8"\r\n'
    b"\r\n"
    b"<p>Bonjour, votre bulletin est disponible. Connectez-vous avant ce soir pour le "
    b'consulter : <a href="https://paie-ehpad.example-login.top/connexion">Mon espace</a></p>\r\n'
)


def at(day: int, hour: int, minute: int = 0) -> None:
    """Place what is written next on this day and hour of November 2026 (Paris)."""
    set_default_clock(FakeClock(datetime(2026, 11, day, hour, minute, tzinfo=PARIS)))


async def seed(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    directory = Directory(sessions)
    tilleuls = await directory.create_facility("EHPAD Les Tilleuls", "Rodez")
    other = await directory.create_facility("Foyer Soleil", "Millau")
    for number, sender in enumerate((*STAFF, "u-direction"), start=1):
        role = "referent" if sender == "u-direction" else "staff"
        code = await directory.create_invitation(facility_id=tilleuls.id, role=role)
        await directory.redeem_invitation(
            code.code, channel="telegram", chat_id=1000 + number, sender=sender
        )
    code = await directory.create_invitation(facility_id=other.id, role="staff")
    await directory.redeem_invitation(code.code, channel="telegram", chat_id=2001, sender="u-x")
    await directory.add_technician(name="Paul", chat_id=99, sender="u-tech")

    turns = TurnLog(sessions)
    for day, hour, sender, text, intent in QUESTIONS:
        at(day, hour)
        await turns.record(
            channel="telegram",
            sender=sender,
            text_in=text,
            text_out="…",
            intent=intent,
            confidence=0.9 if intent != "nlu_fallback" else 0.2,
            article_id=intent[4:] if intent.startswith("faq/") else None,
        )

    tickets = TicketService(sessions, settings)
    for key, (day, sender, problem, device, scope, care, resolved_after) in enumerate(
        (
            (
                3,
                "u-ide1",
                "L’imprimante du 1er étage n’imprime plus",
                "printer",
                "service",
                "yes",
                5,
            ),
            (
                9,
                "u-asd1",
                "Le logiciel de soins ne s’ouvre pas",
                "care_software",
                "service",
                "degraded",
                2,
            ),
            (
                16,
                "u-accueil",
                "Le téléphone de l’accueil n’a plus de tonalité",
                "phone",
                "me",
                "yes",
                26,
            ),
            (
                24,
                "u-ide2",
                "Le Wi-Fi du 2e étage coupe sans arrêt",
                "network",
                "facility",
                "yes",
                None,
            ),
        )
    ):
        at(day, 10)
        view, _ = await tickets.create(
            sender,
            TicketDraft(problem, device, scope, care),
            idempotency_key=f"sample-{key}",
        )
        await tickets.take("u-tech", view.id)
        if resolved_after is not None:
            at(day + resolved_after // 24, 10 + resolved_after % 24)
            await tickets.resolve("u-tech", view.id)

    phishing = PhishingService(sessions, settings)
    analysis = analyse(FAKE_MAIL, trusted=trusted_domains(["ehpad-lestilleuls.fr"]))
    campaign_id = 0
    for sender, action, minute in (
        ("u-ide1", "none", 5),
        ("u-aide1", "credentials", 20),
        ("u-asd1", "none", 45),
    ):
        at(17, 7, minute)
        report = await phishing.submit(
            sender=sender,
            channel="telegram",
            chat_id=1,
            data=FAKE_MAIL,
            source="eml",
            filename="message.eml",
            analysis=analysis,
        )
        await phishing.record_action(sender, report.id, action)
        campaign_id = report.campaign_id
    at(17, 8)
    await phishing.set_verdict("u-tech", campaign_id, "phishing")
    await phishing.warn("u-tech", campaign_id, "facilities")

    at(21, 15)
    await IncidentService(sessions, settings).declare(
        "u-ide2",
        IncidentDraft(kind="lost_device", lost_device="cps_card", since="ce matin"),
        idempotency_key="sample-incident",
    )
    return tilleuls.id


async def build() -> bytes:
    """The sample report's PDF."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, provider_name="Axion Santé", pseudonym_secret="sample-secret"
    )
    titles = {article.id: article.title for article in KnowledgeBase.load(settings.knowledge_dir)}
    previous = set_default_clock(FakeClock(datetime(2026, 11, 1, 8, tzinfo=PARIS)))
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'vigie.db'}"
            await asyncio.to_thread(upgrade, url)
            engine = create_engine(url)
            try:
                sessions = make_sessionmaker(engine)
                facility_id = await seed(sessions, settings)
                set_default_clock(FakeClock(datetime(2026, 12, 1, 9, tzinfo=PARIS)))
                pdf = await monthly_report(sessions, settings, facility_id, "2026-11", titles)
            finally:
                await engine.dispose()
    finally:
        set_default_clock(previous)
    return pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"fichier écrit ({OUT})")
    out: Path = parser.parse_args().out
    pdf = asyncio.run(build())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(f"{out} ({len(pdf)} octets)")


if __name__ == "__main__":
    main()
