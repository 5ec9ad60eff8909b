"""Operator console: the home page (revenue, fleet health, usage per meter) and the usage page.

Every page reads in one read-only unit of work, scoped by the tenant of the signed-in
operator's session.
"""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from monetiot.bootstrap import Platform
from monetiot.domain.errors import NotFound
from monetiot.services import fleet, revenue
from monetiot.services.fleet_health import fleet_health
from monetiot.services.users import ConsoleSession
from monetiot.web.console import figures
from monetiot.web.console.auth import operator
from monetiot.web.console.pages import ConsoleRoute, page
from monetiot.web.deps import platform

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def home(request: Request, who: ConsoleSession = Depends(operator),
         plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        recurring = revenue.recurring(uow, who.tenant, now)
        monthly = revenue.mrr(recurring)
        by_month = revenue.revenue_by_month(uow, who.tenant, now)
        health = fleet_health(uow, who.tenant, now, plat.settings.offline_after_ms)
        customers = fleet.list_customers(uow, who.tenant)
        usage = [figures.daily(uow, who.tenant, m, now, days=14)
                 for m in figures.meters(uow, who.tenant)]
    names = {c["id"]: c["name"] for c in customers}
    this_month = revenue.month_of(now)
    return page(
        request, "console/home.html", title="Home", mrr=monthly, arr=revenue.arr(monthly),
        subscriptions=len(recurring), customers=len(customers), health=health,
        health_charts=figures.health_charts(health),
        revenue=[(r, figures.revenue_charts(r, names),
                  r.total[r.months.index(this_month)] if this_month in r.months else None)
                 for r in by_month],
        usage=[(d, figures.usage_chart(f"usage-{d.meter['id']}", d)) for d in usage])


@router.get("/usage", response_class=HTMLResponse)
def usage_page(request: Request, meter: str = "", days: int = 30,
               who: ConsoleSession = Depends(operator),
               plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    days = max(1, min(days, 92))
    with plat.uow(readonly=True) as uow:
        meters = figures.meters(uow, who.tenant)
        chosen = next((m for m in meters if m["id"] == meter), meters[0] if not meter else None)
        if chosen is None:
            raise NotFound(f"no meter {meter!r}", field="meter")
        d = figures.daily(uow, who.tenant, chosen, now, days=days, by_customer=True)
        names = {c["id"]: c["name"] for c in fleet.list_customers(uow, who.tenant)}
    totals = []
    for cid, values in d.by.items():
        value = sum((v for v in values if v is not None), Decimal(0)) \
            if figures.additive(chosen) else None  # a level (MAX, AVG...) has no total
        totals.append((cid, names.get(cid, cid), value))
    return page(request, "console/usage.html", title="Usage", meters=meters, meter=chosen,
                days=days, daily=d, totals=totals,
                chart=figures.usage_chart("usage-by-customer", d, stacked_by_customer=True,
                                          width=figures.WIDE))
