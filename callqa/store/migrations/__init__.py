"""Alembic migrations of the callqa store (run by `Database.upgrade()`; no alembic.ini)."""
