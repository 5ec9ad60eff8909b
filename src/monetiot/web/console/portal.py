"""The customer portal: a customer's own devices, usage to date with the projected bill,
invoices with their PDFs, its plan and entitlements.

Isolation: the customer comes from the session, never from the URL. A page that names a
device or an invoice checks that it is the session customer's; another customer's answers
404, exactly like one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from monetiot.bootstrap import Platform
from monetiot.documents.exports import invoice_document
from monetiot.domain.errors import NotFound
from monetiot.services import billing, fleet, payments, subscriptions
from monetiot.services.projection import projected_bills
from monetiot.services.users import ConsoleSession
from monetiot.store.engine import UnitOfWork
from monetiot.web.console import figures
from monetiot.web.console.auth import customer
from monetiot.web.console.operator_billing import pdf_response
from monetiot.web.console.pages import ConsoleRoute, page
from monetiot.web.deps import platform

router = APIRouter(prefix="/portal", route_class=ConsoleRoute, include_in_schema=False)


def _own_invoice(uow: UnitOfWork, who: ConsoleSession, invoice_id: str) -> dict[str, Any]:
    row = billing.get_invoice(uow, who.tenant, invoice_id)
    if row["customer"] != who.customer or row["status"] == "draft":
        raise NotFound(f"no invoice {invoice_id!r}", field="invoice")
    return row


def _plan_meters(uow: UnitOfWork, who: ConsoleSession,
                 meters_used: set[str]) -> list[dict[str, Any]]:
    return [m for m in figures.meters(uow, who.tenant) if m["id"] in meters_used]


@router.get("", response_class=HTMLResponse)
def home(request: Request, who: ConsoleSession = Depends(customer),
         plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    cid = str(who.customer)
    with plat.uow(readonly=True) as uow:
        me = fleet.get_customer(uow, who.tenant, cid)
        projections = projected_bills(uow, who.tenant, cid, now)
        rights = subscriptions.entitlements(uow, who.tenant, cid, now)
        devices = fleet.list_devices(uow, who.tenant, now, plat.settings.offline_after_ms, cid)
        invoices = [i for i in billing.list_invoices(uow, who.tenant, customer_id=cid,
                                                     limit=1000) if i["status"] != "draft"]
    online = sum(1 for d in devices if d["state"] == "online")
    return page(request, "portal/home.html", title="Overview", customer=me,
                projections=projections, entitlements=rights, devices=len(devices),
                online=online, invoices=list(reversed(invoices))[:5])


@router.get("/usage", response_class=HTMLResponse)
def usage(request: Request, who: ConsoleSession = Depends(customer),
          plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    cid = str(who.customer)
    with plat.uow(readonly=True) as uow:
        me = fleet.get_customer(uow, who.tenant, cid)
        projections = projected_bills(uow, who.tenant, cid, now)
        used = {u.meter for p in projections for u in p.usage}
        meters = _plan_meters(uow, who, used) or figures.meters(uow, who.tenant)
        daily = [figures.daily(uow, who.tenant, m, now, tz=me["timezone"], customer=cid)
                 for m in meters]
    return page(request, "portal/usage.html", title="Usage", customer=me,
                projections=projections,
                charts=[(d, figures.usage_chart(f"usage-{d.meter['id']}", d)) for d in daily
                        if d.any or d.meter["id"] in used])


@router.get("/devices", response_class=HTMLResponse)
def devices(request: Request, who: ConsoleSession = Depends(customer),
            plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    with plat.uow(readonly=True) as uow:
        rows = fleet.list_devices(uow, who.tenant, now, plat.settings.offline_after_ms,
                                  who.customer)
    return page(request, "portal/devices.html", title="Devices", devices=rows, now=now)


@router.get("/devices/{device_id}", response_class=HTMLResponse)
def device(device_id: str, request: Request, who: ConsoleSession = Depends(customer),
           plat: Platform = Depends(platform)) -> HTMLResponse:
    now = plat.clock.now_ms()
    cid = str(who.customer)
    with plat.uow(readonly=True) as uow:
        mine = {d["id"]: d for d in fleet.list_devices(uow, who.tenant, now,
                                                       plat.settings.offline_after_ms, cid)}
        if device_id not in mine:
            raise NotFound(f"no device {device_id!r}", field="device")
        me = fleet.get_customer(uow, who.tenant, cid)
        # usage attributed to this customer only: a device's earlier owner's usage stays theirs
        daily = [figures.daily(uow, who.tenant, m, now, tz=me["timezone"], customer=cid,
                               device=device_id) for m in figures.meters(uow, who.tenant)]
    return page(request, "portal/device.html", title=mine[device_id]["name"],
                device=mine[device_id], now=now,
                charts=[(d, figures.usage_chart(f"usage-{d.meter['id']}", d)) for d in daily
                        if d.any])


@router.get("/invoices", response_class=HTMLResponse)
def invoices(request: Request, who: ConsoleSession = Depends(customer),
             plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        me = fleet.get_customer(uow, who.tenant, str(who.customer))
        rows = [i for i in billing.list_invoices(uow, who.tenant, customer_id=who.customer,
                                                 limit=1000) if i["status"] != "draft"]
    return page(request, "portal/invoices.html", title="Invoices", customer=me,
                invoices=list(reversed(rows)))


@router.get("/invoices/{invoice_id}", response_class=HTMLResponse)
def invoice(invoice_id: str, request: Request, who: ConsoleSession = Depends(customer),
            plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        row = _own_invoice(uow, who, invoice_id)
        me = fleet.get_customer(uow, who.tenant, str(who.customer))
        paid = payments.list_payments(uow, who.tenant, invoice_id)
    return page(request, "console/invoice.html", title=str(row["number"] or row["id"]),
                invoice=row, customer=me, payments=paid,
                pdf=f"/portal/invoices/{row['id']}/pdf", back="/portal/invoices")


@router.get("/invoices/{invoice_id}/pdf", response_class=Response)
def invoice_pdf(invoice_id: str, who: ConsoleSession = Depends(customer),
                plat: Platform = Depends(platform)) -> Response:
    with plat.uow(readonly=True) as uow:
        _own_invoice(uow, who, invoice_id)
        document = invoice_document(uow, who.tenant, invoice_id)
    return pdf_response(document.pdf(), document.filename)
