"""The signals added for real campaigns (phishing_pot, tuning part): each fires on what it is
meant for and stays quiet on the legitimate counterpart."""

from __future__ import annotations

import base64

import pytest

from tests.vigie.phishing.mailcheck.test_signals import _codes, _mail
from vigie.phishing.mailcheck import analyse
from vigie.phishing.mailcheck.parse import parse_eml

ANYDESK = (
    "Bonjour, suite à votre demande, merci d’installer l’outil de prise en main à distance et "
    "de nous communiquer le code affiché. Téléchargement : "
    "http://anydesk-support-sante.com/AnyDesk.exe"
)


def test_the_plain_anydesk_request_of_the_issue_is_dangerous() -> None:
    analysis = analyse(_mail(ANYDESK, sender="Support <support@helpdesk-sante.com>"))
    codes = {s.code for s in analysis.signals}
    assert {"remote_control_request", "executable_link"} <= codes
    assert analysis.verdict == "dangereux"


def test_a_remote_session_offered_by_the_trusted_authenticated_provider_is_not_alarming() -> None:
    raw = _mail(
        "Pour le ticket VIG-2026-00042, lancez l’assistance à distance habituelle depuis "
        "l’icône Numéria et communiquez-nous le code affiché à l’écran.",
        sender="Numéria <support@numeria.fr>",
        headers={
            "Authentication-Results": "mx.ehpad.fr; spf=pass; dkim=pass; dmarc=pass "
            "header.from=numeria.fr"
        },
    )
    assert analyse(raw, trusted=("numeria.fr",)).verdict == "sans_danger"


def test_a_tech_newsletter_naming_a_remote_tool_asks_nothing() -> None:
    text = "This week: TeamViewer 15 is out; download it from the vendor's site if you use it."
    assert "remote_control_request" not in _codes(_mail(text))


@pytest.mark.parametrize(
    "display",
    [
        "Αmazοn.fr",  # Greek capital alpha, Greek omicron
        "VlNCl Αutοrοutes",
        "𝐏𝐚𝐲𝐏𝐚𝐥 Service",  # mathematical bold
        "Pay\u200bPal",  # a zero-width space inside the word
    ],
)
def test_disguised_letters_in_the_display_name_are_flagged(display: str) -> None:
    assert "obfuscated_text" in _codes(_mail(sender=f'"{display}" <info@promo-shop.net>'))


def test_real_greek_and_accented_french_are_not_disguise() -> None:
    for display in ("Ελληνική Εταιρεία", "Hélène Lefèvre", "Société Générale"):
        assert "obfuscated_text" not in _codes(_mail(sender=f'"{display}" <a@exemple.fr>'))


def test_a_brand_in_disguised_letters_is_still_the_brand() -> None:
    assert "display_name_brand" in _codes(_mail(sender='"Αmazοn" <service@promo-shop.net>'))


@pytest.mark.parametrize(
    ("header", "address", "display"),
    [
        ("Service, Client Amazon <fraud@evil-shop.xyz>", "fraud@evil-shop.xyz", "Amazon"),
        ('"PayPal" <>', "", "PayPal"),
    ],
)
def test_a_malformed_from_still_gives_its_brand_and_address(
    header: str, address: str, display: str
) -> None:
    raw = f"From: {header}\nTo: a@b.fr\nSubject: x\n\nBonjour".encode()
    mail = parse_eml(raw)
    assert mail.from_address == address
    assert display in mail.from_display
    assert "display_name_brand" in _codes(raw)


def test_an_encoded_authentication_results_header_is_read() -> None:
    value = base64.b64encode(b"mx.ehpad.fr; spf=fail; dkim=none; dmarc=fail").decode()
    raw = _mail(headers={"Authentication-Results": f"=?utf-8?B?{value}?="})
    assert "auth_fail" in _codes(raw)


@pytest.mark.parametrize(
    "sender",
    ["Alerte <notice@verify-account-8843.web.app>", "Info <x@mail-service.run.app>"],
)
def test_senders_on_app_hosting_platforms(sender: str) -> None:
    assert "sender_free_hosting" in _codes(_mail(sender=sender))


