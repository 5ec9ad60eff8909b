"""What every page of a document carries around its content: a watermark, running header and
footer, and "Page i of n".

The watermark is drawn when a page starts, so the content covers it. The page count is only
known once every page is laid out, so `NumberedCanvas` holds the pages back and writes the
numbers when the document is saved; a one-page document gets no number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

MARGIN = 18 * mm
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#d5dbe3")
_WATERMARK = {"DRAFT": colors.HexColor("#e6e9ee"), "VOID": colors.HexColor("#f6d5d5")}


@dataclass(frozen=True)
class Decoration:
    watermark: str  # "" for none
    header: str  # on pages after the first
    footer: str

    def draw(self, canvas: Canvas, doc: Any) -> None:
        width, height = A4
        canvas.saveState()
        if self.watermark:
            canvas.setFillColor(_WATERMARK.get(self.watermark, _WATERMARK["DRAFT"]))
            canvas.setFont("Helvetica-Bold", 110)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -38, self.watermark)
            canvas.rotate(-35)
            canvas.translate(-width / 2, -height / 2)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        if canvas.getPageNumber() > 1:
            canvas.setFont("Helvetica", 7.5)
            canvas.drawString(MARGIN, height - MARGIN + 4 * mm, self.header)
        canvas.line(MARGIN, MARGIN + 2 * mm, width - MARGIN, MARGIN + 2 * mm)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, self.footer)
        canvas.restoreState()


class NumberedCanvas(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
    """A canvas that writes "Page i of n" in the footer once n is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for page in self._pages:
            self.__dict__.update(page)
            if total > 1:
                self.setFont("Helvetica", 7)
                self.setFillColor(MUTED)
                self.drawRightString(A4[0] - MARGIN, MARGIN - 2 * mm,
                                     f"Page {self.getPageNumber()} of {total}")
            super().showPage()
        super().save()
