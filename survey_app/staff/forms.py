"""Forms of the staff account pages."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from survey_app.staff.models import Role


class SignInForm(FlaskForm):
    """Email and password."""

    email = EmailField(
        _("Email address"), validators=[InputRequired(), Length(max=254)]
    )
    password = PasswordField(
        _("Password"), validators=[InputRequired(), Length(max=200)]
    )


class SecondFactorForm(FlaskForm):
    """The six-digit code from an authenticator app."""

    code = StringField(
        _("Code from your authenticator app"),
        validators=[InputRequired(), Length(min=6, max=8)],
    )


class AcceptInvitationForm(FlaskForm):
    """A new account's name and password."""

    name = StringField(_("Your name"), validators=[InputRequired(), Length(max=200)])
    password = PasswordField(
        _("Choose a password"), validators=[InputRequired(), Length(max=200)]
    )
    confirm = PasswordField(
        _("Type the password again"), validators=[InputRequired(), Length(max=200)]
    )


class ExistingAccountForm(FlaskForm):
    """The password of an account that is being given another role."""

    password = PasswordField(
        _("Your password"), validators=[InputRequired(), Length(max=200)]
    )


class InviteForm(FlaskForm):
    """Who to invite, and to which role."""

    email = EmailField(
        _("Their email address"),
        validators=[
            InputRequired(),
            Email(check_deliverability=False),
            Length(max=254),
        ],
    )
    role = SelectField(
        _("Role"),
        choices=[
            SelectChoice(Role.COORDINATOR.value, _("School coordinator")),
            SelectChoice(Role.TEACHER.value, _("Teacher")),
            SelectChoice(Role.DSL.value, _("Designated safeguarding lead")),
            SelectChoice(
                Role.DEPUTY_DSL.value, _("Deputy designated safeguarding lead")
            ),
        ],
    )


class StaffActionForm(FlaskForm):
    """A button that changes something: only its form token is checked."""


def check_button() -> None:
    """Refuse a button press whose form token is missing or forged."""
    if not StaffActionForm().validate_on_submit():
        abort(400)


class OpenSittingForm(FlaskForm):
    """Where a sitting takes place and which form groups are expected."""

    room = StringField(_("Room"), validators=[InputRequired(), Length(max=100)])
    # Checked by the sittings service, which says which group is unknown.
    form_groups = SelectMultipleField(
        _("Form groups"), choices=[], validate_choice=False
    )
