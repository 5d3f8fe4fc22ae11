"""A member of staff at their own computer, driven through the Flask client."""

from __future__ import annotations

import pyotp
from flask.testing import FlaskClient

from tests.factories import STAFF_PASSWORD
from tests.student import Page, Student


class StaffBrowser(Student):
    """Staff pages reuse the student browser's page handling."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page = self.open("/staff/sign-in")

    def sign_in(
        self, email: str, password: str = STAFF_PASSWORD, totp_secret: str | None = None
    ) -> Page:
        """Sign in with a password, and an authenticator code when asked for one."""
        self.open("/staff/sign-in")
        page = self.submit("/staff/sign-in", {"email": email, "password": password})
        if page.path == "/staff/second-factor" and totp_secret:
            page = self.submit(
                "/staff/second-factor", {"code": pyotp.TOTP(totp_secret).now()}
            )
        return page

    def press(self, path: str) -> Page:
        """Press a button that posts to ``path`` (with the page's form token)."""
        return self.submit(path, {})

    def sign_out(self) -> Page:
        """Press Sign out."""
        return self.submit("/staff/sign-out", {})
