"""What a session costs under a tariff, and its JSON shape (spec/tariffs.md).

Pricing works in exact fractions; the result holds `Decimal`s: exact whenever the value has a
finite decimal expansion (every price, quantity and VAT rate read from JSON gives one unless a
period is split into thirds, sevenths, ...), otherwise rounded half away from zero at
`FRACTION_PLACES` decimal places. Amounts are not rounded to the currency (OCPI sets no rounding
rule); `amount_due` rounds the incl-VAT total once, half-up, at the currency's minor unit.
In JSON every number is a string: quantities without trailing zeros ("2", "20.5"), money with at
least one decimal place ("5.0", "6.2375"), as in the spec's examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from monetiot.domain.money import round_money
from monetiot.domain.tariffs.model import Dimension

FRACTION_PLACES = 12


@dataclass(frozen=True)
class CostLine:
    """One price component's share of the session: billed quantity (kWh, hours, or 1 for FLAT)."""

    type: Dimension
    element_index: int
    reservation: bool
    quantity: Decimal
    price: Decimal
    vat: Decimal | None
    excl_vat: Decimal
    incl_vat: Decimal


@dataclass(frozen=True)
class SessionCost:
    """Totals after `min_price` / `max_price`; `lines` are before them (they may not add up)."""

    currency: str
    excl_vat: Decimal
    incl_vat: Decimal
    total_energy_kwh: Decimal
    total_time_h: Decimal
    total_parking_time_h: Decimal
    lines: tuple[CostLine, ...]

    @property
    def amount_due(self) -> Decimal:
        """The incl-VAT total rounded once, half-up, at the currency's minor unit."""
        return round_money(self.incl_vat, self.currency)


def exact_decimal(value: Fraction) -> Decimal:
    """`value` as a Decimal: exact when it terminates, else rounded at FRACTION_PLACES."""
    numerator, denominator = value.numerator, value.denominator
    rest, places = denominator, 0
    for factor in (2, 5):
        count = 0
        while rest % factor == 0:
            rest //= factor
            count += 1
        places = max(places, count)
    if rest != 1:
        places = FRACTION_PLACES
    scaled, remainder = divmod(abs(numerator) * 10**places, denominator)
    if 2 * remainder >= denominator:
        scaled += 1
    sign = "-" if numerator < 0 else ""
    return Decimal(f"{sign}{scaled}E-{places}")


def quantity_text(value: Decimal) -> str:
    """A quantity as JSON text: every significant digit, no trailing zeros, no exponent."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def money_text(value: Decimal) -> str:
    """An amount as JSON text: like a quantity, but always with a decimal point ("5.0")."""
    text = quantity_text(value)
    return text if "." in text else f"{text}.0"


def cost_document(cost: SessionCost) -> dict[str, object]:
    """The preview output of spec/tariffs.md (keys in the spec's order)."""
    return {
        "currency": cost.currency,
        "total_cost": {
            "excl_vat": money_text(cost.excl_vat),
            "incl_vat": money_text(cost.incl_vat),
        },
        "total_energy_kwh": quantity_text(cost.total_energy_kwh),
        "total_time_h": quantity_text(cost.total_time_h),
        "total_parking_time_h": quantity_text(cost.total_parking_time_h),
        "lines": [
            {
                "type": line.type.value,
                "quantity": quantity_text(line.quantity),
                "price": money_text(line.price),
                "excl_vat": money_text(line.excl_vat),
                "incl_vat": money_text(line.incl_vat),
            }
            for line in cost.lines
        ],
    }
