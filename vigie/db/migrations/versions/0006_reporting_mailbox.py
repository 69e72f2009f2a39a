"""The reporting mailbox: report source « mailbox », people's linked work addresses (keyed
hashes only) and the codes that confirm them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_phishing_reports_source"


def upgrade() -> None:
    with op.batch_alter_table("phishing_reports") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(
            op.f(CONSTRAINT), "source IN ('eml', 'text', 'photo', 'msg', 'mailbox')"
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("address_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_people_address_key"), ["address_key"])
    op.create_table(
        "address_codes",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_address_codes_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_address_codes")),
    )


def downgrade() -> None:
    op.drop_table("address_codes")
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint(op.f("uq_people_address_key"), type_="unique")
        batch.drop_column("address_key")
    op.execute("DELETE FROM phishing_reports WHERE source = 'mailbox'")
    with op.batch_alter_table("phishing_reports") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), "source IN ('eml', 'text', 'photo', 'msg')")
