"""Operator console: customers and devices, each as a list and a detail page."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from monetiot.bootstrap import Platform
from monetiot.services import billing, fleet, revenue, subscriptions
from monetiot.services.projection import projected_bills
from monetiot.services.users import ConsoleSession
from monetiot.web.console import figures
from monetiot.web.console.auth import operator
from monetiot.web.console.pages import ConsoleRoute, page
from monetiot.web.deps import platform

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("/customers", response_class=HTMLResponse)
def customers(request: Request, who: ConsoleSession = Depends(operator),
              plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        rows = fleet.list_customers(uow, who.tenant)
        devices = {c["id"]: len(fleet.list_devices(uow, who.tenant, now,
                                                   plat.settings.offline_after_ms, c["id"]))
                   for c in rows}
        recurring = revenue.recurring(uow, who.tenant, now)
        by_month = revenue.revenue_by_month(uow, who.tenant, now, months=1200)
    mrr: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    plans: dict[str, list[str]] = defaultdict(list)
    for r in recurring:
        mrr[r.customer][r.currency] += r.monthly
        plans[r.customer].append(r.plan_name)
    invoiced = {c["id"]: {rev.currency: rev.customer_total(c["id"]) for rev in by_month
                          if c["id"] in rev.by_customer} for c in rows}
    return page(request, "console/customers.html", title="Customers", customers=rows,
                devices=devices, mrr=mrr, plans=plans, invoiced=invoiced)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(customer_id: str, request: Request, who: ConsoleSession = Depends(operator),
             plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        row = fleet.get_customer(uow, who.tenant, customer_id)
        devices = fleet.list_devices(uow, who.tenant, now, plat.settings.offline_after_ms,
                                     customer_id)
        subs = subscriptions.list_all(uow, who.tenant, customer_id)
        invoices = billing.list_invoices(uow, who.tenant, customer_id=customer_id, limit=500)
        rights = subscriptions.entitlements(uow, who.tenant, customer_id, now)
        projections = projected_bills(uow, who.tenant, customer_id, now)
        recurring = revenue.recurring(uow, who.tenant, now, customer_id)
        by_month = revenue.revenue_by_month(uow, who.tenant, now, customer=customer_id)
        usage = [figures.daily(uow, who.tenant, m, now, tz=row["timezone"],
                               customer=customer_id)
                 for m in figures.meters(uow, who.tenant)]
    names = {customer_id: row["name"]}
    return page(request, "console/customer.html", title=row["name"], customer=row,
                devices=devices, subscriptions=subs, invoices=list(reversed(invoices)),
                entitlements=rights, projections=projections, mrr=revenue.mrr(recurring),
                revenue=[(r, figures.revenue_charts(r, names, prefix="customer-revenue", wide=True))
                         for r in by_month],
                usage=[(d, figures.usage_chart(f"usage-{d.meter['id']}", d))
                       for d in usage if d.any])


@router.get("/devices", response_class=HTMLResponse)
def devices(request: Request, state: str = "", customer: str = "",
            who: ConsoleSession = Depends(operator),
            plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        rows = fleet.list_devices(uow, who.tenant, now, plat.settings.offline_after_ms)
        customers = fleet.list_customers(uow, who.tenant)
        owner = {d["id"]: c["id"] for c in customers
                 for d in fleet.list_devices(uow, who.tenant, now,
                                             plat.settings.offline_after_ms, c["id"])}
    counts: dict[str, int] = defaultdict(int)
    for d in rows:
        counts[d["state"]] += 1
    shown = [d for d in rows if (not state or d["state"] == state)
             and (not customer or owner.get(d["id"]) == customer)]
    return page(request, "console/devices.html", title="Devices", devices=shown,
                total=len(rows), counts=counts, owner=owner, state=state, customer=customer,
                customers=customers, now=now)


@router.get("/devices/{device_id}", response_class=HTMLResponse)
def device(device_id: str, request: Request, who: ConsoleSession = Depends(operator),
           plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        row = fleet.get_device(uow, who.tenant, device_id, now, plat.settings.offline_after_ms)
        usage = [figures.daily(uow, who.tenant, m, now, device=device_id)
                 for m in figures.meters(uow, who.tenant)]
    return page(request, "console/device.html", title=row["name"], device=row, now=now,
                usage=[(d, figures.usage_chart(f"usage-{d.meter['id']}", d))
                       for d in usage if d.any])
