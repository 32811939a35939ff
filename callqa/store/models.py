"""The tables (SQLAlchemy 2 declarative models). Migrations live in `migrations/`.

Times are stored as naive UTC (`utcnow()`), except `CallRow.started_local`, the call's
wall-clock time in its own offset (the centre's local time), and `CallRow.day`, its date:
dashboards and date filters speak the centre's local days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JSONType = JSON().with_variant(JSONB(), "postgresql")
ROLES = ("admin", "supervisor", "qa", "agent")
VERDICTS = ("true_hit", "false_hit")
APPEAL_STATES = ("open", "upheld", "overturned")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONType, list[Any]: JSONType}


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # the call_id
    channel: Mapped[str] = mapped_column(String(16), index=True)
    direction: Mapped[str] = mapped_column(String(16), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(100), index=True)
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)  # UTC
    started_local: Mapped[datetime | None] = mapped_column(DateTime)
    day: Mapped[date | None] = mapped_column(Date, index=True)
    duration: Mapped[float | None] = mapped_column(Float)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    has_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]]  # the Call (interchange format v1) as JSON
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical JSON
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    results: Mapped[list[ResultRow]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="ResultRow.id")


class ResultRow(Base):
    """A call's result under one standard version. `score`, `passed`, `fatal` are the current
    values (after reviews and rulings); `auto_*` what the engine said."""

    __tablename__ = "results"
    __table_args__ = (UniqueConstraint("call_id", "standard", name="uq_results_call_standard"),
                      Index("ix_results_standard_score", "standard", "score"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    standard: Mapped[str] = mapped_column(String(100))  # "default@1"
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column(Boolean)
    fatal: Mapped[bool] = mapped_column(Boolean)
    auto_score: Mapped[float] = mapped_column(Float)
    auto_passed: Mapped[bool] = mapped_column(Boolean)
    auto_fatal: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    call: Mapped[CallRow] = relationship(back_populates="results")
    outcomes: Mapped[list[OutcomeRow]] = relationship(
        back_populates="result", cascade="all, delete-orphan", order_by="OutcomeRow.position")


class OutcomeRow(Base):
    """One checkpoint's verdict on one result; `status` is current, `auto_status` the engine's."""

    __tablename__ = "outcomes"
    __table_args__ = (UniqueConstraint("result_id", "checkpoint_id", name="uq_outcomes_result_checkpoint"),
                      Index("ix_outcomes_checkpoint_status", "checkpoint_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    checkpoint_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(8))
    auto_status: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float] = mapped_column(Float)
    severity: Mapped[str | None] = mapped_column(String(8))
    points: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list[Any] | None]

    result: Mapped[ResultRow] = relationship(back_populates="outcomes")
    review: Mapped[ReviewRow | None] = relationship(back_populates="outcome", cascade="all, delete-orphan")
    appeal: Mapped[AppealRow | None] = relationship(back_populates="outcome", cascade="all, delete-orphan",
                                                    foreign_keys="AppealRow.outcome_id")


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    teams: Mapped[str | None] = mapped_column(String(500))  # comma-separated (QA: the teams they check)
    agent_id: Mapped[str | None] = mapped_column(String(100))  # agents: their 工号 in the calls
    password_hash: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # sha256 of the API token
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def team_list(self) -> list[str]:
        return [t for t in (self.teams or "").split(",") if t]

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "teams": self.team_list,
                "agent_id": self.agent_id, "active": self.active}


class ReviewRow(Base):
    """A QA reviewer's judgement of a failed checkpoint: a true or a false hit."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), unique=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    outcome: Mapped[OutcomeRow] = relationship(back_populates="review")
    reviewer: Mapped[UserRow] = relationship()


class AppealRow(Base):
    """An agent's appeal of a failed checkpoint and the supervisor's final ruling."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id", ondelete="CASCADE"), unique=True)
    appellant_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ruled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ruling_comment: Mapped[str | None] = mapped_column(Text)
    ruled_at: Mapped[datetime | None] = mapped_column(DateTime)

    outcome: Mapped[OutcomeRow] = relationship(back_populates="appeal", foreign_keys=[outcome_id])
    appellant: Mapped[UserRow] = relationship(foreign_keys=[appellant_id])
    ruled_by: Mapped[UserRow | None] = relationship(foreign_keys=[ruled_by_id])

    @property
    def final(self) -> bool:
        return self.status != "open"


class AuditRow(Base):
    """Who changed what, when: before and after as JSON."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(255))
    call_id: Mapped[str | None] = mapped_column(String(255), index=True)
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]


class SettingRow(Base):
    """Small key/value settings, e.g. the generated secret that signs session cookies."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
