"""Forms of the coordinator's student pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from survey_app.consent.service import HOW_RECEIVED


class OptOutForm(FlaskForm):
    """When and how a parent or carer's opt-out arrived."""

    received_on = DateField(_("Date received"), validators=[InputRequired()])
    received_via = SelectField(_("How it was received"), choices=list(HOW_RECEIVED))


class OptOutListForm(OptOutForm):
    """Several opt-outs at once, by UPN."""

    upns = TextAreaField(
        _("UPNs, one per line"), validators=[InputRequired(), Length(max=100_000)]
    )


class EraseForm(FlaskForm):
    """A student's request to delete their answers."""

    reason = TextAreaField(
        _("Why (for the audit trail; no answers or health details)"),
        validators=[InputRequired(), Length(max=500)],
    )


class IssueCodesForm(FlaskForm):
    """Which form groups get codes, and whether lost slips are replaced."""

    form_groups = SelectMultipleField(
        _("Form groups"), choices=[], validate_choice=False
    )
    replace_unstarted = SelectField(
        _("Students who already have a code"),
        choices=[
            SelectChoice("no", _("Leave their codes as they are")),
            SelectChoice(
                "yes", _("Give new codes to those who have not started (lost slips)")
            ),
        ],
    )
