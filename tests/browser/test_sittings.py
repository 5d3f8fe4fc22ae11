"""A teacher runs a sitting and watches the room view and progress update themselves.

The teacher opens a sitting for 7A; two students take part at their own
computers. Without the teacher reloading anything, the room view shows each
student's page as they move on and "finished" when they finish, and the
school's progress page counts a completion as it happens. Every staff page
on the way is checked with axe-core.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.staff_pages import SELF_REFRESH_TIMEOUT, TEACHER, Teacher

pytestmark = pytest.mark.browser


def test_the_room_view_and_progress_follow_the_students_by_themselves(
    new_student, new_staff_member, codes, staff, check_accessibility
):
    teacher = new_staff_member(Teacher)
    teacher.open("/staff/sign-in")
    check_accessibility(teacher, "sign-in")
    teacher.sign_in(TEACHER)
    check_accessibility(teacher, "home")

    teacher.follow_link("Sittings and room view")
    expect(teacher.heading).to_have_text("Test School: sittings")
    check_accessibility(teacher, "sittings")
    teacher.open_sitting("Computer room 2", ["7A"])
    expect(teacher.heading).to_have_text("Computer room 2: 7A")
    expect(teacher.room_summary).to_have_text("0 of 5 finished")
    for name in ["Ada Okafor", "Ben Price", "Cerys Lloyd"]:
        expect(teacher.status_of(name)).to_have_text("not started")
    check_accessibility(teacher, "room view")

    okafor, price = new_student(), new_student()
    with teacher.staying_on_this_page():
        okafor.type_code(codes["Okafor"])
        okafor.agree()
        price.type_code(codes["Price"])
        okafor.save_and_continue()
        expect(teacher.status_of("Ada Okafor")).to_have_text(
            "on page 2 of 5", timeout=SELF_REFRESH_TIMEOUT
        )
        expect(teacher.status_of("Ben Price")).to_have_text("not started")

        price.agree()
        price.save_and_continue()
        price.save_and_continue()
        expect(teacher.status_of("Ben Price")).to_have_text(
            "on page 3 of 5", timeout=SELF_REFRESH_TIMEOUT
        )

        okafor.leave_the_rest_blank()
        expect(teacher.status_of("Ada Okafor")).to_have_text(
            "finished", timeout=SELF_REFRESH_TIMEOUT
        )
        expect(teacher.room_summary).to_have_text("1 of 5 finished")
        expect(teacher.status_of("Ben Price")).to_have_text("on page 3 of 5")
    check_accessibility(teacher, "room view during the sitting")

    teacher.go_home()
    teacher.follow_link("Progress toward 80%")
    expect(teacher.heading).to_have_text("Test School: progress toward 80%")
    expect(teacher.school_figure("Started")).to_have_text("2")
    expect(teacher.school_figure("Completed")).to_have_text("1")
    check_accessibility(teacher, "progress")
    with teacher.staying_on_this_page():
        price.leave_the_rest_blank()
        expect(teacher.school_figure("Completed")).to_have_text(
            "2", timeout=SELF_REFRESH_TIMEOUT
        )
        expect(teacher.page.get_by_role("main")).to_contain_text(
            "40.0% completed (2 of 5 eligible students; target 80%)."
        )

    teacher.follow_link("Students who have not completed")
    expect(teacher.heading).to_have_text("Test School: students who have not completed")
    not_completed = teacher.page.get_by_role(
        "table", name="Students who have not completed"
    )
    expect(not_completed).not_to_contain_text("Okafor")
    expect(not_completed).not_to_contain_text("Price")
    expect(not_completed).to_contain_text("Cerys Lloyd")
    check_accessibility(teacher, "students who have not completed")
