"""Throttling of wrong access codes.

A whole computer room reaches the server from one public address, so limits
are kept per browser (a random cookie) and only a generous limit applies per
address. Keys are hashed: the limiter logs them, and logs must not hold a raw
IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter

BROWSER_COOKIE = "survey_browser"

#: A student who mistypes five times in a minute is paused until the minute ends.
WRONG_CODES_PER_BROWSER = "5 per minute"
#: Enough for several full rooms mistyping at once behind one school address.
WRONG_CODES_PER_ADDRESS = "200 per minute"


def _hashed(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


def address_key() -> str:
    """Return the limiter key of the client's address, hashed."""
    return "addr:" + _hashed(request.remote_addr or "unknown")


def browser_key() -> str:
    """Return the limiter key of this browser, falling back to its address."""
    browser = request.cookies.get(BROWSER_COOKIE)
    if browser:
        return "browser:" + _hashed(browser)
    return address_key()


def code_was_refused(_response: Response) -> bool:
    """Count an attempt against the limits only when the code did not work."""
    return bool(g.get("code_refused"))


limiter = Limiter(key_func=address_key)


def init_app(app: Flask) -> None:
    """Start the limiter and give every browser its own limiter cookie."""
    limiter.init_app(app)
    app.after_request(_set_browser_cookie)


def _set_browser_cookie(response: Response) -> Response:
    if BROWSER_COOKIE not in request.cookies and request.endpoint == "survey.code":
        response.set_cookie(
            BROWSER_COOKIE,
            secrets.token_urlsafe(16),
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response
