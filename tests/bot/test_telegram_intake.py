"""Suspicious e-mails taken in by the Telegram bot: the real Application against the fake
Telegram server, a real SQLite database and the real PhishingService. Where Rasa should be, a
server answers every message 503 (Rasa overloaded) and keeps what it was sent: every message
gets the degraded reply and stays pending in the inbox, and the test reads both what reached
Rasa and what the inbox holds."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.telegram.app import TelegramBot
from bot.telegram.delivery import TelegramDelivery
from tests.auxil.fake_telegram import FakeTelegram, FakeUser, text_link
from tests.auxil.msgfile import build_msg
from tests.auxil.paths import EMAILS
from vigie.conversation.models import InboxItem, Turn
from vigie.conversation.pipeline import DeliveryError, Pipeline
from vigie.conversation.rasa_client import WEBHOOK_PATH
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.pseudonym import pseudonymize
from vigie.core.settings import Settings
from vigie.db.engine import create_engine, make_sessionmaker, upgrade
from vigie.phishing.intake import email_received
from vigie.phishing.models import PhishingReport
from vigie.phishing.service import PhishingService

SECRET = "intake-test-secret-0123456789abcdefg"
GROUP = -1001234567890
PHISHING_EML = EMAILS / "phishing" / "ameli_attestation_spoofed.eml"
DEGRADED = "bien enregistré"

PASTED_MAIL = """\
De : Assurance Maladie <remboursement@ameli-assure-fr.com>
Envoyé : mardi 3 mars 2026 02:24
Objet : Votre remboursement de 48,50 € est en attente

Bonjour, confirmez vos coordonnées bancaires sous 48 h :
https://ameli-assure-fr.com/remboursement/connexion
"""


def sender(user: FakeUser) -> str:
    return pseudonymize(user.id, SECRET.encode())


class RasaDown:
    """Where Rasa should be: answers every message 503, as an overloaded Rasa does (the
    pipeline's degraded reply), and keeps the ``(sender, message)`` it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, self._webhook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((str(body["sender"]), str(body["message"])))
        return web.json_response({"error": "overloaded"}, status=503)


async def start_bot(settings: Settings) -> TelegramBot:
    """The real Telegram front end, polling the fake server, as ``python -m bot telegram``
    starts it (stopped with ``stop()``, which confirms the updates taken)."""
    front = TelegramBot(settings, poll_timeout=1)
    await front.start()
    return front


@dataclass
class World:
    fake: FakeTelegram
    front: TelegramBot
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    phishing: PhishingService
    rasa: RasaDown

    def pipeline(self) -> Pipeline:
        assert self.front.vigie.pipeline is not None
        return self.front.vigie.pipeline

    async def reports(self) -> list[PhishingReport]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(PhishingReport).order_by(PhishingReport.id)))

    async def inbox(self, chat_id: int) -> list[InboxItem]:
        async with self.sessionmaker() as session:
            rows = await session.scalars(
                select(InboxItem).where(InboxItem.chat_id == chat_id).order_by(InboxItem.id)
            )
            return list(rows)

    async def turns(self) -> list[Turn]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(Turn).order_by(Turn.id)))

    async def reply(self, user: FakeUser, count: int) -> str:
        """The text of the ``count``-th message the bot sent to ``user``."""
        messages = await self.fake.wait_for_messages(user.id, count, timeout=15)
        return str(messages[count - 1].get("plain_text") or "")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    fake = FakeTelegram()
    await fake.start()
    rasa = RasaDown()
    await rasa.start()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'vigie.db'}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token=SecretStr(fake.token),
        telegram_base_url=fake.base_url,
        telegram_base_file_url=fake.base_file_url,
        database_url=database_url,
        rasa_url=rasa.url,
        rasa_timeout_seconds=2,
        rasa_retries=0,
        retry_interval_seconds=60,
        pseudonym_secret=SecretStr(SECRET),
        technicians_chat_id=GROUP,
        mail_trusted_domains=["ehpad-lestilleuls.fr"],
        provider_hotline="01 23 45 67 89",
    )
    await asyncio.to_thread(upgrade, database_url)
    engine: AsyncEngine = create_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    world = World(
        fake,
        await start_bot(settings),
        settings,
        sessionmaker,
        PhishingService(sessionmaker, settings),
        rasa,
    )
    try:
        yield world
    finally:
        await world.front.stop()  # the one running now (a test may restart it)
        await fake.stop()
        await rasa.stop()
        await engine.dispose()


def rasa_texts(items: list[InboxItem]) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in items]


