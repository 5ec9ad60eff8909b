"""/v1 routes for outcome contracts: store one, read them, settle a period, preview a contract.

- POST /v1/outcome-contracts (admin): the contract document (docs/outcomes.md); 201 when
  created, 200 when the same terms were stored before, 409 for other terms under its id.
- GET /v1/outcome-contracts (read, `?customer=`), GET /v1/outcome-contracts/{id} (read): the
  contract, its document and its settled periods.
- POST /v1/outcome-contracts/{id}/settle (admin): `{"start", "end", "variables"?,
  "adjustments"?}`; 201 with the settlement (its fee is billed on the next invoice), 200 when
  the period was settled before.
- POST /v1/outcomes/preview (read): stateless, like `monetiot outcome-preview`.

Bodies are read with exact decimals (JSON numbers never pass through a binary float); every id
is looked up in the key's tenant, so another tenant's ids answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from monetiot.bootstrap import Platform
from monetiot.domain.outcomes import parse_contract, preview
from monetiot.services import outcomes
from monetiot.services.access import Principal
from monetiot.web.deps import exact_body, platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")

@router.post("/outcome-contracts")
async def create_contract(request: Request, who: Principal = Depends(principal),
                          plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    doc = await exact_body(request)

    def work() -> tuple[dict[str, Any], bool]:
        with plat.uow() as uow:
            return outcomes.create(uow, plat.clock.now_ms(), who.tenant, doc)

    view, created = await run_in_threadpool(work)
    return respond(view, 201 if created else 200)


@router.get("/outcome-contracts")
def list_contracts(customer: str | None = None, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond({"outcome_contracts": outcomes.list_all(uow, who.tenant, customer)})


@router.get("/outcome-contracts/{contract_id}")
def get_contract(contract_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return respond(outcomes.get(uow, who.tenant, contract_id))


@router.post("/outcome-contracts/{contract_id}/settle")
async def settle(contract_id: str, request: Request, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> JSONResponse:
    who.require("admin")
    body = await exact_body(request)

    def work() -> tuple[dict[str, Any], bool]:
        with plat.uow() as uow:
            return outcomes.settle_period(uow, plat.clock.now_ms(), who.tenant, contract_id,
                                          body)

    settlement, created = await run_in_threadpool(work)
    return respond(settlement, 201 if created else 200)


@router.post("/outcomes/preview")
async def preview_contract(request: Request,
                           who: Principal = Depends(principal)) -> JSONResponse:
    """The contract's model, and every reporting period's outcome from its inline actuals."""
    who.require("read")
    doc = await exact_body(request)
    return respond(await run_in_threadpool(lambda: preview(parse_contract(doc))))
