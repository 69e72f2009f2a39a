"""Suspicious e-mails taken in by a front end, before the pipeline and its redaction.

A front end hands over an ``.eml`` file or a pasted/forwarded text; the intake analyses it in a
capped child process (``mailcheck/sandbox.py``; the deployment's trusted domains, the
analyser's limits), stores the report with
``PhishingService.submit`` and returns the message to feed the pipeline: of kind "email", whose
text is the intent payload ``/email_received{"phishing_report":"<id>"}``. Nothing of the e-mail
goes into the inbox or the turns. When something goes wrong, the returned message is of a kind
the pipeline answers itself in French (``vigie/conversation/texts.py``, ``UNSUPPORTED``).

Telegram's files are stored in the inbox first and taken in by the chat's worker (the pipeline's
``prepare``), which knows the person by their pseudonym only: ``file`` takes ``sender`` instead
of ``user_id`` there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Literal

from vigie.conversation.pipeline import EMAIL_FAILED_KIND, EMAIL_KIND, UNKNOWN_USER, Incoming
from vigie.core.redaction import redact
from vigie.core.settings import Settings
from vigie.phishing.mailcheck import Limits, looks_like_email, trusted_domains
from vigie.phishing.mailcheck.pasted import MAX_TEXT_CHARS, has_address, has_link
from vigie.phishing.mailcheck.sandbox import Sandbox, SandboxResult
from vigie.phishing.service import PhishingService

__all__ = [
    "EMAIL_INTENT",
    "FAILED",
    "MSG_UNREADABLE",
    "PHOTO",
    "PHOTO_UNREADABLE",
    "TOO_BIG",
    "UNREADABLE",
    "Intake",
    "email_received",
    "file_kind",
    "safe_filename",
]

logger = logging.getLogger(__name__)

EMAIL_INTENT = "/email_received"
# Kinds of the messages the pipeline answers itself (texts.UNSUPPORTED).
TOO_BIG = "email_too_big"
PHOTO = "email_photo"  # Tesseract missing: a picture cannot be read here
PHOTO_UNREADABLE = "email_photo_unreadable"
MSG_UNREADABLE = "email_msg_unreadable"
# Fewer characters read on a picture than this: no e-mail could be read on it.
MIN_PICTURE_CHARS = 40
UNREADABLE = "email_unreadable"
FAILED = EMAIL_FAILED_KIND

EML_TYPES = frozenset({"message/rfc822"})
MSG_TYPES = frozenset({"application/vnd.ms-outlook", "application/x-msg"})
MAX_FILENAME_CHARS = 200
PASTED_FILENAME = "texte-colle.txt"
# What a pasted e-mail keeps when it is stored: the indicators technicians need.
PASTED_KEPT_KINDS = ("email", "phone")
FORWARDED_FILENAME = "message-transfere.txt"
PICTURE_FILENAME = "capture.jpg"
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f/\\]+")


@dataclass(frozen=True)
class _Report:
    """What is stored with a report, whatever the way it came in."""

    chat_id: int
    user_id: int
    sender: str
    update_id: int | None
    data: bytes
    source: Literal["eml", "text", "photo", "msg"]
    filename: str


def email_received(report_id: int) -> str:
    """The intent payload that tells Rasa a report was stored."""
    payload = json.dumps({"phishing_report": str(report_id)}, separators=(",", ":"))
    return f"{EMAIL_INTENT}{payload}"


def file_kind(filename: str, mime_type: str) -> str:
    """ "eml" for a saved e-mail, "msg" for Outlook's own format, else "other"."""
    name, mime = filename.strip().lower(), mime_type.strip().lower()
    if name.endswith(".eml") or mime in EML_TYPES:
        return "eml"
    if name.endswith(".msg") or mime in MSG_TYPES:
        return "msg"
    return "other"


