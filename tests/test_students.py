"""The coordinator's pages: opt-outs, codes and slips, deletion requests."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_app.audit.models import AuditEvent
from survey_app.db import db
from survey_app.schools.models import OptOut, Student
from survey_app.staff.models import Role
from survey_app.survey.models import Answer
from tests import factories
from tests.staff import StaffBrowser
from tests.student import Student as StudentAtComputer

URN = "999001"


@pytest.fixture
def coordinator(app, school):
    with app.app_context(), db.begin() as session:
        factories.staff_member(
            session, "coordinator@school.invalid", Role.COORDINATOR, school
        )
    browser = StaffBrowser(app.test_client())
    browser.sign_in("coordinator@school.invalid")
    return browser


def student_id(app, surname) -> int:
    with app.app_context(), db.begin() as session:
        return session.scalars(
            select(Student.id).filter_by(legal_surname=surname)
        ).one()


def student_path(app, surname) -> str:
    return f"/staff/schools/{URN}/students/{student_id(app, surname)}"


def record_opt_out(coordinator, path, on="2026-11-30", via="letter"):
    coordinator.open(path)
    return coordinator.submit(
        path + "/opt-out", {"received_on": on, "received_via": via}
    )


def slip_codes(page) -> list[str]:
    return re.findall(r'<p class="slip-code">([A-Z0-9-]+)</p>', page.html)


def test_an_opt_out_stops_the_code_with_a_neutral_message(app, coordinator, codes):
    page = record_opt_out(coordinator, student_path(app, "Price"))
    assert "Opt-out recorded" in page
    assert (
        "received 30/11/2026 by letter, recorded by coordinator@school.invalid" in page
    )

    refused = StudentAtComputer(app.test_client()).type_code(codes["Price"])
    assert "This code can't be used. Please ask your teacher." in refused
    assert "opt" not in refused.html.lower()


def test_a_reversed_opt_out_is_kept_in_the_history(app, coordinator, codes):
    path = student_path(app, "Price")
    record_opt_out(coordinator, path)
    page = coordinator.press(path + "/opt-out/reverse")
    assert "Opt-out reversed" in page
    assert "Reversed" in page
    with app.app_context(), db.begin() as session:
        [opt_out] = session.scalars(select(OptOut)).all()
        assert opt_out.reversed_by == "coordinator@school.invalid"
    # The parent changed their mind: the slip works again.
    page = StudentAtComputer(app.test_client()).type_code(codes["Price"])
    assert page.path == "/survey/introduction"


def test_an_opt_out_date_in_the_future_is_refused(app, coordinator, school):
    page = record_opt_out(coordinator, student_path(app, "Price"), on="2999-01-01")
    assert page.status == 422
    assert "cannot be in the future" in page


def test_opted_out_students_are_issued_no_code(app, coordinator, school):
    record_opt_out(coordinator, student_path(app, "Lloyd"))
    coordinator.open(f"/staff/schools/{URN}/codes")
    page = coordinator.submit(
        f"/staff/schools/{URN}/codes",
        {"form_groups": "7A", "replace_unstarted": "no", "format": "html"},
    )
    names = re.findall(r'<p class="slip-name">([^<]+)</p>', page.html)
    assert names == ["Ada Okafor", "Ben Price"]  # by surname, Lloyd opted out
    assert len(slip_codes(page)) == 2
    for code in slip_codes(page):
        student = StudentAtComputer(app.test_client())
        assert student.type_code(code).path == "/survey/introduction"


def test_codes_are_issued_once_and_slips_come_as_a_pdf_too(app, coordinator, school):
    coordinator.open(f"/staff/schools/{URN}/codes")
    response = coordinator.client.post(
        f"/staff/schools/{URN}/codes",
        data={
            "csrf_token": coordinator.page.csrf_token,
            "form_groups": "7A",
            "replace_unstarted": "no",
            "format": "pdf",
        },
    )
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")

    # Everyone has a code now: issuing again explains how to print slips again.
    coordinator.open(f"/staff/schools/{URN}/codes")
    page = coordinator.submit(
        f"/staff/schools/{URN}/codes",
        {"form_groups": "7A", "replace_unstarted": "no", "format": "html"},
    )
    assert page.status == 422
    assert "Everyone in these form groups already has a code" in page
    assert slip_codes(page) == []


def test_lost_slips_of_a_form_group_are_replaced(app, coordinator, codes):
    StudentAtComputer(app.test_client()).type_code(codes["Okafor"])  # started
    coordinator.open(f"/staff/schools/{URN}/codes")
    page = coordinator.submit(
        f"/staff/schools/{URN}/codes",
        {"form_groups": "7A", "replace_unstarted": "yes", "format": "html"},
    )
    assert len(slip_codes(page)) == 2  # Price and Lloyd; Okafor has started
    old = StudentAtComputer(app.test_client()).type_code(codes["Price"])
    assert "We couldn't find that code" in old


def test_reissuing_one_code_kills_the_old_one(app, coordinator, codes):
    path = student_path(app, "Okafor")
    coordinator.open(path)
    page = coordinator.submit(path + "/code/reissue", {"format": "html"})
    [new_code] = slip_codes(page)
    assert "Ada Okafor" in page

    assert "We couldn't find that code" in StudentAtComputer(
        app.test_client()
    ).type_code(codes["Okafor"])
    assert StudentAtComputer(app.test_client()).type_code(new_code).path == (
        "/survey/introduction"
    )


def test_a_revoked_code_stops_working(app, coordinator, codes):
    path = student_path(app, "Okafor")
    coordinator.open(path)
    assert "The code is revoked" in coordinator.press(path + "/code/revoke")
    page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    assert "This code can't be used" in page


def test_a_list_of_opt_outs_is_recorded_all_or_nothing(app, coordinator, school):
    with app.app_context(), db.begin() as session:
        upns = dict(session.execute(select(Student.legal_surname, Student.upn)).all())
    path = f"/staff/schools/{URN}/opt-outs"
    coordinator.open(path)
    page = coordinator.submit(
        path,
        {
            "upns": f"{upns['Okafor']}\nA999999999999\n",
            "received_on": "2026-11-30",
            "received_via": "email",
        },
    )
    assert page.status == 422
    assert "line 2: no student of this school has the UPN 'A999999999999'" in page
    with app.app_context(), db.begin() as session:
        assert session.scalar(select(func.count()).select_from(OptOut)) == 0

    coordinator.open(path)
    page = coordinator.submit(
        path,
        {
            "upns": f"{upns['Okafor']}\n {upns['Lloyd'].lower()} \n",
            "received_on": "2026-11-30",
            "received_via": "email",
        },
    )
    assert "2 opt-outs recorded." in page
    with app.app_context(), db.begin() as session:
        assert session.scalar(select(func.count()).select_from(OptOut)) == 2


def test_a_deletion_request_erases_answers_and_leaves_a_tombstone(
    app, coordinator, codes
):
    student = StudentAtComputer(app.test_client())
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer(default="3")

    path = student_path(app, "Okafor")
    coordinator.open(path)
    page = coordinator.submit(path + "/erase", {"reason": "Asked in person on 3 Dec"})
    assert "15 answers erased" in page

    with app.app_context(), db.begin() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 0
        tombstone = session.scalars(
            select(AuditEvent).filter_by(action="answers.erased")
        ).one()
    assert tombstone.actor == "coordinator@school.invalid"
    assert tombstone.detail == "15 answers erased; reason: Asked in person on 3 Dec"
    assert "This code can't be used" in StudentAtComputer(app.test_client()).type_code(
        codes["Okafor"]
    )


def test_another_schools_student_is_refused(app, coordinator):
    with app.app_context(), db.begin() as session:
        other = factories.school(session, urn="999002", name="Other School")
        stranger = factories.student(session, other, "Sam", "Stranger")
        stranger_id = stranger.id
    page = coordinator.open(f"/staff/schools/{URN}/students/{stranger_id}")
    assert page.status == 403
    page = coordinator.open(f"/staff/schools/999002/students/{stranger_id}")
    assert page.status == 403
