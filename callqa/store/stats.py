"""The numbers behind the dashboard, over the calls a user may see (one standard version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, cast, func
from sqlalchemy.orm import Session

from callqa.store.access import scope
from callqa.store.models import CallRow, OutcomeRow, ResultRow, UserRow
from callqa.store.queries import CallFilter, base_query, filtered

HISTOGRAM_BINS = 10  # 0–10, 10–20 … 90–100 (and bonus points above 100 go in the last)


@dataclass
class Rank:
    key: str
    calls: int
    average: float
    pass_rate: float
    fatal: int

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Day:
    day: date
    calls: int
    average: float
    pass_rate: float


@dataclass
class Overview:
    calls: int = 0  # calls with a result under the standard
    average: float = 0.0
    pass_rate: float = 0.0
    passed: int = 0
    fatal: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_BINS)
    worst: list[tuple[str, int]] = field(default_factory=list)  # checkpoint id, fails
    trend: list[Day] = field(default_factory=list)
    agents: list[Rank] = field(default_factory=list)
    teams: list[Rank] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls, "average_score": round(self.average, 2), "pass_rate": round(self.pass_rate, 4),
            "passed": self.passed, "fatal": self.fatal,
            "score_histogram": [{"from": i * 10, "to": i * 10 + 10, "calls": n}
                                for i, n in enumerate(self.histogram)],
            "worst_checkpoints": [{"checkpoint": c, "fails": n} for c, n in self.worst],
            "trend": [{"day": d.day.isoformat(), "calls": d.calls, "average_score": round(d.average, 2),
                       "pass_rate": round(d.pass_rate, 4)} for d in self.trend],
            "agents": [r.as_dict() for r in self.agents], "teams": [r.as_dict() for r in self.teams],
        }


def _aggregates() -> tuple[Any, ...]:
    return (func.count(ResultRow.id), func.avg(ResultRow.score),
            func.sum(cast(ResultRow.passed, Integer)), func.sum(cast(ResultRow.fatal, Integer)))


def overview(session: Session, user: UserRow, standard: str, f: CallFilter | None = None,
             worst: int = 10) -> Overview:
    f = f or CallFilter()

    def query(*columns: Any) -> Any:
        stmt = base_query(standard, *columns).where(ResultRow.id.is_not(None))
        return filtered(scope(stmt, user), f)

    out = Overview()
    calls, average, passed, fatal = session.execute(query(*_aggregates())).one()
    if not calls:
        return out
    out.calls, out.average, out.passed, out.fatal = calls, float(average or 0), passed or 0, fatal or 0
    out.pass_rate = out.passed / calls
    bucket = func.floor(ResultRow.score / 10)
    for b, n in session.execute(query(bucket, func.count()).group_by(bucket)):
        out.histogram[min(max(int(b or 0), 0), HISTOGRAM_BINS - 1)] += n
    fails = func.count(OutcomeRow.id)
    out.worst = [(c, n) for c, n in session.execute(
        query(OutcomeRow.checkpoint_id, fails).join(OutcomeRow, OutcomeRow.result_id == ResultRow.id)
        .where(OutcomeRow.status == "fail").group_by(OutcomeRow.checkpoint_id)
        .order_by(fails.desc(), OutcomeRow.checkpoint_id).limit(worst))]
    out.trend = [Day(d, n, float(avg), (p or 0) / n) for d, n, avg, p, _ in session.execute(
        query(CallRow.day, *_aggregates()).where(CallRow.day.is_not(None))
        .group_by(CallRow.day).order_by(CallRow.day))]
    out.agents = _ranking(session, query, CallRow.agent_id)
    out.teams = _ranking(session, query, CallRow.team)
    return out


def _ranking(session: Session, query: Any, column: Any) -> list[Rank]:
    rows = session.execute(query(column, *_aggregates()).where(column.is_not(None)).group_by(column))
    ranks = [Rank(key, n, round(float(avg), 2), round((p or 0) / n, 4), f or 0) for key, n, avg, p, f in rows]
    return sorted(ranks, key=lambda r: (-r.average, -r.calls, r.key))
