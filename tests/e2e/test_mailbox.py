"""End to end: a care assistant links her work address in Telegram (the code travels through
the real SMTP server), then forwards a suspicious mail from her workstation to the provider's
reporting address; the real bot reads it from a real IMAP server (Dovecot), answers her by
e-mail and sends the report and the original to the technician in Telegram. The transcript is
written to ``var/test-transcripts/mailbox_report.txt``.
"""

from __future__ import annotations

import asyncio
import email
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import pytest_asyncio

from tests.auxil.dovecot import Dovecot, available
from tests.auxil.fake_telegram import FakeTelegram
from tests.auxil.smtp import Received, SmtpSink
from tests.e2e.conftest import RunningBot, Stack, make_settings
from tests.e2e.test_phishing import CORPUS, join
from tests.e2e.test_tickets import Conversation, add_technician, directory, fake
from vigie.core.settings import ROOT
from vigie.people.directory import Directory

__all__ = ["directory", "fake"]

pytestmark = pytest.mark.skipif(
    not available() and os.environ.get("VIGIE_SKIP_IMAP") == "1",
    reason="Dovecot missing (make test installs it) and VIGIE_SKIP_IMAP=1",
)

# Not the mail of test_phishing: the stack is shared, and its campaign counts must stay its own.
REPORTED = CORPUS / "phishing" / "ameli_carte_vitale_punycode.eml"
TRANSCRIPT = ROOT / "var" / "test-transcripts" / "mailbox_report.txt"
AUTHSERV = "mx.capucines-prestataire.test"
ADDRESS = "lea.petit@ehpad-capucines.test"
MAILBOX = "signalement@prestataire.test"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    with Dovecot() as server:
        yield server


@pytest_asyncio.fixture
async def mailbox_bot(
    fake: FakeTelegram, stack: Stack, dovecot: Dovecot, tmp_path: Path
) -> AsyncIterator[RunningBot]:
    env = dovecot.env()
    settings = make_settings(
        fake,
        stack.rasa_url,
        tmp_path / "unused.db",
        database_url=stack.database_url,
        outbox_poll_seconds=0.2,
        smtp_host="127.0.0.1",
        smtp_port=stack.smtp.port,
        mail_from="vigie@prestataire.test",
        mail_authserv_ids=[AUTHSERV],
        report_mailbox_host=env["REPORT_MAILBOX_HOST"],
        report_mailbox_port=int(env["REPORT_MAILBOX_PORT"]),
        report_mailbox_security=env["REPORT_MAILBOX_SECURITY"],
        report_mailbox_user=env["REPORT_MAILBOX_USER"],
        report_mailbox_password=env["REPORT_MAILBOX_PASSWORD"],
        report_mailbox_address=MAILBOX,
        report_mailbox_poll_seconds=0.3,
    )
    running = RunningBot(settings)
    await running.start()
    yield running
    await running.stop()


async def mail_to(smtp: SmtpSink, address: str, seen: int, timeout: float = 30) -> Received:
    """The first e-mail to ``address`` after the ``seen`` first ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = [m for m in smtp.received() if address in m.rcpt_tos]
        if len(mails) > seen:
            return mails[seen]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no e-mail to {address}")


def forward_as_attachment(sender: str, inner: bytes) -> bytes:
    outer = EmailMessage(policy=policy.default)
    outer["From"] = f"Léa Petit <{sender}>"
    outer["To"] = MAILBOX
    outer["Subject"] = "TR: remboursement ameli ??"
    outer["Message-ID"] = "<tr-ameli-1@ehpad-capucines.test>"
    outer["Authentication-Results"] = (
        f"{AUTHSERV}; dmarc=pass header.from=ehpad-capucines.test; spf=pass; dkim=pass"
    )
    outer.set_content("Bonjour, j’ai reçu ça sur la boîte du service, c’est normal ?")
    outer.add_attachment(email.message_from_bytes(inner, policy=policy.default))
    return outer.as_bytes()


async def test_a_linked_address_forwards_a_mail_to_the_reporting_mailbox(
    fake: FakeTelegram,
    mailbox_bot: RunningBot,
    stack: Stack,
    directory: Directory,
    dovecot: Dovecot,
) -> None:
    conv = Conversation(fake)
    nurse = conv.person(fake.user(4775, "Lea"), "Aide-soignante (EHPAD)")
    tech = conv.person(fake.user(4776, "Paul"), "Technicien")
    await add_technician(conv, directory, tech)
    await join(conv, directory, nurse, "EHPAD Les Capucines", "Figeac")

    # 1. She links her work address: the code arrives by e-mail.
    conv.say(nurse, "/adresse")
    await conv.until(nurse, "Reliez votre adresse")
    seen = len([m for m in stack.smtp.received() if ADDRESS in m.rcpt_tos])
    conv.say(nurse, f"/adresse {ADDRESS}")
    await conv.until(nurse, "code par mail")
    code_mail = await mail_to(stack.smtp, ADDRESS, seen)
    conv._note(f"📧 → {ADDRESS} : {code_mail.subject}")
    found = re.search(r"/adresse (\d{6})", code_mail.message.get_content())
    assert found is not None
    conv.say(nurse, "/adresse 000000" if found.group(1) != "000000" else "/adresse 111111")
    await conv.until(nurse, "pas le bon")
    conv.say(nurse, f"/adresse {found.group(1)}")
    linked = await conv.until(nurse, "reliée")
    assert MAILBOX in linked["plain_text"]

    # 2. From her workstation, she forwards the mail as an attachment to the mailbox.
    original = forward_as_attachment(ADDRESS, REPORTED.read_bytes())
    dovecot.deliver(original)
    conv._note(f"📧 {ADDRESS} → {MAILBOX} : TR: remboursement ameli ?? (mail en pièce jointe)")
    answer = await mail_to(stack.smtp, ADDRESS, seen + 1)
    body = answer.message.get_content()
    conv._note(f"📧 {MAILBOX} → {ADDRESS} : {answer.subject}\n{body}")
    assert "Dangereux" in answer.subject
    assert answer.message["In-Reply-To"] == "<tr-ameli-1@ehpad-capucines.test>"
    assert "ne cliquez sur aucun lien" in body
    assert "[.]" in body  # the reasons, defanged

    # 3. The technician gets the report, saying how it came in, and the original mail.
    report = await conv.until(tech, "boîte de signalement")
    assert "EHPAD Les Capucines" in report["plain_text"]
    assert ADDRESS not in report["plain_text"]
    document = await conv.until(tech, "original")
    stored = fake.file(document["document"]["file_id"]).content
    assert stored.replace(b"\r\n", b"\n") == original.replace(b"\r\n", b"\n")  # IMAP: CRLF

    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    TRANSCRIPT.write_text("\n".join(conv.transcript()) + "\n", encoding="utf-8")
