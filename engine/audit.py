"""The append-only audit log: who did what, when, and what changed.

Rows are only ever inserted; the ORM refuses updates and deletes of audit events so a
bug cannot rewrite history (PostgreSQL deployments may also revoke UPDATE/DELETE).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from .models import AuditEvent


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    dossier_id: int | None = None,
    task_id: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    **detail: Any,
) -> AuditEvent:
    row = AuditEvent(
        dossier_id=dossier_id,
        at=at,
        actor=actor,
        action=action,
        task_id=task_id,
        from_state=from_state,
        to_state=to_state,
        detail=detail,
    )
    session.add(row)
    return row


def history(session: Session, dossier_id: int) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.id)
    return list(session.execute(stmt).scalars())


class AuditImmutable(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_rewrites(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditImmutable("audit events are append-only")
