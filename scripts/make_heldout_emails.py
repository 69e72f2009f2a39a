"""Build the held-out e-mail set (tests/data/emails_heldout/): 25 phishing, 25 legitimate.

Written independently of the analyser and of its tuning corpus, to judge it: this set must
never be used to tune the analyser. Deterministic (fixed dates, ids, boundaries, zip
timestamps); ``--check`` compares the files on disk with what would be generated.

The facilities' own domains are residence-les-oliviers.fr (Microsoft 365) and
ssiad-vallee.org (OVH mail); the IT provider is infogerance-sud.fr. Pass them as trusted
extras (``TRUSTED_EXTRA``).

Usage: python scripts/make_heldout_emails.py [--check]
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import quopri
import re
import sys
import zipfile
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formataddr
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "emails_heldout"
TRUSTED_EXTRA = ("residence-les-oliviers.fr", "ssiad-vallee.org", "infogerance-sud.fr")

OLIVIERS = "residence-les-oliviers.fr"
SSIAD = "ssiad-vallee.org"

# --- Attachments -------------------------------------------------------------------------

ZIP_DATE = (2026, 4, 2, 10, 30, 0)


def make_zip(files: list[tuple[str, bytes]], *, encrypted: bool = False) -> bytes:
    """A stored (uncompressed) zip with fixed timestamps, so the bytes are reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            if encrypted:
                # Only the "encrypted" flag: what a mail client shows before asking a password.
                info.flag_bits |= 0x1
            zf.writestr(info, data)
    return buf.getvalue()


def pdf(title: str) -> bytes:
    """A minimal one-page PDF showing ``title``."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(i).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
    out += b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
    return bytes(out)


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    b'<Override PartName="/word/document.xml" ContentType="%s"/></Types>'
)


def word(text: str, *, macro: bool = False) -> bytes:
    """A tiny .docx, or a .docm holding a vbaProject.bin (inert bytes) when ``macro``."""
    main = (
        b"application/vnd.ms-word.document.macroEnabled.main+xml"
        if macro
        else b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    doc = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{html.escape(text)}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    files = [("[Content_Types].xml", CONTENT_TYPES % main), ("word/document.xml", doc)]
    if macro:
        vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + b'Attribute VB_Name = "x"\r\n'
        files.append(("word/vbaProject.bin", vba + b"\x00" * 64))
    return make_zip(files)


def xlsx(title: str) -> bytes:
    """A tiny .xlsx-shaped zip (no macros)."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{html.escape(title)}</t>'
        "</is></c></row></sheetData></worksheet>"
    ).encode()
    ct = (
        CONTENT_TYPES
        % b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    )
    return make_zip([("[Content_Types].xml", ct), ("xl/worksheets/sheet1.xml", sheet)])


EXE_STUB = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x80\x00\x00\x00"
    + b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 32
    + b"PE\x00\x00"
    + b"\x00" * 64
)
JS_STUB = (
    b"// Facture - document securise\r\n"
    b"var p = ['F','a','c','t','u','r','e'].join('');\r\n"
    b"var n = 0; for (var i = 0; i < p.length; i++) { n += p.charCodeAt(i); }\r\n"
)
LNK_STUB = (
    b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
    + b"\x9b\x00\x08\x00\x20\x00\x00\x00"
    + b"\x00" * 48
    + "C:\\Windows\\System32\\cmd.exe".encode("utf-16-le")
)
ISO_STUB = (
    b"\x00" * 32768 + b"\x01CD001\x01\x00" + b"CORRECTIF_2026".ljust(32, b" ") + b"\x00" * 2000
)
# A 1x1 white PNG (the QR lure's image: the text is what matters, the image is never decoded).
PNG_STUB = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def html_login_page(brand: str, action: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        f"{brand}</title></head><body>\n<h2>{brand}</h2>\n<p>Connectez-vous pour afficher "
        f'le document.</p>\n<form method="post" action="{action}">\n'
        '<input type="email" name="login" placeholder="Adresse e-mail">\n'
        '<input type="password" name="passwd" placeholder="Mot de passe">\n'
        "<button>Se connecter</button>\n</form>\n</body></html>\n"
    ).encode()


@dataclass(frozen=True)
class Attachment:
    filename: str
    ctype: str
    data: bytes
    inline_cid: str = ""


