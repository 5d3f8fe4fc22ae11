"""The WSGI entry point for gunicorn: ``gunicorn -w 2 wsgi:app``.

Each worker imports this module after gunicorn forks it (do not use
``--preload``), so each gets its own app, and on SQLite its own thread that
keeps write-ahead-log checkpoints off the requests.
"""

from survey_app import create_app

app = create_app()
app.extensions["survey_app.db"].checkpoint_in_background()
