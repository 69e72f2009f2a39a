"""The incidents' vocabulary: kinds, statuses, answers, lost devices, timeline events.

The one source of these codes: the database's CHECK constraints, the service and the texts
(``vigie/incidents/texts.py``) read them from here.
"""

from __future__ import annotations

#: ``incident``: something is happening (ransom screen, virus, password given, account sending
#: mail); ``lost_device``: a device or a card lost or stolen.
INCIDENT_KINDS = ("incident", "lost_device")
#: open: nobody has said « Je m'en occupe » yet; taken: someone has; closed: over.
INCIDENT_STATUSES = ("open", "taken", "closed")
#: Only two urgencies: an incident is always critical; a lost device is critical when
#: residents' data is on it or it was not locked, else high.
INCIDENT_URGENCIES = ("high", "critical")
#: Can care continue? (the ticket form's codes).
CARE_ANSWERS = ("yes", "degraded", "no")
#: Yes / no / « je ne sais pas »: residents' data affected, device locked or encrypted.
TRISTATE = ("yes", "no", "unknown")
#: What was lost or stolen.
LOST_DEVICES = ("phone", "laptop", "tablet", "cps_card", "badge", "usb_key", "other")
#: The director's answer on the personal-data breach (the 72-hour clock stops on any of them).
BREACH_ANSWERS = ("notifiee", "pas_necessaire", "dpo")
#: Who did a step of the timeline.
ACTOR_KINDS = ("staff", "referent", "technician", "admin", "system")
#: Steps of the timeline.
EVENT_KINDS = (
    "created",
    "completed",
    "form_left",
    "paged",
    "repaged",
    "escalated",
    "taken",
    "reporter_told",
    "director_summary",
    "no_director",
    "reminder",
    "breach_answered",
    "closed",
)
