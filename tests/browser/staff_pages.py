"""Staff at their browsers: a teacher, a designated safeguarding lead, a coordinator.

Each class wraps a Playwright page, as ``Student`` does, and its methods read
like what that member of staff does. Staff reach pages from their home page's
links where a link exists; pages that refresh themselves are watched, never
reloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from playwright.sync_api import Frame, Locator

from survey_app.staff.models import Role
from tests.browser.pages import Visitor
from tests.factories import STAFF_PASSWORD

#: Longest wait for a page that refreshes itself every 4 seconds.
SELF_REFRESH_TIMEOUT = 10_000


@dataclass(frozen=True)
class Account:
    """A made-up member of staff's account at the test school."""

    email: str
    name: str
    role: Role


TEACHER = Account("teacher@school.invalid", "Sam Rowe", Role.TEACHER)
DSL = Account("dsl@school.invalid", "Priya Nair", Role.DSL)
COORDINATOR = Account("coordinator@school.invalid", "Tom Ellis", Role.COORDINATOR)
STAFF = (TEACHER, DSL, COORDINATOR)


class StaffMember(Visitor):
    """A member of staff at their own browser."""

    # What they see ---------------------------------------------------------

    def row(self, table: str, text: str) -> Locator:
        """Return the row of the table captioned ``table`` that mentions ``text``."""
        rows = self.page.get_by_role("table", name=table).get_by_role("row")
        return rows.filter(has_text=text)

    def cell(self, table: str, text: str, column: int) -> Locator:
        """Return cell ``column`` (from 0) of the row that mentions ``text``."""
        return self.row(table, text).get_by_role("cell").nth(column)

    def detail(self, table: str, name: str) -> Locator:
        """Return the value beside the row heading ``name`` in a two-column table."""
        heading = self.page.get_by_role("rowheader", name=name, exact=True)
        row = self.page.get_by_role("table", name=table).get_by_role("row")
        return row.filter(has=heading).get_by_role("cell")

    # What they do ----------------------------------------------------------

    def sign_in(self, account: Account) -> None:
        """Type an email address and password on the sign-in page, and sign in."""
        if self.page.url != self.url("/staff/sign-in"):
            self.open("/staff/sign-in")
        self.page.get_by_label("Email address").fill(account.email)
        self.page.get_by_label("Password").fill(STAFF_PASSWORD)
        self.press_button("Sign in")
        self.should_be_on("/staff/", f"Hello, {account.name}")

    def go_home(self) -> None:
        """Click the site's name at the top of every staff page."""
        with self.page.expect_navigation():
            self.page.get_by_role("link", name="Survey staff pages").click()

    def tick(self, label: str) -> None:
        """Tick a checkbox by its label."""
        self.page.get_by_role("checkbox", name=label, exact=True).check()

    @contextmanager
    def staying_on_this_page(self) -> Iterator[None]:
        """Check that the page neither reloads nor is left while the block runs."""
        loads: list[str] = []

        def loaded(frame: Frame) -> None:
            if frame == self.page.main_frame:
                loads.append(frame.url)

        self.page.on("framenavigated", loaded)
        yield
        self.page.remove_listener("framenavigated", loaded)
        assert loads == [], f"the page was loaded again: {loads}"


class Teacher(StaffMember):
    """A teacher running a sitting in a computer room."""

    ROOM_TABLE = "Students expected at this sitting"

    @property
    def room_summary(self) -> Locator:
        """The line above the room view's list: how many have finished."""
        return self.page.get_by_text(re.compile(r"^\d+ of \d+ finished$"))

    def status_of(self, student: str) -> Locator:
        """Return a student's status on the room view, by their name."""
        return self.cell(self.ROOM_TABLE, student, 2)

    def school_figure(self, name: str) -> Locator:
        """Return one of the whole-school figures on the progress page."""
        return self.detail("Whole-school figures", name)

    def open_sitting(self, room: str, form_groups: Sequence[str]) -> None:
        """Open a sitting from the sittings page, for the form groups in the room."""
        self.page.get_by_label("Room").fill(room)
        for form_group in form_groups:
            self.tick(form_group)
        self.press_button("Open the sitting")


class SafeguardingLead(StaffMember):
    """The school's designated safeguarding lead (DSL)."""

    QUEUE_TABLE = "Alerts, new ones first"
    ALERT_TABLE = "What raised the alert"

    def alert_in_queue(self, student: str) -> Locator:
        """Return the queue's row of an alert about ``student``."""
        return self.row(self.QUEUE_TABLE, student)

    def about_the_alert(self, name: str) -> Locator:
        """Return one detail of the open alert ("Question", "Answer", "State")."""
        return self.detail(self.ALERT_TABLE, name)

    def open_alert(self, student: str) -> None:
        """Click the time of the alert about ``student`` in the queue."""
        with self.page.expect_navigation():
            self.alert_in_queue(student).get_by_role("link").click()

    def acknowledge(self) -> None:
        self.press_button("Acknowledge: I am dealing with this")

    def close_alert(self, action_taken: str, outcome: str) -> None:
        """Write what was done and how it ended, and close the alert."""
        self.page.get_by_label("Action taken").fill(action_taken)
        self.page.get_by_label("Outcome").fill(outcome)
        self.press_button("Close the alert")


class Coordinator(StaffMember):
    """The school's survey coordinator: class lists, opt-outs, codes and slips."""

    def upload_class_list(self, file_name: str, contents: bytes) -> None:
        """Follow "Load a class list", choose a CSV file, and press Check the file."""
        self.follow_link("Load a class list")
        self.page.get_by_label("Class list file").set_input_files(
            files=[{"name": file_name, "mimeType": "text/csv", "buffer": contents}]
        )
        self.press_button("Check the file")

    def import_class_list(self) -> None:
        self.press_button("Import this class list")

    def what_importing_does(self) -> dict[str, str]:
        """Return the preview's summary: each count by what it counts."""
        table = self.page.get_by_role("table", name="What importing this file will do")
        summary = {}
        for row in table.get_by_role("row").all():
            what = row.get_by_role("rowheader").inner_text()
            summary[what] = row.get_by_role("cell").inner_text()
        return summary

    def open_student(self, listed_as: str) -> None:
        """Click a student's name on the students page ("Surname, Forename")."""
        self.follow_link(listed_as)

    def record_opt_out(self, received_on: date, how: str) -> None:
        """Fill in the opt-out form on a student's page and record it."""
        self.page.get_by_label("Date received").fill(received_on.isoformat())
        self.page.get_by_label("How it was received").select_option(how)
        self.press_button("Record opt-out")

    def issue_codes(
        self, form_groups: Sequence[str], students_with_a_code: str
    ) -> None:
        """Tick form groups, say what becomes of codes already issued, and issue."""
        for form_group in form_groups:
            self.tick(form_group)
        self.page.get_by_label("Students who already have a code").select_option(
            label=students_with_a_code
        )
        self.press_button("Issue and show slips to print")

    def slips(self) -> list[tuple[str, str]]:
        """Return the name and the code on each slip shown, in order."""
        slips = []
        for slip in self.page.get_by_role("main").get_by_role("listitem").all():
            name, _form_group, code, _instructions = slip.locator("p").all_inner_texts()
            slips.append((name, code))
        return slips
