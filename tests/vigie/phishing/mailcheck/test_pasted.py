"""Pasted e-mails: telling them from questions, rebuilding the message, judging it like a file.

The corpus check pastes what a person sees of each message of tests/data/emails (sender line,
subject, text) and compares the verdict with the file's.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.auxil.paths import EMAILS
from vigie.phishing.mailcheck import analyse, analyse_text, looks_like_email, trusted_domains
from vigie.phishing.mailcheck.parse import html_text_and_links, parse_eml
from vigie.phishing.mailcheck.pasted import (
    MAX_TEXT_CHARS,
    PASTED_LIMITS,
    PASTED_NO_SIGNAL,
    has_address,
    has_link,
    read_pasted,
    text_to_eml,
)

TRUSTED = trusted_domains(["ehpad-lestilleuls.fr"])

FAKE_AMELI = """\
De : Assurance Maladie <remboursement@ameli-assure-fr.com>
Envoyé : mardi 3 mars 2026 02:24
À : Julie Perrin <j.perrin@ehpad-lestilleuls.fr>
Objet : Votre remboursement de 48,50 € est en attente

Bonjour,

Vous avez droit à un remboursement de 48,50 €. Pour le recevoir, confirmez vos coordonnées
bancaires avant le 5 mars :

https://ameli-assure-fr.com/remboursement/connexion

Sans action de votre part sous 48 h, votre dossier sera clôturé.
L’Assurance Maladie
"""

COLLEAGUE_NOTE = """\
De : Marie Martin <m.martin@ehpad-lestilleuls.fr>
Envoyé : lundi 2 mars 2026 16:10
À : Julie Perrin <j.perrin@ehpad-lestilleuls.fr>
Objet : Planning de la semaine prochaine

Bonjour Julie,

Je t’ai mis le planning de la semaine prochaine dans le classeur de l’infirmerie.
Dis-moi si jeudi après-midi te convient pour l’échange de garde.

Bonne soirée,
Marie
"""

GMAIL_FORWARD = """\
Bonjour, je l’ai reçu ce matin, c’est normal ?

---------- Forwarded message ---------
De : Microsoft 365 <no-reply@micros0ft-securite.com>
Date: mar. 3 mars 2026 à 09:12
Subject: Votre mot de passe expire aujourd'hui
To: <j.perrin@ehpad-lestilleuls.fr>

