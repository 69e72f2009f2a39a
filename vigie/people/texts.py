"""What people read about roles and jobs (French labels of the codes in ``roles``)."""

from __future__ import annotations

ROLE_LABELS: dict[str, str] = {
    "staff": "personnel",
    "referent": "référent",
    "technician": "technicien",
    "admin": "administrateur",
}
JOB_LABELS: dict[str, str] = {
    "care": "soins",
    "admin": "administratif",
    "management": "direction",
    "other": "autre",
}
