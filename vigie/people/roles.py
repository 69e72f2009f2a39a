"""Roles and jobs of the people Vigie knows."""

from __future__ import annotations

ROLES = ("staff", "referent", "technician", "admin")
JOBS = ("care", "admin", "management", "other")
