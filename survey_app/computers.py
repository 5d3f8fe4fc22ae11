"""Telling school computers apart, by a random cookie in each browser.

The cookie holds no personal data. It lets a student resume on the computer
they were using after a crash, keeps a second computer from opening the same
survey at the same time, and lets wrong-code limits apply per computer
rather than per school (a whole room shares one public address).
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request

COOKIE = "survey_computer"
ONE_YEAR = 60 * 60 * 24 * 365


def computer_id() -> str:
    """Return this browser's id, making one if it has none yet."""
    existing = request.cookies.get(COOKIE)
    if existing:
        return existing
    if "new_computer_id" not in g:
        g.new_computer_id = secrets.token_urlsafe(16)
    return g.new_computer_id


# The pages where a computer is first seen: students' and staff's.
_FIRST_PAGES = frozenset({"survey.code", "staff.sign_in"})


def init_app(app: Flask) -> None:
    """Give every browser that reaches the code page its id cookie."""
    app.after_request(_set_cookie)


def _set_cookie(response: Response) -> Response:
    if COOKIE in request.cookies or request.endpoint not in _FIRST_PAGES:
        return response
    response.set_cookie(
        COOKIE,
        computer_id(),
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
