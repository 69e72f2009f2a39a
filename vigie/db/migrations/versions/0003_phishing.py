"""Suspicious e-mail reports: campaigns, reports, grouping keys, expected e-mails; outbox batches.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit on PostgreSQL; exactly INTEGER on SQLite, so that the key is an autoincremented rowid.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "phishing_campaigns",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("sender_domain", sa.String(length=255), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("verdict_by_id", sa.BigInteger(), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_scope", sa.String(length=16), nullable=True),
        sa.Column("warned_by_id", sa.BigInteger(), nullable=True),
        sa.Column("warn_batch", sa.String(length=64), nullable=True),
        sa.Column("warn_total", sa.Integer(), nullable=False),
        sa.Column("warn_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "verdict IS NULL OR verdict IN ('phishing', 'spam', 'legit')",
            name=op.f("ck_phishing_campaigns_verdict"),
        ),
        sa.CheckConstraint(
            "warned_scope IS NULL OR warned_scope IN ('facilities', 'all')",
            name=op.f("ck_phishing_campaigns_warned_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["verdict_by_id"],
            ["people.id"],
            name=op.f("fk_phishing_campaigns_verdict_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["warned_by_id"],
            ["people.id"],
            name=op.f("fk_phishing_campaigns_warned_by_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_campaigns")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_phishing_campaigns_last_seen_at"),
        "phishing_campaigns",
        ["last_seen_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_phishing_campaigns_verdict_by_id"),
        "phishing_campaigns",
        ["verdict_by_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_phishing_campaigns_warned_by_id"),
        "phishing_campaigns",
        ["warned_by_id"],
        unique=False,
    )

    op.create_table(
        "phishing_reports",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("facility_id", sa.BigInteger(), nullable=True),
        sa.Column("sender", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original", sa.LargeBinary(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("analysis", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("mail_action", sa.String(length=16), nullable=True),
        sa.Column("action_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_reference", sa.String(length=20), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_key", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "mail_action IS NULL OR mail_action IN ('none', 'clicked', 'clicked_asked', "
            "'credentials', 'attachment', 'replied')",
            name=op.f("ck_phishing_reports_mail_action"),
        ),
        sa.CheckConstraint("source IN ('eml', 'text')", name=op.f("ck_phishing_reports_source")),
        sa.CheckConstraint(
            "verdict IN ('dangereux', 'douteux', 'sans_danger')",
            name=op.f("ck_phishing_reports_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["phishing_campaigns.id"],
            name=op.f("fk_phishing_reports_campaign_id_phishing_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_phishing_reports_facility_id_facilities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_phishing_reports_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_reports")),
        sa.UniqueConstraint("update_key", name=op.f("uq_phishing_reports_update_key")),
        sqlite_autoincrement=True,
    )
    for column in ("campaign_id", "created_at", "facility_id", "person_id", "sender"):
        op.create_index(
            op.f(f"ix_phishing_reports_{column}"), "phishing_reports", [column], unique=False
        )

    op.create_table(
        "phishing_keys",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "kind IN ('domain', 'host', 'url', 'subject', 'sha256')",
            name=op.f("ck_phishing_keys_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["phishing_reports.id"],
            name=op.f("fk_phishing_keys_report_id_phishing_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phishing_keys")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_phishing_keys_kind_value"), "phishing_keys", ["kind", "value"], unique=False
    )
    op.create_index(
        op.f("ix_phishing_keys_report_id"), "phishing_keys", ["report_id"], unique=False
    )

    op.create_table(
        "phishing_expectations",
        sa.Column("sender", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender", name=op.f("pk_phishing_expectations")),
    )

    # A nullable column: a plain ALTER TABLE on both databases (no batch copy on SQLite).
    op.add_column("outbox", sa.Column("batch", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_outbox_batch"), "outbox", ["batch"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_batch"), table_name="outbox")
    # ALTER TABLE … DROP COLUMN: SQLite 3.35 or later (the column has no constraint).
    op.drop_column("outbox", "batch")
    op.drop_table("phishing_expectations")
    op.drop_index(op.f("ix_phishing_keys_report_id"), table_name="phishing_keys")
    op.drop_index(op.f("ix_phishing_keys_kind_value"), table_name="phishing_keys")
    op.drop_table("phishing_keys")
    for column in ("sender", "person_id", "facility_id", "created_at", "campaign_id"):
        op.drop_index(op.f(f"ix_phishing_reports_{column}"), table_name="phishing_reports")
    op.drop_table("phishing_reports")
    op.drop_index(op.f("ix_phishing_campaigns_warned_by_id"), table_name="phishing_campaigns")
    op.drop_index(op.f("ix_phishing_campaigns_verdict_by_id"), table_name="phishing_campaigns")
    op.drop_index(op.f("ix_phishing_campaigns_last_seen_at"), table_name="phishing_campaigns")
    op.drop_table("phishing_campaigns")
