"""`callqa user` and `callqa db`: users from the command line, calls loaded into the store."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from callqa.cli import db as db_cli
from callqa.cli import user as user_cli
from callqa.store import open_database
from callqa.store.users import authenticate, by_name, user_by_token

SAMPLES = Path(__file__).resolve().parents[2] / "callqa" / "samples" / "calls.jsonl"


def cli() -> typer.Typer:
    app = typer.Typer()
    user_cli.register(app)
    db_cli.register(app)
    return app


def run(*args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli(), list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_users_from_the_command_line(db_url: str) -> None:
    run("user", "create", "admin", "--admin", "--db", db_url, input="first-admin\nfirst-admin\n")
    run("user", "create", "qa1", "--role", "qa", "--team", "A", "--team", "B", "--password", "qa-password",
        "--db", db_url)
    out = run("user", "create", "a1024", "--role", "agent", "--agent-id", "1024", "--password", "agent-pass",
              "--db", db_url)
    assert "a1024" in out and "1024" in out
    bad = CliRunner().invoke(cli(), ["user", "create", "x", "--role", "agent", "--password", "long-enough",
                                     "--db", db_url])
    assert bad.exit_code != 0
    token = run("user", "token", "qa1", "--db", db_url).strip().splitlines()[-1]
    listing = run("user", "list", "--db", db_url)
    assert "qa1" in listing and "A,B" in listing
    run("user", "disable", "a1024", "--db", db_url)
    db = open_database(db_url)
    with db.session() as session:
        assert authenticate(session, "admin", "first-admin").role == "admin"
        assert by_name(session, "qa1").team_list == ["A", "B"] and user_by_token(session, token).name == "qa1"
        assert not by_name(session, "a1024").active
    db.close()


def test_load_calls_into_the_store(db_url: str) -> None:
    out = run("db", "load", str(SAMPLES), "--db", db_url)
    assert "新增 created 12" in out
    again = run("db", "load", str(SAMPLES), "--db", db_url)
    assert "未变 unchanged 12" in again
    info = run("db", "info", "--db", db_url)
    assert "results default@1" in info and "12" in info
    assert "schema at revision" in run("db", "upgrade", "--db", db_url)
    assert "补充质检 rechecked 0" in run("db", "recheck", "--db", db_url)
