"""Who sees what, and who may do what. Pages and the JSON API ask these same functions.

- admin, supervisor: every call.
- qa: the calls of their teams (`UserRow.teams`).
- agent: their own calls (`CallRow.agent_id == UserRow.agent_id`).
- Personal information in transcripts is shown unmasked to admins only (docs/web.md).
"""

from __future__ import annotations

from sqlalchemy import Select, false

from callqa.store.errors import Forbidden
from callqa.store.models import CallRow, UserRow

SEES_ALL = ("admin", "supervisor")
REVIEWERS = ("qa", "supervisor", "admin")
JUDGES = ("supervisor", "admin")
SUBMITTERS = ("admin", "supervisor")


def scope(stmt: Select, user: UserRow) -> Select:
    """Restrict a query that involves `CallRow` to the calls the user may see."""
    if user.role in SEES_ALL:
        return stmt
    if user.role == "qa":
        teams = user.team_list
        return stmt.where(CallRow.team.in_(teams)) if teams else stmt.where(false())
    if user.role == "agent" and user.agent_id:
        return stmt.where(CallRow.agent_id == user.agent_id)
    return stmt.where(false())


def can_see(user: UserRow, call: CallRow) -> bool:
    if user.role in SEES_ALL:
        return True
    if user.role == "qa":
        return call.team is not None and call.team in user.team_list
    return user.role == "agent" and bool(user.agent_id) and call.agent_id == user.agent_id


def sees_pii(user: UserRow) -> bool:
    return user.role == "admin"


def can_review(user: UserRow) -> bool:
    return user.role in REVIEWERS


def can_appeal(user: UserRow, call: CallRow) -> bool:
    return user.role == "agent" and bool(user.agent_id) and call.agent_id == user.agent_id


def can_rule(user: UserRow) -> bool:
    return user.role in JUDGES


def can_submit(user: UserRow) -> bool:
    return user.role in SUBMITTERS


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)
