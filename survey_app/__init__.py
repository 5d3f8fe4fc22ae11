"""survey_app: wellbeing surveys for school mental-health trials in England."""

from __future__ import annotations

from flask import Flask

from survey_app import (
    computers,
    errors,
    health,
    i18n,
    limits,
    security,
    static_files,
)
from survey_app.config import Settings, load_settings
from survey_app.dashboard import views as dashboard_views
from survey_app.db import db as database
from survey_app.logs import configure_logging
from survey_app.questionnaires.loader import load_catalogue
from survey_app.rosters import views as roster_views
from survey_app.safeguarding import views as safeguarding_views
from survey_app.staff import views as staff_views
from survey_app.students import views as student_views
from survey_app.survey import views as survey_views


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application from ``settings`` (default: the environment)."""
    settings = settings or load_settings()
    configure_logging()

    app = Flask(__name__)
    # Block tags leave no blank lines or indentation behind: a question page
    # is then half the size to send, with the same markup.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.config.update(settings.flask_config())
    app.extensions["survey_app.settings"] = settings
    # Broken instrument or study files stop the app here, with the file named.
    app.extensions["survey_app.catalogue"] = load_catalogue(
        settings.instruments_dir, settings.studies_dir
    )

    database.init_app(app, settings.database_url)
    security.init_app(app, settings)
    static_files.init_app(app)
    i18n.init_app(app)
    computers.init_app(app)
    limits.init_app(app)
    errors.init_app(app)

    app.register_blueprint(health.bp)
    app.register_blueprint(survey_views.bp)
    app.register_blueprint(staff_views.bp)
    app.register_blueprint(dashboard_views.bp)
    app.register_blueprint(roster_views.bp)
    app.register_blueprint(student_views.bp)
    app.register_blueprint(safeguarding_views.bp)
    return app
