"""Translation of the interface text with Babel.

Instrument wording is not translated here: only a rights holder's validated
translation of an instrument may be shown, and it comes with the instrument.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, g
from flask_babel import Babel, get_translations

babel = Babel()


def init_app(app: Flask) -> None:
    """Serve pages in BABEL_DEFAULT_LOCALE (British English) until more exist."""
    babel.init_app(app)
    # Flask-Babel chooses the locale and loads its catalogue; templates then
    # ask for the request's catalogue once, not again for every sentence (a
    # page has dozens, and each lookup cost more than the translation).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda string: _request_translations().ugettext(string),
        ngettext=lambda singular, plural, n: _request_translations().ungettext(
            singular, plural, n
        ),
        newstyle=True,
    )


def _request_translations() -> NullTranslations:
    translations: NullTranslations | None = g.get("translations")
    if translations is None:
        translations = g.translations = get_translations()
    return translations
