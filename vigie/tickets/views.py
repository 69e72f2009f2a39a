"""What the tickets' service takes and gives: a draft from the form, views of a ticket and
of its timeline (plain frozen data, no database session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TicketDraft:
    problem: str
    device: str
    scope: str
    care_impact: str
    urgency: str | None = None


@dataclass(frozen=True)
class TicketView:
    id: int
    reference: str
    facility_id: int
    facility_name: str
    facility_hours: str
    facility_timezone: str
    requester_id: int | None  # None: the requester was forgotten or has left
    requester_job: str | None
    problem: str
    device: str
    scope: str
    care_impact: str
    urgency: str
    status: str
    assignee_name: str | None
    created_at: datetime
    updated_at: datetime
    last_technician_message: str | None
    # Beyond the contract, for the texts (town in notifications, FINESS in the e-mail).
    facility_town: str = ""
    facility_finess: str | None = None


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor_kind: str
    actor_label: str
    kind: str
    text: str | None
