"""Tuning corpus (``tests/data/emails/``): messages rendered from the scenarios of
``tests/data/email_scenarios/corpus/``.

Realistic French e-mails received by two medico-social facilities (an EHPAD on Microsoft 365,
a FAM on a Postfix server), deterministic: dates, Message-IDs, MIME boundaries and IP
addresses are derived from each file's name, so a regeneration is byte-identical. The large
hostile files are built on the fly by the tests with the generators below.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import quopri
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from scripts.mailgen.corpus_files import (
    docm,
    ics,
    img_stub,
    iso_stub,
    lnk_stub,
    make_zip,
    ole_macro_stub,
    pdf,
    pe_stub,
    png_pixel,
    rar_stub,
    script_stub,
)
from scripts.mailgen.spec import SCENARIOS, Builder, load, realize

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


def rfc822(mail: Mail, index: int, filename: str) -> Att:
    """A whole message attached as message/rfc822 (forwarded "as attachment")."""
    return Att(filename, "message/rfc822", build(mail, index))


def newsletter_body(name: str, intro: str, items: list[tuple[str, str]], site: str) -> str:
    body = intro + "\n\n"
    for i, (title, summary) in enumerate(items):
        body += f"{title}\n{summary} [[Lire la suite|{track(name, i)}]]\n\n"
    body += f"[[Consulter le site de l'ARS|{track(name, 99)}]] — {site}"
    return body


# --- hostile ------------------------------------------------------------------------------
def hostile_head(name: str, subject: str, extra: str = "", sender: str = "") -> str:
    sender = sender or f"Service <service@{name.replace('_', '-')}.example>"
    return (
        f"Return-Path: <bounce@{name.replace('_', '-')}.example>\n"
        f"Received: from relay.example (relay.example [{public_ip(rng(name))}])\n"
        f"\tby mx2.{HORIZON} (Postfix) with ESMTP id {digest(name, 'q', 12).upper()};\n"
        f"\t{format_datetime(T0)}\n"
        f"From: {sender}\n"
        f"To: secretariat@{HORIZON}\n"  # the FAM's secretariat
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


def nested_rfc822(levels: int) -> bytes:
    inner = hostile_head("nested_rfc822", "Niveau 0") + "Content-Type: text/plain\n\nFond.\n"
    for level in range(1, levels):
        inner = (
            hostile_head("nested_rfc822", f"Niveau {level}")
            + "Content-Type: message/rfc822\n\n"
            + inner
        )
    return inner.encode()


DATA = SCENARIOS / "corpus"
OFFSETS = {"phishing": 0, "legit": 500}  # a message's index (its date) is its kind's offset + rank


def zip_archive(members: list[dict[str, Any]], compress: bool = True) -> bytes:
    return make_zip(((m["name"], blob(m["data"])) for m in members), compress)


def blob(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def first_half(data: bytes) -> bytes:
    """A file cut in the middle (a ZIP without its central directory)."""
    return data[: len(data) // 2]


def bad_end_record(data: bytes) -> bytes:
    """A ZIP whose end record claims 65535 entries and a 2 GB central directory."""
    out = bytearray(data)
    eocd = out.rfind(b"PK\x05\x06")
    out[eocd + 8 : eocd + 16] = b"\xff\xff\xff\xff" + b"\xff\xff\xff\x7f"
    out[eocd + 16 : eocd + 20] = b"\x00\x00\x00\x00"
    return bytes(out)


def random_bytes(seed: str, size: int) -> bytes:
    return bytes(rng(seed).getrandbits(8) for _ in range(size))


def make_mail(recipients: Mapping[str, Recipient], label: str, **spec: Any) -> Mail:
    """A ``Mail`` from its scenario (attachments already built)."""
    fields = dict(spec)
    fields["sender"] = (spec["sender"]["name"], spec["sender"]["address"])
    to = spec["to"]
    fields["to"] = recipients[to] if isinstance(to, str) else Recipient(**to)
    if fields.get("auth") is not None:
        fields["auth"] = tuple(fields.get("auth", ("pass", "pass", "pass")))
    fields["extra"] = [pair for header in spec.get("extra", []) for pair in header.items()]
    fields["atts"] = [a if isinstance(a, Att) else Att(**a) for a in spec.get("atts", [])]
    return Mail(label=label, **fields)


def builders(recipients: Mapping[str, Recipient]) -> dict[str, Builder]:
    """The builder calls a scenario may use, by name."""

    def forwarded(mail: dict[str, Any], index: int, filename: str) -> Att:
        return rfc822(make_mail(recipients, "phishing", **mail), index, filename)

    return {
        # attachments
        "docm": docm,
        "ics": ics,
        "img_stub": img_stub,
        "iso_stub": iso_stub,
        "lnk_stub": lnk_stub,
        "ole_macro_stub": ole_macro_stub,
        "pdf": pdf,
        "pe_stub": pe_stub,
        "png_pixel": png_pixel,
        "rar_stub": rar_stub,
        "rfc822": forwarded,
        "script_stub": script_stub,
        "utf8": blob,
        "zip": zip_archive,
        # bodies
        "newsletter_body": newsletter_body,
        # hostile files
        "bad_end_record": bad_end_record,
        "base64": wrap_b64,
        "deep_nesting": deep_nesting,
        "encoded": lambda text, encoding: text.encode(encoding),
        "first_half": first_half,
        "huge_headers": huge_headers,
        "many_parts": many_parts,
        "nested_rfc822": nested_rfc822,
        "part": lambda **att: attachment_part(Att(**att)),
        "random_bytes": random_bytes,
        "repeat": lambda text, times: text * times,
        "zip_declared_bomb": zip_declared_bomb,
        "zip_nested_bomb": zip_nested_bomb,
    }


def messages(kind: str, data: Path = DATA) -> list[Mail]:
    """The labelled messages of ``kind`` (phishing or legit), in their file's order."""
    recipients = {
        key: Recipient(**who) for key, who in load(data / "cast.yaml")["recipients"].items()
    }
    table = builders(recipients)
    return [
        make_mail(recipients, kind, **realize(spec, table))
        for spec in load(data / f"{kind}.yaml")[kind]
    ]


