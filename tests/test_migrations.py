"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from survey_app.migrate import downgrade_database, upgrade_database
from survey_app.models import Base


def _differences(url: str) -> list[object]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    return differences


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_migrations_match_the_models_and_go_down_and_up_again(database_url):
    assert _differences(database_url) == []

    downgrade_database(database_url, "base")
    assert _tables(database_url) <= {"alembic_version"}

    upgrade_database(database_url)
    assert _differences(database_url) == []
    assert {"schools", "students", "access_codes", "responses", "answers"} <= _tables(
        database_url
    )
