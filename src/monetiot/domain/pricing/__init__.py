"""The pricing language (spec/pricing.md): charge documents, charge models, previews.

`parse_charge(document)` validates a charge document into a typed `Charge`; `price(charge,
quantity | transactions)` computes its exact amount, the lines explaining it and `amount_due`;
`to_json(result)` gives the preview output. Pure: standard library and `monetiot.domain` only.
"""

from monetiot.domain.pricing.charges import (
    Charge,
    ChargeBase,
    FlatCharge,
    GraduatedCharge,
    GraduatedPercentageCharge,
    PackageCharge,
    PercentageCharge,
    PerUnitCharge,
    RateTier,
    Tier,
    TransactionCharge,
    UnitRounding,
    VolumeCharge,
)
from monetiot.domain.pricing.engine import price
from monetiot.domain.pricing.parsing import MODELS, parse_charge
from monetiot.domain.pricing.preview import ChargePreview, JsonLine, to_json
from monetiot.domain.pricing.result import ChargeLine, ChargeResult, TierRef

__all__ = [
    "MODELS",
    "Charge",
    "ChargeBase",
    "ChargeLine",
    "ChargePreview",
    "ChargeResult",
    "FlatCharge",
    "GraduatedCharge",
    "GraduatedPercentageCharge",
    "JsonLine",
    "PackageCharge",
    "PerUnitCharge",
    "PercentageCharge",
    "RateTier",
    "Tier",
    "TierRef",
    "TransactionCharge",
    "UnitRounding",
    "VolumeCharge",
    "parse_charge",
    "price",
    "to_json",
]
