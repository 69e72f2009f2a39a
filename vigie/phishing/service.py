"""Suspicious e-mail reports: storage, grouping into campaigns, the technicians' verdict and
the staff warning.

The bot analyses a message (``vigie.phishing.mailcheck.analyse``) and stores it with
:meth:`PhishingService.submit`; the conversation records what the person did with
:meth:`PhishingService.record_action`, which queues the technicians' report (a message and the
original file as a document). Every mutating method runs in ONE transaction holding the change
and its notifications (rows of the outbox, sent later by the bot's dispatcher). Subjects,
addresses and contents of the e-mails are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    and_,
    delete,
    distinct,
    exists,
    false,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import defer

from vigie.core.channels import CHAT_CHANNELS
from vigie.core.messages import OutgoingMessage
from vigie.core.redaction import redact
from vigie.core.settings import Settings
from vigie.db.base import utcnow
from vigie.outbox.models import OutboxMessage
from vigie.outbox.store import Outbox
from vigie.people.directory import PersonView, technician_chats
from vigie.people.models import Facility, Person
from vigie.people.roles import STAFF_ROLES, is_technician
from vigie.phishing import desk_texts as texts
from vigie.phishing.mailcheck.signals import FREE_HOSTING, SHORTENERS, TRACKERS
from vigie.phishing.mailcheck.trusted import (
    FREEMAIL_DOMAINS,
    TrustedDomains,
    belongs_to,
    clean_host,
)
from vigie.phishing.mailcheck.verdict import Analysis, trusted_domains
from vigie.phishing.models import PhishingCampaign, PhishingExpectation, PhishingKey, PhishingReport
from vigie.phishing.texts import Outcome, ticket_problem
from vigie.phishing.views import CampaignView, ReportView
from vigie.phishing.vocabulary import MAIL_ACTIONS, REPORT_SOURCES, TECH_VERDICTS, WARN_SCOPES
from vigie.tickets.views import TicketDraft

logger = logging.getLogger(__name__)

#: Roles that may judge a campaign and warn the staff.
#: Roles warned by « Prévenir le personnel ».
#: Signals meaning the e-mail asks for money or bank details / for credentials or a code.
PAYMENT_SIGNALS = frozenset({"payment_change", "payment_request", "ceo_fraud"})
CREDENTIAL_SIGNALS = frozenset({"credentials_request", "account_check", "html_form"})
#: A normalised subject shorter than this is too common to group reports.
MIN_SUBJECT_KEY_CHARS = 12
MAX_KEY_CHARS = 300
STALE_BATCH = 100
WARN_BATCH_PREFIX = "warn:"
# Key of the PostgreSQL advisory lock serialising the grouping of reports ("VP").
_ADVISORY_LOCK_KEY = 0x5650

_SUBJECT_PREFIX = re.compile(r"^\s*(?:re|tr|fw|fwd|rv|wg|aw)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*")
_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[^\w#]+|_+")

PhishingErrorCode = Literal[
    "not_found", "not_technician", "bad_value", "already_warned", "nobody", "judged_legit"
]


class PhishingError(Exception):
    """A refused operation; ``code`` says why."""

    def __init__(self, code: PhishingErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: PhishingErrorCode = code


# --- Grouping keys (pure) --------------------------------------------------------------------


def normalise_subject(subject: str) -> str | None:
    """The subject as a grouping key: lower case, no accents, no leading « RE: », « TR: »,
    « Fwd: »…, digits as ``#``, punctuation as spaces; None when it has fewer than 12 letters
    (« Facture F2026-0142 »: too common to say two reports are the same campaign)."""
    value = unicodedata.normalize("NFKD", subject.lower())
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    previous = None
    while previous != value:
        previous = value
        value = _SUBJECT_PREFIX.sub("", value)
    value = _DIGITS.sub("#", value)
    value = " ".join(_NOT_WORD.sub(" ", value).split())
    if len(value.replace("#", "").replace(" ", "")) < MIN_SUBJECT_KEY_CHARS:
        return None
    return value[:MAX_KEY_CHARS]


def sender_domain_key(domain: str, trusted: TrustedDomains) -> str | None:
    """The sender's domain, unless it is a free-mail provider's or a trusted one."""
    cleaned = clean_host(domain)
    if not cleaned or "." not in cleaned or len(cleaned) > MAX_KEY_CHARS:
        return None
    if belongs_to(cleaned, FREEMAIL_DOMAINS) or trusted.is_trusted(cleaned):
        return None
    return cleaned


def link_host_key(host: str, trusted: TrustedDomains) -> str | None:
    """A link's host, unless trusted, a shortener, a click tracker or a shared hosting
    platform's own name (``docs.google.com``; an attacker's ``x.web.app`` is kept)."""
    cleaned = clean_host(host)
    if not cleaned or len(cleaned) > MAX_KEY_CHARS or trusted.is_trusted(cleaned):
        return None
    if belongs_to(cleaned, SHORTENERS) or belongs_to(cleaned, TRACKERS):
        return None
    if cleaned in FREE_HOSTING or belongs_to(cleaned, FREEMAIL_DOMAINS):
        return None
    return cleaned


def campaign_keys(analysis: Analysis, trusted: TrustedDomains) -> list[tuple[str, str]]:
    """The ``(kind, value)`` keys a report shares with the other reports of its campaign."""
    keys: list[tuple[str, str]] = []
    domain = sender_domain_key(analysis.sender_domain, trusted)
    if domain:
        keys.append(("domain", domain))
    for host in analysis.link_hosts:
        value = link_host_key(host, trusted)
        if value:
            keys.append(("host", value))
    subject = normalise_subject(analysis.subject)
    if subject:
        keys.append(("subject", subject))
    for digest in analysis.attachment_sha256:
        cleaned = digest.strip().lower()
        if cleaned:
            keys.append(("sha256", cleaned[:MAX_KEY_CHARS]))
    return list(dict.fromkeys(keys))


# What each answer of the reporter needs: (urgency, device, care impact) of the urgent ticket.
URGENT_TICKETS: dict[str, tuple[str, str, str]] = {
    "credentials": ("critical", "email", "yes"),
    "clicked_asked": ("high", "email", "yes"),
    "attachment": ("critical", "workstation", "degraded"),
    "replied": ("normal", "email", "yes"),  # "high" when the e-mail asks for a payment
}


def ticket_draft(action: str, view: ReportView) -> TicketDraft | None:
    """The urgent ticket the reporter's answer needs (``mail_action``), or ``None``."""
    if action not in URGENT_TICKETS:
        return None
    urgency, device, care_impact = URGENT_TICKETS[action]
    if action == "replied" and view.asks_payment:
        urgency = "high"
    return TicketDraft(
        problem=ticket_problem(action, view.id, asks_payment=view.asks_payment),
        device=device,
        scope="me",
        care_impact=care_impact,
        urgency=urgency,
    )


