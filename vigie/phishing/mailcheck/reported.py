"""A mail that reached the reporting mailbox: which message is the reported one, and its verdict.

Staff report a suspicious mail to the provider's reporting address in two ways:

- **forwarded as an attachment** (Outlook's « Transférer en tant que pièce jointe », the
  « Signaler » button, Thunderbird's « Transférer en pièce jointe »): the attached
  ``message/rfc822`` part is the reported mail, and :func:`verdict.analyse` already judges it
  with its wrapper (the worse of the two, unless the wrapper is a staff member's authenticated
  forward, ``reporters``);
- **forwarded inline** (« TR : » with « De : … Objet : … » lines above the quoted text): the
  forwarded header block is read like a pasted mail (:mod:`pasted`) and replaces the wrapper's
  headers, the wrapper's body (its HTML links with their real targets, its attachments) is kept.
  The result is judged with no authentication at all (what a forward claims is not vouched for).
  When the wrapper is not a staff member's authenticated forward, the wrapper is judged too and
  the worse verdict stands.

Anything else (a mail sent straight to the reporting address) is judged as it is. Offline,
bounded by ``limits``, never raises (like :func:`verdict.analyse`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Literal

from vigie.phishing.mailcheck.limits import Deadline, Limits
from vigie.phishing.mailcheck.parse import parse_eml
from vigie.phishing.mailcheck.pasted import read_pasted, sender_address, set_headers, without
from vigie.phishing.mailcheck.trusted import DEFAULT_TRUSTED_DOMAINS
from vigie.phishing.mailcheck.verdict import Analysis, analyse, staff_report, vouched

__all__ = ["Reported", "analyse_reported"]

logger = logging.getLogger(__name__)

Forwarded = Literal["attached", "inline", "none"]

# The wrapper's headers that say who sent it and how it travelled: replaced by the forwarded
# block's (From, Reply-To, To, Subject, Date) or dropped (nothing vouches for a forward).
_WRAPPER_HEADERS = (
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Return-Path",
    "Received",
    "Received-SPF",
    "Authentication-Results",
    "ARC-Authentication-Results",
    "ARC-Seal",
    "ARC-Message-Signature",
    "DKIM-Signature",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


@dataclass
class Reported:
    analysis: Analysis
    forwarded: Forwarded


def _inline_forward(data: bytes, text: str) -> tuple[bytes, bool] | None:
    """The wrapper rebuilt with the forwarded block's headers, and whether that block named a
    sender address; None when the text holds no forwarded header block."""
    pasted = read_pasted(text)
    if not {"from", "subject"} <= pasted.header_kinds:
        return None
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not isinstance(message, EmailMessage):
        return None
    for name in _WRAPPER_HEADERS:
        del message[name]
    set_headers(message, pasted)
    return message.as_bytes(), bool(sender_address(pasted))


def analyse_reported(
    data: bytes,
    *,
    trusted: Collection[str] = DEFAULT_TRUSTED_DOMAINS,
    limits: Limits | None = None,
    reporters: Collection[str] = (),
    authserv_ids: Collection[str] = (),
) -> Reported:
    """Judge the mail reported in ``data`` (a mail received by the reporting mailbox)."""
    limits = limits or Limits()
    outer = analyse(
        data, trusted=trusted, limits=limits, reporters=reporters, authserv_ids=authserv_ids
    )
    try:
        mail = parse_eml(bytes(data), limits, Deadline(limits.max_seconds))
        if mail.wrapper is not None:
            return Reported(outer, "attached")
        if mail.oversized or mail.truncated:
            return Reported(outer, "none")
        rebuilt = _inline_forward(bytes(data), mail.text)
        if rebuilt is None:
            return Reported(outer, "none")
        eml, has_sender = rebuilt
        inner = analyse(eml, trusted=trusted, limits=limits, authserv_ids=authserv_ids)
        if not has_sender:
            inner = without(inner, {"bad_sender"})
        if authserv_ids:
            mail.authentication_results = vouched(mail.authentication_results, authserv_ids)
        if not staff_report(mail, reporters) and outer.score > inner.score:
            return Reported(outer, "inline")
        return Reported(inner, "inline")
    except (Exception, RecursionError):  # the wrapper's own verdict still stands
        logger.exception("reported mail: forwarded message not read")
        return Reported(outer, "none")
