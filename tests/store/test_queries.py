"""Reading: filters, paging, who sees what, dashboard numbers."""

from __future__ import annotations

from collections import Counter
from datetime import date

from callqa.model import Call
from callqa.standard import Engine
from callqa.store import Database, NotFound
from callqa.store.models import UserRow
from callqa.store.queries import CallFilter, filter_options, get_call, list_calls
from callqa.store.stats import overview

REF = "default@1"


def ids(db: Database, user: UserRow, **filters) -> list[str]:
    with db.session() as session:
        return sorted(i.id for i in list_calls(session, user, REF, CallFilter(**filters), per_page=500).items)


def test_filters(db: Database, loaded: dict[str, UserRow], engine: Engine, samples: list[Call]) -> None:
    admin = loaded["admin"]
    results = {r.call_id: r for r in engine.check_many(samples)}
    assert len(ids(db, admin)) == len(samples)
    assert ids(db, admin, agent_id="1024") == sorted(c.call_id for c in samples if c.agent_id == "1024")
    assert ids(db, admin, team="B") == sorted(c.call_id for c in samples if c.team == "B")
    assert ids(db, admin, failed="hold.thank_after") == sorted(
        r.call_id for r in results.values() if r.outcome("hold.thank_after").status == "fail")
    assert ids(db, admin, status="fail") == sorted(c for c, r in results.items() if not r.passed)
    assert ids(db, admin, status="pass") == sorted(c for c, r in results.items() if r.passed)
    assert ids(db, admin, score_min=50, score_max=90) == sorted(
        c for c, r in results.items() if 50 <= r.score <= 90)
    assert ids(db, admin, date_from=date(2026, 11, 3), date_to=date(2026, 11, 4)) == sorted(
        c.call_id for c in samples if c.started_at and date(2026, 11, 3) <= c.started_at.date() <= date(2026, 11, 4))
    assert ids(db, admin, channel="chat", direction="inbound") == sorted(
        c.call_id for c in samples if c.channel == "chat")
    assert ids(db, admin, call_id="demo-01") == ["demo-010", "demo-011", "demo-012"]
    assert ids(db, admin, call_id="demo_%") == []  # LIKE wildcards are escaped


def test_paging_and_sorting(db: Database, loaded: dict[str, UserRow]) -> None:
    with db.session() as session:
        first = list_calls(session, loaded["admin"], REF, per_page=5)
        third = list_calls(session, loaded["admin"], REF, page=3, per_page=5)
        by_score = list_calls(session, loaded["admin"], REF, sort="score", per_page=50)
    assert (first.total, first.pages, len(first.items), len(third.items)) == (12, 3, 5, 2)
    assert first.items[0].started_local >= first.items[1].started_local
    scores = [i.score for i in by_score.items]
    assert scores == sorted(scores)
    failing = next(i for i in by_score.items if not i.passed)
    assert failing.failed and all("." in c for c in failing.failed)


def test_who_sees_what(db: Database, loaded: dict[str, UserRow], samples: list[Call]) -> None:
    assert ids(db, loaded["a1031"]) == sorted(c.call_id for c in samples if c.agent_id == "1031")
    assert ids(db, loaded["qa"]) == sorted(c.call_id for c in samples if c.team == "A")
    assert len(ids(db, loaded["lead"])) == len(samples)
    with db.session() as session:
        assert get_call(session, loaded["a1031"], "demo-002").agent_id == "1031"
        for user, call_id in ((loaded["a1031"], "demo-001"), (loaded["qa"], "demo-004")):
            try:
                get_call(session, user, call_id)
                raise AssertionError(f"{user.name} saw {call_id}")
            except NotFound:
                pass
        assert filter_options(session, loaded["a1031"]) == {"agents": ["1031"], "teams": ["A"]}


def test_overview_matches_the_engine(db: Database, loaded: dict[str, UserRow], engine: Engine,
                                     samples: list[Call]) -> None:
    results = list(engine.check_many(samples))
    with db.session() as session:
        o = overview(session, loaded["admin"], REF)
        mine = overview(session, loaded["a1031"], REF)
        none = overview(session, loaded["admin"], REF, CallFilter(team="nobody"))
    assert o.calls == len(results)
    assert abs(o.average - sum(r.score for r in results) / len(results)) < 1e-9
    assert o.passed == sum(r.passed for r in results) and o.fatal == sum(r.fatal for r in results)
    assert sum(o.histogram) == len(results)
    fails = Counter(c.id for r in results for c in r.checkpoints if c.status == "fail")
    assert o.worst[0][1] == max(fails.values()) and dict(o.worst).items() <= fails.items()
    assert sum(d.calls for d in o.trend) == sum(1 for c in samples if c.started_at)
    assert {r.key for r in o.teams} == {c.team for c in samples}
    assert sum(r.calls for r in o.agents) == len(results)
    assert mine.calls == sum(1 for c in samples if c.agent_id == "1031") and [r.key for r in mine.agents] == ["1031"]
    assert none.calls == 0 and none.as_dict()["trend"] == []