async def test_an_uploaded_eml_becomes_a_report_and_only_its_number_reaches_rasa(
    world: World,
) -> None:
    user = world.fake.user(501)
    data = PHISHING_EML.read_bytes()
    world.fake.send_document(user, "Attestation.eml", data, "message/rfc822")
    assert DEGRADED in await world.reply(user, 1)

    [report] = await world.reports()
    assert (report.sender, report.channel, report.chat_id) == (sender(user), "telegram", user.id)
    assert (report.source, report.filename, report.original) == ("eml", "Attestation.eml", data)
    assert report.verdict == "dangereux"
    assert report.subject.startswith("Attestation de droits")
    items = await world.inbox(user.id)
    assert rasa_texts(items) == [("email", f'/email_received{{"phishing_report":"{report.id}"}}')]
    assert items[0].status == "pending" and items[0].payload == {}
    assert world.rasa.received == [(sender(user), email_received(report.id))]
    stored = json.dumps([(i.text, i.payload) for i in items]) + str(await world.turns())
    assert "Attestation" not in stored and "ameli" not in stored.lower()
    assert world.fake.downloads  # the file was fetched


async def test_a_file_over_ten_megabytes_is_refused_before_download(world: World) -> None:
    user = world.fake.user(502)
    big = b"Subject: gros\r\n\r\n" + b"x" * (11 * 1024 * 1024)
    world.fake.send_document(user, "enorme.eml", big, "message/rfc822")
    reply = await world.reply(user, 1)
    assert "trop lourd" in reply and "10\u00a0Mo" in reply
    assert not [c for c in world.fake.calls if c[0] == "getFile"]
    assert world.fake.downloads == []
    assert await world.reports() == []
    assert [item.kind for item in await world.inbox(user.id)] == ["email_too_big"]


async def test_outlook_msg_files_are_read_and_other_files_explained(world: World) -> None:
    user = world.fake.user(503)
    world.fake.send_document(user, "Facture.msg", b"\xd0\xcf\x11\xe0", "application/vnd.ms-outlook")
    reply = await world.reply(user, 1)
    assert "fichier Outlook (.msg)" in reply and ".eml" in reply and "copiez-collez" in reply
    world.fake.send_document(user, "planning.pdf", b"%PDF-1.4", "application/pdf")
    assert "seulement les mails enregistrés en fichier .eml" in await world.reply(user, 2)
    assert await world.reports() == []
    outlook = build_msg(
        subject="Facture impayée",
        sender_name="Service comptable",
        sender_email="compta@fournisseur-paiement.example",
        to="accueil@ehpad.fr",
        body="Votre facture est impayée, réglez-la sous 24 h.",
        attachments=[("Facture.pdf.exe", b"MZ\x90\x00")],
    )
    world.fake.send_document(user, "Facture impayée.msg", outlook, "application/vnd.ms-outlook")
    await world.reply(user, 3)
    [report] = await world.reports()
    assert (report.source, report.filename, report.verdict) == (
        "msg",
        "Facture impayée.msg",
        "dangereux",
    )


async def test_an_eml_is_recognised_by_its_type_without_extension(world: World) -> None:
    user = world.fake.user(504)
    world.fake.send_document(user, "message", PHISHING_EML.read_bytes(), "message/rfc822")
    assert DEGRADED in await world.reply(user, 1)
    [report] = await world.reports()
    assert report.filename == "message" and report.source == "eml"


async def test_a_forwarded_message_becomes_a_report(world: World) -> None:
    user = world.fake.user(505)
    text = (
        "Votre colis est en attente. Réglez les frais de réexpédition (1,99 €) ici : "
        "https://www.laposte.fr/suivi"
    )
    hidden = text_link(text, "https://www.laposte.fr/suivi", "http://colis-relivraison.top/pay")
    world.fake.forward_message(user, text, entities=[hidden])
    assert DEGRADED in await world.reply(user, 1)
    [report] = await world.reports()
    assert (report.source, report.filename) == ("text", "message-transfere.txt")
    assert report.original is not None and b"colis-relivraison.top/pay" in report.original
    codes = {signal["code"] for signal in report.analysis["signals"]}
    assert "link_mismatch" in codes  # the link hidden behind the shown address
    assert report.verdict in {"dangereux", "douteux"}
    [item] = await world.inbox(user.id)
    assert (item.kind, item.text) == ("email", email_received(report.id))


