"""CSV exports of invoices (one row each) and of their lines (one row per line).

Invariants: RFC 4180 (comma separated, CRLF line ends, a field quoted when it holds a comma,
quote or line break, quotes doubled); a header row first; amounts, quantities and rates are the
stored exact decimal text (no rounding, grouping or exponent); dates are ISO 8601 calendar dates
in the customer's time zone (the row's `timezone`, UTC when absent), and a period's end is its
last day (the period `[1 Oct, 1 Nov)` ends on 2026-10-31).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from monetiot.documents.formatting import iso_day, last_iso_day, local_zone, plain

INVOICE_COLUMNS = ("number", "id", "customer", "subscription", "status", "currency",
                   "period_start", "period_end", "subtotal", "tax", "total", "paid",
                   "issue_date", "due_date")
LINE_COLUMNS = ("invoice_number", "invoice_id", "currency", "position", "kind", "charge_id",
                "meter_id", "description", "covers_start", "covers_end", "quantity",
                "unit_price", "amount", "amount_due", "tax_rate", "tax_due")


def invoices_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """One row per invoice view (`services.billing.invoice_view`, plus the customer's
    `timezone`)."""
    return _write(INVOICE_COLUMNS, (_invoice(r) for r in rows))


def lines_csv(invoices: Iterable[Mapping[str, Any]]) -> str:
    """One row per line of each invoice view with its `lines` (`services.billing.get_invoice`,
    plus the customer's `timezone`), in invoice order then line position."""
    return _write(LINE_COLUMNS, (_line(inv, line) for inv in invoices
                                 for line in inv.get("lines") or ()))


def _write(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _invoice(inv: Mapping[str, Any]) -> list[str]:
    tz = local_zone(inv.get("timezone"))
    start, end = inv.get("period_start_ms"), inv.get("period_end_ms")
    return [_text(inv.get("number")), inv["id"], inv["customer"], _text(inv.get("subscription")),
            inv["status"], inv["currency"], iso_day(start, tz), last_iso_day(end, start, tz),
            plain(inv["subtotal"]), plain(inv["tax"]), plain(inv["total"]), plain(inv["paid"]),
            iso_day(inv.get("finalized_ms"), tz), iso_day(inv.get("due_ms"), tz)]


def _line(inv: Mapping[str, Any], line: Mapping[str, Any]) -> list[str]:
    tz = local_zone(inv.get("timezone"))
    start, end = line.get("covers_start_ms"), line.get("covers_end_ms")
    return [_text(inv.get("number")), inv["id"], inv["currency"], str(line["position"]),
            line["kind"], _text(line.get("charge_id")), _text(line.get("meter_id")),
            line["description"], iso_day(start, tz), last_iso_day(end, start, tz),
            plain(line.get("quantity")), plain(line.get("unit_price")), plain(line["amount"]),
            plain(line["amount_due"]), plain(line["tax_rate"]), plain(line["tax_due"])]
