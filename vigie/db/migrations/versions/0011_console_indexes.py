"""The console's figures at scale: the turns indexed by (created_at, intent), which replaces
the index on created_at alone, and by (sender, created_at, intent). A year of 50 facilities
(500,000 turns): the overviews read these indexes only, and a facility's from its people's
pseudonyms instead of every turn of the period (scripts/bench_console.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_turns_created_at_intent"), "turns", ["created_at", "intent"])
    op.create_index(
        op.f("ix_turns_sender_created_at_intent"), "turns", ["sender", "created_at", "intent"]
    )
    op.drop_index(op.f("ix_turns_created_at"), table_name="turns")


def downgrade() -> None:
    op.create_index(op.f("ix_turns_created_at"), "turns", ["created_at"])
    op.drop_index(op.f("ix_turns_sender_created_at_intent"), table_name="turns")
    op.drop_index(op.f("ix_turns_created_at_intent"), table_name="turns")
