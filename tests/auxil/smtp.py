"""A real SMTP server (aiosmtpd) on 127.0.0.1 for tests and benchmarks: it keeps what it gets.

``SmtpSink`` listens on a free loopback port between ``start()`` and ``stop()`` (or inside a
``with`` block). Every accepted message is kept as a ``Received``: the envelope's sender and
recipients, the message parsed with ``email.policy.default``, and its arrival time.
``rcpt_answer`` makes it refuse every recipient with that SMTP reply (e.g. ``"550 …"``); other
keyword arguments go to aiosmtpd's SMTP server (``authenticator``, ``auth_require_tls``…).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.auxil.toggle_proxy import free_port


@dataclass(frozen=True)
class Received:
    """One message the sink accepted."""

    at: float  # time.time() on arrival
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts.

    ``mail_to`` and ``mail_from`` are the addresses a test application is configured with
    (``env`` gives them, with the server's host and port, as the application's environment).
    The messages arrive in the server's thread; the accessors return snapshots.
    """

    def __init__(
        self,
        *,
        rcpt_answer: str | None = None,
        mail_to: str = "assistance@prestataire.test",
        mail_from: str = "vigie@prestataire.test",
        **smtp_options: Any,
    ) -> None:
        self.rcpt_answer = rcpt_answer
        self.mail_to = mail_to
        self.mail_from = mail_from
        self.port = free_port()
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **smtp_options)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        at = time.time()
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(message, EmailMessage)
        received = Received(at, str(envelope.mail_from), list(envelope.rcpt_tos), message)
        with self._lock:
            self._received.append(received)
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def received(self) -> list[Received]:
        """Everything accepted so far, in order of arrival."""
        with self._lock:
            return list(self._received)

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received()]

    def subjects(self) -> list[str]:
        return [r.subject for r in self.received()]

    def about(self, reference: str) -> list[EmailMessage]:
        """The messages whose subject names the ticket ``reference``."""
        return [r.message for r in self.received() if reference in r.subject]

    @property
    def env(self) -> dict[str, str]:
        """The environment of an application process sending its e-mail here."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "HELPDESK_MAIL_TO": self.mail_to,
            "MAIL_FROM": self.mail_from,
        }
