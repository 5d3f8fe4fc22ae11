"""Forms of the student pages: WTForms checks input and CSRF; Jinja macros draw them.

Drawing 50 radio buttons through WTForms widgets costs several times more
than the same HTML from a macro, so question pages use the form only to
validate what comes back.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length, StopValidation

from survey_app.questionnaires.definitions import Page

#: The value of the "Prefer not to say" choice offered on every item.
SKIP = "skip"
#: The name of the form token every student form sends.
CSRF_FIELD = "csrf_token"


class StudentForm(FlaskForm):
    """The base of every form on the student pages.

    The app's CSRF protection checks every POST's token before any view runs,
    so these forms make no token of their own: templates draw the request's
    token with csrf_token(), and a form saved and redirected needs none.
    """

    class Meta:
        csrf = False


class CodeForm(StudentForm):
    """The access code typed from a student's slip."""

    code = StringField(
        _("Access code"),
        validators=[
            InputRequired(_("Type the code from your slip.")),
            Length(max=40, message=_("That is too long to be an access code.")),
        ],
    )


class ConfirmForm(StudentForm):
    """A page whose only input is which button was pressed."""


class PageAnswers(Field):
    """Every answer on one question page: an option's code, or skipped.

    One field for the whole page rather than a RadioField per item: the
    page's radio buttons are drawn by a macro, so per-item fields would only
    repeat the same check, and building a dozen of them cost a saved page
    about a tenth of its time. ``data`` maps each item's id to its code, or
    to None when the item was skipped or left blank.
    """

    def __init__(self, page: Page, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data: dict[str, int | None] = {}
        self._codes = accepted_values(page)
        self._expected_keys = frozenset(self._codes) | {CSRF_FIELD}
        self._refused: list[str] = []

    def process(
        self,
        formdata: Any,
        data: Any = unset_value,
        extra_filters: Any = None,
    ) -> None:
        """Read each item's choice from the submitted form.

        Anything but the page's items and the form's token is refused, as is
        an item sent twice or with a value that is not one of its options.
        """
        self.process_errors = []
        self.raw_data = []
        self.data = {}
        self._refused = []
        if formdata is None:
            return
        self._refused = [key for key in formdata if key not in self._expected_keys]
        for item_id, codes in self._codes.items():
            values = formdata.getlist(item_id)
            value = values[0] if len(values) == 1 else None
            if not values or value in ("", SKIP):
                self.data[item_id] = None
            elif isinstance(value, str) and value in codes:
                self.data[item_id] = codes[value]
            else:
                self._refused.append(item_id)

    def pre_validate(self, form: Any) -> None:
        """Refuse the page if anything sent was not one of its answers."""
        if self._refused:
            raise StopValidation(_("Not one of the answers."))


@cache
def accepted_values(page: Page) -> dict[str, dict[str, int]]:
    """Return each item's options as the browser sends them, with their codes.

    "Prefer not to say" (SKIP) is accepted on every item as well.
    """
    return {item.id: {str(code): code for code in item.codes} for item in page.items}


@cache
def question_form_class(page: Page) -> type[FlaskForm]:
    """Return the form class that checks one question page's answers.

    Built once per page and kept, since pages never change while the app runs.
    """
    return type(
        f"QuestionForm_{page.key}",
        (StudentForm,),
        {"answers": PageAnswers(page, label=page.key)},
    )
