"""The reporting mailbox against a real IMAP server (Dovecot) and a real SMTP server (aiosmtpd),
on SQLite and PostgreSQL: staff forward suspicious mail, Vigie judges the reported message,
answers by e-mail, shows the report to the technicians and marks the mail.

Also: linking a work address with a code that really travels by SMTP (``/adresse``).
"""

from __future__ import annotations

import asyncio
import email
import os
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.dovecot import Dovecot, available
from tests.auxil.smtp import SmtpSink
from tests.vigie.outbox.test_dispatcher import Transport
from tests.vigie.phishing.test_service import GROUP_CHAT, World, eml, make_settings, world
from vigie.outbox.dispatcher import Dispatcher
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.models import Person
from vigie.phishing.addresses import MAX_ATTEMPTS, AddressLinks
from vigie.phishing.mailbox import DONE_KEYWORD, MailboxError, ReportMailbox
from vigie.phishing.mailcheck import Limits
from vigie.phishing.models import PhishingReport
from vigie.phishing.service import PhishingService

__all__ = ["world"]  # the fixture, imported

pytestmark = pytest.mark.skipif(
    not available() and os.environ.get("VIGIE_SKIP_IMAP") == "1",
    reason="Dovecot missing (make test installs it) and VIGIE_SKIP_IMAP=1",
)

AUTHSERV = "mx.prestataire.test"
ANNE = "anne.martin@ehpad-lestilleuls.fr"  # staff of Les Tilleuls (u-anne)
COLIS = "phishing/colis_frais_colissimo.eml"


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[Dovecot]:
    with Dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The module's server, its mailbox emptied."""
    dovecot_server.clear()
    return dovecot_server


def mailbox_settings(server: Dovecot, smtp: SmtpSink, **overrides: Any) -> Any:
    env = server.env()
    values: dict[str, Any] = {
        "report_mailbox_host": env["REPORT_MAILBOX_HOST"],
        "report_mailbox_port": int(env["REPORT_MAILBOX_PORT"]),
        "report_mailbox_security": env["REPORT_MAILBOX_SECURITY"],
        "report_mailbox_user": env["REPORT_MAILBOX_USER"],
        "report_mailbox_password": env["REPORT_MAILBOX_PASSWORD"],
        "report_mailbox_address": "signalement@prestataire.test",
        "report_mailbox_timeout_seconds": 5.0,
        "mail_authserv_ids": [AUTHSERV],
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_timeout_seconds": 3.0,
        "mail_from": "vigie@prestataire.test",
        "technicians_chat_id": GROUP_CHAT,
    }
    return make_settings(**{**values, **overrides})


def wrapper(sender: str, subject: str, *, authenticated: bool = True) -> EmailMessage:
    outer = EmailMessage(policy=policy.default)
    outer["From"] = sender
    outer["To"] = "signalement@prestataire.test"
    outer["Subject"] = subject
    outer["Message-ID"] = f"<fwd-{abs(hash((sender, subject)))}@ehpad-lestilleuls.fr>"
    result = "pass" if authenticated else "fail"
    outer["Authentication-Results"] = (
        f"{AUTHSERV}; dmarc={result} header.from={sender.rpartition('@')[2].rstrip('>')}; "
        f"spf={result}; dkim={result}"
    )
    return outer


def attached_forward(sender: str, inner: bytes, **options: Any) -> bytes:
    """``inner`` forwarded as an attachment (Outlook's « Transférer en tant que pièce jointe »)."""
    outer = wrapper(sender, "TR: mail bizarre", **options)
    outer.set_content("Bonjour, j’ai reçu ce mail ce matin, est-ce normal ?")
    outer.add_attachment(email.message_from_bytes(inner, policy=policy.default))
    return outer.as_bytes()


def inline_forward(sender: str) -> bytes:
    """A fake Ameli mail forwarded inline (« TR : » and the forwarded header lines)."""
    outer = wrapper(sender, "TR: Votre compte Ameli")
    outer.set_content(
        "Bonjour, c’est normal ?\n\n-------- Message transféré --------\n"
        "De : Assurance Maladie <noreply@ameli-remboursement.info>\n"
        "Date : lun. 7 déc. 2026 à 07:12\nObjet : Votre remboursement\n"
        f"À : {sender}\n\n"
        "Votre remboursement de 148,20 € est en attente. Confirmez vos coordonnées bancaires "
        "sous 24h : http://ameli-remboursement.info/login.php\n"
    )
    return outer.as_bytes()