@pytest.mark.parametrize(
    "href",
    [
        "https://www.google.com/url?q=https://evil-login.example/ameli&sa=D",
        "https://www.bing.com/ck/a?!&&p=abc&u=a1"
        + base64.urlsafe_b64encode(b"https://evil-login.example/x").decode().rstrip("="),
    ],
)
def test_redirectors_are_unwrapped_and_the_destination_judged(href: str) -> None:
    analysis = analyse(_mail(f"Consultez votre dossier : {href}"))
    redirect = [s for s in analysis.signals if s.code == "redirect_link"]
    assert redirect and "evil-login" in redirect[0].explanation_fr


def test_a_redirect_to_the_same_organisation_is_not_a_signal() -> None:
    href = "https://www.google.com/url?q=https://support.google.com/mail"
    assert "redirect_link" not in _codes(_mail(f"Aide : {href}"))


@pytest.mark.parametrize(
    "body",
    [
        "Verify your account within 24 hours or it will be suspended: https://x.example",
        "We noticed unusual sign-in activity on your account.",
        "Your mailbox is full. Confirm your password to keep receiving mail.",
    ],
)
def test_english_account_lures(body: str) -> None:
    codes = _codes(_mail(body, subject="Security notice"))
    assert codes & {"account_lure", "credentials_request"}


def test_english_refund_and_prize_lures() -> None:
    assert "refund_lure" in _codes(_mail("Your tax refund is pending: claim it today."))
    assert "prize_lure" in _codes(_mail("Congratulations, you have won a gift card!"))
    assert "prize_lure" not in _codes(_mail("You won't believe this week's updates."))


def test_a_cpf_lure_from_an_authenticated_hijacked_account() -> None:
    raw = _mail(
        "Vos droits CPF de 1 200 euros expirent le 31 décembre : utilisez-les maintenant.",
        sender="Formation <contact@garage-dupont.fr>",
        headers={"Authentication-Results": "mx.ehpad.fr; spf=pass; dkim=pass; dmarc=pass"},
    )
    assert "cpf_lure" in _codes(raw)
    assert analyse(raw).verdict != "sans_danger"


def test_the_recipients_own_address_in_the_subject() -> None:
    raw = _mail(subject="accueil@ehpad-tilleuls.fr, votre colis vous attend")
    assert "recipient_in_subject" in _codes(raw)
    listed = _mail(
        subject="[accueil@ehpad-tilleuls.fr] digest", headers={"List-Id": "<x.lists.example>"}
    )
    assert "recipient_in_subject" not in _codes(listed)


def test_a_mailing_list_rewriting_the_sender_is_expected() -> None:
    raw = _mail(
        sender="Jean Dupont via Liste <liste@lists.asso.fr>",
        headers={"List-Id": "<liste.lists.asso.fr>", "Reply-To": "jean.dupont@mairie.fr"},
    )
    assert not _codes(raw) & {"reply_to_other", "reply_to_freemail", "return_path_other"}


def test_a_brand_mentioned_further_down_is_not_a_claim() -> None:
    body = "Journal du serveur :\n" + "ligne sans intérêt\n" * 5 + "connexion PayPal refusée"
    raw = _mail(body, sender="Supervision <alertes@prestataire-infra.fr>", subject="Rapport")
    raw_link = raw.replace(b"Rapport", b"Rapport https://prestataire-infra.fr/r")
    assert "brand_mismatch" not in _codes(raw_link)


def test_a_link_downloading_a_program() -> None:
    assert "executable_link" in _codes(_mail("Mise à jour : http://maj-logiciel.example/setup.exe"))
    assert "executable_link" not in _codes(_mail("Rapport : https://exemple.fr/rapport.pdf"))


def test_a_display_name_naming_a_site_it_does_not_send_from() -> None:
    raw = _mail("Offre", sender="CarShield.com <offers@random-mailer.biz>")
    assert "display_name_domain" in _codes(raw)
    own = _mail("Voir https://www.news.com/a", sender="News.com Daily <daily@lists.cnet.com>")
    assert "display_name_domain" not in _codes(own)


