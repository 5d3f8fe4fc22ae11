"""A student at a school computer without JavaScript, driven through the Flask client.

Methods read like what the student does; each returns the page they land on.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Page:
    """What the student sees: the address, the status and the HTML."""

    path: str
    status: int
    html: str

    @property
    def csrf_token(self) -> str:
        match = _CSRF.search(self.html)
        assert match, f"no form on {self.path}"
        return match.group(1)

    def radio_names(self) -> list[str]:
        """Return the item ids asked on this page, in order."""
        return list(self.radio_values())

    def radio_values(self) -> dict[str, list[str]]:
        """Return each item id on this page with the values it offers."""
        values: dict[str, list[str]] = {}
        pattern = r'type="radio" id="[^"]+" name="([^"]+)" value="([^"]+)"'
        for name, value in re.findall(pattern, self.html):
            values.setdefault(name, []).append(value)
        return values

    def __contains__(self, text: str) -> bool:
        """Return whether the page shows ``text`` (markup or not)."""
        return text in self.html or text in html.unescape(self.html)


class Student:
    """One student, at one computer (one cookie jar)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page = self.open("/")

    @property
    def computer_id(self) -> str:
        """Return the id cookie that marks this browser's computer."""
        cookie = self.client.get_cookie("survey_computer")
        assert cookie is not None
        return cookie.value

    def _land(self, response: TestResponse) -> Page:
        path = response.request.path
        self.page = Page(path, response.status_code, response.get_data(as_text=True))
        return self.page

    def open(self, path: str) -> Page:
        """Go to an address, following redirects."""
        return self._land(self.client.get(path, follow_redirects=True))

    def submit(self, path: str, data: dict[str, str]) -> Page:
        """Send a form from the current page, with its CSRF token."""
        data = {"csrf_token": self.page.csrf_token} | data
        return self._land(self.client.post(path, data=data, follow_redirects=True))

    def type_code(self, code: str) -> Page:
        """Type a code on the code page and press Start."""
        if 'id="code"' not in self.page.html:
            self.open("/")
        return self.submit("/", {"code": code})

    def agree(self) -> Page:
        """Say yes on the introduction page."""
        return self.submit("/survey/introduction", {"action": "agree"})

    def answer(
        self, answers: dict[str, str] | None = None, default: str | None = "1"
    ) -> Page:
        """Answer the current question page: ``answers`` where given, else ``default``.

        Answers to items not on this page are left out; a default of ``None``
        leaves unlisted items blank.
        """
        offered = self.page.radio_values()
        chosen = {
            # An item without the default among its codes gets its first option.
            name: default if default in values else values[0]
            for name, values in offered.items()
            if default is not None
        }
        chosen |= {
            name: value for name, value in (answers or {}).items() if name in offered
        }
        return self.submit(self.page.path, chosen)

    def finish_all_pages(self, default: str = "1") -> Page:
        """Answer every remaining question page with ``default``.

        A help page shown after a worrying answer is read and left by its
        "Carry on" link.
        """
        for _ in range(50):  # a safety net: a form refused forever is a failure
            if not (self.page.path.startswith("/survey/page/") or self.on_help_page):
                break
            if self.on_help_page:
                self.carry_on()
            else:
                self.answer(default=default)
        else:
            raise AssertionError(f"stuck on {self.page.path}")
        return self.page

    @property
    def on_help_page(self) -> bool:
        """Return whether the student is on the page about getting help."""
        return self.page.path == "/survey/help"

    def carry_on(self) -> Page:
        """Follow "Carry on with the survey" from the help page."""
        match = re.search(r'<a class="button" href="([^"]+)">', self.page.html)
        assert match, f"no carry-on link on {self.page.path}"
        return self.open(html.unescape(match.group(1)))
