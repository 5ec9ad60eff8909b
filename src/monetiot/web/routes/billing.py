"""/v1 routes for subscriptions, billing runs, invoices, credits and entitlements."""

from __future__ import annotations

from fastapi import Depends, Query

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest
from monetiot.services import billing, charges, credits, subscriptions
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.billing import (
    BillingRun,
    Cancellation,
    ChargeCreate,
    ChargesInvoiced,
    Coupon,
    CouponApplied,
    CouponApply,
    CouponCreate,
    CreditNote,
    CreditNoteCreate,
    CreditNoteList,
    CustomerBilling,
    CustomerBillingIn,
    Entitlements,
    InvoiceDetail,
    InvoiceList,
    PendingCharge,
    PendingChargeList,
    PlanChange,
    Subscription,
    SubscriptionCreate,
    SubscriptionList,
    TopUpCreate,
    Wallet,
    WalletTransaction,
)

router = ApiRouter()


def _times_as_ms(doc: dict[str, object], *names: str) -> dict[str, object]:
    """`start` (RFC 3339 or ms, read as ms) is the newer spelling of `start_ms`."""
    for name in names:
        if name in doc:
            doc[f"{name}_ms"] = doc.pop(name)
    return doc


@router.post("/subscriptions", status_code=201)
def create_subscription(body: SubscriptionCreate, who: Principal = Depends(principal),
                        plat: Platform = Depends(platform)) -> Subscription:
    who.require("admin")
    doc = _times_as_ms(body.doc(), "start")
    with plat.uow() as uow:
        return Subscription.of(subscriptions.create(uow, plat.clock.now_ms(), who.tenant, doc))


@router.get("/subscriptions")
def list_subscriptions(customer: str | None = None, who: Principal = Depends(principal),
                       plat: Platform = Depends(platform),
                       pages: PageRequest = Depends(page)) -> SubscriptionList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = subscriptions.list_all(uow, who.tenant, customer, pages)
    return SubscriptionList.page("subscriptions", found)


