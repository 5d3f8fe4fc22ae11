"""Throttling of wrong access codes.

A whole computer room reaches the server from one public address, so limits
are kept per computer (a random cookie) and per code prefix, and only a
generous limit applies per address. Keys are hashed: the limiter logs them,
and logs must not hold a raw IP address or anything typed as a code.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter

from survey_app import computers
from survey_app.codes.access_codes import GROUP, MalformedCode, normalise_code

#: A student who mistypes five times in a minute is paused until the minute ends.
WRONG_CODES_PER_COMPUTER = "5 per minute"
#: Guessing at one slip's code from many computers is stopped as well.
WRONG_CODES_PER_PREFIX = "10 per minute"
#: Enough for several full rooms mistyping at once behind one school address.
WRONG_CODES_PER_ADDRESS = "200 per minute"
#: Wrong staff passwords or authenticator codes, per account and per computer.
SIGN_INS_PER_ACCOUNT = "5 per 15 minutes"
SIGN_INS_PER_COMPUTER = "20 per 15 minutes"


def _hashed(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:16]


def address_key() -> str:
    """Return the limiter key of the client's address, hashed."""
    return "addr:" + _hashed(request.remote_addr or "unknown")


def computer_key() -> str:
    """Return the limiter key of this computer, falling back to its address."""
    if computers.COOKIE in request.cookies:
        return "computer:" + _hashed(computers.computer_id())
    return address_key()


def code_prefix_key() -> str:
    """Return the limiter key of the first group of the code being typed."""
    try:
        prefix = normalise_code(request.form.get("code", ""))[:GROUP]
    except MalformedCode:
        # A malformed code cannot match any slip, so only the computer that
        # typed it is counted; a shared key would pause the whole school.
        return computer_key()
    return "prefix:" + _hashed(prefix)


def account_key() -> str:
    """Return the limiter key of the account whose email was typed."""
    email = request.form.get("email", "").strip().lower()
    return "account:" + _hashed(email)


def sign_in_failed(_response: Response) -> bool:
    """Count a sign-in attempt only when its password or code was wrong."""
    return bool(g.get("sign_in_failed"))


def code_was_refused(_response: Response) -> bool:
    """Count an attempt against the limits only when the code did not work."""
    return bool(g.get("code_refused"))


limiter = Limiter(key_func=address_key)


def limit_failed_posts(
    rate: str, key_func: Callable[[], str], failed: Callable[[Response], bool]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a form's POSTs to ``rate`` per key, counting only failed attempts."""
    return limiter.limit(rate, key_func=key_func, methods=["POST"], deduct_when=failed)


def init_app(app: Flask) -> None:
    """Start the limiter, checking limits only on the forms that have them."""
    limiter.init_app(app)
    # Every limit here is declared on its form's view, whose decorator checks
    # it; none applies to the whole app. The limiter's own check before every
    # request therefore never found a limit, yet it cost a student's page
    # about 6% of its CPU time. Its after-request hook stays: it counts the
    # failed attempts and writes the Retry-After header.
    # (With RATELIMIT_ENABLED off, the limiter adds no hooks at all.)
    app_wide_checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in app_wide_checks:
        app_wide_checks.remove(limiter._check_request_limit)
