"""Reading class lists exported from school management information systems.

Exports differ in column names and conventions, so each field is found by a
list of known column names, and each value is checked and normalised. Every
problem is reported with its row number (the header is row 1), the field and
what was expected; a file with any problem imports nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from stdnum.gb import upn as upn_number

#: Known column names of each field, compared without case, spaces or punctuation.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "legal_surname": ("legal surname", "surname", "last name", "family name"),
    "legal_forename": ("legal forename", "forename", "first name", "given name"),
    "preferred_forename": ("preferred forename", "preferred first name", "known as"),
    "date_of_birth": ("dob", "date of birth", "birth date"),
    "gender": ("gender", "sex"),
    "year_group": ("year", "year group", "nc year", "national curriculum year"),
    "form_group": (
        "reg group",
        "registration form",
        "registration group",
        "tutor group",
        "form",
        "form group",
        "class",
    ),
    "upn": ("upn", "unique pupil number"),
    "admission_number": ("adno", "admission number", "admission no"),
    "ethnicity": ("ethnicity", "ethnic code", "ethnicity code"),
    "free_school_meals": (
        "fsm eligible",
        "eligible for fsm",
        "fsm",
        "free school meals",
    ),
    "sen_status": ("sen status", "sen", "sen provision"),
}
REQUIRED = ("legal_surname", "legal_forename", "upn", "form_group", "year_group")

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}
_SEN = {
    "n": "N",
    "no sen": "N",
    "none": "N",
    "": "N",
    "k": "K",
    "sen support": "K",
    "e": "E",
    "ehc plan": "E",
    "ehcp": "E",
    "statement": "E",
}


def _simplify(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class RosterProblem:
    """One thing wrong with a class list, in words a school coordinator can act on."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class RosterRow:
    """One student as the class list describes them, already checked."""

    row: int
    upn: str
    legal_surname: str
    legal_forename: str
    preferred_forename: str | None
    date_of_birth: date | None
    gender: str | None
    year_group: int
    form_group: str
    admission_number: str | None
    ethnicity: str | None
    free_school_meals: bool | None
    sen_status: str | None


@dataclass
class RosterFile:
    """A read class list: the students found, and every problem met."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)


class RosterUnreadable(ValueError):
    """The file cannot be read as a class list at all."""


def decode_roster(data: bytes) -> str:
    """Return the text of a CSV export, refusing anything that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterUnreadable(
            "This file is not saved as UTF-8, so names with accents could be "
            "garbled. In your spreadsheet program choose Save As, then "
            "'CSV UTF-8 (Comma delimited)', and upload that file."
        ) from exc


def read_roster(text: str) -> RosterFile:
    """Read a CSV class list (comma, semicolon or tab separated)."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise RosterUnreadable("The file is empty.")

    columns = _map_columns(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        expected = "; ".join(
            f"{name.replace('_', ' ')} (such as '{COLUMN_ALIASES[name][0].title()}')"
            for name in missing
        )
        raise RosterUnreadable(f"Row 1 (the header) has no column for: {expected}.")

    result = RosterFile()
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: cells[index].strip() if index < len(cells) else ""
            for name, index in columns.items()
        }
        row = _read_row(number, values, result.problems)
        if row is not None:
            result.rows.append(row)
    _report_duplicates(result)
    return result


def _map_columns(header: list[str]) -> dict[str, int]:
    simplified = [_simplify(name) for name in header]
    columns: dict[str, int] = {}
    for name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if _simplify(alias) in simplified:
                columns[name] = simplified.index(_simplify(alias))
                break
    return columns


def _read_row(
    number: int, values: dict[str, str], problems: list[RosterProblem]
) -> RosterRow | None:
    before = len(problems)

    def problem(field_name: str, message: str) -> None:
        problems.append(RosterProblem(number, field_name.replace("_", " "), message))

    for name in REQUIRED:
        if not values.get(name):
            problem(name, "expected a value, found an empty cell")

    upn = values.get("upn", "").upper().replace(" ", "")
    if upn and not upn_number.is_valid(upn):
        problem(
            "upn",
            f"expected a 13-character UPN with a valid check letter, "
            f"found {values['upn']!r}",
        )
    year = _year_group(values.get("year_group", ""))
    if values.get("year_group") and year is None:
        problem(
            "year_group",
            f"expected a year such as 7 or 'Year 7', found {values['year_group']!r}",
        )
    born = _day_first_date(values.get("date_of_birth", ""))
    if values.get("date_of_birth") and born is None:
        problem(
            "date_of_birth",
            f"expected a date such as 24/03/2015, found {values['date_of_birth']!r}",
        )
    fsm = values.get("free_school_meals", "").lower()
    if fsm not in _YES | _NO:
        problem(
            "free_school_meals",
            f"expected Yes or No, found {values['free_school_meals']!r}",
        )
    sen = values.get("sen_status", "").lower()
    if sen not in _SEN:
        problem(
            "sen_status",
            f"expected N, K or E (or No SEN, SEN Support, EHC Plan), "
            f"found {values['sen_status']!r}",
        )

    if len(problems) > before:
        return None
    return RosterRow(
        row=number,
        upn=upn,
        legal_surname=values["legal_surname"],
        legal_forename=values["legal_forename"],
        preferred_forename=values.get("preferred_forename") or None,
        date_of_birth=born,
        gender=values.get("gender") or None,
        year_group=year or 0,
        form_group=values["form_group"],
        admission_number=values.get("admission_number") or None,
        ethnicity=values.get("ethnicity", "").upper() or None,
        free_school_meals=None if "free_school_meals" not in values else fsm in _YES,
        sen_status=None if "sen_status" not in values else _SEN[sen],
    )


def _year_group(text: str) -> int | None:
    match = re.fullmatch(r"(?:year|yr|y)?\s*(\d{1,2})", text.strip().lower())
    return int(match.group(1)) if match else None


def _day_first_date(text: str) -> date | None:
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _report_duplicates(result: RosterFile) -> None:
    first_seen: dict[str, int] = {}
    for row in result.rows:
        if row.upn in first_seen:
            result.problems.append(
                RosterProblem(
                    row.row,
                    "upn",
                    f"expected each UPN once, but {row.upn} is also on row "
                    f"{first_seen[row.upn]}",
                )
            )
        else:
            first_seen[row.upn] = row.row
