"""The tickets' vocabulary: device, scope, care-impact, urgency, status and actor codes.

The one source of these codes: the database's CHECK constraints, the form's answers, the
labels (``vigie/tickets/texts.py``) and the buttons of ``domain.yml`` are checked against it
(tests/vigie/tickets/test_vocabulary.py).
"""

from __future__ import annotations

DEVICES = ("workstation", "printer", "care_software", "email", "phone", "network", "other")
SCOPES = ("me", "service", "facility")
CARE_IMPACTS = ("yes", "degraded", "no")
URGENCIES = ("low", "normal", "high", "critical")
TICKET_STATUSES = ("new", "in_progress", "waiting", "resolved", "closed", "reopened")
ACTOR_KINDS = ("staff", "technician", "system", "admin")
#: What the confirmation step of the form may be told, and the fields that can be modified.
CONFIRMATIONS = ("confirm", "modify")
FIELDS = ("problem", "device", "scope", "care_impact", "urgency")
