"""Small persistent settings, e.g. the secret that signs session cookies."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from callqa.store.models import SettingRow


def get_or_create(session: Session, key: str, make: str | None = None) -> str:
    row = session.get(SettingRow, key)
    if row is None:
        row = SettingRow(key=key, value=make if make is not None else secrets.token_urlsafe(48))
        session.add(row)
        session.flush()
    return row.value


def session_secret(session: Session) -> str:
    """The secret for signing session cookies: generated once, kept in the database, so that
    logins survive a restart and every server process on the same database agrees."""
    return get_or_create(session, "session_secret")
