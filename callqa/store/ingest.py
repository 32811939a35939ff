"""Putting calls in the store: idempotent upsert by call_id, checked by the engine.

- A new call is stored with its result under the engine's standard version.
- The same call again (same content) changes nothing; if it has no result for this
  standard version yet, one is added (a call re-checked with another version gets a new
  result, the same version is never stored twice).
- A call whose content changed replaces the stored one and its results, unless a result
  has been reviewed or appealed: then it is reported and left alone.
- Each call is written in its own savepoint: a bad call is reported and the others land;
  the caller's transaction decides whether the batch as a whole lands.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone
from itertools import islice
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from callqa.errors import Problem, problem_from_validation
from callqa.model import Call, Result
from callqa.standard import Engine
from callqa.store import audit
from callqa.store.models import AppealRow, CallRow, OutcomeRow, ResultRow, ReviewRow, UserRow, utcnow

CENTRE_TZ = timezone(timedelta(hours=8))  # a naive started_at is read as +08:00 (docs/rulings.md)
CHUNK = 256
LIMITS = {"call_id": 255, "agent_id": 100, "team": 100}

Action = Literal["created", "updated", "rechecked", "unchanged"]


@dataclass
class Stored:
    call_id: str
    action: Action
    score: float | None = None
    passed: bool | None = None


@dataclass
class IngestReport:
    stored: list[Stored] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(s.action == action for s in self.stored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.count("created"), "updated": self.count("updated"),
            "rechecked": self.count("rechecked"), "unchanged": self.count("unchanged"),
            "problems": [{"source": p.file, "record": p.line, "field": p.field, "message": p.message}
                         for p in self.problems],
            "calls": [s.__dict__ for s in self.stored],
        }


def call_digest(call: Call) -> str:
    canonical = json.dumps(call.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def call_columns(call: Call, digest: str) -> dict[str, Any]:
    """The indexed columns of a call and its JSON."""
    started_at = started_local = None
    if call.started_at is not None:
        aware = call.started_at if call.started_at.tzinfo else call.started_at.replace(tzinfo=CENTRE_TZ)
        started_at = aware.astimezone(UTC).replace(tzinfo=None)
        started_local = aware.replace(tzinfo=None)
    ends = [e.t for e in call.events] + [u.end for u in call.utterances if u.end is not None]
    return {
        "channel": call.channel, "direction": call.direction, "agent_id": call.agent_id,
        "team": call.team, "started_at": started_at, "started_local": started_local,
        "day": started_local.date() if started_local else None,
        "duration": max(ends) if ends else None, "turns": len(call.utterances),
        "has_audio": bool(call.audio and call.audio.path), "data": call.model_dump(mode="json"),
        "digest": digest,
    }


def result_row(result: Result) -> ResultRow:
    outcomes = [
        OutcomeRow(position=i, checkpoint_id=o.id, status=o.status, auto_status=o.status,
                   confidence=o.confidence, severity=o.severity, points=o.points, message=o.message,
                   fix=o.fix, evidence=[e.model_dump(mode="json", exclude_none=True) for e in o.evidence]
                   if o.evidence else None)
        for i, o in enumerate(result.checkpoints)
    ]
    return ResultRow(standard=result.standard, score=result.score, passed=result.passed,
                     fatal=result.fatal, auto_score=result.score, auto_passed=result.passed,
                     auto_fatal=result.fatal, outcomes=outcomes)


def _too_long(call: Call) -> str | None:
    for name, limit in LIMITS.items():
        value = getattr(call, name)
        if value is not None and len(value) > limit:
            return name
    return None


def _reviewed(session: Session, call_id: str) -> bool:
    outcome_ids = (select(OutcomeRow.id).join(ResultRow).where(ResultRow.call_id == call_id))
    return (session.scalar(select(ReviewRow.id).where(ReviewRow.outcome_id.in_(outcome_ids)).limit(1))
            is not None or
            session.scalar(select(AppealRow.id).where(AppealRow.outcome_id.in_(outcome_ids)).limit(1))
            is not None)


def _results(engine: Engine, calls: list[Call]) -> list[Result | Exception]:
    """The engine's results in order; a call that breaks the engine gets its exception."""
    try:
        return list(engine.check_many(calls))
    except Exception:  # find the call that broke the batch; the others still count
        out: list[Result | Exception] = []
        for call in calls:
            try:
                out.append(engine.check(call))
            except Exception as exc:
                out.append(exc)
        return out


