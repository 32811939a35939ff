"""The demo database: the bundled sample calls in a fresh SQLite file, with demo users.

The data directory is `$CALLQA_HOME`, else `$XDG_DATA_HOME/callqa`, else
`~/.local/share/callqa`; the demo database is `demo.db` there and is rebuilt on every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from callqa.model import Call
from callqa.standard import Engine
from callqa.store import open_database
from callqa.store.ingest import IngestReport, ingest
from callqa.store.users import create_user

# name, role, teams, agent_id, password — fixed, printed by `callqa demo`, served on 127.0.0.1 only.
DEMO_USERS = (
    ("admin", "admin", None, None, "callqa-admin"),
    ("lead", "supervisor", None, None, "callqa-lead"),
    ("qa", "qa", "A,B,C", None, "callqa-qa"),
    ("agent1031", "agent", "A", "1031", "callqa-1031"),
)
ROLE_NAMES = {"admin": "管理员 admin", "supervisor": "主管 supervisor", "qa": "质检员 QA", "agent": "坐席 agent"}


def data_dir() -> Path:
    if os.environ.get("CALLQA_HOME"):
        return Path(os.environ["CALLQA_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "callqa"


@dataclass
class Demo:
    db_path: Path
    url: str
    report: IngestReport


def build_demo(calls: list[Call], engine: Engine, directory: Path | None = None) -> Demo:
    """A fresh demo database with the calls checked and the demo users created."""
    directory = directory or data_dir()
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "demo.db"
    for stale in (db_path, db_path.with_name("demo.db-wal"), db_path.with_name("demo.db-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    db = open_database(url)
    try:
        with db.transaction() as session:
            for name, role, teams, agent_id, password in DEMO_USERS:
                create_user(session, name, role, password, teams=teams, agent_id=agent_id)
            report = ingest(session, calls, engine, source="demo")
    finally:
        db.close()
    return Demo(db_path, url, report)