def ticket_key(report_id: int) -> str:
    """The idempotency key of the urgent ticket of a report: one ticket per report."""
    return f"phishing-{report_id}"


def reflexes_outcome(view: ReportView, ticket: Outcome | None, recorded: bool) -> Outcome:
    """What to tell the reporter after their answer: the urgent ticket's outcome when one
    was needed, else whether the report reached the technicians (only registered reporters'
    do; ``recorded`` is False when the answer could not be stored)."""
    outcome: Outcome = "reported" if view.registered else "not_registered"
    if ticket is not None:
        outcome = ticket
    if not recorded and outcome == "reported":
        outcome = "failed"
    return outcome


def expected_chat(person: PersonView | None, channel: str | None) -> tuple[str, int]:
    """The channel and chat an expected e-mail will come from: the channel the person writes
    from (else their own, else Telegram) and their chat id on it (0 when unknown: the bot
    only needs the sender to know that an e-mail is expected)."""
    channel = channel or (person.channel if person else "telegram")
    chat_id = person.chat_id if person is not None and person.channel == channel else 0
    return channel, chat_id


def warn_batch(campaign_id: int) -> str:
    """The outbox batch of a campaign's staff warning."""
    return f"{WARN_BATCH_PREFIX}{campaign_id}"


def document_filename(report_id: int, source: str) -> str:
    """``signalement-12.eml`` (``.txt`` for a pasted text): the name technicians download."""
    extension = {"eml": "eml", "photo": "jpg", "msg": "msg", "mailbox": "eml"}.get(source, "txt")
    return f"signalement-{report_id}.{extension}"


# --- The service -------------------------------------------------------------------------------


