"""Incidents and lost devices: the incident, its paging state, its data-breach clock and its
timeline.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit on PostgreSQL; exactly INTEGER on SQLite, so that the key is an autoincremented rowid.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("what", sa.Text(), nullable=True),
        sa.Column("since", sa.String(length=200), nullable=True),
        sa.Column("extent", sa.Text(), nullable=True),
        sa.Column("care_continues", sa.String(length=16), nullable=True),
        sa.Column("data_affected", sa.String(length=16), nullable=False),
        sa.Column("actions_taken", sa.Text(), nullable=True),
        sa.Column("lost_device", sa.String(length=16), nullable=True),
        sa.Column("device_locked", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taken_by_id", sa.BigInteger(), nullable=True),
        sa.Column("taken_at", TIMESTAMP, nullable=True),
        sa.Column("escalation_chain", sa.JSON(), nullable=False),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("last_paged_at", TIMESTAMP, nullable=False),
        sa.Column("discovered_at", TIMESTAMP, nullable=False),
        sa.Column("breach_answer", sa.String(length=16), nullable=True),
        sa.Column("breach_answered_at", TIMESTAMP, nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("kind IN ('incident', 'lost_device')", name=op.f("ck_incidents_kind")),
        sa.CheckConstraint(
            "status IN ('open', 'taken', 'closed')", name=op.f("ck_incidents_status")
        ),
        sa.CheckConstraint("urgency IN ('high', 'critical')", name=op.f("ck_incidents_urgency")),
        sa.CheckConstraint(
            "care_continues IS NULL OR care_continues IN ('yes', 'degraded', 'no')",
            name=op.f("ck_incidents_care_continues"),
        ),
        sa.CheckConstraint(
            "data_affected IN ('yes', 'no', 'unknown')", name=op.f("ck_incidents_data_affected")
        ),
        sa.CheckConstraint(
            "device_locked IS NULL OR device_locked IN ('yes', 'no', 'unknown')",
            name=op.f("ck_incidents_device_locked"),
        ),
        sa.CheckConstraint(
            "lost_device IS NULL OR lost_device IN "
            "('phone', 'laptop', 'tablet', 'cps_card', 'badge', 'usb_key', 'other')",
            name=op.f("ck_incidents_lost_device"),
        ),
        sa.CheckConstraint(
            "breach_answer IS NULL OR breach_answer IN ('notifiee', 'pas_necessaire', 'dpo')",
            name=op.f("ck_incidents_breach_answer"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"], ["facilities.id"], name=op.f("fk_incidents_facility_id_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["people.id"],
            name=op.f("fk_incidents_reporter_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_id"],
            ["people.id"],
            name=op.f("fk_incidents_taken_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_incidents_idempotency_key")),
        sa.UniqueConstraint("reference", name=op.f("uq_incidents_reference")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_incidents_year_number")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_incidents_facility_id"), "incidents", ["facility_id"], unique=False)
    op.create_index(op.f("ix_incidents_reporter_id"), "incidents", ["reporter_id"], unique=False)
    op.create_index(op.f("ix_incidents_taken_by_id"), "incidents", ["taken_by_id"], unique=False)
    op.create_index(
        op.f("ix_incidents_status_last_paged_at"),
        "incidents",
        ["status", "last_paged_at"],
        unique=False,
    )
    op.create_table(
        "incident_events",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "actor_kind IN ('staff', 'referent', 'technician', 'admin', 'system')",
            name=op.f("ck_incident_events_actor_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["people.id"],
            name=op.f("fk_incident_events_actor_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_events_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_events")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_incident_events_actor_id"), "incident_events", ["actor_id"], unique=False
    )
    op.create_index(
        op.f("ix_incident_events_incident_id"), "incident_events", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_events_incident_id"), table_name="incident_events")
    op.drop_index(op.f("ix_incident_events_actor_id"), table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index(op.f("ix_incidents_status_last_paged_at"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_taken_by_id"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_reporter_id"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_facility_id"), table_name="incidents")
    op.drop_table("incidents")
