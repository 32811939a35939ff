"""initial tables: calls, results, outcomes, users, reviews, appeals, audit log, settings

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.String(100)),
        sa.Column("team", sa.String(100)),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("started_local", sa.DateTime()),
        sa.Column("day", sa.Date()),
        sa.Column("duration", sa.Float()),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("has_audio", sa.Boolean(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    for column in ("agent_id", "channel", "day", "direction", "started_at", "team"):
        op.create_index(f"ix_calls_{column}", "calls", [column])

    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("teams", sa.String(500)),
        sa.Column("agent_id", sa.String(100)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("user_name", sa.String(100)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("call_id", sa.String(255)),
        sa.Column("before", JSON),
        sa.Column("after", JSON),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_call_id", "audit_log", ["call_id"])

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.String(255), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("standard", sa.String(100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("fatal", sa.Boolean(), nullable=False),
        sa.Column("auto_score", sa.Float(), nullable=False),
        sa.Column("auto_passed", sa.Boolean(), nullable=False),
        sa.Column("auto_fatal", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("call_id", "standard", name="uq_results_call_standard"),
    )
    op.create_index("ix_results_call_id", "results", ["call_id"])
    op.create_index("ix_results_standard_score", "results", ["standard", "score"])

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("result_id", sa.Integer(), sa.ForeignKey("results.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("checkpoint_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("auto_status", sa.String(8), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(8)),
        sa.Column("points", sa.Float()),
        sa.Column("message", sa.Text()),
        sa.Column("fix", sa.Text()),
        sa.Column("evidence", JSON),
        sa.UniqueConstraint("result_id", "checkpoint_id", name="uq_outcomes_result_checkpoint"),
    )
    op.create_index("ix_outcomes_checkpoint_status", "outcomes", ["checkpoint_id", "status"])
    op.create_index("ix_outcomes_result_id", "outcomes", ["result_id"])

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outcome_id", sa.Integer(), sa.ForeignKey("outcomes.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("appellant_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ruled_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("ruling_comment", sa.Text()),
        sa.Column("ruled_at", sa.DateTime()),
    )
    op.create_index("ix_appeals_status", "appeals", ["status"])

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outcome_id", sa.Integer(), sa.ForeignKey("outcomes.id", ondelete="CASCADE"),
                  nullable=False, unique=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("reviews", "appeals", "outcomes", "results", "audit_log", "users", "settings", "calls"):
        op.drop_table(table)
