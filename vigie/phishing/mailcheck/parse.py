"""Bounded, offline parsing of an ``.eml`` file.

The standard library parses (``email`` with ``policy.default``); this module bounds what it is
given and what is walked: total size, header size, MIME depth, number of parts, text scanned and
time. Attachments are only looked at: name, declared type, size, SHA-256, first bytes, and for
ZIP archives the central directory (bounded reads, never decompressed); the macros of Office
files are read, never run, by ``macros.py`` (oletools, bounded).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import struct
from dataclasses import dataclass, field, replace
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import urljoin

from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.macros import MacroReport, read_macros

__all__ = ["Attachment", "Link", "ParsedMail", "detect_magic", "parse_eml", "zip_entries"]

# Strict: no line-length folding games, defects recorded rather than raised, unknown headers kept.
POLICY = policy.default.clone(raise_on_defect=False, max_line_length=None)
_FEED_CHUNK = 64 * 1024
_PARSE_SHARE = 0.5  # of the time budget, for the standard library's parser
_WALK_SHARE = 0.75  # … and for walking the parts
_BOUNDARY_LINES_PER_PART = 4  # "--boundary" lines allowed per part before the input is cut
_HEADER_VALUE_CHARS = 4096  # a header value parsed beyond this is cut
_URL_IN_TEXT = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """No lone surrogates (undecodable bytes) and no control characters."""
    return _CONTROL.sub("", _SURROGATES.sub("\ufffd", text))


@dataclass(frozen=True)
class Link:
    """A link found in the message: never followed."""

    href: str
    text: str
    from_html: bool


@dataclass(frozen=True)
class Attachment:
    """An attachment, as seen from outside: never executed, rendered or extracted."""

    filename: str
    declared_type: str
    size: int
    sha256: str
    magic: str
    zip_entries: list[str] | None = None
    zip_encrypted: bool = False
    has_macros: bool = False
    active_pdf: bool = False
    zip_truncated: bool = False  # the listing stopped at the limit: more entries, unknown
    macros: MacroReport | None = None  # an Office file's macros as oletools read them


@dataclass
class ParsedMail:
    """What the analyser needs from a message."""

    from_address: str = ""
    from_display: str = ""
    reply_to: list[str] = field(default_factory=list)
    return_path: str = ""
    # The mailbox names (before the « @ ») of From and Return-Path as written, case kept:
    # « xunIqVya » is a program's, « jean.dupont » a person's.
    from_mailbox: str = ""
    return_path_mailbox: str = ""
    subject: str = ""
    date: str = ""
    authentication_results: list[str] = field(default_factory=list)
    received_spf: list[str] = field(default_factory=list)
    received: int = 0
    to_addresses: list[str] = field(default_factory=list)
    # Mailing-list and bulk-mail headers (RFC 2369, 2919): how legitimate lists and newsletters
    # announce themselves.
    list_id: str = ""
    list_unsubscribe: bool = False
    text: str = ""
    links: list[Link] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    truncated: bool = False
    oversized: bool = False
    size: int = 0
    parts: int = 0
    forms: int = 0  # input fields asking for a secret (password, card number, code)
    hidden: int = 0  # styles that hide text far out of view (see HIDDEN_STYLE)
    images: list[bytes] = field(default_factory=list)  # pictures, inline or attached (QR codes)
    scripts: int = 0
    forwarded: bool = False
    # A forwarded message inside: the wrapper's own headers (its content is this message's),
    # judged too (``verdict.analyse``); the inner message's authentication results are claims
    # written inside a file, never proof.
    wrapper: ParsedMail | None = None
    auth_untrusted: bool = False

    def defect(self, code: str, *, truncating: bool = False) -> None:
        if code not in self.defects:
            self.defects.append(code)
        if truncating:
            self.truncated = True


# --- HTML --------------------------------------------------------------------------------


class _HtmlScanner(HTMLParser):
    """Visible text and links of an HTML body. Fetches nothing, runs nothing."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template"})
    _INLINE = frozenset({"b", "i", "u", "em", "strong", "span", "font", "small", "sup", "sub"})
    _BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"})

    def __init__(self, max_links: int) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.links: list[Link] = []
        self.forms = 0
        self.scripts = 0
        self.hidden = 0  # styles that push text out of view (filter evasion)
        self._style = False
        self._skip = 0
        self._href: str | None = None
        self._anchor: list[str] = []
        self._max_links = max_links
        self.links_cut = False  # more links than max_links: the others were not read
        self._base = ""  # <base href>: what relative links resolve against

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if HIDDEN_STYLE.search(values.get("style", "")):
            self.hidden += 1
        if tag in self._SKIP:
            self._skip += 1
            if tag == "script":
                self.scripts += 1
            self._style = tag == "style"
        elif tag in self._BLOCK:
            self.chunks.append("\n")
        elif tag not in self._INLINE:
            self.chunks.append(" ")
        if tag == "base" and values.get("href") and not self._base:
            self._base = values["href"].strip()
        if tag == "a" and values.get("href"):
            self._close_anchor()
            self._href = values["href"].strip()
            self._anchor = []
        elif tag == "area" and values.get("href"):
            self._add_link(values["href"].strip(), values.get("alt", ""))
        elif tag == "form":
            if values.get("action"):
                self._add_link(values["action"].strip(), "")
        elif tag == "input" and _asks_secret(values):
            self.forms += 1  # a field for a password, a card number, a code…
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            target = re.search(r"(?i)url\s*=\s*['\"]?([^'\" ]+)", values.get("content", ""))
            if target:
                self._add_link(target.group(1), "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:  # <script/> opens nothing
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._INLINE:
            self.chunks.append(" ")
            if self._href is not None:
                self._anchor.append(" ")
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "a":
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if self._skip:
            if self._style and HIDDEN_STYLE.search(data[:20000]):
                self.hidden += 1
            return
        self.chunks.append(data)
        if self._href is not None:
            self._anchor.append(data)

    def close(self) -> None:
        super().close()
        self._close_anchor()

    def _close_anchor(self) -> None:
        if self._href is not None:
            self._add_link(self._href, " ".join("".join(self._anchor).split()))
        self._href = None
        self._anchor = []

    def _add_link(self, href: str, text: str) -> None:
        if self._base and not _SCHEME.match(href):
            with contextlib.suppress(ValueError):
                href = urljoin(self._base, href)  # <base href="https://pirate/"> + "login"
        if len(self.links) < self._max_links:
            self.links.append(Link(clean_text(href[:2048]), clean_text(text[:500]), True))
        else:
            self.links_cut = True


MAX_IMAGES = 5  # pictures looked at for a QR code
MAX_IMAGE_BYTES = 5 * 1024 * 1024

# Text pushed thousands of pixels away, or shrunk to nothing: a message padded to fool filters.
HIDDEN_STYLE = re.compile(
    r"(?:margin(?:-top|-left)?|height|top|left|text-indent)\s*:\s*-?\d{4,}\s*(?:px|vh|vw|em)|"
    r"font-size\s*:\s*0(?:px|pt|em)?\s*(?:[;}'\"]|$)",
    re.IGNORECASE,
)
_SECRET_FIELD = re.compile(
    r"pass|pwd|mdp|mot.?de.?passe|card|carte|cvv|cvc|crypto|iban|otp|pin\b|ssn|secu|"
    r"expir|code",
    re.IGNORECASE,
)


def _asks_secret(values: dict[str, str]) -> bool:
    """An input field for a secret: a password field, or one named for a card, a code…"""
    kind = values.get("type", "text").lower()
    if kind == "password":
        return True
    if kind not in ("text", "tel", "number", ""):
        return False
    named = " ".join(values.get(key, "") for key in ("name", "id", "placeholder", "autocomplete"))
    return bool(_SECRET_FIELD.search(named))


# HTMLParser is quadratic on unterminated constructs ("<a<a<a…", "<!--<!--…", "<![CDATA[…",
# "<?<?…"). Comments, declarations and processing instructions are removed first, linearly, and
# a "<" that does not open a complete tag before the next "<" becomes text.
_DECLARATION = re.compile(r"<[!?][^<>]*>")
_DANGLING_LT = re.compile(r"<(?=[!?])|<(?![^<>]*>)")


def _sanitise_html(html: str) -> str:
    kept: list[str] = []
    pos = 0
    while True:
        start = html.find("<!--", pos)
        if start < 0:
            kept.append(html[pos:])
            break
        kept.append(html[pos:start])
        end = html.find("-->", start + 4)
        if end < 0:
            break  # an unterminated comment runs to the end, as in browsers
        pos = end + 3
    return _DANGLING_LT.sub("&lt;", _DECLARATION.sub("", "".join(kept)))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def html_text_and_links(html: str, max_links: int) -> tuple[str, list[Link], int, int, int, bool]:
    """Visible text, links (relative ones resolved against ``<base href>``), fields asking for
    a secret, scripts, hiding styles, and whether links were left unread past ``max_links``."""
    scanner = _HtmlScanner(max_links)
    try:
        scanner.feed(_sanitise_html(html))
        scanner.close()
    except Exception:  # a malformed document keeps what was read
        pass
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(scanner.chunks))
    text = re.sub(r"\n\s*\n+", "\n", text)
    return text, scanner.links, scanner.forms, scanner.scripts, scanner.hidden, scanner.links_cut


