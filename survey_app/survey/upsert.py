"""Insert-or-update statements that work the same on SQLite and PostgreSQL.

They run as plain SQL statements on a connection, inside its transaction:
every saved page uses them, and the ORM's bulk machinery cost more than the
insert itself. Each statement is built once per table and
database dialect, then kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert


def _insert(dialect: str, table: Table) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


@cache
def _upsert_statement(
    dialect: str, table: Table, columns: tuple[str, ...], key: tuple[str, ...]
) -> Insert:
    statement = _insert(dialect, table)
    changing = {name: statement.excluded[name] for name in columns if name not in key}
    return statement.on_conflict_do_update(index_elements=list(key), set_=changing)


@cache
def _insert_ignoring_statement(dialect: str, table: Table) -> Insert:
    # psycopg reports no row count for this statement unless asked to keep it.
    statement: Insert = _insert(dialect, table).on_conflict_do_nothing()
    return statement.execution_options(preserve_rowcount=True)


def upsert(
    connection: Connection,
    model: Any,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
) -> None:
    """Insert ``rows``, replacing the other columns of any row whose key exists.

    Every row must have the same columns.
    """
    if not rows:
        return
    statement = _upsert_statement(
        connection.dialect.name, model.__table__, tuple(rows[0]), tuple(key)
    )
    connection.execute(statement, rows)


def insert_ignoring_duplicates(
    connection: Connection, model: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows``, leaving alone any that already exist."""
    if rows:
        statement = _insert_ignoring_statement(connection.dialect.name, model.__table__)
        connection.execute(statement, rows)


def insert_if_new(connection: Connection, model: Any, row: dict[str, Any]) -> bool:
    """Insert ``row`` unless it already exists; return whether it was new."""
    statement = _insert_ignoring_statement(connection.dialect.name, model.__table__)
    # One row, so both databases count it exactly.
    return connection.execute(statement, row).rowcount > 0