@router.get("/subscriptions/{sub_id}")
def get_subscription(sub_id: str, who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> Subscription:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Subscription.of(subscriptions.get(uow, who.tenant, sub_id))


@router.post("/subscriptions/{sub_id}/change")
def change_plan(sub_id: str, body: PlanChange, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> Subscription:
    """Move to another plan or version: an upgrade now, a downgrade at the period's end
    (`when` overrides)."""
    who.require("admin")
    with plat.uow() as uow:
        return Subscription.of(subscriptions.change_plan(
            uow, plat.clock.now_ms(), who.tenant, sub_id, body.plan, body.version, body.when))


@router.post("/subscriptions/{sub_id}/cancel")
def cancel(sub_id: str, body: Cancellation | None = None, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> Subscription:
    who.require("admin")
    when = (body or Cancellation()).when
    with plat.uow() as uow:
        return Subscription.of(subscriptions.cancel(uow, plat.clock.now_ms(), who.tenant,
                                                    sub_id, when))


@router.post("/subscriptions/{sub_id}/pause")
def pause(sub_id: str, who: Principal = Depends(principal),
          plat: Platform = Depends(platform)) -> Subscription:
    who.require("admin")
    with plat.uow() as uow:
        return Subscription.of(subscriptions.pause(uow, plat.clock.now_ms(), who.tenant, sub_id))


@router.post("/subscriptions/{sub_id}/resume")
def resume(sub_id: str, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> Subscription:
    who.require("admin")
    with plat.uow() as uow:
        return Subscription.of(subscriptions.resume(uow, plat.clock.now_ms(), who.tenant,
                                                    sub_id))


@router.post("/subscriptions/{sub_id}/coupons")
def apply_coupon(sub_id: str, body: CouponApply, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> CouponApplied:
    who.require("admin")
    with plat.uow() as uow:
        return CouponApplied.of(credits.apply_coupon(uow, plat.clock.now_ms(), who.tenant,
                                                     sub_id, body.coupon))


@router.post("/billing/run")
def run_billing(who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> BillingRun:
    """Bill every due period of this tenant's subscriptions now (safe to repeat)."""
    who.require("admin")
    report = billing.run(plat.uow, plat.clock.now_ms(), who.tenant)
    return BillingRun.of({"subscriptions": report.subscriptions, "invoices": report.invoices,
                          "errors": report.errors})


@router.get("/invoices")
def list_invoices(customer: str | None = None, subscription: str | None = None,
                  status: str | None = Query(None, description="draft, finalized, paid or "
                                                                "void"),
                  who: Principal = Depends(principal), plat: Platform = Depends(platform),
                  pages: PageRequest = Depends(page)) -> InvoiceList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = billing.list_invoices(uow, who.tenant, customer_id=customer,
                                      subscription_id=subscription, status=status,
                                      limit=pages.limit, cursor=pages.cursor)
    return InvoiceList.page("invoices", found)


@router.get("/invoices/{invoice_id}")
def get_invoice(invoice_id: str, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> InvoiceDetail:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return InvoiceDetail.of(billing.get_invoice(uow, who.tenant, invoice_id))


@router.post("/invoices/{invoice_id}/finalize")
def finalize(invoice_id: str, who: Principal = Depends(principal),
             plat: Platform = Depends(platform)) -> InvoiceDetail:
    who.require("admin")
    with plat.uow() as uow:
        billing.finalize_invoice(uow, plat.clock.now_ms(), who.tenant, invoice_id)
        uow.commit()
        return InvoiceDetail.of(billing.get_invoice(uow, who.tenant, invoice_id))


@router.post("/invoices/{invoice_id}/credit-notes", status_code=201)
def credit_note(invoice_id: str, body: CreditNoteCreate, who: Principal = Depends(principal),
                plat: Platform = Depends(platform)) -> CreditNote:
    who.require("admin")
    with plat.uow() as uow:
        return CreditNote.of(credits.issue_credit_note(uow, plat.clock.now_ms(), who.tenant,
                                                       invoice_id, body.doc()))


@router.get("/credit-notes")
def list_credit_notes(invoice: str | None = None, who: Principal = Depends(principal),
                      plat: Platform = Depends(platform),
                      pages: PageRequest = Depends(page)) -> CreditNoteList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = credits.list_credit_notes(uow, who.tenant, invoice, pages)
    return CreditNoteList.page("credit_notes", found)


@router.put("/customers/{customer_id}/billing")
def customer_billing(customer_id: str, body: CustomerBillingIn,
                     who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> CustomerBilling:
    """Tax rate (percent), whether prices include it, and payment terms in days."""
    who.require("admin")
    with plat.uow() as uow:
        return CustomerBilling.of(credits.set_customer_billing(uow, who.tenant, customer_id,
                                                               body.doc()))


@router.post("/customers/{customer_id}/wallet/top-ups", status_code=201)
def top_up(customer_id: str, body: TopUpCreate, who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> WalletTransaction:
    who.require("admin")
    doc = _times_as_ms(body.doc(), "expires")
    with plat.uow() as uow:
        return WalletTransaction.of(credits.top_up(uow, plat.clock.now_ms(), who.tenant,
                                                   customer_id, doc))


@router.get("/customers/{customer_id}/wallet")
def wallet(customer_id: str, currency: str = "EUR", who: Principal = Depends(principal),
           plat: Platform = Depends(platform)) -> Wallet:
    """The balance now and every transaction of the wallet in that currency."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        return Wallet.of(credits.wallet(uow, who.tenant, customer_id, currency.upper(),
                                        plat.clock.now_ms()))


@router.post("/coupons", status_code=201)
def create_coupon(body: CouponCreate, who: Principal = Depends(principal),
                  plat: Platform = Depends(platform)) -> Coupon:
    who.require("admin")
    with plat.uow() as uow:
        return Coupon.of(credits.create_coupon(uow, plat.clock.now_ms(), who.tenant,
                                               body.doc()))


@router.get("/entitlements")
def entitlements(customer: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Entitlements:
    """Features and limits the customer's plans grant now: gate features with this."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Entitlements.of(subscriptions.entitlements(uow, who.tenant, customer,
                                                          plat.clock.now_ms()))


@router.post("/customers/{customer_id}/charges", status_code=201)
def add_charge(customer_id: str, body: ChargeCreate, who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> PendingCharge:
    """A one-off charge for the customer's next invoice (`id` makes it idempotent)."""
    who.require("admin")
    doc = _times_as_ms(body.doc(), "covers_start", "covers_end")
    with plat.uow() as uow:
        return PendingCharge.of(charges.add(uow, plat.clock.now_ms(), who.tenant, customer_id,
                                            doc))


@router.get("/customers/{customer_id}/charges")
def list_charges(customer_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform),
                 pages: PageRequest = Depends(page)) -> PendingChargeList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        found = charges.list_for(uow, who.tenant, customer_id, pages)
    return PendingChargeList.page("charges", found)


@router.post("/customers/{customer_id}/charges/invoice")
def invoice_charges(customer_id: str, currency: str = "EUR",
                    who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> ChargesInvoiced:
    """Bill the customer's pending charges now, without waiting for a subscription invoice."""
    who.require("admin")
    with plat.uow() as uow:
        from monetiot.services.fleet import get_customer

        get_customer(uow, who.tenant, customer_id)
        invoice = billing.invoice_pending_charges(uow, plat.clock.now_ms(), who.tenant,
                                                  customer_id, currency)
    return ChargesInvoiced.of({"invoice": invoice})
