"""Fixtures of the browser tests: Debian's Chromium, a live server, students, staff.

Playwright cannot download its own browsers here, so the tests drive the
Chromium that Debian installs at /usr/bin/chromium. Without it the browser
tests are skipped with the reason given; in CI (CI=true) they fail instead,
so a broken CI image is never mistaken for a pass.

Every test gets the app of tests/conftest.py (a fresh database, once on
SQLite and once on PostgreSQL), served on 127.0.0.1 on a free port. Staff
tests add made-up staff accounts, a local SMTP server for alert emails, and an
axe-core check of each page, reported page by page.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import date
from email.message import Message
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from survey_app.config import Settings
from survey_app.db import db
from survey_app.safeguarding.worker import send_due_emails
from survey_app.schools.models import OptOut, School
from survey_app.schools.models import Student as Pupil
from survey_app.survey import service
from survey_app.survey.models import Response
from tests import factories
from tests.browser.accessibility import accessibility_violations, describe
from tests.browser.pages import Student, Visitor
from tests.browser.staff_pages import STAFF, StaffMember
from tests.mailbox import MailServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    # No name resolves except the test server's: nothing can leave this machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
CHROMIUM_REQUIRED = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    """Launch Debian's Chromium, headless unless --headed was given."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = f"Debian's Chromium is not installed at {CHROMIUM}"
        if CHROMIUM_REQUIRED:
            pytest.fail(f"{reason}, and CI requires the browser tests.")
        pytest.skip(f"{reason} (apt-get install chromium); browser tests skipped.")
    return {
        **browser_type_launch_args,
        "headless": browser_type_launch_args.get("headless", True),
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


class _RequestHandler(WSGIRequestHandler):
    # Send small writes at once: with Nagle's algorithm and delayed ACKs every
    # form post to the local server can stall for up to 200 ms.
    disable_nagle_algorithm = True


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on 127.0.0.1 on a free port; return its address."""
    server = make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_RequestHandler
    )
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},  # quick to shut down after each test
        name="live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def new_student(
    new_context: Callable[..., Any], live_server: str
) -> Callable[..., Student]:
    """Return a function that seats a new student at their own browser.

    Each student has a browser context of their own (their own cookies), like a
    separate computer; keyword arguments go to ``browser.new_context``.
    """

    def seat(**context_args: Any) -> Student:
        context = new_context(base_url=live_server, **context_args)
        return Student(context.new_page(), live_server)

    return seat


@pytest.fixture
def student(new_student: Callable[..., Student]) -> Student:
    """A student at a computer with an ordinary desktop browser window."""
    return new_student()


@pytest.fixture
def codes(
    codes: dict[str, str], app: Flask, school: School, settings: Settings
) -> dict[str, str]:
    """Printed codes by surname: the three students', and two more (Shah, Nowak)."""
    with app.app_context(), db.begin() as session:
        for forename, surname in [("Dev", "Shah"), ("Ewa", "Nowak")]:
            factories.student(session, school, forename, surname)
    return codes | factories.issue_codes(app, school, settings)


class SchoolOffice:
    """What staff do out of the students' sight, done through the services."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def release_code(self, surname: str) -> None:
        """Free a student's survey from its computer (the room view's button)."""
        with self.app.app_context(), db.begin() as session:
            response = session.scalars(
                select(Response)
                .join(Pupil, Response.student_id == Pupil.id)
                .where(Pupil.legal_surname == surname)
            ).one()
            service.release_computer(session, response)

    def record_opt_out(self, surname: str) -> None:
        """Record that a student's parent has opted them out, by phone."""
        with self.app.app_context(), db.begin() as session:
            pupil = session.scalars(
                select(Pupil).where(Pupil.legal_surname == surname)
            ).one()
            session.add(
                OptOut(
                    student_id=pupil.id,
                    received_on=date(2026, 12, 3),
                    received_via="phone",
                    recorded_by="Test coordinator",
                )
            )


@pytest.fixture
def school_office(app: Flask) -> SchoolOffice:
    return SchoolOffice(app)


# Staff -----------------------------------------------------------------------

AnyStaffMember = TypeVar("AnyStaffMember", bound=StaffMember)


@pytest.fixture
def staff(app: Flask, school: School) -> None:
    """Accounts for the school's teacher, DSL and coordinator (see ``STAFF``)."""
    with app.app_context(), db.begin() as session:
        for account in STAFF:
            factories.staff_member(
                session, account.email, account.role, school, name=account.name
            )


@pytest.fixture
def new_staff_member(
    new_context: Callable[..., Any], live_server: str
) -> Callable[..., StaffMember]:
    """Return a function that seats a member of staff at their own browser.

    Its argument is the kind of staff member (``Teacher``, ``Coordinator``...).
    """

    def seat(kind: type[AnyStaffMember], **context_args: Any) -> AnyStaffMember:
        context = new_context(base_url=live_server, **context_args)
        return kind(context.new_page(), live_server)

    return seat


class PostOffice:
    """A local SMTP server, and the survey's mail worker pointed at it."""

    def __init__(self, settings: Settings) -> None:
        self.server = MailServer(free_port())
        self.settings = settings.with_overrides(
            mail_server="127.0.0.1", mail_port=self.server.port
        )

    def deliver(self) -> list[Message]:
        """Run one round of the mail worker; return every message received so far."""
        assert db.session_factory is not None
        send_due_emails(db.session_factory, self.settings)
        return self.server.inbox.messages


@pytest.fixture
def post_office(app: Flask) -> Iterator[PostOffice]:
    """A post office for the live app's alert emails, open for the test."""
    office = PostOffice(app.extensions["survey_app.settings"])
    office.server.start()
    yield office
    office.server.stop()


@pytest.fixture
def check_accessibility(subtests: Any) -> Callable[[Visitor, str], None]:
    """Return a check that axe-core finds nothing wrong with someone's page.

    Each page is its own subtest, so one page's violations are all reported
    and the test goes on to the next page.
    """

    def check(visitor: Visitor, name: str) -> None:
        with subtests.test("axe-core finds no violations", page=name):
            violations = accessibility_violations(visitor.page)
            assert not violations, (
                f"on {name} ({visitor.page.url}):\n{describe(violations)}"
            )

    return check
