"""Operator console: plans, subscriptions and invoices (with the invoice PDF)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from monetiot.bootstrap import Platform
from monetiot.documents.exports import STATUSES, invoice_document
from monetiot.domain.errors import InvalidInput
from monetiot.services import billing, catalog, fleet, payments, revenue, subscriptions
from monetiot.services.users import ConsoleSession
from monetiot.web.console import figures
from monetiot.web.console.auth import operator
from monetiot.web.console.pages import HEADERS, ConsoleRoute, page
from monetiot.web.deps import platform

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request, who: ConsoleSession = Depends(operator),
          plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        rows = [(p, catalog.load_plan(uow, who.tenant, p["id"]).plan)
                for p in catalog.list_plans(uow, who.tenant)]
        running = revenue.recurring(uow, who.tenant, now)
    on_plan: dict[str, int] = {}
    for r in running:
        on_plan[r.plan] = on_plan.get(r.plan, 0) + 1
    return page(request, "console/plans.html", title="Plans", plans=rows, on_plan=on_plan,
                model=revenue.business_model, model_names=figures.MODEL_NAMES)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan(plan_id: str, request: Request, version: int | None = None,
         who: ConsoleSession = Depends(operator),
         plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        info = catalog.get_plan(uow, who.tenant, plan_id, version)
        typed = catalog.load_plan(uow, who.tenant, plan_id, info["version"]).plan
        subs = [s for s in subscriptions.list_all(uow, who.tenant) if s["plan"] == plan_id]
    charges = {c["id"]: describe_charge(c["charge"])
               for c in info["document"].get("usage", [])}
    return page(request, "console/plan.html", title=typed.name, info=info, plan=typed,
                subscriptions=subs, charges=charges,
                model=figures.MODEL_NAMES[revenue.business_model(typed)])


def describe_charge(doc: dict[str, Any]) -> str:
    """A charge document in one line: `graduated: up to 1000 at 0.09; above at 0.07`."""
    parts = []
    if "tiers" in doc:
        tiers, low = [], "0"
        for t in doc["tiers"]:
            price = f"at {t['unit_price']}" if "unit_price" in t else f"{t.get('rate', 0)}%"
            fee = f" + {t['flat_fee']} flat" if t.get("flat_fee") else ""
            bound = f"{low}–{t['up_to']}" if t.get("up_to") is not None else f"above {low}"
            tiers.append(f"{bound} {price}{fee}")
            low = str(t.get("up_to"))
        parts.append("; ".join(tiers))
    for key, value in doc.items():
        if key not in ("model", "tiers"):
            parts.append(f"{key.replace('_', ' ')} {value}")
    return f"{doc.get('model', '?')}: " + ", ".join(parts)


@router.get("/subscriptions", response_class=HTMLResponse)
def subscriptions_page(request: Request, who: ConsoleSession = Depends(operator),
                       plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        rows = subscriptions.list_all(uow, who.tenant)
        running = {r.subscription: r for r in revenue.recurring(uow, who.tenant, now)}
        names = {c["id"]: c["name"] for c in fleet.list_customers(uow, who.tenant)}
    return page(request, "console/subscriptions.html", title="Subscriptions",
                subscriptions=rows, running=running, names=names,
                mrr=revenue.mrr(list(running.values())))


@router.get("/invoices", response_class=HTMLResponse)
def invoices(request: Request, status: str = "", customer: str = "",
             who: ConsoleSession = Depends(operator),
             plat: Platform = Depends(platform)) -> HTMLResponse:
    if status and status not in STATUSES:
        raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
    with plat.uow(readonly=True) as uow:
        customers = fleet.list_customers(uow, who.tenant)
        rows = billing.list_invoices(uow, who.tenant, status=status or None,
                                     customer_id=customer or None, limit=1000)
    zones = {c["id"]: c["timezone"] for c in customers}
    return page(request, "console/invoices.html", title="Invoices",
                invoices=list(reversed(rows)), customers=customers, zones=zones,
                statuses=STATUSES, status=status, customer=customer)


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice(invoice_id: str, request: Request, who: ConsoleSession = Depends(operator),
            plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        row = billing.get_invoice(uow, who.tenant, invoice_id)
        buyer = fleet.get_customer(uow, who.tenant, row["customer"])
        paid = payments.list_payments(uow, who.tenant, invoice_id)
    return page(request, "console/invoice.html", title=row["number"] or row["id"],
                invoice=row, customer=buyer, payments=paid,
                pdf=f"/console/invoices/{row['id']}/pdf", back="/console/invoices")


@router.get("/invoices/{invoice_id}/pdf", response_class=Response)
def invoice_pdf(invoice_id: str, who: ConsoleSession = Depends(operator),
                plat: Platform = Depends(platform)) -> Response:
    with plat.uow(readonly=True) as uow:
        document = invoice_document(uow, who.tenant, invoice_id)
    return pdf_response(document.pdf(), document.filename)


def pdf_response(content: bytes, filename: str) -> Response:
    headers = {k: v for k, v in HEADERS.items() if k == "Cache-Control"}
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(content, media_type="application/pdf", headers=headers)
