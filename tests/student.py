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
        names = re.findall(r'type="radio" id="[^"]+" name="([^"]+)"', self.html)
        return list(dict.fromkeys(names))

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

        A default of ``None`` leaves unlisted items blank.
        """
        chosen = {
            name: default for name in self.page.radio_names() if default is not None
        }
        chosen |= answers or {}
        return self.submit(self.page.path, chosen)

    def finish_all_pages(self, default: str = "1") -> Page:
        """Answer every remaining question page with ``default``."""
        while self.page.path.startswith("/survey/page/"):
            self.answer(default=default)
        return self.page
