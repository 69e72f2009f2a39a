"""Held-out set: deterministic randomness, dates, headers, MIME entities and HTML layouts."""

from __future__ import annotations

import base64
import hashlib
import html
import quopri
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import quote

# The facilities and their IT provider: the receiving side of the set, trusted extras.
TRUSTED_EXTRA = (
    "ehpad-hautsdesaire.fr",  # EHPAD Les Hauts de Saire (Microsoft 365)
    "fam-closbisson.org",  # FAM Le Clos Bisson, home for disabled adults (Google Workspace)
    "sad-coutancais.fr",  # SAD du Pays Coutançais, home care (Gandi mail)
    "granit-informatique.fr",  # Granit Informatique, their IT provider (Microsoft 365)
)
EHPAD, FAM, SAD, PROVIDER = TRUSTED_EXTRA

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
        out += hashlib.sha256(f"heldout-v4/{seed}/{i}".encode()).digest()
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

CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))
PST = timezone(timedelta(hours=-8))
PDT = timezone(timedelta(hours=-7))
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _sunday(year: int, month: int, nth: int) -> date:
    """The ``nth`` Sunday of the month (``-1``: the last one)."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def paris(dt: datetime) -> timezone:
    """Paris offset at ``dt``: summer time from the last Sunday of March, 01:00 UTC, to the
    last Sunday of October, 01:00 UTC."""
    u = dt.astimezone(UTC).replace(tzinfo=None)
    start = datetime.combine(_sunday(u.year, 3, -1), datetime.min.time()) + timedelta(hours=1)
    end = datetime.combine(_sunday(u.year, 10, -1), datetime.min.time()) + timedelta(hours=1)
    return CEST if start <= u < end else CET


def pacific(dt: datetime) -> timezone:
    """Pacific offset at ``dt`` (Google's trace headers): daylight time from the second
    Sunday of March, 10:00 UTC, to the first Sunday of November, 09:00 UTC."""
    u = dt.astimezone(UTC).replace(tzinfo=None)
    start = datetime.combine(_sunday(u.year, 3, 2), datetime.min.time()) + timedelta(hours=10)
    end = datetime.combine(_sunday(u.year, 11, 1), datetime.min.time()) + timedelta(hours=9)
    return PDT if start <= u < end else PST


def at(text: str) -> datetime:
    """A Paris wall-clock time ("2026-11-04 09:14:22"), summer or winter time."""
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    summer = naive.replace(tzinfo=CEST)
    return summer if paris(summer) is CEST else naive.replace(tzinfo=CET)


def rfc(dt: datetime, tz: timezone | None = None, *, pad: str = "", comment: str = "") -> str:
    """RFC 5322 date in ``tz`` (Paris time by default); ``pad`` "0" or " " for the day,
    ``comment`` like "(UTC)"."""
    d = dt.astimezone(tz or paris(dt))
    off = d.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    day = {"0": f"{d.day:02d}", " ": f"{d.day:>2d}"}.get(pad, str(d.day))
    out = f"{DAYS[d.weekday()]}, {day} {MONTHS[d.month - 1]} {d.year} {d:%H:%M:%S} {zone}"
    return f"{out} {comment}" if comment else out


def ms_date(dt: datetime) -> str:  # Exchange Online
    return rfc(dt, UTC)


def pf_date(dt: datetime) -> str:  # Postfix
    return rfc(dt, UTC, pad=" ", comment="(UTC)")


def g_date(dt: datetime) -> str:  # Google
    tz = pacific(dt)
    return rfc(dt, tz, pad="0", comment="(PDT)" if tz is PDT else "(PST)")


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


# Mailbox-server prefixes of Exchange Online (France) that Outlook writes into its boundaries.
OUTLOOK_MBX = ("PAWP264MB", "PR3P264MB", "MRZP264MB", "PA4P264MB", "PR0P264MB")

BOUNDARY_STYLES: dict[str, Callable[[str], str]] = {
    "outlook": lambda h: (
        f"_00{h[0] if h[0] in '0246' else '0'}_{OUTLOOK_MBX[int(h[21], 16) % len(OUTLOOK_MBX)]}{h[1:5].upper()}"
        f"{h[5:21].upper()}{OUTLOOK_MBX[int(h[21], 16) % len(OUTLOOK_MBX)]}{h[1:5].upper()}FRAP_"
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
    labels: dict[str, str] = field(default_factory=dict)  # wording of the sending tool

    def label(self, key: str) -> str:
        """The wording for ``key``: online, online_link, more, unsubscribe."""
        default = {
            "online": "Vous ne visualisez pas correctement ce message ?",
            "online_link": "Voir la version en ligne",
            "more": "Lire la suite",
            "unsubscribe": "Se désinscrire",
        }
        return self.labels.get(key, default[key])


def newsletter_html(n: Newsletter) -> str:
    def a(label: str, url: str, style: str = "color:#1a4f8b;text-decoration:underline") -> str:
        return f'<a href="{html.escape(n.track(url))}" target="_blank" style="{style}">{html.escape(label)}</a>'

    rows = []
    if n.online:
        rows.append(
            '<tr><td align="center" style="padding:8px;font-family:Arial,sans-serif;font-size:11px;color:#777777">'
            f"{html.escape(n.label('online'))} {a(n.label('online_link'), n.online, 'color:#777777')}</td></tr>"
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
            f'<div style="padding-top:6px;font-size:13px">{a(n.label("more"), url)}</div>'
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
        f'<a href="{html.escape(n.unsubscribe)}" style="color:#888888">{html.escape(n.label("unsubscribe"))}</a></td></tr>'
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
        out += [f"{n.label('online_link')} : {n.track(n.online)}", ""]
    for heading, summary, url in n.items:
        out += [heading.upper(), summary, f"{n.label('more')} : {n.track(url)}", ""]
    for f in n.footer:
        out.append(plain(f))
    out += ["", f"{n.label('unsubscribe')} : {n.unsubscribe}"]
    return "\n".join(out) + "\n"


def newsletter_body(n: Newsletter, style: str, cte: str = "quoted-printable") -> bytes:
    return alt(newsletter_text(n), newsletter_html(n), style, cte)


def brevo_track(seed: str, host: str = "r.sendibm4.com") -> Callable[[str], str]:
    """Brevo click tracking (``host``: the account's tracking host)."""

    def track(url: str) -> str:
        return f"https://{host}/mk/cl/f/sh/{tok(seed + url, 26, ALNUM)}/{tok(seed + url + 'b', 12, ALNUM)}"

    return track


def mailjet_track(seed: str, host: str = "mjt.lu") -> Callable[[str], str]:
    """Mailjet click tracking (``host``: the account's subdomain of mjt.lu)."""

    def track(url: str) -> str:
        dest = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
        return f"https://{host}/lnk/AVkAAF{tok(seed + url, 40, ALNUM + '-_')}/{num(seed + url, 1, 30)}/{tok(seed + url + 'k', 22, ALNUM + '-_')}/{dest}"

    return track


def mailchimp_track(seed: str, account: str, dc: str = "us21") -> Callable[[str], str]:
    """Mailchimp click tracking through ``account``.``dc``.list-manage.com."""
    u, e = tok(seed + "u", 25, HEX), tok(seed + "e", 10, HEX)

    def track(url: str) -> str:
        return f"https://{account}.{dc}.list-manage.com/track/click?u={u}&id={tok(seed + url, 10, HEX)}&e={e}"

    return track


def utm(campaign: str, source: str = "newsletter") -> Callable[[str], str]:
    def track(url: str) -> str:
        sep = "&" if "?" in url else "?"
        return f"{url}{sep}utm_source={source}&utm_medium=email&utm_campaign={campaign}"

    return track


def redirect_track(prefix: str, seed: str) -> Callable[[str], str]:
    """Click tracking by a sending tool's own redirector: ``prefix`` + an opaque token and
    the destination, URL-encoded (as Sarbacane, Dolist or Sendinblue's custom domains do)."""

    def track(url: str) -> str:
        return f"{prefix}{tok(seed + url, 18, ALNUM)}?url={quote(url, safe='')}"

    return track


# --- Legitimate --------------------------------------------------------------------------
