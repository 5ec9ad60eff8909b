"""Reading a charge document (parsed JSON or YAML) into a typed `Charge`.

Invariants: numbers are read exactly through `to_decimal` (str, int or Decimal; never trusted
floats); every problem raises `InvalidInput` whose `field` is the exact path at fault
("tiers[1].up_to", "unit_rounding.mode"); unknown fields are errors, not ignored; `null` on an
optional field means "not set". A charge that parses keeps every invariant `charges` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TypeVar

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import currency_exponent, to_decimal
from monetiot.domain.pricing.charges import (
    ZERO,
    Charge,
    FlatCharge,
    GraduatedCharge,
    GraduatedPercentageCharge,
    PackageCharge,
    PackageRounding,
    PercentageCharge,
    PerUnitCharge,
    RateTier,
    RoundingMode,
    Tier,
    UnitRounding,
    VolumeCharge,
)

T = TypeVar("T")

MODELS = (
    "flat",
    "per_unit",
    "graduated",
    "volume",
    "package",
    "percentage",
    "graduated_percentage",
)
_COMMON = ("model", "currency", "unit_rounding", "minimum")
_ROUNDING_MODES: dict[str, RoundingMode] = {"round": "round", "ceil": "ceil", "floor": "floor"}
_PACKAGE_ROUNDINGS: dict[str, PackageRounding] = {"up": "up", "down": "down"}
_MAX_PRECISION = 100  # unit_rounding beyond 100 places is a typo, not a pricing decision
_MAX_INTEGER = 10**18  # whole-number fields (counts, places); bounds int() of "1E+999999"


class _Fields:
    """One mapping of the document, read field by field; `prefix` places it in the document."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise InvalidInput("expected an object", field=path or None)
        self._data: Mapping[object, object] = data
        self._prefix = f"{path}." if path else ""

    def path(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def only(self, allowed: Sequence[str]) -> None:
        for key in self._data:
            if key not in allowed:
                expected = ", ".join(allowed)
                raise InvalidInput(
                    f"unknown field; expected one of {expected}", field=self.path(str(key))
                )

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> object | None:
        return self._data.get(name)

    def required(self, name: str) -> object:
        value = self._data.get(name)
        if value is None:
            raise InvalidInput("missing", field=self.path(name))
        return value

    def amount(self, name: str, default: Decimal | None = None) -> Decimal:
        """A non-negative exact decimal; required unless a default is given."""
        value = self._data.get(name)
        if value is None:
            if default is None:
                raise InvalidInput("missing", field=self.path(name))
            return default
        return _non_negative(to_decimal(value, self.path(name)), self.path(name))

    def optional_amount(self, name: str) -> Decimal | None:
        return None if self._data.get(name) is None else self.amount(name)

    def integer(self, name: str, default: int) -> int:
        value = self._data.get(name)
        if value is None:
            return default
        number = to_decimal(value, self.path(name))
        if abs(number) > _MAX_INTEGER or number != number.to_integral_value():
            raise InvalidInput(f"expected a whole number, got {value!r}", field=self.path(name))
        return int(number)

    def choice(self, name: str, options: Mapping[str, T], default: T) -> T:
        value = self._data.get(name)
        if value is None:
            return default
        if not isinstance(value, str) or value not in options:
            raise InvalidInput(
                f"expected one of {', '.join(options)}, got {value!r}", field=self.path(name)
            )
        return options[value]

    def flag(self, name: str, default: bool) -> bool:
        value = self._data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InvalidInput(f"expected true or false, got {value!r}", field=self.path(name))
        return value


def parse_charge(document: object) -> Charge:
    """Validate a charge document and return its typed charge; raise `InvalidInput` naming the
    field at fault."""
    fields = _Fields(document, "")
    model = fields.required("model")
    if model not in MODELS:
        expected = ", ".join(MODELS)
        raise InvalidInput(f"unknown model {model!r}; expected one of {expected}", field="model")
    currency = _currency(fields)
    rounding = _unit_rounding(fields)
    minimum = fields.optional_amount("minimum")

    def common(*names: str) -> None:
        fields.only(_COMMON + names)

    match model:
        case "flat":
            common("amount")
            return FlatCharge(
                amount=fields.amount("amount"),
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )
        case "per_unit":
            common("unit_price")
            return PerUnitCharge(
                unit_price=fields.amount("unit_price"),
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )
        case "graduated" | "volume":
            common("tiers", "flat_fee_at_zero")
            tiers = _tiers(fields, _unit_tier)
            cls = GraduatedCharge if model == "graduated" else VolumeCharge
            return cls(
                tiers=tiers,
                flat_fee_at_zero=fields.flag("flat_fee_at_zero", True),
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )
        case "package":
            common("package_size", "package_price", "free_units", "rounding")
            size = fields.amount("package_size")
            if size == 0:
                raise InvalidInput("must be greater than 0", field="package_size")
            return PackageCharge(
                package_size=size,
                package_price=fields.amount("package_price"),
                free_units=fields.amount("free_units", ZERO),
                rounding=fields.choice("rounding", _PACKAGE_ROUNDINGS, "up"),
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )
        case "percentage":
            common("rate", "fixed_fee", "free_events", "free_amount", "min_fee", "max_fee")
            free_events = fields.integer("free_events", 0)
            if free_events < 0:
                raise InvalidInput("must not be negative", field="free_events")
            min_fee, max_fee = fields.optional_amount("min_fee"), fields.optional_amount("max_fee")
            if min_fee is not None and max_fee is not None and min_fee > max_fee:
                raise InvalidInput(f"must not be below min_fee ({min_fee})", field="max_fee")
            return PercentageCharge(
                rate=fields.amount("rate"),
                fixed_fee=fields.amount("fixed_fee", ZERO),
                free_events=free_events,
                free_amount=fields.amount("free_amount", ZERO),
                min_fee=min_fee,
                max_fee=max_fee,
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )
        case _:
            common("tiers", "flat_fee_at_zero")
            return GraduatedPercentageCharge(
                tiers=_tiers(fields, _rate_tier),
                flat_fee_at_zero=fields.flag("flat_fee_at_zero", True),
                currency=currency,
                unit_rounding=rounding,
                minimum=minimum,
            )


def _non_negative(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise InvalidInput(f"must not be negative, got {value}", field=field)
    return value.copy_abs()  # turns -0 into 0


def _currency(fields: _Fields) -> str:
    value = fields.raw("currency")
    if value is None:
        return "EUR"
    if not isinstance(value, str):
        raise InvalidInput(f"expected an ISO 4217 code, got {value!r}", field="currency")
    currency_exponent(value)  # raises, naming "currency", when it is not a code
    return value.upper()


def _unit_rounding(fields: _Fields) -> UnitRounding | None:
    value = fields.raw("unit_rounding")
    if value is None:
        return None
    rounding = _Fields(value, "unit_rounding")
    rounding.only(("mode", "precision"))
    rounding.required("mode")
    mode = rounding.choice("mode", _ROUNDING_MODES, "round")
    precision = rounding.integer("precision", 0)
    if abs(precision) > _MAX_PRECISION:
        bounds = f"-{_MAX_PRECISION} and {_MAX_PRECISION}"
        raise InvalidInput(f"must be between {bounds}", field=rounding.path("precision"))
    return UnitRounding(mode=mode, precision=precision)


def _unit_tier(tier: _Fields, up_to: Decimal | None) -> Tier:
    tier.only(("up_to", "unit_price", "flat_fee"))
    return Tier(
        up_to=up_to,
        unit_price=tier.amount("unit_price", ZERO),
        flat_fee=tier.amount("flat_fee", ZERO),
    )


def _rate_tier(tier: _Fields, up_to: Decimal | None) -> RateTier:
    tier.only(("up_to", "rate", "flat_fee"))
    return RateTier(
        up_to=up_to, rate=tier.amount("rate", ZERO), flat_fee=tier.amount("flat_fee", ZERO)
    )


def _tiers(fields: _Fields, build: Callable[[_Fields, Decimal | None], T]) -> tuple[T, ...]:
    value = fields.required("tiers")
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidInput("expected a list of tiers", field="tiers")
    if not value:
        raise InvalidInput("needs at least one tier", field="tiers")
    last = len(value) - 1
    previous = ZERO
    tiers: list[T] = []
    for index, item in enumerate(value):
        tier = _Fields(item, f"tiers[{index}]")
        if not tier.has("up_to"):
            raise InvalidInput("missing (null on the last tier)", field=tier.path("up_to"))
        up_to = tier.optional_amount("up_to")
        if up_to is None and index != last:
            raise InvalidInput(
                "only the last tier may be unbounded (null)", field=tier.path("up_to")
            )
        if up_to is not None and index == last:
            raise InvalidInput("the last tier must be unbounded (null)", field=tier.path("up_to"))
        if up_to is not None:
            if up_to <= previous:
                below = f"tiers[{index - 1}].up_to ({previous})" if index else "0"
                raise InvalidInput(f"must be greater than {below}", field=tier.path("up_to"))
            previous = up_to
        tiers.append(build(tier, up_to))
    return tuple(tiers)