def test_hidden_padding_and_scam_vocabulary() -> None:
    html = "<div style='margin-top: 470500px'>texte caché</div><p>Bonjour</p>"
    assert "hidden_text" in _codes(_mail(html=html))
    assert "scam_offer" in _codes(_mail("Welcome bonus: 100 free spins at our casino!"))
    assert "extortion" in _codes(
        _mail("Your device was hacked. I recorded you. Pay 1200 USD in bitcoin to my wallet.")
    )


def test_a_greeting_with_the_recipients_address_and_delivered_to() -> None:
    raw = _mail("Bonjour accueil@ehpad-tilleuls.fr,\nvotre colis est en attente.")
    assert "recipient_in_subject" in _codes(raw)
    hidden_to = (
        b"From: Promo <promo@shop.example>\nTo: Undisclosed recipients:;\n"
        b"Delivered-To: marie@ehpad.fr\nSubject: marie@ehpad.fr, une offre\n\nBonjour"
    )
    assert "recipient_in_subject" in _codes(hidden_to)


def test_tag_characters_hiding_in_a_brand_name() -> None:
    tagged = (
        "M\U000e0139i\U000e0139c\U000e0139r\U000e0139o\U000e0139s\U000e0139o\U000e0139f\U000e0139t"
    )
    codes = _codes(_mail(sender=f'"{tagged}" <mf@rednoticias.example>'))
    assert {"obfuscated_text", "display_name_brand"} <= codes


def test_an_organisation_writing_from_an_unrelated_domain_with_links_elsewhere() -> None:
    raw = _mail(
        "Compare rates: https://insurance-quotes.example/go",
        sender="Home Insurance Team <o3w3x6y6c64a@duty.smartonlinely.example>",
    )
    assert "sender_mismatch" in _codes(raw)
    own = _mail(
        "Nos actualités : https://www.cnsa.fr/actualites",
        sender="Service communication CNSA <communication@cnsa.fr>",
    )
    assert "sender_mismatch" not in _codes(own)


def test_a_list_breaking_the_posters_dkim_is_not_a_forgery() -> None:
    results = "mx.ehpad.fr; spf=pass smtp.mailfrom=lists.example; dkim=fail; dmarc=none"
    listed = _mail(headers={"Authentication-Results": results, "List-Id": "<l.lists.example>"})
    assert "auth_fail" not in _codes(listed)
    assert "auth_fail" in _codes(_mail(headers={"Authentication-Results": results}))


def test_a_right_to_left_override_is_named_and_never_shown() -> None:
    name = "facture\u202efdp.exe"  # reads « factureexe.pdf » where the override is honoured
    raw = _mail(subject="Facture\u202e", attachments=((name, b"MZ\x90\x00"),))
    analysis = analyse(raw)
    assert "attachment_bidi" in {s.code for s in analysis.signals}
    shown = [*analysis.reasons, *analysis.indicators, analysis.subject]
    assert not any("\u202e" in text for text in shown)
    assert any("facturefdp.exe" in text and ".exe" in text for text in analysis.reasons)


def test_a_bidi_control_in_an_archive_entry() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo\u2067gpj.scr", b"MZ")
    assert "attachment_archive_risky" in _codes(
        _mail(attachments=(("photos.zip", buffer.getvalue()),))
    )


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("a.b.ameli.fr", "ameli.fr"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("impots.gouv.fr", "impots.gouv.fr"),
        ("login.evil.sa.com", "evil.sa.com"),  # a rented pseudo-suffix (the list's private part)
        ("phish.web.app", "phish.web.app"),
        ("x.mairie.nouvelle-aquitaine.fr", "nouvelle-aquitaine.fr"),
        ("192.168.1.1", "192.168.1.1"),
        ("intranet", "intranet"),
    ],
)
def test_the_public_suffix_list_decides_what_an_organisation_registers(
    host: str, registrable: str
) -> None:
    from vigie.phishing.mailcheck.trusted import registrable_domain

    assert registrable_domain(host) == registrable


def test_real_services_that_read_like_imitations() -> None:
    from vigie.phishing.mailcheck.trusted import DEFAULT_TRUSTED_DOMAINS, lookalike

    assert lookalike("yousign.com", DEFAULT_TRUSTED_DOMAINS) is None  # not « docusign »
    mailer = "Lettre : https://ameli.us8.list-manage.com/track/click?u=1"
    assert "lookalike_link" not in _codes(_mail(mailer))


