"""A coordinator loads a class list, records an opt-out and prints new slips.

7A's five students had codes issued last week. Since then 7B's class list has
arrived, a parent has phoned to opt Ada Okafor out, and 7A's slips went
missing: the coordinator loads 7B's list, records the opt-out on Ada's page
and gives 7A new codes. The slips list 7A's other students by surname; Ada's
old code is refused and a new slip's code works.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect

from survey_app.db import db
from tests import factories
from tests.browser.staff_pages import COORDINATOR, Coordinator
from tests.test_roster_data import made_up_upn

pytestmark = pytest.mark.browser

HEADER = ["UPN", "Legal Surname", "Legal Forename", "Year", "Reg Group"]
LOST_SLIPS = "Give new codes to those who have not started (lost slips)"


def class_list(*students: tuple[str, str]) -> bytes:
    """Return a CSV class list of 7B's students (forename, surname)."""
    rows = [
        [made_up_upn(serial), surname, forename, "7", "7B"]
        for serial, (forename, surname) in enumerate(students, start=1)
    ]
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([HEADER, *rows])
    return text.getvalue().encode()


def test_a_coordinator_records_an_opt_out_and_prints_the_form_groups_slips(
    new_student, new_staff_member, codes, staff, check_accessibility
):
    coordinator = new_staff_member(Coordinator)
    coordinator.sign_in(COORDINATOR)

    seven_b = class_list(("Femi", "Adeyemi"), ("Gwen", "Hughes"))
    coordinator.upload_class_list("7B class list.csv", seven_b)
    expect(coordinator.heading).to_have_text("Test School: check the class list")
    expect(coordinator.error_summary).to_have_count(0)
    assert coordinator.what_importing_does() == {
        "Students to add": "2",
        "Students to update": "0",
        "Unchanged": "0",
        "On roll but missing from this file": "5",
    }
    to_add = coordinator.page.get_by_role("table", name="Students to add")
    expect(to_add).to_contain_text("Femi Adeyemi")
    expect(to_add).to_contain_text("Gwen Hughes")
    expect(
        coordinator.page.get_by_text("This file has no students of form group 7A.")
    ).to_be_visible()
    expect(coordinator.page.get_by_role("checkbox")).not_to_be_checked()
    check_accessibility(coordinator, "class list preview")
    coordinator.import_class_list()
    expect(coordinator.notice).to_have_text(
        "The class list is imported: 2 added, 0 updated, 0 marked as left."
    )
    check_accessibility(coordinator, "class list upload")

    coordinator.go_home()
    coordinator.follow_link("Students, opt-outs and codes")
    expect(coordinator.heading).to_have_text("Test School: students")
    students = coordinator.page.get_by_role("table", name="Students, by form group")
    expect(students.get_by_role("row")).to_have_count(1 + 7)
    check_accessibility(coordinator, "students")

    coordinator.open_student("Okafor, Ada")
    expect(coordinator.heading).to_have_text("Ada Okafor")
    check_accessibility(coordinator, "student page")
    coordinator.record_opt_out(received_on=date(2026, 12, 2), how="phone")
    expect(coordinator.notice).to_have_text(
        "Opt-out recorded. The student's code no longer works."
    )
    expect(coordinator.page.get_by_role("main")).to_contain_text(
        f"Opted out: received 02/12/2026 by phone, recorded by {COORDINATOR.email}."
    )

    coordinator.follow_link("All students")
    coordinator.follow_link("Issue codes and print slips")
    expect(coordinator.heading).to_have_text("Test School: issue codes and print slips")
    check_accessibility(coordinator, "codes")
    coordinator.issue_codes(["7A"], LOST_SLIPS)
    expect(coordinator.heading).to_have_text("Code slips: Test School")
    slips = coordinator.slips()
    assert [name for name, _code in slips] == [
        "Cerys Lloyd",
        "Ewa Nowak",
        "Ben Price",
        "Dev Shah",
    ]
    expect(coordinator.page.get_by_text("4 slips.")).to_be_visible()
    check_accessibility(coordinator, "slips")

    # At a student's computer: Ada's old code, then the code on Dev's new slip.
    student = new_student()
    student.type_code(codes["Okafor"])
    expect(student.error_summary).to_contain_text(
        "This code can't be used. Please ask your teacher."
    )
    student.type_code(dict(slips)["Dev Shah"])
    student.should_be_on("/survey/introduction", "About this survey")


def test_new_slips_for_a_form_group_with_a_new_student_show_each_student_once(
    app, school, new_staff_member, codes, staff
):
    with app.app_context(), db.begin() as session:
        factories.student(session, school, "Gwen", "Hughes")  # joined: no code yet
    coordinator = new_staff_member(Coordinator)
    coordinator.sign_in(COORDINATOR)

    coordinator.follow_link("Issue codes and print slips")
    coordinator.issue_codes(["7A"], LOST_SLIPS)

    assert [name for name, _code in coordinator.slips()] == [
        "Gwen Hughes",
        "Cerys Lloyd",
        "Ewa Nowak",
        "Ada Okafor",
        "Ben Price",
        "Dev Shah",
    ]
