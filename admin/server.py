"""Serving the app with gunicorn from the command line."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from survey_app import create_app

# Two sync workers beat four on the 2-core machines schools' servers run on.
GUNICORN_OPTIONS: dict[str, Any] = {
    "workers": 2,
    "worker_class": "sync",
    "timeout": 30,
    "graceful_timeout": 10,
    # No access log: its lines would carry students' IP addresses.
    "accesslog": None,
    "errorlog": "-",
    "loglevel": "warning",
}


class SurveyServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn running survey_app with our fixed options."""

    def __init__(self, bind: str, **options: Any) -> None:
        self.options = GUNICORN_OPTIONS | {"bind": bind} | options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = create_app()
        # Each worker builds its own app after gunicorn forks, so each gets
        # its own checkpoint thread.
        app.extensions["survey_app.db"].checkpoint_in_background()
        return app
