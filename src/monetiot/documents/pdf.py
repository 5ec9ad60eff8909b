"""Invoice PDFs: one A4 document per invoice, laid out with ReportLab's built-in Helvetica.

What is printed comes from `summary` (exact amounts, local dates); this module only places it:
seller and title, the buyer and the invoice's facts, the charge lines with their steps, the
totals and the balance due, then notes. Invariants: the output depends only on its inputs (the
same invoice gives the same bytes: ReportLab's `invariant` mode); page content is stored
uncompressed, so the text stays searchable in the bytes; drafts and void invoices say so across
every page; pages are numbered "Page i of n" when there is more than one.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from monetiot.documents.formatting import day, local_zone, span
from monetiot.documents.pages import Decoration, NumberedCanvas
from monetiot.documents.summary import Item, Summary, summarize

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#6b7280")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#d5dbe3")
SHADE = colors.HexColor("#f2f4f7")
MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
# description, period, quantity, unit price, amount, tax rate, tax
COLUMNS = [x * mm for x in (56, 31, 20, 19, 20, 10, 18)]

_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=8.5, leading=11, textColor=INK)
_SMALL = ParagraphStyle("small", parent=_BASE, fontSize=7, leading=9, textColor=MUTED)
_STEP = ParagraphStyle("step", parent=_SMALL, leftIndent=3 * mm)
_LABEL = ParagraphStyle("label", parent=_SMALL, fontName="Helvetica-Bold", fontSize=6.5,
                        leading=9, textColor=MUTED)
_LABEL_RIGHT = ParagraphStyle("label_right", parent=_LABEL, alignment=TA_RIGHT)
_SELLER = ParagraphStyle("seller", parent=_BASE, fontName="Helvetica-Bold", fontSize=15,
                         leading=19)
_TITLE = ParagraphStyle("title", parent=_BASE, fontName="Helvetica-Bold", fontSize=22,
                        leading=26, textColor=ACCENT, alignment=TA_RIGHT)
_NAME = ParagraphStyle("name", parent=_BASE, fontName="Helvetica-Bold", fontSize=10.5,
                       leading=14)
_RIGHT = ParagraphStyle("right", parent=_BASE, alignment=TA_RIGHT)
_STATUS = {"draft": "Draft", "finalized": "Open", "paid": "Paid", "void": "Void"}
# Letters NFKD does not take apart into a base letter and an accent.
_BASES = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Ŧ": "T",
          "ŧ": "t", "ĸ": "k", "Ŀ": "L", "ŀ": "l"}


def render_invoice_pdf(invoice: Mapping[str, Any], tenant: Mapping[str, Any],
                       customer: Mapping[str, Any]) -> bytes:
    """The invoice view (`services.billing.get_invoice`) as a PDF, seller `tenant`, buyer
    `customer` (dates in the customer's time zone)."""
    tz = local_zone(customer.get("timezone"))
    summary = summarize(invoice, tz)
    seller = str(tenant.get("name") or tenant.get("id") or "")
    label = str(invoice.get("number") or "")
    status = str(invoice["status"])
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm, title=f"Invoice {label or invoice['id']}", author=seller,
        subject=f"Invoice for {customer.get('name') or invoice['customer']}",
        creator="monetiot", invariant=1, pageCompression=0,
    )
    decoration = Decoration(
        watermark={"draft": "DRAFT", "void": "VOID"}.get(status, ""),
        header=printable(f"{seller} \u00b7 Invoice {label or '(draft)'} (continued)"),
        footer=printable(f"{seller} \u00b7 Invoice {label or invoice['id']} \u00b7 "
                         f"{summary.currency} {summary.total}"),
    )
    frame = Frame(MARGIN, doc.bottomMargin, WIDTH, A4[1] - MARGIN - doc.bottomMargin,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="invoice", frames=[frame], onPage=decoration.draw)])
    story = [
        _heading(seller),
        Spacer(1, 7 * mm),
        _facts(invoice, customer, summary, tz),
        Spacer(1, 8 * mm),
        _lines(summary),
        Spacer(1, 5 * mm),
        KeepTogether([_totals(summary), Spacer(1, 6 * mm), *_notes(invoice, summary)]),
    ]
    doc.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def printable(text: object) -> str:
    """`text` in the built-in fonts' character set (Windows-1252): a letter outside it loses
    its accent (Ż -> Z, Ł -> L), and anything else becomes `?` rather than a blank box."""
    out = []
    for char in str(text):
        if _encodable(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(c))
        base = _BASES.get(char, base)
        out.append(base if base and all(_encodable(c) for c in base) else "?")
    return "".join(out)


def _encodable(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _p(text: object, style: ParagraphStyle = _BASE) -> Paragraph:
    return Paragraph(_x(text), style)


def _x(text: object) -> str:
    """Printable, escaped text for a Paragraph's markup."""
    return escape(printable(text))


def _heading(seller: str) -> Table:
    table = Table([[_p(seller, _SELLER), _p("INVOICE", _TITLE)]],
                  colWidths=[WIDTH * 0.6, WIDTH * 0.4])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
        ("LINEBELOW", (0, 0), (-1, 0), 1.5, ACCENT),
    ]))
    return table


