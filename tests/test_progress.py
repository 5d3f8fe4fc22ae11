"""Completion figures: who counts as eligible, started and completed."""

from __future__ import annotations

from datetime import date

from survey_app.db import db, utcnow
from survey_app.progress.service import completion_by_school
from survey_app.runtime import catalogue
from survey_app.schools.models import OptOut, Student
from tests import factories
from tests.student import Student as StudentAtComputer


def test_figures_follow_the_trials_definitions(app, settings):
    with app.app_context(), db.begin() as session:
        school = factories.school(session)
        for surname in [
            "Left",
            "OptedOut",
            "Withdrew",
            "Done",
            "Halfway",
            "NotYet1",
            "NotYet2",
        ]:
            factories.student(session, school, "Sam", surname)
        factories.student(session, school, "Sam", "YearEight", year_group=8)
    codes = factories.issue_codes(app, school, settings)

    def start(surname):
        student = StudentAtComputer(app.test_client())
        student.type_code(codes[surname])
        return student

    for surname in ["OptedOut", "Done"]:
        student = start(surname)
        student.agree()
        student.finish_all_pages()
    start("Halfway").agree()
    withdrew = start("Withdrew")
    withdrew.submit("/survey/introduction", {"action": "decline"})
    withdrew.submit("/survey/decline", {"action": "confirm"})

    with app.app_context(), db.begin() as session:
        by_surname = {s.legal_surname: s for s in session.query(Student)}
        by_surname["Left"].left_at = utcnow()
        # A late opt-out, after the student had already completed.
        session.add(
            OptOut(
                student_id=by_surname["OptedOut"].id,
                received_on=date(2026, 11, 30),
                received_via="letter",
                recorded_by="Test coordinator",
            )
        )

    with app.app_context(), db.begin() as session:
        [figures] = completion_by_school(session, catalogue().wave("demo/baseline"))

    assert figures.as_dict() == {
        "school_urn": "999001",
        "school_name": "Test School",
        "wave": "demo/baseline",
        "on_roll": 6,
        "opted_out": 1,
        "withdrawn": 1,
        "eligible": 4,
        "started": 2,
        "in_progress": 1,
        "completed": 1,
        "completion_rate": 0.25,
        "completed_of_on_roll": 0.1667,
        "target_rate": 0.8,
        "more_needed": 3,
    }


def test_a_reversed_opt_out_counts_the_student_again(app):
    with app.app_context(), db.begin() as session:
        school = factories.school(session)
        student = factories.student(session, school, "Ola", "Nowak")
        session.add(
            OptOut(
                student_id=student.id,
                received_on=date(2026, 11, 1),
                received_via="email",
                recorded_by="Test coordinator",
                reversed_at=utcnow(),
                reversed_by="Test coordinator",
            )
        )
    with app.app_context(), db.begin() as session:
        [figures] = completion_by_school(session, catalogue().wave("demo/baseline"))
    assert (figures.on_roll, figures.opted_out, figures.eligible) == (1, 0, 1)


def test_a_school_with_nobody_eligible_has_no_rate(app):
    with app.app_context(), db.begin() as session:
        factories.school(session)
    with app.app_context(), db.begin() as session:
        [figures] = completion_by_school(session, catalogue().wave("demo/baseline"))
    assert figures.completion_rate is None
    assert figures.more_needed == 0


def test_eighty_percent_needs_rounding_up(app, settings):
    with app.app_context(), db.begin() as session:
        school = factories.school(session)
        for number in range(11):
            factories.student(session, school, "Kit", f"Number{number}")
    with app.app_context(), db.begin() as session:
        [figures] = completion_by_school(session, catalogue().wave("demo/baseline"))
    # 80% of 11 is 8.8: nine completions are needed, not eight.
    assert figures.more_needed == 9
