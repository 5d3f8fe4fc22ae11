"""People at browsers, and a tour of every page a student can meet.

``Visitor`` wraps a Playwright page and finds things as a person does: by
headings, labels and button text, never by CSS ids. ``Student`` adds what a
student does (type a code, agree, answer a page, skip a question, finish);
staff are in ``staff_pages``. Every action that sends a form waits for the
next page to load, so the checks that follow do not have to poll for it.

``tour_of_every_student_page`` walks a few students through every page of
the survey, for the tests that look at each page in turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from playwright.sync_api import Locator, Page, expect

#: A code that is well formed but was never issued.
UNKNOWN_CODE = "KM7QX-2P9RT"
#: More such codes, each starting differently (wrong codes are counted per start).
MISTYPED_CODES = [f"KM7Q{letter}-2P9RT" for letter in "ABCDEF"]
#: The question pages of the demo baseline, in order, by address.
QUESTION_PAGES = ["scwbs", "smfq", "gad7", "phqa", "support"]
PAGE_COUNT = len(QUESTION_PAGES)
SKIP = "Prefer not to say"
#: PHQ-A item 9: any answer above "Not at all" sends the student to the help page.
SELF_HARM = "Thoughts that you would be better off dead, or of hurting yourself"


def question_path(number: int) -> str:
    """Return the address of question page ``number`` (from 1)."""
    return f"/survey/page/{QUESTION_PAGES[number - 1]}"


class Visitor:
    """One person at one browser (one browser context: one cookie jar)."""

    def __init__(self, page: Page, server: str) -> None:
        self.page = page
        self.server = server

    def url(self, path: str = "/") -> str:
        """Return the full address of ``path`` on the survey server."""
        return self.server + path

    # What they see ---------------------------------------------------------

    @property
    def heading(self) -> Locator:
        """The page's main heading."""
        return self.page.get_by_role("heading", level=1)

    @property
    def error_summary(self) -> Locator:
        """The "There is a problem" box."""
        return self.page.get_by_role("alert")

    @property
    def notice(self) -> Locator:
        """A message at the top of the page."""
        return self.page.get_by_role("status")

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def link(self, name: str) -> Locator:
        return self.page.get_by_role("main").get_by_role("link", name=name, exact=True)

    def should_be_on(self, path: str, heading: str | re.Pattern[str]) -> None:
        """Check the address bar and the main heading."""
        expect(self.page).to_have_url(self.url(path))
        expect(self.heading).to_have_text(heading)

    # What they do ----------------------------------------------------------

    def open(self, path: str) -> None:
        """Type an address into the address bar."""
        self.page.goto(self.url(path))

    def press_button(self, name: str) -> None:
        """Click a button that sends the page's form, and wait for the next page."""
        with self.page.expect_navigation():
            self.button(name).click()

    def follow_link(self, name: str) -> None:
        """Click a link in the page's main part, and wait for the next page."""
        with self.page.expect_navigation():
            self.link(name).click()


