"""Fixtures: an app per test on each database, a client, and test data factories.

Every test that uses the app runs once on SQLite and once on PostgreSQL. When
no PostgreSQL server answers, its runs are skipped and the summary says so;
in CI (CI=true) a missing PostgreSQL server fails the run instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app
from survey_app.config import Settings
from survey_app.db import db
from survey_app.migrate import upgrade_database
from survey_app.models import Base
from survey_app.schools.models import School
from tests import factories

POSTGRES_SERVER = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_REQUIRED = os.environ.get("CI", "").lower() == "true"

_skipped_postgres: list[str] = []
#: The PostgreSQL server the tests ran against, once they have reached it.
_tested_postgres: list[str] = []


@pytest.fixture(autouse=True, scope="session")
def _quicker_password_hashing() -> Iterator[None]:
    """Hash staff passwords with argon2id at its lowest cost during tests.

    The algorithm and code path are the production ones; only the memory and
    time spent per hash shrink, since tests sign in hundreds of times.
    """
    from argon2 import PasswordHasher

    from survey_app.staff import credentials

    production = credentials._hasher
    credentials._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    credentials._hasher = production


def _postgres_database() -> Iterator[str]:
    """Create a database of our own on the PostgreSQL server, and drop it after."""
    name = f"survey_app_test_{os.getpid()}_{secrets.token_hex(3)}"
    server = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        server.dispose()
        reason = (
            f"PostgreSQL is not reachable at {POSTGRES_SERVER} ({type(exc).__name__})"
        )
        if POSTGRES_REQUIRED:
            pytest.fail(f"{reason}, and CI requires it.")
        _skipped_postgres.append(reason)
        pytest.skip(f"{reason}; only the SQLite suite ran.")
    _tested_postgres.append(sa.engine.make_url(POSTGRES_SERVER).render_as_string())
    try:
        yield (
            sa.engine.make_url(POSTGRES_SERVER)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with server.connect() as connection:
            connection.execute(
                sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )
        server.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database upgraded to the latest schema, once per test session.

    For SQLite this is a template file that each test gets a fresh copy of.
    """
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        yield url
        return
    for url in _postgres_database():
        upgrade_database(url)
        yield url


@pytest.fixture
def database_url(database_server: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, upgraded database for one test."""
    if database_server.startswith("sqlite"):
        template = Path(database_server.removeprefix("sqlite:///"))
        copy = tmp_path / "survey_app.sqlite3"
        shutil.copyfile(template, copy)
        yield f"sqlite:///{copy}"
        return
    yield database_server
    _empty_postgres_tables(database_server)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which databases were tested; a skipped PostgreSQL is no pass."""
    if _skipped_postgres:
        terminalreporter.write_line(
            f"PostgreSQL was skipped: {_skipped_postgres[0]}. Only SQLite was tested.",
            yellow=True,
        )
    elif _tested_postgres:
        terminalreporter.write_line(
            f"Tested on SQLite and on PostgreSQL ({_tested_postgres[0]})."
        )


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for a test app; the keys are fixed and made up."""
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-use-anywhere",
        code_hash_key="test-code-hash-key-not-for-use-anywhere",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """An app on a clean database."""
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    assert db.engine is not None
    db.engine.dispose()


def _empty_postgres_tables(url: str) -> None:
    # TRUNCATE is not a row deletion, so the audit trail's append-only
    # triggers, which refuse DELETE, do not stop it.
    engine = sa.create_engine(url)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser without JavaScript, talking to the app."""
    return app.test_client()


@pytest.fixture
def school(app: Flask) -> School:
    """A school with one Year 7 form group of three made-up students."""
    with app.app_context(), db.begin() as session:
        school = factories.school(session)
        for forename, surname in [
            ("Ada", "Okafor"),
            ("Ben", "Price"),
            ("Cerys", "Lloyd"),
        ]:
            factories.student(session, school, forename, surname)
    return school


@pytest.fixture
def codes(app: Flask, school: School, settings: Settings) -> dict[str, str]:
    """Access codes of the school's students for the demo baseline, by surname."""
    return factories.issue_codes(app, school, settings)
