"""The tips of the week: opting in and out, and the weekly job.

Each person who opted in gets one tip a week, on a working day between ``TIPS_FROM_HOUR``
and ``TIPS_UNTIL_HOUR`` of their facility's time zone (never at night, never on a holiday of
``TIPS_CALENDARS``), chosen for their job, never twice, the season's first. The tip and the
row saying it was sent are written in one transaction through the outbox, whose dispatcher
keeps within Telegram's limits; a person who blocked the bot is taken off the list."""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigie.awareness import texts
from vigie.awareness.models import TipSent, TipSubscription
from vigie.awareness.tips import Tip, choose, is_holiday, load_tips, tips_folder
from vigie.core import callbacks
from vigie.core.clock import Clock, default_clock
from vigie.core.messages import Button, OutgoingMessage
from vigie.core.settings import Settings
from vigie.core.typography import french_typography
from vigie.knowledge import knowledge_base_at
from vigie.knowledge.render import faq_payload
from vigie.outbox.store import Outbox
from vigie.people.models import Facility, Person
from vigie.people.roles import STAFF_ROLES

logger = logging.getLogger(__name__)

WEEK = timedelta(days=7)
#: How many people one transaction of the weekly job handles (a run goes through them all):
#: small, with a pause between two, because the job runs in the bot's event loop and a
#: transaction is CPU time (choosing and rendering the tips) during which live answers wait
#: (docs/benchmarks.md: 2,000 at a time held answers up to 3.5 s; 200 at most 0.12 s).
BATCH = 200
BATCH_PAUSE_SECONDS = 0.1
#: The outbox batch of a day's tips: sent after the one-to-one messages (Outbox.due).
TIPS_BATCH_PREFIX = "tips:"


@dataclass(frozen=True)
class Status:
    registered: bool
    subscribed: bool


async def facility_staff(session: AsyncSession, sender: str) -> Person | None:
    """The active staff member or referent of a facility behind ``sender`` (None otherwise):
    who may receive tips and take quizzes."""
    person = await session.scalar(select(Person).where(Person.sender == sender))
    if person is None or not person.active or person.facility_id is None:
        return None
    return person if person.role in STAFF_ROLES else None


def tip_message(tip: Tip, title: str) -> OutgoingMessage:
    """The tip, a button to its article, one to a quiz, and one to stop."""
    body = texts.TIP.format(text=html.escape(french_typography(tip.text)))
    more = french_typography(texts.MORE_LABEL).format(title=title)
    stop = Button(texts.STOP_LABEL, callbacks.encode(texts.TIPS_ACTION, texts.OFF))
    quiz = Button(texts.QUIZ_OFFER_LABEL, callbacks.encode(texts.QUIZ_ACTION, texts.NEW))
    return OutgoingMessage(
        french_typography(body), (Button(more[:64], faq_payload(tip.topic)), quiz, stop)
    )


