"""Checking class lists exported from school management information systems.

Exports differ in column names and conventions, so each field is found by a
list of known column names (which the coordinator can change), and each value
is checked and normalised. Names are stored exactly as given. Every problem is
reported with its row number in the file, the field and what was expected; a
file with any problem imports nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from survey_app.rosters.files import RosterUnreadable, Table, decode_text, read_csv
from survey_app.rosters.values import CHECKS, Invalid

#: Each field of a student, in the words of the mapping page.
FIELDS: dict[str, str] = {
    "upn": "UPN",
    "legal_surname": "Legal surname",
    "legal_forename": "Legal forename",
    "preferred_forename": "Preferred forename",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "year_group": "Year group",
    "form_group": "Form group",
    "admission_number": "Admission number",
    "ethnicity": "Ethnicity",
    "free_school_meals": "Free school meals",
    "sen_status": "SEN status",
}
REQUIRED = ("legal_surname", "legal_forename", "upn", "form_group", "year_group")

#: Known column names of each field, compared without case, spaces or punctuation.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "legal_surname": (
        "legal surname",
        "surname",
        "last name",
        "legal last name",
        "family name",
        "student surname",
        "pupil surname",
    ),
    "legal_forename": (
        "legal forename",
        "forename",
        "first name",
        "legal first name",
        "given name",
        "student forename",
        "pupil forename",
    ),
    "preferred_forename": (
        "preferred forename",
        "preferred first name",
        "preferred name",
        "known as",
    ),
    "date_of_birth": ("dob", "date of birth", "birth date", "birthdate"),
    "gender": ("gender", "sex", "legal sex"),
    "year_group": (
        "year",
        "year group",
        "nc year",
        "national curriculum year",
        "curriculum year",
        "year group name",
    ),
    "form_group": (
        "reg group",
        "registration form",
        "registration group",
        "reg form",
        "tutor group",
        "form",
        "form group",
        "form class",
        "class",
    ),
    "upn": ("upn", "unique pupil number", "unique pupil number upn", "upn number"),
    "admission_number": ("adno", "admission number", "admission no", "adm no"),
    "ethnicity": ("ethnicity", "ethnic code", "ethnicity code", "ethnic group"),
    "free_school_meals": (
        "fsm eligible",
        "eligible for fsm",
        "fsm",
        "fsm eligibility",
        "free school meals",
    ),
    "sen_status": ("sen status", "sen", "sen provision", "send status"),
}

#: Columns of a file: the position of the column each field is read from.
Columns = dict[str, int]


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

    def details(self) -> dict[str, Any]:
        """Return every field but the UPN, as the student's record holds them."""
        return {name: getattr(self, name) for name in FIELDS if name != "upn"}


@dataclass
class RosterFile:
    """A checked class list: the students found, and every problem met."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)
    #: The column each field was read from; fields without one are absent.
    columns: Columns = field(default_factory=dict)
    header: list[str] = field(default_factory=list)
    header_row: int = 1


def decode_roster(data: bytes) -> str:
    """Return the text of a CSV export, refusing any that cannot be read reliably."""
    text, _encoding, _legacy = decode_text(data)
    return text


def read_roster(text: str) -> RosterFile:
    """Check a CSV class list, with its columns found by their names."""
    roster = check_roster(Table(read_csv(text), "CSV"))
    column_problems = [p for p in roster.problems if p.row == roster.header_row]
    if column_problems and not roster.rows:
        raise RosterUnreadable("; ".join(str(p) for p in column_problems))
    return roster


def header_row(table: Table) -> int:
    """Return the number of the header row: the first to name the key columns.

    Some exports put a title and a blank line above the header.
    """
    filled = [
        number
        for number, record in enumerate(table.records, start=1)
        if any(cell.strip() for cell in record)
    ]
    if not filled:
        raise RosterUnreadable("The file is empty.")
    for number in filled[:10]:
        found = detect_columns(table.records[number - 1])
        if sum(name in found for name in REQUIRED) >= 2:
            return number
    return filled[0]


def file_header(table: Table) -> list[str]:
    """Return the names of the file's columns."""
    return [_clean(cell) for cell in table.records[header_row(table) - 1]]


