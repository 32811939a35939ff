"""The database: URL, engine, sessions and migrations (applied on open).

SQLite is the default (`./callqa.db`); PostgreSQL is a URL away
(`postgresql+psycopg://user:pass@host/db`, psycopg 3). The URL comes from the argument,
else the `CALLQA_DB` environment variable, else the default. A plain path (`data/qa.db`)
means a SQLite file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///callqa.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, `CALLQA_DB`, or `sqlite:///callqa.db`."""
    url = url or os.environ.get("CALLQA_DB") or DEFAULT_URL
    if "://" not in url:  # a file path
        url = f"sqlite:///{Path(url).expanduser()}"
    return url


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    in_memory = parsed.database in (None, "", ":memory:")

    # pysqlite opens transactions lazily and never for SAVEPOINT; take over BEGIN so that
    # per-call savepoints and transactional DDL work (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def alembic_config(connection: Any = None) -> Config:
    """Alembic's configuration without an alembic.ini: the migrations ship in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Apply every migration not yet applied (idempotent)."""
        with self.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head() -> str | None:
        return ScriptDirectory.from_config(alembic_config()).get_current_head()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on an error."""
        with self.sessions.begin() as session:
            yield session

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and, by default, migrate) the database."""
    db = Database(url)
    if upgrade:
        db.upgrade()
    return db
