"""End to end: suspicious e-mails reported by staff, judged by a technician, then a warning.

The real Application polls the fake Telegram server; an ``.eml`` file is uploaded as a
document, downloaded by the bot, analysed, stored; the real Rasa and action servers give the
verdict, ask what the person did, give the reflexes and open the urgent ticket; the bot's
dispatcher sends the report and the original file to the technician. Two people of two
facilities report the same campaign; the technician's verdict goes back to both, then a
warning reaches every staff member. The main test writes its transcript to
``var/test-transcripts/phishing_report.txt``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.auxil import screenshots
from tests.auxil.fake_telegram import FakeTelegram, FakeUser
from tests.e2e.conftest import HOTLINE, RunningBot, Stack, make_settings
from tests.e2e.test_tickets import (  # the fixtures are imported to be used here
    Conversation,
    add_technician,
    buttons,
    directory,
    fake,
)
from vigie.core.settings import ROOT
from vigie.people.directory import Directory

__all__ = ["directory", "fake"]

TRANSCRIPT = ROOT / "var" / "test-transcripts" / "phishing_report.txt"
CORPUS = ROOT / "tests" / "data" / "emails"
AMELI = CORPUS / "phishing" / "ameli_remboursement_lookalike.eml"
REFERENCE_RE = re.compile(r"VIG-\d{4}-\d{5}")


@pytest_asyncio.fixture
async def phishing_bot(
    fake: FakeTelegram, stack: Stack, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    """A bot sharing the action server's database (reports, tickets, outbox)."""
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "unused.db",
        database_url=stack.database_url,
        outbox_poll_seconds=0.2,
    )
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


async def join(
    conv: Conversation, directory: Directory, user: FakeUser, facility: str, town: str
) -> None:
    """Create the facility if needed, then join it as a care worker."""
    found = await directory.get_facility(facility)
    if found is None:
        found = await directory.create_facility(facility, town, hours="24/7")
    invitation = await directory.create_invitation(facility_id=found.id, role="staff")
    conv.say(user, f"/start {invitation.code}")
    welcome = await conv.until(user, facility)
    conv.press(user, welcome, "Soins")
    await conv.until(user, "Voici ce que je sais faire")


def upload(conv: Conversation, user: FakeUser, path: Path, name: str | None = None) -> bytes:
    data = path.read_bytes()
    conv._note(f"{conv.names[user.id]} 📎 {name or path.name}")
    conv.fake.send_document(user, name or path.name, data, "message/rfc822")
    return data