def _facts(invoice: Mapping[str, Any], customer: Mapping[str, Any], summary: Summary,
           tz: Any) -> Table:
    buyer: list[Any] = [_p("BILLED TO", _LABEL), _p(customer.get("name") or customer["id"],
                                                    _NAME)]
    if customer.get("email"):
        buyer.append(_p(customer["email"]))
    buyer.append(_p(f"Customer {customer['id']}", _SMALL))
    status = str(invoice["status"])
    issued = invoice.get("finalized_ms")
    facts = [
        ("Invoice number", invoice.get("number") or "Assigned when finalized"),
        ("Issue date", day(issued, tz) if issued is not None else "Not issued"),
        ("Due date", day(invoice.get("due_ms"), tz) or "\u2013"),
        ("Billing period", span(invoice.get("period_start_ms"), invoice.get("period_end_ms"),
                                tz)),
        ("Currency", summary.currency),
        ("Status", _STATUS.get(status, status.capitalize())),
        ("Reference", invoice["id"]),
    ]
    if invoice.get("subscription"):
        facts.append(("Subscription", invoice["subscription"]))
    rows = [[_p(k.upper(), _LABEL), _p(v, _RIGHT)] for k, v in facts]
    meta = Table(rows, colWidths=[28 * mm, 52 * mm])
    meta.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]))
    outer = Table([[buyer, meta]], colWidths=[WIDTH - 80 * mm, 80 * mm])
    outer.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return outer


def _lines(summary: Summary) -> Table:
    head = ["Description", "Period", "Quantity", "Unit price", "Amount", "Tax", "Tax amount"]
    rows: list[list[Any]] = [[_p(h.upper(), _LABEL if i < 2 else _LABEL_RIGHT)
                              for i, h in enumerate(head)]]
    style: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for item in summary.items:
        rows.append(_item_row(item))
        for step in item.steps:
            rows.append([_p(step.label, _STEP), "", step.quantity, step.unit_price,
                         step.amount, "", ""])
            n = len(rows) - 1
            style += [("FONT", (0, n), (-1, n), "Helvetica", 7),
                      ("TEXTCOLOR", (0, n), (-1, n), MUTED),
                      ("TOPPADDING", (0, n), (-1, n), 0), ("BOTTOMPADDING", (0, n), (-1, n), 1)]
        style.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.4, RULE))
    if not summary.items:
        rows.append([_p("No charges in this period.", _SMALL), "", "", "", "", "", ""])
    table = Table(rows, colWidths=COLUMNS, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _item_row(item: Item) -> list[Any]:
    text = f"<b>{_x(item.description)}</b>"
    if item.note:
        text += f"<br/><font size=7 color='#6b7280'>{_x(item.note)}</font>"
    return [Paragraph(text, _BASE), _p(item.period), item.quantity, item.unit_price,
            item.amount, item.tax_rate, item.tax]


def _totals(summary: Summary) -> Table:
    rows: list[tuple[str, str]] = [("Subtotal", summary.subtotal)]
    if summary.discounts or summary.tax_inclusive:  # inclusive: the net is before the tax
        rows += [*summary.discounts, ("Net amount", summary.net)]
    rows.append((summary.tax_label, summary.tax))
    if summary.credits:
        rows.append(("Prepaid credits", summary.credits))
    bold_from = len(rows)
    rows.append((f"Total {summary.currency}", summary.total))
    rows.append(("Amount paid", summary.paid))
    rows.append((f"Balance due {summary.currency}", summary.balance_due))
    cells = [[_p(k, _BASE), v] for k, v in rows]
    last = len(rows) - 1
    style: list[tuple[Any, ...]] = [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (1, 0), (1, -1), "Helvetica", 8.5), ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEABOVE", (0, bold_from), (-1, bold_from), 0.8, INK),
        ("FONT", (1, bold_from), (1, bold_from), "Helvetica-Bold", 10),
        ("TOPPADDING", (0, bold_from), (-1, bold_from), 4),
        ("BOTTOMPADDING", (0, bold_from), (-1, bold_from), 4),
        ("BACKGROUND", (0, last), (-1, last), ACCENT),
        ("FONT", (1, last), (1, last), "Helvetica-Bold", 10),
        ("TEXTCOLOR", (1, last), (1, last), colors.white),
        ("TOPPADDING", (0, last), (-1, last), 5), ("BOTTOMPADDING", (0, last), (-1, last), 5),
    ]
    cells[bold_from][0] = Paragraph(f"<b>{_x(rows[bold_from][0])}</b>", _BASE)
    cells[last][0] = Paragraph(f"<font color='white'><b>{_x(rows[last][0])}</b></font>", _BASE)
    table = Table(cells, colWidths=[52 * mm, 32 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle(style))
    return table


def _notes(invoice: Mapping[str, Any], summary: Summary) -> list[Paragraph]:
    status, number = str(invoice["status"]), invoice.get("number")
    notes = [f"All amounts are in {summary.currency}."]
    if summary.tax_inclusive:
        notes.append("Prices include tax; the tax shown is the part of them that is tax.")
    if status == "draft":
        notes.append("This is a draft, not a request for payment: the invoice number is "
                     "assigned when it is finalized, and amounts may still change.")
    elif status == "void":
        notes.append("This invoice has been voided and is not payable.")
    elif status == "paid":
        notes.append("This invoice has been paid in full. Thank you.")
    elif number:
        notes.append(f"Please quote {number} with your payment.")
    if summary.credited:
        notes.append(f"Credit notes for {summary.currency} {summary.credited} have been issued "
                     "against this invoice.")
    return [_p("NOTES", _LABEL), *(_p(n, _SMALL) for n in notes)]
