"""OCPI 2.2.1 tariffs: read a tariff and a session, and price the session exactly.

The contract is spec/tariffs.md. Reading (`parse_tariff`, `parse_session`) validates and names
the field at fault; `price_session` is a pure function of the two; `cost_document` is the JSON
shape the CLI and the API print. Everything here is exact: Decimal in, Fraction inside, Decimal out.
"""

from monetiot.domain.tariffs.cost import CostLine, SessionCost, cost_document
from monetiot.domain.tariffs.model import (
    ChargingPeriod,
    DayOfWeek,
    Dimension,
    PeriodState,
    Price,
    PriceComponent,
    ReservationKind,
    Restrictions,
    Session,
    Tariff,
    TariffElement,
)
from monetiot.domain.tariffs.parse import parse_session, parse_tariff
from monetiot.domain.tariffs.pricing import price_session

__all__ = [
    "ChargingPeriod",
    "CostLine",
    "DayOfWeek",
    "Dimension",
    "PeriodState",
    "Price",
    "PriceComponent",
    "ReservationKind",
    "Restrictions",
    "Session",
    "SessionCost",
    "Tariff",
    "TariffElement",
    "cost_document",
    "parse_session",
    "parse_tariff",
    "price_session",
]
