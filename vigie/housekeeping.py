"""Periodic jobs, out of the paths that send and answer: retention and the release of
suspicious e-mail reports.

- Every ``PURGE_INTERVAL_SECONDS`` (first): every record gets its end (docs/privacy.md):
  tickets resolved and never confirmed, or abandoned, are closed; closed tickets (with their
  timelines), old sent and failed outbox rows, unusable invitations and people who left are
  deleted past their retentions; the originals of reports past their delay and the reports
  past the retention go too. ``vigie purge --dry-run`` shows what would go.
- Every ``INCIDENT_INTERVAL_SECONDS``: incidents nobody took within ``INCIDENT_ACK_MINUTES``
  are paged again and escalated, and the directors are reminded of the 72 hours of a
  possible personal-data breach (docs/incidents.md).
- Every ``RELEASE_INTERVAL_SECONDS``: the reports whose reporter never said what they did
  go to the technicians (their notifications are written to the outbox; ``kick`` wakes the
  dispatcher).

With several bot processes, the one holding the ``housekeeping`` lease runs them (renewed at
each round; another process takes over once it has run out, :mod:`vigie.db.leases`); each job
is safe to run twice. The inbox and the turn log are purged by the conversation pipeline, which owns
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from vigie.awareness.service import Awareness
from vigie.console.access import ConsoleAccess
from vigie.console.monthly import MonthlyReports
from vigie.core.clock import SYSTEM_CLOCK, Clock, wait_event, wait_tasks
from vigie.core.settings import Settings
from vigie.db.leases import LeasedJob, Leases
from vigie.incidents.service import IncidentService
from vigie.outbox.store import Outbox
from vigie.people.directory import Directory
from vigie.phishing.service import PhishingService
from vigie.tickets.service import TicketService

logger = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 3600.0
RELEASE_INTERVAL_SECONDS = 30.0  # reports left without an answer go to the technicians
INCIDENT_INTERVAL_SECONDS = 60.0  # paging, escalation and 72-hour reminders of incidents
CLOSE_TIMEOUT_SECONDS = 30.0  # a job is a few database statements
LEASE_NAME = "housekeeping"
#: The holder renews it at every round (at most RELEASE_INTERVAL_SECONDS apart).
LEASE_SECONDS = 120.0
#: A process that does not hold the lease asks again this often.
STANDBY_SECONDS = 15.0


class Housekeeping:
    """The periodic jobs of one process, in one background task."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        tickets: TicketService,
        phishing: PhishingService,
        settings: Settings,
        directory: Directory | None = None,
        incidents: IncidentService | None = None,
        kick: Callable[[], None] = lambda: None,
        clock: Clock = SYSTEM_CLOCK,
        leases: Leases | None = None,
    ) -> None:
        self._outbox = outbox
        # Several processes: only the lease's holder runs the jobs.
        self._lease = LeasedJob(leases, LEASE_NAME, LEASE_SECONDS, what="runs the periodic jobs")
        self._directory = directory  # invitations and people past their retention
        self._tickets = tickets
        self._phishing = phishing
        # Incidents share the tickets' database; built here unless given.
        self._incidents = incidents or IncidentService(tickets.sessionmaker, settings, clock=clock)
        self._settings = settings
        self._awareness = Awareness(tickets.sessionmaker, settings, clock)
        self._kick = kick  # something was written to the outbox
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        """Run the jobs now, then at their intervals, until :meth:`aclose`."""
        if self._task is None:
            self._stop.clear()
            self._task = asyncio.create_task(self._run(), name="housekeeping")

    async def aclose(self) -> None:
        """Stop once the job in progress (a database transaction) is finished."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop.set()
        done, _ = await wait_tasks({task}, CLOSE_TIMEOUT_SECONDS, self._clock)
        if not done:
            logger.error("Housekeeping still busy after %s s, cancelled", CLOSE_TIMEOUT_SECONDS)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._lease.release()  # another process takes the jobs over at once

    async def _run(self) -> None:
        # Purges first: what the release then sends is never something the retention drops.
        next_purge = next_release = next_incidents = self._clock.monotonic()
        while not self._stop.is_set():
            if not await self._lease.holds():  # another process runs the jobs
                next_purge = next_release = next_incidents = self._clock.monotonic()
                await wait_event(self._stop, STANDBY_SECONDS, self._clock)
                continue
            now = self._clock.monotonic()
            try:
                if now >= next_purge:
                    next_purge = now + PURGE_INTERVAL_SECONDS  # a failure waits the hour too
                    for job in (
                        self.purge_expired,
                        self.purge_reports,
                        self.send_monthly_reports,
                        self.send_tips,
                    ):
                        try:  # one job failing does not stop the others
                            await job()
                        except Exception:
                            logger.exception("Housekeeping job %s failed", job.__name__)
                if now >= next_release and not self._stop.is_set():
                    await self.release_stale_reports()
                    next_release = now + RELEASE_INTERVAL_SECONDS
                if now >= next_incidents and not self._stop.is_set():
                    next_incidents = now + INCIDENT_INTERVAL_SECONDS
                    await self.page_incidents()
            except Exception:
                logger.exception("Housekeeping job failed")
            soonest = min(next_release, next_purge, next_incidents)
            wait = max(0.0, soonest - self._clock.monotonic())
            await wait_event(self._stop, wait, self._clock)

    async def purge_expired(self, *, dry_run: bool = False) -> dict[str, int]:
        """Give every record its end (docs/privacy.md): close the tickets resolved and never
        confirmed, or abandoned; delete the closed tickets past their retention (with their
        timelines), the sent and failed outbox rows, the invitations that can no longer be
        used and the people who left, each past its own retention. How many of each (with
        ``dry_run``, what would go, and nothing changes)."""
        settings, now = self._settings, self._clock.now()
        counts: dict[str, int] = {}
        if dry_run:
            resolved, abandoned = await self._tickets.count_stale(now)
        else:
            resolved, abandoned = await self._tickets.close_stale(now)
        counts["tickets_autoclosed"], counts["tickets_abandoned"] = resolved, abandoned
        ticket_cutoff = now - timedelta(days=settings.ticket_retention_days)
        counts["tickets_deleted"] = (
            await self._tickets.count_closed_before(ticket_cutoff)
            if dry_run
            else await self._tickets.purge_closed_before(ticket_cutoff)
        )
        counts["incidents_abandoned"] = (
            await self._incidents.count_stale(now)
            if dry_run
            else await self._incidents.close_stale(now)
        )
        counts["incidents_deleted"] = (
            await self._incidents.count_closed_before(ticket_cutoff)
            if dry_run
            else await self._incidents.purge_closed_before(ticket_cutoff)
        )
        counts["outbox_rows"] = await self._outbox.purge_sent_before(
            now - timedelta(days=settings.retention_days), dry_run=dry_run
        )
        if self._directory is not None:
            counts["invitations"], counts["people"] = await self._directory.purge(
                now - timedelta(days=settings.invitation_retention_days),
                now - timedelta(days=settings.people_retention_days),
                dry_run=dry_run,
            )
        counts["console_access"], counts["console_audit"] = await ConsoleAccess(
            self._tickets.sessionmaker, settings, self._clock
        ).purge(now, now - timedelta(days=settings.retention_days), dry_run=dry_run)
        if any(counts.values()) and not dry_run:
            logger.info("Retention: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
            if resolved:
                self._kick()  # the requesters are told their tickets were closed
        return counts

    async def purge_reports(self, *, dry_run: bool = False) -> tuple[int, int]:
        """Suspicious e-mail reports: drop the originals kept past their delay and the
        reports past the retention period. Returns (originals dropped, reports deleted)."""
        originals, reports = await self._phishing.purge(self._clock.now(), dry_run=dry_run)
        if dry_run:
            return originals, reports
        if originals or reports:
            logger.info("Retention: %s report originals and %s reports deleted", originals, reports)
        return originals, reports

    async def send_monthly_reports(self) -> int:
        """Last month's report to each facility's referents, once, in the morning of the
        first days of the month (``MONTHLY_REPORTS``)."""
        if not self._settings.monthly_reports:
            return 0
        sent = await MonthlyReports(
            self._tickets.sessionmaker, self._settings, self._clock
        ).send_due()
        if sent:
            self._kick()
        return sent

    async def send_tips(self) -> int:
        """The tips of the week due now (at most one a week a person, in the daytime)."""
        queued = await self._awareness.send_due()
        if queued:
            self._kick()
        return queued

    async def release_stale_reports(self) -> int:
        """Send the technicians the reports whose reporter never said what they did."""
        released = await self._phishing.release_stale()
        if released:
            logger.info("%s suspicious e-mail report(s) released without an answer", released)
            self._kick()
        return released

    async def page_incidents(self) -> int:
        """Take the incidents whose reporter left the form as they are, escalate the
        incidents nobody took, and remind the directors of the 72 hours; how many incidents
        were completed, paged or reminded."""
        now = self._clock.now()
        left = await self._incidents.complete_stale(now)
        paged = await self._incidents.escalate_due(now)
        reminded = await self._incidents.remind_due(now)
        if left or paged or reminded:
            logger.info(
                "Incidents: %s form(s) left, %s paged again, %s breach reminder(s)",
                left,
                paged,
                reminded,
            )
            self._kick()
        return left + paged + reminded
