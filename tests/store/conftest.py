"""Store fixtures: every store test runs on SQLite and, when CALLQA_TEST_PG_URL is set
(tests/pg.sh starts a throwaway cluster), on PostgreSQL too."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from callqa.model import Call
from callqa.standard import Engine, Standard
from callqa.store import Database, open_database
from callqa.store.ingest import ingest
from callqa.store.models import UserRow
from callqa.store.users import create_user
from tests.conftest import skip_unless_strict

PG_URL = os.environ.get("CALLQA_TEST_PG_URL")
SAMPLES = Path(__file__).resolve().parents[2] / "callqa" / "samples" / "calls.jsonl"


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'callqa.db'}"
    if not PG_URL:
        skip_unless_strict("PostgreSQL: set CALLQA_TEST_PG_URL (eval \"$(bash tests/pg.sh start)\")")
    reset_postgres(PG_URL)
    return PG_URL


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def samples() -> list[Call]:
    from callqa.cli.demo import sample_calls

    return sample_calls()


@pytest.fixture(scope="session")
def standards(engine: Engine) -> dict[str, Standard]:
    return {engine.standard.ref: engine.standard}


def make_users(db: Database) -> dict[str, UserRow]:
    with db.transaction() as session:
        return {
            "admin": create_user(session, "admin", "admin", "admin-pass"),
            "lead": create_user(session, "lead", "supervisor", "lead-pass"),
            "qa": create_user(session, "qa", "qa", "qa-passw", teams="A"),
            "a1031": create_user(session, "a1031", "agent", "agent-pass", agent_id="1031"),
            "a1024": create_user(session, "a1024", "agent", "agent-pass", agent_id="1024"),
        }


@pytest.fixture
def loaded(db: Database, engine: Engine, samples: list[Call]) -> dict[str, UserRow]:
    """The database with the sample calls stored and one user of each role."""
    users = make_users(db)
    with db.transaction() as session:
        report = ingest(session, samples, engine)
    assert not report.problems
    return users
