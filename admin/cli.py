"""``survey-app``: the operator's command line."""

from __future__ import annotations

import json
import os
import sys

import click
from sqlalchemy import select

from admin.demo import DEMO_CODES_SHOWN, set_up_demo_school, set_up_demo_staff
from admin.instruments_cli import instruments
from admin.roster_cli import roster_group, school_group
from survey_app import create_app
from survey_app.codes.access_codes import format_code
from survey_app.config import load_settings
from survey_app.db import db
from survey_app.migrate import upgrade_database
from survey_app.progress.service import completion_by_school
from survey_app.questionnaires.loader import DefinitionError
from survey_app.runtime import catalogue
from survey_app.safeguarding.worker import safeguarding_worker
from survey_app.schools.models import School
from survey_app.scoring.storage import recompute_wave
from survey_app.staff.models import Role
from survey_app.staff.service import invite

DEMO_WAVE = "demo/baseline"


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
    """Start the app with a demo school, its class list, staff and fresh codes."""
    if database_url:
        # Set in the environment so that every server worker uses it too.
        os.environ["DATABASE_URL"] = database_url
    settings = load_settings()
    upgrade_database(settings.database_url)
    app = _app_or_exit()

    with app.app_context(), db.begin() as session:
        wave = catalogue().wave(DEMO_WAVE)
        school, issued = set_up_demo_school(session, wave, settings.code_hash_key)
        accounts = set_up_demo_staff(session, school)

    url = f"http://127.0.0.1:{port}/"
    click.echo(f"Demo school: {school.name} (URN {school.urn})")
    click.echo(f"Database: {_safe_url(settings.database_url)}")
    click.echo(f"Students open the survey at {url}")
    click.echo("Access codes to try (each works until its student finishes):")
    for entry in issued[:DEMO_CODES_SHOWN]:
        click.echo(format_code(entry.code))
    click.echo(
        f"Staff sign in at {url}staff/sign-in (passwords change at every start):"
    )
    for account in accounts:
        click.echo(
            f"  {account.role.title}: {account.email}  password {account.password}"
        )
        if account.totp_secret:
            click.echo(
                f"    second factor: add key {account.totp_secret} to an "
                "authenticator app, or print the current code with"
            )
            click.echo(
                f'    {sys.executable} -c "import pyotp; '
                f"print(pyotp.TOTP('{account.totp_secret}').now())\""
            )
    click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()

    from admin.server import SurveyServer

    # The demo sends real alert emails when MAIL_SERVER is set; without it
    # they wait, queued, and the DSL's queue page says so.
    with app.app_context():
        worker = safeguarding_worker(app)
    worker.start()
    SurveyServer(f"127.0.0.1:{port}").run()


@main.group("staff")
def staff_group() -> None:
    """Look after staff accounts."""


@staff_group.command("invite")
@click.option("--email", required=True, help="Their email address.")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="research_admin, coordinator, teacher or dsl.",
)
@click.option("--school", "urn", help="The school's URN (not for research_admin).")
@click.option(
    "--base-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where staff reach the app.",
)
def staff_invite(email: str, role: str, urn: str | None, base_url: str) -> None:
    """Invite someone to a role and print the link to send them (valid 7 days)."""
    app = _app_or_exit()
    chosen = Role(role)
    with app.app_context(), db.begin() as session:
        school = None
        if chosen is not Role.RESEARCH_ADMIN:
            if urn is None:
                raise click.UsageError("--school URN is needed for this role.")
            school = session.scalars(select(School).where(School.urn == urn)).first()
            if school is None:
                raise click.UsageError(f"No school has the URN {urn}.")
        elif urn is not None:
            raise click.UsageError("Research administrators have no school.")
        token = invite(
            session,
            email=email,
            role=chosen,
            school=school,
            invited_by="survey-app staff invite",
            secret_key=load_settings().secret_key,
        )
    click.echo(f"{base_url.rstrip('/')}/staff/invitation/{token}")


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


main.add_command(instruments)
main.add_command(school_group)
main.add_command(roster_group)


@main.group("mail")
def mail_group() -> None:
    """Send safeguarding emails."""


@mail_group.command("worker")
@click.option("--once", is_flag=True, help="Do one round and stop (for cron).")
def mail_worker(once: bool) -> None:
    """Send queued alert emails and escalate ignored alerts, until stopped."""
    app = _app_or_exit()
    with app.app_context():
        worker = safeguarding_worker(app)
        if once:
            worker.run_round()
            return
        click.echo("Sending safeguarding emails; press Ctrl+C to stop.")
        worker.run()


@main.group("scores")
def scores_group() -> None:
    """Look after the scores stored with responses."""


@scores_group.command("recompute")
@click.option("--wave", "wave_key", default=DEMO_WAVE, show_default=True)
def scores_recompute(wave_key: str) -> None:
    """Score every completed response of a wave under the current scoring versions.

    Scores from earlier scoring versions are kept beside the new ones.
    """
    app = _app_or_exit()
    with app.app_context(), db.begin() as session:
        count = recompute_wave(session, catalogue().wave(wave_key))
    click.echo(f"Scored {count} completed responses of {wave_key}.")


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
