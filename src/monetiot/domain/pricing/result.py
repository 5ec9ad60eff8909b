"""What pricing a charge returns: the amount and the lines that explain it.

Invariants: the `amount` of a result is exactly the sum of its lines' amounts, unrounded;
`amount_due` is that amount rounded once, half-up, at the currency's minor unit; no line amount
is negative; a zero amount is stored as plain `0` (a zero has no meaningful scale, and "0.000"
from 0.001 x 0 would only add noise to the sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Line kinds
FLAT = "flat"
UNIT = "unit"
TIER = "tier"
FLAT_FEE = "flat_fee"
PACKAGE = "package"
PERCENTAGE = "percentage"
FIXED_FEE = "fixed_fee"
MIN_FEE = "min_fee"
MAX_FEE = "max_fee"
MINIMUM_TRUE_UP = "minimum_true_up"


@dataclass(frozen=True, kw_only=True)
class TierRef:
    """Which tier a line belongs to: its 0-based index (as in `tiers[i]`) and its bounds."""

    index: int
    lower: Decimal
    up_to: Decimal | None


@dataclass(frozen=True, kw_only=True)
class ChargeLine:
    """One step of the computation: `amount` = `quantity` x `unit_price` (or x `rate` / 100), or
    a fee; `transaction` is the 0-based position of the transaction a percentage line prices."""

    kind: str
    amount: Decimal
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    rate: Decimal | None = None
    tier: TierRef | None = None
    transaction: int | None = None

    def __post_init__(self) -> None:
        if self.amount.is_zero():
            object.__setattr__(self, "amount", Decimal(0))


@dataclass(frozen=True, kw_only=True)
class ChargeResult:
    """`quantity` is what was priced: after unit rounding, and for the percentage models the
    total transaction value."""

    currency: str
    quantity: Decimal
    amount: Decimal
    amount_due: Decimal
    lines: tuple[ChargeLine, ...]
