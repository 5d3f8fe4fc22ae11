"""Where a student can get help: shown at the end to everyone, and on the way out."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class HelpContact:
    """A service a student can contact, and how."""

    name: str
    how: LazyString | str
    when: LazyString | str


NATIONAL_CONTACTS = (
    HelpContact(
        "Childline",
        _l("Call 0800 1111 or chat at childline.org.uk"),
        _l("Free, any time, day or night"),
    ),
    HelpContact("Shout", _l("Text SHOUT to 85258"), _l("Free, any time, day or night")),
    HelpContact("Samaritans", _l("Call 116 123"), _l("Free, any time, day or night")),
)


def help_contacts() -> tuple[HelpContact, ...]:
    """Return the help contacts to show a student, most local first."""
    return NATIONAL_CONTACTS
