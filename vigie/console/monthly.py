"""The monthly report, sent by itself: once the month is over and it is morning at the
facility (never at night), each facility's active referents receive its PDF in Telegram,
through the outbox. One row per facility and month (``monthly_reports``) makes it once,
whatever the number of processes; the report and its rows are written in one transaction."""

from __future__ import annotations

import asyncio
import base64
import html
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.console.models import MonthlyReportSent
from vigie.console.report_texts import month_name
from vigie.core.clock import Clock, default_clock
from vigie.core.messages import OutgoingMessage
from vigie.core.settings import Settings
from vigie.core.typography import french_typography
from vigie.knowledge.loader import KnowledgeBase, KnowledgeError
from vigie.outbox.store import Outbox
from vigie.people.models import Facility, Person
from vigie.people.roles import Role
from vigie.tickets.service import email_message_id

logger = logging.getLogger(__name__)

#: Sent from this local hour on the first days of the month, until this one (never at night).
SEND_FROM_HOUR, SEND_UNTIL_HOUR = 8, 20
CAPTION = (
    "<b>Rapport mensuel de cybersécurité – {facility}</b>\n"
    "Le bilan de {month} : questions posées à Vigie, demandes d’assistance, mails suspects, "
    "incidents, et trois conseils pour le mois qui vient. Les chiffres à jour sont dans la "
    "console de suivi (/console)."
)


EMAIL_BODY = (
    "Bonjour,\n\n"
    "Voici le rapport mensuel de cybersécurité de {facility} pour {month}, préparé par Vigie "
    "pour {provider} : questions posées, demandes d’assistance, mails suspects, incidents, et "
    "trois conseils pour le mois qui vient (fichier PDF joint).\n\n"
    "Les chiffres à jour sont dans la console de suivi : envoyez /console à Vigie dans "
    "Telegram pour recevoir un lien de connexion.\n\n"
    "Ce message est envoyé automatiquement, merci de ne pas y répondre.\n"
)


def previous_month(day: date) -> str:
    """``"2026-11"`` for any day of December 2026."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return f"{year:04d}-{month:02d}"


class MonthlyReports:
    """The monthly job of the housekeeping."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock or default_clock()
        self._titles: dict[str, str] | None = None

    async def _article_titles(self) -> dict[str, str]:
        if self._titles is None:
            try:
                knowledge = await asyncio.to_thread(
                    KnowledgeBase.load, self._settings.knowledge_dir
                )
                self._titles = {article.id: article.title for article in knowledge}
            except KnowledgeError:
                logger.warning("Knowledge base unreadable: report topics named by their ids")
                self._titles = {}
        return self._titles

    async def send_due(self) -> int:
        """Queue every report due now; how many facilities got theirs."""
        now = self._clock.now()
        async with self._sessionmaker() as session:
            facilities = (await session.scalars(select(Facility).order_by(Facility.id))).all()
            done = set(
                (
                    await session.execute(
                        select(MonthlyReportSent.facility_id, MonthlyReportSent.month)
                    )
                )
                .tuples()
                .all()
            )
        sent = 0
        for facility in facilities:
            local = now.astimezone(ZoneInfo(facility.timezone or "Europe/Paris"))
            if not SEND_FROM_HOUR <= local.hour < SEND_UNTIL_HOUR:
                continue
            month = previous_month(local.date())
            if (facility.id, month) in done or facility.created_at.astimezone(
                ZoneInfo(facility.timezone or "Europe/Paris")
            ).strftime("%Y-%m") > month:
                continue  # sent, or the facility did not exist yet that month
            if await self._send(facility.id, facility.name, facility.report_email, month, now):
                sent += 1
        return sent

    async def _send(
        self, facility_id: int, name: str, email: str | None, month: str, now: datetime
    ) -> bool:
        async with self._sessionmaker() as session:
            chats = (
                await session.scalars(
                    select(Person.chat_id).where(
                        Person.facility_id == facility_id,
                        Person.role == Role.REFERENT.value,
                        Person.active.is_(True),
                        Person.channel == "telegram",
                    )
                )
            ).all()
        email = email if email and self._settings.smtp_host else None
        if not chats and not email:
            return False
        from vigie.console.report import monthly_report  # fpdf2: loaded when a report is due

        pdf = await monthly_report(
            self._sessionmaker, self._settings, facility_id, month, await self._article_titles()
        )
        year, number = (int(part) for part in month.split("-"))
        caption = french_typography(CAPTION).format(
            facility=html.escape(name), month=month_name(year, number)
        )
        payload = dict(OutgoingMessage(caption).to_custom())
        document = {
            "filename": f"rapport-vigie-{month}.pdf",
            "base64": base64.b64encode(pdf).decode("ascii"),
        }
        payload["document"] = document
        async with self._sessionmaker() as session:
            session.add(
                MonthlyReportSent(
                    facility_id=facility_id,
                    month=month,
                    sent_at=now,
                    recipients=len(chats) + (1 if email else 0),
                )
            )
            for chat in chats:
                Outbox.add(session, channel="telegram", destination=str(chat), payload=payload)
            if email:
                Outbox.add(
                    session,
                    channel="email",
                    destination=email,
                    payload=self._email(facility_id, name, month, document),
                )
            try:
                await session.commit()
            except IntegrityError:  # another process queued it first
                await session.rollback()
                return False
        logger.info("Monthly report %s queued for facility %s (%s)", month, facility_id, len(chats))
        return True

    def _email(
        self, facility_id: int, name: str, month: str, document: dict[str, str]
    ) -> dict[str, object]:
        """The e-mail of the report to the facility's address, the PDF attached."""
        year, number = (int(part) for part in month.split("-"))
        label = month_name(year, number)
        return {
            "subject": f"Rapport mensuel de cybersécurité – {name} – {label}",
            "body": french_typography(EMAIL_BODY).format(
                facility=name, month=label, provider=self._settings.provider_name
            ),
            "message_id": email_message_id(
                f"RAPPORT-{facility_id}-{month}", self._settings.mail_from
            ),
            "attachment": {**document, "mime": "application/pdf"},
        }
