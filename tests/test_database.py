"""The database layer itself: SQLite's write-ahead log, and inserts that may repeat."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from survey_app.db import Database, db, utcnow
from survey_app.schools.models import School
from survey_app.survey.upsert import insert_if_new


def test_sqlite_log_reaches_the_database_file_without_any_request(tmp_path: Path):
    # Under the server, commits no longer copy the write-ahead log into the
    # database file themselves (that made one request in a hundred slow);
    # a background thread must do it, or the file never changes.
    path = tmp_path / "checkpoints.sqlite3"
    database = Database()
    database.init_app(Flask(__name__), f"sqlite:///{path}")
    database.checkpoint_in_background(every_seconds=0.05)
    assert database.engine is not None
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    time.sleep(0.3)
    size_before = path.stat().st_size

    with database.engine.begin() as connection:
        # Requests leave checkpoints to the thread (10,000 pages is a backstop).
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 10000
        rows = [{"body": "x" * 1000} for _ in range(500)]
        connection.execute(text("INSERT INTO notes VALUES (:body)"), rows)

    # About 500 KB of rows: far below the backstop, so only the thread can
    # have copied them into the database file.
    grown = size_before + 400_000
    deadline = time.monotonic() + 10
    while path.stat().st_size <= grown and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.stat().st_size > grown
    database.engine.dispose()


def test_checkpoints_are_left_alone_on_postgresql():
    def checkpoint_threads() -> int:
        return sum(t.name == "sqlite-checkpoints" for t in threading.enumerate())

    database = Database()
    database.init_app(Flask(__name__), "postgresql://unused.invalid/none")
    before = checkpoint_threads()
    # PostgreSQL needs no help: no thread starts and nothing connects.
    database.checkpoint_in_background()
    assert checkpoint_threads() == before


def test_an_ignored_duplicate_is_told_apart_from_a_new_row(app):
    # Saving a page relies on this to know whether the page was saved before,
    # on both databases (PostgreSQL's driver reports no count unless asked).
    def insert(urn: str) -> bool:
        with app.app_context(), db.begin() as session:
            row = {"urn": urn, "name": "Made-up School", "created_at": utcnow()}
            return insert_if_new(session.connection(), School, row)

    assert insert("999001") is True
    assert insert("999001") is False
    assert insert("999002") is True
