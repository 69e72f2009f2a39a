"""The reporting mailbox: staff forward suspicious mail to an address of the provider; Vigie
reads it over IMAP, judges the reported message, answers the reporter by e-mail and shows the
report to the technicians, in the same campaigns as the reports made in Telegram.

Each poll (every ``REPORT_MAILBOX_POLL_SECONDS``) logs in (``REPORT_MAILBOX_HOST``, ``_PORT``,
``_SECURITY`` « ssl » or « none », ``_USER``, ``_PASSWORD``), selects ``_FOLDER`` and takes every
message without the keyword ``$VigieDone``, oldest first:

1. The sender (the mail's ``From``) is a *known reporter* when a person linked that address
   (``/adresse``, :mod:`vigie.phishing.addresses`) or when its domain is one of the
   deployment's (``MAIL_TRUSTED_DOMAINS``). Only known reporters get an answer by e-mail: the
   mailbox is never a way to make Vigie write to anyone else (and it never answers
   automatic mail: ``Auto-Submitted``, ``Precedence: bulk``, mailing lists, its own address).
2. The mail is analysed in the capped worker (:func:`mailcheck.reported.analyse_reported`): the
   message forwarded as an attachment, or forwarded inline, or the mail itself. A known
   reporter's mail that holds no forwarded message gets an answer saying how to forward one,
   and no report; a stranger's mail without one is only marked.
3. The report is stored (source « mailbox », the mail as its original), sent to the technicians
   at once for a known reporter, and the answer queued in the same transaction. The key
   ``mailbox:<UIDVALIDITY>:<UID>`` makes a mail read twice (a crash before it was marked) give
   back the same report and queue nothing again.
4. The mail gets ``\\Seen $VigieDone``.

Nothing of a mail (subject, addresses, text) is ever logged; the password never is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

import aioimaplib

from vigie.core.pseudonym import address_pseudonym, normalise_address
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.db.leases import LeasedJob, Leases
from vigie.phishing import mailbox_texts
from vigie.phishing.addresses import AddressLinks, looks_like_address
from vigie.phishing.mailcheck import Limits, trusted_domains
from vigie.phishing.mailcheck.sandbox import Sandbox
from vigie.phishing.mailcheck.trusted import belongs_to
from vigie.phishing.service import PhishingService

__all__ = ["DONE_KEYWORD", "MailboxError", "ReportMailbox"]

logger = logging.getLogger(__name__)

DONE_KEYWORD = "$VigieDone"
MAX_PER_POLL = 50
CLOSE_TIMEOUT_SECONDS = 30.0
_HEADER_BYTES = 64 * 1024
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_UIDS = re.compile(rb"^\d+(?: \d+)*$")


class MailboxError(Exception):
    """The IMAP server refused or failed (the code names what, never a mail's content)."""


@dataclass(frozen=True)
class _Sender:
    address: str  # normalised; "" when the mail has no usable From
    automatic: bool  # an automatic mail: never answered


def _sender(data: bytes) -> _Sender:
    """Who sent the mail and whether it is automatic, from its headers only."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(data[:_HEADER_BYTES])
        pairs = getaddresses([str(v) for v in headers.get_all("From", [])])
        address = normalise_address(pairs[0][1]) if len(pairs) == 1 else ""
        auto = str(headers.get("Auto-Submitted", "no")).strip().lower()
        precedence = str(headers.get("Precedence", "")).strip().lower()
        automatic = (
            auto not in ("", "no")
            or precedence in ("bulk", "list", "junk", "auto_reply")
            or headers.get("List-Id") is not None
        )
    except Exception:  # malformed headers: nobody to answer
        return _Sender("", True)
    return _Sender(address if looks_like_address(address) else "", automatic)


def _message_id(data: bytes) -> str | None:
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(data[:_HEADER_BYTES])
        value = " ".join(str(headers.get("Message-ID", "")).split())
    except Exception:
        return None
    return value if 3 <= len(value) <= 250 and value.startswith("<") else None


LEASE_NAME = "report-mailbox"
LEASE_MIN_SECONDS = 60.0


class ReportMailbox:
    """Reads the reporting mailbox; one instance per process, started by the bot."""

    def __init__(
        self,
        *,
        phishing: PhishingService,
        links: AddressLinks,
        settings: Settings,
        sandbox: Sandbox | None = None,
        limits: Limits | None = None,
        kick: Callable[[], None] = lambda: None,
        leases: Leases | None = None,
    ) -> None:
        self._phishing = phishing
        # Several bot processes: the holder of the ``report-mailbox`` lease reads the mailbox.
        self._lease = LeasedJob(
            leases,
            LEASE_NAME,
            max(LEASE_MIN_SECONDS, 4 * settings.report_mailbox_poll_seconds),
            what="reads the report mailbox",
        )
        self._kick = kick  # something was written to the outbox
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._links = links
        self._settings = settings
        self._sandbox = sandbox or Sandbox(workers=1)
        self._limits = limits or Limits()
        self._trusted = trusted_domains(settings.mail_trusted_domains)
        self._facility_domains = tuple(settings.mail_trusted_domains)
        self._own = {normalise_address(settings.mail_from)}
        if settings.report_mailbox_address:
            self._own.add(normalise_address(settings.report_mailbox_address))
        self._domain = settings.mail_from.rpartition("@")[2] or "localhost"

    def start(self) -> None:
        """Poll in a background task until :meth:`aclose`."""
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.create_task(self.run(self._stop), name="report-mailbox")

    async def aclose(self) -> None:
        """Stop polling (the mail in hand is finished, within a limit), then the worker."""
        if self._task is not None:
            self._stop.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), CLOSE_TIMEOUT_SECONDS)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
            await self._lease.release()
        await self._sandbox.aclose()

    # -- IMAP ------------------------------------------------------------------------------

    async def _connect(self) -> aioimaplib.IMAP4:
        settings = self._settings
        host = settings.report_mailbox_host or ""
        timeout = settings.report_mailbox_timeout_seconds
        client: aioimaplib.IMAP4
        if settings.report_mailbox_security == "ssl":
            ca_file = settings.report_mailbox_ca_file
            context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
            client = aioimaplib.IMAP4_SSL(
                host, settings.report_mailbox_port, timeout=timeout, ssl_context=context
            )
        else:
            client = aioimaplib.IMAP4(host, settings.report_mailbox_port, timeout=timeout)
        await asyncio.wait_for(client.wait_hello_from_server(), timeout)
        password = settings.report_mailbox_password
        response = await client.login(
            settings.report_mailbox_user or "", password.get_secret_value() if password else ""
        )
        if response.result != "OK":
            raise MailboxError("login")
        return client

    @staticmethod
    async def _command(coroutine: Any, what: str) -> aioimaplib.Response:
        response = await coroutine
        if response.result != "OK":
            raise MailboxError(what)
        return response

    async def poll_once(self) -> int:
        """Take every new mail of the mailbox; how many were taken. Raises MailboxError or
        OSError/TimeoutError when the server cannot be used (the next poll tries again)."""
        client = await self._connect()
        taken = 0
        try:
            selected = await self._command(
                client.select(self._settings.report_mailbox_folder), "select"
            )
            validity = next(
                (
                    m.group(1).decode()
                    for line in selected.lines
                    if (m := _UIDVALIDITY.search(bytes(line)))
                ),
                "0",
            )
            found = await self._command(
                client.uid_search(f"UNKEYWORD {DONE_KEYWORD}", charset=None), "search"
            )
            uids = [
                uid
                for line in found.lines
                if _UIDS.match(bytes(line))
                for uid in bytes(line).decode().split()
            ]
            for uid in sorted(uids, key=int)[:MAX_PER_POLL]:
                await self._take(client, validity, uid)
                await self._command(
                    client.uid("store", uid, f"+FLAGS.SILENT (\\Seen {DONE_KEYWORD})"), "store"
                )
                taken += 1
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.logout(), 5)
        if taken:
            logger.info("Reporting mailbox: %s mail(s) taken", taken)
        return taken

    async def _take(self, client: aioimaplib.IMAP4, validity: str, uid: str) -> None:
        sized = await self._command(client.uid("fetch", uid, "(RFC822.SIZE)"), "fetch")
        size = next(
            (int(m.group(1)) for line in sized.lines if (m := _SIZE.search(bytes(line)))), 0
        )
        if size > self._limits.max_bytes:
            head = await self._command(client.uid("fetch", uid, "BODY.PEEK[HEADER]"), "fetch")
            data = next((bytes(line) for line in head.lines if isinstance(line, bytearray)), b"")
            await self._unreadable(data, too_big=True)
            return
        fetched = await self._command(client.uid("fetch", uid, "BODY.PEEK[]"), "fetch")
        data = next((bytes(line) for line in fetched.lines if isinstance(line, bytearray)), b"")
        await self.take(data, key=f"mailbox:{validity}:{uid}")

    # -- One mail --------------------------------------------------------------------------

    async def take(self, data: bytes, *, key: str) -> None:
        """Judge, store and answer one mail of the mailbox (``key``: what makes it unique)."""
        sender = _sender(data)
        person = await self._links.person_for(sender.address) if sender.address else None
        known = person is not None or bool(
            sender.address and belongs_to(sender.address.rpartition("@")[2], self._facility_domains)
        )
        answer = known and not sender.automatic and sender.address not in self._own
        reporters = [*self._facility_domains, *([sender.address] if person is not None else [])]
        result = await self._sandbox.analyse_report(
            data,
            trusted=self._trusted,
            limits=self._limits,
            reporters=reporters,
            authserv_ids=self._settings.mail_authserv_ids,
        )
        if result.forwarded in ("", "none") and known:
            # A known reporter's own mail, with nothing forwarded in it: say how to forward.
            if answer:
                await self._phishing.queue_email(
                    sender.address, self._unreadable_payload(data, False)
                )
            logger.info("Reporting mailbox: a mail without a forwarded message")
            return
        if result.forwarded in ("", "none") and not known:
            logger.info("Reporting mailbox: a stranger's mail without a forwarded message, skipped")
            return
        analysis = result.analysis
        secret = self._settings.pseudonym_secret.get_secret_value().encode()
        reply = None
        if answer:
            body = mailbox_texts.reply_body(
                verdict=analysis.verdict,
                reasons=analysis.reasons,
                subject=analysis.subject,
                truncated=analysis.truncated,
                forwarded=known,
                linked=person is not None,
                contacts=self._settings.contacts_at(utcnow()),
            )
            reply = (
                sender.address,
                self._payload(data, mailbox_texts.reply_subject(analysis.verdict), body),
            )
        await self._phishing.submit(
            sender=person.sender
            if person is not None
            else address_pseudonym(sender.address or key, secret),
            channel="mailbox",
            chat_id=person.chat_id if person is not None else 0,
            data=data,
            source="mailbox",
            filename="signalement.eml",
            analysis=analysis,
            update_key=key,
            notify=known,
            reply=reply,
        )

    async def _unreadable(self, data: bytes, *, too_big: bool) -> None:
        sender = _sender(data)
        if not sender.address or sender.automatic or sender.address in self._own:
            return
        person = await self._links.person_for(sender.address)
        domain = sender.address.rpartition("@")[2]
        if person is None and not belongs_to(domain, self._facility_domains):
            return
        await self._phishing.queue_email(sender.address, self._unreadable_payload(data, too_big))

    def _unreadable_payload(self, data: bytes, too_big: bool) -> dict[str, Any]:
        body = mailbox_texts.unreadable_body(too_big, self._settings.contacts_at(utcnow()))
        return self._payload(data, mailbox_texts.UNREADABLE_SUBJECT, body)

    def _payload(self, data: bytes, subject: str, body: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "subject": subject,
            "body": body,
            "message_id": f"<signalement-{secrets.token_hex(12)}@{self._domain}>",
        }
        original = _message_id(data)
        if original:
            payload["in_reply_to"] = original
            payload["references"] = [original]
        return payload

    # -- The loop ---------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a failing server is retried at the next poll."""
        failures = 0
        while not stop.is_set():
            try:
                if not await self._lease.holds():
                    pass  # another process reads the mailbox
                elif await self.poll_once():
                    self._kick()
                failures = 0
            except asyncio.CancelledError:
                raise
            except (MailboxError, OSError, TimeoutError, aioimaplib.Abort) as exc:
                failures += 1
                level = (
                    logging.WARNING if failures in (1, 10) or failures % 100 == 0 else logging.DEBUG
                )
                logger.log(
                    level, "Reporting mailbox unavailable (%s, %s in a row)", _code(exc), failures
                )
            except Exception as exc:
                failures += 1
                logger.error("Reporting mailbox poll failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._settings.report_mailbox_poll_seconds)


def _code(exc: BaseException) -> str:
    return exc.args[0] if isinstance(exc, MailboxError) and exc.args else type(exc).__name__
