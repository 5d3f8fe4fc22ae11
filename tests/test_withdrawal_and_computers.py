"""Stopping part-way, opt-outs during a survey, and one survey on one computer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from survey_app import runtime
from survey_app.db import db, utcnow
from survey_app.safeguarding.rules import Mode
from survey_app.schools.models import OptOut, Student
from survey_app.scoring.models import ResponseScore
from survey_app.survey import service
from survey_app.survey.errors import StudentMayNotContinue
from survey_app.survey.models import (
    Answer,
    PageSubmission,
    Response,
    ResponseState,
    ResponseStatus,
)
from tests import factories
from tests.student import Student as StudentAtComputer


def count(app, model) -> int:
    with app.app_context(), db.begin() as session:
        return session.scalar(select(func.count()).select_from(model))


def the_response(app) -> Response:
    with app.app_context(), db.begin() as session:
        return session.scalars(select(Response)).one()


def halfway(app, code) -> StudentAtComputer:
    student = StudentAtComputer(app.test_client())
    student.type_code(code)
    student.agree()
    student.answer(default="2")
    return student


def test_every_question_page_offers_to_stop(app, codes):
    student = halfway(app, codes["Okafor"])
    assert "Stop and leave the survey" in student.page
    page = student.open("/survey/stop")
    assert "Do you want to stop the survey?" in page


def test_stopping_keeps_the_answers_and_counts_as_a_withdrawal(app, codes):
    student = halfway(app, codes["Okafor"])
    student.open("/survey/stop")
    page = student.submit("/survey/stop", {"action": "keep"})

    assert page.path == "/goodbye"
    assert "You have stopped the survey" in page
    assert "The answers you gave before you stopped have been kept." in page
    assert "Childline" in page
    response = the_response(app)
    assert response.status is ResponseStatus.WITHDRAWN
    assert response.withdrawal_reason == "stopped"
    assert count(app, Answer) == 15
    assert "This code can't be used" in student.type_code(codes["Okafor"])


def test_stopping_and_deleting_erases_the_answers(app, codes):
    student = halfway(app, codes["Okafor"])
    student.open("/survey/stop")
    page = student.submit("/survey/stop", {"action": "delete"})

    assert "Your answers have been deleted." in page
    assert "have been kept" not in page
    assert the_response(app).withdrawal_reason == "stopped_deleted"
    assert count(app, Answer) == 0
    assert count(app, PageSubmission) == 0


def test_going_back_from_stopping_returns_to_the_questions(app, codes):
    student = halfway(app, codes["Okafor"])
    student.open("/survey/stop")
    page = student.submit("/survey/stop", {"action": "back"})
    assert page.path == "/survey/page/smfq"
    assert the_response(app).status is ResponseStatus.IN_PROGRESS


def test_an_opt_out_recorded_during_the_survey_stops_it_at_the_next_page(app, codes):
    student = halfway(app, codes["Okafor"])
    with app.app_context(), db.begin() as session:
        pupil = session.scalars(select(Student).filter_by(legal_surname="Okafor")).one()
        session.add(
            OptOut(
                student_id=pupil.id,
                received_on=date(2026, 12, 3),
                received_via="phone",
                recorded_by="Test coordinator",
            )
        )

    page = student.answer(default="1")
    assert page.status == 403
    assert "This code can't be used. Please ask your teacher." in page
    assert "opt" not in page.html.lower()  # the reason stays private
    assert count(app, Answer) == 15  # the SMFQ page was not saved
    assert student.type_code(codes["Okafor"]).status == 422


def test_a_code_in_use_cannot_be_opened_on_a_second_computer(app, codes):
    first = halfway(app, codes["Okafor"])
    second = StudentAtComputer(app.test_client())

    page = second.type_code(codes["Okafor"])
    assert page.status == 422
    assert "being used on another computer. Please ask your teacher" in page

    # The first computer carries on undisturbed.
    assert first.answer().path == "/survey/page/gad7"


def test_a_code_typed_on_two_computers_at_the_same_moment_opens_one_response(
    app, codes
):
    # The other computer starts the response between this one's look-up of
    # the code and its own start of the response.
    def other_computer_starts_first(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("INSERT INTO responses") and not started:
            started.append(True)
            with db.engine.begin() as other:
                other.execute(
                    Response.__table__.insert().values(
                        student_id=student_id,
                        wave_key=factories.BASELINE,
                        status=ResponseStatus.AWAITING_ASSENT,
                        browser_token="t" * 43,
                        held_by_computer="another computer",
                        created_at=utcnow(),
                        last_active_at=utcnow(),
                    )
                )

    started: list[bool] = []
    with app.app_context(), db.begin() as session:
        student_id = session.scalar(
            select(Student.id).where(Student.legal_surname == "Okafor")
        )
    event.listen(db.engine, "before_cursor_execute", other_computer_starts_first)
    try:
        page = StudentAtComputer(app.test_client()).type_code(codes["Okafor"])
    finally:
        event.remove(db.engine, "before_cursor_execute", other_computer_starts_first)

    assert started
    assert page.status == 422
    assert "being used on another computer. Please ask your teacher" in page
    assert count(app, Response) == 1
    assert the_response(app).elsewhere_attempt_at is not None


def test_after_the_teacher_releases_it_the_code_moves_to_another_computer(app, codes):
    first = halfway(app, codes["Okafor"])
    with app.app_context(), db.begin() as session:
        service.release_computer(session, session.scalars(select(Response)).one())

    second = StudentAtComputer(app.test_client())
    assert second.type_code(codes["Okafor"]).path == "/survey/page/smfq"
    # The old computer can no longer write into the survey.
    assert first.answer(default="0").status == 409
    assert second.answer(default="1").path == "/survey/page/gad7"
    with app.app_context(), db.begin() as session:
        values = set(
            session.scalars(select(Answer.value).where(Answer.item_id.like("smfq%")))
        )
    assert values == {1}


def test_an_idle_survey_can_be_carried_on_from_another_computer(
    app, codes, monkeypatch
):
    halfway(app, codes["Okafor"])
    later = utcnow() + service.COMPUTER_HOLD
    monkeypatch.setattr(service, "utcnow", lambda: later)

    second = StudentAtComputer(app.test_client())
    assert second.type_code(codes["Okafor"]).path == "/survey/page/smfq"


def test_guessing_at_one_codes_prefix_from_many_computers_is_paused(app, codes):
    prefix = codes["Okafor"][:5]
    for letter in "ABCDEFGHJK":
        guesser = StudentAtComputer(app.test_client())
        assert guesser.type_code(f"{prefix}-{letter * 5}").status == 422
    guesser = StudentAtComputer(app.test_client())
    assert guesser.type_code(f"{prefix}-ZZZZZ").status == 429
    # Other students' codes are untouched.
    other = StudentAtComputer(app.test_client())
    assert other.type_code(codes["Price"]).path == "/survey/introduction"


def test_sixty_valid_codes_typed_from_one_address_in_a_minute_all_work(app, settings):
    from tests import factories

    with app.app_context(), db.begin() as session:
        school = factories.school(session, urn="999060")
        for number in range(60):
            factories.student(session, school, "Robin", f"Pupil{number:02d}")
    codes = factories.issue_codes(app, school, settings)

    opened = [
        StudentAtComputer(app.test_client()).type_code(code).path
        for code in codes.values()
    ]
    assert opened == ["/survey/introduction"] * 60


# A page whose request started before the survey closed ------------------------


def state_now(app) -> ResponseState:
    """Return the response as a request starting now would read it."""
    with app.app_context(), db.begin() as session:
        response = session.scalars(select(Response)).one()
        student_pass = service.StudentPass(response.id, response.browser_token)
        return service.response_for_pass(session.connection(), student_pass)


def finish_saving(app, state: ResponseState, page_key: str) -> service.Saved:
    """Finish saving a page (every item answered 0) for a request that read
    the response as ``state`` when it started."""
    with app.test_request_context():
        wave = runtime.catalogue().wave(state.wave_key)
        page = wave.question_page(page_key)
        assert page is not None
        safeguarding = service.Safeguarding(wave.alert_rules, Mode.DSL_ALERT, "")
        return service.save_page(
            db.connection(),
            state,
            wave,
            page,
            {item.id: 0 for item in page.items},
            safeguarding,
        )


def test_a_save_still_under_way_when_the_student_stopped_stores_nothing(app, codes):
    student = halfway(app, codes["Okafor"])
    started = state_now(app)  # the page's request has read the response...
    student.open("/survey/stop")  # ...when another tab stops and deletes
    student.submit("/survey/stop", {"action": "delete"})

    with pytest.raises(StudentMayNotContinue):
        finish_saving(app, started, "smfq")
    assert count(app, Answer) == 0
    assert count(app, PageSubmission) == 0
    assert the_response(app).withdrawal_reason == "stopped_deleted"


def test_a_second_click_on_finish_changes_nothing(app, codes):
    student = halfway(app, codes["Okafor"])
    for _ in range(10):
        if student.page.path == "/survey/page/support":
            break
        student.carry_on() if student.on_help_page else student.answer()
    assert student.page.path == "/survey/page/support"  # the last page
    started = state_now(app)  # the second click's request has read the response
    assert student.answer().path in ("/survey/end", "/survey/help")
    finished = the_response(app)
    scores = count(app, ResponseScore)

    saved = finish_saving(app, started, "support")
    assert saved.next_page.kind == "end"
    assert the_response(app).completed_at == finished.completed_at
    assert count(app, ResponseScore) == scores


def test_answers_erased_during_the_survey_stop_it_at_the_next_page(app, codes):
    student = halfway(app, codes["Okafor"])
    with app.app_context(), db.begin() as session:
        response = session.scalars(select(Response)).one()
        response.status = ResponseStatus.WITHDRAWN
        response.withdrawal_reason = "erased_on_request"

    page = student.open("/survey")
    assert page.status == 403
    assert "This code can't be used. Please ask your teacher." in page