def text_links(text: str, max_links: int) -> list[Link]:
    links = []
    for match in _URL_IN_TEXT.finditer(text):
        href = match.group(0).rstrip(".,;:!?)»")
        links.append(Link(href, "", False))
        if len(links) >= max_links:
            break
    return links


# --- Attachments -------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "pe"),
    (b"\x7fELF", "elf"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xfe\xed\xfa\xcf", "macho"),
    (b"\xca\xfe\xba\xbe", "macho"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"%PDF", "pdf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"MSCF", "cab"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "lnk"),
    (b"{\\rtf", "rtf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"#!", "script"),
    (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d", "onenote"),
)
_HTML_START = re.compile(rb"(?i)^\s*(?:<!doctype\s+html|<html|<head|<body|<script|<svg|<\?xml)")


def detect_magic(data: bytes) -> str:
    """The kind of file its first bytes say it is ("" when unknown)."""
    head = data[:64]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    for prefix, kind in _MAGIC:
        if head.startswith(prefix):
            return kind
    if len(data) > 0x8006 and data[0x8001:0x8006] == b"CD001":
        return "iso"
    if _HTML_START.match(head):
        return "svg" if b"<svg" in data[:1024].lower() else "html"
    return ""


def zip_entries(data: bytes, limits: Limits) -> tuple[list[str], bool, bool] | None:
    """Names in a ZIP central directory (bounded), whether any is encrypted, whether truncated.

    Reads only the end-of-central-directory record and at most ``max_zip_central_dir_bytes`` of
    the central directory; never decompresses anything.
    """
    tail_start = max(0, len(data) - (65535 + 22))
    eocd = data.rfind(b"PK\x05\x06", tail_start)
    if eocd < 0 or eocd + 22 > len(data):
        return None
    _, _, _, _, total, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", data[eocd : eocd + 22])
    if cd_offset >= len(data):  # self-extracting or prefixed archive: the directory is before EOCD
        cd_offset = max(0, eocd - cd_size)
    truncated = cd_size > limits.max_zip_central_dir_bytes or total > limits.max_zip_entries
    end = min(cd_offset + min(cd_size, limits.max_zip_central_dir_bytes), len(data))
    names: list[str] = []
    encrypted = False
    pos = cd_offset
    while pos + 46 <= end and len(names) < limits.max_zip_entries:
        if data[pos : pos + 4] != b"PK\x01\x02":
            break
        flags = struct.unpack("<H", data[pos + 8 : pos + 10])[0]
        name_len, extra_len, comment_len = struct.unpack("<3H", data[pos + 28 : pos + 34])
        raw_name = data[pos + 46 : pos + 46 + min(name_len, 1024)]
        encoding = "utf-8" if flags & 0x800 else "cp437"
        names.append(clean_text(raw_name.decode(encoding, errors="replace")))
        encrypted = encrypted or bool(flags & 0x1)
        pos += 46 + name_len + extra_len + comment_len
    return names, encrypted, truncated


_OLE_MACRO_MARKERS = (
    b"_VBA_PROJECT",
    "_VBA_PROJECT".encode("utf-16-le"),
    b"VBA\x00",
    "Macros".encode("utf-16-le"),
)
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFile|OpenAction\s*<<[^>]*?/S\s*/(?:JavaScript|Launch))\b"
)


def describe_attachment(
    filename: str,
    declared_type: str,
    payload: bytes,
    limits: Limits,
    deadline: Deadline | None = None,
) -> Attachment:
    magic = detect_magic(payload)
    entries: list[str] | None = None
    encrypted = macros = active_pdf = zip_cut = False
    if magic == "zip":
        result = zip_entries(payload, limits)
        if result is not None:
            entries, encrypted, zip_cut = result
            macros = any(name.lower().endswith("vbaproject.bin") for name in entries)
    elif magic == "ole":
        macros = any(marker in payload for marker in _OLE_MACRO_MARKERS)
    elif magic == "pdf":
        active_pdf = _PDF_ACTIVE.search(payload) is not None
    report = None
    if deadline is not None:
        report = read_macros(payload, magic, entries, limits, deadline)
        macros = macros or (report is not None and report.found)
    return Attachment(
        filename=clean_text(filename)[:255],
        declared_type=declared_type,
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        magic=magic,
        zip_entries=entries,
        zip_encrypted=encrypted,
        has_macros=macros,
        active_pdf=active_pdf,
        zip_truncated=zip_cut,
        macros=report,
    )


# --- Headers -----------------------------------------------------------------------------


def _split_headers(data: bytes) -> tuple[bytes, bytes]:
    """Header block and body (the body keeps nothing of the blank line)."""
    candidates = [
        (pos, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (pos := data.find(sep)) != -1
    ]
    if not candidates:
        return data, b""
    pos, length = min(candidates)
    return data[:pos], data[pos + length :]


_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _header(name: str, raw: str) -> object | None:
    # Unfolded first (RFC 5322 § 2.2.3): the strict address parser rejects a folded value.
    value = _FOLD.sub("", raw[:_HEADER_VALUE_CHARS])
    try:
        parsed: object = POLICY.header_factory(name, value)
        return parsed
    except Exception:
        return None


def _header_str(name: str, raw: str) -> str:
    parsed = _header(name, raw)
    text = str(parsed) if parsed is not None else raw
    return clean_text(" ".join(text.split()))[:1000]


def _addresses(name: str, raw: str, mail: ParsedMail) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header; malformed ones are recorded."""
    parsed = _header(name, raw)
    pairs: list[tuple[str, str]] = []
    addresses = getattr(parsed, "addresses", None)
    if parsed is None or addresses is None:
        mail.defect(f"bad_{name.lower()}")
        return pairs
    if getattr(parsed, "defects", None):
        mail.defect(f"bad_{name.lower()}")
    try:
        for address in addresses:
            spec = clean_text(address.addr_spec).strip().lower()
            if "@" not in spec or spec.startswith("@") or spec.endswith("@"):
                mail.defect(f"bad_{name.lower()}")
                spec = ""
            pairs.append((clean_text(address.display_name or "").strip(), spec))
    except Exception:
        mail.defect(f"bad_{name.lower()}")
    return pairs


_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s]*@[^<>\s]*)\s*>")
_BARE_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def _lenient_from(raw: str) -> tuple[str, str]:
    """(display name, address) of a From header the strict parser refuses: the last address
    in angle brackets (or the last bare one), and the words before it as the display name."""
    value = str(_header("Subject", raw) or raw)  # encoded words decoded, nothing else
    value = clean_text(" ".join(value.split()))[:1000]
    angles = list(_ANGLE_ADDRESS.finditer(value))
    if angles:
        match = angles[-1]
        display = value[: match.start()].strip().strip('"').strip()
        address = match.group(1).strip().lower()
    else:
        bare = _BARE_ADDRESS.findall(value)
        address = bare[-1].lower() if bare else ""
        display = value.replace(bare[-1], "") if bare else value
        display = re.sub(r"<[^<>]*>", "", display).strip().strip('"').strip()
    if address.startswith("@") or address.endswith("@"):
        address = ""
    return display, address


def _as_written(address: str, raw: str) -> str:
    """The mailbox name of ``address`` (lower case) as the header ``raw`` writes it."""
    local = address.rpartition("@")[0]
    start = raw.lower().find(address) if local else -1
    return raw[start : start + len(local)] if start >= 0 else local


def _read_headers(items: list[tuple[str, str]], mail: ParsedMail) -> None:
    for name, value in items:
        key = name.strip().lower()
        raw = value if isinstance(value, str) else str(value)
        if key == "from" and not mail.from_address and not mail.from_display:
            pairs = _addresses("From", raw, mail)
            if len(pairs) != 1 or not pairs[0][1]:
                # « Service, Client <a@b> » (a comma unquoted) or an empty address: recorded,
                # then read as a mail client shows it (the last address, the words before).
                mail.defect("from_count")
                pairs = [_lenient_from(raw)]
            if pairs:
                mail.from_display, mail.from_address = pairs[0]
                mail.from_mailbox = _as_written(mail.from_address, raw)
        elif key == "reply-to" and not mail.reply_to:
            mail.reply_to = [spec for _, spec in _addresses("Reply-To", raw, mail) if spec][:10]
        elif key == "return-path" and not mail.return_path:
            mail.return_path = clean_text(raw.strip().strip("<>").strip().lower())[:500]
            mail.return_path_mailbox = _as_written(mail.return_path, raw)
        elif key == "subject" and not mail.subject:
            mail.subject = _header_str("Subject", raw)
        elif key == "date" and not mail.date:
            mail.date = clean_text(raw.strip())[:200]
        elif key == "authentication-results" and len(mail.authentication_results) < 20:
            mail.authentication_results.append(_header_str("Authentication-Results", raw)[:2000])
        elif key in ("to", "cc", "delivered-to", "x-original-to") and len(mail.to_addresses) < 10:
            header = {"cc": "Cc", "to": "To"}.get(key, "To")
            found = [spec for _, spec in _addresses(header, raw, ParsedMail()) if spec]
            mail.to_addresses += [a for a in found if a not in mail.to_addresses][:10]
        elif key == "list-id" and not mail.list_id:
            mail.list_id = _header_str("List-Id", raw)[:300]
        elif key == "list-unsubscribe":
            mail.list_unsubscribe = True
        elif key == "received-spf" and len(mail.received_spf) < 20:
            mail.received_spf.append(clean_text(" ".join(raw.split()))[:500])
        elif key == "received":
            mail.received += 1


# --- Parsing -----------------------------------------------------------------------------


def _decode(payload: bytes, part: Message, limit: int) -> str:
    charset = "utf-8"
    with contextlib.suppress(Exception):
        charset = part.get_content_charset() or "utf-8"
    chunk = payload[: limit * 4]
    try:
        text = chunk.decode(charset, errors="replace")
    except (LookupError, ValueError):
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            text = chunk.decode("cp1252", errors="replace")
    return clean_text(text[:limit])


def _feed(data: bytes, mail: ParsedMail, deadline: Deadline) -> Message | None:
    parser = BytesFeedParser(policy=POLICY)
    try:
        for start in range(0, len(data), _FEED_CHUNK):
            if deadline.expired(_PARSE_SHARE):
                mail.defect("time_budget", truncating=True)
                break
            parser.feed(data[start : start + _FEED_CHUNK])
        message: Message = parser.close()
        return message
    except (Exception, RecursionError):
        mail.defect("parse_error", truncating=True)
        return None


def _walk(root: Message, mail: ParsedMail, limits: Limits, deadline: Deadline) -> Message | None:
    """Collect text, links and attachments; returns a forwarded inner message, if any."""
    stack: list[tuple[Message, int]] = [(root, 0)]
    text_budget = limits.max_text_chars
    texts: list[str] = []
    inner: Message | None = None
    while stack:
        if deadline.expired(_WALK_SHARE):
            mail.defect("time_budget", truncating=True)
            break
        part, depth = stack.pop()
        mail.parts += 1
        if mail.parts > limits.max_parts:
            mail.defect("too_many_parts", truncating=True)
            break
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "application/octet-stream"
        if part.is_multipart():
            payload = part.get_payload()
            children = (
                [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
            )
            if depth >= limits.max_depth:
                mail.defect("too_deep", truncating=True)
                continue
            if ctype == "message/rfc822" and inner is None and depth <= 2 and children:
                inner = children[0]
            stack.extend((child, depth + 1) for child in reversed(children[: limits.max_parts]))
            continue
        try:
            filename = part.get_filename() or ""
        except Exception:
            filename = ""
            mail.defect("bad_filename")
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            disposition = ""
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
            mail.defect("bad_payload")
        if not isinstance(payload, bytes):
            payload = b""
        is_attachment = bool(filename) or disposition == "attachment"
        if not is_attachment and ctype in ("text/plain", "text/html") and text_budget > 0:
            text = _decode(payload, part, text_budget)
            if ctype == "text/html":
                text, links, forms, scripts, hidden, cut = html_text_and_links(
                    text, limits.max_links - len(mail.links)
                )
                mail.links.extend(links)
                mail.forms += forms
                mail.scripts += scripts
                mail.hidden += hidden
                if cut:
                    mail.defect("too_many_links", truncating=True)
            else:
                found = text_links(text, limits.max_links - len(mail.links) + 1)
                if len(mail.links) + len(found) > limits.max_links:
                    mail.defect("too_many_links", truncating=True)
                mail.links.extend(found[: max(0, limits.max_links - len(mail.links))])
            text_budget -= len(text)
            texts.append(text)
            if text_budget <= 0:
                mail.defect("text_truncated", truncating=True)
        elif is_attachment or not ctype.startswith("text/"):
            picture = ctype.startswith("image/") and len(payload) <= MAX_IMAGE_BYTES
            if picture and len(mail.images) < MAX_IMAGES:
                mail.images.append(payload)  # looked at for QR codes only
            if ctype.startswith("image/") and not filename:
                continue  # inline pictures of a newsletter
            attachment = describe_attachment(filename, ctype, payload, limits, deadline)
            if attachment.zip_truncated:
                mail.defect("zip_truncated", truncating=True)
            if attachment.macros is not None and attachment.macros.unknown == "time":
                mail.defect("time_budget", truncating=True)
            if attachment.macros is not None and attachment.macros.truncated:
                mail.defect("macro_truncated", truncating=True)
            mail.attachments.append(attachment)
    mail.text = "\n".join(texts)
    return inner


def parse_eml(
    data: bytes, limits: Limits | None = None, deadline: Deadline | None = None
) -> ParsedMail:
    """Parse ``data`` within ``limits``; never raises for any input."""
    limits = limits or Limits()
    deadline = deadline or Deadline(limits.max_seconds)
    mail = ParsedMail(size=len(data))
    try:
        _parse(data, mail, limits, deadline)
    except (Exception, RecursionError):
        mail.defect("parse_error", truncating=True)
    return mail


def _cut_boundaries(body: bytes, max_lines: int, mail: ParsedMail) -> bytes:
    """Cut a body holding more MIME delimiter lines than a sane message (bounds the parser's
    work on thousands of parts or deep nesting: its cost grows with lines × nesting)."""
    pos = -1
    for _ in range(max_lines):
        pos = body.find(b"\n--", pos + 1)
        if pos < 0:
            return body
    mail.defect("too_many_parts", truncating=True)
    return body[:pos]


def _parse(data: bytes, mail: ParsedMail, limits: Limits, deadline: Deadline) -> None:
    headers, body = _split_headers(
        data[: limits.max_header_bytes * 2] if len(data) > limits.max_bytes else data
    )
    if len(headers) > limits.max_header_bytes:
        cut = headers.rfind(b"\n", 0, limits.max_header_bytes)
        headers = headers[: max(cut, 0)]
        mail.defect("headers_truncated", truncating=True)
    if len(data) > limits.max_bytes:
        mail.oversized = True
        mail.defect("too_large", truncating=True)
        message = _feed(headers + b"\n\n", mail, deadline)
        if message is not None:
            _read_headers(list(message.raw_items()), mail)
        return
    body = _cut_boundaries(body, limits.max_parts * _BOUNDARY_LINES_PER_PART, mail)
    message = _feed(headers + b"\n\n" + body, mail, deadline)
    if message is None:
        message = _feed(headers + b"\n\n", mail, deadline)
        if message is None:
            return
    _read_headers(list(message.raw_items()), mail)
    inner = _walk(message, mail, limits, deadline)
    if inner is not None:
        # A message forwarded as an attachment: its headers are judged, and the wrapper's too
        # (a wrapper never lowers a verdict).
        outer_received = mail.received
        forwarded = ParsedMail()
        _read_headers(list(inner.raw_items()), forwarded)
        if forwarded.from_address or forwarded.from_display:
            mail.wrapper = replace(mail, defects=list(mail.defects))
            mail.from_address, mail.from_display = forwarded.from_address, forwarded.from_display
            mail.reply_to, mail.return_path = forwarded.reply_to, forwarded.return_path
            mail.from_mailbox = forwarded.from_mailbox
            mail.return_path_mailbox = forwarded.return_path_mailbox
            mail.subject, mail.date = forwarded.subject or mail.subject, forwarded.date
            mail.authentication_results = forwarded.authentication_results
            mail.received_spf = forwarded.received_spf
            mail.received = forwarded.received or outer_received
            mail.list_id, mail.list_unsubscribe = forwarded.list_id, forwarded.list_unsubscribe
            mail.to_addresses = forwarded.to_addresses or mail.to_addresses
            mail.forwarded = True
            mail.auth_untrusted = True
        for code in forwarded.defects:
            mail.defect(code)
