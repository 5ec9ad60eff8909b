"""/v1 routes for webhook endpoints and their deliveries (admin keys only, tenant-scoped)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.services import webhooks
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")
Doc = dict[str, Any]


@router.post("/webhooks", status_code=201)
def create_endpoint(doc: Doc = Body(...), who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    """`{"url": "https://...", "types": ["invoice.finalized"]}`; the answer's `secret` is shown
    this once."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(webhooks.create_endpoint(uow, plat.clock.now_ms(), who.tenant, doc), 201)


@router.get("/webhooks")
def list_endpoints(who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        return respond({"webhooks": webhooks.list_endpoints(uow, who.tenant)})


@router.delete("/webhooks/{endpoint_id}")
def remove_endpoint(endpoint_id: str, who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow() as uow:
        return respond(webhooks.remove_endpoint(uow, who.tenant, endpoint_id))


@router.get("/webhooks/{endpoint_id}/deliveries")
def list_deliveries(endpoint_id: str, status: str | None = None,
                    limit: int = Query(100, ge=1, le=1000),
                    who: Principal = Depends(principal),
                    plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    with plat.uow(readonly=True) as uow:
        return respond({"deliveries": webhooks.list_deliveries(
            uow, who.tenant, endpoint_id, status=status, limit=limit)})


@router.post("/webhooks/deliveries/{delivery_id}/retry")
def retry_delivery(delivery_id: str, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    """Make a failed delivery due now (the webhook worker sends it, with the same id)."""
    who.require("admin")
    with plat.uow() as uow:
        return respond(webhooks.retry_delivery(uow, plat.clock.now_ms(), who.tenant,
                                               delivery_id))