async def link(world: World, settings: Any, sender: str, address: str, smtp: SmtpSink) -> None:
    """Link ``address`` to ``sender`` the way a person does: the code arrives by SMTP."""
    links = AddressLinks(world.sessionmaker, settings)
    assert (await links.start(sender, address)).result == "sent"
    await Dispatcher(Outbox(world.sessionmaker), Transport(), settings).send_due()
    code = re.search(r"/adresse (\d{6})", smtp.received()[-1].message.get_content())
    assert code is not None
    assert (await links.confirm(sender, code.group(1))).result == "linked"


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def reports(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PhishingReport]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(PhishingReport).order_by(PhishingReport.id)))


class Stack:
    """The mailbox, the outbox dispatcher (real SMTP; Telegram rows recorded) and the IMAP
    server, for one test."""

    def __init__(self, world: World, settings: Any, limits: Limits | None = None) -> None:
        self.world = world
        self.settings = settings
        self.transport = Transport()
        self.dispatcher = Dispatcher(Outbox(world.sessionmaker), self.transport, settings)
        self.mailbox = ReportMailbox(
            phishing=PhishingService(world.sessionmaker, settings),
            links=AddressLinks(world.sessionmaker, settings),
            settings=settings,
            limits=limits,
        )

    async def poll(self) -> int:
        taken = await self.mailbox.poll_once()
        await self.dispatcher.send_due()
        return taken

    async def aclose(self) -> None:
        await self.mailbox.aclose()


@pytest.fixture
async def smtp() -> Iterator[SmtpSink]:  # type: ignore[misc]
    with SmtpSink() as sink:
        yield sink


