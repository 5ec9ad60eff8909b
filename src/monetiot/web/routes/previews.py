"""/v1 previews that touch no stored data: price a charge, price a charging session.

Bodies are read with exact decimals (JSON numbers never pass through a binary float).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from monetiot.domain import jsonexact
from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import to_decimal
from monetiot.domain.pricing import parse_charge, price, to_json
from monetiot.domain.tariffs import cost_document, parse_session, parse_tariff, price_session
from monetiot.services.access import Principal
from monetiot.web.deps import exact_body, principal

router = APIRouter(prefix="/v1")

@router.post("/charges/preview")
async def charge_preview(request: Request,
                         who: Principal = Depends(principal)) -> JSONResponse:
    """`{"charge": {...}, "quantity": "121"}` or `{"charge": {...}, "transactions": [...]}`."""
    who.require("read")
    doc = await exact_body(request)
    if "charge" not in doc:
        raise InvalidInput("required", field="charge")
    charge = parse_charge(doc["charge"])
    quantity = doc.get("quantity")
    transactions = doc.get("transactions")
    if transactions is not None and not isinstance(transactions, list):
        raise InvalidInput("must be a list of amounts", field="transactions")
    result = price(
        charge,
        None if quantity is None else to_decimal(quantity, "quantity"),
        None if transactions is None
        else [to_decimal(t, f"transactions[{i}]") for i, t in enumerate(transactions)],
    )
    return JSONResponse(dict(to_json(result)))


@router.post("/tariffs/preview")
async def tariff_preview(request: Request,
                         who: Principal = Depends(principal)) -> Response:
    """`{"tariff": {OCPI 2.2.1 tariff}, "session": {...}}` -> the session's cost."""
    who.require("read")
    doc = await exact_body(request)
    for name in ("tariff", "session"):
        if name not in doc:
            raise InvalidInput("required", field=name)
    cost = price_session(parse_tariff(doc["tariff"], path="tariff"),
                         parse_session(doc["session"], path="session"))
    # exact numbers, written as spec/tariffs.md prints them
    return Response(jsonexact.dumps(cost_document(cost)), media_type="application/json")