def test_a_regional_bank_sends_from_its_regional_domain() -> None:
    raw = _mail(
        "Un bénéficiaire de virement a été ajouté à vos comptes.",
        sender="Crédit Agricole du Finistère <ne-pas-repondre@ca-finistere.fr>",
        subject="Alerte sécurité : ajout d’un bénéficiaire",
    )
    codes = _codes(raw)
    assert not codes & {"display_name_brand", "scam_offer"}
    spoofed = _mail(sender="Crédit Agricole <alerte@secure-ca-online.com>")
    assert "display_name_brand" in _codes(spoofed)


def test_invitations_and_the_facilitys_own_notices_name_the_recipient() -> None:
    auth = {"Authentication-Results": "mx.google.com; spf=pass; dkim=pass; dmarc=pass"}
    invitation = _mail(
        sender="Gaëlle Quéméner <g.quemener@esat-partenaire.fr>",
        subject="Invitation: Point stages @ jeu. 26 nov. 2026 (accueil@ehpad-tilleuls.fr)",
        headers=auth,
    )
    assert "recipient_in_subject" not in _codes(invitation)
    own = _mail(
        "Bonjour accueil@ehpad-tilleuls.fr, votre mot de passe expire dans 5 jours.",
        sender="Informatique <noreply@ehpad-tilleuls.fr>",
    )
    assert "recipient_in_subject" not in _codes(own)


def test_the_recipients_own_organisation_named_in_the_subject_is_no_claim() -> None:
    raw = _mail(
        "Voir https://partenaire.example/planning",
        sender="ESAT <contact@partenaire.example>",
        subject="Point stages Ehpad Tilleuls",
    )
    assert "brand_mismatch" not in _codes(raw, trusted=("ehpad-tilleuls.fr",))


def _wrapped(outer_from: str, outer_auth: str, inner: bytes, subject: str = "TR: à voir") -> bytes:
    from email import message_from_bytes
    from email.message import EmailMessage
    from email.policy import default

    msg = EmailMessage()
    msg["From"] = outer_from
    msg["To"] = "accueil@ehpad-tilleuls.fr"
    msg["Subject"] = subject
    msg["Authentication-Results"] = outer_auth
    msg.set_content("Bonjour, je vous transfère ce message.")
    msg.add_attachment(message_from_bytes(inner, policy=default))
    return msg.as_bytes()


INNER_PHISH = _mail(
    "Votre colis est bloqué : réglez 1,99 € de frais de douane sur http://185.12.44.7/colis",
    sender="La Poste <suivi@laposte-colis-info.com>",
    subject="Colis en attente",
    headers={"Authentication-Results": "mx.forged.example; spf=pass; dkim=pass; dmarc=pass"},
)
STAFF_PASS = "mx.ehpad-tilleuls.fr; spf=pass; dkim=pass; dmarc=pass"


def test_a_staff_report_judges_the_forwarded_mail_alone_without_its_claims() -> None:
    raw = _wrapped("Marie <marie@ehpad-tilleuls.fr>", STAFF_PASS, INNER_PHISH)
    reported = analyse(raw, trusted=("ehpad-tilleuls.fr",), reporters=("ehpad-tilleuls.fr",))
    alone = analyse(INNER_PHISH, trusted=("ehpad-tilleuls.fr",))
    assert reported.verdict == alone.verdict != "sans_danger"
    assert "laposte-colis-info" in reported.sender


def test_a_wrapper_never_lowers_a_verdict() -> None:
    wrapper_phish = _wrapped(
        "Service Facturation <factures@paiement-ehpad.example>",
        "mx.ehpad-tilleuls.fr; spf=fail; dkim=fail; dmarc=fail",
        _mail("Bonjour, le planning de la semaine."),
        subject="Facture impayée",
    )
    analysis = analyse(wrapper_phish, trusted=("ehpad-tilleuls.fr",))
    assert analysis.verdict != "sans_danger"
    assert any(s.code == "auth_fail" for s in analysis.signals)


