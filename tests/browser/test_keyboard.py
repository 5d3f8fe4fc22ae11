"""A student who uses only the keyboard can type the code and answer questions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import SKIP, question_path

pytestmark = pytest.mark.browser

FIRST = "I think good things will happen in my life"
SECOND = "I have always told the truth"
THIRD = "I've been able to make choices easily"
LAST = "I've been feeling relaxed"
MISERABLE = "I felt miserable or unhappy."


def test_a_student_moves_through_the_survey_by_keyboard_alone(student, codes):
    student.open_code_page()
    student.press("Tab")
    expect(student.skip_link).to_be_focused()
    expect(student.skip_link).to_be_in_viewport()
    student.press("Tab")
    expect(student.code_box).to_be_focused()
    student.page.keyboard.type(codes["Okafor"])
    student.send_with_key("Enter")

    student.should_be_on("/survey/introduction", "About this survey")
    student.press("Tab", 2)  # past the skip link
    expect(student.button("Yes, I want to take part")).to_be_focused()
    student.send_with_key("Enter")

    # Page 1: the skip link leads into the page; arrows move between answers.
    student.should_be_on_question_page(1)
    student.press("Tab")
    expect(student.skip_link).to_be_focused()
    student.press("Enter")
    expect(student.page.get_by_role("main")).to_be_focused()
    student.press("Tab")
    expect(student.option(FIRST, "Never")).to_be_focused()
    student.press("Space")
    expect(student.option(FIRST, "Never")).to_be_checked()
    student.press("ArrowDown", 2)
    expect(student.option(FIRST, "Some of the time")).to_be_checked()
    expect(student.option(FIRST, "Never")).not_to_be_checked()
    student.press("Tab")
    expect(student.option(SECOND, "Never")).to_be_focused()
    student.press("ArrowUp")  # round to the last answer
    expect(student.option(SECOND, SKIP)).to_be_checked()
    for _ in range(13):  # questions 3 to 15: the first answer of each
        student.press("Tab")
        student.press("Space")
    student.press("Tab")
    expect(student.button("Save and continue")).to_be_focused()
    student.send_with_key("Enter")

    # Page 2: one answer, twelve questions left blank, Space on the button.
    student.should_be_on_question_page(2)
    student.press("Tab", 2)
    expect(student.option(MISERABLE, "Not true")).to_be_focused()
    student.press("ArrowRight", 2)
    expect(student.option(MISERABLE, "True")).to_be_checked()
    student.press("Tab", 13)
    expect(student.button("Save and continue")).to_be_focused()
    student.send_with_key("Space")
    student.should_be_on_question_page(3)

    # Going back to the pages shows what was chosen from the keyboard.
    student.open(question_path(1))
    expect(student.option(FIRST, "Some of the time")).to_be_checked()
    expect(student.option(SECOND, SKIP)).to_be_checked()
    expect(student.option(THIRD, "Never")).to_be_checked()
    expect(student.option(LAST, "Never")).to_be_checked()
    student.open(question_path(2))
    expect(student.option(MISERABLE, "True")).to_be_checked()
