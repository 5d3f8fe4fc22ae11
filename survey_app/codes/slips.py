"""Code slips: what a coordinator prints and cuts out, one slip per student.

Slips come in batches, one form group each, sorted by surname. The same
slips are drawn as a web page to print from the browser, and as a PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from fpdf import FPDF

from survey_app.codes.access_codes import format_code
from survey_app.codes.service import IssuedCode

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"

# A4 in millimetres, with 2 x 5 slips a page.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
MARGIN = 10
COLUMNS, ROWS = 2, 5
SLIP_WIDTH = (PAGE_WIDTH - 2 * MARGIN) / COLUMNS
SLIP_HEIGHT = (PAGE_HEIGHT - 2 * MARGIN) / ROWS


@dataclass(frozen=True)
class Slip:
    """What one slip says."""

    name: str
    form_group: str
    code: str


@dataclass(frozen=True)
class Batch:
    """The slips of one form group."""

    form_group: str
    slips: list[Slip]


def batches(issued: Iterable[IssuedCode]) -> list[Batch]:
    """Group issued codes into slips, one batch per form group, by surname."""

    def order(entry: IssuedCode) -> tuple[str, str, str]:
        student = entry.student
        return (student.form_group, student.legal_surname, student.legal_forename)

    result = []
    entries = sorted(issued, key=order)
    for form_group, group in groupby(entries, key=lambda e: e.student.form_group):
        slips = [
            Slip(
                name=entry.student.display_name,
                form_group=form_group,
                code=format_code(entry.code),
            )
            for entry in group
        ]
        result.append(Batch(form_group, slips))
    return result


def slips_pdf(batches: list[Batch], survey_address: str, instructions: str) -> bytes:
    """Draw the batches as an A4 PDF with dashed cut lines; each batch starts a page."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title("Survey code slips")
    # DejaVu Sans carries accents and most non-Latin scripts, so names are
    # printed exactly as the school's records give them.
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))

    for batch in batches:
        for start in range(0, len(batch.slips), COLUMNS * ROWS):
            pdf.add_page()
            page = batch.slips[start : start + COLUMNS * ROWS]
            for position, slip in enumerate(page):
                column, row = position % COLUMNS, position // COLUMNS
                _draw_slip(
                    pdf,
                    MARGIN + column * SLIP_WIDTH,
                    MARGIN + row * SLIP_HEIGHT,
                    slip,
                    survey_address,
                    instructions,
                )
    return bytes(pdf.output())


def _draw_slip(
    pdf: FPDF, x: float, y: float, slip: Slip, address: str, instructions: str
) -> None:
    with pdf.local_context():
        pdf.set_draw_color(120)
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.rect(x, y, SLIP_WIDTH, SLIP_HEIGHT)
    inner = SLIP_WIDTH - 12
    pdf.set_xy(x + 6, y + 6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(inner, 8, slip.name, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(inner, 6, slip.form_group, new_x="LEFT", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 22)
    pdf.cell(inner, 12, slip.code, new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(inner, 4.5, f"{instructions} {address}")
