"""Suspicious e-mails reported as a photo or a screenshot, or as an Outlook file: report
sources « photo » and « msg ».

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_phishing_reports_source"


def upgrade() -> None:
    with op.batch_alter_table("phishing_reports") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), "source IN ('eml', 'text', 'photo', 'msg')")


def downgrade() -> None:
    op.execute("DELETE FROM phishing_reports WHERE source IN ('photo', 'msg')")
    with op.batch_alter_table("phishing_reports") as batch:
        batch.drop_constraint(op.f(CONSTRAINT), type_="check")
        batch.create_check_constraint(op.f(CONSTRAINT), "source IN ('eml', 'text')")
