"""Error pages: every failure a student or teacher meets gets a page in plain words."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the error pages."""
    app.register_error_handler(CSRFError, _expired_form)
    app.register_error_handler(RateLimitExceeded, _too_many_attempts)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(500, _server_error)


def _expired_form(_exc: CSRFError) -> tuple[str, int]:
    # Imported here: the survey views import this app's extensions.
    from survey_app.survey import views as survey_views

    if request.endpoint == "survey.question_page":
        return survey_views.reshow_after_expired_form()
    if request.endpoint == "survey.code":
        form = survey_views.CodeForm(formdata=None)
        return render_template("survey/code.html", form=form, expired=True), 400
    return render_template("errors/expired.html"), 400


def _too_many_attempts(exc: RateLimitExceeded) -> tuple[str, int]:
    logger.info("limits.exceeded endpoint=%s", request.endpoint)
    return render_template("errors/too_many.html"), 429


def _too_large(_exc: RequestEntityTooLarge) -> tuple[str, int]:
    return render_template("errors/too_large.html"), 413


def _not_found(_exc: NotFound) -> tuple[str, int]:
    return render_template("errors/not_found.html"), 404


def _server_error(_exc: Exception) -> tuple[str, int]:
    return render_template("errors/server_error.html"), 500
