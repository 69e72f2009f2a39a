"""A suspicious e-mail pasted as text (or forwarded in a chat) instead of sent as an ``.eml``.

``looks_like_email`` tells a pasted message from a question; ``text_to_eml`` rebuilds an RFC 5322
message from what a mail client shows (« De : », « Objet : », « From: »… lines, or the sender's
line of a reading pane), so that ``analyse_text`` judges it like a file. What a paste cannot
carry (authentication results, attachments, link targets hidden behind their text) is simply
absent: it never counts against the message.
"""

from __future__ import annotations

import email.utils
import html
import logging
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage

from vigie.core.typography import NBSP
from vigie.phishing.mailcheck.limits import Limits
from vigie.phishing.mailcheck.texts import NO_SIGNAL
from vigie.phishing.mailcheck.trusted import DEFAULT_TRUSTED_DOMAINS
from vigie.phishing.mailcheck.verdict import MAX_REASONS, Analysis, analyse, verdict_for

__all__ = [
    "MAX_TEXT_CHARS",
    "PASTED_LIMITS",
    "PASTED_NO_SIGNAL",
    "PastedMail",
    "analyse_text",
    "has_address",
    "has_link",
    "looks_like_email",
    "read_pasted",
    "sender_address",
    "set_headers",
    "text_to_eml",
    "without",
]

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 200_000
_MAX_LINES = 5000  # lines looked at for header lines
_MAX_FIELD_CHARS = 500
_READING_PANE_LINES = 10  # first non-empty lines where a bare « Nom <adresse> » is the sender

# Labels of the header lines mail clients show, normalised (lower case, no accents).
_LABELS: dict[str, str] = {
    **dict.fromkeys(
        ("de", "from", "expediteur", "envoye par", "de la part de", "sender", "emetteur"), "from"
    ),
    **dict.fromkeys(
        ("repondre a", "reply-to", "reply to", "adresse de reponse", "reponse a"), "reply_to"
    ),
    **dict.fromkeys(("objet", "subject", "sujet"), "subject"),
    **dict.fromkeys(("date", "envoye", "envoye le", "sent", "recu le"), "date"),
    **dict.fromkeys(("a", "to", "pour", "destinataire", "destinataires"), "to"),
    **dict.fromkeys(("cc", "cci", "bcc", "copie a"), "cc"),
}
_HEADER_LINE = re.compile(
    r"^[ \t>*_]*(?P<label>[^\W\d_]{1,20}(?:[ '-][^\W\d_]{1,12}){0,3})"
    r"[ \t\u00a0\u202f*_]*[:\uff1a](?P<value>.*)$"
)
_FORWARD_MARKER = re.compile(
    r"(?im)^[ \t>*_-]*(?:-{2,}[ \t]*(?:message d.origine|original message|forwarded message|"
    r"message transfere|message reexpedie|message d.origine transfere)[ \t]*-{2,}|"
    r"debut du message reexpedie|begin forwarded message|"
    r"-{2,}[ \t]*(?:message transfere|forwarded message)\b)"
)
_SEPARATOR = re.compile(r"^[ \t]*_{10,}[ \t]*$")  # the line new Outlook puts before « De : »
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?:[\w-]{1,63}\.){1,8}[\w-]{2,63}")
_ANGLE_ADDRESS = re.compile(r"<\s*(?:mailto:)?([^<>\s]+@[^<>\s]+?)\s*>")
_MAILTO_ADDRESS = re.compile(r"\[\s*mailto:\s*([^\[\]\s]+@[^\[\]\s]+?)\s*\]", re.IGNORECASE)
_LINK = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']{2,}")
# Outlook's plain text keeps a link as « texte <https://cible> »: the text and its target.
_BRACKETED_LINK = re.compile(r"(?i)<((?:https?://|www\.)[^<>\s]{1,2048})>")
_ANCHOR_CHARS = 300
_SENDER_LINE = re.compile(r"^[ \t\"']*([^<>@\n]{0,80}?)[ \t\"']*<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$")
_CHROME = re.compile(
    r"(?i)[<‹«\s]*(?:bo[iî]te de r[ée]ception|inbox|externe|external|messages?|courrier)?[\s>›»]*"
)
_INBOX_SUFFIX = re.compile(r"(?i)[ \t]+(?:bo[iî]te de r[ée]ception|inbox|externe|external)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")

