"""``survey-app school add`` and ``survey-app roster import``: schools and class lists.

``roster import`` exits with status 0 when the list was imported (or, with
--dry-run, would import as it is), 1 when the file has problems and nothing
was imported, and 2 when the command itself is wrong, such as an unknown URN.
It prints counts and problems, never a student's name.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from survey_app import create_app
from survey_app.db import db
from survey_app.questionnaires.loader import DefinitionError
from survey_app.rosters.files import (
    MAX_FILE_BYTES,
    RosterUnreadable,
    Table,
    read_table,
    too_large_message,
)
from survey_app.rosters.service import ImportPlan, import_file
from survey_app.schools.models import School
from survey_app.schools.roster import (
    FIELDS,
    Columns,
    RosterFile,
    check_roster,
    detect_columns,
    file_header,
)
from survey_app.schools.service import add_school

#: How the command line appears in the audit trail.
ACTOR = "survey-app roster import"


@click.group("school")
def school_group() -> None:
    """Look after the schools taking part."""


@school_group.command("add")
@click.option("--urn", required=True, help="The school's Unique Reference Number.")
@click.option("--name", required=True, help="The school's name.")
def school_add(urn: str, name: str) -> None:
    """Add a school, so that its class list can be imported."""
    if not 0 < len(name.strip()) <= 200:
        raise click.BadParameter("a name of 1 to 200 characters.", param_hint="--name")
    if not re.fullmatch(r"\d{6,8}", urn):
        raise click.BadParameter(
            "a URN is 6 to 8 digits, such as 100001.", param_hint="--urn"
        )
    with _app().app_context(), db.begin() as session:
        existing = session.scalars(select(School).where(School.urn == urn)).first()
        school = existing or add_school(session, urn, name.strip())
    if existing:
        click.echo(f"A school with the URN {urn} is already added: {school.name}.")
    else:
        click.echo(f"Added {school.name} (URN {school.urn}).")


@click.group("roster")
def roster_group() -> None:
    """Load schools' class lists."""


@roster_group.command("import")
@click.option("--school", "urn", required=True, help="The school's URN.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check the file and show what would change, but change nothing.",
)
@click.option(
    "--mark-missing-as-left",
    is_flag=True,
    help="Mark students on roll whom the file does not list as left the school.",
)
@click.option(
    "--column",
    "column_names",
    multiple=True,
    metavar="FIELD=NAME",
    help="Read FIELD from the column named NAME, such as --column upn='Pupil No'.",
)
def roster_import(
    urn: str,
    file: Path,
    dry_run: bool,
    mark_missing_as_left: bool,
    column_names: tuple[str, ...],
) -> None:
    """Import a class list (CSV or Excel .xlsx) into a school: all of it, or none."""
    roster, table = _checked(file, column_names)
    with _app().app_context(), db.begin() as session:
        school = session.scalars(select(School).where(School.urn == urn)).first()
        if school is None:
            raise click.UsageError(
                f"No school has the URN {urn}. Add it first: "
                f"survey-app school add --urn {urn} --name NAME"
            )
        plan, result = import_file(
            session,
            school,
            roster,
            dry_run=dry_run,
            mark_missing_as_left=mark_missing_as_left,
            actor=ACTOR,
        )
        _describe(file, table, plan)
        if plan.problems:
            for problem in plan.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(
                f"Nothing was imported: the file has {len(plan.problems)} problems. "
                "Correct them and run the command again."
            )
    if result is None:
        click.echo("Dry run: nothing was changed.")
    else:
        click.echo(f"Imported: {result.summary()}.")
    if plan.missing and not mark_missing_as_left:
        click.echo(
            "Students missing from the file stay on roll; to mark them as left, "
            "run the command again with --mark-missing-as-left."
        )


def _checked(file: Path, column_names: tuple[str, ...]) -> tuple[RosterFile, Table]:
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(too_large_message())
    try:
        table = read_table(file.read_bytes())
        header = file_header(table)
        columns = detect_columns(header) | _named_columns(header, column_names)
        return check_roster(table, columns), table
    except RosterUnreadable as unreadable:
        raise click.ClickException(str(unreadable)) from unreadable


def _named_columns(header: list[str], column_names: tuple[str, ...]) -> Columns:
    simplified_fields = {_simplify(key): key for key in FIELDS} | {
        _simplify(label): key for key, label in FIELDS.items()
    }
    simplified_header = [_simplify(name) for name in header]
    columns: Columns = {}
    for pair in column_names:
        wanted, _, name = pair.partition("=")
        key = simplified_fields.get(_simplify(wanted))
        if key is None:
            raise click.BadParameter(
                f"{wanted!r} is not a field; fields are {', '.join(FIELDS)}.",
                param_hint="--column",
            )
        if _simplify(name) not in simplified_header:
            raise click.BadParameter(
                f"the file has no column named {name!r}.", param_hint="--column"
            )
        columns[key] = simplified_header.index(_simplify(name))
    return columns


def _simplify(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _describe(file: Path, table: Table, plan: ImportPlan) -> None:
    roster = plan.roster
    click.echo(f"Read {file.name} ({table.source}).")
    if table.legacy_encoding:
        click.echo(
            f"The file is not UTF-8; it was read as {table.legacy_encoding}. Check "
            "that names with accents look right after importing, or save the file "
            "as CSV UTF-8 first."
        )
    found = [
        f"{label} from '{roster.header[roster.columns[key]]}'"
        for key, label in FIELDS.items()
        if key in roster.columns and roster.columns[key] < len(roster.header)
    ]
    click.echo("Columns: " + "; ".join(found) + ".")
    if plan.problems:
        return

    click.echo(f"Students to add: {len(plan.to_add)}")
    returning = sum(update.returning for update in plan.to_update)
    click.echo(f"Students to update: {len(plan.to_update)} ({returning} back on roll)")
    changed = Counter(change.field for u in plan.to_update for change in u.changes)
    for label, count in sorted(changed.items()):
        click.echo(f"  {label} changes: {count}")
    click.echo(f"Unchanged: {plan.unchanged}")
    by_group = Counter(student.form_group for student in plan.missing)
    groups = ", ".join(f"{group}: {count}" for group, count in sorted(by_group.items()))
    click.echo(
        f"On roll but missing from the file: {len(plan.missing)}"
        + (f" ({groups})" if groups else "")
    )
    for notice in plan.elsewhere:
        click.echo(f"Check: {notice}")


def _app() -> Flask:
    try:
        return create_app()
    except DefinitionError as exc:
        raise click.ClickException(
            f"An instrument or study file is broken: {exc}"
        ) from exc
