"""Migrations: applied on open, idempotent, reversible, and in step with the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from callqa.store import Database, open_database
from callqa.store.db import alembic_config, database_url
from callqa.store.models import Base

TABLES = {"calls", "results", "outcomes", "reviews", "appeals", "users", "audit_log", "settings",
          "alembic_version"}


def test_open_applies_every_migration(db: Database) -> None:
    assert db.revision() == Database.head()
    assert set(inspect(db.engine).get_table_names()) >= TABLES


def test_models_and_migrations_agree(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_downgrade_reverses(db_url: str) -> None:
    db = open_database(db_url)
    db.upgrade()
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    db.upgrade()
    assert db.revision() == Database.head()
    db.close()


def test_database_url_defaults(monkeypatch) -> None:
    monkeypatch.delenv("CALLQA_DB", raising=False)
    assert database_url() == "sqlite:///callqa.db"
    assert database_url("data/qa.db") == "sqlite:///data/qa.db"
    monkeypatch.setenv("CALLQA_DB", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
