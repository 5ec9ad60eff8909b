"""/v1 routes for subscriptions, billing runs, invoices, credits and entitlements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.services import billing, charges, credits, subscriptions
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")
Doc = dict[str, Any]


@router.post("/subscriptions", status_code=201)
def create_subscription(doc: Doc = Body(...), who: Principal = Depends(principal),
                        plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(subscriptions.create(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/subscriptions")
def list_subscriptions(customer: str | None = None, who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"subscriptions": subscriptions.list_all(uow, who.tenant, customer)})


@router.get("/subscriptions/{sub_id}")
def get_subscription(sub_id: str, who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(subscriptions.get(uow, who.tenant, sub_id))


@router.post("/subscriptions/{sub_id}/change")
def change_plan(sub_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    """`{"plan": "pro", "version": 2, "when": "now" | "period_end"}` (when: by direction)."""
    who.require("admin")
    if not isinstance(doc.get("plan"), str):
        raise InvalidInput("required", field="plan")
    with plat.uow() as uow:
        return respond(subscriptions.change_plan(uow, plat.clock.now_ms(), who.tenant, sub_id,
                                                 doc["plan"], doc.get("version"),
                                                 doc.get("when")))


@router.post("/subscriptions/{sub_id}/cancel")
def cancel(sub_id: str, doc: Doc | None = Body(None), who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(subscriptions.cancel(uow, plat.clock.now_ms(), who.tenant, sub_id,
                                            str((doc or {}).get("when", "period_end"))))


@router.post("/subscriptions/{sub_id}/pause")
def pause(sub_id: str, who: Principal = Depends(principal),
          plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(subscriptions.pause(uow, plat.clock.now_ms(), who.tenant, sub_id))


@router.post("/subscriptions/{sub_id}/resume")
def resume(sub_id: str, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(subscriptions.resume(uow, plat.clock.now_ms(), who.tenant, sub_id))


@router.post("/subscriptions/{sub_id}/coupons")
def apply_coupon(sub_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(credits.apply_coupon(uow, plat.clock.now_ms(), who.tenant, sub_id,
                                            str(doc.get("coupon", ""))))


@router.post("/billing/run")
def run_billing(who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    """Bill every due period of this tenant's subscriptions now (safe to repeat)."""
    who.require("admin")
    report = billing.run(plat.uow, plat.clock.now_ms(), who.tenant)
    return respond({"subscriptions": report.subscriptions, "invoices": report.invoices,
                    "errors": report.errors})


@router.get("/invoices")
def list_invoices(customer: str | None = None, subscription: str | None = None,
                  status: str | None = None, limit: int = Query(100, ge=1, le=1000),
                  who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"invoices": billing.list_invoices(
            uow, who.tenant, customer_id=customer, subscription_id=subscription, status=status,
            limit=min(limit, 1000))})


@router.get("/invoices/{invoice_id}")
def get_invoice(invoice_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(billing.get_invoice(uow, who.tenant, invoice_id))


@router.post("/invoices/{invoice_id}/finalize")
def finalize(invoice_id: str, who: Principal = Depends(principal),
             plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        billing.finalize_invoice(uow, plat.clock.now_ms(), who.tenant, invoice_id)
        uow.commit()
        return respond(billing.get_invoice(uow, who.tenant, invoice_id))


@router.post("/invoices/{invoice_id}/credit-notes", status_code=201)
def credit_note(invoice_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(credits.issue_credit_note(uow, plat.clock.now_ms(), who.tenant,
                                                 invoice_id, doc), 201)


@router.get("/credit-notes")
def list_credit_notes(invoice: str | None = None, who: Principal = Depends(principal),
                      plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"credit_notes": credits.list_credit_notes(uow, who.tenant, invoice)})


@router.put("/customers/{customer_id}/billing")
def customer_billing(customer_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> JSONResponse:
    """`{"tax_rate": "20", "tax_inclusive": false, "payment_terms_days": 30}`."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(credits.set_customer_billing(uow, who.tenant, customer_id, doc))


@router.post("/customers/{customer_id}/wallet/top-ups", status_code=201)
def top_up(customer_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(credits.top_up(uow, plat.clock.now_ms(), who.tenant, customer_id, doc),
                       201)


@router.get("/customers/{customer_id}/wallet")
def wallet(customer_id: str, currency: str = "EUR", who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        return respond(credits.wallet(uow, who.tenant, customer_id, currency.upper(),
                                      plat.clock.now_ms()))


@router.post("/coupons", status_code=201)
def create_coupon(doc: Doc = Body(...), who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(credits.create_coupon(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/entitlements")
def entitlements(customer: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    """Features and limits the customer's plans grant now: gate features with this."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(subscriptions.entitlements(uow, who.tenant, customer,
                                                  plat.clock.now_ms()))


@router.post("/customers/{customer_id}/charges", status_code=201)
def add_charge(customer_id: str, doc: Doc = Body(...), who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    """A one-off charge for the customer's next invoice (`id` makes it idempotent)."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(charges.add(uow, plat.clock.now_ms(), who.tenant, customer_id, doc), 201)


@router.get("/customers/{customer_id}/charges")
def list_charges(customer_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        return respond({"charges": charges.list_for(uow, who.tenant, customer_id)})


@router.post("/customers/{customer_id}/charges/invoice")
def invoice_charges(customer_id: str, currency: str = "EUR",
                    who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    """Bill the customer's pending charges now, without waiting for a subscription invoice."""
    who.require("admin")
    with plat.uow() as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        invoice = billing.invoice_pending_charges(uow, plat.clock.now_ms(), who.tenant,
                                                  customer_id, currency)
    return respond({"invoice": invoice})
