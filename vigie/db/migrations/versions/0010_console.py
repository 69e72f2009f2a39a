"""The follow-up console: one-time sign-in links, sessions (both as token hashes), the audit
of console actions, the reviewers' decisions on turns Vigie did not understand, and the
people's 👍 / 👎 on the knowledge base's answers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_links",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_console_links_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_links_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_console_links_person_id"), "console_links", ["person_id"])
    op.create_table(
        "console_sessions",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, nullable=False),
        sa.Column("ended_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_console_sessions_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_sessions_token_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_console_sessions_person_id"), "console_sessions", ["person_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_console_audit_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_console_audit_at"), "console_audit", ["at"])
    op.create_index(op.f("ix_console_audit_person_id"), "console_audit", ["person_id"])
    op.create_table(
        "review_decisions",
        sa.Column("turn_id", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("label", sa.String(128), nullable=True),
        sa.Column("reviewer_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "decision IN ('labelled', 'new_topic', 'dismissed')",
            name=op.f("ck_review_decisions_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["turn_id"],
            ["turns.id"],
            name=op.f("fk_review_decisions_turn_id_turns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["people.id"],
            name=op.f("fk_review_decisions_reviewer_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("turn_id", name=op.f("pk_review_decisions")),
    )

    op.create_table(
        "answer_feedback",
        sa.Column("turn_id", sa.BigInteger(), nullable=False),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("note_prompt_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["turn_id"],
            ["turns.id"],
            name=op.f("fk_answer_feedback_turn_id_turns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("turn_id", name=op.f("pk_answer_feedback")),
    )


def downgrade() -> None:
    op.drop_table("answer_feedback")
    op.drop_table("review_decisions")
    op.drop_index(op.f("ix_console_audit_person_id"), table_name="console_audit")
    op.drop_index(op.f("ix_console_audit_at"), table_name="console_audit")
    op.drop_table("console_audit")
    op.drop_index(op.f("ix_console_sessions_person_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
    op.drop_index(op.f("ix_console_links_person_id"), table_name="console_links")
    op.drop_table("console_links")