def _chunks(items: Iterable[Call | Problem], size: int) -> Iterator[list[Call | Problem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ingest(session: Session, items: Iterable[Call | Problem], engine: Engine, *,
           actor: UserRow | None = None, source: str = "batch") -> IngestReport:
    """Store calls (and report problems); `source` names the batch in problem reports."""
    report = IngestReport()
    position = 0
    for chunk in _chunks(items, CHUNK):
        todo: list[tuple[int, Call, str]] = []
        for item in chunk:
            position += 1
            if isinstance(item, Problem):
                report.problems.append(item)
                continue
            too_long = _too_long(item)
            if too_long:
                report.problems.append(Problem(source, position, too_long,
                                               f"longer than {LIMITS[too_long]} characters"))
                continue
            todo.append((position, item, call_digest(item)))
        _store_chunk(session, todo, engine, actor, source, report)
    return report


def _store_chunk(session: Session, todo: list[tuple[int, Call, str]], engine: Engine,
                 actor: UserRow | None, source: str, report: IngestReport) -> None:
    ref = engine.standard.ref
    existing = {row.id: row for row in session.scalars(
        select(CallRow).where(CallRow.id.in_([c.call_id for _, c, _ in todo]))
        .options(selectinload(CallRow.results)))}
    to_check: list[tuple[int, Call, str]] = []
    for position, call, digest in todo:
        row = existing.get(call.call_id)
        if row is not None and row.digest == digest and any(r.standard == ref for r in row.results):
            report.stored.append(Stored(call.call_id, "unchanged"))
        elif row is not None and row.digest != digest and _reviewed(session, call.call_id):
            report.problems.append(Problem(source, position, "call_id", f"{call.call_id}: 已复核或申诉的"
                                           "通话不能被替换 (a reviewed or appealed call cannot be replaced)"))
        else:
            to_check.append((position, call, digest))
    results = _results(engine, [call for _, call, _ in to_check])
    for (position, call, digest), result in zip(to_check, results, strict=True):
        row = existing.get(call.call_id)
        if isinstance(result, Exception):
            report.problems.append(Problem(source, position, None, f"{call.call_id}: engine: {result}"))
            continue
        try:
            with session.begin_nested():
                stored = _write(session, call, digest, row, result, actor)
                session.flush()
        except SQLAlchemyError as exc:
            report.problems.append(Problem(source, position, None,
                                           f"{call.call_id}: database: {exc.__class__.__name__}: "
                                           f"{str(exc.orig if hasattr(exc, 'orig') else exc)[:200]}"))
            continue
        report.stored.append(stored)
        existing[call.call_id] = session.get(CallRow, call.call_id)  # a later duplicate sees it


def _write(session: Session, call: Call, digest: str, row: CallRow | None, result: Result,
           actor: UserRow | None) -> Stored:
    after = {"standard": result.standard, "score": result.score, "passed": result.passed}
    if row is None:
        row = CallRow(id=call.call_id, **call_columns(call, digest))
        row.results.append(result_row(result))
        session.add(row)
        audit.record(session, actor, "call.create", "call", call.call_id, call_id=call.call_id, after=after)
        return Stored(call.call_id, "created", result.score, result.passed)
    if row.digest == digest:
        if any(r.standard == result.standard for r in row.results):  # a duplicate in the batch
            return Stored(call.call_id, "unchanged")
        row.results.append(result_row(result))
        audit.record(session, actor, "result.create", "result", call.call_id, call_id=call.call_id,
                     after=after)
        return Stored(call.call_id, "rechecked", result.score, result.passed)
    before = {"digest": row.digest, "results": {r.standard: r.score for r in row.results}}
    for name, value in call_columns(call, digest).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    row.results.clear()
    session.flush()  # the old results go before the new one takes their (call, standard) key
    row.results.append(result_row(result))
    audit.record(session, actor, "call.update", "call", call.call_id, call_id=call.call_id,
                 before=before, after={"digest": digest, **after})
    return Stored(call.call_id, "updated", result.score, result.passed)


def recheck(session: Session, engine: Engine, *, actor: UserRow | None = None) -> IngestReport:
    """Check every stored call that has no result under the engine's standard version."""
    ref = engine.standard.ref
    has_result = select(ResultRow.call_id).where(ResultRow.standard == ref)
    ids = list(session.scalars(select(CallRow.id).where(CallRow.id.not_in(has_result)).order_by(CallRow.id)))
    report = IngestReport()
    for start in range(0, len(ids), CHUNK):
        rows = session.scalars(select(CallRow).where(CallRow.id.in_(ids[start:start + CHUNK]))
                               .order_by(CallRow.id)).all()
        todo = [(start + i + 1, Call.model_validate(r.data), r.digest) for i, r in enumerate(rows)]
        _store_chunk(session, todo, engine, actor, "recheck", report)
    return report


def parse_calls(records: Iterable[Any], source: str = "request") -> Iterator[Call | Problem]:
    """Raw JSON records (e.g. an API batch) as calls, with a problem for each bad one."""
    for i, record in enumerate(records, 1):
        try:
            yield Call.model_validate(record)
        except ValidationError as exc:
            yield problem_from_validation(source, i, exc)