def detect_columns(header: list[str]) -> Columns:
    """Return the column of each field whose column name is a known one."""
    simplified = [_simplify(re.sub(r"\(.*?\)", "", name)) for name in header]
    columns: Columns = {}
    for name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if _simplify(alias) in simplified:
                columns[name] = simplified.index(_simplify(alias))
                break
    return columns


def check_roster(table: Table, columns: Columns | None = None) -> RosterFile:
    """Check every row of a class list, reading fields from ``columns``.

    Without ``columns``, each field is read from the column a known name
    finds for it.
    """
    number = header_row(table)
    header = file_header(table)
    if columns is None:
        columns = detect_columns(header)
    result = RosterFile(columns=dict(columns), header=header, header_row=number)
    result.problems = _column_problems(result)
    if result.problems:
        return result

    for row_number, cells in enumerate(table.records[number:], start=number + 1):
        if not any(_clean(cell) for cell in cells):
            continue
        row = _read_row(row_number, cells, result)
        if row is not None:
            result.rows.append(row)
    # A list of nobody would make everyone on roll "missing from the file".
    if not result.rows and not result.problems:
        result.problems.append(
            RosterProblem(
                number + 1, "rows", "expected a student below the header, found none"
            )
        )
    _report_duplicates(result)
    return result


def _column_problems(roster: RosterFile) -> list[RosterProblem]:
    problems = []
    chosen: dict[int, str] = {}
    for name in FIELDS:
        index = roster.columns.get(name)
        if index is None:
            if name in REQUIRED:
                named = " or ".join(repr(alias) for alias in COLUMN_ALIASES[name][:2])
                problems.append(
                    _problem(
                        roster.header_row,
                        name,
                        f"expected a column for {FIELDS[name]}, such as one named "
                        f"{named}, found none",
                    )
                )
        elif not 0 <= index < len(roster.header):
            problems.append(
                _problem(roster.header_row, name, "expected one of the file's columns")
            )
        elif index in chosen:
            problems.append(
                _problem(
                    roster.header_row,
                    name,
                    f"expected a column of its own, but '{roster.header[index]}' is "
                    f"also chosen for {FIELDS[chosen[index]]}",
                )
            )
        else:
            chosen[index] = name
    return problems


def _problem(row: int, name: str, message: str) -> RosterProblem:
    return RosterProblem(row, name.replace("_", " "), message)


def _read_row(number: int, cells: list[str], roster: RosterFile) -> RosterRow | None:
    before = len(roster.problems)
    extra = [cell for cell in cells[len(roster.header) :] if _clean(cell)]
    if extra:
        roster.problems.append(
            RosterProblem(
                number,
                "cells",
                f"expected at most {len(roster.header)} cells, as in the header "
                f"row, found {len(roster.header) + len(extra)}; a comma inside a "
                "name needs the cell in quotes",
            )
        )

    values: dict[str, Any] = {name: None for name in FIELDS}
    for name, index in roster.columns.items():
        text = _clean(cells[index]) if index < len(cells) else ""
        if not text:
            if name in REQUIRED:
                roster.problems.append(
                    _problem(number, name, "expected a value, found an empty cell")
                )
            continue
        try:
            values[name] = CHECKS[name](text)
        except Invalid as invalid:
            roster.problems.append(_problem(number, name, str(invalid)))

    if len(roster.problems) > before:
        return None
    return RosterRow(row=number, **values)


def _clean(cell: str) -> str:
    # Zero-width spaces and stray byte-order marks are invisible in a
    # spreadsheet but would make two equal names differ.
    return cell.strip().strip("\u200b\ufeff").strip()


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
