"""Forms of the class-list pages: the file, its columns, and the confirmation."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from survey_app.schools.roster import FIELDS, REQUIRED, Columns


class UploadForm(FlaskForm):
    """The class-list file."""

    file = FileField(
        _("Class list file"),
        validators=[FileRequired(_("Choose the class-list file to upload."))],
    )


class ColumnsForm(FlaskForm):
    """Which column of the file each field is read from; fields are added per file."""

    def chosen(self) -> dict[str, int | None]:
        """Return the column chosen for each field (None: not in this file)."""
        return {
            name: int(self[name].data) if self[name].data else None for name in FIELDS
        }


def columns_form(header: list[str], columns: Columns) -> ColumnsForm:
    """Return a form with a choice of the file's columns for every field."""

    class Form(ColumnsForm):
        pass

    options = [
        SelectChoice(str(index), _column_label(header, index, name))
        for index, name in enumerate(header)
    ]
    for name, label in FIELDS.items():
        blank = _("Choose a column") if name in REQUIRED else _("Not in this file")
        setattr(
            Form,
            name,
            SelectField(
                label,
                choices=[SelectChoice("", blank), *options],
                default=str(columns[name]) if name in columns else "",
            ),
        )
    return Form()


def _column_label(header: list[str], index: int, name: str) -> str:
    # Two columns may share a name, and a column may have none.
    if not name or header.count(name) > 1:
        return gettext("%(name)s (column %(number)s)", name=name, number=index + 1)
    return name


class ConfirmForm(FlaskForm):
    """The confirmation of a previewed import."""

    #: Digest of the preview shown; the import is refused if it has changed.
    fingerprint = HiddenField(validators=[InputRequired()])
    mark_missing_as_left = BooleanField(
        _("Mark the students missing from this file as left the school")
    )
