"""Who is asking: a signed session cookie (browsers) or a bearer API token (integrations).

- Session cookie: signed (itsdangerous, via Starlette's SessionMiddleware), HttpOnly,
  SameSite=Lax; it holds the user id, a CSRF token and a mark of the password hash, so a
  password change ends every session.
- CSRF: every state-changing request made with the cookie must carry the session's token,
  as the `csrf_token` form field or the `X-CSRF-Token` header. Bearer-token requests carry
  no cookie and need none.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from callqa.store.models import UserRow
from callqa.store.users import get_user, user_by_token
from callqa.web.context import Context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

bearer = HTTPBearer(auto_error=False, description="API token: `callqa user token NAME`")


class LoginRequired(Exception):
    """No valid session or token: pages redirect to /login, the API answers 401."""


class CsrfFailed(Exception):
    """A cookie-authenticated change without the right CSRF token: 403."""


def context(request: Request) -> Context:
    return request.app.state.ctx


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def password_mark(user: UserRow) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def start_session(request: Request, user: UserRow) -> None:
    request.session.clear()
    request.session.update(uid=user.id, pw=password_mark(user), csrf=secrets.token_urlsafe(32))


def end_session(request: Request) -> None:
    request.session.clear()


def optional_user(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> UserRow | None:
    ctx = context(request)
    with ctx.db.session() as session:
        if credentials is not None:
            user = user_by_token(session, credentials.credentials)
            if user is None:
                raise HTTPException(401, "无效的 API 令牌 (invalid API token)",
                                    headers={"WWW-Authenticate": "Bearer"})
            request.state.auth, request.state.user = "token", user
            return user
        uid = request.session.get("uid")
        if not isinstance(uid, int):
            return None
        user = get_user(session, uid)
        if user is None or request.session.get("pw") != password_mark(user):
            end_session(request)
            return None
        request.state.auth, request.state.user = "cookie", user
        return user


def current_user(user: Annotated[UserRow | None, Depends(optional_user)]) -> UserRow:
    if user is None:
        raise LoginRequired()
    return user


async def verify_csrf(request: Request) -> None:
    """Raise CsrfFailed unless a state-changing cookie request carries the session's token."""
    if request.method in SAFE_METHODS or getattr(request.state, "auth", None) == "token":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise CsrfFailed()


async def acting_user(request: Request, user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
    """The current user, for a request that changes something (CSRF-checked)."""
    await verify_csrf(request)
    return user


User = Annotated[UserRow, Depends(current_user)]
Actor = Annotated[UserRow, Depends(acting_user)]
Ctx = Annotated[Context, Depends(context)]
