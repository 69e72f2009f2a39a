"""The tickets' vocabulary: device, scope, care-impact, urgency, status and actor codes."""

from __future__ import annotations

DEVICES = ("workstation", "printer", "care_software", "email", "phone", "network", "other")
SCOPES = ("me", "service", "facility")
CARE_IMPACTS = ("yes", "degraded", "no")
URGENCIES = ("low", "normal", "high", "critical")
TICKET_STATUSES = ("new", "in_progress", "waiting", "resolved", "closed", "reopened")
ACTOR_KINDS = ("staff", "technician", "system", "admin")
