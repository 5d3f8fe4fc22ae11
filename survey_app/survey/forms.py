"""Forms of the student pages: WTForms checks input and CSRF; Jinja macros draw them.

Drawing 50 radio buttons through WTForms widgets costs several times more
than the same HTML from a macro, so question pages use the form only to
validate what comes back.
"""

from __future__ import annotations

from functools import cache

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from survey_app.questionnaires.definitions import Page

#: The value of the "Prefer not to say" choice offered on every item.
SKIP = "skip"


class CodeForm(FlaskForm):
    """The access code typed from a student's slip."""

    code = StringField(
        _("Access code"),
        validators=[
            InputRequired(_("Type the code from your slip.")),
            Length(max=40, message=_("That is too long to be an access code.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """A page whose only input is which button was pressed."""


@cache
def question_form_class(page: Page) -> type[FlaskForm]:
    """Return the form class that checks one question page's answers.

    Built once per page and kept, since pages never change while the app runs.
    """
    fields = {}
    for item in page.items:
        allowed = [str(code) for code in sorted(item.codes)] + [SKIP]
        fields[item.id] = RadioField(
            item.text,
            choices=allowed,
            validate_choice=False,
            # Left blank counts as skipped; anything else must be an option.
            validators=[
                Optional(),
                AnyOf(allowed, message=_("Not one of the answers.")),
            ],
        )
    return type(f"QuestionForm_{page.key}", (FlaskForm,), fields)


def answers_from(form: FlaskForm, page: Page) -> dict[str, int | None]:
    """Return the checked answers of a question form: a code, or None if skipped."""
    answers: dict[str, int | None] = {}
    for item in page.items:
        value = form[item.id].data
        answers[item.id] = None if value in (None, "", SKIP) else int(value)
    return answers
