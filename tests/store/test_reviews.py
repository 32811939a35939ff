"""The review workflow: QA review rescoring, appeal, final ruling, audit log, precision."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from callqa.standard.scoring import scorecard
from callqa.store import Conflict, Database, Forbidden, Invalid
from callqa.store.models import AuditRow, ResultRow, UserRow
from callqa.store.queries import as_call, get_result, outcome_model
from callqa.store.reviews import appeal, get_appeal, list_appeals, precision, review, rule


def result_of(session, call_id: str = "demo-002") -> ResultRow:
    result = get_result(session, call_id, "default@1")
    assert result is not None
    return result


def failed(result: ResultRow) -> list[str]:
    return [o.checkpoint_id for o in result.outcomes if o.status == "fail"]


def test_a_false_hit_becomes_a_pass_and_the_score_is_recomputed(db: Database, loaded: dict[str, UserRow],
                                                                 standards, engine) -> None:
    with db.transaction() as session:
        result = result_of(session)
        before, checkpoint = result.score, failed(result)[0]
        deduction = engine.standard.checkpoint(checkpoint).spec.points
        review(session, loaded["qa"], result, checkpoint, "false_hit", "振铃时间是系统误报", standards)
        assert result.score == before + deduction and result.auto_score == before
        outcome = next(o for o in result.outcomes if o.checkpoint_id == checkpoint)
        assert (outcome.status, outcome.auto_status) == ("pass", "fail")
        expected = scorecard(as_call(result.call), engine.standard, [outcome_model(o) for o in result.outcomes])
        assert (result.score, result.passed, result.fatal) == (expected.score, expected.passed, expected.fatal)
    with db.transaction() as session:  # a true hit (revising the review) restores the score
        result = result_of(session)
        review(session, loaded["qa"], result, checkpoint, "true_hit", "复听确认", standards)
        assert result.score == before
        log = session.scalars(select(AuditRow).where(AuditRow.call_id == "demo-002", AuditRow.entity == "outcome")
                              .order_by(AuditRow.id)).all()
    assert [a.action for a in log] == ["review.create", "review.update"]
    assert log[0].user_name == "qa" and log[0].before["status"] == "fail" and log[0].after["status"] == "pass"
    assert log[0].before["score"] == before and log[0].after["score"] == before + deduction
    assert log[1].after["review"] == {"verdict": "true_hit", "comment": "复听确认"}


def test_a_fatal_false_hit_lifts_the_zero(db: Database, loaded: dict[str, UserRow], standards) -> None:
    with db.transaction() as session:
        result = next(r for r in session.scalars(select(ResultRow)) if r.fatal)
        fatal = [o.checkpoint_id for o in result.outcomes if o.status == "fail" and o.severity == "fatal"]
        assert result.score == 0
        for checkpoint in fatal:
            review(session, loaded["admin"], result, checkpoint, "false_hit", "", standards)
        assert not result.fatal and result.score > 0


def test_only_failed_checkpoints_are_reviewed_and_only_by_reviewers(db: Database, loaded, standards) -> None:
    with db.transaction() as session:
        result = result_of(session)
        passed = next(o.checkpoint_id for o in result.outcomes if o.status == "pass")
        with pytest.raises(Conflict):
            review(session, loaded["qa"], result, passed, "false_hit", "", standards)
        with pytest.raises(Forbidden):
            review(session, loaded["a1031"], result, failed(result)[0], "false_hit", "", standards)
        with pytest.raises(Invalid):
            review(session, loaded["qa"], result, failed(result)[0], "maybe", "", standards)


def test_appeal_and_final_ruling(db: Database, loaded: dict[str, UserRow], standards) -> None:
    with db.transaction() as session:
        result = result_of(session)
        first, second = failed(result)[:2]
        with pytest.raises(Forbidden):  # another agent
            appeal(session, loaded["a1024"], result, first, "不是我")
        with pytest.raises(Invalid):
            appeal(session, loaded["a1031"], result, first, "  ")
        a1 = appeal(session, loaded["a1031"], result, first, "客户没有等待")
        a2 = appeal(session, loaded["a1031"], result, second, "已经询问过")
        with pytest.raises(Conflict):
            appeal(session, loaded["a1031"], result, first, "again")
        ids = a1.id, a2.id
    with db.transaction() as session:
        assert [a.status for a in list_appeals(session, loaded["lead"], "open")] == ["open", "open"]
        assert list_appeals(session, loaded["a1024"]) == []
        with pytest.raises(Forbidden):
            rule(session, loaded["qa"], get_appeal(session, loaded["qa"], ids[0]), "overturned", "", standards)
        score = result_of(session).score
        rule(session, loaded["lead"], get_appeal(session, loaded["lead"], ids[0]), "overturned", "同意", standards)
        rule(session, loaded["lead"], get_appeal(session, loaded["lead"], ids[1]), "upheld", "证据充分", standards)
        result = result_of(session)
        assert result.score > score
        status = {o.checkpoint_id: o.status for o in result.outcomes}
        assert (status[first], status[second]) == ("pass", "fail")
    with db.transaction() as session:  # final: nothing changes it any more
        result = result_of(session)
        appeal_row = get_appeal(session, loaded["admin"], ids[0])
        for attempt in (lambda: rule(session, loaded["admin"], appeal_row, "upheld", "", standards),
                        lambda: review(session, loaded["qa"], result, first, "true_hit", "", standards),
                        lambda: review(session, loaded["qa"], result, second, "false_hit", "", standards),
                        lambda: appeal(session, loaded["a1031"], result, second, "再申诉")):
            with pytest.raises(Conflict):
                attempt()
        log = session.scalars(select(AuditRow.action).where(AuditRow.entity == "outcome").order_by(AuditRow.id)).all()
    assert log == ["appeal.create", "appeal.create", "appeal.rule", "appeal.rule"]


def test_a_review_does_not_override_a_ruling_but_counts_before_it(db: Database, loaded, standards) -> None:
    with db.transaction() as session:
        result = result_of(session)
        checkpoint = failed(result)[0]
        a = appeal(session, loaded["a1031"], result, checkpoint, "误判")
        review(session, loaded["qa"], result, checkpoint, "false_hit", "同意坐席", standards)
        assert next(o for o in result.outcomes if o.checkpoint_id == checkpoint).status == "pass"
        rule(session, loaded["lead"], a, "upheld", "维持", standards)
        assert next(o for o in result.outcomes if o.checkpoint_id == checkpoint).status == "fail"


def test_precision_per_checkpoint(db: Database, loaded, standards) -> None:
    with db.transaction() as session:
        results = [r for r in session.scalars(select(ResultRow).order_by(ResultRow.call_id))
                   if "talk.address_customer" in failed(r)]
        assert len(results) >= 2
        review(session, loaded["admin"], results[0], "talk.address_customer", "true_hit", "", standards)
        review(session, loaded["admin"], results[1], "talk.address_customer", "false_hit", "", standards)
        other = next(r for r in session.scalars(select(ResultRow)) if "open.offer_help" in failed(r))
        review(session, loaded["admin"], other, "open.offer_help", "true_hit", "", standards)
    with db.session() as session:
        stats = {p.checkpoint_id: p for p in precision(session, loaded["admin"], "default@1")}
        assert (stats["talk.address_customer"].judged, stats["talk.address_customer"].true_hits) == (2, 1)
        assert stats["talk.address_customer"].precision == 0.5
        assert stats["open.offer_help"].precision == 1.0
        worst_first = precision(session, loaded["admin"], "default@1")
        assert worst_first[0].checkpoint_id == "talk.address_customer"
