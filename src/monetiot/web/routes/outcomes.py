"""/v1 routes for outcome contracts: store one, read them, settle a period, preview a contract.

- POST /v1/outcome-contracts (admin): the contract document (docs/outcomes.md); 201 when
  created, 200 when the same terms were stored before, 409 for other terms under its id.
- GET /v1/outcome-contracts (read, `?customer=`), GET /v1/outcome-contracts/{id} (read): the
  contract, its document and its settled periods.
- POST /v1/outcome-contracts/{id}/settle (admin): `{"start", "end", "variables"?,
  "adjustments"?}`; 201 with the settlement (its fee is billed on the next invoice), 200 when
  the period was settled before.
- POST /v1/outcomes/preview (read): stateless, like `monetiot outcome-preview`.

Bodies are typed and read with exact decimals (never through a binary float); every id
is looked up in the key's tenant, so another tenant's ids answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response
from starlette.concurrency import run_in_threadpool

from monetiot.bootstrap import Platform
from monetiot.domain.outcomes import parse_contract, preview
from monetiot.domain.pages import PageRequest
from monetiot.services import outcomes
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page, schema_ref
from monetiot.web.schemas.outcomes import (
    Contract,
    ContractIn,
    ContractList,
    ContractSummary,
    OutcomePreview,
    SettleIn,
    Settlement,
)

router = ApiRouter()


def _again(model: type[ContractSummary] | type[Settlement], what: str) -> dict[int | str,
                                                                             dict[str, Any]]:
    return {200: {"description": what,
                  "content": {"application/json": {"schema": schema_ref(model)}}}}


@router.post("/outcome-contracts", status_code=201,
             responses=_again(ContractSummary, "The same terms were stored before"))
async def create_contract(body: ContractIn, response: Response,
                          who: Principal = Depends(principal),
                          plat: Platform = Depends(platform)) -> ContractSummary:
    who.require("admin")
    doc = body.doc()

    def work() -> tuple[dict[str, Any], bool]:
        with plat.uow() as uow:
            return outcomes.create(uow, plat.clock.now_ms(), who.tenant, doc)

    view, created = await run_in_threadpool(work)
    response.status_code = 201 if created else 200
    return ContractSummary.of(view)


@router.get("/outcome-contracts")
def list_contracts(customer: str | None = None, who: Principal = Depends(principal),
                   plat: Platform = Depends(platform),
                   pages: PageRequest = Depends(page)) -> ContractList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = outcomes.list_all(uow, who.tenant, customer, pages)
    return ContractList.page("outcome_contracts", found)


@router.get("/outcome-contracts/{contract_id}")
def get_contract(contract_id: str, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Contract:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        return Contract.of(outcomes.get(uow, who.tenant, contract_id))


@router.post("/outcome-contracts/{contract_id}/settle", status_code=201,
             responses=_again(Settlement, "The period was settled before"))
async def settle(contract_id: str, period: SettleIn, response: Response,
                 who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Settlement:
    who.require("admin")
    body = period.doc()

    def work() -> tuple[dict[str, Any], bool]:
        with plat.uow() as uow:
            return outcomes.settle_period(uow, plat.clock.now_ms(), who.tenant, contract_id,
                                          body)

    settlement, created = await run_in_threadpool(work)
    response.status_code = 201 if created else 200
    return Settlement.of(settlement)


@router.post("/outcomes/preview")
async def preview_contract(body: ContractIn,
                           who: Principal = Depends(principal)) -> OutcomePreview:
    """The contract's model, and every reporting period's outcome from its inline actuals."""
    who.require("read")
    doc = body.doc()
    return OutcomePreview.of(await run_in_threadpool(lambda: preview(parse_contract(doc))))
