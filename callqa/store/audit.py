"""The audit log: every change with who, when, before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callqa.store.models import AuditRow, UserRow


def record(session: Session, actor: UserRow | None, action: str, entity: str, entity_id: str | int, *,
           call_id: str | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditRow:
    row = AuditRow(user_id=actor.id if actor else None, user_name=actor.name if actor else None,
                   action=action, entity=entity, entity_id=str(entity_id), call_id=call_id,
                   before=before, after=after)
    session.add(row)
    return row


def for_call(session: Session, call_id: str) -> list[AuditRow]:
    return list(session.scalars(select(AuditRow).where(AuditRow.call_id == call_id)
                                .order_by(AuditRow.at, AuditRow.id)))


def recent(session: Session, limit: int = 100) -> list[AuditRow]:
    return list(session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)))
