"""Invoices as data: lines, per-line rounding, tax, discounts, prepaid credits and totals.

Invariants:
- every line is rounded once, half away from zero, at the currency's minor unit (`amount_due`);
- tax is computed per line on the rounded amount: exclusive adds `rate %` on top, inclusive
  takes the tax out of the amount (`amount_due - amount_due / (1 + rate %)`), each rounded once;
- `subtotal` = sum of `amount_due`, `tax` = sum of `tax_due`, `total` = subtotal + tax when
  tax is exclusive, subtotal when it is inclusive, less prepaid credit (a line of its own): a
  total is always the sum of its rounded lines;
- discounts never take a charge below zero, and prepaid credits never pay more than the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal

from monetiot.domain.money import EXACT, QUOTIENT, currency_exponent, round_money

ZERO = Decimal(0)
HUNDRED = Decimal(100)

CHARGE_KINDS = ("one_time", "instalment", "recurring", "usage", "minimum_true_up", "adjustment")


@dataclass(frozen=True, slots=True)
class Line:
    kind: str  # one of CHARGE_KINDS, or discount | credit
    description: str
    amount: Decimal  # exact, before rounding
    charge_id: str | None = None
    meter_id: str | None = None
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    covers_start_ms: int | None = None
    covers_end_ms: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    amount_due: Decimal = ZERO
    tax_rate: Decimal = ZERO
    tax_due: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Tax:
    rate: Decimal = ZERO  # percent
    inclusive: bool = False


@dataclass(frozen=True, slots=True)
class Discount:
    """A coupon as it applies to one invoice: a percentage, or a fixed amount left to use."""

    coupon_id: str
    name: str
    percent: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[Line, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    discounts_used: Mapping[str, Decimal]
    credit_used: Decimal


def tax_on(amount_due: Decimal, tax: Tax, currency: str) -> Decimal:
    if not tax.rate:
        return round_money(ZERO, currency)
    if tax.inclusive:
        net = QUOTIENT.divide(amount_due * HUNDRED, HUNDRED + tax.rate)
        return round_money(amount_due - net, currency)
    return round_money(EXACT.multiply(amount_due, tax.rate) / HUNDRED, currency)


def settle(lines: Sequence[Line], currency: str, tax: Tax,
           discounts: Sequence[Discount] = (), credit_available: Decimal = ZERO) -> Totals:
    """Round and tax the charge lines, then apply discounts and prepaid credit, in that order."""
    rounded = [_finish(line, currency, tax) for line in lines]
    charged = sum((line.amount_due for line in rounded), ZERO)
    used: dict[str, Decimal] = {}
    for discount in discounts:
        if charged <= 0:
            break
        if discount.percent is not None:
            off = round_money(EXACT.multiply(charged, discount.percent) / HUNDRED, currency)
        else:
            off = min(discount.amount or ZERO, charged)
        if off <= 0:
            continue
        used[discount.coupon_id] = off
        charged -= off
        rounded.append(_finish(Line(kind="discount", description=f"Discount: {discount.name}",
                                    amount=-off, charge_id=discount.coupon_id), currency, tax))
    subtotal = sum((line.amount_due for line in rounded), ZERO)
    tax_total = sum((line.tax_due for line in rounded), ZERO)
    total = subtotal if tax.inclusive else subtotal + tax_total
    credit = min(max(credit_available, ZERO), max(total, ZERO))
    credit = credit.quantize(Decimal(1).scaleb(-currency_exponent(currency)), rounding=ROUND_DOWN)
    if credit > 0:  # rounded down: never more than the wallet holds
        rounded.append(Line(kind="credit", description="Prepaid credits", amount=-credit,
                            amount_due=-credit))
        total -= credit
    return Totals(tuple(rounded), subtotal, tax_total, total, used, credit)


def _finish(line: Line, currency: str, tax: Tax) -> Line:
    due = round_money(line.amount, currency)
    return replace(line, amount_due=due, tax_rate=tax.rate, tax_due=tax_on(due, tax, currency))
