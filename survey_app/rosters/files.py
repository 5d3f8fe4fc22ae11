"""Reading class-list files into rows of text, whatever program saved them.

Management information systems export CSV with commas, semicolons or tabs,
in UTF-8, UTF-16 or an older Windows code page, and Excel workbooks. All of
them become a Table of text cells, so that checking the values does not
depend on the file's format. A file that cannot be read reliably is refused
with a plain explanation of how to save it instead: a guessed encoding could
store garbled names.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

#: Larger files are refused; a whole school's class list is far smaller.
MAX_FILE_BYTES = 5 * 1024 * 1024
#: Rows read at most, header included.
MAX_ROWS = 10_000
# A workbook is a zip archive: this caps what it may unpack to, so that a
# small crafted file cannot exhaust the server's memory.
_MAX_UNPACKED_BYTES = 100 * 1024 * 1024

_ZIP = b"PK\x03\x04"
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"

SAVE_AS_UTF8 = (
    "In Excel choose File, Save As, and the type 'CSV UTF-8 (Comma delimited)', "
    "then upload that file. An Excel workbook (.xlsx) works too."
)


class RosterUnreadable(ValueError):
    """The file cannot be read as a class list at all."""


@dataclass(frozen=True)
class Table:
    """A file's rows as text cells; row n of the file is ``records[n - 1]``."""

    records: list[list[str]]
    #: How the file was read, such as "CSV, UTF-8" or "Excel workbook".
    source: str
    #: The older code page the text was read from, when it was not Unicode.
    legacy_encoding: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the table as JSON-ready data, for keeping until it is confirmed."""
        return {
            "records": self.records,
            "source": self.source,
            "legacy_encoding": self.legacy_encoding,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        """Return a table kept with ``as_json``."""
        return cls(data["records"], data["source"], data.get("legacy_encoding"))


def too_large_message() -> str:
    """Return the refusal shown for files over the size limit."""
    megabytes = MAX_FILE_BYTES // (1024 * 1024)
    return (
        f"The file is larger than {megabytes} MB, the most a class list can be. "
        "Export only the columns and year groups needed, or one file per form "
        "group."
    )


def read_table(data: bytes) -> Table:
    """Read a CSV export or an Excel workbook into a table of text cells."""
    if len(data) > MAX_FILE_BYTES:
        raise RosterUnreadable(too_large_message())
    if not data.strip():
        raise RosterUnreadable("The file is empty.")
    if data.startswith(_OLD_EXCEL):
        raise RosterUnreadable(
            "This is an older Excel file (.xls). Save it as 'Excel Workbook "
            "(.xlsx)' or as 'CSV UTF-8 (Comma delimited)', then upload that file."
        )
    if data.startswith(_ZIP):
        return Table(read_workbook(data), "Excel workbook")
    text, encoding, legacy = decode_text(data)
    return Table(read_csv(text), f"CSV, {encoding}", legacy)


def decode_text(data: bytes) -> tuple[str, str, str | None]:
    """Return a CSV file's text, its encoding, and the legacy code page if one.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order
    mark are read as they are. Anything else is read as Windows-1252, the code
    page of English Windows, only when every letter that gives is one a
    Western European name uses; other code pages are refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _no_binary(data.decode("utf-16")), "UTF-16", None
        except UnicodeDecodeError as exc:
            raise RosterUnreadable(_not_unicode()) from exc
    try:
        return _no_binary(data.decode("utf-8-sig")), "UTF-8", None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise RosterUnreadable(_not_unicode()) from exc
    if not _plausible_western_text(text):
        raise RosterUnreadable(_not_unicode())
    return _no_binary(text), "Windows-1252", "Windows-1252"


def _not_unicode() -> str:
    return (
        "This file is not saved as UTF-8 and its accented letters cannot be read "
        f"reliably, so names could be garbled. {SAVE_AS_UTF8}"
    )


def _no_binary(text: str) -> str:
    if "\x00" in text:
        raise RosterUnreadable(
            "This file is not a CSV file or an Excel workbook. Export the class "
            "list from your school's information system as CSV or Excel."
        )
    return text


# Curly apostrophes and no-break spaces are the only non-letters Windows-1252
# names hold; the other symbols there are what another code page's letters
# turn into when misread.
_LEGACY_NON_LETTERS = frozenset({"\u2018", "\u2019", "\u00a0"})


def _plausible_western_text(text: str) -> bool:
    for char in set(text):
        if char.isascii() or char in _LEGACY_NON_LETTERS:
            continue
        if not ("\u00c0" <= char <= "\u00ff" and char.isalpha()):
            return False
    # Misread text from other code pages (such as Mac Roman) puts capital
    # accented letters inside words written in small letters: "OÕBrien".
    for word in re.findall(r"\w+", text):
        if any(c.islower() for c in word) and any(
            c.isupper() and not c.isascii() for c in word[1:]
        ):
            return False
    return True


def read_csv(text: str) -> list[list[str]]:
    """Return the records of CSV text, separated by commas, semicolons or tabs."""
    # Excel writes a first line such as "sep=;" that it does not show as a row.
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint:
        delimiter = hint.group(1)
        text = text[hint.end() :]
    else:
        delimiter = _delimiter(next((line for line in text.splitlines() if line), ""))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS:
                raise RosterUnreadable(_too_many_rows())
    except csv.Error as exc:
        raise RosterUnreadable(
            f"Row {len(records) + 1} could not be read as CSV ({exc})."
        ) from exc
    return records


def _delimiter(header_line: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    return max(",;\t", key=unquoted.count)


def _too_many_rows() -> str:
    return (
        f"The file has more than {MAX_ROWS} rows, more than any school's class "
        "list. Check that it is the right file."
    )


def read_workbook(data: bytes) -> list[list[str]]:
    """Return the rows of the first sheet of an Excel workbook, as text."""
    # Imported here: only Excel uploads need openpyxl.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
        if unpacked > _MAX_UNPACKED_BYTES:
            raise RosterUnreadable(too_large_message())
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise RosterUnreadable(
            "This file could not be opened as an Excel workbook (.xlsx). Save it "
            "from Excel as 'Excel Workbook (.xlsx)' or 'CSV UTF-8 (Comma "
            "delimited)', then upload that file."
        ) from exc
    try:
        sheet = book.worksheets[0]
        # Some programs write wrong sheet sizes; read every row that is there.
        sheet.reset_dimensions()
        records = []
        for cells in sheet.iter_rows(values_only=True):
            records.append([cell_text(value) for value in cells])
            if len(records) > MAX_ROWS:
                raise RosterUnreadable(_too_many_rows())
    finally:
        book.close()
    return records


def cell_text(value: object) -> str:
    """Return a workbook cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
