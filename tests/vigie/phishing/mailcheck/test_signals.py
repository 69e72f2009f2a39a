"""Each signal fires on what it is meant for, and not on the harmless counterpart."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pytest

from vigie.phishing.mailcheck import analyse, trusted_domains
from vigie.phishing.mailcheck.defang import defang_domain, defang_email, defang_url
from vigie.phishing.mailcheck.trusted import DEFAULT_TRUSTED_DOMAINS, lookalike, registrable_domain


def _mail(
    body: str = "Bonjour, voici le planning de la semaine.",
    *,
    sender: str = "Alice Martin <alice@boulangerie-martin.fr>",
    subject: str = "Planning",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "accueil@ehpad-tilleuls.fr"
    msg["Subject"] = subject
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


def _codes(data: bytes, trusted: tuple[str, ...] = DEFAULT_TRUSTED_DOMAINS) -> set[str]:
    return {signal.code for signal in analyse(data, trusted=trusted).signals}


def test_a_plain_message_has_no_signal() -> None:
    assert _codes(_mail()) == set()


@pytest.mark.parametrize(
    ("host", "target", "kind"),
    [
        ("ameli-securite.fr", "ameli.fr", "extra_words"),
        ("ameli.fr.compte-verif.com", "ameli.fr", "extra_words"),
        ("arneli.fr", "ameli.fr", "homoglyph"),
        ("xn--meli-43d.fr", "ameli.fr", "punycode"),  # Cyrillic а
        ("amelli.fr", "ameli.fr", "typosquat"),
        ("ameli.com", "ameli.fr", "extension"),
        ("micros0ft.com", "microsoft.com", "homoglyph"),
        ("mircosoft.com", "microsoft.com", "typosquat"),
        ("impots-gouv.fr", "impots.gouv.fr", "extra_words"),
        ("service-gouv.info", "gouv.fr", "extra_words"),
    ],
)
def test_lookalikes(host: str, target: str, kind: str) -> None:
    found = lookalike(host, DEFAULT_TRUSTED_DOMAINS)
    assert found is not None
    assert (found.target, found.kind) == (target, kind)


@pytest.mark.parametrize(
    "host",
    [
        "ameli.fr",
        "www.ameli.fr",
        "ars.sante.fr",
        "camelia-fleurs.fr",
        "boulangerie-martin.fr",
        "192.168.1.1",
        "groupes-ups-et-downs.fr",
    ],
)
def test_not_lookalikes(host: str) -> None:
    assert lookalike(host, DEFAULT_TRUSTED_DOMAINS) is None


def test_registrable_domain() -> None:
    assert registrable_domain("a.b.ameli.fr") == "ameli.fr"
    assert registrable_domain("www.impots.gouv.fr") == "impots.gouv.fr"
    assert registrable_domain("evil.web.app") == "evil.web.app"


def test_facility_domains_extend_the_trusted_list() -> None:
    data = _mail(sender="Direction <direction@ehpad-tilleul.fr>")
    assert "lookalike_sender" not in _codes(data)
    assert "lookalike_sender" in _codes(data, trusted_domains(["ehpad-tilleuls.fr"]))


def test_display_name_naming_an_organisation() -> None:
    assert "display_name_brand" in _codes(
        _mail(sender="Assurance Maladie <info@relance-dossier.com>")
    )
    assert "display_name_brand" in _codes(_mail(sender="Microsoft 365 <noreply@gmail.com>"))
    assert "display_name_brand" not in _codes(_mail(sender="Assurance Maladie <info@ameli.fr>"))
    shown = _mail(sender='"support@ameli.fr" <x@pirate.example>')
    assert "display_name_address" in _codes(shown)


def test_free_mail_with_a_role() -> None:
    assert "freemail_role" in _codes(_mail(sender="Direction EHPAD <dir.ehpad@gmail.com>"))
    assert "freemail_role" not in _codes(_mail(sender="Paul Durand <paul.durand@gmail.com>"))


def test_reply_to_and_return_path_elsewhere() -> None:
    codes = _codes(_mail(headers={"Reply-To": "compta.fournisseur@gmail.com"}))
    assert "reply_to_freemail" in codes
    assert "reply_to_other" in _codes(_mail(headers={"Reply-To": "x@autre-domaine.fr"}))
    same = _mail(
        headers={
            "Reply-To": "contact@boulangerie-martin.fr",
            "Return-Path": "<b@mail.boulangerie-martin.fr>",
        }
    )
    assert _codes(same) == set()


AUTH_PASS = "mx.ehpad-tilleuls.fr; spf=pass smtp.mailfrom=x; dkim=pass header.d=x; dmarc=pass"


def test_reply_to_a_trusted_organisation_is_expected() -> None:
    # A shared file sent by a platform: the replies go to the colleague, in our own domain.
    trusted = trusted_domains(["ehpad-tilleuls.fr"])
    shared = _mail(
        sender="Sophie Martin <no-reply@partage-docs.example>",
        headers={"Reply-To": "Sophie Martin <s.martin@ehpad-tilleuls.fr>"},
    )
    assert _codes(shared, trusted) == set()
    # Not when the replies go to free mail, even if free mail were trusted.
    to_gmail = _mail(headers={"Reply-To": "s.martin@gmail.com"})
    assert "reply_to_freemail" in _codes(to_gmail, trusted_domains(["gmail.com"]))


def test_authenticated_notification_platform_replies_to_the_organiser() -> None:
    invitation = _mail(
        sender='"Réseau Vallée (Google Agenda)" <calendar-notification@google.com>',
        headers={"Reply-To": "coordination.reseau@gmail.com", "Authentication-Results": AUTH_PASS},
    )
    assert not {"reply_to_freemail", "reply_to_other"} & _codes(invitation)
    # The same claim without authentication proves nothing.
    unsigned = _mail(
        sender='"Réseau Vallée (Google Agenda)" <calendar-notification@google.com>',
        headers={"Reply-To": "coordination.reseau@gmail.com"},
    )
    assert "reply_to_freemail" in _codes(unsigned)


def test_mon_espace_sante_is_trusted() -> None:
    assert lookalike("monespacesante.fr", DEFAULT_TRUSTED_DOMAINS) is None
    assert lookalike("mon-espace-sante-verif.com", DEFAULT_TRUSTED_DOMAINS) is not None


def test_authentication_failures() -> None:
    failing = {
        "Authentication-Results": "mx.ehpad.fr; spf=softfail smtp.mailfrom=x; dkim=fail; dmarc=fail"
    }
    signal = next(s for s in analyse(_mail(headers=failing)).signals if s.code == "auth_fail")
    assert signal.weight == 50  # capped
    passing = {"Authentication-Results": "mx.ehpad.fr; spf=pass; dkim=pass; dmarc=pass"}
    assert _codes(_mail(headers=passing)) == set()


def test_links() -> None:
    mismatch = '<a href="https://connexion-securisee.example/a">https://www.ameli.fr</a>'
    assert "link_mismatch" in _codes(_mail(html=mismatch))
    same = '<a href="https://www.ameli.fr/assure">ameli.fr</a>'
    assert "link_mismatch" not in _codes(_mail(html=same))
    assert "url_shortener" in _codes(_mail("Voir https://bit.ly/3xYz"))
    assert "ip_link" in _codes(_mail("Voir http://185.12.3.4/login"))
    assert "link_userinfo" in _codes(_mail("Voir https://www.ameli.fr@pirate.example/x"))
    assert "free_hosting" in _codes(_mail("Voir https://ameli-dossier.web.app/"))
    assert "lookalike_link" in _codes(_mail("Voir https://ameli-remboursement.com/"))
    password_form = "<form action='https://x.example'><input type='password'></form>"
    assert "html_form" in _codes(_mail(html=password_form))
    card_form = "<form><input name='card_number' type='tel'></form>"
    assert "html_form" in _codes(_mail(html=card_form))
    # A newsletter's search box or subscription field asks for nothing secret.
    search_form = "<form action='https://x.example/s'><input name='q'><input type='email'></form>"
    assert "html_form" not in _codes(_mail(html=search_form))
    assert "script_link" in _codes(_mail(html="<a href='javascript:alert(1)'>ici</a>"))


def _zip(*names: str, encrypted: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    data = bytearray(buffer.getvalue())
    if encrypted:  # set bit 0 of every central-directory entry's flags
        pos = data.find(b"PK\x01\x02")
        while pos != -1:
            data[pos + 8] |= 1
            pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("setup.exe", b"MZ" + b"\x00" * 100, "attachment_executable"),
        ("facture.pdf.exe", b"MZ" + b"\x00" * 100, "attachment_double_extension"),
        ("facture.pdf", b"MZ" + b"\x00" * 100, "attachment_disguised"),
        ("releve.js", b"WScript.Echo(1)", "attachment_executable"),
        ("commande.docm", _zip("word/document.xml", "word/vbaProject.bin"), "attachment_macro"),
        (
            "tableau.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"_VBA_PROJECT" + b"\x00" * 50,
            "attachment_macro",
        ),
        ("scan.iso", b"\x00" * 100, "attachment_disk_image"),
        ("document.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + b"\x00" * 50, "attachment_shortcut"),
        ("message_securise.html", b"<html><form></form></html>", "attachment_html"),
        (
            "Message_vocal_0042.wav.htm",
            b"<html><body></body></html>",
            "attachment_double_extension",
        ),
        ("scan.jpg.exe", b"MZ" + b"\x00" * 50, "attachment_double_extension"),
        ("facture.zip", _zip("facture.pdf.js"), "attachment_archive_risky"),
        ("facture.zip", _zip("facture.pdf", encrypted=True), "attachment_archive_encrypted"),
        ("factures.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 50, "attachment_archive"),
        (
            "facture.pdf",
            b"%PDF-1.4 /OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            "attachment_active_pdf",
        ),
    ],
)
def test_risky_attachments(filename: str, content: bytes, code: str) -> None:
    assert code in _codes(_mail(attachments=((filename, content),)))


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("facture.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),
        ("compte-rendu.docx", _zip("word/document.xml", "[Content_Types].xml")),
        ("photos.zip", _zip("a.jpg", "b.jpg")),
    ],
)
def test_harmless_attachments(filename: str, content: bytes) -> None:
    assert _codes(_mail(attachments=((filename, content),))) == set()


def test_french_vocabulary() -> None:
    codes = _codes(
        _mail("URGENT : votre compte sera suspendu sous 24 h. Confirmez votre mot de passe ici.")
    )
    assert {"pressure", "credentials_request"} <= codes
    assert "payment_change" in _codes(
        _mail("Suite à un changement de banque, merci de noter notre nouveau RIB.")
    )
    assert "ceo_fraud" in _codes(
        _mail("Es-tu disponible ? Il faut faire un virement confidentiel aujourd’hui.")
    )
    assert "ceo_fraud" in _codes(_mail("Peux-tu m’acheter des cartes cadeaux Google Play ?"))
    assert "refund_lure" in _codes(_mail("Vous avez droit à un remboursement de 120 €."))
    assert "parcel_lure" in _codes(_mail("Votre colis n’a pas pu être livré, adresse incomplète."))
    box = _codes(_mail("Votre boîte aux lettres est pleine, augmentez votre quota."))
    assert "pressure" in box


def test_negated_requests_are_not_requests() -> None:
    text = "Rappel : nous ne vous demanderons jamais votre mot de passe par e-mail."
    assert "credentials_request" not in _codes(_mail(text))


def test_brand_named_but_nothing_belongs_to_it() -> None:
    data = _mail(
        "L’Assurance Maladie vous informe : consultez https://dossier-assure.example/x",
        subject="Assurance Maladie",
    )
    assert "brand_mismatch" in _codes(data)


def test_defang() -> None:
    assert defang_url("https://exemple.com/x") == "hxxps://exemple[.]com/x"
    assert defang_url("http://a.b.c/d.e?f=g.h") == "hxxp://a[.]b[.]c/d.e?f=g.h"
    assert (
        defang_url("https://ameli.fr@pirate.example/") == "hxxps://ameli[.]fr[@]pirate[.]example/"
    )
    assert defang_url("www.exemple.com/a") == "www[.]exemple[.]com/a"
    assert defang_url("javascript:alert(document.cookie)").startswith("javascript[:]")
    assert defang_email("pirate@exemple.com") == "pirate[@]exemple[.]com"
    assert defang_domain("exemple.com") == "exemple[.]com"
    assert defang_domain(defang_domain("exemple.com")) == "exemple[.]com"


def test_free_mail_domains_imitate_nothing() -> None:
    for host in ("outlook.fr", "live.fr", "hotmail.fr"):
        assert lookalike(host, DEFAULT_TRUSTED_DOMAINS) is None


def test_trusted_domain_inside_another_domain() -> None:
    trusted = trusted_domains(["ehpad-lestilleuls.fr"])
    for host in ("ehpad-lestilleuls.fr.quota-mail.net", "ehpad-lestilleuls-webmail.com"):
        found = lookalike(host, trusted)
        assert found is not None and found.target == "ehpad-lestilleuls.fr"


def test_two_secrets_asked_together_are_a_request() -> None:
    text = "Merci de répondre avec :\n- votre numéro de sécurité sociale\n- le code reçu par SMS"
    assert "credentials_request" in _codes(_mail(text))
    assert "credentials_request" not in _codes(_mail("Votre RIB a bien été enregistré."))


def test_secrecy_and_no_phone_is_a_ceo_fraud_opening() -> None:
    text = "Es-tu à ton bureau ? J’ai une opération à te confier en toute discrétion. Je ne suis pas joignable au téléphone."
    assert "secrecy_request" in _codes(_mail(text, sender="Éric Vasseur <eric.v@outlook.com>"))


def test_vocabulary_weighs_less_from_an_authenticated_trusted_sender() -> None:
    text = "Nouveau RIB : suite à un changement de banque, voici mon nouveau RIB pour la paie."
    passing = {"Authentication-Results": "mx.ehpad.fr; spf=pass; dkim=pass; dmarc=pass"}
    trusted = trusted_domains(["ehpad-tilleuls.fr"])
    inside = analyse(
        _mail(text, sender="Amandine <a.k@ehpad-tilleuls.fr>", headers=passing), trusted=trusted
    )
    outside = analyse(
        _mail(text, sender="Amandine <a.k@gmail.com>", headers=passing), trusted=trusted
    )
    assert inside.verdict == "sans_danger" and outside.verdict == "douteux"
