"""Persistence: calls, results, reviews, appeals, users and the audit log (SQLAlchemy 2).

`open_database(url)` opens SQLite (default `./callqa.db`) or PostgreSQL and applies the
migrations; the modules hold the operations: `ingest` (store calls, checked by the engine),
`queries` (filter and read), `reviews` (review, appeal, rule, precision), `users`,
`stats` (dashboard numbers), `audit`, `access` (who sees what).
"""

from callqa.store.db import Database, database_url, open_database
from callqa.store.errors import Conflict, Forbidden, Invalid, NotFound, StoreError

__all__ = ["Conflict", "Database", "Forbidden", "Invalid", "NotFound", "StoreError", "database_url",
           "open_database"]
