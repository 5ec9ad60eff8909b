"""The operator's assumptions: costs, market, churn, price points per model (docs/advisor.md).

`parse_assumptions(document)` reads the parsed YAML or JSON into `Assumptions`, building each
model's plan from its price points (or taking its `plan` document) and checking it with
`parse_plan`. Errors name the field path (`models.subscription.monthly_fee`,
`hybrids[0].plan.usage[0].meter`).

Invariants: numbers are exact; costs, prices and counts are >= 0; churn, resistance and shares
are in [0, 1] (resistance below 1: someone must accept); unknown fields are errors; every
model's plan is in the assumptions' currency; a model priced on usage needs `meters.usage`, a
share of savings needs `outcome`. A `plan_file` must have been replaced by its `plan` document
before parsing (files are read by the entry points, not here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from monetiot.domain.advisor.history import month_index
from monetiot.domain.advisor.models import (
    DATA_MONETIZATION,
    HEADLINES,
    HYBRID,
    MODELS,
    NAMES,
    PLATFORM,
    PRICE_POINTS,
    SAVINGS_METER,
    ModelSpec,
    bills_after_sale,
    plan_document,
)
from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import currency_exponent
from monetiot.domain.plans import Plan, parse_plan
from monetiot.domain.plans.parse import METER_ID, read_id
from monetiot.domain.tariffs.reading import (
    child,
    item,
    read_list,
    read_number,
    read_object,
    read_text,
    read_whole,
)

ZERO = Decimal(0)
ONE = Decimal(1)
MAX_HORIZON = 120

_TOP = frozenset({
    "currency", "horizon_months", "discount_rate", "prospects", "prospects_per_month",
    "payment_resistance", "churn", "meters", "history", "costs", "data_products", "platform",
    "outcome", "models", "hybrids",
})
_METERS = frozenset({"usage", "data", "events"})
_HISTORY = frozenset({"from", "to"})
_COSTS = (
    "hardware_per_device", "connectivity_per_device_month", "connectivity_per_mb",
    "cloud_per_event", "security_per_device_month", "support_per_customer_month",
    "acquisition_per_customer", "payment_fee_rate", "payment_fee_per_bill",
)
_DATA = frozenset({"revenue_per_device_month", "revenue_share"})
_PLATFORM = frozenset({"partner_fees_per_device_month"})
_OUTCOME = frozenset({"meter", "savings_per_unit"})
_MODEL = frozenset({
    "name", "plan", "plan_file", "churn", "payment_resistance", "acquisition_per_customer",
    "customers_per_asset", "data_products", "partner_fees", *PRICE_POINTS,
})
_HYBRID = _MODEL | {"id"}


@dataclass(frozen=True, kw_only=True)
class Costs:
    """What the operator pays: per device, per customer, per unit of use, per bill."""

    hardware_per_device: Decimal = ZERO
    connectivity_per_device_month: Decimal = ZERO
    connectivity_per_mb: Decimal = ZERO
    cloud_per_event: Decimal = ZERO
    security_per_device_month: Decimal = ZERO
    support_per_customer_month: Decimal = ZERO
    acquisition_per_customer: Decimal = ZERO  # CAC when nobody refuses recurring fees
    payment_fee_rate: Decimal = ZERO  # share of what customers are billed
    payment_fee_per_bill: Decimal = ZERO  # per month with a bill


@dataclass(frozen=True, kw_only=True)
class Meters:
    """Meter ids (store) or names (CSV) of the usage models price and costs depend on."""

    usage: str | None = None
    data: str | None = None  # MB of mobile data
    events: str | None = None  # messages the cloud processes


@dataclass(frozen=True, kw_only=True)
class Assumptions:
    currency: str
    horizon_months: int
    discount_rate: Decimal  # a year
    prospects: Decimal  # reached in the first month
    prospects_per_month: Decimal  # reached in every later month
    payment_resistance: Decimal
    meters: Meters
    costs: Costs
    data_revenue_per_device_month: Decimal = ZERO
    data_revenue_share: Decimal = ZERO  # share of data revenue paid away
    partner_fees_per_device_month: Decimal = ZERO
    outcome_meter: str | None = None
    savings_per_unit: Decimal = ZERO
    history_from: str | None = None  # YYYY-MM, for usage read from the store
    history_to: str | None = None
    models: tuple[ModelSpec, ...] = field(default=())

    def model(self, model_id: str) -> ModelSpec:
        return next(m for m in self.models if m.id == model_id)

    def named_meters(self) -> dict[str, str]:
        """Every meter the advice reads, and the field that first names it."""
        named = [("meters.usage", self.meters.usage), ("meters.data", self.meters.data),
                 ("meters.events", self.meters.events), ("outcome.meter", self.outcome_meter)]
        named += [(f"{m.id}.plan", c.meter) for m in self.models for c in m.plan.usage
                  if c.meter != SAVINGS_METER]
        found: dict[str, str] = {}
        for field_name, meter in named:
            if meter is not None:
                found.setdefault(meter, field_name)
        return found


def parse_assumptions(document: object) -> Assumptions:
    doc = read_object(document, "", _TOP)
    currency = _currency(doc.get("currency"))
    meters = _meters(doc.get("meters"))
    outcome = read_object(doc.get("outcome") or {}, "outcome", _OUTCOME)
    outcome_meter = (None if outcome.get("meter") is None
                     else read_id(outcome["meter"], "outcome.meter", METER_ID))
    if outcome and outcome_meter is None:
        raise InvalidInput("missing: the meter whose usage the savings are measured on",
                           field="outcome.meter")
    resistance = _share(doc.get("payment_resistance"), "payment_resistance", below_one=True)
    churn = None if doc.get("churn") is None else _share(doc["churn"], "churn")
    costs = _costs(doc.get("costs"))
    context = _Context(currency, meters, outcome_meter is not None, resistance, churn,
                       costs.acquisition_per_customer)
    models = _models(doc.get("models"), context) + _hybrids(doc.get("hybrids"), context)
    if not models:
        raise InvalidInput("give at least one model (or hybrid) to compare", field="models")
    history = read_object(doc.get("history") or {}, "history", _HISTORY)
    data = read_object(doc.get("data_products") or {}, "data_products", _DATA)
    platform = read_object(doc.get("platform") or {}, "platform", _PLATFORM)
    return Assumptions(
        currency=currency,
        horizon_months=_whole(doc.get("horizon_months"), "horizon_months", 36, 1, MAX_HORIZON),
        discount_rate=_amount(doc.get("discount_rate"), "discount_rate"),
        prospects=_amount(doc.get("prospects"), "prospects", required=True),
        prospects_per_month=_amount(doc.get("prospects_per_month"), "prospects_per_month"),
        payment_resistance=resistance,
        meters=meters,
        costs=costs,
        data_revenue_per_device_month=_amount(data.get("revenue_per_device_month"),
                                              "data_products.revenue_per_device_month"),
        data_revenue_share=_share(data.get("revenue_share"), "data_products.revenue_share"),
        partner_fees_per_device_month=_amount(platform.get("partner_fees_per_device_month"),
                                              "platform.partner_fees_per_device_month"),
        outcome_meter=outcome_meter,
        savings_per_unit=_amount(outcome.get("savings_per_unit"), "outcome.savings_per_unit"),
        history_from=_month(history.get("from"), "history.from"),
        history_to=_month(history.get("to"), "history.to"),
        models=tuple(models),
    )


@dataclass(frozen=True)
class _Context:
    currency: str
    meters: Meters
    has_outcome: bool
    resistance: Decimal
    churn: Decimal | None
    cac: Decimal


def _models(value: object, ctx: _Context) -> list[ModelSpec]:
    if value is None:
        return []
    models = read_object(value, "models", frozenset(MODELS))
    return [_model(models[kind], child("models", kind), kind, kind, ctx)
            for kind in MODELS if kind in models]


def _hybrids(value: object, ctx: _Context) -> list[ModelSpec]:
    if value is None:
        return []
    specs: list[ModelSpec] = []
    for i, entry in enumerate(read_list(value, "hybrids", non_empty=False)):
        path = item("hybrids", i)
        doc = read_object(entry, path, _HYBRID)
        model_id = read_id(doc.get("id"), child(path, "id"))
        if model_id in MODELS or model_id in {s.id for s in specs}:
            raise InvalidInput(f"{model_id!r} is taken: give each hybrid its own id",
                               field=child(path, "id"))
        specs.append(_model(doc, path, HYBRID, model_id, ctx))
    return specs


def _model(value: object, path: str, kind: str, model_id: str, ctx: _Context) -> ModelSpec:
    doc = read_object(value, path, _HYBRID if kind == HYBRID else _MODEL)
    name = NAMES.get(kind, model_id) if doc.get("name") is None else read_text(
        doc["name"], child(path, "name"))
    plan = _plan(doc, path, model_id, name, ctx)
    if doc.get("churn") is not None:
        churn = _share(doc["churn"], child(path, "churn"))
    elif ctx.churn is not None:
        churn = ctx.churn
    else:
        raise InvalidInput("missing: the share of customers lost each month (or a top-level "
                           "`churn` for every model)", field=child(path, "churn"))
    resistance = (ctx.resistance if doc.get("payment_resistance") is None else _share(
        doc["payment_resistance"], child(path, "payment_resistance"), below_one=True))
    sharing = _amount(doc.get("customers_per_asset"), child(path, "customers_per_asset"), ONE)
    if sharing <= 0:
        raise InvalidInput("must be greater than 0", field=child(path, "customers_per_asset"))
    return ModelSpec(
        id=model_id, model=kind, name=name, plan=plan,
        churn=churn,
        payment_resistance=resistance if bills_after_sale(plan) else ZERO,
        acquisition_per_customer=_amount(doc.get("acquisition_per_customer"),
                                         child(path, "acquisition_per_customer"), ctx.cac),
        customers_per_asset=sharing,
        data_products=_flag(doc.get("data_products"), child(path, "data_products"),
                            kind == DATA_MONETIZATION),
        partner_fees=_flag(doc.get("partner_fees"), child(path, "partner_fees"),
                           kind == PLATFORM),
        headline=next(((p, _amount(doc[p], child(path, p))) for p in HEADLINES[kind]
                       if doc.get(p) is not None and doc.get("plan") is None), None),
    )


def _plan(doc: Mapping[str, object], path: str, model_id: str, name: str,
          ctx: _Context) -> Plan:
    if doc.get("plan_file") is not None:
        raise InvalidInput("plan files are read by the command line only: send the plan "
                           "document itself as `plan`", field=child(path, "plan_file"))
    points = {p: doc[p] for p in PRICE_POINTS if doc.get(p) is not None}
    if doc.get("plan") is not None:
        if points:
            raise InvalidInput(f"give a plan or price points, not both (found "
                               f"{', '.join(points)})", field=child(path, "plan"))
        return _parsed(doc["plan"], child(path, "plan"), ctx.currency)
    if not points:
        raise InvalidInput("give price points (device_price, monthly_fee, unit_price, ...) or "
                           "a plan", field=path)
    checked: dict[str, object] = {}
    for point, value in points.items():
        where = child(path, point)
        if point == "usage_charge":
            checked[point] = value
        elif point == "instalments":
            checked[point] = read_whole(value, where)
        elif point == "savings_share":
            checked[point] = _share(value, where)
        else:
            checked[point] = _amount(value, where)
    if ("unit_price" in points or "usage_charge" in points) and ctx.meters.usage is None:
        raise InvalidInput("a model priced on usage needs `meters.usage`: the meter it prices",
                           field=child(path, "unit_price" if "unit_price" in points
                                       else "usage_charge"))
    if "unit_price" in points and "usage_charge" in points:
        raise InvalidInput("give unit_price or usage_charge, not both",
                           field=child(path, "usage_charge"))
    if "savings_share" in points and not ctx.has_outcome:
        raise InvalidInput("a share of savings needs `outcome`: the meter and the savings per "
                           "unit", field=child(path, "savings_share"))
    document = plan_document(model_id, name, ctx.currency, checked, ctx.meters.usage)
    return _parsed(document, path, ctx.currency, generated=True)


def _parsed(document: object, path: str, currency: str, generated: bool = False) -> Plan:
    try:
        plan = parse_plan(document)
    except InvalidInput as exc:
        where = _price_point(exc.field) if generated else exc.field
        raise InvalidInput(exc.message, field=child(path, where or "")) from None
    if plan.currency != currency:
        raise InvalidInput(f"the plan is in {plan.currency}, the assumptions in {currency}",
                           field=child(path, "currency"))
    return plan


def _price_point(plan_field: str | None) -> str | None:
    """The price point a field of a generated plan came from."""
    if plan_field is None:
        return None
    for prefix, point in (("usage[0].charge", "usage_charge"), ("one_time[0].instalments",
                                                                "instalments")):
        if plan_field.startswith(prefix):
            return point
    return plan_field


def _meters(value: object) -> Meters:
    doc = read_object(value or {}, "meters", _METERS)
    names = {k: read_id(v, child("meters", k), METER_ID) for k, v in doc.items()
             if v is not None}
    return Meters(**names)


def _costs(value: object) -> Costs:
    doc = read_object(value or {}, "costs", frozenset(_COSTS))
    values = {name: _amount(doc.get(name), child("costs", name)) for name in _COSTS}
    if values["payment_fee_rate"] > 1:
        raise InvalidInput("a share between 0 and 1", field="costs.payment_fee_rate")
    return Costs(**values)


def _currency(value: object) -> str:
    if value is None:
        raise InvalidInput("missing: the ISO 4217 currency of every amount, such as EUR",
                           field="currency")
    code = read_text(value, "currency").upper()
    currency_exponent(code)
    return code


def _amount(value: object, field: str, default: Decimal = ZERO, required: bool = False
            ) -> Decimal:
    if value is None:
        if required:
            raise InvalidInput("missing", field=field)
        return default
    return read_number(value, field)


def _share(value: object, field: str, below_one: bool = False) -> Decimal:
    share = _amount(value, field)
    if share > 1 or (below_one and share == 1):
        bound = "below 1" if below_one else "at most 1"
        raise InvalidInput(f"a share: 0 to {bound} (0.25 is 25 %), got {value}", field=field)
    return share


def _whole(value: object, field: str, default: int, low: int, high: int) -> int:
    number = default if value is None else read_whole(value, field)
    if not low <= number <= high:
        raise InvalidInput(f"must be between {low} and {high}, got {value}", field=field)
    return number


def _flag(value: object, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInput(f"expected true or false, got {value!r}", field=field)
    return value


def _month(value: object, field: str) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    month_index(text, field)
    return text
