"""/v1 routes for invoice documents: an invoice as a PDF, invoices and their lines as CSV.

Read scope; the tenant comes from the credentials, so another tenant's invoice is a 404 and an
export holds only the caller's rows. Files come as attachments with a filename.
"""

from __future__ import annotations

from fastapi import Depends, Query
from fastapi.responses import Response

from monetiot.bootstrap import Platform
from monetiot.documents.exports import ExportFilter, export_csv, invoice_document
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import parse_time
from monetiot.web.routing import ApiRouter

router = ApiRouter()


def _attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/invoices/{invoice_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}})
def invoice_pdf(invoice_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> Response:
    """The invoice as the PDF a customer receives (`<number>.pdf`, or `<id>.pdf` for a draft)."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        document = invoice_document(uow, who.tenant, invoice_id)
    return _attachment(document.pdf(), "application/pdf", document.filename)


def export_filter(customer: str | None = None, status: str | None = None,
                  start: str | None = Query(None, alias="from",
                                            description="Period start at or after (RFC 3339 "
                                                        "or epoch ms)."),
                  end: str | None = Query(None, alias="to",
                                          description="Period start before (RFC 3339 or "
                                                      "epoch ms).")) -> ExportFilter:
    return ExportFilter(customer=customer or None, status=status or None,
                        start_from_ms=parse_time(start, "from"),
                        start_before_ms=parse_time(end, "to"))


@router.get("/exports/invoices.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def invoices_export(where: ExportFilter = Depends(export_filter),
                    who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> Response:
    """One row per invoice (filters: customer, status, from/to on the period start)."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        text = export_csv(uow, who.tenant, where)
    return _attachment(text, "text/csv; charset=utf-8", "invoices.csv")


@router.get("/exports/invoice-lines.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def lines_export(where: ExportFilter = Depends(export_filter),
                 who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Response:
    """One row per invoice line, with its invoice's number and id (same filters)."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        text = export_csv(uow, who.tenant, where, lines=True)
    return _attachment(text, "text/csv; charset=utf-8", "invoice-lines.csv")