Votre mot de passe expire aujourd’hui. Conservez-le ici <http://micros0ft-securite.com/reset>
https://login.microsoftonline.com <http://185.22.33.4/owa/auth>
"""


# -- looks_like_email ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "j ai reçu un mail bizarre de l’ameli",
        "Bonjour, c’est quoi un bon mot de passe ?",
        "g recu un mail de la banque qui me demande mon code, je fais quoi",
        "mon adresse c’est julie.perrin@ehpad-lestilleuls.fr",
        "le site www.ameli.fr ne marche plus",
        "Objet : réunion de jeudi",
        "Date : demain 14h, c’est bon pour la formation ?",
        "",
    ],
)
def test_questions_are_not_emails(text: str) -> None:
    assert not looks_like_email(text)


@pytest.mark.parametrize(
    "text",
    [
        FAKE_AMELI,
        COLLEAGUE_NOTE,
        GMAIL_FORWARD,
        "De : Assurance Maladie <x@y.fr>\nObjet : Votre attestation\n\nBonjour",
        "From: noreply@ameli-secu.com\nbonjour",  # a From line with an address
        "Objet : Facture\nÀ : compta@ehpad.fr\n\nVeuillez trouver…",
        "-----Message d'origine-----\nblabla",
        "---------- Forwarded message ---------\nblabla",
        "Début du message réexpédié :\n\nblabla",
        "-------- Message transféré --------\nSujet : x",
        # A body with an address and a link
        "Bonjour, pour toute question écrivez à support@secu-pay.com ou https://secu-pay.com/x",
        # Bold labels of a rich-text copy
        "*De :* Service RH <rh@paie-ehpad.fr>\n*Objet :* Bulletin",
    ],
)
def test_pasted_emails_are_recognised(text: str) -> None:
    assert looks_like_email(text)


def test_links_and_addresses_are_spotted() -> None:
    assert has_link("voir www.exemple.fr") and has_link("https://x.fr/a")
    assert not has_link("exemple.fr sans lien")
    assert has_address("écrire à a.b@c.fr") and not has_address("arobase @ seule")


# -- text_to_eml -----------------------------------------------------------------------------


def parsed(text: str) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(text_to_eml(text))
    assert isinstance(message, EmailMessage)
    return message


def test_french_outlook_headers_become_the_message_headers() -> None:
    message = parsed(
        "De : Assurance Maladie <noreply@ameli-secu.com>\n"
        "Envoyé : mardi 3 mars 2026 02:24\n"
        "À : Julie Perrin <j.perrin@ehpad-lestilleuls.fr>; compta@ehpad-lestilleuls.fr\n"
        "Répondre à : dossier@gmail.com\n"
        "Objet : Attestation de droits : mise à jour\n"
        "\n"
        "Bonjour,\nMettez à jour votre dossier."
    )
    assert str(message["From"]) == "Assurance Maladie <noreply@ameli-secu.com>"
    assert str(message["Reply-To"]) == "dossier@gmail.com"
    assert str(message["Subject"]) == "Attestation de droits : mise à jour"
    assert str(message["To"]) == "j.perrin@ehpad-lestilleuls.fr, compta@ehpad-lestilleuls.fr"
    assert message["Date"].datetime.timetuple()[:5] == (2026, 3, 3, 2, 24)
    body = message.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert content.startswith("Bonjour,\nMettez à jour") and "Objet" not in content


@pytest.mark.parametrize(
    ("line", "display", "address"),
    [
        ("De : ameli.fr <noreply@ameli.fr>", "ameli.fr", "noreply@ameli.fr"),
        ('From: "Service Paie" <paie@rh-ehpad.com>', "Service Paie", "paie@rh-ehpad.com"),
        ("De : BP [mailto:alerte@lbp-secure.net]", "BP", "alerte@lbp-secure.net"),
        ("Expéditeur : securite@mssante-fr.org", "", "securite@mssante-fr.org"),
        ("De : Direction <mailto:dg.ehpad@gmail.com>", "Direction", "dg.ehpad@gmail.com"),
    ],
)
def test_sender_lines_in_their_usual_shapes(line: str, display: str, address: str) -> None:
    mail = parse_eml(text_to_eml(line + "\nObjet : Test\n\nBonjour"))
    assert (mail.from_display, mail.from_address) == (display, address)
    assert not mail.defects


def test_a_forward_is_judged_on_the_forwarded_message() -> None:
    message = parsed(GMAIL_FORWARD)
    assert str(message["From"]) == "Microsoft 365 <no-reply@micros0ft-securite.com>"
    assert str(message["Subject"]) == "Votre mot de passe expire aujourd'hui"
    assert message["Date"].datetime.timetuple()[:5] == (2026, 3, 3, 9, 12)


def test_the_innermost_of_nested_forwards_is_the_original() -> None:
    text = (
        "De : Marie Martin <m.martin@ehpad-lestilleuls.fr>\nObjet : TR: TR: Facture\n\n"
        "Regarde, Paul l’a eu aussi\n\n-----Message d'origine-----\n"
        "De : Paul <paul@ehpad-lestilleuls.fr>\nObjet : TR: Facture\n\n"
        "-----Message d'origine-----\n"
        "De : Comptabilité <factures@fournisseur-paiement.com>\nObjet : Facture impayée\n\nRéglez."
    )
    mail = read_pasted(text)
    assert mail.subject == "Facture impayée"
    assert "factures@fournisseur-paiement.com" in mail.sender
    assert "Regarde, Paul l’a eu aussi" in mail.body and "Réglez." in mail.body


def test_a_reading_pane_copy_gives_sender_and_subject() -> None:
    mail = parse_eml(
        text_to_eml(
            "Attestation de droits Boîte de réception\n"
            "Assurance Maladie <noreply@ameli-dossier.info>\n"
            "02:24 (il y a 2 heures)\nÀ moi\n"
            "Bonjour, mettez à jour votre dossier"
        )
    )
    assert mail.from_address == "noreply@ameli-dossier.info"
    assert mail.subject == "Attestation de droits"


def test_internationalised_domains_become_punycode() -> None:
    # A Cyrillic « а » in « аmeli.fr »: the analyser sees the punycode and the lookalike.
    analysis = analyse_text(
        "De : Assurance Maladie <noreply@\u0430meli.fr>\nObjet : Carte Vitale\n\nBonjour",
        trusted=TRUSTED,
    )
    assert analysis.sender_domain.startswith("xn--")
    assert "lookalike_sender" in {s.code for s in analysis.signals}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\ud800\r\r\n<<<>>>@@@",
        "De : \nObjet :\nÀ : ???\nEnvoyé : 99/99/9999 99:99",
        "De : " + "<" * 5000 + "@" * 5000,
        "Objet : " + "é" * 100_000 + "\n" + "x" * 300_000,
        "De : a@b\nRépondre à : \u202e@@\nDate : 31 février 2026",
    ],
)
def test_garbage_is_rebuilt_without_error(text: str) -> None:
    data = text_to_eml(text)
    assert isinstance(data, bytes) and len(data) < MAX_TEXT_CHARS * 4
    analysis = analyse_text(text)
    assert analysis.verdict in {"dangereux", "douteux", "sans_danger"}
    assert not {"incomplete", "bad_sender"} & {s.code for s in analysis.signals}


# -- analyse_text ----------------------------------------------------------------------------


def test_a_pasted_fake_ameli_is_flagged() -> None:
    analysis = analyse_text(FAKE_AMELI, trusted=TRUSTED)
    assert analysis.verdict == "dangereux"
    codes = {s.code for s in analysis.signals}
    assert {"lookalike_sender", "display_name_brand"} <= codes
    assert analysis.subject == "Votre remboursement de 48,50 € est en attente"
    assert analysis.sender_domain == "ameli-assure-fr.com"
    assert analysis.link_hosts == ["ameli-assure-fr.com"]


def test_a_forwarded_paste_keeps_the_links_hidden_behind_their_text() -> None:
    analysis = analyse_text(GMAIL_FORWARD, trusted=TRUSTED)
    codes = {s.code for s in analysis.signals}
    assert {"link_mismatch", "ip_link"} <= codes
    assert analysis.verdict == "dangereux"


def test_a_colleagues_note_is_probably_harmless_and_says_what_a_paste_hides() -> None:
    analysis = analyse_text(COLLEAGUE_NOTE, trusted=TRUSTED)
    assert analysis.verdict == "sans_danger" and analysis.score == 0
    assert analysis.reasons == [PASTED_NO_SIGNAL]
    assert "pièces jointes" in PASTED_LIMITS and "\u00a0:" in PASTED_LIMITS


def test_a_paste_without_sender_is_not_blamed_for_it() -> None:
    body = "Bonjour,\nLa réunion de jeudi est déplacée à 15 h en salle Iris.\nBonne journée"
    analysis = analyse_text(body)
    assert analysis.verdict == "sans_danger"
    assert not analysis.signals and analysis.reasons == [PASTED_NO_SIGNAL]
    file_analysis = analyse(b"Subject: x\n\n" + body.encode())
    assert "bad_sender" in {s.code for s in file_analysis.signals}  # what was avoided


def test_a_pasted_body_with_a_lure_is_still_judged_without_sender() -> None:
    analysis = analyse_text(
        "Votre colis n’a pas pu être livré. Des frais de réexpédition de 1,99 € sont à régler "
        "sous 24 h : https://bit.ly/3colis\nService client : suivi@colis-relivraison.com"
    )
    assert analysis.verdict in {"dangereux", "douteux"}


# -- The corpus, pasted ----------------------------------------------------------------------


def as_pasted(path: Path) -> str:
    """What a person copies from a message: the sender line, date, subject and the plain text
    (Outlook's plain text keeps a link's target in angle brackets after its text)."""
    data = path.read_bytes()
    shown = parse_eml(data)
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    body_part = message.get_body(("plain", "html"))
    body = body_part.get_content() if body_part is not None else ""
    if body_part is not None and body_part.get_content_type() == "text/html":
        body = html_text_and_links(body, 500)[0]
    sender = shown.from_address
    if shown.from_display:
        sender = f"{shown.from_display} <{shown.from_address}>"
    return f"De : {sender}\nEnvoyé : {shown.date}\nObjet : {shown.subject}\n\n{body}"


LEGIT = sorted((EMAILS / "legit").glob("*.eml"))
PHISHING = sorted((EMAILS / "phishing").glob("*.eml"))


@pytest.mark.parametrize("path", LEGIT, ids=lambda p: p.stem)
def test_a_pasted_legit_mail_gets_the_files_verdict(path: Path) -> None:
    pasted = analyse_text(as_pasted(path), trusted=TRUSTED)
    assert pasted.verdict == analyse(path.read_bytes(), trusted=TRUSTED).verdict
    assert not {"incomplete", "bad_sender"} & {s.code for s in pasted.signals}


def test_pasted_phishing_without_attachments_is_mostly_flagged() -> None:
    """A paste loses the attachments, Reply-To and authentication results; what the text
    shows must still be enough for most phishing."""
    flagged = total = 0
    for path in PHISHING:
        file_analysis = analyse(path.read_bytes(), trusted=TRUSTED)
        if any(s.code.startswith("attachment_") for s in file_analysis.signals):
            continue
        total += 1
        pasted = analyse_text(as_pasted(path), trusted=TRUSTED)
        flagged += pasted.verdict != "sans_danger"
        assert not {"incomplete", "bad_sender"} & {s.code for s in pasted.signals}
    assert total >= 30
    assert flagged / total >= 0.85, f"{flagged}/{total}"
