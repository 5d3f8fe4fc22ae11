"""The database: engine, sessions and the declarative base of every model."""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

logger = logging.getLogger(__name__)

# Stable constraint names, so that Alembic migrations can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always stored and returned in UTC.

    SQLite keeps no time zone, so values come back naive; this puts UTC back.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use survey_app.db.utcnow()")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> Any:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine, with SQLite set up for several processes at once.

    Database errors never show the values sent with the statement: they are
    logged, and the values are students' answers and names.
    """
    if url.startswith("sqlite"):
        # Pooled connections: opening one per request set the PRAGMAs again
        # and made SQLite checkpoint and recreate its WAL file every time.
        # Workers build the app after gunicorn forks, so no connection is
        # ever shared between processes.
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    return create_engine(
        url, hide_parameters=True, pool_pre_ping=True, pool_size=5, max_overflow=5
    )


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets students' page loads read while another page is being saved;
    # NORMAL sync is durable across application crashes, which is what WAL needs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """Owns the engine and hands each request its own session or connection."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask, url: str) -> None:
        """Connect to ``url`` and close each request's session at its end."""
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["survey_app.db"] = self
        app.teardown_appcontext(self._close_session)

    def session(self) -> Session:
        """Return the session of the current request, opening one if needed."""
        if "db_session" not in g:
            assert self.session_factory is not None, "init_app was not called"
            g.db_session = self.session_factory()
        return g.db_session

    def connection(self) -> Connection:
        """Return the plain database connection of the current request.

        The student pages work on this, with prebuilt SQL statements: they
        run for every page of every student, and the ORM's unit of work cost
        them more than their queries. Commit explicitly; anything left
        uncommitted is rolled back when the request ends.
        """
        if "db_connection" not in g:
            assert self.engine is not None, "init_app was not called"
            g.db_connection = self.engine.connect()
        return g.db_connection

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """Open a session outside a request, committed or rolled back as a whole."""
        assert self.session_factory is not None, "init_app was not called"
        with self.session_factory.begin() as session:
            yield session

    def checkpoint_in_background(self, every_seconds: float = 0.25) -> None:
        """Move SQLite's WAL checkpoints off the requests, into a thread.

        By default the request whose commit fills the write-ahead log copies
        it into the database file and waits for the disk to confirm, which
        made one request in a hundred take a hundred times longer. A server
        process calls this once; nothing changes on PostgreSQL.
        """
        engine = self.engine
        assert engine is not None, "init_app was not called"
        if engine.dialect.name != "sqlite":
            return
        event.listen(engine, "connect", _no_automatic_checkpoints)
        # Connections opened before now still checkpoint on commit.
        engine.dispose()
        threading.Thread(
            target=_checkpoint_regularly,
            args=(weakref.ref(engine), every_seconds),
            name="sqlite-checkpoints",
            daemon=True,
        ).start()

    def _close_session(self, _exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
        connection = g.pop("db_connection", None)
        if connection is not None:
            connection.close()


db = Database()


def _no_automatic_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    # Not off altogether: should the thread ever stop, a commit still copies
    # the log once it reaches 10,000 pages (about 40 MB). After each complete
    # checkpoint the log file is cut back to 16 MB, so a busy hour does not
    # leave a large file behind.
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=10000")
    dbapi_connection.execute("PRAGMA journal_size_limit=16777216")


def _checkpoint_regularly(
    engine_ref: weakref.ref[Engine], every_seconds: float
) -> None:
    """Copy the write-ahead log into the database file, until the engine is gone.

    PASSIVE checkpoints never wait for, or block, the requests' readers and
    writers; the disk wait happens here, outside any request.
    """
    while True:
        time.sleep(every_seconds)
        engine = engine_ref()
        if engine is None:
            return
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except Exception:  # noqa: BLE001 - the next round tries again
            logger.exception("db.checkpoint_failed")
        del engine