async def test_a_forwarded_note_without_link_or_address_is_a_redacted_chat_message(
    world: World,
) -> None:
    """A colleague's note forwarded into the chat (a door code, a resident's NIR) is no
    e-mail: it is redacted and stored like any message, never kept whole as a report."""
    user = world.fake.user(508)
    note = (
        "Pour la chambre 12 le code de la porte c'est 4817, NIR du résident "
        "1 84 12 75 116 005 42, merci de saisir son dossier"
    )
    world.fake.forward_message(user, note)
    await world.fake.wait_for_messages(user.id, 2)
    assert await world.reports() == []
    [item] = await world.inbox(user.id)
    assert item.kind == "text"
    assert "4817" not in item.text and "116 005" not in item.text


async def test_a_pasted_mail_is_kept_without_the_password_typed_around_it(world: World) -> None:
    """« J'ai reçu ça, mon mdp c'est … »: the mail is judged whole, stored without the
    password (its addresses and links kept), and the chat message is pulled back."""
    user = world.fake.user(509)
    sent = world.fake.send_text(
        user, PASTED_MAIL + "\nj'ai cliqué, mon mdp c'est Soleil2024! c'est grave ?"
    )
    warning = await world.reply(user, 1)
    assert "J’ai supprimé votre message" in warning
    assert (user.id, sent["message"]["message_id"]) in world.fake.deleted
    [report] = await world.reports()
    assert report.original is not None
    assert b"Soleil2024" not in report.original
    assert b"remboursement@ameli-assure-fr.com" in report.original
    assert b"ameli-assure-fr.com/remboursement/connexion" in report.original
    assert report.verdict in {"dangereux", "douteux"}


async def test_a_pasted_mail_becomes_a_report_and_a_question_does_not(world: World) -> None:
    user = world.fake.user(506)
    world.fake.send_text(user, "j ai reçu un mail bizarre de l’ameli")
    assert DEGRADED in await world.reply(user, 1)
    assert await world.reports() == []
    world.fake.send_text(user, PASTED_MAIL)
    await world.fake.wait_for_messages(user.id, 1)
    await eventually(lambda: _count_reports(world, 1))
    [report] = await world.reports()
    assert (report.source, report.filename, report.verdict) == (
        "text",
        "texte-colle.txt",
        "dangereux",
    )
    assert report.subject == "Votre remboursement de 48,50 € est en attente"
    await eventually(lambda: _inbox_count(world, user, 2))
    assert rasa_texts(await world.inbox(user.id)) == [
        ("text", "j ai reçu un mail bizarre de l’ameli"),
        ("email", email_received(report.id)),
    ]


async def test_a_link_is_taken_in_only_while_an_email_is_expected(world: World) -> None:
    user = world.fake.user(507)
    world.fake.send_text(user, "le site https://www.ameli.fr ne marche plus")
    assert DEGRADED in await world.reply(user, 1)
    assert await world.reports() == []
    [item] = await world.inbox(user.id)
    assert item.kind == "text"

    await world.phishing.expect(sender(user), "telegram", user.id)
    world.fake.send_text(user, "c’était ça : https://ameli-remboursement.info/x")
    await eventually(lambda: _count_reports(world, 1))
    [report] = await world.reports()
    assert report.source == "text"
    assert not await world.phishing.expecting(sender(user))  # submit cleared it


async def test_a_photo_is_read_only_when_an_email_is_expected(world: World) -> None:
    """Out of the blue, a photo is neither read nor kept; once Vigie asked for a mail, a
    picture on which no mail can be read gets the French advice, and no report."""
    user = world.fake.user(508)
    world.fake.send_photo(user)
    assert "photos" in await world.reply(user, 1)
    await world.phishing.expect(sender(user), "telegram", user.id)
    world.fake.send_photo(user)  # a few bytes that are no image
    reply = await world.reply(user, 2)
    assert "Je n’arrive pas à lire de mail sur cette image" in reply and ".eml" in reply
    assert await world.reports() == []


