"""/v1 routes for payments, refunds, voiding invoices and overdue invoices.

Bodies are read with exact decimals (JSON numbers never pass through a binary float). Writing
needs an admin key, reading a read key; everything is scoped to the key's tenant, so another
tenant's invoice and payment ids answer 404. A repeated idempotency key answers with the first
result (same status code), so a client may retry any POST here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.services import payments
from monetiot.services.access import Principal
from monetiot.web.deps import exact_body, platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")
Doc = dict[str, Any]

# Declared before the billing router's /invoices/{invoice_id}, or "overdue" would be an id.
@router.get("/invoices/overdue")
def overdue(who: Principal = Depends(principal),
            plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"invoices": payments.overdue(uow, plat.clock.now_ms(), who.tenant)})


@router.post("/invoices/{invoice_id}/payments", status_code=201)
def record_payment(invoice_id: str, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform),
                   doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"amount": "40.00", "method": "bank_transfer", "reference": "...",
    "idempotency_key": "..."}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(payments.record_payment(uow, plat.clock.now_ms(), who.tenant,
                                               invoice_id, doc), 201)


@router.get("/invoices/{invoice_id}/payments")
def list_payments(invoice_id: str, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(payments.list_payments(uow, who.tenant, invoice_id))


@router.post("/payments/{payment_id}/refunds", status_code=201)
def refund(payment_id: str, who: Principal = Depends(principal),
           plat: Platform = Depends(platform),
           doc: Doc = Depends(exact_body)) -> JSONResponse:
    """`{"amount": "10.00", "idempotency_key": "...", "reference": "..."}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(payments.refund(uow, plat.clock.now_ms(), who.tenant, payment_id, doc),
                       201)


@router.post("/invoices/{invoice_id}/void")
def void(invoice_id: str, who: Principal = Depends(principal),
         plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(payments.void_invoice(uow, plat.clock.now_ms(), who.tenant, invoice_id))
