"""Read-only views of incidents, detached from the database; the form's answers as a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IncidentDraft:
    """What the incident form collected; every answer may be skipped (None).

    Texts must already be redacted (:func:`vigie.core.redaction.redact`); the service
    redacts them again, which changes nothing in a redacted text.
    """

    kind: str = "incident"
    what: str | None = None
    since: str | None = None
    extent: str | None = None
    care_continues: str | None = None
    data_affected: str | None = None  # yes / no / unknown; None is read as unknown
    actions_taken: str | None = None
    lost_device: str | None = None
    device_locked: str | None = None
    #: When the incident was discovered, if the person said so; else the declaration time.
    discovered_at: datetime | None = None


@dataclass(frozen=True)
class IncidentView:
    """An incident as texts and callers see it."""

    id: int
    reference: str
    kind: str
    urgency: str
    status: str
    facility_id: int
    facility_name: str
    facility_town: str
    facility_finess: str | None
    facility_timezone: str
    facility_hours: str
    facility_contact: str | None
    reporter_id: int | None
    reporter_job: str | None
    what: str | None
    since: str | None
    extent: str | None
    care_continues: str | None
    data_affected: str
    actions_taken: str | None
    lost_device: str | None
    device_locked: str | None
    taken_by_name: str | None
    taken_at: datetime | None
    discovered_at: datetime
    breach_answer: str | None
    reminders_sent: int
    escalation_level: int
    created_at: datetime
    #: False while the reporter is still answering the form (declared at its start).
    details_complete: bool = True

    @property
    def data_at_risk(self) -> bool:
        """Whether residents' data may be exposed: the data-breach path (DPO, 72 hours)."""
        return self.data_affected in ("yes", "unknown")


@dataclass(frozen=True)
class IncidentEventView:
    """One step of the timeline."""

    at: datetime
    actor_kind: str
    actor_name: str | None
    kind: str
    text: str | None
