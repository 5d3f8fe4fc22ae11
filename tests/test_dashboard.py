"""What staff see: progress toward 80%, the room view, all schools, the audit trail.

None of these pages may show an answer, a score or a safeguarding alert.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from survey_app.db import db
from survey_app.sittings.models import Sitting
from survey_app.staff.models import Role
from tests import factories
from tests.staff import StaffBrowser
from tests.student import Student as StudentAtComputer


@pytest.fixture
def teacher(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(session, "teacher@school.invalid", Role.TEACHER, school)
    browser = StaffBrowser(app.test_client())
    browser.sign_in("teacher@school.invalid")
    return browser


def student_at_computer(app, code, pages=0, finish=False):
    student = StudentAtComputer(app.test_client())
    student.type_code(code)
    student.agree()
    for _ in range(pages):
        student.answer(default="1")
    if finish:
        student.finish_all_pages()
    return student


def cells(page) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page.html, flags=re.DOTALL)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        for row in rows
    ]


def test_progress_shows_the_rate_against_80_percent(app, teacher, codes):
    student_at_computer(app, codes["Okafor"], finish=True)
    student_at_computer(app, codes["Price"], pages=1)

    page = teacher.open("/staff/schools/999001/progress")
    assert "33.3% completed" in page
    assert "1 of 3 eligible students; target 80%" in page
    assert "2 more completions needed." in page
    assert ["7A", "3", "3", "2", "1", "33.3%", "2"] in cells(page)


def test_the_progress_figures_refresh_without_reloading_the_page(app, teacher, codes):
    page = teacher.open("/staff/schools/999001/progress")
    assert 'data-refresh="/staff/schools/999001/progress?fragment=1"' in page
    assert "refresh.js" in page

    student_at_computer(app, codes["Lloyd"], finish=True)
    fragment = teacher.open("/staff/schools/999001/progress?fragment=1")
    assert "<html" not in fragment.html
    assert "1 of 3 eligible students" in fragment


def test_the_not_completed_list_shows_who_needs_a_catch_up(app, teacher, codes):
    student_at_computer(app, codes["Okafor"], finish=True)
    student_at_computer(app, codes["Price"], pages=2)

    page = teacher.open("/staff/schools/999001/not-completed")
    rows = cells(page)
    assert ["Ben Price", "7A", "on page 3 of 5"] in rows
    assert ["Cerys Lloyd", "7A", "not started"] in rows
    assert not any("Okafor" in " ".join(row) for row in rows)


def test_a_sitting_shows_each_students_progress_live(app, teacher, codes):
    teacher.open("/staff/schools/999001/sittings")
    page = teacher.submit(
        "/staff/schools/999001/sittings",
        {"room": "Computer room 2", "form_groups": "7A"},
    )
    assert page.path.startswith("/staff/sittings/")
    room = page.path
    assert ["Ada Okafor", "7A", "not started", ""] in cells(page)

    student_at_computer(app, codes["Okafor"], pages=1)
    student_at_computer(app, codes["Price"], finish=True)
    fragment = teacher.open(room + "?fragment=1")
    assert ["Ada Okafor", "7A", "on page 2 of 5", ""] in cells(fragment)
    assert ["Ben Price", "7A", "finished", ""] in cells(fragment)
    assert "1 of 3 finished" in fragment


def test_a_teacher_releases_a_code_stuck_on_another_computer(app, teacher, codes):
    teacher.open("/staff/schools/999001/sittings")
    room = teacher.submit(
        "/staff/schools/999001/sittings", {"room": "Lab 1", "form_groups": "7A"}
    ).path
    crashed = student_at_computer(app, codes["Okafor"], pages=1)
    other_computer = StudentAtComputer(app.test_client())
    assert "being used on another computer" in other_computer.type_code(codes["Okafor"])

    page = teacher.open(room)
    assert "code in use elsewhere" in page
    release = re.search(r'action="(/staff/sittings/\d+/release/\d+)"', page.html).group(
        1
    )
    page = teacher.press(release)
    assert "The code is released" in page
    assert "code in use elsewhere" not in page

    assert other_computer.type_code(codes["Okafor"]).path == "/survey/page/smfq"
    assert crashed.answer().status == 409


def test_closing_a_sitting_marks_absent_students_for_catch_up(app, teacher, codes):
    teacher.open("/staff/schools/999001/sittings")
    room = teacher.submit(
        "/staff/schools/999001/sittings", {"room": "Lab 1", "form_groups": "7A"}
    ).path
    student_at_computer(app, codes["Okafor"], finish=True)
    teacher.open(room)
    page = teacher.press(room + "/close")
    assert "The sitting is closed." in page
    with app.app_context(), db.begin() as session:
        assert session.scalars(select(Sitting)).one().closed_at is not None

    rows = cells(teacher.open("/staff/schools/999001/not-completed"))
    assert ["Ben Price", "7A", "absent at last sitting"] in rows


def test_staff_pages_never_show_answers(app, teacher, codes):
    student = student_at_computer(app, codes["Okafor"], pages=0)
    student.answer({"scwbs_1": "5"}, default="4")
    student.finish_all_pages(default="2")
    teacher.open("/staff/schools/999001/sittings")
    room = teacher.submit(
        "/staff/schools/999001/sittings", {"room": "Lab", "form_groups": "7A"}
    ).path

    for path in [
        "/staff/",
        "/staff/schools/999001/progress",
        "/staff/schools/999001/not-completed",
        room,
    ]:
        page = teacher.open(path)
        assert page.status == 200
        for answer_text in [
            "scwbs",
            "good things will happen",
            "All of the time",
            "Quite a lot",
            "score",
            "alert",
        ]:
            assert answer_text not in page.html, (path, answer_text)


@pytest.fixture
def researcher(app):
    secret = pyotp.random_base32()
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session,
            "research@study.invalid",
            Role.RESEARCH_ADMIN,
            None,
            totp_secret=secret,
        )
    browser = StaffBrowser(app.test_client())
    browser.sign_in("research@study.invalid", totp_secret=secret)
    return browser


def test_all_schools_are_in_one_sortable_table_with_totals(app, researcher, settings):
    with app.app_context(), db.begin() as session:
        big = factories.school(session, urn="999010", name="Big School")
        small = factories.school(session, urn="999011", name="Small School")
        for number in range(4):
            factories.student(session, big, "Jo", f"Big{number}")
        factories.student(session, small, "Mo", "Small")
    big_codes = factories.issue_codes(app, big, settings)
    small_codes = factories.issue_codes(app, small, settings)
    student_at_computer(app, small_codes["Small"], finish=True)
    student_at_computer(app, big_codes["Big0"], finish=True)

    page = researcher.open("/staff/all-schools?sort=rate&order=desc")
    rows = cells(page)
    names = [row[0] for row in rows if row and row[0] in ("Small School", "Big School")]
    assert names == ["Small School", "Big School"]
    assert ["Total", "5", "5", "2", "40.0%", "2", "0"] in rows

    page = researcher.open("/staff/all-schools?sort=name")
    names = [
        row[0]
        for row in cells(page)
        if row and row[0] in ("Small School", "Big School")
    ]
    assert names == ["Big School", "Small School"]


def test_the_audit_trail_lists_sign_ins_and_sittings(app, teacher, researcher):
    teacher.open("/staff/schools/999001/sittings")
    teacher.submit(
        "/staff/schools/999001/sittings", {"room": "Lab", "form_groups": "7A"}
    )
    page = researcher.open("/staff/audit")
    text = " ".join(" ".join(row) for row in cells(page))
    assert "teacher@school.invalid sign_in" in text
    assert "sitting.opened Test School" in text
    assert "research@study.invalid sign_in" in text
