"""Pricing a charge: `price(charge, quantity)` or `price(charge, transactions=[...])`.

Invariants: arithmetic is exact (a decimal context that refuses to round, so every digit of a
30-digit price survives); the quantity is unit-rounded first, then priced, and the amount is
rounded only once, to `amount_due`; the amount is the sum of the lines and is never negative;
a negative quantity is usage of nothing (no unit, tier or package is charged; `flat` and the
minimum still are). The percentage models take transactions (a quantity counts as one
transaction, unit-rounded one by one); the other models take one quantity. No input means no
usage: quantity 0, or no transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import round_money
from monetiot.domain.pricing.charges import (
    Charge,
    FlatCharge,
    GraduatedCharge,
    GraduatedPercentageCharge,
    PackageCharge,
    PercentageCharge,
    PerUnitCharge,
    UnitRounding,
    VolumeCharge,
)
from monetiot.domain.pricing.percentage import percentage_lines
from monetiot.domain.pricing.result import (
    FLAT,
    MINIMUM_TRUE_UP,
    PACKAGE,
    UNIT,
    ChargeLine,
    ChargeResult,
)
from monetiot.domain.pricing.tiers import graduated_lines, graduated_percentage_lines, volume_lines

_DIGITS = 1000
_TRAPS: list[type[DecimalException]] = [InvalidOperation, DivisionByZero, Overflow]
# Exact: any operation that would have to round raises instead of losing a digit.
_EXACT = Context(prec=_DIGITS, rounding=ROUND_HALF_UP, traps=[*_TRAPS, Inexact])
# For the roundings we mean to do: unit rounding and the final amount_due.
_ROUNDING = Context(prec=_DIGITS, rounding=ROUND_HALF_UP, traps=_TRAPS)
_UNIT_ROUNDING = {"round": ROUND_HALF_UP, "ceil": ROUND_CEILING, "floor": ROUND_FLOOR}


def price(
    charge: Charge,
    quantity: Decimal | None = None,
    transactions: Sequence[Decimal] | None = None,
) -> ChargeResult:
    """Price `charge` for a quantity (or, for the percentage models, a list of transaction
    amounts); raise `InvalidInput` for input the charge cannot price."""
    try:
        with localcontext(_EXACT):
            priced, lines = _lines(charge, quantity, transactions)
            amount = sum((line.amount for line in lines), Decimal(0))
            if charge.minimum is not None and amount < charge.minimum:
                true_up = ChargeLine(kind=MINIMUM_TRUE_UP, amount=charge.minimum - amount)
                lines.append(true_up)
                amount += true_up.amount
        with localcontext(_ROUNDING):
            due = round_money(amount, charge.currency)
    except DecimalException:
        raise InvalidInput(
            f"numbers too large or too precise to price exactly (over {_DIGITS} digits)"
        ) from None
    return ChargeResult(
        currency=charge.currency, quantity=priced, amount=amount, amount_due=due, lines=tuple(lines)
    )


def _lines(
    charge: Charge, quantity: Decimal | None, transactions: Sequence[Decimal] | None
) -> tuple[Decimal, list[ChargeLine]]:
    """The quantity priced and the lines pricing it, before any minimum."""
    if isinstance(charge, PercentageCharge | GraduatedPercentageCharge):
        values = _transactions(charge.unit_rounding, quantity, transactions)
        total = sum(values, Decimal(0))
        if isinstance(charge, PercentageCharge):
            return total, percentage_lines(charge, values)
        return total, graduated_percentage_lines(charge, total)
    if transactions is not None:
        raise InvalidInput(
            "this model prices a quantity; transactions are for the percentage models",
            field="transactions",
        )
    units = _rounded(charge.unit_rounding, quantity if quantity is not None else Decimal(0))
    match charge:
        case FlatCharge():
            return units, [ChargeLine(kind=FLAT, amount=charge.amount)]
        case PerUnitCharge():
            if units < 0:
                return units, []
            line = ChargeLine(
                kind=UNIT,
                quantity=units,
                unit_price=charge.unit_price,
                amount=units * charge.unit_price,
            )
            return units, [line]
        case GraduatedCharge():
            return units, graduated_lines(charge, units)
        case VolumeCharge():
            return units, volume_lines(charge, units)
        case PackageCharge():
            return units, [_package_line(charge, units)]


def _transactions(
    rounding: UnitRounding | None, quantity: Decimal | None, transactions: Sequence[Decimal] | None
) -> list[Decimal]:
    if transactions is None:
        return [] if quantity is None else [_checked(rounding, quantity, "quantity")]
    if quantity is not None:
        raise InvalidInput("give a quantity or transactions, not both", field="transactions")
    return [_checked(rounding, value, f"transactions[{i}]") for i, value in enumerate(transactions)]


def _checked(rounding: UnitRounding | None, value: Decimal, field: str) -> Decimal:
    """A transaction amount, unit-rounded; a fee on a negative amount would have no meaning."""
    value = _rounded(rounding, value, field)
    if value < 0:
        raise InvalidInput(f"a transaction amount must not be negative, got {value}", field=field)
    return value


def _rounded(rounding: UnitRounding | None, quantity: Decimal, field: str = "quantity") -> Decimal:
    if not quantity.is_finite():
        raise InvalidInput(f"not a finite number: {quantity}", field=field)
    if rounding is not None:
        quantum = Decimal(1).scaleb(-rounding.precision)
        mode = _UNIT_ROUNDING[rounding.mode]
        quantity = quantity.quantize(quantum, rounding=mode, context=_ROUNDING)
    return quantity.copy_abs() if quantity.is_zero() else quantity


def _package_line(charge: PackageCharge, quantity: Decimal) -> ChargeLine:
    paying = max(quantity - charge.free_units, Decimal(0))
    packages, rest = divmod(paying, charge.package_size)
    if rest and charge.rounding == "up":
        packages += 1
    return ChargeLine(
        kind=PACKAGE,
        quantity=packages,
        unit_price=charge.package_price,
        amount=packages * charge.package_price,
    )