def test_a_forwarded_mails_own_authentication_is_no_proof() -> None:
    claims = _mail(
        "Merci de confirmer votre mot de passe.",
        sender="Support <support@ameli.fr>",
        headers={"Authentication-Results": "mx.forged.example; spf=pass; dkim=pass; dmarc=pass"},
    )
    raw = _wrapped("Marie <marie@ehpad-tilleuls.fr>", STAFF_PASS, claims)
    reported = analyse(
        raw, trusted=(*("ehpad-tilleuls.fr",), "ameli.fr"), reporters=("ehpad-tilleuls.fr",)
    )
    direct = analyse(claims, trusted=("ameli.fr",))
    # Believed, the claim would halve the lure's weight (an authenticated trusted sender).
    assert reported.score > direct.score


def test_only_the_configured_receiving_server_is_believed() -> None:
    forged = (
        b"Authentication-Results: mx.attacker.example; spf=pass; dkim=pass; dmarc=pass\n"
        b"Authentication-Results: mx.ehpad-tilleuls.fr; spf=fail; dmarc=fail\n"
    )
    raw = forged + _mail(sender="Ameli <contact@ameli.fr>")
    believed = analyse(raw, authserv_ids=("mx.ehpad-tilleuls.fr",))
    assert any(s.code == "auth_fail" for s in believed.signals)
    topmost = analyse(raw)  # without the setting: the topmost header, here the forged one
    assert not any(s.code == "auth_fail" for s in topmost.signals)


def test_a_base_href_takes_relative_links_where_they_really_go() -> None:
    html = "<base href='https://ameli-remboursement.example/'><a href='connexion'>Mon compte</a>"
    analysis = analyse(_mail(html=html))
    assert "ameli-remboursement.example" in analysis.link_hosts
    assert "lookalike_link" in {s.code for s in analysis.signals}


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (
            lambda: _mail(
                html="".join(f"<a href='https://x{i}.example/'>l</a>" for i in range(600))
            ),
            "trop de liens",
        ),
        (lambda: _mail("mot " * 200_000), "texte trop long"),
    ],
    ids=["links", "text"],
)
def test_every_limit_that_cuts_is_named_and_makes_the_mail_suspect(
    build: object, named: str
) -> None:
    analysis = analyse(build())  # type: ignore[operator]
    assert analysis.truncated
    assert analysis.verdict != "sans_danger"
    assert any(named in reason for reason in analysis.reasons)


def test_archive_entries_beyond_the_limit_are_unknown_not_absent() -> None:
    import io
    import zipfile

    from vigie.phishing.mailcheck import Limits

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(30):
            archive.writestr(f"photo{index:02d}.jpg", b"jpeg")
        archive.writestr("zz_facture.pdf.exe", b"MZ")  # beyond a 30-entry listing
    raw = _mail(attachments=(("photos.zip", buffer.getvalue()),))
    analysis = analyse(raw, limits=Limits(max_zip_entries=30))
    assert analysis.truncated and analysis.verdict != "sans_danger"
    assert any("archive" in reason for reason in analysis.reasons)


def _qr_png(text: str) -> bytes:
    import io

    import zxingcpp
    from PIL import Image

    code = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode), scale=6
    )
    picture = Image.frombuffer("L", (code.shape[1], code.shape[0]), bytes(code), "raw", "L", 0, 1)
    framed = Image.new("L", (picture.width + 80, picture.height + 80), 255)
    framed.paste(picture, (40, 40))
    buffer = io.BytesIO()
    framed.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_qr_code_is_read_and_its_link_judged() -> None:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "Direction <direction@ehpad-tilleuls.fr>"
    msg["To"] = "accueil@ehpad-tilleuls.fr"
    msg["Subject"] = "Avenant à signer"
    msg.set_content("Scannez le QR code avec votre téléphone pour signer l’avenant.")
    msg.add_attachment(
        _qr_png("https://ameli-signature.example/avenant"),
        maintype="image",
        subtype="png",
        filename="avenant.png",
    )
    analysis = analyse(msg.as_bytes())
    codes = {s.code for s in analysis.signals}
    assert {"qr_link", "lookalike_link"} <= codes  # the QR code's link imitates ameli.fr
    assert analysis.verdict == "dangereux"
    assert "ameli-signature.example" in analysis.link_hosts