class Student(Visitor):
    """A student at their own browser."""

    def __init__(self, page: Page, server: str) -> None:
        super().__init__(page, server)
        #: Every address the page asked for, from the first page on.
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))

    # What the student sees -------------------------------------------------

    @property
    def code_box(self) -> Locator:
        """The box for the access code, found by its label."""
        return self.page.get_by_role(
            "textbox", name="Type the access code from your slip"
        )

    @property
    def skip_link(self) -> Locator:
        return self.page.get_by_role("link", name="Skip to main content")

    def questions(self) -> list[Locator]:
        """Return the questions on this page: one group (fieldset) each."""
        return self.page.get_by_role("main").get_by_role("group").all()

    def question(self, wording: str) -> Locator:
        """Return the question whose legend contains ``wording``."""
        return self.page.get_by_role("group", name=wording)

    def option(self, wording: str, label: str) -> Locator:
        """Return the radio button ``label`` of the question ``wording``."""
        return self.question(wording).get_by_role("radio", name=label, exact=True)

    def should_be_on_question_page(self, number: int) -> None:
        """Check that this is question page ``number`` of 5."""
        expect(self.page).to_have_url(self.url(question_path(number)))
        of = f"Page {number} of {PAGE_COUNT}"
        expect(self.page).to_have_title(re.compile(rf"^{of} "))
        expect(self.page.get_by_text(of, exact=True)).to_be_visible()

    def should_be_on_help_page(self) -> None:
        """Check that this is the page shown after a worrying answer."""
        help_page = re.escape(self.url("/survey/help"))
        expect(self.page).to_have_url(re.compile(help_page + r"(\?asked=[01])?$"))
        expect(self.heading).to_have_text("Thank you for telling us")

    # What the student does -------------------------------------------------

    def open_code_page(self) -> None:
        """Open the survey's address, as the teacher wrote it on the board."""
        self.open("/")
        expect(self.heading).to_have_text("Welcome")

    def press(self, key: str, times: int = 1) -> None:
        """Press a key on the keyboard, ``times`` times."""
        for _ in range(times):
            self.page.keyboard.press(key)

    def send_with_key(self, key: str) -> None:
        """Press a key that sends the form (Enter, Space), and wait for the page."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)

    def type_code(self, code: str) -> None:
        """Click the code box, type the code from the slip, and press Start."""
        if self.page.url != self.url("/"):
            self.open_code_page()
        self.code_box.click()
        self.code_box.fill(code)
        self.press_button("Start")

    def agree(self) -> None:
        """Say yes on the introduction page."""
        self.press_button("Yes, I want to take part")

    def decline(self) -> None:
        """Say no on the introduction page."""
        self.press_button("No, I don't want to take part")

    def confirm_decline(self) -> None:
        """Confirm, on the "Are you sure?" page, not to take part."""
        self.press_button("Yes, I don't want to take part")

    def choose(self, wording: str, label: str) -> None:
        """Click the answer ``label`` (its text) of the question ``wording``."""
        question = self.question(wording)
        question.get_by_text(label, exact=True).click()
        expect(question.get_by_role("radio", name=label, exact=True)).to_be_checked()

    def skip_item(self, wording: str) -> None:
        """Choose "Prefer not to say" for one question."""
        self.choose(wording, SKIP)

    def answer_page(
        self, answer: str, exceptions: Mapping[str, str] | None = None
    ) -> None:
        """Click ``answer`` in every question of the page, by its label text.

        ``exceptions`` maps part of a question's wording to another answer.
        """
        exceptions = exceptions or {}
        main = self.page.get_by_role("main")
        legends = main.get_by_role("group").locator("legend").all_inner_texts()
        chosen = [
            next((a for w, a in exceptions.items() if w in legend), answer)
            for legend in legends
        ]
        questions = self.questions()
        for question, label in zip(questions, chosen, strict=True):
            question.get_by_text(label, exact=True).click()
        for question, label in zip(questions, chosen, strict=True):
            radio = question.get_by_role("radio", name=label, exact=True)
            expect(radio).to_be_checked()

    def save_and_continue(self) -> None:
        self.press_button("Save and continue")

    def finish(self) -> None:
        """Press "Finish" on the last question page."""
        self.press_button("Finish")

    def close_survey(self) -> None:
        """Press "Close the survey" on the end page, for the next student."""
        self.press_button("Close the survey")

    def carry_on(self) -> None:
        """Follow "Carry on with the survey" from the help page."""
        self.follow_link("Carry on with the survey")

    def leave_the_rest_blank(self) -> None:
        """Press on through the remaining question pages without answering; finish."""
        for _ in range(PAGE_COUNT):
            if self.button("Finish").count():
                break
            self.save_and_continue()
        self.finish()

    # What only a tamperer, or a long wait, does -----------------------------

    def send_an_answer_that_is_not_offered(self, wording: str) -> None:
        """Change an answer's value with the browser's developer tools, send it."""
        radio = self.question(wording).get_by_role("radio").first
        radio.evaluate("radio => { radio.value = '9'; }")
        radio.check()

    def let_the_form_expire(self) -> None:
        """Spoil the page's form token, as time does to a page left open too long.

        Flask-WTF answers an expired token and a spoilt one alike.
        """
        token = self.page.locator("input[name=csrf_token]")
        token.evaluate("input => { input.value = 'expired'; }")

    def lose_the_session(self) -> None:
        """Lose the browser's cookies, as when a shared computer is cleaned."""
        self.page.context.clear_cookies()


# A tour of every student page ----------------------------------------------


class SchoolOffice(Protocol):
    """What staff do, out of the students' sight, that changes their pages."""

    def release_code(self, surname: str) -> None:
        """Free a student's survey from the computer it was opened on."""

    def record_opt_out(self, surname: str) -> None:
        """Record a parent's opt-out for a student."""


