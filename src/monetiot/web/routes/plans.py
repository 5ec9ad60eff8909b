"""/v1 routes for the plan catalog: apply a plan document, read its versions, preview a period.

Bodies are typed and read with exact decimals (JSON numbers never pass through a binary
float). Writing needs an admin key, reading a read key; everything is scoped to the key's
tenant, so another tenant's plan ids answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response
from starlette.concurrency import run_in_threadpool

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest
from monetiot.services import catalog
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page, schema_ref
from monetiot.web.schemas.plans import (
    PeriodUsage,
    Plan,
    PlanApplied,
    PlanIn,
    PlanList,
    PlanPreview,
)

router = ApiRouter()

@router.put("/plans/{plan_id}", status_code=201, responses={
    200: {"description": "The latest version says the same: nothing new was stored",
          "content": {"application/json": {"schema": schema_ref(PlanApplied)}}}})
async def put_plan(plan_id: str, body: PlanIn, response: Response,
                   who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> PlanApplied:
    """Apply a plan document: 201 with the new version, or 200 when the latest one is the same."""
    who.require("admin")
    doc = body.doc()

    def apply() -> dict[str, Any]:
        with plat.uow() as uow:
            return catalog.apply_plan(uow, plat.clock.now_ms(), who.tenant, doc, plan_id)

    applied = await run_in_threadpool(apply)  # database work stays off the event loop
    response.status_code = 201 if applied["created"] else 200
    return PlanApplied.of(applied)


@router.get("/plans")
def list_plans(who: Principal = Depends(principal), plat: Platform = Depends(platform),
               pages: PageRequest = Depends(page)) -> PlanList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = catalog.list_plans(uow, who.tenant, pages)
    return PlanList.page("plans", found)


@router.get("/plans/{plan_id}")
def get_plan(plan_id: str, who: Principal = Depends(principal),
             plat: Platform = Depends(platform)) -> Plan:
    """The latest version of the plan, its document and the list of its versions."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Plan.of(catalog.get_plan(uow, who.tenant, plan_id))


@router.get("/plans/{plan_id}/versions/{version}")
def get_plan_version(plan_id: str, version: int, who: Principal = Depends(principal),
                     plat: Platform = Depends(platform)) -> Plan:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Plan.of(catalog.get_plan(uow, who.tenant, plan_id, version))


@router.post("/plans/{plan_id}/preview")
async def preview_plan(plan_id: str, body: PeriodUsage, version: int | None = None,
                       who: Principal = Depends(principal),
                       plat: Platform = Depends(platform)) -> PlanPreview:
    """Price one period of the plan (the latest version, or `?version=N`) for a usage table."""
    who.require("read")
    usage = body.doc()

    def preview() -> dict[str, Any]:
        with plat.uow(readonly=True) as uow:
            return catalog.preview_plan(uow, who.tenant, plan_id, usage, version)

    return PlanPreview.of(await run_in_threadpool(preview))