async def test_report_verdict_campaign_and_warning(
    fake: FakeTelegram, phishing_bot: RunningBot, stack: Stack, directory: Directory
) -> None:
    conv = Conversation(fake)
    nurse = conv.person(fake.user(4101, "Aide"), "Soignante (EHPAD)")
    educator = conv.person(fake.user(4102, "Educ"), "Éducateur (foyer)")
    colleague = conv.person(fake.user(4103, "Coll"), "Collègue (EHPAD)")
    elsewhere = conv.person(fake.user(4104, "Loin"), "Agent (SSIAD)")
    tech = conv.person(fake.user(4105, "Paul"), "Technicien")
    await add_technician(conv, directory, tech)
    await join(conv, directory, nurse, "EHPAD Les Glycines", "Albi")
    await join(conv, directory, educator, "Foyer Le Chêne", "Castres")
    await join(conv, directory, colleague, "EHPAD Les Glycines", "Albi")
    await join(conv, directory, elsewhere, "SSIAD du Ségala", "Carmaux")

    # 1. The nurse says she got a strange mail: Vigie asks for it, then it comes as a file.
    conv.say(nurse, "j ai recu un mail bizarre de l ameli, c est du fishing ?")
    request = await conv.until(nurse, "pièce jointe")
    assert "copi" in request["plain_text"]  # or copy-paste it, with the sender's address
    original = upload(conv, nurse, AMELI)
    verdict = await conv.until(nurse, "Dangereux")
    assert "•" in verdict["plain_text"] or "–" in verdict["plain_text"]  # the reasons
    question = await conv.until(nurse, "Qu’avez-vous fait avec ce mail")
    assert set(buttons(question)) >= {
        "Rien",
        "J’ai cliqué sur un lien",
        "J’ai saisi un mot de passe ou un code",
        "J’ai ouvert une pièce jointe",
        "J’ai répondu",
    }
    conv.press(nurse, question, "J’ai saisi un mot de passe ou un code")
    reflexes = await conv.until(nurse, "depuis un autre appareil")
    outcome = reflexes if REFERENCE_RE.search(reflexes["plain_text"]) else None
    if outcome is None:
        outcome = await conv.until(nurse, "VIG-")
    [reference] = REFERENCE_RE.findall(outcome["plain_text"])

    # 2. The technician gets the urgent ticket, the report with its buttons, and the file.
    report = await conv.until(tech, "signalement")
    while "Hameçonnage" not in buttons(report):
        report = await conv.one(tech)
    text = report["plain_text"]
    assert "EHPAD Les Glycines" in text and "Albi" in text
    assert "[.]" in text  # defanged indicators
    assert "Aide" not in text and str(nurse.id) not in text
    assert set(buttons(report)) >= {"Hameçonnage", "Spam", "Légitime", "Prévenir le personnel"}
    document = await conv.until(tech, "original")
    assert document["document"]["file_name"].endswith(".eml")
    assert fake.file(document["document"]["file_id"]).content == original
    tickets = [m for m in fake.messages_to(tech.id) if reference in (m.get("plain_text") or "")]
    assert tickets, "the urgent ticket reached the technician"

    # 3. The same mail, received at the foyer: reported again, grouped into one campaign.
    conv.say(educator, "regarde ce mail stp")
    await conv.until(educator, "pièce jointe")
    upload(conv, educator, AMELI, "Remboursement.eml")
    await conv.until(educator, "Dangereux")
    question = await conv.until(educator, "Qu’avez-vous fait avec ce mail")
    conv.press(educator, question, "Rien")
    await conv.until(educator, "Supprimez ce mail")
    grouped = await conv.until(tech, "2 signalements")
    assert "2 établissements" in grouped["plain_text"]

    # 4. The technician's verdict reaches both reporters.
    conv.press(tech, grouped, "Hameçonnage")
    for reporter in (nurse, educator):
        notice = await conv.until(reporter, "Merci pour votre signalement")
        assert "hameçonnage" in notice["plain_text"]
        assert "Paul" in notice["plain_text"]

    # 5. A warning to every facility: each staff member gets it, the technician the count.
    conv.press(tech, grouped, "Prévenir le personnel")
    scopes = await conv.until(tech, "qui prévenir")
    everyone = next(title for title in buttons(scopes) if title.startswith("Tous"))
    # Every registered staff member of the shared stack: this test's four, and other tests'.
    counted = re.search(r"\((\d+) personnes\)", everyone)
    assert counted is not None and int(counted.group(1)) >= 4
    conv.press(tech, scopes, everyone)
    await conv.until(tech, "Alerte en cours d’envoi")
    for person in (nurse, educator, colleague, elsewhere):
        warning = await conv.until(person, "circule")
        assert "ne cliquez" in warning["plain_text"].lower()
        if person is colleague:
            # « Comment le reconnaître ? »: the signs of that very mail, defanged.
            lesson_title = next(t for t in buttons(warning) if t.startswith("Comment le"))
            conv.press(colleague, warning, lesson_title)
            lesson = await conv.until(colleague, "Comment reconnaître ce faux mail")
            assert "1. " in lesson["plain_text"] and "[.]" in lesson["plain_text"]
    summary = await conv.until(tech, f"sur {counted.group(1)}")
    # Ours all received it; people of other tests may have left their chat (« injoignables »).
    received = re.search(r"reçue par (\d+) personnes? sur", summary["plain_text"])
    assert received is not None and int(received.group(1)) >= 4
    assert "Alerte" in summary["plain_text"]

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")


