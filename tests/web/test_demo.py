"""`callqa demo --no-serve`: prints the scorecards, builds the demo database with its users."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from callqa.cli import demo as demo_cli
from callqa.store import open_database
from callqa.store.models import CallRow
from callqa.store.users import authenticate
from callqa.web.demo import DEMO_USERS, data_dir


def test_demo_builds_a_fresh_database_with_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLQA_HOME", str(tmp_path))
    app = typer.Typer()
    demo_cli.register(app)

    @app.command("noop")
    def noop() -> None:
        pass

    for _ in range(2):  # rebuilt each time, not appended to
        result = CliRunner().invoke(app, ["demo", "--no-serve", "--port", "8123"])
        assert result.exit_code == 0, result.output
    out = result.output
    assert "通过 12" in out or "合格" in out  # the scorecards are still printed
    assert "http://127.0.0.1:8123/" in out and str(tmp_path / "demo.db") in out
    for name, _role, _teams, _agent, password in DEMO_USERS:
        assert name in out and password in out
    db = open_database(f"sqlite:///{tmp_path / 'demo.db'}")
    with db.session() as session:
        for name, role, _teams, _agent, password in DEMO_USERS:
            assert authenticate(session, name, password).role == role
        assert session.scalar(select(func.count()).select_from(CallRow)) == 12
    db.close()


def test_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CALLQA_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert data_dir() == tmp_path / "callqa"
    monkeypatch.setenv("CALLQA_HOME", "/srv/qa")
    assert data_dir() == Path("/srv/qa")
