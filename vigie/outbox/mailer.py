"""E-mails to the provider's helpdesk: build them from outbox payloads and send them by SMTP.

Payload (stored in the outbox): ``{"subject", "body", "message_id", "in_reply_to", "references"}``.
From, To and Reply-To come from the settings at send time. Sending uses ``smtplib`` in a thread,
with a timeout; errors become :class:`MailError` with a short code and whether retrying is
useless (only when the server refuses the recipient or the message).
Neither the body nor the password is ever logged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from vigie.core.settings import Settings
from vigie.tickets.reference import reference_in_subject

__all__ = ["MailError", "build_email", "send_email"]

logger = logging.getLogger(__name__)


class MailError(Exception):
    """A failed e-mail: ``code`` is a short identifier (``smtp_550``, ``timeout``…)."""

    def __init__(self, code: str, *, permanent: bool) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent

    def __repr__(self) -> str:
        return f"MailError({self.code!r}, permanent={self.permanent})"


def _single_line(value: str) -> str:
    return " ".join(value.split())


def _message_id(value: str) -> str:
    value = _single_line(value)
    if not value:
        raise MailError("bad_payload", permanent=True)
    return value if value.startswith("<") else f"<{value}>"


def build_email(
    payload: dict[str, Any], settings: Settings, *, to: str | None = None
) -> EmailMessage:
    """The message for an outbox ``payload``, addressed to ``to`` or ``settings.helpdesk_mail_to``.

    Raises ``MailError("bad_payload", permanent=True)``, or ``MailError("no_recipient")``
    (a configuration error: temporary).
    """
    recipient = to or settings.helpdesk_mail_to
    if not recipient:
        raise MailError("no_recipient", permanent=False)
    try:
        subject = _single_line(str(payload["subject"]))
        body = str(payload["body"])
        message_id = _message_id(str(payload["message_id"]))
        in_reply_to = payload.get("in_reply_to")
        references: Iterable[Any] = payload.get("references") or []
    except (KeyError, TypeError, AttributeError) as exc:
        raise MailError("bad_payload", permanent=True) from exc
    if isinstance(references, str):
        references = [references]

    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = recipient
    if settings.helpdesk_reply_to:
        message["Reply-To"] = settings.helpdesk_reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = _message_id(str(in_reply_to))
    reference_ids = [_message_id(str(item)) for item in references if item]
    if reference_ids:
        message["References"] = " ".join(reference_ids)
    message["Auto-Submitted"] = "auto-generated"
    reference = reference_in_subject(subject)
    if reference:
        message["X-Vigie-Reference"] = reference
    message.set_content(body, subtype="plain", charset="utf-8")
    attachment = payload.get("attachment")
    if attachment is not None:  # a file the domain made (a monthly report's PDF)
        try:
            data = base64.b64decode(str(attachment["base64"]), validate=True)
            filename = _single_line(str(attachment["filename"]))
            maintype, _, subtype = str(attachment.get("mime", "application/pdf")).partition("/")
        except (KeyError, TypeError, binascii.Error) as exc:
            raise MailError("bad_payload", permanent=True) from exc
        if not filename or not subtype:
            raise MailError("bad_payload", permanent=True)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """``client.login``, except that non-ASCII credentials (which smtplib cannot encode) are
    sent as UTF-8 with AUTH PLAIN (RFC 4616)."""
    if (username + password).isascii():
        client.login(username, password)
        return
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode())
    code, _answer = client.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, b"authentication failed")


def _send_blocking(message: EmailMessage, settings: Settings) -> None:
    host = settings.smtp_host
    if not host:
        raise MailError("smtp_not_configured", permanent=False)
    timeout = settings.smtp_timeout_seconds
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(
            host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, settings.smtp_port, timeout=timeout)
    try:
        client.ehlo()
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            _login(client, settings.smtp_username, password)
        client.send_message(message)
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _classify(exc: Exception) -> MailError:
    """The MailError for an exception raised by smtplib or the network.

    Permanent only when retrying cannot help: a 5xx refusing the recipient or the message.
    Authentication failures and configuration errors (STARTTLS or AUTH not offered, sender
    refused, no SMTP host…) are retried: once an administrator fixes the configuration, the
    e-mail goes.
    """
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return MailError(f"smtp_{codes[0]}" if codes else "smtp_refused", permanent=permanent)
    if isinstance(exc, smtplib.SMTPDataError):  # the message itself refused
        return MailError(f"smtp_{exc.smtp_code}", permanent=500 <= exc.smtp_code < 600)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError("smtp_not_supported", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException):  # sender refused, auth, greeting, TLS…
        return MailError(f"smtp_{exc.smtp_code}", permanent=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        # smtplib turns a read timeout into a disconnection; keep the cause visible.
        if isinstance(exc.__context__, TimeoutError):
            return MailError("timeout", permanent=False)
        return MailError("smtp_disconnected", permanent=False)
    if isinstance(exc, TimeoutError):
        return MailError("timeout", permanent=False)
    if isinstance(exc, ssl.SSLError):
        return MailError("tls_error", permanent=False)
    if isinstance(exc, OSError):
        return MailError("connection_error", permanent=False)
    if isinstance(exc, smtplib.SMTPException):
        return MailError("smtp_error", permanent=False)
    return MailError(type(exc).__name__[:64], permanent=False)


async def send_email(message: EmailMessage, settings: Settings) -> None:
    """Send ``message`` through the configured SMTP server; raises :class:`MailError`.

    A 5xx refusing the recipient or the message is permanent; everything else (4xx answers,
    authentication or configuration errors, connection errors, timeouts) is temporary.
    """
    try:
        await asyncio.to_thread(_send_blocking, message, settings)
    except Exception as exc:
        error = _classify(exc)
        logger.warning(
            "e-mail to the helpdesk failed: %s (permanent=%s, reference %s)",
            error.code,
            error.permanent,
            message.get("X-Vigie-Reference", "-"),
        )
        raise error from None
    logger.info("e-mail sent to the helpdesk (reference %s)", message.get("X-Vigie-Reference", "-"))