class PhishingService:
    """Reports of suspicious e-mails, their campaigns and their notifications."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._trusted: TrustedDomains | None = None

    @property
    def trusted(self) -> TrustedDomains:
        """The trusted domains (defaults plus ``MAIL_TRUSTED_DOMAINS``), built on first use."""
        if self._trusted is None:
            self._trusted = TrustedDomains(trusted_domains(self._settings.mail_trusted_domains))
        return self._trusted

    # --- Expected e-mails --------------------------------------------------------------------

    async def expect(
        self, sender: str, channel: str, chat_id: int, minutes: float | None = None
    ) -> None:
        """The sender was asked for the e-mail: their next text with a link or an address is
        taken as that e-mail for ``minutes`` (``PHISHING_EXPECT_MINUTES`` by default)."""
        delay = self._settings.phishing_expect_minutes if minutes is None else minutes
        expires_at = utcnow() + timedelta(minutes=max(0.0, delay))
        for _ in range(2):
            async with self._sessionmaker() as session:
                row = await session.get(PhishingExpectation, sender)
                if row is None:
                    session.add(
                        PhishingExpectation(
                            sender=sender, channel=channel, chat_id=chat_id, expires_at=expires_at
                        )
                    )
                else:
                    row.channel, row.chat_id, row.expires_at = channel, chat_id, expires_at
                try:
                    await session.commit()
                    return
                except IntegrityError:  # written at the same time by another call: update it
                    await session.rollback()
        raise RuntimeError("could not record the expected e-mail")

    async def expecting(self, sender: str) -> bool:
        """Whether an e-mail is expected from the sender (and not expired)."""
        async with self._sessionmaker() as session:
            found = await session.scalar(
                select(PhishingExpectation.sender).where(
                    PhishingExpectation.sender == sender,
                    PhishingExpectation.expires_at > utcnow(),
                )
            )
            return found is not None

    # --- Reports -----------------------------------------------------------------------------

    async def submit(
        self,
        *,
        sender: str,
        channel: str,
        chat_id: int,
        data: bytes,
        source: Literal["eml", "text", "photo", "msg", "mailbox"],
        filename: str,
        analysis: Analysis,
        update_key: str | None = None,
        notify: bool = False,
        reply: tuple[str, dict[str, Any]] | None = None,
    ) -> ReportView:
        """Store a report (original, analysis, grouping keys) in the campaign of the latest
        report seen within ``PHISHING_CAMPAIGN_WINDOW_HOURS`` sharing a key, or a new one;
        clear the expectation. Nobody is notified yet (see :meth:`record_action`).

        ``update_key`` names the update that brought the mail (``telegram:<update_id>``): the
        same key again (a redelivered update) gives back the report already stored.

        The reporting mailbox has no conversation to ask what the person did: ``notify`` sends
        the report to the technicians at once (« non précisé »), and ``reply`` (address,
        e-mail payload) queues the answer to the reporter, both in the report's transaction.
        """
        if source not in REPORT_SOURCES:
            raise PhishingError("bad_value", "source")
        if update_key is not None and not 0 < len(update_key) <= 64:
            raise PhishingError("bad_value", "update_key")
        keys = campaign_keys(analysis, self.trusted)
        async with self._sessionmaker() as session:
            if update_key is not None:
                known = await self._report_views(session, PhishingReport.update_key == update_key)
                if known:
                    logger.info("phishing report %s: update already taken in", known[0].id)
                    return known[0]
            # The first statement writes: it takes SQLite's write lock until commit.
            await session.execute(
                delete(PhishingExpectation).where(PhishingExpectation.sender == sender),
                execution_options={"synchronize_session": False},
            )
            await self._lock_grouping(session)
            now = utcnow()
            person = await session.scalar(select(Person).where(Person.sender == sender))
            registered = person is not None and person.active and person.facility_id is not None
            campaign = await self._matching_campaign(session, keys, now)
            if campaign is None:
                campaign = PhishingCampaign(
                    created_at=now,
                    last_seen_at=now,
                    subject=analysis.subject[:300],
                    sender_domain=analysis.sender_domain[:255] or None,
                    warn_total=0,
                )
                session.add(campaign)
                await session.flush()
            else:
                campaign.last_seen_at = now
            report = PhishingReport(
                created_at=now,
                campaign_id=campaign.id,
                person_id=person.id if registered and person is not None else None,
                facility_id=person.facility_id if registered and person is not None else None,
                sender=sender,
                channel=channel,
                chat_id=chat_id,
                source=source,
                filename=(filename or document_filename(0, source))[:200],
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                original=bytes(data),
                verdict=analysis.verdict,
                score=analysis.score,
                analysis=analysis.to_json(),
                subject=analysis.subject[:300],
                update_key=update_key,
            )
            session.add(report)
            await session.flush()
            session.add_all(PhishingKey(report_id=report.id, kind=k, value=v) for k, v in keys)
            await session.flush()
            if notify:
                report.notified_at = now
                await self._notify(session, report, now)
            if reply is not None:
                address, payload = reply
                Outbox.add(session, channel="email", destination=address, payload=payload)
            await session.flush()
            view = (await self._report_views(session, PhishingReport.id == report.id))[0]
            await session.commit()
        logger.info(
            "phishing report %s stored in campaign %s (%s keys, verdict %s)",
            view.id,
            view.campaign_id,
            len(keys),
            view.verdict,
        )
        return view

    async def queue_email(self, address: str, payload: dict[str, Any]) -> None:
        """Queue one e-mail to ``address`` (the reporting mailbox's answers without a report)."""
        async with self._sessionmaker() as session:
            Outbox.add(session, channel="email", destination=address, payload=payload)
            await session.commit()

    async def get_for_reporter(self, sender: str, report_id: int) -> ReportView | None:
        """The report if it exists AND is the sender's; None otherwise (nothing revealed)."""
        async with self._sessionmaker() as session:
            views = await self._report_views(
                session, PhishingReport.id == report_id, PhishingReport.sender == sender
            )
            return views[0] if views else None

    async def record_action(
        self,
        sender: str,
        report_id: int,
        mail_action: str,
        *,
        ticket_reference: str | None = None,
    ) -> ReportView:
        """What the reporter did (the first answer is kept: idempotent). Queues the
        technicians' report (message + original) when the reporter is registered and it was
        not yet sent; if the campaign already has a verdict, the reporter is told it and the
        technicians get a one-line note instead."""
        if mail_action not in MAIL_ACTIONS:
            raise PhishingError("bad_value", "mail_action")
        async with self._sessionmaker() as session:
            await self._lock(session)
            report = await session.scalar(
                select(PhishingReport)
                .options(defer(PhishingReport.original))
                .where(PhishingReport.id == report_id, PhishingReport.sender == sender)
                .with_for_update()
            )
            if report is None:
                raise PhishingError("not_found")
            now = utcnow()
            answered_now = report.mail_action is None
            if answered_now:
                report.mail_action = mail_action
                report.action_at = now
            if ticket_reference and report.ticket_reference is None:
                report.ticket_reference = ticket_reference[:20]
            if _registered(report):
                if report.notified_at is None:
                    report.notified_at = now
                    await self._notify(session, report, now)
                elif answered_now:  # technicians got it « non précisé »: tell them the answer
                    await session.flush()
                    view = (await self._report_views(session, PhishingReport.id == report.id))[0]
                    for chat_id in await self._technician_chats(session):
                        _chat(session, "telegram", chat_id, texts.technician_action_note(view))
            await session.flush()
            view = (await self._report_views(session, PhishingReport.id == report.id))[0]
            await session.commit()
            return view

    async def release_stale(self) -> int:
        """Reports of registered people older than ``PHISHING_NOTIFY_AFTER_MINUTES`` without
        an answer and not yet sent: sent to technicians now (« non précisé »). How many."""
        now = utcnow()
        cutoff = now - timedelta(minutes=self._settings.phishing_notify_after_minutes)
        async with self._sessionmaker() as session:
            await self._lock(session)
            reports = list(
                await session.scalars(
                    select(PhishingReport)
                    .options(defer(PhishingReport.original))
                    .where(
                        PhishingReport.notified_at.is_(None),
                        PhishingReport.mail_action.is_(None),
                        PhishingReport.created_at < cutoff,
                        PhishingReport.person_id.is_not(None),
                        PhishingReport.facility_id.is_not(None),
                    )
                    .order_by(PhishingReport.id)
                    .limit(STALE_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for report in reports:
                report.notified_at = now
                await self._notify(session, report, now)
            await session.commit()
        if reports:
            logger.info("phishing: %s unanswered reports sent to technicians", len(reports))
        return len(reports)

    async def original(self, report_id: int) -> tuple[str, bytes] | None:
        """``(filename to show, bytes)`` of the original, None if gone (purged or deleted).
        The filename is ours (``signalement-12.eml``), never the one the reporter sent."""
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    select(PhishingReport.source, PhishingReport.original).where(
                        PhishingReport.id == report_id
                    )
                )
            ).first()
        if row is None or row[1] is None:
            return None
        return document_filename(report_id, row[0]), bytes(row[1])

    # --- Technicians ------------------------------------------------------------------------

    async def set_verdict(
        self, technician_sender: str, campaign_id: int, verdict: str
    ) -> tuple[CampaignView, int]:
        """The technicians' verdict of a campaign (it can be changed); every registered
        reporter not yet told gets one notice. Returns the campaign and how many people
        were told."""
        if verdict not in TECH_VERDICTS:
            raise PhishingError("bad_value", "verdict")
        async with self._sessionmaker() as session:
            await self._lock(session)
            technician = await self._technician(session, technician_sender)
            campaign = await self._campaign_for_update(session, campaign_id)
            now = utcnow()
            campaign.verdict = verdict
            campaign.verdict_by_id = technician.id
            campaign.verdict_at = now
            told = await self._tell_reporters(session, campaign, technician.name, now)
            await session.flush()
            view = (await self._campaign_views(session, PhishingCampaign.id == campaign.id))[0]
            await session.commit()
        logger.info(
            "phishing campaign %s: verdict %s, %s reporters told", campaign_id, verdict, told
        )
        return view, told

    async def campaign(self, campaign_id: int) -> CampaignView | None:
        async with self._sessionmaker() as session:
            views = await self._campaign_views(session, PhishingCampaign.id == campaign_id)
            return views[0] if views else None

    async def lesson(self, sender: str, campaign_id: int) -> OutgoingMessage | None:
        """« Comment le reconnaître ? » under a staff warning: the signs of the campaign's
        first report, for a registered person, once the technicians judged it phishing
        (None otherwise). Redacted again: nothing of the reporter shows."""
        async with self._sessionmaker() as session:
            person = await session.scalar(select(Person).where(Person.sender == sender))
            campaign = await session.get(PhishingCampaign, campaign_id)
            if person is None or campaign is None or campaign.verdict != "phishing":
                return None
            reports = await self._report_views(session, PhishingReport.campaign_id == campaign_id)
        if not reports:
            return None
        reasons = [redact(reason).text for reason in reports[0].reasons]
        return texts.campaign_lesson(campaign.subject, reasons)

    async def campaign_reports(self, campaign_id: int) -> list[ReportView]:
        """The reports of one campaign, oldest first (the originals are not loaded)."""
        async with self._sessionmaker() as session:
            return await self._report_views(session, PhishingReport.campaign_id == campaign_id)

    async def recent_campaigns(self, limit: int = 10) -> list[CampaignView]:
        """The campaigns seen most recently first."""
        async with self._sessionmaker() as session:
            return await self._campaign_views(
                session,
                order=(PhishingCampaign.last_seen_at.desc(), PhishingCampaign.id.desc()),
                limit=limit,
            )

    # --- Warning the staff -------------------------------------------------------------------

    async def warn_targets(self, campaign_id: int) -> dict[str, tuple[int, int]]:
        """``{"facilities": (facilities, people), "all": (facilities, people)}``: who a
        warning would reach (active staff and referents on a chat channel)."""
        async with self._sessionmaker() as session:
            if await session.get(PhishingCampaign, campaign_id) is None:
                raise PhishingError("not_found")
            facility_ids = await _campaign_facilities(session, campaign_id)
            facilities_people = await session.scalar(
                select(func.count()).where(*_warned_people(facility_ids))
            )
            all_people = await session.scalar(select(func.count()).where(*_warned_people(None)))
            all_facilities = await session.scalar(select(func.count()).select_from(Facility))
        return {
            "facilities": (len(facility_ids), int(facilities_people or 0)),
            "all": (int(all_facilities or 0), int(all_people or 0)),
        }

    async def warn(
        self, technician_sender: str, campaign_id: int, scope: str
    ) -> tuple[CampaignView, int]:
        """Queue the staff warning (outbox batch ``warn:<id>``) to every active staff member
        and referent of the campaign's facilities, or of all facilities. A wider scope after
        ``facilities`` reaches only those not yet warned. Returns the campaign and how many
        people were queued."""
        if scope not in WARN_SCOPES:
            raise PhishingError("bad_value", "scope")
        async with self._sessionmaker() as session:
            await self._lock(session)
            technician = await self._technician(session, technician_sender)
            campaign = await self._campaign_for_update(session, campaign_id)
            if campaign.verdict == "legit":  # « un faux mail circule » would be false
                raise PhishingError("judged_legit")
            if campaign.warned_scope == "all" or (
                campaign.warned_scope == "facilities" and scope == "facilities"
            ):
                raise PhishingError("already_warned")
            facility_ids = (
                await _campaign_facilities(session, campaign.id) if scope == "facilities" else None
            )
            batch = warn_batch(campaign.id)
            already = set(
                (
                    await session.execute(
                        select(OutboxMessage.channel, OutboxMessage.destination).where(
                            OutboxMessage.batch == batch
                        )
                    )
                ).tuples()
            )
            people = (
                await session.execute(
                    select(Person.channel, Person.chat_id)
                    .where(*_warned_people(facility_ids))
                    .order_by(Person.id)
                )
            ).tuples()
            targets = [(c, str(chat)) for c, chat in people if (c, str(chat)) not in already]
            if not targets:
                raise PhishingError("nobody")
            message = texts.staff_warning(
                self._settings.provider_name,
                campaign.subject,
                campaign.sender_domain,
                campaign_id=campaign.id,
            )
            for channel, destination in targets:
                Outbox.add(
                    session,
                    channel=channel,
                    destination=destination,
                    payload=message.to_custom(),
                    batch=batch,
                )
            campaign.warned_at = utcnow()
            campaign.warned_scope = scope
            campaign.warned_by_id = technician.id
            campaign.warn_batch = batch
            campaign.warn_total = (campaign.warn_total or 0) + len(targets)
            campaign.warn_reported_at = None
            await session.flush()
            view = (await self._campaign_views(session, PhishingCampaign.id == campaign.id))[0]
            await session.commit()
        logger.info("phishing campaign %s: %s people warned (%s)", campaign_id, len(targets), scope)
        return view, len(targets)

    async def batch_done(self, batch: str) -> bool:
        """Called by the dispatcher when a batch has no pending row left: queue the warning's
        summary (sent / failed) once, to the technicians' group, else privately to whoever
        warned. True if it queued the summary."""
        if not batch.startswith(WARN_BATCH_PREFIX) or not batch[len(WARN_BATCH_PREFIX) :].isdigit():
            return False
        campaign_id = int(batch[len(WARN_BATCH_PREFIX) :])
        counts = await Outbox(self._sessionmaker).batch_counts(batch)
        if counts.get("pending", 0) > 0:
            return False
        async with self._sessionmaker() as session:
            result = cast(
                "CursorResult[Any]",
                await session.execute(
                    update(PhishingCampaign)
                    .where(
                        PhishingCampaign.id == campaign_id,
                        PhishingCampaign.warn_batch == batch,
                        PhishingCampaign.warn_reported_at.is_(None),
                    )
                    .values(warn_reported_at=utcnow()),
                    execution_options={"synchronize_session": False},
                ),
            )
            if result.rowcount != 1:
                await session.rollback()
                return False
            campaign = await session.get(PhishingCampaign, campaign_id)
            if campaign is None:  # pragma: no cover - updated just above
                return False
            sent, failed = counts.get("sent", 0), counts.get("failed", 0)
            message = texts.warn_summary(
                campaign.subject,
                sent=sent,
                total=max(campaign.warn_total, sent + failed),
                failed=failed,
            )
            chats = await self._summary_chats(session, campaign)
            for chat_id in chats:
                _chat(session, "telegram", chat_id, message)
            await session.commit()
        logger.info(
            "phishing campaign %s: warning done (%s sent, %s failed)", campaign_id, sent, failed
        )
        return True

    # --- Retention ---------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None, *, dry_run: bool = False) -> tuple[int, int]:
        """Originals older than ``PHISHING_KEEP_DAYS`` dropped, reports older than
        ``RETENTION_DAYS`` deleted (with their keys, their emptied campaigns and the expired
        expectations). Returns (originals dropped, reports deleted)."""
        now = now or utcnow()
        keep_before = now - timedelta(days=self._settings.phishing_keep_days)
        delete_before = now - timedelta(days=self._settings.retention_days)
        old = select(PhishingReport.id).where(PhishingReport.created_at < delete_before)
        options = {"synchronize_session": False}
        if dry_run:
            async with self._sessionmaker() as session:
                originals = await session.scalar(
                    select(func.count()).where(
                        PhishingReport.original.is_not(None),
                        PhishingReport.created_at < keep_before,
                    )
                )
                reports = await session.scalar(
                    select(func.count()).where(PhishingReport.created_at < delete_before)
                )
            return int(originals or 0), int(reports or 0)
        async with self._sessionmaker() as session:
            dropped = cast(
                "CursorResult[Any]",
                await session.execute(
                    update(PhishingReport)
                    .where(
                        PhishingReport.original.is_not(None),
                        PhishingReport.created_at < keep_before,
                    )
                    .values(original=None),
                    execution_options=options,
                ),
            )
            await session.execute(
                delete(PhishingKey).where(PhishingKey.report_id.in_(old)),
                execution_options=options,
            )
            deleted = cast(
                "CursorResult[Any]",
                await session.execute(
                    delete(PhishingReport).where(PhishingReport.created_at < delete_before),
                    execution_options=options,
                ),
            )
            has_reports = exists().where(PhishingReport.campaign_id == PhishingCampaign.id)
            await session.execute(
                delete(PhishingCampaign).where(~has_reports), execution_options=options
            )
            await session.execute(
                delete(PhishingExpectation).where(PhishingExpectation.expires_at < now),
                execution_options=options,
            )
            await session.commit()
        return int(dropped.rowcount), int(deleted.rowcount)

    # --- Helpers -------------------------------------------------------------------------------

    @staticmethod
    async def _lock(session: AsyncSession) -> None:
        """SQLite: a first write takes the database's write lock until commit, so what is read
        next cannot change under us (PostgreSQL: rows are locked with FOR UPDATE)."""
        if session.get_bind().dialect.name == "sqlite":
            await session.execute(
                update(PhishingExpectation)
                .where(false())
                .values(expires_at=PhishingExpectation.expires_at),
                execution_options={"synchronize_session": False},
            )

    @staticmethod
    async def _lock_grouping(session: AsyncSession) -> None:
        """PostgreSQL: serialise the grouping of reports (two reports of one campaign arriving
        together join the same campaign). SQLite is already serialised by the first write."""
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
            )

    async def _matching_campaign(
        self, session: AsyncSession, keys: Sequence[tuple[str, str]], now: datetime
    ) -> PhishingCampaign | None:
        if not keys:
            return None
        window = timedelta(hours=self._settings.phishing_campaign_window_hours)
        matches = or_(*(and_(PhishingKey.kind == k, PhishingKey.value == v) for k, v in keys))
        campaign: PhishingCampaign | None = await session.scalar(
            select(PhishingCampaign)
            .join(PhishingReport, PhishingReport.campaign_id == PhishingCampaign.id)
            .join(PhishingKey, PhishingKey.report_id == PhishingReport.id)
            .where(matches, PhishingCampaign.last_seen_at >= now - window)
            .order_by(PhishingCampaign.last_seen_at.desc(), PhishingCampaign.id.desc())
            .limit(1)
        )
        return campaign

    @staticmethod
    async def _technician(session: AsyncSession, sender: str) -> Person:
        person = await session.scalar(select(Person).where(Person.sender == sender))
        if not is_technician(person):
            raise PhishingError("not_technician")
        return person

    @staticmethod
    async def _campaign_for_update(session: AsyncSession, campaign_id: int) -> PhishingCampaign:
        campaign = await session.scalar(
            select(PhishingCampaign).where(PhishingCampaign.id == campaign_id).with_for_update()
        )
        if campaign is None:
            raise PhishingError("not_found")
        return campaign

    async def _technician_chats(self, session: AsyncSession) -> list[int]:
        """The technicians' group if set, else every active technician (Telegram only)."""
        return await technician_chats(session, self._settings.technicians_chat_id)

    async def _summary_chats(self, session: AsyncSession, campaign: PhishingCampaign) -> list[int]:
        """The group if set; else the technician who warned; else every technician."""
        if self._settings.technicians_chat_id is None and campaign.warned_by_id is not None:
            warner = await session.get(Person, campaign.warned_by_id)
            if warner is not None and warner.active and warner.channel == "telegram":
                return [warner.chat_id]
        return await self._technician_chats(session)

    async def _notify(self, session: AsyncSession, report: PhishingReport, now: datetime) -> None:
        """Queue the technicians' report and original, or, if the campaign is already judged,
        the verdict to the reporter and a one-line note to technicians."""
        await session.flush()
        view = (await self._report_views(session, PhishingReport.id == report.id))[0]
        campaign = (await self._campaign_views(session, PhishingCampaign.id == report.campaign_id))[
            0
        ]
        chats = await self._technician_chats(session)
        if campaign.verdict is not None:
            if report.verdict_told_at is None:
                reporter = await session.get(Person, report.person_id) if report.person_id else None
                if _reachable(reporter):
                    assert reporter is not None
                    notice = texts.reporter_verdict_notice(
                        report.subject, campaign.verdict, campaign.verdict_by
                    )
                    _chat(session, reporter.channel, reporter.chat_id, notice)
                    report.verdict_told_at = now
            note = texts.technician_known_campaign_note(view, campaign)
            for chat_id in chats:
                _chat(session, "telegram", chat_id, note)
        else:
            message = texts.technician_report(view, campaign)
            document = texts.document_caption(report.id).to_custom()
            document["document"] = {
                "report_id": report.id,
                "filename": document_filename(report.id, report.source),
            }
            for chat_id in chats:
                _chat(session, "telegram", chat_id, message)
                Outbox.add(session, channel="telegram", destination=str(chat_id), payload=document)
        if not chats:
            logger.warning(
                "Phishing report %s: no active technician and no TECHNICIANS_CHAT_ID, "
                "nobody is notified in Telegram",
                report.id,
            )

    async def _tell_reporters(
        self,
        session: AsyncSession,
        campaign: PhishingCampaign,
        technician_name: str | None,
        now: datetime,
    ) -> int:
        """One verdict notice per registered reporter not yet told; their reports marked."""
        reports = list(
            await session.scalars(
                select(PhishingReport)
                .options(defer(PhishingReport.original))
                .where(
                    PhishingReport.campaign_id == campaign.id,
                    PhishingReport.verdict_told_at.is_(None),
                    PhishingReport.person_id.is_not(None),
                )
                .order_by(PhishingReport.id)
            )
        )
        told: set[int] = set()
        for report in reports:
            if report.person_id in told:
                report.verdict_told_at = now
                continue
            reporter = await session.get(Person, report.person_id)
            if not _reachable(reporter):
                continue
            assert reporter is not None and campaign.verdict is not None
            notice = texts.reporter_verdict_notice(
                report.subject, campaign.verdict, technician_name
            )
            _chat(session, reporter.channel, reporter.chat_id, notice)
            report.verdict_told_at = now
            told.add(reporter.id)
        return len(told)

    @staticmethod
    async def _report_views(
        session: AsyncSession, *conditions: ColumnElement[bool]
    ) -> list[ReportView]:
        stmt = (
            select(
                PhishingReport,
                Facility.name,
                Facility.town,
                Person.job,
                PhishingCampaign.verdict,
            )
            .options(defer(PhishingReport.original))
            .join(PhishingCampaign, PhishingReport.campaign_id == PhishingCampaign.id)
            .outerjoin(Facility, PhishingReport.facility_id == Facility.id)
            .outerjoin(Person, PhishingReport.person_id == Person.id)
            .where(*conditions)
            .order_by(PhishingReport.id)
        )
        rows = (await session.execute(stmt)).tuples().all()
        return [
            _report_view(report, name, town, job, verdict)
            for report, name, town, job, verdict in rows
        ]

    @staticmethod
    async def _campaign_views(
        session: AsyncSession,
        *conditions: ColumnElement[bool],
        order: Sequence[Any] = (),
        limit: int | None = None,
    ) -> list[CampaignView]:
        stats = (
            select(
                PhishingReport.campaign_id.label("campaign_id"),
                func.count(PhishingReport.id).label("reports"),
                func.count(distinct(PhishingReport.sender)).label("people"),
                func.count(distinct(PhishingReport.facility_id)).label("facilities"),
            )
            .group_by(PhishingReport.campaign_id)
            .subquery()
        )
        stmt = (
            select(
                PhishingCampaign, stats.c.reports, stats.c.people, stats.c.facilities, Person.name
            )
            .outerjoin(stats, stats.c.campaign_id == PhishingCampaign.id)
            .outerjoin(Person, PhishingCampaign.verdict_by_id == Person.id)
            .where(*conditions)
            .order_by(*order)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = (await session.execute(stmt)).tuples().all()
        return [
            CampaignView(
                id=campaign.id,
                created_at=campaign.created_at,
                last_seen_at=campaign.last_seen_at,
                subject=campaign.subject,
                sender_domain=campaign.sender_domain,
                reports=int(reports or 0),
                people=int(people or 0),
                facilities=int(facilities or 0),
                verdict=campaign.verdict,
                verdict_by=name,
                warned_at=campaign.warned_at,
                warned_scope=campaign.warned_scope,
                warn_total=campaign.warn_total or 0,
            )
            for campaign, reports, people, facilities, name in rows
        ]


# --- Module helpers ---------------------------------------------------------------------------


def _registered(report: PhishingReport) -> bool:
    return report.person_id is not None and report.facility_id is not None


def _reachable(person: Person | None) -> bool:
    return person is not None and person.active and person.channel in CHAT_CHANNELS


def _chat(session: AsyncSession, channel: str, chat_id: int, message: OutgoingMessage) -> None:
    Outbox.add(session, channel=channel, destination=str(chat_id), payload=message.to_custom())


def _warned_people(facility_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    """Conditions on ``people`` of a staff warning (``None``: every facility)."""
    conditions: list[ColumnElement[bool]] = [
        Person.active.is_(True),
        Person.role.in_(STAFF_ROLES),
        Person.channel.in_(CHAT_CHANNELS),
        Person.facility_id.is_not(None),
    ]
    if facility_ids is not None:
        conditions.append(Person.facility_id.in_(tuple(facility_ids)))
    return conditions


async def _campaign_facilities(session: AsyncSession, campaign_id: int) -> list[int]:
    rows = await session.scalars(
        select(distinct(PhishingReport.facility_id)).where(
            PhishingReport.campaign_id == campaign_id, PhishingReport.facility_id.is_not(None)
        )
    )
    return sorted(int(f) for f in rows if f is not None)


def _report_view(
    report: PhishingReport,
    facility_name: str | None,
    facility_town: str | None,
    job: str | None,
    campaign_verdict: str | None,
) -> ReportView:
    analysis = report.analysis or {}
    codes = {str(s.get("code", "")) for s in analysis.get("signals", []) if isinstance(s, dict)}
    return ReportView(
        id=report.id,
        created_at=report.created_at,
        campaign_id=report.campaign_id,
        sender=report.sender,
        channel=report.channel,
        chat_id=report.chat_id,
        registered=_registered(report),
        facility_name=facility_name,
        facility_town=facility_town,
        job=job,
        source=report.source,
        filename=report.filename,
        size=report.size,
        sha256=report.sha256,
        verdict=report.verdict,
        score=report.score,
        reasons=tuple(str(r) for r in analysis.get("reasons", [])),
        indicators=tuple(str(i) for i in analysis.get("indicators", [])),
        subject=report.subject,
        mail_action=report.mail_action,
        ticket_reference=report.ticket_reference,
        asks_payment=bool(codes & PAYMENT_SIGNALS),
        asks_credentials=bool(codes & CREDENTIAL_SIGNALS),
        campaign_verdict=campaign_verdict,
        truncated=bool(analysis.get("truncated")),
    )