def safe_filename(filename: str, default: str = "message.eml") -> str:
    """The file's own name, without folders or control characters, bounded, and redacted like
    a message (« mdp Soleil2024.eml »: a file name is text a person typed)."""
    name = _UNSAFE_FILENAME.sub("_", filename.strip()).strip("._ ")
    stem, dot, extension = name[-MAX_FILENAME_CHARS:].rpartition(".")
    if not (dot and stem and extension.isalnum() and len(extension) <= 5):
        stem, dot, extension = name[-MAX_FILENAME_CHARS:], "", ""
    name = redact(stem).text + dot + extension if name else ""
    return name[-MAX_FILENAME_CHARS:] if name else default


class Intake:
    """Analyses and stores what a person sends as a suspicious e-mail, for one front end."""

    def __init__(
        self,
        phishing: PhishingService,
        settings: Settings,
        *,
        channel: str,
        sender_of: Callable[[int], str],
        limits: Limits | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self._phishing = phishing
        # Each analysis in a capped child process: a hostile file never holds the bot.
        self._sandbox = sandbox or Sandbox()
        self._channel = channel
        self._sender_of = sender_of
        self._trusted = trusted_domains(settings.mail_trusted_domains)
        self._options = {
            "reporters": tuple(settings.mail_trusted_domains),
            "authserv_ids": tuple(settings.mail_authserv_ids),
        }
        self.limits = limits or Limits()

    async def aclose(self) -> None:
        """Stop the analysis workers."""
        await self._sandbox.aclose()

    @property
    def max_bytes(self) -> int:
        """The largest file taken (checked before downloading it)."""
        return self.limits.max_bytes

    async def wants(self, user_id: int, text: str) -> bool:
        """Whether a written message is a suspicious e-mail: it looks like one, or it holds a
        link or an address while Vigie is waiting for an e-mail from this person."""
        if looks_like_email(text):
            return True
        if not (has_link(text) or has_address(text)):
            return False
        return await self.expecting(user_id)

    @staticmethod
    def suspicious_forward(text: str) -> bool:
        """Whether a message forwarded into the chat is one to judge: it looks like an e-mail,
        or holds a link or an address (a forwarded note without any is a chat message, and is
        redacted like one)."""
        return looks_like_email(text) or has_link(text) or has_address(text)

    async def expecting(self, user_id: int) -> bool:
        """Whether Vigie asked this person for an e-mail (and is still waiting for it)."""
        try:
            return await self._phishing.expecting(self._sender_of(user_id))
        except Exception as exc:
            logger.warning("Expected e-mail not checked: %s", type(exc).__name__)
            return False

    def refusal(
        self, chat_id: int, user_id: int, kind: str, update_id: int | None = None
    ) -> Incoming:
        """A message the pipeline answers itself (too big, .msg, photo, unreadable…)."""
        return Incoming(chat_id=chat_id, user_id=user_id, kind=kind, update_id=update_id)

    def _update_key(self, update_id: int | None) -> str | None:
        """What makes a redelivered update give back the same report."""
        return f"{self._channel}:{update_id}" if update_id is not None else None

    async def file(
        self,
        *,
        chat_id: int,
        data: bytes,
        filename: str,
        update_id: int | None = None,
        user_id: int | None = None,
        sender: str | None = None,
    ) -> Incoming:
        """Take in an ``.eml`` file, or an Outlook ``.msg`` (by its name), sent by ``user_id``, or
        by the person whose pseudonym is ``sender`` (a file stored in the inbox before it was
        downloaded)."""
        if sender is None:
            if user_id is None:
                raise TypeError("file() needs user_id or sender")
            sender = self._sender_of(user_id)
        user_id = UNKNOWN_USER if user_id is None else user_id
        if len(data) > self.max_bytes:
            return self.refusal(chat_id, user_id, TOO_BIG, update_id)
        if not data.strip():
            return self.refusal(chat_id, user_id, UNREADABLE, update_id)
        name = safe_filename(filename)
        outlook = file_kind(name, "") == "msg"
        analyse = self._sandbox.analyse_msg if outlook else self._sandbox.analyse
        return await self._report(
            _Report(chat_id, user_id, sender, update_id, data, "msg" if outlook else "eml", name),
            analyse(data, trusted=self._trusted, limits=self.limits, **self._options),
        )

    async def _report(
        self,
        report: _Report,
        analysis: Awaitable[SandboxResult],
        *,
        subject_kept: Collection[str] | None = None,
    ) -> Incoming:
        """Wait for the analysis, store the report, and give the pipeline its message; a
        refusal the pipeline answers itself when the analysis says so or anything fails (the
        person still gets the reflexes: texts ``email_failed``)."""
        chat_id, user_id, update_id = report.chat_id, report.user_id, report.update_id
        try:
            result = await analysis
            if result.unreadable:
                return self.refusal(chat_id, user_id, MSG_UNREADABLE, update_id)
            if result.text_chars == -2:
                return self.refusal(chat_id, user_id, PHOTO, update_id)
            if result.completed and 0 <= result.text_chars < MIN_PICTURE_CHARS:
                return self.refusal(chat_id, user_id, PHOTO_UNREADABLE, update_id)
            judged = result.analysis
            if subject_kept is not None:  # a subject a person typed is redacted like the rest
                judged.subject = redact(judged.subject, keep=subject_kept).text
            stored = await self._phishing.submit(
                sender=report.sender,
                channel=self._channel,
                chat_id=chat_id,
                data=report.data,
                source=report.source,
                filename=report.filename,
                analysis=judged,
                update_key=self._update_key(update_id),
            )
        except Exception as exc:
            logger.error("E-mail report not taken in (%s): %s", report.source, type(exc).__name__)
            return self.refusal(chat_id, user_id, FAILED, update_id)
        logger.info(
            "E-mail report %s taken in (%s, %s bytes)", stored.id, report.source, len(report.data)
        )
        return Incoming(chat_id, user_id, EMAIL_KIND, email_received(stored.id), update_id)

    async def image(
        self,
        *,
        chat_id: int,
        sender: str,
        data: bytes,
        update_id: int | None = None,
    ) -> Incoming:
        """Take in a photo or screenshot of an e-mail sent by the person whose pseudonym is
        ``sender`` (read with Tesseract in the analysis worker, then judged as a pasted text;
        the picture is kept as the report's original, for the technicians)."""
        if len(data) > self.max_bytes:
            return self.refusal(chat_id, UNKNOWN_USER, TOO_BIG, update_id)
        return await self._report(
            _Report(chat_id, UNKNOWN_USER, sender, update_id, data, "photo", PICTURE_FILENAME),
            self._sandbox.analyse_image(
                data, trusted=self._trusted, limits=self.limits, **self._options
            ),
        )

    async def text(
        self,
        *,
        chat_id: int,
        user_id: int,
        text: str,
        update_id: int | None = None,
        forwarded: bool = False,
        message_id: int | None = None,
    ) -> Incoming:
        """Take in a pasted or forwarded e-mail text (``message_id``: the chat message, pulled
        back when it held a password)."""
        text = text[:MAX_TEXT_CHARS]
        if not text.strip():
            return self.refusal(chat_id, user_id, UNREADABLE, update_id)
        # Judged whole; kept without the secrets a person may have typed around it (« mon mdp
        # c'est … »): the addresses and phone numbers stay, they are the mail's indicators.
        kept = redact(text, keep=PASTED_KEPT_KINDS)
        data = kept.text.encode("utf-8", errors="replace")
        name = FORWARDED_FILENAME if forwarded else PASTED_FILENAME
        incoming = await self._report(
            _Report(chat_id, user_id, self._sender_of(user_id), update_id, data, "text", name),
            self._sandbox.analyse_text(
                text, trusted=self._trusted, limits=self.limits, **self._options
            ),
            subject_kept=PASTED_KEPT_KINDS,
        )
        if kept.found:  # the pipeline tells the person, and pulls the message back if it can
            incoming.payload = {**incoming.payload, "masked": list(kept.found)}
            incoming.message_id = message_id
        return incoming
