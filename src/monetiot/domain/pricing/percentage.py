"""The percentage model: a fee on each transaction, after a free allowance.

Invariants (spec/pricing.md, "Percentage, precisely"): transactions are taken in order; the
allowance covers the first `free_events` transactions and the first `free_amount` of cumulative
value, a zero limit being no limit, and it ends as soon as either limit is reached; the
transaction during which `free_amount` runs out pays only on its value beyond it. A transaction
pays when its paid value is positive (wholly free and zero-value transactions cost nothing); its
fee is paid x rate / 100 + fixed_fee, then raised to `min_fee` or lowered to `max_fee`. The lines
of one transaction add up to its fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from monetiot.domain.pricing.charges import PercentageCharge
from monetiot.domain.pricing.result import FIXED_FEE, MAX_FEE, MIN_FEE, PERCENTAGE, ChargeLine


def percentage_lines(charge: PercentageCharge, transactions: Sequence[Decimal]) -> list[ChargeLine]:
    events_left = charge.free_events or None
    amount_left = charge.free_amount or None
    in_allowance = events_left is not None or amount_left is not None
    lines: list[ChargeLine] = []
    for index, value in enumerate(transactions):
        paid = value
        if in_allowance:
            if amount_left is None:
                paid = Decimal(0)
            else:
                covered = min(value, amount_left)
                paid, amount_left = value - covered, amount_left - covered
                in_allowance = amount_left > 0
            if events_left is not None:
                events_left -= 1
                in_allowance = in_allowance and events_left > 0
        if paid > 0:
            lines.extend(_fee(charge, index, paid))
    return lines


def _fee(charge: PercentageCharge, index: int, paid: Decimal) -> list[ChargeLine]:
    share = paid * charge.rate / 100
    fee = share + charge.fixed_fee
    if charge.min_fee is not None and fee < charge.min_fee:
        return [_bounded(MIN_FEE, charge, index, paid, charge.min_fee)]
    if charge.max_fee is not None and fee > charge.max_fee:
        return [_bounded(MAX_FEE, charge, index, paid, charge.max_fee)]
    lines = [
        ChargeLine(
            kind=PERCENTAGE, transaction=index, quantity=paid, rate=charge.rate, amount=share
        )
    ]
    if charge.fixed_fee:
        lines.append(ChargeLine(kind=FIXED_FEE, transaction=index, amount=charge.fixed_fee))
    return lines


def _bounded(
    kind: str, charge: PercentageCharge, index: int, paid: Decimal, fee: Decimal
) -> ChargeLine:
    """A fee raised to `min_fee` or lowered to `max_fee`: one line carrying the bound."""
    return ChargeLine(kind=kind, transaction=index, quantity=paid, rate=charge.rate, amount=fee)
