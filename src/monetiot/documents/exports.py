"""Use cases behind the documents: one invoice as a PDF, a tenant's invoices or lines as CSV.

Every read is scoped by the tenant from the caller's credentials: another tenant's invoice is
"not found", and an export only ever holds the tenant's own rows. Nothing here writes.
Rendering happens after the read (`InvoiceDocument.pdf`), so no transaction is held open
while a PDF is laid out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from monetiot.documents.csv_export import invoices_csv, lines_csv
from monetiot.documents.pdf import render_invoice_pdf
from monetiot.domain.errors import InvalidInput, NotFound
from monetiot.services.billing import get_invoice, invoice_view, line_view
from monetiot.store import invoice_exports as store
from monetiot.store import registry
from monetiot.store.engine import UnitOfWork

Row = dict[str, Any]
STATUSES = ("draft", "finalized", "paid", "void")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class InvoiceDocument:
    invoice: Row  # the invoice view with its lines
    seller: Row  # the tenant
    buyer: Row  # the customer

    @property
    def filename(self) -> str:
        return _UNSAFE.sub("_", str(self.invoice.get("number") or self.invoice["id"])) + ".pdf"

    def pdf(self) -> bytes:
        return render_invoice_pdf(self.invoice, self.seller, self.buyer)


def invoice_document(uow: UnitOfWork, tenant: str, invoice_id: str) -> InvoiceDocument:
    invoice = get_invoice(uow, tenant, invoice_id)
    seller = registry.get_tenant(uow.conn, tenant)
    buyer = registry.get_customer(uow.conn, tenant, invoice["customer"])
    if seller is None or buyer is None:
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    return InvoiceDocument(invoice, seller, buyer)


@dataclass(frozen=True)
class ExportFilter:
    """Which invoices to export: `start_from_ms <= period start < start_before_ms`."""

    customer: str | None = None
    status: str | None = None
    start_from_ms: int | None = None
    start_before_ms: int | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
        if (self.start_from_ms is not None and self.start_before_ms is not None
                and self.start_before_ms <= self.start_from_ms):
            raise InvalidInput("must be after `from`", field="to")


def export_csv(uow: UnitOfWork, tenant: str, where: ExportFilter, *, lines: bool = False) -> str:
    """The tenant's invoices matching `where` as CSV: one row per invoice, or per line."""
    views = invoice_views(uow, tenant, where, with_lines=lines)
    return lines_csv(views) if lines else invoices_csv(views)


def invoice_views(uow: UnitOfWork, tenant: str, where: ExportFilter, *,
                  with_lines: bool = False, page: int = 500) -> Iterator[Row]:
    """Invoice views in period order (plus the customer's `timezone`; `lines` if asked)."""
    after = None
    while True:
        rows = store.invoices_page(uow.conn, tenant, customer_id=where.customer,
                                   status=where.status, start_from_ms=where.start_from_ms,
                                   start_before_ms=where.start_before_ms, after=after,
                                   limit=page)
        if not rows:
            return
        by_invoice: dict[str, list[Row]] = {}
        if with_lines:
            for line in store.lines_of(uow.conn, tenant, [r["id"] for r in rows]):
                by_invoice.setdefault(line["invoice_id"], []).append(line)
        for row in rows:
            view = invoice_view(row) | {"timezone": row["timezone"]}
            if with_lines:
                view["lines"] = [line_view(x) for x in by_invoice.get(row["id"], [])]
            yield view
        last = rows[-1]
        after = (last["period_start_ms"], last["created_ms"], last["id"])
