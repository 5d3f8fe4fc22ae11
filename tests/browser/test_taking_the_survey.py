"""A student takes the whole survey in Chromium by mouse, with and without
JavaScript, meets the help page after a worrying answer and carries on, and
nothing on the way is fetched from outside the survey server."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Response, request, request_finished
from playwright.sync_api import expect

from tests.browser.pages import SELF_HARM, SKIP, Student

pytestmark = pytest.mark.browser

HOST = "127.0.0.1"


def take_the_whole_survey(student: Student, code: str) -> None:
    """Type the code, agree, answer the five pages by clicking labels, finish.

    One answer on the PHQ-A page is worrying, so the help page comes on the way.
    """
    student.open_code_page()
    expect(student.page).to_have_title("Type your access code – Wellbeing survey")
    student.type_code(code)

    student.should_be_on("/survey/introduction", "About this survey")
    expect(student.page.get_by_text("There are 5 pages of questions.")).to_be_visible()
    student.agree()

    student.should_be_on_question_page(1)
    expect(student.heading).to_contain_text("over the last couple of weeks")
    student.answer_page("Some of the time", {"I have always told the truth": SKIP})
    student.save_and_continue()

    student.should_be_on_question_page(2)
    student.answer_page("Not true")
    student.skip_item("I didn't enjoy anything at all.")  # a change of mind
    student.save_and_continue()

    student.should_be_on_question_page(3)
    student.answer_page("Several days")
    student.save_and_continue()

    student.should_be_on_question_page(4)
    student.answer_page("Not at all", {SELF_HARM: "Several days"})
    student.save_and_continue()

    student.should_be_on_help_page()
    expect(student.page.get_by_text("You are not alone")).to_be_visible()
    childline = student.page.get_by_role("listitem").filter(has_text="Childline")
    expect(childline).to_contain_text("Call 0800 1111")
    student.carry_on()

    student.should_be_on_question_page(5)
    expect(student.button("Save and continue")).to_have_count(0)
    student.answer_page("No, thank you")
    student.finish()


@pytest.mark.parametrize(
    "javascript", [True, False], ids=["javascript-on", "javascript-off"]
)
def test_a_student_finishes_by_mouse_and_the_code_is_then_refused(
    app, new_student, codes, javascript
):
    student = new_student(java_script_enabled=javascript)
    served: list[tuple[str, int]] = []

    def note(_sender: object, response: Response, **_extra: object) -> None:
        served.append((request.path, response.status_code))

    with request_finished.connected_to(note, app):
        take_the_whole_survey(student, codes["Okafor"])

    # The stylesheet and the icon are fetched once, not again for every page;
    # nothing the pages ask for is missing.
    paths = [path for path, _status in served]
    assert paths.count("/static/survey.css") == 1
    assert paths.count("/static/favicon.ico") <= 1
    assert [(path, status) for path, status in served if status >= 400] == []

    student.should_be_on("/survey/end", "You have finished. Thank you!")
    expect(
        student.page.get_by_role("heading", name="If you want to talk to someone")
    ).to_be_visible()
    childline = student.page.get_by_role("listitem").filter(has_text="Childline")
    expect(childline).to_contain_text("Call 0800 1111")

    student.close_survey()
    student.should_be_on("/", "Welcome")
    expect(student.notice).to_have_text(
        "Thank you. The next student can type their code now."
    )

    # The next student presses Back: nothing of the finished survey comes back.
    student.page.go_back()
    student.should_be_on("/", "Welcome")
    expect(student.notice).to_have_text(
        "Please type the code from your slip to continue."
    )

    student.type_code(codes["Okafor"])
    expect(student.page).to_have_url(student.url("/"))
    expect(student.error_summary).to_contain_text("There is a problem")
    expect(student.error_summary).to_contain_text(
        "This code has already been used to finish the survey."
    )
    expect(student.code_box).to_have_accessible_description(
        re.compile("already been used to finish the survey")
    )

    # Not one request of the whole run went anywhere but the survey server.
    stylesheet = re.compile(re.escape(student.url("/static/survey.css?v=")))
    assert any(stylesheet.match(url) for url in student.requests)  # it did listen
    elsewhere = [url for url in student.requests if urlsplit(url).hostname != HOST]
    assert elsewhere == [], f"the page asked for addresses elsewhere: {elsewhere}"
