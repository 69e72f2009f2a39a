"""The monthly report sent by itself: in the morning of the 1st at the facility, once per
facility and month, to its active referents in Telegram, through the outbox; nobody at night,
nothing for a facility without a referent or created after the month."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.auxil.smtp import SmtpSink
from vigie.console.models import MonthlyReportSent
from vigie.console.monthly import MonthlyReports, previous_month
from vigie.core.clock import FakeClock, set_default_clock
from vigie.core.settings import Settings
from vigie.outbox.models import OutboxMessage
from vigie.people.directory import Directory

SECRET = "monthly-test-secret-0123456789abcdef"


def test_previous_month() -> None:
    assert previous_month(datetime(2026, 12, 1).date()) == "2026-11"
    assert previous_month(datetime(2027, 1, 1).date()) == "2026-12"


async def test_sent_once_in_the_morning_to_the_referents(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    settings = Settings(_env_file=None, pseudonym_secret=SECRET, provider_name="Axion Santé")  # type: ignore[call-arg]
    directory = Directory(sessionmaker)
    clock = FakeClock(datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
    previous = set_default_clock(clock)
    try:
        paris = await directory.create_facility("EHPAD Les Tilleuls", "Brive")
        noumea = await directory.create_facility(
            "Foyer du Lagon", "Nouméa", timezone="Pacific/Noumea"
        )
        alone = await directory.create_facility("SSIAD Sans Référent", "Tulle")
        for facility, role, chat, sender in (
            (paris, "referent", 41, "r-41"),
            (paris, "referent", 42, "r-42"),
            (paris, "staff", 43, "s-43"),
            (noumea, "referent", 44, "r-44"),
            (alone, "staff", 45, "s-45"),
        ):
            code = await directory.create_invitation(facility_id=facility.id, role=role)
            await directory.redeem_invitation(
                code.code, channel="telegram", chat_id=chat, sender=sender
            )
        jobs = MonthlyReports(sessionmaker, settings, clock)
        # 1 December, 05:00 UTC: 06:00 in Paris (too early), 16:00 in Nouméa (due).
        clock.advance((datetime(2026, 12, 1, 5, 0, tzinfo=UTC) - clock.now()).total_seconds())
        assert await jobs.send_due() == 1
        clock.advance((datetime(2026, 12, 1, 6, 0, tzinfo=UTC) - clock.now()).total_seconds())
        late = await directory.create_facility("MAS Nouvelle", "Rodez")  # created on 1 December
        code = await directory.create_invitation(facility_id=late.id, role="referent")
        await directory.redeem_invitation(code.code, channel="telegram", chat_id=46, sender="r-46")

        # 08:00 UTC: 09:00 in Paris: the EHPAD (its two referents, not its staff); MAS
        # Nouvelle did not exist in November; the SSIAD has no referent.
        clock.advance((datetime(2026, 12, 1, 8, 0, tzinfo=UTC) - clock.now()).total_seconds())
        assert await jobs.send_due() == 1
        assert await jobs.send_due() == 0  # once
        assert await MonthlyReports(sessionmaker, settings, clock).send_due() == 0
    finally:
        set_default_clock(previous)

    async with sessionmaker() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        sent = (await session.scalars(select(MonthlyReportSent))).all()
    assert sorted((r.facility_id, r.month, r.recipients) for r in sent) == [
        (paris.id, "2026-11", 2),
        (noumea.id, "2026-11", 1),
    ]
    assert [r.destination for r in rows] == ["44", "41", "42"]
    document = rows[1].payload["document"]
    assert document["filename"] == "rapport-vigie-2026-11.pdf"
    pdf = PdfReader(io.BytesIO(base64.b64decode(document["base64"])))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "EHPAD Les Tilleuls" in text and "novembre 2026" in text
    assert "Rapport mensuel" in rows[1].payload["html"]


async def test_also_e_mailed_with_the_pdf_attached(
    sessionmaker: async_sessionmaker[AsyncSession], smtp_sink: SmtpSink
) -> None:
    """A facility with a report address: the same PDF by e-mail, through the outbox and a
    real SMTP server (aiosmtpd); no referent in Telegram needed."""
    from vigie.outbox.dispatcher import Dispatcher
    from vigie.outbox.store import Outbox

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        pseudonym_secret=SECRET,
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        mail_from=smtp_sink.mail_from,
    )
    directory = Directory(sessionmaker)
    clock = FakeClock(datetime(2026, 10, 15, 9, 0, tzinfo=UTC))
    previous = set_default_clock(clock)
    try:
        facility = await directory.create_facility("IME Les Hirondelles", "Albi")
        await directory.set_report_email(facility.id, "direction@ime-hirondelles.example")
        clock.advance((datetime(2026, 12, 1, 9, 0, tzinfo=UTC) - clock.now()).total_seconds())
        assert await MonthlyReports(sessionmaker, settings, clock).send_due() == 1
    finally:
        set_default_clock(previous)

    class NoChat:
        async def deliver(self, chat_id: int, messages: object) -> None:
            raise AssertionError("nothing goes to a chat")

        async def send_document(self, *args: object) -> None:
            raise AssertionError("nothing goes to a chat")

    await Dispatcher(Outbox(sessionmaker), NoChat(), settings).send_due()  # type: ignore[arg-type]
    [received] = smtp_sink.received()
    assert received.rcpt_tos == ["direction@ime-hirondelles.example"]
    assert "IME Les Hirondelles – novembre 2026" in received.subject
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "rapport-vigie-2026-11.pdf"
    assert attachment.get_content_type() == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text().split())
    assert "IME Les Hirondelles" in text


async def test_a_bad_report_address_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    import pytest

    from vigie.people.directory import DirectoryError

    directory = Directory(sessionmaker)
    facility = await directory.create_facility("EHPAD Test", "Albi")
    for bad in ("pas-une-adresse", "a@b", "x y@z.fr", "<a@b.fr>"):
        with pytest.raises(DirectoryError):
            await directory.set_report_email(facility.id, bad)
    assert (await directory.set_report_email(facility.id, None)).report_email is None
