"""Invoices as data: lines, per-line rounding, tax, discounts, prepaid credits and totals.

Invariants:
- every line is rounded once, half away from zero, at the currency's minor unit (`amount_due`),
  from its exact amount (a Fraction when it is a quotient, such as a prorated fee);
- tax is computed per line on the rounded amount: exclusive adds `rate %` on top, inclusive
  takes the tax out of the amount (`amount_due - amount_due / (1 + rate %)`, exactly), each
  rounded once;
- discounts (coupons) apply in the order given (billing gives the order they were applied to
  the subscription): a percentage takes its share of what remains after the discounts before
  it, a fixed amount takes what it has left; each is rounded once and never takes the charges
  below zero;
- `tax` = sum of `tax_due`; `subtotal` is after discounts and before tax in both tax modes:
  the sum of `amount_due` when tax is exclusive, that sum less the tax it includes when tax is
  inclusive (prices include tax); `total` = subtotal + tax, less prepaid credit (a line of its
  own): a total is always the sum of its rounded lines;
- prepaid credits never pay more than the total; no amount reaches the largest amount billed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from monetiot.domain.money import check_amount, currency_exponent, round_money

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
    # the exact amount when `amount` shows a quotient that does not terminate (a prorated fee):
    # the line is rounded from this, once
    exact: Fraction | None = None


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
    due, rate = Fraction(amount_due), Fraction(tax.rate)
    if tax.inclusive:
        return round_money(due - due * 100 / (100 + rate), currency)
    return round_money(due * rate / 100, currency)


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
            off = round_money(Fraction(charged) * Fraction(discount.percent) / 100, currency)
        else:  # whole minor units, rounded down: never more than the coupon has left
            off = (discount.amount or ZERO).quantize(_minor_unit(currency), rounding=ROUND_DOWN)
        off = min(off, charged)
        if off <= 0:
            continue
        used[discount.coupon_id] = off
        charged -= off
        rounded.append(_finish(Line(kind="discount", description=f"Discount: {discount.name}",
                                    amount=-off, charge_id=discount.coupon_id), currency, tax))
    gross = sum((line.amount_due for line in rounded), ZERO)
    tax_total = sum((line.tax_due for line in rounded), ZERO)
    subtotal = gross - tax_total if tax.inclusive else gross
    total = subtotal + tax_total
    check_amount(total, what="invoice total")
    credit = min(max(credit_available, ZERO), max(total, ZERO))
    credit = credit.quantize(_minor_unit(currency), rounding=ROUND_DOWN)
    if credit > 0:  # rounded down: never more than the wallet holds
        rounded.append(Line(kind="credit", description="Prepaid credits", amount=-credit,
                            amount_due=-credit))
        total -= credit
    return Totals(tuple(rounded), subtotal, tax_total, total, used, credit)


def _minor_unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


def _finish(line: Line, currency: str, tax: Tax) -> Line:
    due = round_money(line.exact if line.exact is not None else line.amount, currency)
    return replace(line, amount_due=due, tax_rate=tax.rate, tax_due=tax_on(due, tax, currency))
