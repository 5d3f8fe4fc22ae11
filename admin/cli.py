"""``survey-app``: the operator's command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from survey_app import create_app
from survey_app.codes.access_codes import format_code
from survey_app.config import load_settings
from survey_app.db import db
from survey_app.migrate import upgrade_database
from survey_app.progress.service import completion_by_school
from survey_app.questionnaires.loader import DefinitionError
from survey_app.runtime import catalogue
from survey_app.schools.roster import decode_roster, read_roster
from survey_app.schools.service import (
    add_school,
    issue_codes,
    load_roster,
    reissue_codes_of_unstarted,
)

DEMO_ROSTER = Path(__file__).resolve().parent / "demo_roster.csv"
DEMO_SCHOOL_URN = "900001"
DEMO_SCHOOL_NAME = "Demo Academy"
DEMO_WAVE = "demo/baseline"
#: How many codes the demo prints for trying the survey.
DEMO_CODES_SHOWN = 8


@click.group()
def main() -> None:
    """Run and look after survey_app."""


@main.group("db")
def db_group() -> None:
    """Look after the database."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema of the database DATABASE_URL names."""
    settings = load_settings()
    upgrade_database(settings.database_url)
    click.echo("The database schema is up to date.")


@main.command()
@click.option("--port", default=5000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--database", "database_url", help="Database URL (default: SQLite).")
def demo(port: int, database_url: str | None) -> None:
    """Start the app with a demo school, its class list and fresh codes."""
    if database_url:
        # Set in the environment so that every server worker uses it too.
        os.environ["DATABASE_URL"] = database_url
    settings = load_settings()
    upgrade_database(settings.database_url)
    app = _app_or_exit()

    with app.app_context(), db.begin() as session:
        school = add_school(session, DEMO_SCHOOL_URN, DEMO_SCHOOL_NAME)
        roster = read_roster(decode_roster(DEMO_ROSTER.read_bytes()))
        load_roster(session, school, roster.rows)
        wave = catalogue().wave(DEMO_WAVE)
        issued = issue_codes(session, school, wave, settings.code_hash_key)
        if len(issued) < DEMO_CODES_SHOWN:
            # Codes are stored only as hashes, so a restarted demo can show
            # codes only by replacing a few of those not yet used.
            issued = reissue_codes_of_unstarted(
                session, school, wave, settings.code_hash_key, DEMO_CODES_SHOWN
            )

    url = f"http://127.0.0.1:{port}/"
    click.echo(f"Demo school: {DEMO_SCHOOL_NAME} (URN {DEMO_SCHOOL_URN})")
    click.echo(f"Database: {_safe_url(settings.database_url)}")
    click.echo(f"Students open the survey at {url}")
    click.echo("Access codes to try (each works until its student finishes):")
    for entry in issued[:DEMO_CODES_SHOWN]:
        click.echo(format_code(entry.code))
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()

    from admin.server import SurveyServer

    SurveyServer(f"127.0.0.1:{port}").run()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--wave",
    "wave_key",
    default=DEMO_WAVE,
    show_default=True,
    help="Wave, as study/wave.",
)
def progress(as_json: bool, wave_key: str) -> None:
    """Print each school's completion figures against the 80% target."""
    app = _app_or_exit()
    with app.app_context(), db.begin() as session:
        figures = completion_by_school(session, catalogue().wave(wave_key))
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in figures], indent=2))
        return
    for f in figures:
        rate = "-" if f.completion_rate is None else f"{f.completion_rate:.1%}"
        click.echo(
            f"{f.school_urn} {f.school_name}: {f.completed}/{f.eligible} eligible "
            f"completed ({rate}); on roll {f.on_roll}, opted out {f.opted_out}, "
            f"withdrawn {f.withdrawn}, started {f.started}; "
            f"{f.more_needed} more needed for 80%"
        )


def _app_or_exit():  # type: ignore[no-untyped-def]
    try:
        return create_app()
    except DefinitionError as exc:
        raise click.ClickException(
            f"An instrument or study file is broken: {exc}"
        ) from exc


def _safe_url(url: str) -> str:
    """Return a database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