def hostile(data: Path = DATA) -> list[tuple[str, str, bytes]]:
    """(name, description, bytes) of the committed hostile files."""
    table = builders({})
    files: list[tuple[str, str, bytes]] = []
    for spec in load(data / "hostile.yaml")["hostile"]:
        name = spec["name"]
        if "build" in spec:
            content = realize(spec["build"], table)
        elif "attachment" in spec:
            att = realize(spec["attachment"], table)
            content = with_attachment(
                name, att["subject"], att["filename"], att["ctype"], att["data"]
            )
        else:
            head = hostile_head(name, **spec["head"]) if "head" in spec else ""
            if spec.get("rstrip"):
                head = head.rstrip("\n")
            content = head.encode() + b"".join(
                blob(piece) for piece in realize(spec.get("body", []), table)
            )
        if "line_end" in spec:
            content = content.replace(b"\n", spec["line_end"].encode())
        files.append((name, spec["desc"], content))
    return files


# --- output -------------------------------------------------------------------------------
def auth_summary(mail: Mail) -> str:
    if mail.auth is None:
        return "no auth results"
    return "spf={} dkim={} dmarc={}".format(*mail.auth)


def corpus() -> dict[str, bytes]:
    """Every generated file, by path relative to ``tests/data/emails``."""
    files: dict[str, bytes] = {}
    rows: dict[str, list[str]] = {"phishing": [], "legit": []}
    for kind, offset in OFFSETS.items():
        mails = messages(kind)
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
(`--check` verifies that the committed files match; `tests/vigie/phishing/mailcheck/test_corpus.py` runs it).
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
