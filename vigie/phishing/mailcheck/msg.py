"""An Outlook ``.msg`` file turned into the ``.eml`` the analyser reads (extract-msg).

Runs in the analysis worker (``worker.py``), never in the bot's process. Outlook keeps the
internet headers the message arrived with (PidTagTransportMessageHeaders) when it came from
outside: they are used as they are (the receiving server's ``Authentication-Results``
included); otherwise From, To, Subject and Date are rebuilt from the message's properties.
The plain and HTML bodies and the attachments (bytes and names) are carried over; an embedded
message becomes a ``message/rfc822`` part. Nothing is executed, rendered or fetched.
"""

from __future__ import annotations

import contextlib
import logging
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

__all__ = ["MsgUnreadable", "msg_to_eml"]

logger = logging.getLogger(__name__)

# Headers rebuilt from a .msg's transport headers that no longer describe the new MIME body.
_BODY_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})


class MsgUnreadable(Exception):
    """Not an Outlook message extract-msg can open."""


def msg_to_eml(data: bytes) -> bytes:
    """The ``.eml`` equivalent of an Outlook ``.msg`` file's bytes."""
    import extract_msg

    try:
        message = extract_msg.openMsg(data, strict=False)
    except Exception as exc:  # any malformed compound file
        raise MsgUnreadable(type(exc).__name__) from exc
    try:
        return _to_eml(message).as_bytes(policy=policy.SMTP.clone(linesep="\n"))
    finally:
        with contextlib.suppress(Exception):
            message.close()


def _to_eml(message: Any) -> EmailMessage:
    eml = EmailMessage()
    # Only the headers the message really arrived with: extract-msg's own ``header`` is made
    # up from the properties when there are none (without a subject, with empty fields).
    headers = _text(getattr(message, "headerText", None))
    if headers.strip():
        parsed = message_from_bytes(headers.encode("utf-8", "replace") + b"\n\n")
        for name, value in parsed.items():
            if name.lower() not in _BODY_HEADERS:
                eml[name] = value
        if eml["Subject"] is None and _text(getattr(message, "subject", None)):
            eml["Subject"] = _text(message.subject)
    else:
        _rebuilt_headers(message, eml)
    body = _text(getattr(message, "body", None))
    eml.set_content(body or "")
    html = getattr(message, "htmlBody", None)
    if html:
        text = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
        eml.add_alternative(text, subtype="html")
    for attachment in getattr(message, "attachments", []) or []:
        _attach(eml, attachment)
    return eml


def _rebuilt_headers(message: Any, eml: EmailMessage) -> None:
    sender = _text(getattr(message, "sender", None))
    if sender:
        eml["From"] = sender
    for field, name in (("to", "To"), ("cc", "Cc"), ("subject", "Subject")):
        value = _text(getattr(message, field, None))
        if value:
            eml[name] = value
    date = getattr(message, "date", None)
    if date is not None:
        with contextlib.suppress(Exception):
            eml["Date"] = date.strftime("%a, %d %b %Y %H:%M:%S %z").strip()


def _attach(eml: EmailMessage, attachment: Any) -> None:
    name = _text(getattr(attachment, "longFilename", None) or getattr(attachment, "name", None))
    data = getattr(attachment, "data", None)
    if hasattr(data, "classType"):  # an embedded Outlook message
        with contextlib.suppress(Exception):
            eml.add_attachment(_to_eml(data))
        return
    if isinstance(data, bytes | bytearray):
        eml.add_attachment(
            bytes(data),
            maintype="application",
            subtype="octet-stream",
            filename=name or "piece-jointe",
        )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value).replace("\x00", "")
