"""/v1 routes for the plan catalog: apply a plan document, read its versions, preview a period.

Bodies are read with exact decimals (JSON numbers never pass through a binary float). Writing
needs an admin key, reading a read key; everything is scoped to the key's tenant, so another
tenant's plan ids answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from monetiot.bootstrap import Platform
from monetiot.services import catalog
from monetiot.services.access import Principal
from monetiot.web.deps import exact_body, platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")

@router.put("/plans/{plan_id}")
async def put_plan(plan_id: str, request: Request, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    """Apply a plan document: 201 with the new version, or 200 when the latest one is the same."""
    who.require("admin")
    doc = await exact_body(request)

    def apply() -> dict[str, Any]:
        with plat.uow() as uow:
            return catalog.apply_plan(uow, plat.clock.now_ms(), who.tenant, doc, plan_id)

    applied = await run_in_threadpool(apply)  # database work stays off the event loop
    return respond(applied, 201 if applied["created"] else 200)


@router.get("/plans")
def list_plans(who: Principal = Depends(principal),
               plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"plans": catalog.list_plans(uow, who.tenant)})


@router.get("/plans/{plan_id}")
def get_plan(plan_id: str, who: Principal = Depends(principal),
             plat: Platform = Depends(platform)) -> JSONResponse:
    """The latest version of the plan, its document and the list of its versions."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(catalog.get_plan(uow, who.tenant, plan_id))


@router.get("/plans/{plan_id}/versions/{version}")
def get_plan_version(plan_id: str, version: int, who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(catalog.get_plan(uow, who.tenant, plan_id, version))


@router.post("/plans/{plan_id}/preview")
async def preview_plan(plan_id: str, request: Request, version: int | None = None,
                       who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> JSONResponse:
    """Price one period of the plan (the latest version, or `?version=N`) for a usage table:
    `{"period_index": 0, "usage": {"energy_kwh": "1250"}, "active_devices": "2.5", ...}`."""
    who.require("read")
    usage = await exact_body(request)

    def preview() -> dict[str, Any]:
        with plat.uow(readonly=True) as uow:
            return catalog.preview_plan(uow, who.tenant, plan_id, usage, version)

    return respond(await run_in_threadpool(preview))
