"""Outlook .msg files turned into .eml in the analysis worker, then judged like any file."""

from __future__ import annotations

from tests.auxil.msgfile import build_msg
from vigie.phishing.mailcheck import Limits, trusted_domains
from vigie.phishing.mailcheck.msg import MsgUnreadable, msg_to_eml
from vigie.phishing.mailcheck.parse import parse_eml
from vigie.phishing.mailcheck.sandbox import Sandbox

HEADERS = (
    "Authentication-Results: mx.ehpad-tilleuls.fr; spf=fail smtp.mailfrom=ameli.fr; dmarc=fail\n"
    "From: Assurance Maladie <remboursement@ameli.fr>\n"
    "To: accueil@ehpad-tilleuls.fr\n"
    "Subject: =?utf-8?q?Remboursement_en_attente?=\n"
    "Message-ID: <1@ameli.example>\n"
    "Date: Mon, 07 Dec 2026 08:12:00 +0100\n"
)


def test_a_msg_keeps_the_headers_it_arrived_with_and_its_attachments() -> None:
    data = build_msg(
        subject="Remboursement en attente",
        sender_name="Assurance Maladie",
        sender_email="remboursement@ameli.fr",
        to="accueil@ehpad-tilleuls.fr",
        body="Votre remboursement de 238,40 € est en attente : ouvrez la pièce jointe.",
        headers=HEADERS,
        html=b"<p>Votre remboursement est en attente : <a href='https://ameli-remb.example/'>ici</a></p>",
        attachments=[("Remboursement.pdf.exe", b"MZ\x90\x00rest")],
    )
    mail = parse_eml(msg_to_eml(data))
    assert mail.from_address == "remboursement@ameli.fr"
    assert mail.subject == "Remboursement en attente"
    assert mail.authentication_results and "dmarc=fail" in mail.authentication_results[0]
    assert [a.filename for a in mail.attachments] == ["Remboursement.pdf.exe"]
    assert any("ameli-remb.example" in link.href for link in mail.links)


def test_a_msg_without_headers_is_rebuilt_from_its_properties() -> None:
    data = build_msg(
        subject="Votre colis est bloqué",
        sender_name="La Poste",
        sender_email="suivi@laposte-colis-suivi.example",
        to="Accueil <accueil@ehpad-tilleuls.fr>",
        body="Réglez 1,99 € de frais de douane sur http://185.12.44.7/colis",
    )
    mail = parse_eml(msg_to_eml(data))
    assert (mail.from_display, mail.from_address) == (
        "La Poste",
        "suivi@laposte-colis-suivi.example",
    )
    assert mail.subject == "Votre colis est bloqué"


async def test_a_msg_is_judged_in_the_worker() -> None:
    data = build_msg(
        subject="Remboursement en attente",
        sender_name="Assurance Maladie",
        sender_email="remboursement@ameli.fr",
        to="accueil@ehpad-tilleuls.fr",
        body="Votre remboursement est en attente : ouvrez la pièce jointe.",
        headers=HEADERS,
        attachments=[("Remboursement.pdf.exe", b"MZ\x90\x00rest")],
    )
    result = await Sandbox(workers=1).analyse_msg(data, trusted=trusted_domains(), limits=Limits())
    assert result.completed and not result.unreadable
    assert result.analysis.verdict == "dangereux"
    codes = {s.code for s in result.analysis.signals}
    assert {"attachment_executable", "auth_fail"} <= codes


async def test_what_is_no_outlook_message_is_unreadable() -> None:
    try:
        msg_to_eml(b"\xd0\xcf\x11\xe0 not a compound file")
    except MsgUnreadable:
        pass
    else:
        raise AssertionError("a broken .msg was read")
    result = await Sandbox(workers=1).analyse_msg(b"\xd0\xcf\x11\xe0", trusted=(), limits=Limits())
    assert result.completed and result.unreadable
