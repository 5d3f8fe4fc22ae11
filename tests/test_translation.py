"""Every piece of interface text on the student pages is marked for translation.

A pseudo-translation wraps every marked message in ⟦ ⟧; any visible text left
unwrapped on a page was not marked. Instrument wording is exempt: it is shown
only in its rights holder's validated wording, never through the catalogue.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo

from survey_app import create_app
from survey_app.config import PROJECT_ROOT
from survey_app.survey.help import NATIONAL_CONTACTS
from tests.student import Student

METHODS = [("survey_app/**.py", "python"), ("survey_app/templates/**.html", "jinja2")]


class VisibleText(HTMLParser):
    """Collects the text a student can see (and the page title)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())


@pytest.fixture
def pseudo_app(settings, tmp_path):
    catalog = Catalog(locale="cy")
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map=METHODS
    ):
        if isinstance(message, tuple):  # singular and plural forms
            catalog.add(message, tuple(f"⟦{form}⟧" for form in message))
        else:
            catalog.add(message, f"⟦{message}⟧")
    folder = tmp_path / "cy" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as mo_file:
        write_mo(mo_file, catalog)
    extra = {
        "BABEL_DEFAULT_LOCALE": "cy",
        "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path),
    }
    return create_app(settings.with_overrides(extra=extra))


def unmarked(html: str, exempt: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    left = []
    for text in parser.texts:
        for part in re.split(r"⟦.*?⟧", text, flags=re.DOTALL):
            part = part.strip(" .:–-\n")
            if part and not part.isdigit() and part not in exempt:
                left.append(part)
    return left


def test_student_pages_show_no_unmarked_text(pseudo_app, school, settings):
    from tests.factories import issue_codes

    codes = issue_codes(pseudo_app, school, settings)
    catalogue = pseudo_app.extensions["survey_app.catalogue"]
    exempt = {contact.name for contact in NATIONAL_CONTACTS}
    for instrument in catalogue.instruments.values():
        exempt |= {instrument.stem, instrument.licence.copyright}
        for item in instrument.items:
            exempt |= {item.text} | {option.label for option in item.options}
    exempt = {text.strip(" .:–-\n") for text in exempt}

    student = Student(pseudo_app.test_client())
    seen = {"/": unmarked(student.page.html, exempt)}
    student.type_code("KM7QX-2P9RT")
    seen["/ (wrong code)"] = unmarked(student.page.html, exempt)
    student.type_code(codes["Okafor"])
    seen[student.page.path] = unmarked(student.page.html, exempt)
    student.agree()
    while student.page.path.startswith("/survey/page/"):
        seen[student.page.path] = unmarked(student.page.html, exempt)
        student.answer()
    seen[student.page.path] = unmarked(student.page.html, exempt)

    declining = Student(pseudo_app.test_client())
    declining.type_code(codes["Price"])
    declining.submit("/survey/introduction", {"action": "decline"})
    seen[declining.page.path] = unmarked(declining.page.html, exempt)
    declining.submit("/survey/decline", {"action": "confirm"})
    seen[declining.page.path] = unmarked(declining.page.html, exempt)
    seen["404"] = unmarked(declining.open("/no-such-page").html, exempt)

    assert {page: texts for page, texts in seen.items() if texts} == {}
    assert len(seen) == 11


def test_template_messages_are_translated_with_their_values_escaped(pseudo_app):
    template = pseudo_app.jinja_env.from_string(
        '{{ _("Page %(number)s of %(count)s", number=number, count=4) }} '
        '{{ _("Wellbeing survey") }} {{ _("Wellbeing survey") }}'
    )
    with pseudo_app.test_request_context():
        shown = template.render(number="<b>2</b>")
    assert shown == (
        "⟦Page &lt;b&gt;2&lt;/b&gt; of 4⟧ ⟦Wellbeing survey⟧ ⟦Wellbeing survey⟧"
    )


def test_a_message_is_always_a_format_string(app):
    template = app.jinja_env.from_string('{{ _("100%% of <em>you</em>") }}')
    with app.test_request_context():
        assert template.render() == "100% of <em>you</em>"


def test_plural_messages_show_the_count_and_escape_their_values(app):
    template = app.jinja_env.from_string(
        '{{ ngettext("%(num)s school.", "%(num)s schools.", 1) }} '
        '{{ ngettext("%(num)s school.", "%(num)s schools.", 3) }} '
        '{{ ngettext("Group %(groups)s.", "Groups %(groups)s.", 2, groups="<7A>") }}'
    )
    with app.test_request_context():
        assert template.render() == "1 school. 3 schools. Groups &lt;7A&gt;."
