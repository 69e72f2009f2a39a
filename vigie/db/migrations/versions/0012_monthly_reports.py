"""The monthly reports sent to the facilities' referents: one row per facility and month, so
that a report is queued once, whatever the number of processes; and the address a facility's
report is also e-mailed to (``facilities.report_email``, optional).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("facilities") as batch:
        batch.add_column(sa.Column("report_email", sa.String(320), nullable=True))
    op.create_table(
        "monthly_reports",
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_monthly_reports_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", "month", name=op.f("pk_monthly_reports")),
    )


def downgrade() -> None:
    op.drop_table("monthly_reports")
    with op.batch_alter_table("facilities") as batch:
        batch.drop_column("report_email")
