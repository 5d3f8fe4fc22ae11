"""Translation of the interface text with Babel.

Instrument wording is not translated here: only a rights holder's validated
translation of an instrument may be shown, and it comes with the instrument.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app
from flask_babel import Babel, get_translations
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

babel = Babel()


def init_app(app: Flask) -> None:
    """Serve pages in BABEL_DEFAULT_LOCALE (British English) until more exist."""
    # One language per app, read once: Flask-Babel would otherwise parse the
    # setting again for every request. Choosing it per request would mean
    # looking up the catalogue per request again, in _app_translations.
    language = Locale.parse(app.config["BABEL_DEFAULT_LOCALE"])
    babel.init_app(app, locale_selector=lambda: language)
    # Flask-Babel loads the language's catalogue; templates then take it
    # from the app, not from Flask-Babel for every sentence (a page has
    # dozens, and each lookup cost more than the translation). They call
    # these functions directly: Jinja's own wrappers went through two layers
    # of calls per sentence to do the same work.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )


def _app_translations() -> NullTranslations:
    # Every request of an app is served in its one language (see init_app),
    # so its catalogue is looked up once and kept with the app.
    translations: NullTranslations | None = current_app.extensions.get(_CATALOGUE)
    if translations is None:
        translations = current_app.extensions[_CATALOGUE] = get_translations()
    return translations


_CATALOGUE = "survey_app.catalogue_of_messages"


@pass_eval_context
def _template_gettext(
    eval_context: EvalContext, string: str, /, **variables: Any
) -> str:
    """Translate ``string`` for a template, as Jinja's i18n extension would.

    The translation is markup; the variables are escaped as they are put in.
    The message is always a format string, so "%%" shows as "%".
    """
    # Catalogue messages are the project's own text, trusted as markup just as
    # Jinja's i18n extension trusts them; only the variables are escaped.
    translations = _app_translations()
    if not eval_context.autoescape:
        return translations.ugettext(string) % variables
    if variables:
        return Markup(translations.ugettext(string)) % variables  # noqa: S704
    return _translated_markup(translations, string)


@pass_eval_context
def _template_ngettext(
    eval_context: EvalContext,
    singular: str,
    plural: str,
    count: int,
    /,
    **variables: Any,
) -> str:
    """Translate a message with a singular and plural form, as Jinja would.

    ``%(num)s`` in the message shows ``count`` unless given otherwise.
    """
    text = _app_translations().ungettext(singular, plural, count)
    variables.setdefault("num", count)
    if eval_context.autoescape:
        return Markup(text) % variables  # noqa: S704 - our own catalogue
    return text % variables


@lru_cache(maxsize=2048)
def _translated_markup(translations: NullTranslations, string: str) -> Markup:
    # A message without variables reads the same every time in one language,
    # and a page shows a dozen of them.
    return Markup(translations.ugettext(string)) % {}  # noqa: S704
