"""/v1 routes for payments, refunds, voiding invoices and overdue invoices.

Bodies are typed and read with exact decimals (never through a binary float). Writing
needs an admin key, reading a read key; everything is scoped to the key's tenant, so another
tenant's invoice and payment ids answer 404. A repeated idempotency key answers with the first
result (same status code), so a client may retry any POST here.
"""

from __future__ import annotations

from fastapi import Depends

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest
from monetiot.services import payments
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.billing import Invoice, OverdueList
from monetiot.web.schemas.payments import InvoicePayments, Payment, PaymentCreate, RefundCreate

router = ApiRouter()


# Declared before the billing router's /invoices/{invoice_id}, or "overdue" would be an id.
@router.get("/invoices/overdue")
def overdue(who: Principal = Depends(principal), plat: Platform = Depends(platform),
            pages: PageRequest = Depends(page)) -> OverdueList:
    """Finalized invoices past their due date, longest overdue first."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = payments.overdue(uow, plat.clock.now_ms(), who.tenant, pages)
    return OverdueList.page("invoices", found)


@router.post("/invoices/{invoice_id}/payments", status_code=201)
def record_payment(invoice_id: str, body: PaymentCreate, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> Payment:
    """Money received outside any provider; a repeated `idempotency_key` answers with the
    first payment."""
    who.require("admin")
    with plat.uow() as uow:
        return Payment.of(payments.record_payment(uow, plat.clock.now_ms(), who.tenant,
                                                  invoice_id, body.doc()))


@router.get("/invoices/{invoice_id}/payments")
def list_payments(invoice_id: str, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> InvoicePayments:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return InvoicePayments.of(payments.list_payments(uow, who.tenant, invoice_id))


@router.post("/payments/{payment_id}/refunds", status_code=201)
def refund(payment_id: str, body: RefundCreate, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> Payment:
    """Money given back for a succeeded payment."""
    who.require("admin")
    with plat.uow() as uow:
        return Payment.of(payments.refund(uow, plat.clock.now_ms(), who.tenant, payment_id,
                                          body.doc()))


@router.post("/invoices/{invoice_id}/void")
def void(invoice_id: str, who: Principal = Depends(principal),
         plat: Platform = Depends(platform)) -> Invoice:
    who.require("admin")
    with plat.uow() as uow:
        return Invoice.of(payments.void_invoice(uow, plat.clock.now_ms(), who.tenant,
                                                invoice_id))
