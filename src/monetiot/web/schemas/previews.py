"""Schemas of the stateless previews: a charge priced for a quantity, a charging session priced
under an OCPI tariff."""

from __future__ import annotations

from pydantic import Field

from monetiot.web.schemas.base import Decimal, DecimalIn, JsonObject, Request, Response
from monetiot.web.schemas.plans import PricedLine


class ChargePreviewIn(Request):
    charge: JsonObject = Field(description="A charge in the pricing language (docs/pricing.md)")
    quantity: DecimalIn | None = None
    transactions: list[DecimalIn] | None = Field(None, description="Amounts, for percentage "
                                                                   "models")


class ChargePreview(Response):
    currency: str | None
    quantity: Decimal
    amount: Decimal
    amount_due: Decimal
    lines: list[PricedLine]


class TariffPreviewIn(Request):
    tariff: JsonObject = Field(description="An OCPI 2.2.1 tariff")
    session: JsonObject = Field(description="The session: time zone and charging periods "
                                            "(docs/tariffs.md)")


class Price(Response):
    excl_vat: Decimal
    incl_vat: Decimal


class CostLine(Response):
    type: str = Field(description="ENERGY, FLAT, PARKING_TIME or TIME")
    quantity: Decimal
    price: Decimal
    excl_vat: Decimal
    incl_vat: Decimal


class SessionCost(Response):
    currency: str
    total_cost: Price
    total_energy_kwh: Decimal
    total_time_h: Decimal
    total_parking_time_h: Decimal
    lines: list[CostLine]