def test_a_picture_without_qr_code_is_no_signal() -> None:
    import io
    from email.message import EmailMessage

    from PIL import Image

    from vigie.phishing.mailcheck.parse import parse_eml

    buffer = io.BytesIO()
    Image.new("RGB", (200, 120), (200, 30, 30)).save(buffer, format="PNG")
    msg = EmailMessage()
    msg["From"] = "Claire <claire@ehpad-tilleuls.fr>"
    msg["Subject"] = "Photo de la fête"
    msg.set_content("La photo de la fête.")
    msg.add_attachment(buffer.getvalue(), maintype="image", subtype="png", filename="fete.png")
    assert len(parse_eml(msg.as_bytes()).images) == 1  # looked at
    assert "qr_link" not in _codes(msg.as_bytes())


def _newsletter(
    extra: str = "", *, sites: int = 12, headers: dict[str, str] | None = None
) -> bytes:
    links = "\n".join(f"http://www.site{i}-news.com/article" for i in range(sites))
    body = f"This week in tech.\n{links}\nSecure your mail: http://www.outlooksecure.com/\n{extra}"
    return _mail(
        body,
        sender="Gnome Daily <subscriptions@gnomedaily.com>",
        subject="[Gnome Daily] Brilliant Mistakes",
        headers={
            "List-Unsubscribe": "<mailto:leave@lists.gnomedaily.com>",
            "Return-Path": "<bounce-123@lists.gnomedaily.com>",
            **(headers or {}),
        },
    )


def test_a_lookalike_among_an_editorial_newsletters_many_links_weighs_little() -> None:
    analysis = analyse(_newsletter())
    weights = {s.code: s.weight for s in analysis.signals}
    assert weights["lookalike_link"] == 10  # shown, but a mention among a dozen sites
    assert analysis.verdict == "sans_danger"


@pytest.mark.parametrize(
    ("extra", "sites", "headers"),
    [
        ("Please confirm your password here.", 12, None),  # a newsletter asks nothing
        ("", 3, None),  # few sites: the link is the point of the message
        ("", 12, {"Reply-To": "helpdesk@other-desk.com"}),  # not one organisation throughout
    ],
)
def test_the_newsletter_discount_needs_every_part(
    extra: str, sites: int, headers: dict[str, str] | None
) -> None:
    weights = {
        s.code: s.weight for s in analyse(_newsletter(extra, sites=sites, headers=headers)).signals
    }
    assert weights["lookalike_link"] == 50


@pytest.mark.parametrize(
    ("sender", "return_path"),
    [
        ("xunIqVya@deck.offers-mail.com", "9d3nd9kk7t3q@deck.offers-mail.com"),
        ("uh6b8zzjlldv@crown.offers-mail.co", "p12astrwlvvv@crown.offers-mail.co"),
        ("ZaxzcCD@slave.offers-mail.com", "PqmIwZjO@slave.offers-mail.com"),
    ],
)
def test_two_random_mailboxes_are_a_sender_that_changes_at_every_message(
    sender: str, return_path: str
) -> None:
    raw = _mail(sender=f'"Home Coverage." <{sender}>', headers={"Return-Path": f"<{return_path}>"})
    analysis = analyse(raw)
    assert "random_mailboxes" in {s.code for s in analysis.signals}
    assert analysis.verdict == "douteux"


@pytest.mark.parametrize(
    ("sender", "return_path"),
    [
        ("Jean.Dupont@ehpad-tilleuls.fr", "Jean.Dupont@ehpad-tilleuls.fr"),
        ("JohnSmith@example.com", "JohnSmith@example.com"),  # the same mailbox
        ("news@lettre.example.com", "bounce-2534368-7Hq9x@lettre.example.com"),  # a mailer's
        ("JohnSmith@example.com", "bounces+x7Kq9@mailer.example.net"),
    ],
)
def test_people_and_mailers_mailboxes_are_not_random(sender: str, return_path: str) -> None:
    raw = _mail(sender=f"Jean <{sender}>", headers={"Return-Path": f"<{return_path}>"})
    assert "random_mailboxes" not in _codes(raw)


