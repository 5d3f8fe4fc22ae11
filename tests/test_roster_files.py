"""Class-list files as schools' systems really export them, each hazard in a small file.

Every file is made in the test from invented names and UPNs. A problem is
asserted as the coordinator reads it: row, field and what was expected.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from survey_app.rosters.files import MAX_FILE_BYTES, RosterUnreadable
from tests.test_roster_data import (
    SIMS_HEADER,
    check_file,
    class_list,
    csv_bytes,
    made_up_upn,
    sims_row,
    write,
)


def problems_of(roster) -> list[str]:
    return [str(problem) for problem in roster.problems]


# Encodings, byte-order marks and delimiters


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    data = codecs.BOM_UTF8 + class_list(sims_row(1, "Penhallow", "Wren"))
    roster = check_file(write(tmp_path, "bom.csv", data))
    assert roster.problems == []
    assert roster.header[0] == "Legal Surname"
    assert roster.rows[0].legal_surname == "Penhallow"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_commas_semicolons_and_tabs_all_separate_columns(tmp_path, delimiter):
    rows = [SIMS_HEADER, sims_row(1, "Penhallow", "Wren", form="7 Ash, upper")]
    roster = check_file(
        write(tmp_path, "list.csv", csv_bytes(rows, delimiter=delimiter))
    )
    assert roster.problems == []
    assert roster.rows[0].form_group == "7 Ash, upper"


def test_an_excel_separator_line_is_obeyed_and_not_counted_as_a_row(tmp_path):
    body = csv_bytes([SIMS_HEADER, sims_row(1, "Penhallow", "Wren")], delimiter=";")
    roster = check_file(write(tmp_path, "list.csv", b"sep=;\r\n" + body))
    assert roster.problems == []
    assert roster.rows[0].row == 2


def test_excel_unicode_text_utf16_with_tabs_is_read(tmp_path):
    rows = [SIMS_HEADER, sims_row(1, "Nowak-Kowalska", "Zoë")]
    data = codecs.BOM_UTF16_LE + csv_bytes(rows, delimiter="\t", encoding="utf-16-le")
    roster = check_file(write(tmp_path, "list.txt", data))
    assert roster.problems == []
    assert (roster.rows[0].legal_forename, roster.rows[0].legal_surname) == (
        "Zoë",
        "Nowak-Kowalska",
    )


def test_a_windows_1252_file_is_read_with_its_accents_and_curly_apostrophes(tmp_path):
    rows = [
        SIMS_HEADER,
        sims_row(1, "O’Rourke", "Siobhán"),
        sims_row(2, "Núñez", "Zoë"),
    ]
    path = write(tmp_path, "legacy.csv", csv_bytes(rows, encoding="cp1252"))

    from survey_app.rosters.files import read_table

    table = read_table(path.read_bytes())
    assert table.source == "CSV, Windows-1252"
    assert table.legacy_encoding == "Windows-1252"
    roster = check_file(path)
    assert roster.problems == []
    assert [(r.legal_forename, r.legal_surname) for r in roster.rows] == [
        ("Siobhán", "O’Rourke"),
        ("Zoë", "Núñez"),
    ]


@pytest.mark.parametrize(
    ("encoding", "surname"),
    [
        ("cp1250", "Łukaszewska"),  # Central European: Ł reads as £ in Windows-1252
        ("mac_roman", "O’Rourke"),  # Mac: the apostrophe reads as Õ in Windows-1252
        ("cp437", "Müller"),  # DOS: ü reads as a symbol in Windows-1252
    ],
)
def test_other_legacy_encodings_are_refused_with_a_request_for_utf8(
    tmp_path, encoding, surname
):
    rows = [SIMS_HEADER, sims_row(1, surname, "Wren")]
    path = write(tmp_path, "legacy.csv", csv_bytes(rows, encoding=encoding))
    with pytest.raises(RosterUnreadable) as refused:
        check_file(path)
    assert "not saved as UTF-8" in str(refused.value)
    assert "'CSV UTF-8 (Comma delimited)'" in str(refused.value)


def test_a_file_mixing_utf8_and_windows_1252_is_refused(tmp_path):
    data = class_list(sims_row(1, "Núñez", "Zoë")) + csv_bytes(
        [sims_row(2, "Gómez", "Idris")], encoding="cp1252"
    )
    with pytest.raises(RosterUnreadable, match="not saved as UTF-8"):
        check_file(write(tmp_path, "mixed.csv", data))


def test_mojibake_names_are_refused_with_the_name_they_were_meant_to_be(tmp_path):
    # Siobhán saved as UTF-8 after a program read it as Windows-1252.
    garbled = "Siobhán".encode().decode("cp1252")
    assert garbled == "SiobhÃ¡n"
    path = write(tmp_path, "list.csv", class_list(sims_row(1, "O’Rourke", garbled)))
    roster = check_file(path)
    assert roster.rows == []
    message = problems_of(roster)[0]
    assert message.startswith(
        "row 2, legal forename: expected text as it is written, found 'SiobhÃ¡n', "
        "which is garbled (probably 'Siobhán')"
    )
    assert "CSV UTF-8" in message


def test_a_garbled_curly_apostrophe_is_refused_too(tmp_path):
    garbled = "O’Rourke".encode().decode("cp1252")  # OâRourke
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, garbled, "Wren")))
    )
    assert "which is garbled (probably 'O’Rourke')" in problems_of(roster)[0]


def test_letters_lost_when_saving_are_refused(tmp_path):
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, "Wi?niewska", "Wren")))
    )
    assert problems_of(roster)[0].startswith(
        "row 2, legal surname: expected every letter of the name, found "
        "'Wi?niewska': letters were lost when the file was saved."
    )


def test_unreadable_characters_are_refused(tmp_path):
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, "Pen\ufffdallow", "Wren")))
    )
    assert "some letters could not be read" in problems_of(roster)[0]


# Names


@pytest.mark.parametrize(
    ("forename", "surname"),
    [
        ("Wren", "O'Rourke"),
        ("Wren", "O’Rourke"),
        ("Anna-Lise", "Penhallow-Tremayne"),
        ("Zoë", "Núñez Gómez"),
        ("Maëlle", "de la Croix"),
        ("Łucja", "Wiśniewska"),
        ("Юлия", "Соколова"),
        ("محمد", "الحسيني"),
        ("美玲", "王"),
        ("अर्जुन", "शर्मा"),
        ("Nguyễn Thị", "Hương"),
    ],
)
def test_names_are_stored_exactly_as_given(tmp_path, forename, surname):
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, surname, forename)))
    )
    assert roster.problems == []
    [row] = roster.rows
    assert (row.legal_forename, row.legal_surname) == (forename, surname)


def test_blank_and_nameless_names_are_refused(tmp_path):
    rows = [sims_row(1, "Penhallow", ""), sims_row(2, "-", "Wren")]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert problems_of(roster) == [
        "row 2, legal forename: expected a value, found an empty cell",
        "row 3, legal surname: expected a name, found '-'",
    ]
    assert roster.rows == []


def test_a_line_break_inside_a_name_is_refused(tmp_path):
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, "Pen\nhallow", "Wren")))
    )
    assert problems_of(roster)[0].startswith(
        "row 2, legal surname: expected text on one line"
    )


def test_an_unquoted_comma_in_a_name_is_caught(tmp_path):
    good = ",".join(sims_row(1, "Penhallow", "Wren"))
    shifted = ",".join(sims_row(2, "Tremayne, Jr", "Idris"))
    data = (",".join(SIMS_HEADER) + "\r\n" + good + "\r\n" + shifted + "\r\n").encode()
    roster = check_file(write(tmp_path, "l.csv", data))
    assert (
        "row 3, cells: expected at most 12 cells, as in the header row, found 13; "
        "a comma inside a name needs the cell in quotes"
    ) in problems_of(roster)


# UPNs


def test_a_short_upn_is_reported_with_what_was_expected(tmp_path):
    rows = [
        sims_row(1, "Penhallow", "Wren"),
        sims_row(2, "Tremayne", "Idris"),
        sims_row(3, "Karimi", "Soraya", upn="X1234"),
    ]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert problems_of(roster) == [
        "row 4, upn: expected a 13-character UPN with a valid check letter, "
        "found 'X1234'"
    ]


def test_a_wrong_check_letter_is_refused(tmp_path):
    good = made_up_upn(5)
    wrong = ("B" if good[0] != "B" else "C") + good[1:]
    roster = check_file(
        write(
            tmp_path, "l.csv", class_list(sims_row(5, "Penhallow", "Wren", upn=wrong))
        )
    )
    assert problems_of(roster) == [
        "row 2, upn: expected a 13-character UPN with a valid check letter, "
        f"found '{wrong}'"
    ]


def test_an_unknown_local_authority_is_refused(tmp_path):
    body = "000999915001"
    from stdnum.gb.upn import calc_check_digit

    upn = calc_check_digit(body) + body
    roster = check_file(
        write(tmp_path, "l.csv", class_list(sims_row(1, "Penhallow", "Wren", upn=upn)))
    )
    assert problems_of(roster) == [
        "row 2, upn: expected a UPN whose characters 2-4 are a local-authority "
        f"number, found '{upn}'"
    ]


def test_upns_are_normalised_and_temporary_and_newer_authority_ones_accepted(
    tmp_path,
):
    spaced = made_up_upn(1).lower()
    spaced = f" {spaced[:4]} {spaced[4:8]} {spaced[8:]} "
    rows = [
        sims_row(1, "Penhallow", "Wren", upn=spaced),
        sims_row(2, "Tremayne", "Idris", upn=made_up_upn(2, temporary=True)),
        sims_row(3, "Karimi", "Soraya", upn=made_up_upn(3, la="839")),
    ]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert roster.problems == []
    assert [row.upn for row in roster.rows] == [
        made_up_upn(1),
        made_up_upn(2, temporary=True),
        made_up_upn(3, la="839"),
    ]


def test_a_upn_twice_in_the_file_is_reported_on_the_second_row(tmp_path):
    rows = [
        sims_row(1, "Penhallow", "Wren"),
        sims_row(2, "Tremayne", "Idris"),
        sims_row(1, "Penhallow", "Wren", form="7B"),
    ]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert problems_of(roster) == [
        f"row 4, upn: expected each UPN once, but {made_up_upn(1)} is also on row 2"
    ]


# Dates


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("03/04/2015", date(2015, 4, 3)),
        ("24/03/2015", date(2015, 3, 24)),
        ("24-03-2015", date(2015, 3, 24)),
        ("24.03.2015", date(2015, 3, 24)),
        ("24/03/15", date(2015, 3, 24)),
        ("24 Mar 2015", date(2015, 3, 24)),
        ("2015-03-24", date(2015, 3, 24)),
        ("24/03/2015 00:00", date(2015, 3, 24)),
        ("42087", date(2015, 3, 24)),  # an Excel day number
    ],
)
def test_dates_are_read_day_first(tmp_path, written, meant):
    roster = check_file(
        write(
            tmp_path,
            "l.csv",
            class_list(sims_row(1, "Penhallow", "Wren", born=written)),
        )
    )
    assert roster.problems == []
    assert roster.rows[0].date_of_birth == meant


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("03/24/2015", "expected a date such as 24/03/2015 (day first)"),
        ("31/02/2015", "expected a date such as 24/03/2015 (day first)"),
        ("March 2015", "expected a date such as 24/03/2015 (day first)"),
        ("24/03/2099", "expected a date of birth in the past"),
    ],
)
def test_impossible_dates_are_refused(tmp_path, written, expected):
    roster = check_file(
        write(
            tmp_path,
            "l.csv",
            class_list(sims_row(1, "Penhallow", "Wren", born=written)),
        )
    )
    assert problems_of(roster) == [
        f"row 2, date of birth: {expected}, found '{written}'"
    ]


# The trial's extras and the other fields


def test_ethnicity_free_school_meals_and_sen_status_are_read(tmp_path):
    rows = [
        sims_row(1, "Penhallow", "Wren", ethnicity="wbri", fsm="Yes", sen="N"),
        sims_row(
            2, "Tremayne", "Idris", ethnicity="APKN", fsm="FALSE", sen="SEN Support"
        ),
        sims_row(3, "Karimi", "Soraya", ethnicity="BAFR", fsm="TRUE", sen="EHC Plan"),
        sims_row(4, "Osei", "Kofi", ethnicity="", fsm="", sen=""),
    ]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert roster.problems == []
    assert [(r.ethnicity, r.free_school_meals, r.sen_status) for r in roster.rows] == [
        ("WBRI", True, "N"),
        ("APKN", False, "K"),
        ("BAFR", True, "E"),
        (None, None, None),
    ]


def test_wrong_extras_and_year_groups_are_each_reported(tmp_path):
    row = sims_row(
        1, "Penhallow", "Wren", ethnicity="White British", fsm="maybe", sen="X"
    )
    row[SIMS_HEADER.index("Year")] = "Reception"
    roster = check_file(write(tmp_path, "l.csv", class_list(row)))
    assert problems_of(roster) == [
        "row 2, year group: expected a year such as 7 or 'Year 7', found 'Reception'",
        "row 2, ethnicity: expected a DfE ethnicity code of 4 letters such as WBRI, "
        "found 'White British'",
        "row 2, free school meals: expected Yes or No, found 'maybe'",
        "row 2, sen status: expected N, K or E (or No SEN, SEN Support, EHC Plan), "
        "found 'X'",
    ]


# Column names of different systems


UPN_1 = made_up_upn(1)


@pytest.mark.parametrize(
    "columns",
    [
        # SIMS
        {
            "Legal Surname": "Penhallow",
            "Legal Forename": "Wren",
            "Reg Group": "7A",
            "Year": "Year 7",
            "UPN": UPN_1,
            "DOB": "24/03/2015",
        },
        # Arbor
        {
            "First name": "Wren",
            "Last name": "Penhallow",
            "Registration form": "7A",
            "Year group": "7",
            "UPN": UPN_1,
            "Date of birth": "24/03/2015",
        },
        # Bromcom and others
        {
            "Surname": "Penhallow",
            "Forename": "Wren",
            "Tutor Group": "7A",
            "NC Year": "7",
            "Unique Pupil Number (UPN)": UPN_1,
            "Date of Birth (dd/mm/yyyy)": "24/03/2015",
        },
    ],
)
def test_each_systems_column_names_are_recognised(tmp_path, columns):
    header, cells = list(columns), list(columns.values())
    roster = check_file(write(tmp_path, "l.csv", csv_bytes([header, cells])))
    assert roster.problems == []
    row = roster.rows[0]
    assert (row.legal_forename, row.legal_surname, row.form_group, row.year_group) == (
        "Wren",
        "Penhallow",
        "7A",
        7,
    )
    assert row.date_of_birth == date(2015, 3, 24)


def test_a_missing_column_is_reported_on_the_header_row(tmp_path):
    header = [name for name in SIMS_HEADER if name != "Reg Group"]
    row = sims_row(1, "Penhallow", "Wren")
    del row[SIMS_HEADER.index("Reg Group")]
    roster = check_file(write(tmp_path, "l.csv", csv_bytes([header, row])))
    assert problems_of(roster) == [
        "row 1, form group: expected a column for Form group, such as one named "
        "'reg group' or 'registration form', found none"
    ]
    assert roster.rows == []


def test_a_header_without_students_is_refused(tmp_path):
    roster = check_file(write(tmp_path, "l.csv", class_list()))
    assert problems_of(roster) == [
        "row 2, rows: expected a student below the header, found none"
    ]


def test_title_lines_above_the_header_are_skipped_and_rows_keep_their_numbers(
    tmp_path,
):
    rows = [
        ["Class list: Year 7", "", ""],
        ["", "", ""],
        SIMS_HEADER,
        sims_row(1, "Penhallow", "Wren"),
        sims_row(2, "Tremayne", "Idris", upn="X1234"),
    ]
    roster = check_file(write(tmp_path, "l.csv", csv_bytes(rows)))
    assert roster.header_row == 3
    assert problems_of(roster) == [
        "row 5, upn: expected a 13-character UPN with a valid check letter, "
        "found 'X1234'"
    ]


def test_every_problem_in_a_file_is_listed_in_row_order(tmp_path):
    rows = [
        sims_row(1, "", "Wren"),
        sims_row(2, "Tremayne", "Idris"),
        sims_row(3, "Karimi", "Soraya", born="31/31/2015", upn="B12"),
    ]
    roster = check_file(write(tmp_path, "l.csv", class_list(*rows)))
    assert problems_of(roster) == [
        "row 2, legal surname: expected a value, found an empty cell",
        "row 4, date of birth: expected a date such as 24/03/2015 (day first), "
        "found '31/31/2015'",
        "row 4, upn: expected a 13-character UPN with a valid check letter, "
        "found 'B12'",
    ]


# Excel workbooks


def workbook_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_excel_workbook_is_read_with_real_and_serial_dates(tmp_path):
    rows = [
        SIMS_HEADER,
        [
            "Penhallow",
            "Wren",
            "",
            datetime(2015, 3, 24),
            "F",
            7,
            "7A",
            made_up_upn(1),
            80001,
            "WBRI",
            False,
            "N",
        ],
        [
            "Núñez",
            "Zoë",
            "Zoë",
            42088,
            "F",
            "Year 7",
            "7A",
            made_up_upn(2),
            80002.0,
            "APKN",
            True,
            "K",
        ],
    ]
    path = write(tmp_path, "list.xlsx", workbook_bytes(rows))
    roster = check_file(path)
    assert roster.problems == []
    first, second = roster.rows
    assert (first.date_of_birth, first.year_group, first.free_school_meals) == (
        date(2015, 3, 24),
        7,
        False,
    )
    assert (second.legal_forename, second.date_of_birth, second.admission_number) == (
        "Zoë",
        date(2015, 3, 25),
        "80002",
    )


def test_an_old_excel_file_is_refused_with_what_to_do(tmp_path):
    path = write(
        tmp_path, "list.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    )
    with pytest.raises(RosterUnreadable, match=r"older Excel file \(\.xls\)"):
        check_file(path)


def test_a_damaged_workbook_is_refused(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as contents:
        contents.writestr("hello.txt", "not a workbook")
    path = write(tmp_path, "list.xlsx", archive.getvalue())
    with pytest.raises(RosterUnreadable, match="could not be opened as an Excel"):
        check_file(path)


# Sizes


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(RosterUnreadable, match="The file is empty."):
        check_file(write(tmp_path, "empty.csv", b"\r\n"))


def test_a_file_over_5_mb_is_refused(tmp_path):
    data = class_list(sims_row(1, "Penhallow", "Wren")) + b" " * MAX_FILE_BYTES
    with pytest.raises(RosterUnreadable, match="larger than 5 MB"):
        check_file(write(tmp_path, "huge.csv", data))


def test_a_file_of_too_many_rows_is_refused(tmp_path):
    data = class_list(*[sims_row(1, "Penhallow", "Wren")] * 10_001)
    with pytest.raises(RosterUnreadable, match="more than 10000 rows"):
        check_file(write(tmp_path, "long.csv", data))


def test_binary_files_are_refused(tmp_path):
    with pytest.raises(RosterUnreadable, match="not a CSV file or an Excel workbook"):
        check_file(write(tmp_path, "photo.csv", "ab\x00cd".encode("utf-16")))
