"""Users: roles, argon2 passwords, API tokens."""

from __future__ import annotations

import pytest

from callqa.store import Conflict, Database, Invalid, NotFound
from callqa.store.users import (
    authenticate,
    by_name,
    create_user,
    issue_token,
    set_active,
    set_password,
    user_by_token,
)


def test_create_and_authenticate(db: Database) -> None:
    with db.transaction() as session:
        user = create_user(session, "王质检", "qa", "s3cret-pass", teams=["A", "B,C"])
        assert user.password_hash.startswith("$argon2") and "s3cret" not in user.password_hash
        assert user.team_list == ["A", "B", "C"]
    with db.transaction() as session:
        assert authenticate(session, "王质检", "s3cret-pass").name == "王质检"
        assert authenticate(session, "王质检", "wrong-pass") is None
        assert authenticate(session, "nobody", "s3cret-pass") is None


@pytest.mark.parametrize(("role", "kwargs", "password"), [
    ("boss", {}, "long-enough"), ("agent", {}, "long-enough"), ("qa", {}, "long-enough"),
    ("admin", {}, "short"),
])
def test_invalid_users_are_refused(db: Database, role: str, kwargs: dict, password: str) -> None:
    with db.transaction() as session, pytest.raises(Invalid):
        create_user(session, "x", role, password, **kwargs)


def test_duplicate_names_are_refused(db: Database) -> None:
    with db.transaction() as session:
        create_user(session, "admin", "admin", "admin-pass")
    with db.transaction() as session, pytest.raises(Conflict):
        create_user(session, "admin", "admin", "admin-pass")
    with db.session() as session, pytest.raises(NotFound):
        by_name(session, "ghost")


def test_tokens_passwords_and_disabling(db: Database) -> None:
    with db.transaction() as session:
        user = create_user(session, "pbx", "supervisor", "pbx-password")
        token = issue_token(session, user)
    with db.transaction() as session:
        assert token.startswith("cqa_") and user_by_token(session, token).name == "pbx"
        assert user_by_token(session, token + "x") is None and user_by_token(session, "nope") is None
        user = by_name(session, "pbx")
        new = issue_token(session, user)
        set_password(session, user, "new-password")
    with db.transaction() as session:
        assert user_by_token(session, token) is None and user_by_token(session, new) is not None
        assert authenticate(session, "pbx", "new-password") is not None
        set_active(session, by_name(session, "pbx"), False)
    with db.session() as session:
        assert authenticate(session, "pbx", "new-password") is None and user_by_token(session, new) is None