def test_a_free_mail_sender_asking_replies_at_another_free_mailbox() -> None:
    raw = _mail(
        "Dear beloved friend, please write to my private address.",
        sender="Mrs Elizabeth <elizabeth.j058@gmail.com>",
        headers={"Reply-To": "elizabethjohnson059@gmail.com"},
    )
    assert "reply_to_freemail" in _codes(raw)
    for same in ("elizabethj058@gmail.com", "elizabeth.j058+perso@gmail.com"):
        raw = _mail(sender="Elizabeth <elizabeth.j058@gmail.com>", headers={"Reply-To": same})
        assert "reply_to_freemail" not in _codes(raw)


@pytest.mark.parametrize(
    "text",
    [
        "I am Mrs Nelson, a widow dying of cancer. I wish to donate my late husband's fund of "
        "US$ 4.5 million to charity through you.",
        "Sou a Sra. Anitha, uma viúva doente. Tenho um fundo de donativos de US$ 3,5 milhões "
        "que quero doar para instituições de caridade.",
        "Attention: Beneficiary, your compensation fund of $2,500,000.00 is ready for transfer "
        "of the funds to your account.",
    ],
)
def test_advance_fee_stories_are_flagged(text: str) -> None:
    analysis = analyse(_mail(text, sender="Mrs Nelson <m.nelson@example.org>"))
    assert "advance_fee" in {s.code for s in analysis.signals}
    assert analysis.verdict != "sans_danger"


def test_news_of_a_large_donation_is_no_advance_fee() -> None:
    text = (
        "The foundation announced a donation of $3 million to the city's hospitals; the "
        "programme will run until 2004, its director said."
    )
    assert "advance_fee" not in _codes(_mail(text))


def test_a_renewal_with_a_number_to_call_to_cancel_is_a_callback_scam() -> None:
    text = (
        "Your Norton 360 subscription has been renewed and charged $299.95. If you did not "
        "authorize this payment, call our billing desk at +1 (818) 492-9813 to cancel."
    )
    analysis = analyse(_mail(text, sender="Billing <bill.desk7@gmail.com>"))
    assert "callback_scam" in {s.code for s in analysis.signals}
    assert analysis.verdict != "sans_danger"


def test_a_catalogue_with_a_phone_number_is_no_callback_scam() -> None:
    text = (
        "JavaServer Pages, 2nd edition: order now, $44.95. For more information call "
        "1-800-998-9938.\nIf you want to cancel a subscription to this newsletter go to our site."
    )
    assert "callback_scam" not in _codes(_mail(text))


@pytest.mark.parametrize(
    "text",
    [
        "You are now rich +28,282$ on your balance!",
        "Score released: +$91. Your score has been released.",
        "You have 24 hours to withdraw your funds.",
        "Register now to claim your XRP allocation.",
        "Take our short survey and receive a free emergency kit as a reward.",
    ],
)
def test_money_waiting_on_an_unknown_account_is_a_prize_lure(text: str) -> None:
    assert "prize_lure" in _codes(_mail(text, sender="Info <info@example.org>"))


def test_a_price_with_shipping_added_is_no_windfall() -> None:
    text = "The book costs $10 + $5 shipping; your account manager will confirm the order."
    assert "prize_lure" not in _codes(_mail(text))


def test_a_sender_linking_home_names_its_own_title_not_another_site() -> None:
    home = "\n".join(f"http://www.online-news.com/story/{i}" for i in range(12))
    raw = _mail(f"Today's stories:\n{home}", sender="News.com Daily <dispatch@online-news.com>")
    assert "display_name_domain" not in _codes(raw)
    raw = _mail("Today's stories: http://www.online-news.com/story/1", sender="News.com Daily <dispatch@online-news.com>")  # fmt: skip
    assert "display_name_domain" in _codes(raw)  # one link home proves nothing


