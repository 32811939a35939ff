"""Reading calls and results: filters, paging, one call with its results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, selectinload

from callqa.model import Call, Outcome
from callqa.store.access import scope
from callqa.store.errors import NotFound
from callqa.store.models import AppealRow, CallRow, OutcomeRow, ResultRow, UserRow

Sort = Literal["newest", "oldest", "score", "-score"]


@dataclass
class CallFilter:
    date_from: date | None = None  # the centre's local days, both ends included
    date_to: date | None = None
    agent_id: str | None = None
    team: str | None = None
    failed: str | None = None  # a checkpoint id the call failed (current verdict)
    status: Literal["pass", "fail"] | None = None
    score_min: float | None = None
    score_max: float | None = None
    channel: str | None = None
    direction: str | None = None
    call_id: str | None = None  # a prefix of the call id

    def as_query(self) -> dict[str, str]:
        """The non-empty fields as query-string parameters (for paging links)."""
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class CallItem:
    id: str
    started_local: datetime | None
    channel: str
    direction: str
    agent_id: str | None
    team: str | None
    duration: float | None
    turns: int
    score: float | None
    passed: bool | None
    fatal: bool | None
    failed: list[str] = field(default_factory=list)
    open_appeals: int = 0


@dataclass
class CallPage:
    items: list[CallItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filtered(stmt: Select, f: CallFilter) -> Select:
    """Apply a filter to a query over CallRow outer-joined with its ResultRow for `standard`."""
    conditions = []
    if f.date_from:
        conditions.append(CallRow.day >= f.date_from)
    if f.date_to:
        conditions.append(CallRow.day <= f.date_to)
    if f.agent_id:
        conditions.append(CallRow.agent_id == f.agent_id)
    if f.team:
        conditions.append(CallRow.team == f.team)
    if f.channel:
        conditions.append(CallRow.channel == f.channel)
    if f.direction:
        conditions.append(CallRow.direction == f.direction)
    if f.call_id:
        conditions.append(CallRow.id.startswith(f.call_id, autoescape=True))
    if f.status == "pass":
        conditions.append(ResultRow.passed.is_(True))
    elif f.status == "fail":
        conditions.append(ResultRow.passed.is_(False))
    if f.score_min is not None:
        conditions.append(ResultRow.score >= f.score_min)
    if f.score_max is not None:
        conditions.append(ResultRow.score <= f.score_max)
    if f.failed:
        conditions.append(exists().where(OutcomeRow.result_id == ResultRow.id,
                                         OutcomeRow.checkpoint_id == f.failed,
                                         OutcomeRow.status == "fail"))
    return stmt.where(and_(*conditions)) if conditions else stmt


def base_query(standard: str, *columns: Any) -> Select:
    return (select(*columns).select_from(CallRow)
            .outerjoin(ResultRow, and_(ResultRow.call_id == CallRow.id, ResultRow.standard == standard)))


def list_calls(session: Session, user: UserRow, standard: str, f: CallFilter | None = None, *,
               page: int = 1, per_page: int = 50, sort: Sort = "newest") -> CallPage:
    f = f or CallFilter()
    page, per_page = max(1, page), min(max(1, per_page), 500)
    stmt = filtered(scope(base_query(standard, CallRow, ResultRow), user), f)
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    order = {"newest": (CallRow.started_at.desc().nulls_last(), CallRow.id.desc()),
             "oldest": (CallRow.started_at.asc().nulls_last(), CallRow.id),
             "score": (ResultRow.score.asc().nulls_last(), CallRow.id),
             "-score": (ResultRow.score.desc().nulls_last(), CallRow.id)}[sort]
    rows = session.execute(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    result_ids = [r.id for _, r in rows if r is not None]
    failed: dict[int, list[str]] = {}
    appeals: dict[int, int] = {}
    if result_ids:
        for result_id, checkpoint_id in session.execute(
                select(OutcomeRow.result_id, OutcomeRow.checkpoint_id)
                .where(OutcomeRow.result_id.in_(result_ids), OutcomeRow.status == "fail")
                .order_by(OutcomeRow.position)):
            failed.setdefault(result_id, []).append(checkpoint_id)
        for result_id, count in session.execute(
                select(OutcomeRow.result_id, func.count(AppealRow.id)).join(AppealRow)
                .where(OutcomeRow.result_id.in_(result_ids), AppealRow.status == "open")
                .group_by(OutcomeRow.result_id)):
            appeals[result_id] = count
    items = [
        CallItem(id=c.id, started_local=c.started_local, channel=c.channel, direction=c.direction,
                 agent_id=c.agent_id, team=c.team, duration=c.duration, turns=c.turns,
                 score=r.score if r else None, passed=r.passed if r else None,
                 fatal=r.fatal if r else None, failed=failed.get(r.id, []) if r else [],
                 open_appeals=appeals.get(r.id, 0) if r else 0)
        for c, r in rows
    ]
    return CallPage(items, total, page, per_page)


def get_call(session: Session, user: UserRow, call_id: str) -> CallRow:
    """The call, if the user may see it; NotFound otherwise (existence is not revealed)."""
    row = session.scalar(scope(select(CallRow).where(CallRow.id == call_id), user))
    if row is None:
        raise NotFound(f"没有通话 {call_id} (no call {call_id!r})")
    return row


def get_result(session: Session, call_id: str, standard: str) -> ResultRow | None:
    return session.scalar(
        select(ResultRow).where(ResultRow.call_id == call_id, ResultRow.standard == standard)
        .options(selectinload(ResultRow.outcomes).selectinload(OutcomeRow.review),
                 selectinload(ResultRow.outcomes).selectinload(OutcomeRow.appeal)))


def stored_result(session: Session, call_id: str, standard: str) -> ResultRow:
    result = get_result(session, call_id, standard)
    if result is None:
        raise NotFound(f"通话 {call_id} 没有 {standard} 的结果 (no result under {standard})")
    return result


def as_call(row: CallRow) -> Call:
    return Call.model_validate(row.data)


def outcome_model(row: OutcomeRow) -> Outcome:
    return Outcome.model_validate({
        "id": row.checkpoint_id, "status": row.status, "confidence": row.confidence,
        "severity": row.severity, "points": row.points, "message": row.message, "fix": row.fix,
        "evidence": row.evidence})


def filter_options(session: Session, user: UserRow) -> dict[str, list[str]]:
    """The agents and teams the user can filter by."""
    agents = session.scalars(scope(select(CallRow.agent_id).distinct().where(CallRow.agent_id.is_not(None)),
                                   user).order_by(CallRow.agent_id))
    teams = session.scalars(scope(select(CallRow.team).distinct().where(CallRow.team.is_not(None)), user)
                            .order_by(CallRow.team))
    return {"agents": list(agents), "teams": list(teams)}