async def test_unregistered_person_pastes_a_mail_and_opened_the_attachment(
    fake: FakeTelegram, phishing_bot: RunningBot
) -> None:
    conv = Conversation(fake)
    stranger = conv.person(fake.user(4201, "Inconnu"), "Intérimaire")
    pasted = (
        "De : Service Facturation <compta@fournisseur-medical-paiement.com>\n"
        "Envoyé : lundi 30 novembre 2026 08:12\n"
        "À : accueil@ehpad-exemple.fr\n"
        "Objet : URGENT facture impayée - dernier rappel\n\n"
        "Bonjour,\n\nVotre facture n° 2026-118 reste impayée. Sans paiement sous 24h votre "
        "compte sera suspendu. Consultez la facture : http://185.12.44.7/facture.php\n\n"
        "Cordialement"
    )
    conv.say(stranger, pasted)
    verdict = await conv.until(stranger, "Dangereux")  # an IP link, pressure, a stranger
    assert "facture" in verdict["plain_text"].lower() or "•" in verdict["plain_text"]
    question = await conv.until(stranger, "Qu’avez-vous fait avec ce mail")
    conv.press(stranger, question, "J’ai ouvert une pièce jointe")
    reflexes = await conv.until(stranger, "N’éteignez pas")
    assert "câble réseau" in reflexes["plain_text"]
    outcome = reflexes
    if HOTLINE not in outcome["plain_text"]:
        outcome = await conv.until(stranger, HOTLINE)
    assert "/start" in outcome["plain_text"] or "inscription" in outcome["plain_text"]


PHOTO_TRANSCRIPT = ROOT / "var" / "test-transcripts" / "phishing_screenshot.txt"


async def test_a_screenshot_of_a_mail_is_read_judged_and_reaches_the_technician(
    fake: FakeTelegram, phishing_bot: RunningBot, directory: Directory
) -> None:
    conv = Conversation(fake)
    carer = conv.person(fake.user(4301, "Aide"), "Aide-soignante (EHPAD)")
    tech = conv.person(fake.user(4302, "Paul"), "Technicien")
    await add_technician(conv, directory, tech)
    await join(conv, directory, carer, "EHPAD Les Capucines", "Millau")

    # A photo sent out of the blue is neither read nor kept (it may show a resident).
    fake.send_photo(carer, "photo.jpg", screenshots.phone("x", "y", "z"), "image/jpeg")
    await conv.until(carer, "photo")

    conv.say(carer, "j'ai reçu un mail de l'ameli bizarre sur mon téléphone")
    await conv.until(carer, "pièce jointe")
    picture = screenshots.phone(
        "Ameli <remboursement@ameli-dossier-securise.com>",
        "Remboursement en attente",
        "Bonjour,\nUn remboursement de 238,40 € est en attente. Pour le recevoir, confirmez vos "
        "coordonnées bancaires sous 24 h sur https://ameli-dossier-securise.com\nFaute de quoi "
        "votre dossier sera clôturé.",
    )
    fake.send_photo(carer, "capture.jpg", picture, "image/jpeg")
    verdict = await conv.until(carer, "Dangereux")
    assert "capture d’écran" in verdict["plain_text"]  # what a picture cannot show
    question = await conv.until(carer, "Qu’avez-vous fait avec ce mail")
    conv.press(carer, question, "Rien")
    await conv.until(carer, "Supprimez ce mail")

    report = await conv.until(tech, "signalement")
    while "Hameçonnage" not in buttons(report):
        report = await conv.one(tech)
    assert "photo ou capture d’écran" in report["plain_text"]
    document = await conv.until(tech, "original")
    assert document["document"]["file_name"].endswith(".jpg")
    assert fake.file(document["document"]["file_id"]).content == picture
    PHOTO_TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    PHOTO_TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")
