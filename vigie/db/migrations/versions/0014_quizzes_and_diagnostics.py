"""The micro-quizzes (``quiz_attempts``, ``quiz_answers``) and the facilities'
self-diagnostics (``diagnostic_runs``: every run kept, for progress over time).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit on PostgreSQL; exactly INTEGER on SQLite, so that the key is an autoincremented rowid.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "quiz_attempts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=True),
        sa.Column("questions", sa.String(length=120), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_quiz_attempts_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_quiz_attempts_facility_id_facilities"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_quiz_attempts_person_id"), "quiz_attempts", ["person_id"])
    op.create_index(op.f("ix_quiz_attempts_facility_id"), "quiz_attempts", ["facility_id"])
    op.create_index(op.f("ix_quiz_attempts_started_at"), "quiz_attempts", ["started_at"])
    op.create_table(
        "quiz_answers",
        sa.Column("attempt_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_quiz_answers_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "position", name=op.f("pk_quiz_answers")),
    )
    op.create_index(op.f("ix_quiz_answers_topic"), "quiz_answers", ["topic"])
    op.create_table(
        "diagnostic_runs",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_diagnostic_runs_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_diagnostic_runs_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic_runs")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_diagnostic_runs_facility_id"), "diagnostic_runs", ["facility_id"])
    op.create_index(op.f("ix_diagnostic_runs_person_id"), "diagnostic_runs", ["person_id"])
    op.create_index(op.f("ix_diagnostic_runs_finished_at"), "diagnostic_runs", ["finished_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_diagnostic_runs_finished_at"), table_name="diagnostic_runs")
    op.drop_index(op.f("ix_diagnostic_runs_person_id"), table_name="diagnostic_runs")
    op.drop_index(op.f("ix_diagnostic_runs_facility_id"), table_name="diagnostic_runs")
    op.drop_table("diagnostic_runs")
    op.drop_index(op.f("ix_quiz_answers_topic"), table_name="quiz_answers")
    op.drop_table("quiz_answers")
    op.drop_index(op.f("ix_quiz_attempts_started_at"), table_name="quiz_attempts")
    op.drop_index(op.f("ix_quiz_attempts_facility_id"), table_name="quiz_attempts")
    op.drop_index(op.f("ix_quiz_attempts_person_id"), table_name="quiz_attempts")
    op.drop_table("quiz_attempts")
