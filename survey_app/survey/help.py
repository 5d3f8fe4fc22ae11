"""Where a student can get help: shown at the end to everyone, and on the way out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _


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


def help_contacts() -> tuple[HelpContact, ...]:
    """Return the help contacts to show a student, most local first."""
    return NATIONAL_CONTACTS
