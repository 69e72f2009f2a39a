"""Every record has an end: a ticket outlives its requester (``requester_id`` NULL, set so when
the person is deleted or forgotten).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_tickets_requester_id_people"


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f(FK), type_="foreignkey")
        batch.alter_column("requester_id", existing_type=sa.BigInteger(), nullable=True)
        batch.create_foreign_key(op.f(FK), "people", ["requester_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute(
        "DELETE FROM ticket_events WHERE ticket_id IN "
        "(SELECT id FROM tickets WHERE requester_id IS NULL)"
    )
    op.execute("DELETE FROM tickets WHERE requester_id IS NULL")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f(FK), type_="foreignkey")
        batch.alter_column("requester_id", existing_type=sa.BigInteger(), nullable=False)
        batch.create_foreign_key(op.f(FK), "people", ["requester_id"], ["id"])
