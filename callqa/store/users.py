"""Users: create, authenticate (argon2 password hashes), API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.store import audit
from callqa.store.errors import Conflict, Invalid, NotFound
from callqa.store.models import ROLES, UserRow

TOKEN_PREFIX = "cqa_"
MIN_PASSWORD = 8
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("callqa: no such user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _teams(teams: Iterable[str] | str | None) -> str | None:
    if teams is None:
        return None
    items = [teams] if isinstance(teams, str) else list(teams)
    names = sorted({t.strip() for item in items for t in item.split(",") if t.strip()})
    return ",".join(names) or None


def create_user(session: Session, name: str, role: str, password: str, *,
                teams: Iterable[str] | str | None = None, agent_id: str | None = None,
                actor: UserRow | None = None) -> UserRow:
    name = name.strip()
    if not name:
        raise Invalid("用户名不能为空 (a user needs a name)")
    if role not in ROLES:
        raise Invalid(f"未知角色 {role!r} (role is one of {', '.join(ROLES)})")
    if role == "agent" and not agent_id:
        raise Invalid("坐席需要工号 (an agent needs --agent-id, the agent_id in their calls)")
    if role == "qa" and not _teams(teams):
        raise Invalid("质检员需要所负责的班组 (a QA user needs --team)")
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位 (password: at least {MIN_PASSWORD} characters)")
    if session.scalar(select(UserRow).where(UserRow.name == name)) is not None:
        raise Conflict(f"用户 {name} 已存在 (user {name!r} exists)")
    user = UserRow(name=name, role=role, teams=_teams(teams), agent_id=agent_id or None,
                   password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after=user.summary())
    return user


def authenticate(session: Session, name: str, password: str) -> UserRow | None:
    """The active user with this name and password, else None (the same work either way)."""
    user = session.scalar(select(UserRow).where(UserRow.name == name.strip()))
    if user is None:
        check_password(_DUMMY_HASH, password)
        return None
    if not check_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(session: Session, user: UserRow, password: str, actor: UserRow | None = None) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位 (password: at least {MIN_PASSWORD} characters)")
    user.password_hash = hash_password(password)
    audit.record(session, actor, "user.password", "user", user.id)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: UserRow, actor: UserRow | None = None) -> str:
    """A new API token for the user (replacing any old one); only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = _token_digest(token)
    audit.record(session, actor, "user.token", "user", user.id)
    return token


def user_by_token(session: Session, token: str) -> UserRow | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = session.scalar(select(UserRow).where(UserRow.token_hash == _token_digest(token)))
    return user if user is not None and user.active else None


def get_user(session: Session, user_id: int) -> UserRow | None:
    user = session.get(UserRow, user_id)
    return user if user is not None and user.active else None


def by_name(session: Session, name: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.name == name))
    if user is None:
        raise NotFound(f"没有用户 {name} (no user {name!r})")
    return user


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.role, UserRow.name)))


def set_active(session: Session, user: UserRow, active: bool, actor: UserRow | None = None) -> None:
    before = user.summary()
    user.active = active
    audit.record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id,
                 before=before, after=user.summary())
