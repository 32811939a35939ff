"""Alembic environment: the connection is handed over by `callqa.store.db`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from callqa.store.db import database_url
from callqa.store.models import Base

connection = context.config.attributes.get("connection")
options = {"target_metadata": Base.metadata, "render_as_batch": True, "compare_type": True}

if connection is not None:
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()
else:  # run by the alembic command line: CALLQA_DB or ./callqa.db
    with create_engine(database_url()).connect() as conn:
        context.configure(connection=conn, **options)
        with context.begin_transaction():
            context.run_migrations()
