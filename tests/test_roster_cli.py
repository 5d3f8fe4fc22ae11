"""``survey-app school add`` and ``survey-app roster import``, run as an operator would.

Exit status 0 means imported (or, with --dry-run, importable as it is); 1
means the file has problems and nothing was imported; 2 means the command
was wrong. Names and UPNs are invented.
"""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from admin.roster_cli import roster_group, school_group
from survey_app.db import db
from survey_app.schools.models import School, Student
from tests.test_roster_data import (
    SIMS_HEADER,
    class_list,
    csv_bytes,
    made_up_upn,
    sims_row,
    write,
)

# The commands as ``survey-app`` offers them.
survey_app = click.Group("survey-app", commands=[school_group, roster_group])

URN = "999301"
ROWS = [
    sims_row(1, "Penhallow", "Wren"),
    sims_row(2, "Tremayne", "Idris"),
    sims_row(3, "Karimi", "Soraya", form="7B"),
]


@pytest.fixture
def operator_env(database_url, tmp_path, settings):
    """The environment an operator's shell would have."""
    return {
        "DATABASE_URL": database_url,
        "SURVEY_APP_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": settings.secret_key,
        "CODE_HASH_KEY": settings.code_hash_key,
    }


@pytest.fixture
def run(operator_env):
    def run(*arguments: str):
        return CliRunner().invoke(survey_app, list(arguments), env=operator_env)

    return run


@pytest.fixture
def school_added(run):
    result = run("school", "add", "--urn", URN, "--name", "Roster CLI School")
    assert result.exit_code == 0, result.output
    assert "Added Roster CLI School (URN 999301)." in result.output


def students(app) -> dict[str, Student]:
    with app.app_context(), db.begin() as session:
        query = select(Student).join(School).where(School.urn == URN)
        return {student.upn: student for student in session.scalars(query)}


def test_a_school_is_added_and_its_class_list_imported(
    app, run, school_added, tmp_path
):
    path = write(tmp_path, "7.csv", class_list(*ROWS))

    result = run("roster", "import", "--school", URN, str(path))

    assert result.exit_code == 0, result.output
    assert "Students to add: 3" in result.stdout
    assert (
        "Imported: 3 added, 0 updated (0 back on roll), 0 unchanged, 0 missing from "
        "the file (0 marked as left), 0 also on roll at another school."
    ) in result.stdout
    assert set(students(app)) == {made_up_upn(n) for n in (1, 2, 3)}


def test_adding_a_school_twice_keeps_the_first(run, school_added):
    result = run("school", "add", "--urn", URN, "--name", "Another Name")
    assert result.exit_code == 0
    assert "already added: Roster CLI School" in result.output


def test_a_malformed_urn_is_refused(run):
    result = run("school", "add", "--urn", "12AB", "--name", "Roster CLI School")
    assert result.exit_code == 2
    assert "a URN is 6 to 8 digits" in result.output


def test_an_unknown_school_is_a_usage_error(app, run, tmp_path):
    path = write(tmp_path, "7.csv", class_list(*ROWS))

    result = run("roster", "import", "--school", "999399", str(path))

    assert result.exit_code == 2
    assert "No school has the URN 999399" in result.output
    assert "survey-app school add --urn 999399" in result.output


def test_a_dry_run_shows_what_would_change_and_changes_nothing(
    app, run, school_added, tmp_path
):
    run(
        "roster",
        "import",
        "--school",
        URN,
        str(write(tmp_path, "a.csv", class_list(*ROWS[:2]))),
    )
    changed = [sims_row(1, "Penhallow", "Wren", form="7C"), ROWS[2]]
    path = write(tmp_path, "b.csv", class_list(*changed))

    result = run("roster", "import", "--school", URN, "--dry-run", str(path))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Students to add: 1" in lines
    assert "Students to update: 1 (0 back on roll)" in lines
    assert "  Form group changes: 1" in lines
    assert "On roll but missing from the file: 1 (7A: 1)" in lines
    assert "Dry run: nothing was changed." in lines
    after = students(app)
    assert set(after) == {made_up_upn(1), made_up_upn(2)}
    assert after[made_up_upn(1)].form_group == "7A"


def test_a_file_with_problems_exits_1_and_imports_nothing(
    app, run, school_added, tmp_path
):
    rows = [*ROWS[:2], sims_row(4, "Osei", "Kofi", upn="X1234")]
    path = write(tmp_path, "7.csv", class_list(*rows))

    result = run("roster", "import", "--school", URN, str(path))

    assert result.exit_code == 1
    assert (
        "row 4, upn: expected a 13-character UPN with a valid check letter, "
        "found 'X1234'"
    ) in result.stderr.splitlines()
    assert "Nothing was imported: the file has 1 problems." in result.stderr
    assert students(app) == {}


def test_an_unreadable_file_exits_1(app, run, school_added, tmp_path):
    rows = [SIMS_HEADER, sims_row(1, "Łukaszewska", "Wren")]
    path = write(tmp_path, "7.csv", csv_bytes(rows, encoding="cp1250"))

    result = run("roster", "import", "--school", URN, str(path))

    assert result.exit_code == 1
    assert "not saved as UTF-8" in result.stderr
    assert students(app) == {}


def test_missing_students_are_marked_as_left_only_with_the_flag(
    app, run, school_added, tmp_path
):
    run(
        "roster",
        "import",
        "--school",
        URN,
        str(write(tmp_path, "a.csv", class_list(*ROWS))),
    )
    fewer = str(write(tmp_path, "b.csv", class_list(*ROWS[:2])))

    result = run("roster", "import", "--school", URN, fewer)
    assert result.exit_code == 0
    assert (
        "to mark them as left, run the command again with --mark-missing-as-left"
        in (result.stdout)
    )
    assert students(app)[made_up_upn(3)].left_at is None

    result = run("roster", "import", "--school", URN, "--mark-missing-as-left", fewer)
    assert result.exit_code == 0
    assert "(1 marked as left)" in result.stdout
    assert students(app)[made_up_upn(3)].left_at is not None


def test_a_column_with_an_unknown_name_can_be_named(app, run, school_added, tmp_path):
    header = ["Surname", "Forename", "Tutor Grp", "Year", "UPN"]
    rows = [[r[0], r[1], r[6], r[5], r[7]] for r in ROWS]
    path = str(write(tmp_path, "7.csv", csv_bytes([header, *rows])))

    result = run("roster", "import", "--school", URN, path)
    assert result.exit_code == 1
    assert "row 1, form group: expected a column for Form group" in result.stderr

    result = run(
        "roster", "import", "--school", URN, "--column", "form group=Tutor Grp", path
    )
    assert result.exit_code == 0, result.output
    assert "Form group from 'Tutor Grp'" in result.stdout
    assert students(app)[made_up_upn(3)].form_group == "7B"


def test_the_output_never_shows_a_students_name(run, school_added, tmp_path):
    path = write(tmp_path, "7.csv", class_list(*ROWS))
    run("roster", "import", "--school", URN, str(path))
    result = run(
        "roster",
        "import",
        "--school",
        URN,
        "--dry-run",
        str(write(tmp_path, "b.csv", class_list(ROWS[0]))),
    )
    for row in ROWS:
        assert row[0] not in result.output
        assert row[1] not in result.output
