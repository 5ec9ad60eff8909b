"""Operator console: the quarantine (inspect, replay, discard) and webhooks (endpoints, their
deliveries, retry). The forms that change something carry the session's CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.services import quarantine, webhooks
from monetiot.services.users import ConsoleSession
from monetiot.web.console.auth import operator, operator_form
from monetiot.web.console.pages import ConsoleRoute, page, redirect
from monetiot.web.deps import platform

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
STATUSES = ("open", "replayed", "discarded")


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_list(request: Request, status: str = "open", after: int = 0,
                    who: ConsoleSession = Depends(operator),
                    plat: Platform = Depends(platform)) -> HTMLResponse:
    if status not in (*STATUSES, "all"):
        raise InvalidInput(f"must be one of {', '.join(STATUSES)} or all", field="status")
    with plat.uow(readonly=True) as uow:
        entries = quarantine.list_entries(uow, who.tenant, None if status == "all" else status,
                                          limit=100, after_id=max(0, after))
        counts = quarantine.counts(uow, who.tenant)
    return page(request, "console/quarantine.html", title="Quarantine", entries=entries,
                counts=counts, status=status, statuses=STATUSES,
                more=entries[-1]["id"] if len(entries) == 100 else None)


@router.get("/quarantine/{entry_id}", response_class=HTMLResponse)
def quarantine_entry(entry_id: int, request: Request, outcome: str = "",
                     who: ConsoleSession = Depends(operator),
                     plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        entry = quarantine.get_entry(uow, who.tenant, entry_id)
    return page(request, "console/quarantine_entry.html", title=f"Quarantine entry {entry_id}",
                entry=entry, outcome=outcome)


@router.post("/quarantine/{entry_id}/replay", response_class=HTMLResponse)
def quarantine_replay(entry_id: int, who: ConsoleSession = Depends(operator_form),
                      plat: Platform = Depends(platform)) -> Response:
    """Replay the entry as it was kept; the page then says whether it was taken."""
    with plat.uow() as uow:
        result = quarantine.replay(uow, plat.settings, plat.clock.now_ms(), who.tenant,
                                   entry_id)
    return redirect(f"/console/quarantine/{entry_id}?outcome={result['status']}")


@router.post("/quarantine/{entry_id}/discard", response_class=HTMLResponse)
def quarantine_discard(entry_id: int, who: ConsoleSession = Depends(operator_form),
                       plat: Platform = Depends(platform)) -> Response:
    with plat.uow() as uow:
        quarantine.discard(uow, plat.clock.now_ms(), who.tenant, entry_id)
    return redirect(f"/console/quarantine/{entry_id}?outcome=discarded")


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, retried: str = "", who: ConsoleSession = Depends(operator),
                  plat: Platform = Depends(platform)) -> HTMLResponse:
    with plat.uow(readonly=True) as uow:
        endpoints = [(e, webhooks.list_deliveries(uow, who.tenant, e["id"], limit=20))
                     for e in webhooks.list_endpoints(uow, who.tenant)]
    return page(request, "console/webhooks.html", title="Webhooks", endpoints=endpoints,
                retried=retried, event_types=webhooks.EVENT_TYPES)


@router.post("/webhooks/deliveries/{delivery_id}/retry", response_class=HTMLResponse)
def webhook_retry(delivery_id: str, who: ConsoleSession = Depends(operator_form),
                  plat: Platform = Depends(platform)) -> Response:
    with plat.uow() as uow:
        webhooks.retry_delivery(uow, plat.clock.now_ms(), who.tenant, delivery_id)
    return redirect(f"/console/webhooks?retried={delivery_id}")
