"""The current app's settings and catalogue, for views and services."""

from __future__ import annotations

from flask import current_app

from survey_app.config import Settings
from survey_app.questionnaires.definitions import Wave
from survey_app.questionnaires.loader import Catalogue


def settings() -> Settings:
    """Return the settings the current app was built with."""
    return current_app.extensions["survey_app.settings"]


def catalogue() -> Catalogue:
    """Return the instruments and studies the current app loaded."""
    return current_app.extensions["survey_app.catalogue"]


def current_wave() -> Wave:
    """Return the wave the staff screens show."""
    return catalogue().wave(settings().current_wave)
