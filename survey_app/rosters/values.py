"""Checking single values of a class list, such as a UPN, a name or a date.

Each check returns the value normalised, or raises Invalid saying what it
expected. Names are kept exactly as given, but text that bears the marks of a
wrong encoding (letters lost, unreadable, or garbled into symbols) is refused:
a garbled name would be printed on a student's slip and stored for years.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.exceptions import InvalidComponent, ValidationError
from stdnum.gb import upn as upn_number

from survey_app.rosters.files import SAVE_AS_UTF8


class Invalid(ValueError):
    """A value is not what its field expects; the message says what was expected."""


def upn(text: str) -> str:
    """Return a UPN in capitals without spaces, once its check letter is right."""
    number = upn_number.compact(text)
    try:
        return upn_number.validate(number)
    except InvalidComponent:
        if (
            int(number[1:4]) in _NEWER_LA_NUMBERS
            and upn_number.calc_check_digit(number[1:]) == number[0]
        ):
            return number
        raise Invalid(
            "expected a UPN whose characters 2-4 are a local-authority number, "
            f"found {text!r}"
        ) from None
    except ValidationError:
        raise Invalid(
            f"expected a 13-character UPN with a valid check letter, found {text!r}"
        ) from None


# Local-authority numbers made after python-stdnum's list (2011) was drawn up:
# Dorset and Bournemouth, Christchurch and Poole, since April 2019. When a
# school's real UPNs are refused for another new number, add it here.
_NEWER_LA_NUMBERS = frozenset({838, 839})


def name(text: str) -> str:
    """Return a name exactly as given, refusing empty-looking or damaged ones."""
    text_of_length(text, 100)
    if not any(char.isalpha() for char in text):
        raise Invalid(f"expected a name, found {text!r}")
    if "?" in text:
        raise Invalid(
            f"expected every letter of the name, found {text!r}: letters were lost "
            f"when the file was saved. {SAVE_AS_UTF8}"
        )
    return text


def text_of_length(text: str, longest: int) -> str:
    """Return text of at most ``longest`` characters, refusing damaged text."""
    if len(text) > longest:
        raise Invalid(f"expected at most {longest} characters, found {len(text)}")
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise Invalid(
            f"expected text on one line, without control characters, found {text!r}"
        )
    if "\ufffd" in text:
        raise Invalid(
            f"expected readable text, found {text!r}: some letters could not be "
            f"read. {SAVE_AS_UTF8}"
        )
    meant = repaired(text)
    if meant is not None:
        raise Invalid(
            f"expected text as it is written, found {text!r}, which is garbled "
            f"(probably {meant!r}): the file was opened with the wrong encoding "
            f"before it was saved. Export it again. {SAVE_AS_UTF8}"
        )
    return text


def repaired(text: str) -> str | None:
    """Return the text as meant, if it is UTF-8 that was misread as Windows-1252.

    Each accented letter then shows as two or three symbols ("Ã¡" for "á");
    turning them back into bytes gives valid UTF-8, which real names never do.
    """
    changed = False

    def repair(match: re.Match[str]) -> str:
        nonlocal changed
        run = match.group()
        for encoding in ("cp1252", "latin-1"):
            try:
                meant = run.encode(encoding).decode("utf-8")
            except UnicodeError:
                continue
            changed = True
            return meant
        return run

    meant = re.sub(r"[^\x00-\x7f]{2,}", repair, text)
    return meant if changed else None


def _short_text(longest: int) -> Callable[[str], str]:
    return lambda text: text_of_length(text, longest)


_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d/%m/%y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d %B %Y",
)


def date_of_birth(text: str) -> date:
    """Return a date of birth written day first, or as an Excel day number."""
    # Some exports add a midnight time to every date.
    plain = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)
    born = _excel_serial_date(plain) or _written_date(plain)
    if born is None:
        raise Invalid(f"expected a date such as 24/03/2015 (day first), found {text!r}")
    if not date(1900, 1, 1) <= born <= date.today():
        raise Invalid(f"expected a date of birth in the past, found {text!r}")
    return born


def _excel_serial_date(text: str) -> date | None:
    """Return the date of an Excel day number, such as 42087 for 24/03/2015."""
    if not re.fullmatch(r"\d{5}(\.0+)?", text):
        return None
    # Excel counts from 1 January 1900 but treats 1900 as a leap year, so
    # day numbers of 1 March 1900 onwards count from 30 December 1899.
    return _EXCEL_EPOCH + timedelta(days=int(float(text)))


def _written_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def year_group(text: str) -> int:
    """Return the number of a year group written as 7, Y7 or Year 7."""
    match = re.fullmatch(r"(?:nc\s*)?(?:year|yr|y)?\s*(\d{1,2})(?:\.0)?", text.lower())
    if not match or not 1 <= int(match.group(1)) <= 14:
        raise Invalid(f"expected a year such as 7 or 'Year 7', found {text!r}")
    return int(match.group(1))


def ethnicity(text: str) -> str:
    """Return a DfE ethnicity code, such as WBRI, in capitals."""
    if not re.fullmatch(r"[A-Za-z]{4}", text):
        raise Invalid(
            f"expected a DfE ethnicity code of 4 letters such as WBRI, found {text!r}"
        )
    return text.upper()


_YES = {"yes", "y", "true", "1", "eligible"}
_NO = {"no", "n", "false", "0", "not eligible", "ineligible"}


def yes_or_no(text: str) -> bool:
    """Return whether a cell says yes, as exports write it (Yes, Y, TRUE, 1)."""
    answer = text.lower()
    if answer not in _YES | _NO:
        raise Invalid(f"expected Yes or No, found {text!r}")
    return answer in _YES


_SEN = {
    "n": "N",
    "nosen": "N",
    "none": "N",
    "k": "K",
    "sensupport": "K",
    "e": "E",
    "ehcplan": "E",
    "ehcp": "E",
    "educationhealthandcareplan": "E",
    # Statements were replaced by EHC plans from 2014.
    "s": "E",
    "statement": "E",
}


def sen_status(text: str) -> str:
    """Return the SEN status as N (none), K (SEN support) or E (EHC plan)."""
    status = _SEN.get(re.sub(r"[^a-z0-9]", "", text.lower()))
    if status is None:
        raise Invalid(
            f"expected N, K or E (or No SEN, SEN Support, EHC Plan), found {text!r}"
        )
    return status


#: The check of each field's values.
CHECKS: dict[str, Callable[[str], Any]] = {
    "upn": upn,
    "legal_surname": name,
    "legal_forename": name,
    "preferred_forename": name,
    "date_of_birth": date_of_birth,
    "gender": _short_text(20),
    "year_group": year_group,
    "form_group": _short_text(40),
    "admission_number": _short_text(20),
    "ethnicity": ethnicity,
    "free_school_meals": yes_or_no,
    "sen_status": sen_status,
}