def tour_of_every_student_page(
    seat: Callable[[], Student], codes: Mapping[str, str], office: SchoolOffice
) -> Iterator[tuple[str, Student]]:
    """Walk students through every page a student can meet, on two computers.

    Yields each page's name and the student looking at it, once the page has
    loaded and shows what it should. ``seat`` gives a new student at their own
    browser; ``codes`` are printed codes by surname (Okafor, Price, Lloyd,
    Shah and Nowak); ``office`` releases codes and records opt-outs.
    """
    # Okafor takes the survey at the first computer, meeting every message.
    computer = seat()
    computer.open_code_page()
    yield "code page", computer

    computer.type_code(UNKNOWN_CODE)
    expect(computer.error_summary).to_contain_text("We couldn't find that code.")
    yield "code page with an error", computer

    computer.type_code(codes["Okafor"])
    computer.should_be_on("/survey/introduction", "About this survey")
    yield "introduction", computer

    computer.decline()
    computer.should_be_on(
        "/survey/decline", "Are you sure you don't want to take part?"
    )
    yield "decline confirmation", computer

    computer.press_button("Go back")
    computer.agree()
    computer.should_be_on_question_page(1)
    yield "question page 1", computer

    computer.send_an_answer_that_is_not_offered("I think good things will happen")
    computer.save_and_continue()
    computer.should_be_on_question_page(1)
    expect(computer.error_summary).to_contain_text("nothing from it was saved")
    yield "question page 1 with an answer not offered", computer

    computer.save_and_continue()  # left blank: every question skipped
    computer.should_be_on_question_page(2)
    yield "question page 2", computer

    computer.choose("I felt miserable or unhappy.", "Sometimes")
    computer.let_the_form_expire()
    computer.save_and_continue()
    computer.should_be_on_question_page(2)
    expect(computer.error_summary).to_contain_text("Your answers are still ticked")
    yield "question page 2 after its form expired", computer

    computer.save_and_continue()
    computer.should_be_on_question_page(3)
    yield "question page 3", computer

    computer.save_and_continue()
    computer.should_be_on_question_page(4)
    yield "question page 4", computer

    computer.choose(SELF_HARM, "Several days")
    computer.save_and_continue()
    computer.should_be_on_help_page()
    yield "help page", computer

    computer.carry_on()
    computer.should_be_on_question_page(5)
    yield "question page 5", computer

    computer.finish()
    computer.should_be_on("/survey/end", "You have finished. Thank you!")
    yield "end page", computer

    computer.close_survey()
    computer.should_be_on("/", "Welcome")
    expect(computer.notice).to_contain_text("The next student can type their code")
    yield "code page for the next student", computer

    computer.open("/survey/pag/scwbs")
    expect(computer.heading).to_have_text("Page not found")
    yield "page not found", computer

    # Price, next at this computer, says no.
    computer.type_code(codes["Price"])
    computer.decline()
    computer.confirm_decline()
    computer.should_be_on("/goodbye", "Thank you")
    expect(
        computer.page.get_by_text("You have chosen not to take part.")
    ).to_be_visible()
    yield "goodbye", computer

    # Lloyd starts here, then tries a second computer before the teacher
    # releases the code; the first computer can no longer save.
    computer.follow_link("Back to the start")
    computer.type_code(codes["Lloyd"])
    computer.agree()
    computer.should_be_on_question_page(1)
    second_computer = seat()
    second_computer.type_code(codes["Lloyd"])
    expect(second_computer.error_summary).to_contain_text(
        "This code is being used on another computer."
    )
    yield "code page with the code in use elsewhere", second_computer

    office.release_code("Lloyd")
    second_computer.type_code(codes["Lloyd"])
    second_computer.should_be_on_question_page(1)
    computer.save_and_continue()
    expect(computer.heading).to_have_text("Your survey was opened somewhere else")
    yield "opened somewhere else", computer

    second_computer.follow_link("Stop and leave the survey")
    expect(second_computer.heading).to_have_text("Do you want to stop the survey?")
    yield "stop page", second_computer

    second_computer.press_button("Stop and keep my answers")
    second_computer.should_be_on("/goodbye?stopped=kept", "Thank you")
    expect(
        second_computer.page.get_by_text("You have stopped the survey.")
    ).to_be_visible()
    expect(
        second_computer.page.get_by_text("The answers you gave before you stopped")
    ).to_be_visible()
    yield "goodbye after stopping", second_computer

    # Shah's parent opts out while Shah is taking the survey.
    computer.follow_link("Type your code")
    computer.type_code(codes["Shah"])
    computer.agree()
    computer.should_be_on_question_page(1)
    office.record_opt_out("Shah")
    computer.save_and_continue()
    expect(computer.heading).to_have_text("This code can't be used")
    yield "cannot continue", computer

    # Nowak's computer loses its cookies while a page is open.
    computer.follow_link("Back to the start")
    computer.type_code(codes["Nowak"])
    computer.agree()
    computer.should_be_on_question_page(1)
    computer.lose_the_session()
    computer.save_and_continue()
    expect(computer.heading).to_have_text("This page has expired")
    yield "page expired", computer

    computer.follow_link("Back to the start")
    computer.lose_the_session()
    computer.type_code(codes["Nowak"])
    expect(computer.notice).to_contain_text("Please type your code again.")
    yield "code page after the form expired", computer

    # A student who keeps mistyping is asked to wait.
    for code in MISTYPED_CODES[:5]:
        computer.type_code(code)
        expect(computer.error_summary).to_contain_text("We couldn't find that code.")
    computer.type_code(MISTYPED_CODES[5])
    expect(computer.heading).to_have_text("Please wait a minute")
    yield "too many attempts", computer


#: Every page the tour visits, in order.
STUDENT_PAGES = [
    "code page",
    "code page with an error",
    "introduction",
    "decline confirmation",
    "question page 1",
    "question page 1 with an answer not offered",
    "question page 2",
    "question page 2 after its form expired",
    "question page 3",
    "question page 4",
    "help page",
    "question page 5",
    "end page",
    "code page for the next student",
    "page not found",
    "goodbye",
    "code page with the code in use elsewhere",
    "opened somewhere else",
    "stop page",
    "goodbye after stopping",
    "cannot continue",
    "page expired",
    "code page after the form expired",
    "too many attempts",
]