@pytest.mark.parametrize(
    "text",
    [
        "Guten Tag, wir gratulieren Ihnen! Sie gehören zu den Auserwählten für unser "
        "Gewinnspiel. Nehmen Sie an dieser kurzen Umfrage teil.",
        "Gefeliciteerd! Neem een enquête en win een beloning.",
        "Prezado cliente, seus pontos estão prestes a expirar. Resgate seus pontos: expiram hoje!",
        "TRIBUNAL REGIONAL DO TRABALHO. INTIMAÇÃO ELETRÔNICA: visualize o processo, "
        "último aviso antes do protesto.",
        "Seu pacote foi retido pela alfândega: pagamento da taxa obrigatória pendente.",
        "BLOQUEIO PREVENTIVO EFETIVADO. Siga as instruções para efetuar o desbloqueio.",
    ],
)
def test_lures_in_other_languages(text: str) -> None:
    assert "foreign_lure" in _codes(_mail(text, sender="Info <info@example.org>"))


def test_french_administrative_words_are_no_foreign_lure() -> None:
    text = (
        "Bonjour, suite au contrôle de la douane, la régularisation de votre dossier est "
        "confirmée ; le tribunal régional a transmis la convocation. Enquête de satisfaction : "
        "merci de votre participation, un cadeau gratuit vous attend au secrétariat."
    )
    assert "foreign_lure" not in _codes(_mail(text))


def test_a_digest_without_bulk_headers_needs_twice_the_sites() -> None:
    def digest(sites: int) -> bytes:
        links = "\n".join(f"http://blog{i}.example{i}.org/" for i in range(sites))
        return _mail(f"Updated weblogs:\n{links}\nhttp://192.0.2.7/weblog/", sender="Digest <d@blogs-digest.org>")  # fmt: skip

    assert {s.code: s.weight for s in analyse(digest(12)).signals}["ip_link"] == 35
    assert {s.code: s.weight for s in analyse(digest(25)).signals}["ip_link"] == 7


def test_a_newsletter_showing_a_known_site_but_leading_elsewhere_gets_no_discount() -> None:
    links = "".join(f'<a href="http://www.site{i}-news.com/">article {i}</a> ' for i in range(12))
    raw = _mail(
        html=f'<p>{links}<a href="http://collect.example/x">www.ameli.fr</a></p>',
        sender="Gnome Daily <subscriptions@gnomedaily.com>",
        headers={"List-Unsubscribe": "<mailto:leave@lists.gnomedaily.com>"},
    )
    assert {s.code: s.weight for s in analyse(raw).signals}["link_mismatch"] == 35


@pytest.mark.parametrize(
    "display", ["Suporte Nubank - Autoatendimento", "United Nations", "Customer Service", "Police"]
)
def test_an_institution_writing_from_free_mail(display: str) -> None:
    assert "freemail_role" in _codes(_mail(sender=f'"{display}" <x58147@gmail.com>'))


def test_a_person_writing_from_free_mail_is_no_institution() -> None:
    for display in ("Alice Martin", "Jean-Baptiste Lebanc", "Maria Helena"):
        assert "freemail_role" not in _codes(_mail(sender=f'"{display}" <x58147@gmail.com>'))


@pytest.mark.parametrize(
    "host",
    ["promo.s3-website-eu-west-1.amazonaws.com", "promo.s3.eu-west-3.amazonaws.com"],
)
def test_a_bucket_served_as_a_web_site_is_free_hosting(host: str) -> None:
    assert "free_hosting" in _codes(_mail(f"Voir les détails : https://{host}/index.html"))


def test_the_state_paying_for_solar_panels_is_a_scam_offer() -> None:
    text = (
        "L'État va installer des panneaux solaires sur votre toit : les primes expirent fin "
        "2025, répondez au questionnaire gratuit."
    )
    assert "scam_offer" in _codes(_mail(text))
    assert "scam_offer" not in _codes(_mail("Le devis pour l'isolation des combles est joint."))


def test_a_phone_number_near_an_account_is_no_windfall() -> None:
    text = "For questions about your account, call our office at +44 20 7946 0000."
    assert "prize_lure" not in _codes(_mail(text))
    assert "freemail_role" not in _codes(_mail(sender='"Justice Mensah" <jmensah@gmail.com>'))
