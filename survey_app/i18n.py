"""Translation of the interface text with Babel.

Instrument wording is not translated here: only a rights holder's validated
translation of an instrument may be shown, and it comes with the instrument.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

babel = Babel()


def init_app(app: Flask) -> None:
    """Serve pages in BABEL_DEFAULT_LOCALE (British English) until more exist."""
    babel.init_app(app)
