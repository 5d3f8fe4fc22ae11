"""Writing and reading the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.audit.models import AuditEvent
from survey_app.db import db


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    actor_id: int | None = None,
    school_id: int | None = None,
    subject: str | None = None,
    detail: str | None = None,
) -> None:
    """Add an event to the audit trail, in the caller's transaction."""
    session.add(
        AuditEvent(
            action=action,
            actor=actor,
            actor_id=actor_id,
            school_id=school_id,
            subject=subject,
            detail=detail,
        )
    )


def record_now(action: str, **fields: object) -> None:
    """Add an event in a transaction of its own, committed at once.

    For refusals: the request that caused them fails, but the event must stay.
    """
    with db.begin() as session:
        record(session, action, **fields)  # type: ignore[arg-type]


def recent_events(session: Session, limit: int = 200) -> list[AuditEvent]:
    """Return the newest events first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    return list(session.scalars(query))
