"""A student takes the survey with a code, from the code page to the end page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from survey_app.db import db
from survey_app.survey.models import Answer, PageSubmission, Response, ResponseStatus
from tests.student import Student

PAGES = ["scwbs", "smfq", "gad7", "phqa", "support"]


def stored_answers(app: Flask) -> dict[str, tuple[int | None, bool]]:
    with app.app_context(), db.begin() as session:
        rows = session.execute(select(Answer.item_id, Answer.value, Answer.skipped))
        return {item: (value, skipped) for item, value, skipped in rows}


def the_response(app: Flask) -> Response:
    with app.app_context(), db.begin() as session:
        return session.scalars(select(Response)).one()


def test_a_student_completes_the_questionnaire(app, client, codes):
    student = Student(client)

    page = student.type_code(codes["Okafor"])
    assert page.path == "/survey/introduction"
    assert "Do you want to take part?" in page

    page = student.agree()
    assert page.path == "/survey/page/scwbs"
    assert "Page 1 of 5" in page
    assert "I think good things will happen in my life" in page

    seen = []
    while student.page.path.startswith("/survey/page/"):
        seen.append(student.page.path.rsplit("/", 1)[1])
        # No worrying answers here: the help page has tests of its own.
        student.answer({"phqa_9": "0", "support_1": "0"}, default="1")
    assert seen == PAGES
    assert student.page.path == "/survey/end"
    assert "Childline" in student.page
    assert "0800 1111" in student.page

    response = the_response(app)
    assert response.status is ResponseStatus.COMPLETED
    assert response.completed_at is not None
    assert len(stored_answers(app)) == 15 + 13 + 7 + 9 + 1

    page = student.submit("/survey/end", {})
    assert page.path == "/"
    assert "The next student can type their code now." in page


def test_the_code_is_refused_after_completion_without_a_second_response(
    app, client, codes
):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    student.finish_all_pages()
    student.submit("/survey/end", {})

    page = student.type_code(codes["Okafor"])
    assert page.status == 422
    assert "already been used to finish the survey" in page
    with app.app_context(), db.begin() as session:
        assert len(session.scalars(select(Response)).all()) == 1


def test_codes_are_accepted_in_any_case_with_or_without_spaces(client, codes):
    code = codes["Price"]
    typed = " " + code.lower().replace("-", " ") + " "
    assert Student(client).type_code(typed).path == "/survey/introduction"


def test_a_student_resumes_at_the_first_unanswered_page(app, codes):
    first_computer = Student(app.test_client())
    first_computer.type_code(codes["Lloyd"])
    first_computer.agree()
    first_computer.answer(default="2")
    first_computer.answer(default="0")
    assert first_computer.page.path == "/survey/page/gad7"

    # The browser crashes and loses its session; the student types the code
    # again on the same computer.
    restarted = app.test_client()
    restarted.set_cookie("survey_computer", first_computer.computer_id)
    page = Student(restarted).type_code(codes["Lloyd"])
    assert page.path == "/survey/page/gad7"
    assert "Page 3 of 5" in page

    answers = stored_answers(app)
    assert answers["scwbs_1"] == (2, False)
    assert answers["smfq_13"] == (0, False)
    assert not any(item.startswith("gad7") for item in answers)


def test_going_back_shows_saved_answers_and_resubmitting_replaces_them(
    app, client, codes
):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer(default="3")

    page = student.open("/survey/page/scwbs")
    assert 'name="scwbs_1" value="3" checked' in page
    student.answer({"scwbs_1": "5"}, default="3")

    assert stored_answers(app)["scwbs_1"] == (5, False)
    assert student.page.path == "/survey/page/smfq"


def test_pages_beyond_the_next_unanswered_one_are_not_shown(client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    assert student.open("/survey/page/phqa").path == "/survey/page/scwbs"
    assert student.open("/survey/end").path == "/survey/page/scwbs"


def test_a_double_clicked_submit_saves_once_and_moves_on_once(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    token = student.page.csrf_token
    form = {"csrf_token": token} | {name: "4" for name in student.page.radio_names()}

    first = client.post("/survey/page/scwbs", data=form)
    second = client.post("/survey/page/scwbs", data=form)

    assert first.status_code == second.status_code == 303
    assert first.location == second.location == "/survey/page/smfq"
    with app.app_context(), db.begin() as session:
        pages = session.scalars(select(PageSubmission.page_key)).all()
    assert pages == ["scwbs"]
    assert len(stored_answers(app)) == 15


def test_a_repeated_submit_of_the_last_page_keeps_the_completion(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    for _ in PAGES[:-1]:
        student.answer({"phqa_9": "0"})
    form = {"csrf_token": student.page.csrf_token, "support_1": "0"}
    for _ in range(2):
        landed = client.post("/survey/page/support", data=form, follow_redirects=True)
        assert landed.request.path == "/survey/end"
    assert the_response(app).status is ResponseStatus.COMPLETED


def test_skipped_is_stored_as_skipped_and_zero_as_zero(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    student.answer()  # Stirling, all 1
    student.answer({"smfq_1": "0", "smfq_2": "skip"}, default=None)

    answers = stored_answers(app)
    assert answers["smfq_1"] == (0, False)
    assert answers["smfq_2"] == (None, True)
    # Left blank on a submitted page: skipped too, never 0.
    assert answers["smfq_3"] == (None, True)
    page = student.open("/survey/page/smfq")
    assert 'name="smfq_2" value="skip" checked' in page
    assert 'name="smfq_1" value="0" checked' in page


def test_declining_ends_kindly_and_is_recorded_as_a_withdrawal(app, client, codes):
    student = Student(client)
    student.type_code(codes["Price"])
    page = student.submit("/survey/introduction", {"action": "decline"})
    assert "Are you sure" in page

    page = student.submit("/survey/decline", {"action": "confirm"})
    assert page.path == "/goodbye"
    assert "That's completely fine" in page
    response = the_response(app)
    assert response.status is ResponseStatus.WITHDRAWN
    assert response.withdrawal_reason == "declined_assent"

    page = student.type_code(codes["Price"])
    assert "This code can't be used. Please ask your teacher." in page


def test_going_back_from_declining_leads_to_the_introduction(app, client, codes):
    student = Student(client)
    student.type_code(codes["Price"])
    student.submit("/survey/introduction", {"action": "decline"})
    page = student.submit("/survey/decline", {"action": "back"})
    assert page.path == "/survey/introduction"
    assert the_response(app).status is ResponseStatus.AWAITING_ASSENT


def test_an_old_tab_cannot_save_after_the_code_is_typed_in_a_new_one(app, codes):
    first = Student(app.test_client())
    first.type_code(codes["Okafor"])
    first.agree()
    second_tab = app.test_client()
    second_tab.set_cookie("survey_computer", first.computer_id)
    Student(second_tab).type_code(codes["Okafor"])

    page = first.answer(default="5")
    assert page.status == 409
    assert "opened somewhere else" in page
    assert stored_answers(app) == {}


def test_without_a_code_the_survey_pages_lead_to_the_code_page(client):
    student = Student(client)
    page = student.open("/survey/page/scwbs")
    assert page.path == "/"
    assert "Please type the code from your slip to continue." in page


def test_finishing_clears_the_computer_for_the_next_student(app, client, codes):
    student = Student(client)
    student.type_code(codes["Okafor"])
    student.agree()
    student.finish_all_pages()
    student.submit("/survey/end", {})

    # The next student presses Back: nothing of the previous student is shown.
    assert student.open("/survey/page/phqa").path == "/"
    assert student.open("/survey/end").path == "/"
