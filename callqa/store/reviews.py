"""The review workflow (绩效评审).

1. A QA reviewer marks a checkpoint the engine failed as a true or a false hit, with a
   comment; a false hit counts as a pass and the score is recomputed (`scorecard`).
   A reviewer may revise their review until a ruling is made.
2. The agent of the call appeals a checkpoint that currently fails, with a reason.
3. A supervisor rules: `upheld` (the fail stands) or `overturned` (it becomes a pass).
   The ruling is final: no further review or appeal changes that checkpoint.

Every change is written to the audit log with its before and after. Precision per
checkpoint = true hits / judged hits, where a ruling, if there is one, is the judgement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from callqa.standard import Standard
from callqa.standard.scoring import scorecard
from callqa.store import audit
from callqa.store.access import can_appeal, can_review, can_rule, require, scope
from callqa.store.errors import Conflict, Invalid, NotFound
from callqa.store.models import AppealRow, CallRow, OutcomeRow, ResultRow, ReviewRow, UserRow, utcnow
from callqa.store.queries import as_call, outcome_model

Verdict = Literal["true_hit", "false_hit"]
Decision = Literal["upheld", "overturned"]
MAX_TEXT = 2000


def find_outcome(result: ResultRow, checkpoint_id: str) -> OutcomeRow:
    for outcome in result.outcomes:
        if outcome.checkpoint_id == checkpoint_id:
            return outcome
    raise NotFound(f"结果中没有检查点 {checkpoint_id} (no checkpoint {checkpoint_id!r} in this result)")


def effective_status(outcome: OutcomeRow) -> str:
    """The current verdict: a ruling beats a review, a review beats the engine."""
    appeal = outcome.appeal
    if appeal is not None and appeal.final:
        return "pass" if appeal.status == "overturned" else "fail"
    if outcome.review is not None and outcome.review.verdict == "false_hit":
        return "pass"
    return outcome.auto_status


def rescore(result: ResultRow, standards: Mapping[str, Standard]) -> None:
    """Recompute the result's score from its current verdicts with the standard's own rules."""
    standard = standards.get(result.standard)
    if standard is None:
        raise Conflict(f"规范 {result.standard} 未加载，无法重新计分 (standard {result.standard} "
                       "is not loaded; start the server with it to change this result)")
    fresh = scorecard(as_call(result.call), standard, [outcome_model(o) for o in result.outcomes])
    result.score, result.passed, result.fatal = fresh.score, fresh.passed, fresh.fatal
    result.updated_at = utcnow()


def snapshot(outcome: OutcomeRow) -> dict[str, Any]:
    result = outcome.result
    review, appeal = outcome.review, outcome.appeal
    return {
        "checkpoint": outcome.checkpoint_id, "status": outcome.status, "score": result.score,
        "passed": result.passed,
        "review": {"verdict": review.verdict, "comment": review.comment} if review else None,
        "appeal": {"status": appeal.status, "reason": appeal.reason, "ruling": appeal.ruling_comment}
        if appeal else None,
    }


def _text(value: str, what: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"请填写{what} ({what} is required)")
    if len(value) > MAX_TEXT:
        raise Invalid(f"{what}太长 (at most {MAX_TEXT} characters)")
    return value


def _apply(session: Session, outcome: OutcomeRow, standards: Mapping[str, Standard]) -> None:
    outcome.status = effective_status(outcome)
    rescore(outcome.result, standards)
    session.flush()


def review(session: Session, user: UserRow, result: ResultRow, checkpoint_id: str, verdict: str,
           comment: str, standards: Mapping[str, Standard]) -> ReviewRow:
    require(can_review(user), "只有质检员、主管和管理员可以复核 (only QA, supervisors and admins review)")
    if verdict not in get_args(Verdict):
        raise Invalid(f"复核结论应为 true_hit 或 false_hit (verdict: true_hit | false_hit, not {verdict!r})")
    outcome = find_outcome(result, checkpoint_id)
    if outcome.auto_status != "fail":
        raise Conflict("只复核机器判为不通过的检查点 (only failed checkpoints are reviewed)")
    if outcome.appeal is not None and outcome.appeal.final:
        raise Conflict("该检查点已终审，不能再修改 (a final ruling was made on this checkpoint)")
    comment = _text(comment, "复核意见", required=False)
    before = snapshot(outcome)
    row = outcome.review
    if row is None:
        row = outcome.review = ReviewRow(reviewer_id=user.id, verdict=verdict, comment=comment)
    else:
        row.reviewer_id, row.verdict, row.comment, row.updated_at = user.id, verdict, comment, utcnow()
    _apply(session, outcome, standards)
    audit.record(session, user, "review.update" if before["review"] else "review.create", "outcome",
                 outcome.id, call_id=result.call_id, before=before, after=snapshot(outcome))
    return row


def appeal(session: Session, user: UserRow, result: ResultRow, checkpoint_id: str, reason: str) -> AppealRow:
    require(can_appeal(user, result.call), "只有本通话的坐席可以申诉 (only the call's agent appeals)")
    outcome = find_outcome(result, checkpoint_id)
    if outcome.appeal is not None:
        raise Conflict("该检查点已申诉过 (this checkpoint was already appealed)")
    if outcome.status != "fail":
        raise Conflict("只能申诉不通过的检查点 (only a failed checkpoint can be appealed)")
    reason = _text(reason, "申诉理由", required=True)
    before = snapshot(outcome)
    row = outcome.appeal = AppealRow(appellant_id=user.id, reason=reason, status="open")
    session.flush()
    audit.record(session, user, "appeal.create", "outcome", outcome.id, call_id=result.call_id,
                 before=before, after=snapshot(outcome))
    return row


def rule(session: Session, user: UserRow, appeal_row: AppealRow, decision: str, comment: str,
         standards: Mapping[str, Standard]) -> AppealRow:
    require(can_rule(user), "只有主管和管理员可以裁定申诉 (only supervisors and admins rule)")
    if decision not in get_args(Decision):
        raise Invalid(f"裁定应为 upheld 或 overturned (decision: upheld | overturned, not {decision!r})")
    if appeal_row.final:
        raise Conflict("该申诉已终审 (this appeal has a final ruling)")
    outcome = appeal_row.outcome
    before = snapshot(outcome)
    appeal_row.status, appeal_row.ruled_by_id = decision, user.id
    appeal_row.ruling_comment = _text(comment, "裁定意见", required=False)
    appeal_row.ruled_at = utcnow()
    _apply(session, outcome, standards)
    audit.record(session, user, "appeal.rule", "outcome", outcome.id, call_id=outcome.result.call_id,
                 before=before, after=snapshot(outcome))
    return appeal_row


# -- reading ---------------------------------------------------------------------------------
@dataclass
class AppealItem:
    id: int
    call_id: str
    checkpoint_id: str
    status: str
    reason: str
    appellant: str
    created_at: datetime
    agent_id: str | None
    team: str | None
    score: float
    standard: str
    ruled_by: str | None
    ruling_comment: str | None
    ruled_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def get_appeal(session: Session, user: UserRow, appeal_id: int) -> AppealRow:
    stmt = (select(AppealRow).join(OutcomeRow, AppealRow.outcome_id == OutcomeRow.id).join(ResultRow)
            .join(CallRow).where(AppealRow.id == appeal_id))
    row = session.scalar(scope(stmt, user))
    if row is None:
        raise NotFound(f"没有申诉 {appeal_id} (no appeal {appeal_id})")
    return row


def list_appeals(session: Session, user: UserRow, status: str | None = None,
                 standard: str | None = None, limit: int = 500) -> list[AppealItem]:
    stmt = (select(AppealRow, OutcomeRow, ResultRow, CallRow)
            .join(OutcomeRow, AppealRow.outcome_id == OutcomeRow.id).join(ResultRow).join(CallRow)
            .options(selectinload(AppealRow.appellant), selectinload(AppealRow.ruled_by)))
    if status:
        stmt = stmt.where(AppealRow.status == status)
    if standard:
        stmt = stmt.where(ResultRow.standard == standard)
    stmt = scope(stmt, user).order_by((AppealRow.status == "open").desc(), AppealRow.created_at.desc())
    return [
        AppealItem(id=a.id, call_id=c.id, checkpoint_id=o.checkpoint_id, status=a.status, reason=a.reason,
                   appellant=a.appellant.name, created_at=a.created_at, agent_id=c.agent_id, team=c.team,
                   score=r.score, standard=r.standard, ruled_by=a.ruled_by.name if a.ruled_by else None,
                   ruling_comment=a.ruling_comment, ruled_at=a.ruled_at)
        for a, o, r, c in session.execute(stmt.limit(limit)).all()
    ]


@dataclass
class Precision:
    checkpoint_id: str
    judged: int  # reviewed or ruled hits
    true_hits: int

    @property
    def false_hits(self) -> int:
        return self.judged - self.true_hits

    @property
    def precision(self) -> float | None:
        return self.true_hits / self.judged if self.judged else None

    def as_dict(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint_id, "judged": self.judged, "true_hits": self.true_hits,
                "false_hits": self.false_hits, "precision": self.precision}


def precision(session: Session, user: UserRow, standard: str) -> list[Precision]:
    """Per checkpoint: how many of the engine's fails that people judged were true hits."""
    stmt = (select(OutcomeRow.checkpoint_id, ReviewRow.verdict, AppealRow.status)
            .select_from(OutcomeRow).join(ResultRow).join(CallRow)
            .outerjoin(ReviewRow, ReviewRow.outcome_id == OutcomeRow.id)
            .outerjoin(AppealRow, AppealRow.outcome_id == OutcomeRow.id)
            .where(ResultRow.standard == standard, OutcomeRow.auto_status == "fail",
                   or_(ReviewRow.id.is_not(None), AppealRow.status.in_(("upheld", "overturned")))))
    stats: dict[str, Precision] = {}
    for checkpoint_id, verdict, appeal_status in session.execute(scope(stmt, user)):
        item = stats.setdefault(checkpoint_id, Precision(checkpoint_id, 0, 0))
        item.judged += 1
        if appeal_status in ("upheld", "overturned"):
            item.true_hits += appeal_status == "upheld"
        else:
            item.true_hits += verdict == "true_hit"
    return sorted(stats.values(), key=lambda p: (p.precision if p.precision is not None else 1, -p.judged))