async def test_a_linked_staff_members_attached_forward_is_judged_answered_and_shown(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    settings = mailbox_settings(dovecot, smtp)
    await link(world, settings, "u-anne", ANNE, smtp)
    stack = Stack(world, settings)
    try:
        uid = dovecot.deliver(attached_forward(f"Anne Martin <{ANNE}>", eml(COLIS)))
        assert await stack.poll() >= 1
        [report] = [r for r in await reports(world.sessionmaker) if r.source == "mailbox"]
        assert report.verdict == "dangereux"
        assert report.channel == "mailbox"
        assert report.person_id is not None and report.facility_id == world.facilities["tilleuls"]
        # The reporter's answer, by e-mail, in the thread of their forward.
        answer = smtp.received()[-1]
        assert answer.rcpt_tos == [ANNE]
        assert "dangereux" in answer.subject.lower()
        assert answer.message["In-Reply-To"].startswith("<fwd-")
        body = answer.message.get_content()
        assert "colissimo-suivi[.]info" in body  # the reasons, defanged
        assert "/adresse" not in body  # linked: no tip to link the address
        # The technicians got the report, with the way it came in, and the original.
        texts = " ".join(text for _, text in stack.transport.texts())
        assert "boîte de signalement" in texts
        assert stack.transport.documents and stack.transport.documents[0][0] == GROUP_CHAT
        # Marked on the server; a second poll takes nothing and answers nothing more.
        assert {"\\Seen", DONE_KEYWORD} <= dovecot.flags()[uid]
        before = len(smtp.received())
        assert await stack.poll() == 0
        assert len(smtp.received()) == before
    finally:
        await stack.aclose()


async def test_an_inline_forward_from_a_facility_address_is_judged_on_the_forwarded_mail(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    stack = Stack(world, mailbox_settings(dovecot, smtp))
    try:
        dovecot.deliver(inline_forward("Bob Durand <bob.durand@ehpad-lestilleuls.fr>"))
        await stack.poll()
        [report] = await reports(world.sessionmaker)
        assert report.verdict == "dangereux"
        assert "ameli-remboursement[.]info" in " ".join(report.analysis["reasons"])
        assert report.person_id is None  # the address is nobody's yet
        [answer] = smtp.received()
        assert answer.rcpt_tos == ["bob.durand@ehpad-lestilleuls.fr"]
        assert "/adresse" in answer.message.get_content()  # how to link it
        assert stack.transport.documents  # a facility's address: technicians see it
    finally:
        await stack.aclose()


async def test_a_stranger_is_never_answered_and_a_mail_without_a_forward_is_only_marked(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    stack = Stack(world, mailbox_settings(dovecot, smtp))
    try:
        forwarded = dovecot.deliver(attached_forward("someone@gmail.com", eml(COLIS)))
        direct = dovecot.deliver(eml(COLIS))  # phishing sent straight to the address
        await stack.poll()
        [report] = await reports(world.sessionmaker)  # the stranger's forward, stored…
        assert report.sender.startswith("m") and report.person_id is None
        assert smtp.received() == []  # …but nobody is written to
        assert stack.transport.documents == []  # and the technicians are not paged
        flags = dovecot.flags()
        assert DONE_KEYWORD in flags[forwarded] and DONE_KEYWORD in flags[direct]
    finally:
        await stack.aclose()


async def test_staff_writing_without_a_forward_or_too_big_a_mail_gets_how_to_forward(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    stack = Stack(world, mailbox_settings(dovecot, smtp), limits=Limits(max_bytes=20_000))
    try:
        note = wrapper(f"<{ANNE}>", "mail bizarre")
        note.set_content("Bonjour, j’ai reçu un mail bizarre, je vous le transfère ?")
        dovecot.deliver(note.as_bytes())
        big = attached_forward(ANNE, eml(COLIS) + b"\n" + b"x" * 30_000)
        dovecot.deliver(big)
        await stack.poll()
        assert await count(world.sessionmaker, PhishingReport) == 0
        answers = smtp.received()
        assert [a.rcpt_tos for a in answers] == [[ANNE], [ANNE]]
        assert "Transférer en tant que pièce jointe" in answers[0].message.get_content()
        assert "taille" in answers[1].message.get_content()
    finally:
        await stack.aclose()


async def test_automatic_mail_and_the_mailbox_itself_are_never_answered(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    stack = Stack(world, mailbox_settings(dovecot, smtp))
    try:
        reply = wrapper(f"<{ANNE}>", "Absent du bureau")
        reply["Auto-Submitted"] = "auto-replied"
        reply.set_content("Je suis absente jusqu’au 12.")
        dovecot.deliver(reply.as_bytes())
        own = wrapper("<vigie@prestataire.test>", "Vigie — analyse")
        own.set_content("Bonjour")
        dovecot.deliver(own.as_bytes())
        await stack.poll()
        assert smtp.received() == []
    finally:
        await stack.aclose()


async def test_a_mail_taken_twice_gives_one_report_and_one_answer(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    """A crash after the report was stored but before the mail was marked: the next poll
    takes it again and nothing is doubled."""
    settings = mailbox_settings(dovecot, smtp)
    stack = Stack(world, settings)
    try:
        data = attached_forward(f"<{ANNE}>", eml(COLIS))
        await stack.mailbox.take(data, key="mailbox:1:7")
        await stack.mailbox.take(data, key="mailbox:1:7")
        assert await count(world.sessionmaker, PhishingReport) == 1
        async with world.sessionmaker() as session:
            mails = await session.scalar(
                select(func.count()).where(OutboxMessage.channel == "email")
            )
        assert mails == 1
    finally:
        await stack.aclose()


async def test_the_forwarders_own_authentication_claims_never_clear_a_forwarded_mail(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    """A fake « noreply@ameli.fr » that claims dmarc=pass, forwarded by a linked person: the
    claim inside the forwarded mail is not the receiving server's, it counts for nothing."""
    settings = mailbox_settings(dovecot, smtp)
    await link(world, settings, "u-anne", ANNE, smtp)
    inner = (
        b"From: Ameli <noreply@ameli.fr>\r\n"
        b"Authentication-Results: mx.ameli.fr; dmarc=pass header.from=ameli.fr\r\n"
        b"Subject: Remboursement en attente\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b'<p>Confirmez vos coordonn\xc3\xa9es bancaires : <a href="http://ameli-secu.top/l">'
        b"https://www.ameli.fr</a></p>\r\n"
    )
    stack = Stack(world, settings)
    try:
        dovecot.deliver(attached_forward(ANNE, inner))
        await stack.poll()
        [report] = [r for r in await reports(world.sessionmaker) if r.source == "mailbox"]
        assert report.verdict == "dangereux"
    finally:
        await stack.aclose()


async def test_a_wrong_password_or_a_server_down_is_an_error_the_loop_survives(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    wrong = mailbox_settings(dovecot, smtp, report_mailbox_password="pas-le-bon")
    stack = Stack(world, wrong)
    try:
        with pytest.raises(MailboxError):
            await stack.mailbox.poll_once()
    finally:
        await stack.aclose()
    down = mailbox_settings(dovecot, smtp, report_mailbox_port=1, report_mailbox_poll_seconds=0.05)
    stack = Stack(world, down)
    try:
        stop = asyncio.Event()
        task = asyncio.create_task(stack.mailbox.run(stop))
        await asyncio.sleep(0.3)
        assert not task.done()  # still polling
        stop.set()
        await asyncio.wait_for(task, 5)
    finally:
        await stack.aclose()


async def test_imaps_with_the_providers_certificate_authority(world: World, smtp: SmtpSink) -> None:
    with Dovecot(tls=True) as server:
        unknown_ca = Stack(world, mailbox_settings(server, smtp))
        try:
            with pytest.raises(OSError):  # ssl.SSLCertVerificationError
                await unknown_ca.mailbox.poll_once()
        finally:
            await unknown_ca.aclose()
        settings = mailbox_settings(server, smtp, report_mailbox_ca_file=server.certificate)
        stack = Stack(world, settings)
        try:
            server.deliver(inline_forward(f"<{ANNE}>"))
            assert await stack.poll() == 1
            assert len(smtp.received()) == 1
        finally:
            await stack.aclose()


# --- Linking an address ------------------------------------------------------------------------


async def test_an_address_is_linked_only_with_the_code_sent_to_it(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    settings = mailbox_settings(dovecot, smtp)
    links = AddressLinks(world.sessionmaker, settings)
    assert (await links.start("u-anne", "pas une adresse")).result == "invalid"
    assert (await links.start("u-stranger", ANNE)).result == "not_registered"
    assert (await links.start("u-anne", ANNE)).result == "sent"
    assert (await links.start("u-anne", ANNE)).result == "wait"  # no flood
    await Dispatcher(Outbox(world.sessionmaker), Transport(), settings).send_due()
    [mail] = smtp.received()
    assert mail.rcpt_tos == [ANNE]
    code = re.search(r"/adresse (\d{6})", mail.message.get_content())
    assert code is not None
    wrong = "000000" if code.group(1) != "000000" else "111111"
    outcome = await links.confirm("u-anne", wrong)
    assert (outcome.result, outcome.attempts_left) == ("wrong", MAX_ATTEMPTS - 1)
    assert (await links.confirm("u-anne", code.group(1))).result == "linked"
    assert (await links.person_for(ANNE.upper())) is not None
    # Stored as a keyed hash only: the address is in no column of people.
    async with world.sessionmaker() as session:
        keys = list(await session.scalars(select(Person.address_key)))
    assert ANNE not in " ".join(k or "" for k in keys)
    assert (await links.unlink("u-anne")).result == "unlinked"
    assert await links.person_for(ANNE) is None


async def test_too_many_wrong_codes_end_the_attempt(
    world: World, dovecot: Dovecot, smtp: SmtpSink
) -> None:
    links = AddressLinks(world.sessionmaker, mailbox_settings(dovecot, smtp))
    assert (await links.start("u-anne", ANNE)).result == "sent"
    results = [(await links.confirm("u-anne", f"99999{i}")).result for i in range(6)]
    # (one chance in 170,000 that the random code is one of these)
    assert results == ["wrong"] * (MAX_ATTEMPTS - 1) + ["expired", "expired"]