def ics(uid: str, summary: str, start: str, end: str, organizer: str, location: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\n"
        "VERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260414T080000Z\r\nDTSTART;TZID=Europe/Paris:{start}\r\n"
        f"DTEND;TZID=Europe/Paris:{end}\r\nSUMMARY;LANGUAGE=fr-FR:{summary}\r\n"
        f'LOCATION;LANGUAGE=fr-FR:{location}\r\nORGANIZER;CN="{organizer}"\r\n'
        " :mailto:direction@residence-les-oliviers.fr\r\n"
        "STATUS:CONFIRMED\r\nSEQUENCE:0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


# --- The message model -------------------------------------------------------------------


@dataclass
class Mail:
    name: str
    imitates: str
    sender: tuple[str, str]
    to: tuple[str, str]
    subject: str
    date: str
    body: str  # plain text with [[visible|href]] links
    auth: tuple[str, str, str] = ("pass", "pass", "pass")  # spf, dkim, dmarc
    ip: str = "198.51.100.20"
    helo: str = ""
    return_path: str = ""
    reply_to: str = ""
    dkim_domain: str = ""
    html: bool = True
    html_extra: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    calendar: str = ""
    cte: str = "quoted-printable"
    charset: str = "utf-8"
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    mailer: str = ""


LINK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")


def render_text(body: str) -> str:
    def sub(m: re.Match[str]) -> str:
        visible, href = m.group(1), m.group(2)
        return visible if visible == href else f"{visible} <{href}>"

    return LINK.sub(sub, body)


def render_html(body: str, extra: str) -> str:
    paragraphs = []
    for block in body.strip("\n").split("\n\n"):
        parts = []
        pos = 0
        for m in LINK.finditer(block):
            parts.append(html.escape(block[pos : m.start()], quote=False))
            href = html.escape(m.group(2))
            parts.append(f'<a href="{href}" target="_blank">{html.escape(m.group(1))}</a>')
            pos = m.end()
        parts.append(html.escape(block[pos:], quote=False))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>")
    return (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '</head>\n<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px">\n'
        + "\n".join(paragraphs)
        + ("\n" + extra if extra else "")
        + "\n</body>\n</html>\n"
    )


def domain_of(addr: str) -> str:
    return addr.rsplit("@", 1)[1].lower()


def enc_header(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8", maxlinelen=900).encode()


def encode_body(text: str, charset: str, cte: str) -> bytes:
    raw = text.replace("\n", "\r\n").encode(charset)
    if cte == "base64":
        return base64.encodebytes(raw).replace(b"\r\n", b"\n")
    if cte == "quoted-printable":
        return quopri.encodestring(raw).replace(b"\r\n", b"\n").replace(b"=0D\n", b"\n")
    return text.encode(charset)


def text_part(subtype: str, text: str, charset: str, cte: str, method: str = "") -> bytes:
    extra = f"; method={method}" if method else ""
    head = (
        f'Content-Type: text/{subtype}; charset="{charset}"{extra}\n'
        f"Content-Transfer-Encoding: {cte}\n\n"
    )
    return head.encode() + encode_body(text, charset, cte)


def attachment_part(att: Attachment) -> bytes:
    name = enc_header(att.filename)
    disp = "inline" if att.inline_cid else "attachment"
    head = f'Content-Type: {att.ctype}; name="{name}"\n'
    head += f'Content-Disposition: {disp}; filename="{name}"; size={len(att.data)}\n'
    if att.inline_cid:
        head += f"Content-ID: <{att.inline_cid}>\n"
    head += "Content-Transfer-Encoding: base64\n\n"
    return head.encode() + base64.encodebytes(att.data)


def multipart(subtype: str, boundary: str, parts: list[bytes]) -> bytes:
    out = f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"\n\n'.encode()
    for p in parts:
        out += f"--{boundary}\n".encode() + p.rstrip(b"\n") + b"\n\n"
    return out + f"--{boundary}--\n".encode()


def auth_results(m: Mail, mailfrom: str, from_dom: str) -> str:
    spf, dkim, dmarc = m.auth
    dkim_dom = m.dkim_domain or from_dom
    if domain_of(m.to[1]) == OLIVIERS:  # Microsoft 365 (Exchange Online Protection)
        spf_txt = f"spf={spf} (sender IP is {m.ip}) smtp.mailfrom={mailfrom}"
        dkim_txt = (
            "dkim=none (message not signed) header.d=none"
            if dkim == "none"
            else f"dkim={dkim} ({'signature was verified' if dkim == 'pass' else 'body hash did not verify'}) header.d={dkim_dom}"
        )
        action = "none" if dmarc in ("pass", "none") else "oreject"
        compauth = (
            "pass reason=100"
            if dmarc == "pass"
            else "fail reason=000"
            if dmarc == "fail"
            else "softpass reason=201"
        )
        return f"{spf_txt};\n {dkim_txt};dmarc={dmarc} action={action}\n header.from={from_dom};compauth={compauth}"
    dkim_txt = f"dkim={dkim}" + ("" if dkim == "none" else f" header.d={dkim_dom}")
    return f"mx4.mail.ovh.net;\n\tspf={spf} smtp.mailfrom={mailfrom};\n\t{dkim_txt};\n\tdmarc={dmarc} header.from={from_dom}"


def received(m: Mail) -> list[str]:
    helo = m.helo or f"mail.{domain_of(m.sender[1])}"
    date = m.date
    if domain_of(m.to[1]) == OLIVIERS:
        return [
            "from PR1P264MB3821.FRAP264.PROD.OUTLOOK.COM (2603:10a6:102:1a2::9) by\n"
            f" PAZP264MB2934.FRAP264.PROD.OUTLOOK.COM with HTTPS; {date}",
            f"from {helo} ({m.ip}) by\n MRWPR03CA0051.mail.protection.outlook.com"
            " (10.167.8.201) with Microsoft SMTP Server (version=TLS1_3,\n"
            " cipher=TLS_AES_256_GCM_SHA384) id 15.20.8989.12 via Frontend Transport;\n"
            f" {date}",
        ]
    return [
        f"from mx4.mail.ovh.net (unknown [10.109.143.211])\n\tby mo512.mail-out.ovh.net"
        f" (Postfix) with ESMTPS id 4fLq2B0w3Sz1Xk\n\tfor <{m.to[1]}>; {date}",
        f"from {helo} ({helo} [{m.ip}])\n\tby mx4.mail.ovh.net (Postfix) with ESMTPS id"
        f" 4fLq2A6lV9z1Wb\n\tfor <{m.to[1]}>; {date}",
    ]


def build(m: Mail, index: int) -> bytes:
    from_dom = domain_of(m.sender[1])
    rp = m.return_path or m.sender[1]
    mailfrom = domain_of(rp)
    bnd = f"_{index:03d}_heldout_{m.name.replace('_', '')[:18]}_2026"
    text = render_text(m.body)

    body_parts: list[bytes] = [text_part("plain", text, m.charset, m.cte)]
    if m.html:
        body_parts.append(text_part("html", render_html(m.body, m.html_extra), m.charset, m.cte))
    if m.calendar:
        body_parts.append(text_part("calendar", m.calendar, "utf-8", "base64", "REQUEST"))
    body = (
        multipart("alternative", f"alt{bnd}", body_parts) if len(body_parts) > 1 else body_parts[0]
    )
    if m.attachments:
        body = multipart("mixed", f"mix{bnd}", [body] + [attachment_part(a) for a in m.attachments])

    headers: list[tuple[str, str]] = [("Return-Path", f"<{rp}>")]
    headers += [("Received", r) for r in received(m)]
    headers.append(("Authentication-Results", auth_results(m, mailfrom, from_dom)))
    headers += [
        ("From", formataddr(m.sender, "utf-8")),
        ("To", formataddr(m.to, "utf-8")),
        ("Subject", enc_header(m.subject)),
        ("Date", m.date),
        ("Message-ID", f"<{index:03d}.{m.name.replace('_', '.')}.20260401@{from_dom}>"),
    ]
    if m.reply_to:
        headers.append(("Reply-To", m.reply_to))
    if m.mailer:
        headers.append(("X-Mailer", m.mailer))
    headers += m.extra_headers
    headers.append(("MIME-Version", "1.0"))
    head = "".join(f"{k}: {v}\n" for k, v in headers).encode()
    return head + body


def fr(name: str, addr: str) -> tuple[str, str]:
    """A (display name, address) pair."""
    return (name, addr)


# --- Recipients --------------------------------------------------------------------------

ACCUEIL = fr("Accueil Résidence Les Oliviers", f"accueil@{OLIVIERS}")
COMPTA = fr("Nadia Benali", f"comptabilite@{OLIVIERS}")
IDEC = fr("Claire Fabre", f"idec@{OLIVIERS}")
AS_OLIV = fr("Julien Roche", f"j.roche@{OLIVIERS}")
SECR_SSIAD = fr("Secrétariat SSIAD", f"secretariat@{SSIAD}")
INF_SSIAD = fr("Hélène Garcia", f"infirmiere.coordinatrice@{SSIAD}")
DIR_SSIAD = fr("Marc Lopez", f"direction@{SSIAD}")

# --- Phishing ----------------------------------------------------------------------------

PHISHING: list[Mail] = [
    Mail(
        name="p01_ameli_remboursement",
        imitates="Faux remboursement Ameli (lien affiché ameli.fr, cible ailleurs ; SPF passe sur le domaine du fraudeur)",
        sender=fr("Assurance Maladie", "remboursement@ameli-rembourse-fr.com"),
        to=ACCUEIL,
        subject="Vous avez un remboursement en attente de 147,60 €",
        date="Tue, 07 Apr 2026 08:12:44 +0200",
        body=(
            "Bonjour,\n\nAprès les derniers calculs de vos droits, vous pouvez bénéficier d'un "
            "remboursement de 147,60 €.\n\nPour recevoir ce montant, vous devez confirmer vos "
            "coordonnées bancaires sur votre compte ameli :\n\n"
            "[[https://www.ameli.fr/assure/remboursement|https://ameli-rembourse-fr.com/assure/connexion.php?id=88213]]\n\n"
            "Sans confirmation sous 48 heures, ce remboursement sera annulé.\n\n"
            "Cordialement,\nVotre caisse d'Assurance Maladie"
        ),
        auth=("pass", "none", "none"),
        ip="203.0.113.45",
    ),
    Mail(
        name="p02_cpam_carte_vitale",
        imitates="Fausse CPAM (carte Vitale à renouveler) envoyée depuis un site compromis, lien raccourci",
        sender=fr("CPAM - Service Carte Vitale", "contact@boulangerie-durand-aix.fr"),
        to=SECR_SSIAD,
        subject="Votre carte Vitale arrive à expiration - action requise",
        date="Wed, 08 Apr 2026 14:03:10 +0200",
        body=(
            "Madame, Monsieur,\n\nVotre carte Vitale arrive à expiration le 15/04/2026. Afin "
            "d'éviter toute interruption de vos remboursements, merci de commander votre "
            "nouvelle carte dès aujourd'hui.\n\n[[Commander ma nouvelle carte|https://bit.ly/3Vt8kQz]]\n\n"
            "Des frais d'envoi de 0,99 € seront demandés par carte bancaire.\n\n"
            "L'Assurance Maladie"
        ),
        auth=("softfail", "none", "none"),
        ip="192.0.2.77",
    ),
    Mail(
        name="p03_ants_frais_dossier",
        imitates="Faux ANTS (dossier de carte grise incomplet, frais à payer)",
        sender=fr("ANTS - Agence Nationale des Titres Sécurisés", "noreply@ants-titres-gouv.info"),
        to=DIR_SSIAD,
        subject="Dossier n° 2026-ANT-44817 : paiement des frais d'acheminement",
        date="Thu, 09 Apr 2026 07:41:52 +0200",
        body=(
            "Bonjour,\n\nVotre demande d'immatriculation pour le véhicule de service est en "
            "attente. Des frais d'acheminement de 2,76 € restent à régler.\n\n"
            "Réglez ces frais avant le 12/04/2026, faute de quoi votre dossier sera clôturé :\n"
            "[[Accéder à mon dossier|https://ants-titres-gouv.info/dossier/paiement?ref=44817]]\n\n"
            "Agence Nationale des Titres Sécurisés\nCeci est un message automatique."
        ),
        auth=("pass", "pass", "pass"),
        ip="203.0.113.12",
    ),
    Mail(
        name="p04_impots_remboursement",
        imitates="Faux impots.gouv.fr (remboursement, carte bancaire demandée)",
        sender=fr("impots.gouv.fr", "ne-pas-repondre@dgfip-remboursements.net"),
        to=COMPTA,
        subject="Avis de remboursement - Référence : 2026-FR-00913",
        date="Fri, 10 Apr 2026 09:15:00 +0200",
        body=(
            "DIRECTION GÉNÉRALE DES FINANCES PUBLIQUES\n\nAprès le dernier calcul annuel, "
            "vous êtes éligible à un remboursement d'impôt d'un montant de 348,20 €.\n\n"
            "Pour obtenir ce remboursement, remplissez le formulaire en ligne avec votre numéro "
            "fiscal et les informations de votre carte bancaire :\n\n"
            "[[Accéder au formulaire|http://198.51.100.199/impots/remboursement/index.html]]\n\n"
            "La demande doit être faite dans les 72 heures.\n\nDGFiP"
        ),
        auth=("fail", "none", "fail"),
        ip="198.51.100.199",
        cte="base64",
    ),
    Mail(
        name="p05_mssante_desactivation",
        imitates="Fausse MSSanté (boîte désactivée sous 48 h, identifiants demandés)",
        sender=fr("MSSanté - Espace de confiance", "support@mssante-securite.fr"),
        to=INF_SSIAD,
        subject="[MSSanté] Votre messagerie sera désactivée sous 48 h",
        date="Mon, 13 Apr 2026 10:22:31 +0200",
        body=(
            "Madame, Monsieur,\n\nDans le cadre du renforcement de la sécurité de l'Espace de "
            "confiance MSSanté, chaque professionnel doit revalider son compte avant le "
            "15 avril 2026.\n\nSans validation, votre boîte aux lettres MSSanté sera suspendue "
            "et vos messages en attente supprimés.\n\n"
            "[[Revalider mon compte MSSanté|https://mssante-securite.fr/revalidation/login]]\n\n"
            "Munissez-vous de votre identifiant, de votre mot de passe et de votre carte CPS.\n\n"
            "L'équipe MSSanté\nAgence du Numérique en Santé"
        ),
        auth=("pass", "pass", "pass"),
        ip="203.0.113.88",
    ),
    Mail(
        name="p06_monespacesante_document",
        imitates="Faux Mon espace santé (lien affiché officiel, cible une adresse IP)",
        sender=fr("Mon espace santé", "notification@monespacesante-info.net"),
        to=IDEC,
        subject="Un nouveau document est disponible dans Mon espace santé",
        date="Tue, 14 Apr 2026 06:58:12 +0200",
        body=(
            "Bonjour,\n\nUn professionnel de santé a ajouté un document à votre profil "
            "Mon espace santé : « Compte rendu d'examen ».\n\nPour le consulter, connectez-vous :\n"
            "[[https://www.monespacesante.fr|http://203.0.113.61/mes/login.php?doc=cr-examen]]\n\n"
            "Ce lien expire dans 24 heures.\n\nMon espace santé - Assurance Maladie"
        ),
        auth=("neutral", "none", "none"),
        ip="203.0.113.61",
    ),
    Mail(
        name="p07_m365_mot_de_passe_expire",
        imitates="Faux Microsoft 365 (mot de passe expiré aujourd'hui)",
        sender=fr("Microsoft 365", "no-reply@m365-securite-compte.com"),
        to=AS_OLIV,
        subject="Votre mot de passe expire aujourd'hui",
        date="Wed, 15 Apr 2026 07:30:05 +0200",
        body=(
            "Microsoft 365\n\nLe mot de passe du compte j.roche@residence-les-oliviers.fr "
            "expire aujourd'hui.\n\nVous pouvez conserver votre mot de passe actuel en "
            "cliquant ci-dessous :\n\n"
            "[[Conserver le même mot de passe|https://login.microsoftonline.com.m365-securite-compte.com/common/oauth2?user=j.roche]]\n\n"
            "Si vous ne faites rien, votre compte sera bloqué.\n\nMerci,\nL'équipe Microsoft 365"
        ),
        auth=("pass", "pass", "none"),
        ip="203.0.113.140",
    ),
    Mail(
        name="p08_boite_pleine_sosie_domaine",
        imitates="Boîte pleine, expéditeur sur un sosie du domaine de l'établissement (residence-les-olliviers.fr)",
        sender=fr("Service informatique", "helpdesk@residence-les-olliviers.fr"),
        to=ACCUEIL,
        subject="Alerte : votre boîte aux lettres est pleine (99 %)",
        date="Wed, 15 Apr 2026 11:47:19 +0200",
        body=(
            "Votre boîte aux lettres a atteint sa limite de stockage (49,5 Go / 50 Go).\n\n"
            "Vous ne pourrez bientôt plus envoyer ni recevoir de messages. 14 messages "
            "entrants sont en attente.\n\n"
            "[[Augmenter l'espace de stockage|https://residence-les-olliviers.fr/owa/quota/]]\n\n"
            "Service informatique - Résidence Les Oliviers"
        ),
        auth=("pass", "none", "none"),
        ip="203.0.113.150",
    ),
    Mail(
        name="p09_onedrive_partenaire_compromis",
        imitates="Partage OneDrive depuis la vraie boîte compromise d'un EHPAD partenaire (SPF/DKIM passent ; seul le lien trahit)",
        sender=fr("Marie Lefèvre", "m.lefevre@ehpad-saint-joseph.fr"),
        to=IDEC,
        subject="Marie Lefèvre a partagé « Convention partenariat 2026.pdf » avec vous",
        date="Thu, 16 Apr 2026 15:02:40 +0200",
        body=(
            "Marie Lefèvre a partagé un fichier avec vous.\n\n"
            "Convention partenariat 2026.pdf\n\n"
            "[[Ouvrir|https://convention-partage.web.app/onedrive/view?id=Zm9vYmFy]]\n\n"
            "Ce lien ne fonctionne que pour les destinataires directs de ce message.\n\n"
            "Marie Lefèvre\nCadre de santé - EHPAD Saint-Joseph"
        ),
        auth=("pass", "pass", "pass"),
        ip="198.51.100.31",
        helo="mail-eur05.outbound.protection.outlook.com",
    ),
    Mail(
        name="p10_dropbox_facture",
        imitates="Faux Dropbox (facture partagée, connexion demandée)",
        sender=fr("Dropbox", "no-reply@dropbox-transfert.net"),
        to=COMPTA,
        subject="Service Comptabilité vous a envoyé « Facture_Avril_2026.pdf »",
        date="Thu, 16 Apr 2026 16:20:11 +0200",
        body=(
            "Bonjour,\n\nService Comptabilité vous a invité à consulter le fichier "
            "« Facture_Avril_2026.pdf » sur Dropbox.\n\n"
            "[[Afficher le fichier|https://dropbox-transfert.net/s/f7k2p/Facture_Avril_2026]]\n\n"
            "Pour des raisons de sécurité, connectez-vous avec votre adresse e-mail "
            "professionnelle et votre mot de passe pour afficher le document.\n\n"
            "Bonne journée,\nL'équipe Dropbox"
        ),
        auth=("pass", "none", "none"),
        ip="203.0.113.166",
    ),
    Mail(
        name="p11_docusign_avenant",
        imitates="Faux DocuSign (avenant de contrat à signer, lien vers un domaine DocuSign imité)",
        sender=fr("DocuSign via Ressources Humaines", "dse@docusign-envelope.net"),
        to=AS_OLIV,
        subject="Veuillez signer : Avenant au contrat de travail 2026",
        date="Fri, 17 Apr 2026 09:05:27 +0200",
        reply_to="rh.signature@gmail.com",
        body=(
            "Ressources Humaines vous a envoyé un document à examiner et à signer.\n\n"
            "[[EXAMINER LE DOCUMENT|https://docusign-envelope.net/Signing/StartInSession.aspx?t=6f2c]]\n\n"
            "Avenant au contrat de travail - revalorisation 2026\n\n"
            "Ne partagez pas ce message : il contient un lien d'accès sécurisé.\n\n"
            "Powered by DocuSign"
        ),
        auth=("pass", "pass", "none"),
        ip="203.0.113.171",
    ),
    Mail(
        name="p12_facture_zip_js",
        imitates="Fausse facture fournisseur, archive .zip contenant un script .pdf.js",
        sender=fr("Distrimed Provence - Comptabilité", "compta@distrimed-provence.com"),
        to=COMPTA,
        subject="Facture N° FA-2026-04127 - échéance dépassée",
        date="Mon, 20 Apr 2026 08:44:03 +0200",
        body=(
            "Bonjour,\n\nSauf erreur de notre part, la facture FA-2026-04127 d'un montant de "
            "2 418,36 € TTC reste impayée.\n\nVous trouverez la facture ci-jointe. Merci de "
            "procéder au paiement dans les meilleurs délais.\n\nCordialement,\n"
            "Service comptabilité\nDistrimed Provence"
        ),
        html=False,
        auth=("pass", "none", "none"),
        ip="203.0.113.180",
        attachments=[
            Attachment(
                "FA-2026-04127.zip",
                "application/zip",
                make_zip([("FA-2026-04127.pdf.js", JS_STUB)]),
            )
        ],
    ),
    Mail(
        name="p13_relance_docm_macro",
        imitates="Relance de facture impayée avec document Word à macros (.docm)",
        sender=fr("Service Recouvrement", "recouvrement@groupe-hygiene-services.fr"),
        to=COMPTA,
        subject="DERNIER RAPPEL avant mise en demeure - facture 0387",
        date="Tue, 21 Apr 2026 10:12:55 +0200",
        body=(
            "Madame, Monsieur,\n\nMalgré nos précédentes relances, la facture n° 0387 reste "
            "impayée à ce jour.\n\nVeuillez trouver ci-joint le relevé détaillé. Pour "
            "l'afficher correctement, cliquez sur « Activer le contenu » à l'ouverture.\n\n"
            "Sans règlement sous 8 jours, le dossier sera transmis à notre service contentieux.\n\n"
            "Service Recouvrement"
        ),
        auth=("pass", "pass", "pass"),
        ip="203.0.113.190",
        attachments=[
            Attachment(
                "Releve_facture_0387.docm",
                "application/vnd.ms-word.document.macroEnabled.12",
                word("Relevé de facture 0387", macro=True),
            )
        ],
    ),
    Mail(
        name="p14_changement_rib_fournisseur",
        imitates="Changement de RIB d'un fournisseur (Reply-To vers un autre domaine, nouveau RIB en PDF)",
        sender=fr("Distrimed Provence", "facturation@distrimed-provence.fr"),
        reply_to="Distrimed Provence <comptabilite@distrimed-provence-fr.com>",
        return_path="bounce@mailer-pro-sender.com",
        to=COMPTA,
        subject="Changement de coordonnées bancaires",
        date="Tue, 21 Apr 2026 15:33:18 +0200",
        body=(
            "Bonjour Madame Benali,\n\nSuite à un changement de banque, nous vous informons "
            "que nos coordonnées bancaires ont été modifiées. Vous trouverez ci-joint notre "
            "nouveau RIB.\n\nMerci de mettre à jour votre fichier fournisseurs et d'effectuer "
            "les prochains virements, y compris la facture en cours, sur ce nouveau compte.\n\n"
            "Merci de nous confirmer la prise en compte par retour de mail.\n\n"
            "Bien cordialement,\nSandrine Vidal\nService facturation - Distrimed Provence"
        ),
        html=False,
        auth=("pass", "none", "none"),
        ip="203.0.113.201",
        helo="smtp.mailer-pro-sender.com",
        attachments=[
            Attachment(
                "RIB_Distrimed_Provence.pdf", "application/pdf", pdf("RIB Distrimed Provence")
            )
        ],
    ),
    Mail(
        name="p15_fraude_president_virement",
        imitates="Fraude au président : la directrice demande un virement confidentiel depuis une adresse Gmail",
        sender=fr("Catherine Morel", "catherine.morel.direction@gmail.com"),
        to=COMPTA,
        subject="Demande confidentielle",
        date="Wed, 22 Apr 2026 12:04:51 +0200",
        body=(
            "Bonjour Nadia,\n\nEs-tu à ton bureau ? J'ai besoin que tu traites un virement "
            "aujourd'hui, c'est pour une acquisition en cours que je ne peux pas encore "
            "annoncer. Merci de rester discrète, je suis en réunion à l'ARS tout l'après-midi "
            "et ne peux pas prendre d'appel.\n\nRéponds-moi par mail, je t'envoie les "
            "coordonnées.\n\nCatherine Morel\nDirectrice\n\nEnvoyé de mon iPhone"
        ),
        html=False,
        auth=("pass", "pass", "pass"),
        ip="198.51.100.52",
        helo="mail-wm1-f52.google.com",
    ),
    Mail(
        name="p16_fraude_cartes_cadeaux",
        imitates="Fraude au directeur : achat urgent de cartes cadeaux (nom du directeur, adresse Outlook.fr)",
        sender=fr("Marc Lopez - Direction SSIAD", "marc.lopez.ssiad@outlook.fr"),
        to=SECR_SSIAD,
        subject="Petit service",
        date="Thu, 23 Apr 2026 09:48:02 +0200",
        body=(
            "Bonjour,\n\nJe voudrais faire une surprise aux équipes pour leur travail cet hiver. "
            "Peux-tu acheter 10 cartes cadeaux Amazon de 100 € ce matin ? Je te rembourse ce "
            "soir.\n\nEnvoie-moi les codes en photo dès que tu les as, c'est urgent. N'en parle "
            "à personne pour garder la surprise.\n\nMarc"
        ),
        html=False,
        auth=("pass", "pass", "pass"),
        ip="198.51.100.53",
        helo="EUR02-AM0-obe.outbound.protection.outlook.com",
    ),
    Mail(
        name="p17_chronopost_frais",
        imitates="Faux Chronopost (colis en attente, frais de réexpédition, lien raccourci)",
        sender=fr("Chronopost", "suivi@chronopost-livraisons.info"),
        to=ACCUEIL,
        subject="Votre colis XW458712365FR n'a pas pu être livré",
        date="Thu, 23 Apr 2026 13:11:40 +0200",
        body=(
            "Bonjour,\n\nNotre livreur s'est présenté le 23/04/2026 mais votre colis "
            "XW458712365FR n'a pas pu être livré : frais de douane non réglés (1,99 €).\n\n"
            "[[Programmer une nouvelle livraison|https://tinyurl.com/chrono-xw4587]]\n\n"
            "Sans action de votre part sous 72 h, le colis sera retourné à l'expéditeur.\n\n"
            "Chronopost"
        ),
        auth=("none", "none", "none"),
        ip="192.0.2.210",
    ),
    Mail(
        name="p18_qr_code_mfa",
        imitates="Quishing : réactivation de la double authentification en scannant un QR code (aucun lien)",
        sender=fr("Sécurité Microsoft Authenticator", "security@mfa-renouvellement.com"),
        to=AS_OLIV,
        subject="Action requise : réactivez l'authentification multifacteur",
        date="Fri, 24 Apr 2026 08:00:13 +0200",
        body=(
            "Bonjour,\n\nVotre méthode d'authentification multifacteur (MFA) expire "
            "aujourd'hui. Pour continuer à accéder à votre messagerie, scannez le QR code "
            "ci-joint avec l'appareil photo de votre téléphone et saisissez vos identifiants.\n\n"
            "Cette opération doit être faite dans les 24 heures.\n\n"
            "Administrateur Microsoft 365"
        ),
        html_extra='<p><img src="cid:qr-mfa-2026" alt="QR code" width="180" height="180"></p>',
        auth=("pass", "none", "none"),
        ip="203.0.113.222",
        attachments=[Attachment("QR_MFA.png", "image/png", PNG_STUB, inline_cid="qr-mfa-2026")],
    ),
    Mail(
        name="p19_faux_prestataire_iso",
        imitates="Faux prestataire informatique (infogerance-sud.com au lieu de .fr), correctif en image disque .iso",
        sender=fr("Infogérance Sud - Support", "support@infogerance-sud.com"),
        to=ACCUEIL,
        subject="Maintenance de sécurité obligatoire - correctif à installer",
        date="Fri, 24 Apr 2026 17:35:09 +0200",
        body=(
            "Bonjour,\n\nUne faille critique touche les postes de votre établissement. Merci "
            "d'installer le correctif ci-joint avant ce soir : ouvrez le fichier, puis lancez "
            "« Installer ».\n\nSi Windows affiche un avertissement, cliquez sur « Exécuter quand "
            "même ».\n\nL'équipe support\nInfogérance Sud"
        ),
        html=False,
        auth=("pass", "none", "none"),
        ip="203.0.113.230",
        attachments=[
            Attachment("Correctif_Securite_2026.iso", "application/octet-stream", ISO_STUB)
        ],
    ),
    Mail(
        name="p20_rh_bulletin_html_usurpe",
        imitates="Faux service RH usurpant le domaine du SSIAD (SPF et DMARC échouent), bulletin en pièce jointe HTML",
        sender=fr("Service RH", f"rh@{SSIAD}"),
        to=INF_SSIAD,
        subject="Votre bulletin de paie d'avril 2026 - revalorisation",
        date="Mon, 27 Apr 2026 07:55:44 +0200",
        body=(
            "Bonjour,\n\nSuite à la revalorisation salariale, votre bulletin de paie "
            "d'avril 2026 est disponible en pièce jointe.\n\nPour l'ouvrir, identifiez-vous "
            "avec votre adresse e-mail professionnelle et votre mot de passe.\n\nService RH"
        ),
        auth=("fail", "none", "fail"),
        ip="192.0.2.240",
        attachments=[
            Attachment(
                "Bulletin_Avril_2026.html",
                "text/html",
                html_login_page("Bulletin de paie", "https://paie-document.top/collect.php"),
            )
        ],
    ),
    Mail(
        name="p21_messagerie_vocale",
        imitates="Faux message vocal (pièce jointe .wav.htm à double extension)",
        sender=fr("Messagerie vocale", "voicemail@telephonie-cloud-pro.net"),
        to=SECR_SSIAD,
        subject="Nouveau message vocal (0:42) de +33 4 90 12 34 56",
        date="Mon, 27 Apr 2026 11:26:30 +0200",
        body=(
            "Vous avez reçu un nouveau message vocal.\n\nDe : +33 4 90 12 34 56\n"
            "Durée : 0:42\nDate : 27/04/2026 11:24\n\n"
            "Ouvrez la pièce jointe pour écouter le message."
        ),
        auth=("pass", "pass", "none"),
        ip="203.0.113.244",
        attachments=[
            Attachment(
                "Message_vocal_0042.wav.htm",
                "text/html",
                html_login_page("Messagerie vocale", "https://vm-player.click/auth"),
            )
        ],
    ),
    Mail(
        name="p22_fil_detourne_zip_lnk",
        imitates="Détournement d'une conversation fournisseur réelle (boîte compromise) : zip chiffré avec un raccourci .lnk",
        sender=fr("Sandrine Vidal", "s.vidal@distrimed-provence.fr"),
        to=COMPTA,
        subject="RE: Commande protections avril - Résidence Les Oliviers",
        date="Tue, 28 Apr 2026 14:40:21 +0200",
        body=(
            "Bonjour Nadia,\n\nSuite à notre échange, voici le bon de commande corrigé.\n"
            "Mot de passe de l'archive : 2026\n\nBonne journée,\nSandrine\n\n"
            "-----Message d'origine-----\n"
            "De : Nadia Benali <comptabilite@residence-les-oliviers.fr>\n"
            "Envoyé : mardi 14 avril 2026 10:12\n"
            "À : Sandrine Vidal <s.vidal@distrimed-provence.fr>\n"
            "Objet : Commande protections avril - Résidence Les Oliviers\n\n"
            "Bonjour Sandrine,\n\nPouvez-vous nous renvoyer le bon de commande avec les "
            "quantités de changes complets taille M corrigées (40 paquets au lieu de 30) ?\n\n"
            "Merci,\nNadia Benali\nComptabilité - Résidence Les Oliviers"
        ),
        html=False,
        auth=("pass", "pass", "pass"),
        ip="198.51.100.71",
        attachments=[
            Attachment(
                "Bon_de_commande_corrige.zip",
                "application/x-zip-compressed",
                make_zip([("Bon_de_commande_corrige.pdf.lnk", LNK_STUB)], encrypted=True),
            )
        ],
    ),
    Mail(
        name="p23_planning_lien_trompeur",
        imitates="Subtil : un seul signal, le lien affiche un Google Drive mais mène ailleurs",
        sender=fr("Planning IDE", "planning.ide.vallee@gmail.com"),
        to=INF_SSIAD,
        subject="Planning mai - à valider",
        date="Wed, 29 Apr 2026 18:02:07 +0200",
        body=(
            "Bonjour à tous,\n\nLe planning de mai est en ligne, merci de vérifier vos "
            "tournées :\n[[https://drive.google.com/file/d/1pLaNnInG-mAi-2026/view|https://drive-google.docs-viewer.site/file/1pLaNnInG]]\n\n"
            "Bonne soirée"
        ),
        auth=("pass", "pass", "pass"),
        ip="198.51.100.54",
        helo="mail-ej1-f54.google.com",
    ),
    Mail(
        name="p24_reponse_mot_de_passe_sosie",
        imitates="Subtil : demande de répondre avec son mot de passe, domaine sosie du SSIAD (ssiad-valee.org), aucun lien",
        sender=fr("Support informatique", "support@ssiad-valee.org"),
        to=SECR_SSIAD,
        subject="Migration de la messagerie ce week-end",
        date="Thu, 30 Apr 2026 10:30:00 +0200",
        body=(
            "Bonjour,\n\nDans le cadre de la migration de la messagerie prévue ce week-end, "
            "merci de nous répondre avec votre identifiant et votre mot de passe actuel afin "
            "que nous puissions transférer vos messages.\n\nMerci de votre collaboration,\n"
            "Le support informatique"
        ),
        html=False,
        auth=("pass", "none", "none"),
        ip="203.0.113.250",
    ),
    Mail(
        name="p25_ameli_homoglyphe_punycode",
        imitates="Faux Ameli avec domaine homoglyphe (a cyrillique, xn--meli-43d.fr) dans le lien",
        sender=fr("ameli", "attestation@info-assure.fr"),
        to=IDEC,
        subject="Votre attestation de droits est disponible",
        date="Thu, 30 Apr 2026 16:45:12 +0200",
        body=(
            "Bonjour,\n\nVotre attestation de droits à l'Assurance Maladie a été mise à jour. "
            "Téléchargez-la depuis votre compte :\n\n"
            "[[ameli.fr - Mon compte|https://xn--meli-43d.fr/PortailAS/appmanager/PortailAS/assure]]\n\n"
            "L'Assurance Maladie"
        ),
        auth=("pass", "pass", "none"),
        ip="203.0.113.251",
    ),
]

# --- Legitimate --------------------------------------------------------------------------

BREVO_HEADERS = [
    ("List-Unsubscribe", "<https://r.sp1-brevo.net/unsub/mk/un/v2/xyz>"),
    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
    ("X-Mailin-Campaign", "412"),
]

LEGIT: list[Mail] = [
    Mail(
        name="l01_facture_fournisseur_pdf",
        imitates="Vraie facture fournisseur avec PDF (mention de virement, règlement à 30 jours)",
        sender=fr("Distrimed Provence", "facturation@distrimed-provence.fr"),
        to=COMPTA,
        subject="Facture FA-2026-04112 - Résidence Les Oliviers",
        date="Thu, 02 Apr 2026 06:15:02 +0200",
        body=(
            "Bonjour,\n\nVeuillez trouver ci-joint la facture FA-2026-04112 correspondant à "
            "votre commande du 25/03/2026 (bon de livraison BL-88120).\n\n"
            "Montant TTC : 1 284,50 €\nÉchéance : 02/05/2026, par virement selon nos "
            "conditions habituelles.\n\nCordialement,\nService facturation\n"
            "Distrimed Provence - 12 ZA des Paluds - 13400 Aubagne"
        ),
        html=False,
        ip="198.51.100.70",
        mailer="Sage 100 Gestion commerciale",
        attachments=[
            Attachment("FA-2026-04112.pdf", "application/pdf", pdf("Facture FA-2026-04112"))
        ],
    ),
    Mail(
        name="l02_chorus_pro_notification",
        imitates="Notification Chorus Pro (facture déposée), portail officiel",
        sender=fr("Chorus Pro", "ne-pas-repondre@chorus-pro.gouv.fr"),
        to=fr("Direction SSIAD", f"direction@{SSIAD}"),
        subject="Chorus Pro : nouvelle facture reçue n° 2026-0311",
        date="Fri, 03 Apr 2026 03:02:48 +0200",
        body=(
            "Bonjour,\n\nUne nouvelle facture a été déposée sur Chorus Pro à destination de "
            "votre structure.\n\nNuméro : 2026-0311\nFournisseur : PHARMACIE DES ALPILLES\n"
            "Montant TTC : 642,18 €\n\nConnectez-vous à votre espace habituel pour la traiter : "
            "[[https://portail.chorus-pro.gouv.fr|https://portail.chorus-pro.gouv.fr]]\n\n"
            "Ce message est généré automatiquement, merci de ne pas y répondre."
        ),
        html=False,
        ip="198.51.100.80",
        cte="8bit",
    ),
    Mail(
        name="l03_ars_newsletter_brevo",
        imitates="Lettre d'information de l'ARS via un routeur (Return-Path et liens de suivi sur Brevo)",
        sender=fr("ARS Provence-Alpes-Côte d'Azur", "ars-paca-communication@ars.sante.fr"),
        return_path="bounces-412-ars@sp1-brevo.net",
        dkim_domain="ars.sante.fr",
        to=fr("Direction", f"direction@{OLIVIERS}"),
        subject="La lettre de l'ARS PACA - avril 2026",
        date="Mon, 06 Apr 2026 10:00:00 +0200",
        body=(
            "La lettre de l'ARS Provence-Alpes-Côte d'Azur - avril 2026\n\n"
            "Plan canicule 2026 : les établissements médico-sociaux se préparent\n"
            "[[Lire l'article|https://r.sp1-brevo.net/mk/cl/f/sh/1t6Af4OiGsF3h/aB9xK2]]\n\n"
            "Appel à projets : renforcement de l'hygiène en EHPAD\n"
            "[[En savoir plus|https://r.sp1-brevo.net/mk/cl/f/sh/1t6Af4OiGsF3h/Kp3mQ8]]\n\n"
            "Cybersécurité : les bons réflexes face au hameçonnage\n"
            "[[Consulter la fiche|https://r.sp1-brevo.net/mk/cl/f/sh/1t6Af4OiGsF3h/Zx7wR1]]\n\n"
            "Vous recevez cette lettre car vous êtes inscrit à la liste de diffusion de l'ARS.\n"
            "[[Se désinscrire|https://r.sp1-brevo.net/mk/un/v2/sh/1t6Af4OiGsF3h]]"
        ),
        html_extra=(
            '<img src="https://r.sp1-brevo.net/mk/op/sh/1t6Af4OiGsF3h/op.gif" width="1" '
            'height="1" alt="">'
        ),
        ip="198.51.100.90",
        helo="smtp-relay.sendinblue.com",
        extra_headers=BREVO_HEADERS,
        cte="base64",
    ),
    Mail(
        name="l04_dgs_urgent_canicule",
        imitates="Message DGS-Urgent (le mot « urgent » dans l'objet, aucune demande)",
        sender=fr("DGS-Urgent", "dgs-urgent@sante.gouv.fr"),
        to=IDEC,
        subject="DGS-Urgent n° 2026-07 : vigilance canicule - mesures de prévention",
        date="Tue, 07 Apr 2026 17:20:00 +0200",
        body=(
            "MESSAGE DGS-URGENT\n\nDATE : 07/04/2026\nRÉFÉRENCE : DGS-URGENT N° 2026-07\n"
            "TITRE : Vigilance canicule - rappel des mesures de prévention en établissement\n\n"
            "Mesdames, Messieurs,\n\nDans la perspective de la période estivale, nous vous "
            "rappelons les mesures de prévention à mettre en place auprès des personnes "
            "âgées hébergées : hydratation, pièces rafraîchies, surveillance renforcée.\n\n"
            "Les documents de référence sont disponibles sur le site du ministère : "
            "[[https://sante.gouv.fr/canicule|https://sante.gouv.fr/canicule]]\n\n"
            "Direction générale de la santé"
        ),
        html=False,
        ip="198.51.100.91",
        charset="iso-8859-1",
    ),
    Mail(
        name="l05_urssaf_message_espace",
        imitates="Urssaf : nouveau message dans l'espace en ligne, sans lien de connexion",
        sender=fr("Urssaf", "ne-pas-repondre@urssaf.fr"),
        to=COMPTA,
        subject="Un nouveau document est disponible dans votre espace en ligne",
        date="Wed, 08 Apr 2026 05:31:12 +0200",
        body=(
            "Madame, Monsieur,\n\nUn nouveau document est disponible dans la messagerie de "
            "votre espace en ligne : « Attestation de vigilance ».\n\nPour le consulter, "
            "connectez-vous à votre espace sur urssaf.fr en saisissant vous-même l'adresse "
            "dans votre navigateur.\n\nL'Urssaf ne vous demande jamais vos identifiants ni vos "
            "coordonnées bancaires par courriel.\n\nVotre Urssaf"
        ),
        ip="198.51.100.92",
    ),
    Mail(
        name="l06_impots_avis_foncier",
        imitates="impots.gouv.fr : avis de taxe foncière disponible dans l'espace professionnel",
        sender=fr("impots.gouv.fr", "ne-pas-repondre@dgfip.finances.gouv.fr"),
        to=fr("Direction", f"direction@{OLIVIERS}"),
        subject="Votre avis de taxe foncière est disponible",
        date="Thu, 09 Apr 2026 06:00:41 +0200",
        body=(
            "Madame, Monsieur,\n\nVotre avis de taxe foncière 2026 est disponible dans votre "
            "espace professionnel sur impots.gouv.fr, rubrique « Consulter > Avis ».\n\n"
            "Date limite de paiement : 15/10/2026.\n\nNous vous rappelons que la DGFiP ne vous "
            "demandera jamais vos coordonnées bancaires par courriel ou par SMS.\n\n"
            "La Direction générale des Finances publiques"
        ),
        ip="198.51.100.93",
    ),
    Mail(
        name="l07_collegue_planning_pdf",
        imitates="Collègue interne (Microsoft 365) : planning des veilles en PDF",
        sender=fr("Sophie Martin", f"s.martin@{OLIVIERS}"),
        to=IDEC,
        subject="Planning des veilles - mai",
        date="Thu, 09 Apr 2026 13:47:20 +0200",
        body=(
            "Bonjour Claire,\n\nCi-joint le planning des veilles de mai, j'ai intégré les "
            "congés de Karim et Léa. Dis-moi si ça te va avant que je l'affiche en salle de "
            "pause.\n\nBonne journée,\nSophie\n\nSophie Martin\nCadre de santé\n"
            "Résidence Les Oliviers - 04 90 00 00 12"
        ),
        ip="10.12.4.8",
        helo="PR1P264MB3821.FRAP264.PROD.OUTLOOK.COM",
        extra_headers=[("X-MS-Exchange-Organization-AuthAs", "Internal")],
        attachments=[
            Attachment(
                "Planning_veilles_mai_2026.pdf", "application/pdf", pdf("Planning veilles mai 2026")
            )
        ],
    ),
    Mail(
        name="l08_collegue_compte_rendu_docx",
        imitates="Collègue du SSIAD : compte rendu de réunion en .docx",
        sender=fr("Hélène Garcia", f"infirmiere.coordinatrice@{SSIAD}"),
        to=SECR_SSIAD,
        subject="CR réunion d'équipe du 10/04",
        date="Fri, 10 Apr 2026 16:05:33 +0200",
        body=(
            "Bonjour,\n\nVoici le compte rendu de la réunion d'équipe de ce matin, à classer "
            "dans le dossier partagé s'il te plaît.\n\nMerci !\nHélène"
        ),
        html=False,
        ip="198.51.100.95",
        helo="ex4.mail.ovh.net",
        attachments=[
            Attachment(
                "CR_reunion_equipe_2026-04-10.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                word("Compte rendu de la réunion d'équipe du 10 avril 2026"),
            )
        ],
    ),
    Mail(
        name="l09_collegue_tableau_xlsx",
        imitates="Collègue : tableau des commandes de protections en .xlsx",
        sender=fr("Julien Roche", f"j.roche@{OLIVIERS}"),
        to=COMPTA,
        subject="Tableau commandes protections T2",
        date="Mon, 13 Apr 2026 09:12:05 +0200",
        body=(
            "Bonjour Nadia,\n\nJe t'envoie le tableau des consommations de protections pour "
            "le 2e trimestre, pour la prochaine commande chez Distrimed.\n\nJulien"
        ),
        ip="10.12.4.9",
        helo="PR1P264MB3821.FRAP264.PROD.OUTLOOK.COM",
        extra_headers=[("X-MS-Exchange-Organization-AuthAs", "Internal")],
        attachments=[
            Attachment(
                "Commandes_protections_T2.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx("Commandes protections T2"),
            )
        ],
    ),
    Mail(
        name="l10_editeur_logiciel_maj",
        imitates="Éditeur du logiciel de soins : mise à jour et interruption de service programmées",
        sender=fr("Malta Informatique - Titan", "communication@malta-informatique.fr"),
        to=IDEC,
        subject="Mise à jour Titan 2026.2 : interruption de service le 12 mai de 21 h à 23 h",
        date="Tue, 14 Apr 2026 11:00:00 +0200",
        body=(
            "Madame, Monsieur,\n\nLa version 2026.2 de Titan sera installée sur votre "
            "environnement hébergé le mardi 12 mai 2026. Le service sera interrompu de 21 h à "
            "23 h : pensez à imprimer le plan de soins de la nuit avant 21 h.\n\n"
            "Aucune action n'est requise de votre part. Nos équipes ne vous demanderont jamais "
            "votre mot de passe.\n\nLes nouveautés de cette version : "
            "[[Notes de version 2026.2|https://www.malta-informatique.fr/titan/notes-de-version-2026-2]]\n\n"
            "Le service client Malta Informatique"
        ),
        ip="198.51.100.96",
    ),
    Mail(
        name="l11_banque_releve",
        imitates="Banque : relevé de compte disponible, sans lien de connexion",
        sender=fr("Crédit Coopératif", "ne-pas-repondre@credit-cooperatif.coop"),
        to=COMPTA,
        subject="Votre relevé de compte est disponible",
        date="Wed, 15 Apr 2026 04:12:39 +0200",
        body=(
            "Madame, Monsieur,\n\nVotre relevé de compte du mois de mars 2026 est disponible "
            "dans votre espace de banque en ligne, rubrique « e-Documents ».\n\n"
            "Pour votre sécurité, accédez à votre espace en saisissant l'adresse habituelle ou "
            "depuis l'application. Nous ne vous demanderons jamais vos codes par courriel.\n\n"
            "Crédit Coopératif"
        ),
        ip="198.51.100.97",
    ),
    Mail(
        name="l12_pharmacie_commande",
        imitates="Pharmacie d'officine : confirmation de préparation des piluliers, bon de livraison PDF (SPF seul, pas de DKIM)",
        sender=fr("Pharmacie des Alpilles", "commandes@pharmacie-des-alpilles.fr"),
        to=IDEC,
        subject="Confirmation commande n° 7731 - livraison jeudi",
        date="Wed, 15 Apr 2026 17:44:10 +0200",
        body=(
            "Bonjour,\n\nNous confirmons la préparation des piluliers de la semaine 17 pour "
            "les 62 résidents ainsi que la commande de matériel n° 7731.\n\nLivraison prévue "
            "jeudi 16/04 vers 14 h. Le bon de livraison est joint.\n\n"
            "Bien cordialement,\nL'équipe de la Pharmacie des Alpilles\n04 90 00 00 45"
        ),
        html=False,
        auth=("pass", "none", "none"),
        ip="198.51.100.98",
        helo="smtp.pharmacie-des-alpilles.fr",
        attachments=[Attachment("BL_7731.pdf", "application/pdf", pdf("Bon de livraison 7731"))],
    ),
    Mail(
        name="l13_opco_invitation_formation",
        imitates="OPCO Santé : invitation à un webinaire, lien d'inscription suivi",
        sender=fr("OPCO Santé", "information@opco-sante.fr"),
        return_path="bounce-opco@mail.opco-sante.fr",
        to=fr("Direction", f"direction@{SSIAD}"),
        subject="Invitation : webinaire « Financer vos formations en 2026 » - 5 mai",
        date="Thu, 16 Apr 2026 10:30:00 +0200",
        body=(
            "Madame, Monsieur,\n\nOPCO Santé vous invite à son webinaire « Financer vos "
            "formations en 2026 », le mardi 5 mai de 11 h à 12 h.\n\n"
            "Au programme : plan de développement des compétences, formations prioritaires "
            "de la branche, démarches en ligne.\n\n"
            "[[Je m'inscris|https://mail.opco-sante.fr/c/eJxNj0sOgjAUAC_TtmvVf8X9z]]\n\n"
            "OPCO Santé - Délégation Provence-Alpes-Côte d'Azur"
        ),
        ip="198.51.100.99",
    ),
    Mail(
        name="l14_mutuelle_newsletter",
        imitates="Lettre d'information d'une mutuelle, liens de suivi et désinscription",
        sender=fr("MNH", "newsletter@mnh.fr"),
        return_path="bounce-nl@news.mnh.fr",
        to=AS_OLIV,
        subject="Votre lettre MNH - printemps 2026",
        date="Fri, 17 Apr 2026 08:00:00 +0200",
        body=(
            "Votre lettre MNH - printemps 2026\n\n"
            "Prévention : le sommeil des soignants en horaires de nuit\n"
            "[[Lire l'article|https://news.mnh.fr/l/a8d1c/prevention-sommeil]]\n\n"
            "Vos remboursements optique en 2026 : ce qui change\n"
            "[[Découvrir|https://news.mnh.fr/l/a8d1d/optique-2026]]\n\n"
            "[[Se désabonner|https://news.mnh.fr/u/a8d1e]]"
        ),
        html_extra='<img src="https://news.mnh.fr/o/a8d1f.gif" width="1" height="1" alt="">',
        ip="198.51.100.100",
        extra_headers=[("List-Unsubscribe", "<https://news.mnh.fr/u/a8d1e>")],
    ),
    Mail(
        name="l15_doctolib_rappel",
        imitates="Doctolib : rappel de rendez-vous pour un résident",
        sender=fr("Doctolib", "no-reply@doctolib.fr"),
        to=IDEC,
        subject="Rappel : rendez-vous demain avec Dr Aubert",
        date="Mon, 20 Apr 2026 18:00:12 +0200",
        body=(
            "Bonjour,\n\nNous vous rappelons le rendez-vous de M. Paul R. demain, mardi 21 avril "
            "à 10 h 30, avec le Dr Aubert (ophtalmologue), 8 avenue Jean Jaurès, Cavaillon.\n\n"
            "[[Gérer le rendez-vous|https://www.doctolib.fr/appointments/4827713/edit]]\n\n"
            "En cas d'empêchement, pensez à annuler pour libérer le créneau.\n\nL'équipe Doctolib"
        ),
        ip="198.51.100.101",
    ),
    Mail(
        name="l16_google_agenda_invitation",
        imitates="Notification Google Agenda d'un partenaire (invitation à une réunion)",
        sender=fr(
            "Réseau Gérontologique Vallée (Google Agenda)", "calendar-notification@google.com"
        ),
        reply_to="coordination.reseau.vallee@gmail.com",
        return_path="3hCEaZhcKBA8@calendar-server.bounces.google.com",
        to=INF_SSIAD,
        subject="Invitation : Réunion de coordination parcours - jeu. 7 mai 2026 14:00 - 15:30",
        date="Tue, 21 Apr 2026 09:14:51 +0200",
        body=(
            "Réunion de coordination parcours\nJeudi 7 mai 2026 14:00 - 15:30 (heure "
            "d'Europe centrale - Paris)\nLieu : Maison de santé, salle 2\n\n"
            "Participer à l'appel Google Meet : "
            "[[meet.google.com/abc-defg-hij|https://meet.google.com/abc-defg-hij]]\n\n"
            "[[Oui|https://calendar.google.com/calendar/event?action=RESPOND&eid=N2Y3&rst=1]] "
            "[[Non|https://calendar.google.com/calendar/event?action=RESPOND&eid=N2Y3&rst=2]]\n\n"
            "Invitation de Google Agenda"
        ),
        dkim_domain="google.com",
        ip="198.51.100.102",
        helo="mail-sor-f69.google.com",
    ),
    Mail(
        name="l17_invitation_cvs_ics",
        imitates="Invitation Outlook interne (réunion du CVS) avec text/calendar",
        sender=fr("Catherine Morel", f"direction@{OLIVIERS}"),
        to=IDEC,
        subject="Conseil de la vie sociale - 19 mai",
        date="Wed, 22 Apr 2026 15:10:00 +0200",
        body=(
            "Bonjour,\n\nJe vous invite au prochain Conseil de la vie sociale, le mardi 19 mai "
            "à 14 h en salle d'animation. Ordre du jour : menus d'été, animations, travaux du "
            "2e étage.\n\nCatherine Morel\nDirectrice"
        ),
        calendar=ics(
            "040000008200E00074C5B7101A82E00800000000CVS2026",
            "Conseil de la vie sociale",
            "20260519T140000",
            "20260519T160000",
            "Catherine Morel",
            "Salle d'animation",
        ),
        ip="10.12.4.10",
        helo="PR1P264MB3821.FRAP264.PROD.OUTLOOK.COM",
        extra_headers=[("X-MS-Exchange-Organization-AuthAs", "Internal")],
    ),
    Mail(
        name="l18_teams_invitation_ars",
        imitates="Invitation Teams de l'ARS (lien teams.microsoft.com long et encodé)",
        sender=fr("DD84-ANIMATION-TERRITORIALE", "ars-paca-dd84-animation@ars.sante.fr"),
        to=fr("Direction", f"direction@{OLIVIERS}"),
        subject="Réunion d'information - évaluation des ESMS 2026",
        date="Thu, 23 Apr 2026 11:22:45 +0200",
        body=(
            "Bonjour,\n\nLa délégation départementale de Vaucluse organise une réunion "
            "d'information sur le calendrier des évaluations 2026.\n\n"
            "________________________________________________________________________________\n"
            "Réunion Microsoft Teams\nRejoindre : "
            "[[Cliquez ici pour rejoindre la réunion|https://teams.microsoft.com/l/meetup-join/19%3ameeting_NmQ4ZjE2YjQtYzA1Mi00@thread.v2/0?context=%7b%22Tid%22%3a%22a1b2%22%7d]]\n"
            "ID de réunion : 372 118 904 215\nCode secret : Xy7pQ2\n"
            "________________________________________________________________________________\n\n"
            "DD84 - ARS PACA"
        ),
        calendar=ics(
            "040000008200E00074C5B7101A82E00800000000ESMS2026",
            "Réunion d'information - évaluation des ESMS 2026",
            "20260512T100000",
            "20260512T113000",
            "DD84-ANIMATION-TERRITORIALE",
            "Réunion Microsoft Teams",
        ),
        ip="198.51.100.103",
        helo="mail-pr0fra01on2101.outbound.protection.outlook.com",
    ),
    Mail(
        name="l19_linkedin_notification",
        imitates="Notification LinkedIn (liens de suivi, Return-Path sur le domaine de rebond)",
        sender=fr("LinkedIn", "messages-noreply@linkedin.com"),
        return_path="s-2kq8v1x0r7c@bounce.linkedin.com",
        to=AS_OLIV,
        subject="Julien, vous apparaissez dans 12 recherches cette semaine",
        date="Fri, 24 Apr 2026 07:04:33 +0200",
        body=(
            "Julien, vous apparaissez dans 12 recherches cette semaine.\n\n"
            "[[Voir qui vous a cherché|https://www.linkedin.com/comm/me/search-appearances?lipi=urn%3Ali%3Apage%3Aemail]]\n\n"
            "Offres d'emploi pour vous : Aide-soignant(e) de nuit - EHPAD - Avignon\n"
            "[[Voir l'offre|https://www.linkedin.com/comm/jobs/view/3988123456?trk=eml-jobs]]\n\n"
            "[[Se désabonner|https://www.linkedin.com/comm/psettings/email-unsubscribe?trk=eml]]\n"
            "© 2026 LinkedIn Ireland Unlimited Company, Wilton Plaza, Dublin 2."
        ),
        html_extra='<img src="https://www.linkedin.com/emimp/ip_abc.gif" width="1" height="1" alt="">',
        ip="198.51.100.104",
        helo="mailb-ea.linkedin.com",
        cte="base64",
    ),
    Mail(
        name="l20_directrice_presse_fautes",
        imitates="Mail de la directrice écrit en vitesse depuis son téléphone, fautes de frappe",
        sender=fr("Catherine Morel", f"direction@{OLIVIERS}"),
        to=IDEC,
        subject="urgnet dossier mme B pr demain",
        date="Mon, 27 Apr 2026 19:52:03 +0200",
        body=(
            "claire tu peux me preparer le dossier de mme B pour la commision demain matin "
            "stp? Le dernier bilan gir + le cr du medecin co. je passe le prendre a 8h30\n"
            "merci bcp\nC\n\nEnvoyé de mon iPhone"
        ),
        html=False,
        ip="10.12.4.11",
        helo="PR1P264MB3821.FRAP264.PROD.OUTLOOK.COM",
        mailer="iPhone Mail (22E252)",
        extra_headers=[("X-MS-Exchange-Organization-AuthAs", "Internal")],
    ),
    Mail(
        name="l21_prestataire_maintenance",
        imitates="Vrai prestataire informatique : maintenance planifiée, aucune action demandée",
        sender=fr("Infogérance Sud - Support", "support@infogerance-sud.fr"),
        to=ACCUEIL,
        subject="Maintenance planifiée du serveur - samedi 2 mai de 7 h à 9 h",
        date="Tue, 28 Apr 2026 14:00:00 +0200",
        body=(
            "Bonjour,\n\nNous procéderons samedi 2 mai de 7 h à 9 h aux mises à jour du serveur "
            "de fichiers. Les dossiers partagés seront indisponibles pendant cette période ; la "
            "messagerie et le logiciel de soins ne sont pas concernés.\n\n"
            "Aucune action n'est requise de votre part. Nous ne vous demanderons jamais votre "
            "mot de passe, ni par courriel ni par téléphone.\n\nL'équipe support\n"
            "Infogérance Sud - 04 90 00 00 99"
        ),
        ip="198.51.100.105",
    ),
    Mail(
        name="l22_prestataire_ticket_resolu",
        imitates="Notification de l'outil de tickets du prestataire (ticket résolu, lien vers son portail)",
        sender=fr("Infogérance Sud - Support", "support@infogerance-sud.fr"),
        to=SECR_SSIAD,
        subject="[Ticket #48213] Imprimante du secrétariat - résolu",
        date="Wed, 29 Apr 2026 10:41:26 +0200",
        body=(
            "Bonjour,\n\nVotre demande #48213 « Imprimante du secrétariat » a été résolue.\n\n"
            "Résolution : remplacement du module de fusion, impression test OK.\n\n"
            "Suivre la demande : "
            "[[https://support.infogerance-sud.fr/tickets/48213|https://support.infogerance-sud.fr/tickets/48213]]\n\n"
            "Si le problème persiste, répondez simplement à ce message.\n\nInfogérance Sud"
        ),
        ip="198.51.100.106",
        helo="helpdesk.infogerance-sud.fr",
    ),
    Mail(
        name="l23_sharepoint_partage_collegue",
        imitates="Vrai partage SharePoint d'une collègue (expéditeur technique Microsoft, nom affiché = la collègue)",
        sender=fr("Sophie Martin", "no-reply@sharepointonline.com"),
        to=AS_OLIV,
        reply_to=f"Sophie Martin <s.martin@{OLIVIERS}>",
        subject="Sophie Martin a partagé le dossier « Protocoles chute » avec vous",
        date="Wed, 29 Apr 2026 15:18:02 +0200",
        body=(
            "Sophie Martin a partagé un dossier avec vous.\n\n"
            "« Voici les protocoles mis à jour, à lire avant la formation de jeudi. »\n\n"
            "[[Ouvrir|https://residenceslesoliviers.sharepoint.com/:f:/s/Soins/EkP2q9?e=Vn3x8]]\n\n"
            "Déclaration de confidentialité Microsoft"
        ),
        ip="198.51.100.107",
        helo="mail-fr2deu01on2052.outbound.protection.outlook.com",
        dkim_domain="sharepointonline.com",
    ),
    Mail(
        name="l24_digiposte_bulletin",
        imitates="Coffre-fort numérique : bulletin de paie déposé (aucun lien de connexion direct)",
        sender=fr("Digiposte", "ne-pas-repondre@digiposte.fr"),
        to=INF_SSIAD,
        subject="Un nouveau document est disponible dans votre coffre-fort",
        date="Thu, 30 Apr 2026 06:30:00 +0200",
        body=(
            "Bonjour,\n\nSSIAD DE LA VALLÉE a déposé un nouveau document dans votre "
            "coffre-fort Digiposte : Bulletin de paie - avril 2026.\n\nRetrouvez-le depuis "
            "l'application Digiposte ou sur digiposte.fr.\n\nL'équipe Digiposte"
        ),
        ip="198.51.100.108",
    ),
    Mail(
        name="l25_ameli_pro_lettre",
        imitates="Vraie lettre d'information ameli pour les professionnels (liens vers ameli.fr)",
        sender=fr("L'Assurance Maladie", "ne-pas-repondre@info.ameli.fr"),
        return_path="bounce@info.ameli.fr",
        to=IDEC,
        subject="L'essentiel ameli pour les infirmiers - avril 2026",
        date="Thu, 30 Apr 2026 11:00:00 +0200",
        body=(
            "L'essentiel ameli - infirmiers - avril 2026\n\n"
            "Bilan de soins infirmiers : les nouveautés au 1er mai\n"
            "[[Lire la suite|https://www.ameli.fr/infirmier/actualites/bsi-nouveautes-mai-2026]]\n\n"
            "Vaccination : campagne de rappel pour les résidents d'EHPAD\n"
            "[[Lire la suite|https://www.ameli.fr/infirmier/actualites/vaccination-ehpad-2026]]\n\n"
            "Vous recevez ce message car vous êtes abonné à la lettre ameli.\n"
            "[[Se désabonner|https://info.ameli.fr/desabonnement?u=7c1e]]"
        ),
        ip="198.51.100.109",
        dkim_domain="info.ameli.fr",
    ),
]


def files() -> dict[Path, bytes]:
    """Every file of the set, relative to OUT, with its bytes."""
    out: dict[Path, bytes] = {}
    lines = [
        "# Held-out e-mail set (independent, never for tuning)",
        "",
        "Generated by `scripts/make_heldout_emails.py` (`--check` verifies the files). Written",
        "independently of the analyser and of its tuning corpus (`tests/data/emails/`) to judge",
        "it: never adjust the analyser's rules on these files. Trusted extras for this set:",
        "`" + "`, `".join(TRUSTED_EXTRA) + "`.",
        "",
    ]
    index = 0
    for kind, mails in (("phishing", PHISHING), ("legit", LEGIT)):
        lines += [f"## {kind} ({len(mails)})", "", "| File | Imitates |", "|---|---|"]
        for m in mails:
            index += 1
            out[Path(kind) / f"{m.name}.eml"] = build(m, index)
            lines.append(f"| `{kind}/{m.name}.eml` | {m.imitates} |")
        lines.append("")
    out[Path("README.md")] = "\n".join(lines).encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, don't write")
    args = parser.parse_args(argv)
    wanted = files()
    if args.check:
        present = {p.relative_to(OUT) for p in OUT.rglob("*") if p.is_file()}
        bad = sorted(str(p) for p in present ^ set(wanted))
        bad += sorted(
            str(p) for p in wanted if p in present and (OUT / p).read_bytes() != wanted[p]
        )
        for b in bad:
            print(f"differs: {b}", file=sys.stderr)
        return 1 if bad else 0
    for rel, data in wanted.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"{len(wanted)} files written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
