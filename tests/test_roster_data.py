"""Made-up class lists for the roster tests. Every name and UPN here is invented."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from stdnum.gb import upn as upn_number

from survey_app.rosters.files import read_table
from survey_app.schools.roster import RosterFile, check_roster

#: Column names as a SIMS-style export has them.
SIMS_HEADER = [
    "Legal Surname",
    "Legal Forename",
    "Preferred Forename",
    "DOB",
    "Gender",
    "Year",
    "Reg Group",
    "UPN",
    "Adno",
    "Ethnicity",
    "FSM Eligible",
    "SEN Status",
]


def made_up_upn(serial: int, *, temporary: bool = False, la: str = "873") -> str:
    """Return a valid UPN of a made-up school (establishment 9999), issued in 2015.

    A temporary UPN has a two-digit serial and ends in a letter.
    """
    body = f"{la}999915" + (f"{serial:02d}T" if temporary else f"{serial:03d}")
    return upn_number.calc_check_digit(body) + body


def sims_row(
    serial: int,
    surname: str,
    forename: str,
    *,
    form: str = "7A",
    born: str = "24/03/2015",
    ethnicity: str = "WBRI",
    fsm: str = "No",
    sen: str = "N",
    upn: str | None = None,
) -> list[str]:
    """Return one student's row in SIMS-style columns."""
    return [
        surname,
        forename,
        forename,
        born,
        "F",
        "Year 7",
        form,
        upn or made_up_upn(serial),
        str(80000 + serial),
        ethnicity,
        fsm,
        sen,
    ]


def csv_bytes(
    rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    """Return rows as a CSV file's bytes, with Windows line endings as Excel writes."""
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def class_list(*rows: list[str]) -> bytes:
    """Return a SIMS-style CSV class list of ``rows``."""
    return csv_bytes([SIMS_HEADER, *rows])


def write(folder: Path, name: str, data: bytes) -> Path:
    """Save a file as a coordinator's computer would, and return its path."""
    path = folder / name
    path.write_bytes(data)
    return path


def check_file(path: Path) -> RosterFile:
    """Read and check a class-list file with the columns its header names."""
    return check_roster(read_table(path.read_bytes()))


def test_made_up_upns_are_valid_and_distinct():
    upns = {made_up_upn(serial) for serial in range(1, 200)}
    assert len(upns) == 199
    assert all(upn_number.is_valid(upn) for upn in upns)
    assert upn_number.is_valid(made_up_upn(7, temporary=True))
    assert made_up_upn(7, temporary=True).endswith("T")


def test_the_sample_class_list_reads_without_problems(tmp_path):
    path = write(
        tmp_path,
        "7A.csv",
        class_list(sims_row(1, "Penhallow", "Wren"), sims_row(2, "Tremayne", "Idris")),
    )
    roster = check_file(path)
    assert roster.problems == []
    assert [row.legal_surname for row in roster.rows] == ["Penhallow", "Tremayne"]
