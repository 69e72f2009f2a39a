"""The tips of the week: who opted in (``tip_subscriptions``) and which tip each person was
sent (``tips_sent``: never the same twice).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tip_subscriptions",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_tip_subscriptions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_tip_subscriptions")),
    )
    op.create_table(
        "tips_sent",
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("tip_id", sa.String(32), nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_tips_sent_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "tip_id", name=op.f("pk_tips_sent")),
    )
    op.create_index(op.f("ix_tips_sent_sent_at"), "tips_sent", ["sent_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tips_sent_sent_at"), table_name="tips_sent")
    op.drop_table("tips_sent")
    op.drop_table("tip_subscriptions")
