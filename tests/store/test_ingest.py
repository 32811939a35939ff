"""Ingest: idempotent upsert by call_id, one result per standard version, per-call savepoints."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from callqa.errors import Problem
from callqa.model import Call
from callqa.standard import Engine, load_standard
from callqa.store import Database
from callqa.store import ingest as ingest_module
from callqa.store.ingest import ingest, parse_calls, recheck
from callqa.store.models import AuditRow, CallRow, OutcomeRow, ResultRow
from callqa.store.reviews import review

from .conftest import make_users


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_samples_are_stored_with_their_engine_results(db: Database, engine: Engine, samples: list[Call]) -> None:
    with db.transaction() as session:
        report = ingest(session, samples, engine)
    assert report.count("created") == len(samples) and not report.problems
    expected = {r.call_id: r for r in engine.check_many(samples)}
    with db.session() as session:
        for row in session.scalars(select(ResultRow)):
            result = expected[row.call_id]
            assert (row.score, row.passed, row.fatal, row.standard) == \
                (result.score, result.passed, result.fatal, result.standard)
            assert [o.checkpoint_id for o in row.outcomes] == [o.id for o in result.checkpoints]
            assert [o.status for o in row.outcomes] == [o.status for o in result.checkpoints]
        call = session.get(CallRow, "demo-001")
        assert call is not None
        assert (call.agent_id, call.team, call.channel, call.direction) == ("1024", "A", "phone", "inbound")
        assert str(call.day) == "2026-11-02" and call.started_local.hour == 9 and call.started_at.hour == 1
        assert Call.model_validate(call.data) == samples[0]
        evidence = session.scalars(select(OutcomeRow.evidence).where(OutcomeRow.status == "fail")).first()
        assert evidence and {"utterance", "t"} & set(evidence[0])
    assert count(db, AuditRow) == len(samples)


def test_the_same_calls_twice_change_nothing(db: Database, engine: Engine, samples: list[Call]) -> None:
    for _ in range(2):
        with db.transaction() as session:
            report = ingest(session, samples, engine)
    assert report.count("unchanged") == len(samples)
    assert count(db, CallRow) == len(samples) and count(db, ResultRow) == len(samples)
    with db.transaction() as session:  # duplicates inside one batch too
        report = ingest(session, [samples[0], samples[0]], engine)
    assert report.count("unchanged") == 2 and count(db, ResultRow) == len(samples)


def test_a_changed_call_replaces_the_old_one(db: Database, engine: Engine, samples: list[Call]) -> None:
    with db.transaction() as session:
        ingest(session, samples, engine)
    changed = samples[1].model_copy(update={"team": "Z"})
    with db.transaction() as session:
        report = ingest(session, [changed], engine)
    assert report.stored[0].action == "updated"
    with db.session() as session:
        assert session.get(CallRow, changed.call_id).team == "Z"
        assert session.scalar(select(func.count()).select_from(ResultRow)
                              .where(ResultRow.call_id == changed.call_id)) == 1
        actions = session.scalars(select(AuditRow.action).where(AuditRow.call_id == changed.call_id)).all()
    assert actions == ["call.create", "call.update"]


def test_a_reviewed_call_is_not_replaced(db: Database, engine: Engine, samples: list[Call], standards) -> None:
    users = make_users(db)
    with db.transaction() as session:
        ingest(session, samples, engine)
    with db.transaction() as session:
        result = session.scalar(select(ResultRow).where(ResultRow.call_id == "demo-002"))
        failed = next(o.checkpoint_id for o in result.outcomes if o.status == "fail")
        review(session, users["admin"], result, failed, "false_hit", "", standards)
    changed = next(c for c in samples if c.call_id == "demo-002").model_copy(update={"team": "Z"})
    with db.transaction() as session:
        report = ingest(session, [changed], engine)
    assert not report.stored and "reviewed" in report.problems[0].message
    with db.session() as session:
        assert session.get(CallRow, "demo-002").team == "A"


def test_bad_records_are_reported_and_the_rest_land(db: Database, engine: Engine, samples: list[Call],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    records = [s.model_dump(mode="json") for s in samples[:4]]
    records.insert(1, {"call_id": "no-utterance-speaker", "utterances": [{"text": "您好"}]})
    records.insert(3, {**records[0], "call_id": "x" * 300})

    real_result_row = ingest_module.result_row

    def broken(result):  # a real constraint violation inside one call's savepoint
        row = real_result_row(result)
        if result.call_id == samples[2].call_id:
            row.outcomes.append(OutcomeRow(position=99, checkpoint_id=row.outcomes[0].checkpoint_id,
                                           status="pass", auto_status="pass", confidence=1.0))
        return row

    monkeypatch.setattr(ingest_module, "result_row", broken)
    with db.transaction() as session:
        report = ingest(session, parse_calls(records, "batch.json"), engine, source="batch.json")
    assert sorted(s.call_id for s in report.stored) == sorted(c.call_id for c in (samples[0], samples[1],
                                                                                  samples[3]))
    problems = {(p.line, p.field) for p in report.problems}
    assert (2, "utterances.0.speaker") in problems and (4, "call_id") in problems
    assert any("database" in p.message and samples[2].call_id in p.message for p in report.problems)
    with db.session() as session:
        assert session.get(CallRow, samples[2].call_id) is None  # its savepoint was rolled back whole
    assert count(db, CallRow) == 3 and count(db, ResultRow) == 3


def test_a_batch_lands_whole_or_not_at_all(db: Database, engine: Engine, samples: list[Call]) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        ingest(session, samples, engine)
        raise RuntimeError("the batch fails after the calls were written")
    assert count(db, CallRow) == 0 and count(db, AuditRow) == 0


def test_problems_from_readers_are_passed_on(db: Database, engine: Engine, samples: list[Call]) -> None:
    problem = Problem("calls.jsonl", 7, None, "invalid JSON")
    with db.transaction() as session:
        report = ingest(session, [samples[0], problem], engine)
    assert report.problems == [problem] and report.count("created") == 1


def test_another_standard_version_adds_a_result(db: Database, engine: Engine, samples: list[Call],
                                                tmp_path: Path) -> None:
    centre = tmp_path / "centre.yaml"
    centre.write_text("extends: default\nstandard:\n  id: default\n  version: '2'\n"
                      "disable: [talk.address_customer]\n", encoding="utf-8")
    v2 = Engine(load_standard(centre))
    assert v2.standard.ref == "default@2"
    with db.transaction() as session:
        ingest(session, samples, engine)
    with db.transaction() as session:
        report = recheck(session, v2)
    assert report.count("rechecked") == len(samples)
    with db.transaction() as session:
        assert recheck(session, v2).stored == []  # the same version is never stored twice
        assert ingest(session, samples, v2).count("unchanged") == len(samples)
    assert count(db, ResultRow) == 2 * len(samples)
    with db.session() as session:
        refs = session.scalars(select(ResultRow.standard).where(ResultRow.call_id == "demo-002")).all()
        assert sorted(refs) == ["default@1", "default@2"]
        v2_outcomes = session.scalars(select(OutcomeRow.checkpoint_id).join(ResultRow)
                                      .where(ResultRow.standard == "default@2")).all()
        assert "talk.address_customer" not in v2_outcomes
