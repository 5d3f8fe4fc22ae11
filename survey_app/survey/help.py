"""Where a student can get help: shown at the end to everyone, and on the way out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from survey_app.safeguarding.models import SchoolContact


@dataclass(frozen=True)
class HelpContact:
    """A service a student can contact, and how."""

    name: str
    how: LazyString | str
    when: LazyString | str


NATIONAL_CONTACTS = (
    HelpContact(
        "Childline",
        _("Call 0800 1111 or chat at childline.org.uk"),
        _("Free, any time, day or night"),
    ),
    HelpContact("Shout", _("Text SHOUT to 85258"), _("Free, any time, day or night")),
    HelpContact("Samaritans", _("Call 116 123"), _("Free, any time, day or night")),
)


def help_contacts(connection: Connection, school_id: int | None) -> list[HelpContact]:
    """Return the help contacts to show a student: their school's own first."""
    own: list[HelpContact] = []
    if school_id is not None:
        rows = connection.execute(_SCHOOL_CONTACTS, {"school_id": school_id})
        own = [HelpContact(name, how, _("At school")) for name, how in rows]
    return own + list(NATIONAL_CONTACTS)


# Prebuilt: shown at the end of every survey.
_CONTACTS = SchoolContact.__table__
_SCHOOL_CONTACTS = (
    select(_CONTACTS.c.name, _CONTACTS.c.how)
    .where(_CONTACTS.c.school_id == bindparam("school_id"))
    .order_by(_CONTACTS.c.position, _CONTACTS.c.id)
)