# A paste shows neither the attachments nor where a link really leads: said with a reassuring
# verdict, so that nobody takes it for more than it is.
PASTED_NO_SIGNAL = (
    "Aucun des signes habituels d’hameçonnage n’a été repéré dans le texte copié, mais un "
    f"copier-coller ne montre ni les pièces jointes ni la vraie adresse des liens{NBSP}: en cas de "
    "doute, transférez le mail en pièce jointe."
)
PASTED_LIMITS = (
    f"Un copier-coller ne montre ni les pièces jointes ni la vraie adresse des liens{NBSP}: en cas "
    "de doute, transférez le mail en pièce jointe."
)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("janvier", "janv", "january", "jan"),
            ("fevrier", "fevr", "fev", "february", "feb"),
            ("mars", "march", "mar"),
            ("avril", "avr", "april", "apr"),
            ("mai", "may"),
            ("juin", "june", "jun"),
            ("juillet", "juil", "july", "jul"),
            ("aout", "august", "aug"),
            ("septembre", "sept", "september", "sep"),
            ("octobre", "oct", "october"),
            ("novembre", "nov", "november"),
            ("decembre", "dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:er)?\.? ([a-z]{3,9})\.? (\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([a-z]{3,9})\.? (\d{1,2}),? (\d{4})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_TIME = re.compile(r"\b(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*(am|pm)?\b")


@dataclass
class PastedMail:
    """What was read from a pasted e-mail: header values (raw text) and the body."""

    sender: str = ""  # the From line's value
    reply_to: str = ""
    subject: str = ""
    date: str = ""
    to: str = ""
    body: str = ""
    header_kinds: set[str] = field(default_factory=set)


@dataclass
class _Block:
    start: int
    end: int  # index after the last line
    values: dict[str, str]
    after_marker: bool


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _clean(text: str) -> str:
    text = _SURROGATES.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


def _header(line: str) -> tuple[str, str] | None:
    """(kind, value) of a header line as mail clients show it (« Objet : … »), if it is one."""
    if len(line) > 2000:
        return None
    match = _HEADER_LINE.match(line)
    if match is None:
        return None
    label = " ".join(_normalise(match.group("label")).replace("\u00a0", " ").split())
    kind = _LABELS.get(label)
    value = match.group("value").strip(" \t\u00a0\u202f*_")[:_MAX_FIELD_CHARS]
    if kind is None or (not value and kind != "subject"):
        return None
    return kind, value


def _blocks(lines: list[str]) -> list[_Block]:
    """Runs of header lines (single blank lines allowed inside: copies from HTML double-space)."""
    blocks: list[_Block] = []
    marker_seen = False
    current: _Block | None = None
    blank_run = 0
    for index, line in enumerate(lines):
        header = _header(line)
        if header is not None:
            if current is None:
                current = _Block(index, index + 1, {}, marker_seen)
            kind, value = header
            current.values.setdefault(kind, value)
            current.end = index + 1
            blank_run = 0
            continue
        if not line.strip() and current is not None and blank_run == 0:
            blank_run = 1
            continue
        if current is not None:
            blocks.append(current)
            current = None
        blank_run = 0
        if _FORWARD_MARKER.match(_normalise(line)) or _SEPARATOR.match(line):
            marker_seen = True
    if current is not None:
        blocks.append(current)
    return [b for b in blocks if "from" in b.values or "subject" in b.values]


def _chosen_block(blocks: list[_Block]) -> _Block | None:
    """The forwarded message's headers (the last block after a forward marker), else the
    first block."""
    forwarded = [b for b in blocks if b.after_marker]
    if forwarded:
        return forwarded[-1]
    return blocks[0] if blocks else None


def _reading_pane(lines: list[str], mail: PastedMail) -> set[int]:
    """A copy of a reading pane: the subject line, then « Nom <adresse> » on a line of its own.
    Returns the indexes of the lines used."""
    seen: list[int] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen.append(index)
        if len(seen) > _READING_PANE_LINES:
            return set()
        if len(line) <= _MAX_FIELD_CHARS and _SENDER_LINE.match(line.strip()):
            mail.sender = line.strip()[:_MAX_FIELD_CHARS]
            used = {index}
            # The subject: the nearest line above that is not the mail app's own (« ‹ Boîte de
            # réception », « Externe »), as on a screenshot of a phone.
            for above in reversed(seen[:-1]):
                subject = _INBOX_SUFFIX.sub("", lines[above].strip())
                if _CHROME.fullmatch(subject) or sum(c.isalnum() for c in subject) < 3:
                    continue
                mail.subject = subject[:_MAX_FIELD_CHARS]
                used.add(above)
                break
            return used
    return set()


def read_pasted(text: str) -> PastedMail:
    """The headers and body of a pasted e-mail (bounded; never raises on any text)."""
    lines = _clean(text[:MAX_TEXT_CHARS]).split("\n")
    scanned = lines[:_MAX_LINES]
    mail = PastedMail()
    block = _chosen_block(_blocks(scanned))
    used: set[int] = set()
    if block is not None:
        mail.sender = block.values.get("from", "")
        mail.reply_to = block.values.get("reply_to", "")
        mail.subject = block.values.get("subject", "")
        mail.date = block.values.get("date", "")
        mail.to = block.values.get("to", "")
        mail.header_kinds = set(block.values)
        used = set(range(block.start, block.end))
    if not _address_of(mail.sender)[1]:
        pane = PastedMail()
        pane_used = _reading_pane(scanned, pane)
        if pane_used:
            mail.sender = pane.sender
            mail.subject = mail.subject or pane.subject
            used |= pane_used
    mail.body = "\n".join(line for index, line in enumerate(lines) if index not in used).strip()
    return mail


def _header_kinds(text: str) -> set[str]:
    kinds: set[str] = set()
    for line in _clean(text[:MAX_TEXT_CHARS]).split("\n")[:_MAX_LINES]:
        header = _header(line)
        if header is not None:
            kinds.add(header[0])
            if header[0] == "from" and _ADDRESS.search(header[1]):
                kinds.add("from_address")
    return kinds


def looks_like_email(text: str) -> bool:
    """Whether a message is a pasted or forwarded e-mail rather than a question.

    True for a forward marker (« -----Message d'origine----- », « ---------- Forwarded
    message », « Début du message réexpédié »…), for mail header lines (« De : … <adresse> »,
    or two of « De », « Objet », « Envoyé », « À »… including « De » or « Objet »), and for a
    text holding both an e-mail address and a web link.
    """
    text = text[:MAX_TEXT_CHARS]
    if _FORWARD_MARKER.search(_normalise(text)):
        return True
    kinds = _header_kinds(text)
    if "from_address" in kinds:
        return True
    kinds.discard("from_address")
    if len(kinds) >= 2 and kinds & {"from", "subject"}:
        return True
    return has_address(text) and has_link(text)


def has_link(text: str) -> bool:
    """Whether the text holds a web link (``http(s)://…`` or ``www.…``)."""
    return _LINK.search(text[:MAX_TEXT_CHARS]) is not None


def has_address(text: str) -> bool:
    """Whether the text holds an e-mail address."""
    return _ADDRESS.search(text[:MAX_TEXT_CHARS]) is not None


# --- Rebuilding the message ----------------------------------------------------------------


def _address_of(value: str) -> tuple[str, str]:
    """(display name, address) of a « De : » value: « Nom <a@b> », « Nom [mailto:a@b] »,
    « a@b »…; the address is "" when there is none."""
    value = value.strip()
    for pattern in (_ANGLE_ADDRESS, _MAILTO_ADDRESS):
        matches = list(pattern.finditer(value))
        if matches:
            last = matches[-1]
            address = last.group(1)
            display = value[: last.start()] + value[last.end() :]
            return _display(display), address.strip(".,;").lower()
    found = _ADDRESS.search(value)
    if found is None:
        return _display(value), ""
    display = value[: found.start()] + value[found.end() :]
    return _display(display), found.group(0).strip(".,;").lower()


def _display(text: str) -> str:
    text = re.sub(r"(?i)\bmailto:", "", text)
    text = " ".join(text.replace("()", " ").replace("[]", " ").split())
    return text.strip(" \"'<>[](),;")[:200]


def _ascii_domain(domain: str) -> str:
    """Internationalised labels as punycode (``xn--…``), which the analyser recognises."""
    labels = []
    for label in domain.lower().split("."):
        if label.isascii():
            labels.append(label)
        else:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(labels)


def _address(display: str, address: str) -> Address | None:
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return None
    if not local.isascii():
        local = "xn--" + local.encode("punycode").decode("ascii")
    try:
        return Address(display_name=display, addr_spec=f"{local}@{_ascii_domain(domain)}")
    except (ValueError, IndexError, TypeError):
        try:
            return Address(addr_spec=f"{local}@{_ascii_domain(domain)}")
        except (ValueError, IndexError, TypeError):
            return None


def _addresses(value: str) -> list[Address]:
    found = []
    for match in _ADDRESS.finditer(value[:_MAX_FIELD_CHARS]):
        address = _address("", match.group(0).strip(".,;").lower())
        if address is not None:
            found.append(address)
        if len(found) >= 10:
            break
    return found


def _date(value: str) -> str:
    """An RFC 5322 date from what mail clients show (« mardi 3 mars 2026 02:24 »,
    « Tue, 3 Mar 2026 02:24:12 +0100 », « 03/03/2026 02:24 »); "" when not understood."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        return email.utils.format_datetime(parsed)
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    text = _normalise(value)
    day = month = year = None
    if match := _DAY_MONTH_YEAR.search(text):
        day, month, year = int(match[1]), _MONTHS.get(match[2]), int(match[3])
    elif match := _MONTH_DAY_YEAR.search(text):
        day, month, year = int(match[2]), _MONTHS.get(match[1]), int(match[3])
    elif match := _NUMERIC_DATE.search(text):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
    if day is None or month is None or year is None:
        return ""
    hour = minute = second = 0
    if clock := _TIME.search(text[match.end() :] if match else text):
        hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        if clock[4] == "pm" and hour < 12:
            hour += 12
        elif clock[4] == "am" and hour == 12:
            hour = 0
    try:
        return email.utils.format_datetime(datetime(year, month, day, hour, minute, second))
    except (ValueError, OverflowError):
        return ""


def _set(message: EmailMessage, name: str, value: object) -> None:
    """Set a header, leaving it out when the standard library refuses the value."""
    try:
        message[name] = value
    except (ValueError, TypeError, IndexError, AttributeError):
        if name in message:
            del message[name]


def _shown_before(body: str, end: int) -> int:
    """Where the word shown just before ``end`` starts (one space allowed before the link)."""
    stop = end
    if stop > 0 and body[stop - 1] in " \t":
        stop -= 1
    start = stop
    while start > 0 and stop - start < _ANCHOR_CHARS and not body[start - 1].isspace():
        start -= 1
    return start


def _html_with_anchors(body: str) -> str | None:
    """The body as HTML where « texte <https://cible> » becomes a link (the text shown and the
    real target, as in the original message); None when there is no such link."""
    parts: list[str] = []
    position = 0
    for match in _BRACKETED_LINK.finditer(body):
        start = max(_shown_before(body, match.start()), position)
        shown = body[start : match.start()].strip()
        if not shown:
            continue
        parts.append(html.escape(body[position:start]))
        parts.append(f'<a href="{html.escape(match.group(1))}">{html.escape(shown)}</a>')
        position = match.end()
    if not parts:
        return None
    parts.append(html.escape(body[position:]))
    return "<html><body><p>" + "".join(parts).replace("\n", "<br>\n") + "</p></body></html>"


def _message(mail: PastedMail) -> EmailMessage:
    message = EmailMessage(policy=policy.default)
    set_headers(message, mail)
    body = mail.body or " "
    message.set_content(body, subtype="plain", charset="utf-8")
    anchored = _html_with_anchors(body)
    if anchored is not None:
        message.add_alternative(anchored, subtype="html", charset="utf-8")
    return message


def sender_address(mail: PastedMail) -> str:
    """The address of the pasted From line ("" when there is none)."""
    return _address_of(mail.sender)[1]


def set_headers(message: EmailMessage, mail: PastedMail) -> None:
    """From, Reply-To, To, Subject and Date of ``message`` from what was read (values the
    standard library refuses are left out)."""
    display, address = _address_of(mail.sender)
    sender = _address(display, address) if address else None
    if sender is not None:
        _set(message, "From", sender)
    if mail.reply_to:
        _set(message, "Reply-To", _addresses(mail.reply_to))
    if mail.to:
        recipients = _addresses(mail.to)
        if recipients:
            _set(message, "To", recipients)
    if mail.subject:
        _set(message, "Subject", " ".join(mail.subject.split()))
    if mail.date and (date := _date(mail.date)):
        _set(message, "Date", date)


def text_to_eml(text: str) -> bytes:
    """An RFC 5322 message rebuilt from a pasted e-mail: From, Reply-To, To, Subject and Date
    from the header lines shown by mail clients (French or English, the forwarded message's
    when it is a forward), the rest as a text/plain body. Bounded; never raises."""
    return _eml(read_pasted(text))


def _eml(mail: PastedMail) -> bytes:
    try:
        return _message(mail).as_bytes()
    except Exception:  # a value the generator refuses: the body alone is still worth judging
        logger.warning("Pasted e-mail rebuilt without its headers")
        fallback = EmailMessage(policy=policy.default)
        fallback.set_content(_clean(mail.body) or " ", subtype="plain", charset="utf-8")
        return fallback.as_bytes()


def without(analysis: Analysis, codes: Collection[str]) -> Analysis:
    """The analysis without the signals of ``codes`` (score, verdict and reasons recomputed)."""
    signals = [s for s in analysis.signals if s.code not in codes]
    if len(signals) == len(analysis.signals):
        return analysis
    score = sum(s.weight for s in signals)
    reasons = [s.explanation_fr for s in signals if s.weight > 0][:MAX_REASONS] or [NO_SIGNAL]
    return replace(
        analysis, signals=signals, score=score, verdict=verdict_for(score), reasons=reasons
    )


def analyse_text(
    text: str,
    *,
    trusted: Collection[str] = DEFAULT_TRUSTED_DOMAINS,
    limits: Limits | None = None,
    reporters: Collection[str] = (),
    authserv_ids: Collection[str] = (),
) -> Analysis:
    """Analyse a pasted e-mail like an ``.eml`` file (offline, bounded, never raises).

    A paste without the sender's address is not held against the message: « adresse de
    l’expéditeur absente » is a fact about the paste, not about the e-mail.
    """
    mail = read_pasted(text)
    analysis = analyse(
        _eml(mail),
        trusted=trusted,
        limits=limits,
        reporters=reporters,
        authserv_ids=authserv_ids,
    )
    if not _address_of(mail.sender)[1]:
        analysis = without(analysis, {"bad_sender"})
    if analysis.verdict == "sans_danger":
        reasons = [r for r in analysis.reasons if r != NO_SIGNAL][: MAX_REASONS - 1]
        analysis.reasons = [*reasons, PASTED_LIMITS] if reasons else [PASTED_NO_SIGNAL]
    return analysis
