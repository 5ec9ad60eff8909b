"""Rendering invoice documents from invoice views, without a database: exact numbers, local
dates, the PDF's states (draft, void, several pages) and CSV quoting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_billing_support import local
from test_documents_support import pdf_text

from monetiot.documents import invoices_csv, lines_csv, render_invoice_pdf
from monetiot.documents.exports import InvoiceDocument
from monetiot.documents.formatting import local_zone, money, number, plain, span
from monetiot.documents.pdf import printable

OCT = local("2026-10-01T00:00", "Europe/Berlin")
NOV = local("2026-11-01T00:00", "Europe/Berlin")
SELLER = {"id": "acme", "name": "Acme Energy"}
BUYER = {"id": "nord", "name": "Stadtwerke Nord AG", "email": "billing@nord.example",
         "timezone": "Europe/Berlin"}


def line(position: int, description: str, amount: str, **extra: Any) -> dict[str, Any]:
    return {"position": position, "kind": "recurring", "charge_id": f"c{position}",
            "description": description, "meter_id": None, "quantity": "1", "unit_price": amount,
            "amount": amount, "amount_due": amount, "tax_rate": "0", "tax_due": "0",
            "covers_start_ms": OCT, "covers_end_ms": NOV, "details": {"unit": "period"},
            **extra}


def invoice(lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    total = sum((Decimal(x["amount_due"]) for x in lines), Decimal(0))
    return {"id": "inv_1", "number": "INV-000007", "customer": "nord", "subscription": "s1",
            "kind": "period", "status": "finalized", "currency": "EUR", "period_start_ms": OCT,
            "period_end_ms": NOV, "subtotal": str(total), "tax": "0", "total": str(total),
            "credited": "0", "paid": "0", "created_ms": NOV, "finalized_ms": NOV,
            "due_ms": NOV + 14 * 86_400_000, "paid_ms": None, "voided_ms": None,
            "lines": lines, **extra}


def shown(view: dict[str, Any], buyer: dict[str, Any] = BUYER) -> list[str]:
    return pdf_text(render_invoice_pdf(view, SELLER, buyer)).splitlines()


# numbers and dates ----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "currency", "text"), [
    ("1234.5", "EUR", "1,234.50"),
    ("0.1", "EUR", "0.10"),
    ("205.2461250", "EUR", "205.246125"),  # an unrounded step keeps every digit it has
    ("12345678901234567890123456789.01", "EUR", "12,345,678,901,234,567,890,123,456,789.01"),
    ("1200", "JPY", "1,200"),
    ("1.5", "KWD", "1.500"),
    ("-3.1", "EUR", "-3.10"),
    ("-0.00", "EUR", "0.00"),
    ("1E+3", "EUR", "1,000.00"),
])
def test_amounts_are_written_exactly_at_the_minor_unit(value: str, currency: str,
                                                       text: str) -> None:
    assert money(value, currency) == text
    assert money(Decimal(value), currency) == text


def test_numbers_never_pass_through_float() -> None:
    assert number("12345.670") == "12,345.670"
    assert plain("1E+3") == "1000" and plain(Decimal("0.0000001")) == "0.0000001"
    with pytest.raises(TypeError):
        money(0.1, "EUR")


def test_a_period_is_written_by_its_first_and_last_local_day() -> None:
    berlin = local_zone("Europe/Berlin")
    assert span(OCT, NOV, berlin) == "1\u201331 Oct 2026"
    assert span(OCT, local("2026-12-01T00:00", "Europe/Berlin"), berlin) == \
        "1 Oct \u2013 30 Nov 2026"
    assert span(OCT, NOV, local_zone("UTC")) == "30 Sep \u2013 31 Oct 2026"
    assert span(local("2026-12-01T00:00", "Europe/Berlin"),
                local("2027-01-01T00:00", "Europe/Berlin"), berlin) == "1\u201331 Dec 2026"


# PDF ------------------------------------------------------------------------------------------

def test_the_same_invoice_gives_the_same_bytes() -> None:
    view = invoice([line(1, "Platform fee", "29")])
    assert render_invoice_pdf(view, SELLER, BUYER) == render_invoice_pdf(view, SELLER, BUYER)


def test_a_draft_says_so_and_has_no_number_yet() -> None:
    view = invoice([line(1, "Platform fee", "29")], status="draft", number=None,
                   finalized_ms=None, due_ms=None)
    text = shown(view)
    assert {"DRAFT", "Draft", "Assigned when finalized", "Not issued"} <= set(text)
    assert InvoiceDocument(view, SELLER, BUYER).filename == "inv_1.pdf"
    assert InvoiceDocument(invoice([]), SELLER, BUYER).filename == "INV-000007.pdf"


def test_a_void_invoice_says_so_and_nothing_is_due() -> None:
    text = shown(invoice([line(1, "Platform fee", "29")], status="void"))
    assert {"VOID", "Void", "This invoice has been voided and is not payable."} <= set(text)
    assert text[text.index("Balance due EUR") + 1] == "0.00"


def test_a_long_invoice_numbers_its_pages_and_repeats_the_header() -> None:
    view = invoice([line(i, f"Charge {i}", "1.25") for i in range(1, 81)])
    text = shown(view)
    pages = [t for t in text if t.startswith("Page ")]
    total = len(pages)
    assert total >= 2 and pages == [f"Page {i} of {total}" for i in range(1, total + 1)]
    assert text.count("DESCRIPTION") == total  # the table header on every page
    assert text.count("Acme Energy \u00b7 Invoice INV-000007 (continued)") == total - 1
    assert "Charge 80" in text and "100.00" in text


def test_a_paid_invoice_with_inclusive_tax_and_a_payment() -> None:
    view = invoice([line(1, "Gateway", "1200", tax_rate="10", tax_due="109")],
                   currency="JPY", tax="109", status="paid", paid="1200")
    text = shown(view)
    assert {"Tax included (10%)", "1,200", "109", "Total JPY", "Amount paid"} <= set(text)
    assert text[text.index("Balance due JPY") + 1] == "0"
    assert "Prices include tax; the tax shown is the part of them that is tax." in text


def test_usage_steps_are_printed_under_their_line() -> None:
    usage = line(1, "Mobile data", "12.00", kind="usage", quantity="1234", unit_price=None,
                 details={"unit": "data_mb", "included": "500", "billable": "734",
                          "explanation": [{"kind": "package", "quantity": "8",
                                           "unit_price": "1.50", "amount": "12.00"}]})
    tiered = line(2, "Energy", "1755.2461250", kind="usage", quantity="12345.670",
                  unit_price=None, amount_due="1755.25",
                  details={"unit": "kwh", "explanation": [
                      {"kind": "tier", "quantity": "10000", "unit_price": "0.155",
                       "amount": "1550.000", "tier": 0, "from": "0", "up_to": "10000"},
                      {"kind": "tier", "quantity": "2345.670", "unit_price": "0.0875",
                       "amount": "205.2461250", "tier": 1, "from": "10000", "up_to": None}]})
    text = shown(invoice([usage, tiered]))
    for expected in ["1,234 data_mb, 500 included, 734 billable", "Packages", "8", "1.50",
                     "Tier 1 (up to 10,000)", "0.155", "1,550.00", "Tier 2 (over 10,000)",
                     "2,345.670", "0.0875", "205.246125", "1,755.25", "see below"]:
        assert expected in text, expected


def test_text_outside_the_built_in_fonts_loses_accents_not_letters() -> None:
    assert printable("Żabka Łódź – Müller €") == "Zabka Lódz – Müller €"  # ó is in the set
    assert printable("東京") == "??"
    buyer = BUYER | {"name": "Żabka <Łódź> & Co"}
    assert "Zabka <Lódz> & Co" in "".join(shown(invoice([line(1, "Fee", "1")]), buyer))


# CSV ------------------------------------------------------------------------------------------

def test_csv_fields_are_quoted_as_rfc_4180_says() -> None:
    view = invoice([line(1, 'Fee, "monthly"\nsecond line', "1E+3")]) | {
        "timezone": "Europe/Berlin"}
    text = lines_csv([view])
    assert text.split("\r\n")[1] == (
        'INV-000007,inv_1,EUR,1,recurring,c1,,"Fee, ""monthly""\nsecond line",'
        "2026-10-01,2026-10-31,1,1000,1000,1000,0,0")
    assert invoices_csv([]) == (
        "number,id,customer,subscription,status,currency,period_start,period_end,subtotal,"
        "tax,total,paid,issue_date,due_date\r\n")
