"""Every page a student can meet passes axe-core and fits a 320 pixel wide screen.

One tour per database walks students through every page (see
``tour_of_every_student_page``); on each page two checks run as subtests,
reported by page name:

* axe-core (through axe-playwright-python) finds no violation, in an ordinary
  desktop window;
* at 320 x 640 pixels the page does not scroll sideways, and its buttons (or,
  on pages without a form, its links) can be scrolled to and seen whole.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import accessibility_violations, describe
from tests.browser.pages import STUDENT_PAGES, tour_of_every_student_page

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 720}
SMALL_SCREEN = {"width": 320, "height": 640}


def small_screen_problems(page: Page) -> list[str]:
    """Return what goes wrong with the page at 320 pixels wide."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > SMALL_SCREEN["width"]:
        problems.append(f"it scrolls sideways: the page is {width}px wide")
    main = page.get_by_role("main")
    actions = main.get_by_role("button").all() or main.get_by_role("link").all()
    if not actions:
        problems.append("it has no button or link to go on with")
    for action in actions:
        action.scroll_into_view_if_needed()
        try:
            expect(action).to_be_in_viewport(ratio=1, timeout=1_000)
        except AssertionError:
            problems.append(f"{action} cannot be seen whole")
    return problems


def test_every_student_page_is_accessible_and_fits_a_small_screen(
    new_student, codes, school_office, subtests
):
    seen = []
    for name, student in tour_of_every_student_page(
        lambda: new_student(viewport=DESKTOP), codes, school_office
    ):
        seen.append(name)
        with subtests.test("axe-core finds no violations", page=name):
            violations = accessibility_violations(student.page)
            if violations:
                print(f"axe-core on {name} ({student.page.url}):")
                print(describe(violations))
            assert not violations, f"on {name}:\n{describe(violations)}"

        student.page.set_viewport_size(SMALL_SCREEN)
        with subtests.test("fits a 320 pixel wide screen", page=name):
            problems = small_screen_problems(student.page)
            assert not problems, f"at 320px wide, on {name}: {problems}"
        student.page.set_viewport_size(DESKTOP)

    assert seen == STUDENT_PAGES


def test_axe_finds_a_problem_when_there_is_one(page):
    # The tour's check is only worth something if axe really runs in this browser.
    page.set_content(
        '<!doctype html><html lang="en"><title>Broken</title>'
        '<main><h1>Broken</h1><input type="text"></main></html>'
    )
    violations = accessibility_violations(page)
    assert [v["id"] for v in violations] == ["label"], describe(violations)
