"""Insert-or-update statements that work the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, model: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert ``rows``, replacing the other columns of any row whose key exists."""
    if not rows:
        return
    statement = _insert(session, model)
    changing = {
        column: statement.excluded[column] for column in rows[0] if column not in key
    }
    session.execute(
        statement.on_conflict_do_update(index_elements=list(key), set_=changing),
        rows,
    )


def insert_ignoring_duplicates(
    session: Session, model: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows``, leaving alone any that already exist."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(), rows)