class Awareness:
    """Tips of the week over the application's database."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock or default_clock()
        self._tips: list[Tip] | None = None
        self._titles: dict[str, str] = {}

    async def tips(self) -> list[Tip]:
        """The tips, loaded once (with the articles' titles)."""
        if self._tips is None:
            knowledge = await asyncio.to_thread(knowledge_base_at, self._settings.knowledge_dir)
            folder = tips_folder(self._settings.knowledge_dir)
            self._tips = await asyncio.to_thread(load_tips, folder, knowledge)
            self._titles = {article.id: article.title for article in knowledge}
        return self._tips

    # --- Opting in and out -----------------------------------------------------------------

    async def status(self, sender: str) -> Status:
        async with self._sessionmaker() as session:
            person = await facility_staff(session, sender)
            if person is None:
                return Status(registered=False, subscribed=False)
            row = await session.get(TipSubscription, person.id)
            return Status(registered=True, subscribed=bool(row and row.active))

    async def subscribe(self, sender: str, active: bool) -> bool:
        """Opt in (or out); False when the person is not registered staff."""
        async with self._sessionmaker() as session:
            person = await facility_staff(session, sender)
            if person is None:
                return False
            row = await session.get(TipSubscription, person.id)
            if row is None:
                row = TipSubscription(person_id=person.id)
                session.add(row)
            row.active = active
            row.changed_at = self._clock.now()
            await session.commit()
        return True

    async def blocked(self, chat_id: int, channel: str = "telegram") -> int:
        """The bot was blocked by this chat: off the list (how many subscriptions ended)."""
        async with self._sessionmaker() as session:
            rows = (
                await session.scalars(
                    select(TipSubscription)
                    .join(Person, Person.id == TipSubscription.person_id)
                    .where(
                        Person.chat_id == chat_id,
                        Person.channel == channel,
                        TipSubscription.active.is_(True),
                    )
                )
            ).all()
            for row in rows:
                row.active = False
                row.changed_at = self._clock.now()
            await session.commit()
        if rows:
            logger.info("Tips: a chat that blocked the bot was taken off the list")
        return len(rows)

    # --- The weekly job --------------------------------------------------------------------

    async def send_due(self) -> int:
        """Queue the tip of every person due one now, ``BATCH`` people per transaction;
        how many were queued."""
        now = self._clock.now()
        tips = await self.tips()
        if not tips:
            return 0
        queued, after = 0, 0
        batch = f"{TIPS_BATCH_PREFIX}{now:%Y-%m-%d}"
        while True:
            count, last = await self._send_batch(tips, now, after, batch)
            queued += count
            if last is None:
                break
            after = last
            await asyncio.sleep(BATCH_PAUSE_SECONDS)  # live answers first; the job can wait
        if queued:
            logger.info("Tips: %s queued", queued)
        return queued

    async def _send_batch(
        self, tips: list[Tip], now: datetime, after: int, batch: str
    ) -> tuple[int, int | None]:
        """The tips of the next ``BATCH`` people due (by id, after ``after``): how many were
        queued, and the last id read (None when there was nobody left)."""
        last_sent = (
            select(TipSent.person_id, func.max(TipSent.sent_at).label("last"))
            .group_by(TipSent.person_id)
            .subquery()
        )
        async with self._sessionmaker() as session:
            rows = (
                await session.execute(
                    select(Person.id, Person.chat_id, Person.job, Facility.timezone)
                    .join(TipSubscription, TipSubscription.person_id == Person.id)
                    .join(Facility, Facility.id == Person.facility_id)
                    .outerjoin(last_sent, last_sent.c.person_id == Person.id)
                    .where(
                        TipSubscription.active.is_(True),
                        Person.active.is_(True),
                        Person.channel == "telegram",
                        (last_sent.c.last.is_(None)) | (last_sent.c.last <= now - WEEK),
                        Person.id > after,
                    )
                    .order_by(Person.id)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                return 0, None
            last_id = int(rows[-1][0])
            due = [
                (person_id, chat_id, job)
                for person_id, chat_id, job, zone in rows
                if self._good_moment(now, zone)
            ]
            if not due:
                return 0, last_id
            sent_before: dict[int, set[str]] = {}
            for person_id, tip_id in (
                await session.execute(
                    select(TipSent.person_id, TipSent.tip_id).where(
                        TipSent.person_id.in_([d[0] for d in due])
                    )
                )
            ).all():
                sent_before.setdefault(person_id, set()).add(tip_id)
            queued = 0
            for person_id, chat_id, job in due:
                tip = choose(tips, job, sent_before.get(person_id, set()), now.month)
                if tip is None:
                    continue
                message = tip_message(tip, self._titles.get(tip.topic, tip.topic))
                Outbox.add(
                    session,
                    channel="telegram",
                    destination=str(chat_id),
                    payload=message.to_custom(),
                    batch=batch,  # after the one-to-one messages (Outbox.due)
                )
                session.add(TipSent(person_id=person_id, tip_id=tip.id, sent_at=now))
                queued += 1
            await session.commit()
        return queued, last_id

    def _good_moment(self, now: datetime, zone: str | None) -> bool:
        """A working day, within the tips' hours, not a holiday, at the facility."""
        local = now.astimezone(ZoneInfo(zone or "Europe/Paris"))
        settings = self._settings
        return (
            local.weekday() < 5
            and settings.tips_from_hour <= local.hour < settings.tips_until_hour
            and not is_holiday(local.date(), settings.tips_calendars.split(","))
        )
