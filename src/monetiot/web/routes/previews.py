"""/v1 previews that touch no stored data: price a charge, price a charging session.

Bodies are typed and read with exact decimals (JSON numbers never pass through a binary float).
"""

from __future__ import annotations

from fastapi import Depends

from monetiot.domain.pricing import parse_charge, price, to_json
from monetiot.domain.tariffs import cost_document, parse_session, parse_tariff, price_session
from monetiot.services.access import Principal
from monetiot.web.deps import principal
from monetiot.web.routing import ApiRouter
from monetiot.web.schemas.previews import (
    ChargePreview,
    ChargePreviewIn,
    SessionCost,
    TariffPreviewIn,
)

router = ApiRouter()


@router.post("/charges/preview")
async def charge_preview(body: ChargePreviewIn,
                         who: Principal = Depends(principal)) -> ChargePreview:
    """A charge priced for a `quantity`, or for `transactions` (percentage models)."""
    who.require("read")
    return ChargePreview.of(dict(to_json(price(parse_charge(body.charge), body.quantity,
                                               body.transactions))))


@router.post("/tariffs/preview")
async def tariff_preview(body: TariffPreviewIn,
                         who: Principal = Depends(principal)) -> SessionCost:
    """A charging session priced under an OCPI 2.2.1 tariff (spec/tariffs.md)."""
    who.require("read")
    cost = price_session(parse_tariff(body.tariff, path="tariff"),
                         parse_session(body.session, path="session"))
    return SessionCost.of(cost_document(cost))