async def test_messages_after_a_file_keep_their_order(world: World) -> None:
    """The file is in the inbox before the messages sent while it is being downloaded and
    analysed, a forwarded mail (taken in at once) included: the worker handles it first."""
    user = world.fake.user(509)
    # A big file (9 MB of quoted text): its download and analysis take a while.
    padding = b"\r\n".join([b"> " + b"x" * 70] * (9 * 1024 * 1024 // 74))
    update = world.fake.send_document(
        user, "a.eml", PHISHING_EML.read_bytes() + padding, "message/rfc822"
    )
    await world.fake.wait_for_acknowledged(update["update_id"])  # the file is being taken in
    world.fake.forward_message(user, PASTED_MAIL)
    world.fake.send_text(user, "j’ai cliqué dessus")
    await eventually(lambda: _count_reports(world, 2))
    await eventually(lambda: _inbox_count(world, user, 3))
    file_report, forwarded_report = sorted(await world.reports(), key=lambda r: r.source)
    assert (file_report.source, forwarded_report.source) == ("eml", "text")
    await eventually(lambda: _prepared(world, user))
    assert rasa_texts(await world.inbox(user.id)) == [
        ("email", email_received(file_report.id)),
        ("email", email_received(forwarded_report.id)),
        ("text", "j’ai cliqué dessus"),
    ]
    # Rasa is down: only the first message reached it (again at each new message), the
    # others wait behind it.
    await eventually(lambda: _asked_rasa(world))
    await world.pipeline().idle()
    assert set(world.rasa.received) == {(sender(user), email_received(file_report.id))}


async def test_group_files_and_forwards_never_reach_the_intake(world: World) -> None:
    technician = world.fake.user(510)
    team = world.fake.group(GROUP, "Techniciens", [technician], privacy_mode=False)
    world.fake.send_document(
        technician, "x.eml", PHISHING_EML.read_bytes(), "message/rfc822", chat=team
    )
    update = world.fake.forward_message(technician, PASTED_MAIL, chat=team)
    await world.fake.wait_for_acknowledged(update["update_id"])
    world.fake.send_text(technician, PASTED_MAIL, chat=team)
    await world.fake.wait_for_acknowledged(update["update_id"] + 1)
    # Updates are handled one at a time: once a later private message is answered, the
    # group's updates were handled; then no worker is left that could still download a file
    # or make a report (bounded waits on events, no fixed delay).
    barrier = world.fake.user(514)
    world.fake.send_text(barrier, "bonjour")
    assert DEGRADED in await world.reply(barrier, 1)
    await world.pipeline().idle()
    assert await world.reports() == [] and world.fake.downloads == []
    assert world.fake.messages_to(GROUP) == []


async def test_a_file_in_the_inbox_survives_a_bot_stopped_before_its_download(
    world: World,
) -> None:
    """The update is acknowledged and the download is cut: the inbox still holds the file,
    and the next bot downloads it, makes the report and asks Rasa once."""
    user = world.fake.user(511)
    data = PHISHING_EML.read_bytes()
    world.fake.stalled_downloads = 1  # the first download hangs
    update = world.fake.send_document(user, "Attestation.eml", data, "message/rfc822")
    file_id = update["message"]["document"]["file_id"]
    await eventually(lambda: _stalled(world))
    await world.fake.wait_for_acknowledged(update["update_id"])  # Telegram forgets it
    [item] = await world.inbox(user.id)
    assert (item.kind, item.text, item.status, item.update_id) == (
        "email_file",
        "",
        "pending",
        update["update_id"],
    )
    assert item.payload == {
        "file_id": file_id,
        "file_name": "Attestation.eml",
        "file_size": len(data),
    }
    assert world.fake.downloads == [] and await world.reports() == []

    await world.front.stop()  # the download in flight is cut
    assert world.fake.downloads == [] and await world.reports() == []
    world.front = await start_bot(world.settings)

    assert DEGRADED in await world.reply(user, 1)  # Rasa is down, the report is made
    [report] = await world.reports()
    assert (report.source, report.filename, report.original) == ("eml", "Attestation.eml", data)
    assert report.update_key == f"telegram:{update['update_id']}"
    assert world.rasa.received == [(sender(user), email_received(report.id))]
    assert world.fake.downloads == [world.fake.file(file_id).file_path]
    [item] = await world.inbox(user.id)
    assert (item.kind, item.text, item.payload) == ("email", email_received(report.id), {})
    assert world.fake.pending_updates == []  # nothing came back from Telegram


async def test_a_file_gone_from_telegram_is_answered_and_done(world: World) -> None:
    user = world.fake.user(512)
    update = world.fake.send_document(
        user, "Attestation.eml", PHISHING_EML.read_bytes(), "message/rfc822"
    )
    world.fake.forget_file(update["message"]["document"]["file_id"])
    reply = await world.reply(user, 1)
    assert "Je n’ai pas réussi à récupérer ce fichier" in reply and "copiez-collez" in reply
    await world.pipeline().idle()  # the worker marks the item done once the answer is sent
    [item] = await world.inbox(user.id)
    assert (item.kind, item.text, item.payload, item.status) == ("email_unreadable", "", {}, "done")
    [turn] = await world.turns()
    assert turn.inbox_id == item.id and turn.text_in == ""
    assert turn.text_out.startswith("Je n’ai pas réussi")
    assert await world.reports() == [] and world.fake.downloads == []
    assert world.rasa.received == []


async def test_a_rasa_outage_after_the_download_retries_without_downloading_again(
    world: World,
) -> None:
    user = world.fake.user(513)
    world.fake.send_document(user, "Attestation.eml", PHISHING_EML.read_bytes(), "message/rfc822")
    assert DEGRADED in await world.reply(user, 1)
    pipeline = world.pipeline()
    await pipeline.idle()
    [report] = await world.reports()
    asked = (sender(user), email_received(report.id))
    assert world.rasa.received == [asked]

    await pipeline.recover()  # the retry loop's next round, Rasa still down
    await pipeline.idle()
    assert world.rasa.received == [asked, asked]
    assert len(world.fake.downloads) == 1 and len(await world.reports()) == 1
    [item] = await world.inbox(user.id)
    assert (item.kind, item.status, item.attempts, item.degraded_sent) == (
        "email",
        "pending",
        2,
        True,
    )
    assert len(world.fake.messages_to(user.id)) == 1  # one degraded reply, not two


async def _count_reports(world: World, count: int) -> bool:
    return len(await world.reports()) >= count


async def _inbox_count(world: World, user: FakeUser, count: int) -> bool:
    return len(await world.inbox(user.id)) >= count


async def _prepared(world: World, user: FakeUser) -> bool:
    return all(item.kind != "email_file" for item in await world.inbox(user.id))


async def _asked_rasa(world: World) -> bool:
    return bool(world.rasa.received)


async def _stalled(world: World) -> bool:
    return world.fake.stalled_downloads == 0


# -- TelegramDelivery.send_document -------------------------------------------------------


def _delivery(world: World) -> TelegramDelivery:
    return TelegramDelivery(world.front.application)


async def test_a_document_goes_with_its_html_caption_and_buttons(world: World) -> None:
    user = world.fake.user(520)
    caption = OutgoingMessage(
        "Message original du signalement n°\u00a012 — <b>à n’ouvrir</b> que dans un "
        "environnement d’analyse. &lt;x&gt;",
        (Button("Hameçonnage", "v:ph:v:3:p"),),
    )
    await _delivery(world).send_document(user.id, "signalement-12.eml", b"From: a\r\n", caption)
    [sent] = world.fake.messages_to(user.id)
    assert sent["method"] == "sendDocument" and sent["parse_mode"] == "HTML"
    assert sent["plain_text"].endswith("environnement d’analyse. <x>")
    assert sent["document"]["file_name"] == "signalement-12.eml"
    assert sent["document"]["content"] == b"From: a\r\n"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v:ph:v:3:p"


async def test_a_caption_too_long_goes_first_as_a_message(world: World) -> None:
    user = world.fake.user(521)
    caption = OutgoingMessage("<b>Rapport</b>\n" + "é" * 1100, (Button("Spam", "v:ph:v:3:s"),))
    await _delivery(world).send_document(user.id, "signalement-13.txt", b"texte", caption)
    message, document = world.fake.messages_to(user.id)
    assert message["method"] == "sendMessage" and message["plain_text"].startswith("Rapport")
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v:ph:v:3:s"
    assert document["method"] == "sendDocument" and not document["plain_text"]
    assert document["document"]["content"] == b"texte"


@pytest.mark.parametrize(("blocked", "code"), [(True, "forbidden"), (False, "bad_request")])
async def test_document_errors_become_delivery_errors(
    world: World, blocked: bool, code: str
) -> None:
    user = world.fake.user(522)
    if blocked:
        world.fake.block(user)
    chat_id = user.id if blocked else 999_999  # an unknown chat: Bad Request
    caption: Any = OutgoingMessage("Message original")
    with pytest.raises(DeliveryError) as raised:
        await _delivery(world).send_document(chat_id, "s.eml", b"x", caption)
    assert raised.value.code == code and raised.value.permanent


def test_a_file_name_is_redacted_but_keeps_its_extension() -> None:
    from vigie.phishing.intake import safe_filename

    assert safe_filename("mdp Soleil2024!.msg") == "mdp [mot de passe masqué].msg"
    assert safe_filename("../factures/Facture_2025.eml") == "factures_Facture_2025.eml"
    assert safe_filename("") == "message.eml"
