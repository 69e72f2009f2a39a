"""Views of suspicious e-mail reports and campaigns (plain frozen data, no database session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReportView:
    id: int
    created_at: datetime
    campaign_id: int
    sender: str
    channel: str
    chat_id: int
    registered: bool
    facility_name: str | None
    facility_town: str | None
    job: str | None
    source: str
    filename: str
    size: int
    sha256: str
    verdict: str
    score: int
    reasons: tuple[str, ...]
    indicators: tuple[str, ...]
    subject: str
    mail_action: str | None
    ticket_reference: str | None
    asks_payment: bool  # a payment/RIB/transfer signal fired (the "replied" ticket's urgency)
    asks_credentials: bool  # a credentials/code signal fired
    campaign_verdict: str | None  # the technicians' verdict of the campaign, if any
    truncated: bool = False  # the analysis stopped at a limit (very large or hostile file)


@dataclass(frozen=True)
class CampaignView:
    id: int
    created_at: datetime
    last_seen_at: datetime
    subject: str
    sender_domain: str | None
    reports: int
    people: int
    facilities: int
    verdict: str | None
    verdict_by: str | None
    warned_at: datetime | None
    warned_scope: str | None
    warn_total: int
