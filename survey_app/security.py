"""Headers, CSRF protection and proxy handling that every page relies on."""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.config import Settings

csrf = CSRFProtect()

# Everything comes from this server: school networks block outside hosts, and
# a strict policy makes injected script or styles inert.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask, settings: Settings) -> None:
    """Turn on CSRF checks and the security headers."""
    csrf.init_app(app)
    app.session_interface = SignedCookieSessions()
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=1
        )
    app.after_request(_add_headers)


def _add_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Never to other sites; to this one, because over HTTPS the CSRF check
    # refuses any form sent without its page's address.
    response.headers["Referrer-Policy"] = "same-origin"
    if response.mimetype == "text/html":
        # Computers are shared: the back button must never bring a previous
        # student's page, with their answers, out of the browser's cache.
        response.headers["Cache-Control"] = "no-store"
    return response


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its signing serializer made once.

    Flask makes a new serializer for every request, and the session is read
    on every page; the keys cannot change while the app runs.
    """

    _serializer: URLSafeTimedSerializer | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the serializer that signs and checks the session cookie."""
        if self._serializer is None:
            self._serializer = super().get_signing_serializer(app)
        return self._serializer
