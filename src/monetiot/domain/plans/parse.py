"""Reading a plan document (parsed JSON or YAML) into a typed `Plan`.

Invariants: numbers are read exactly (text, int or Decimal; never a binary float); unknown fields
are errors, not ignored; `null` on an optional field means "not set"; every problem raises
`InvalidInput` whose `field` is the exact path at fault (`usage[0].charge.tiers[1].up_to`):
errors of an embedded charge document get the charge's path in the plan prefixed. A plan that
parses keeps every invariant `model` lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import currency_exponent
from monetiot.domain.plans.model import (
    BUSINESS_MODELS,
    ZERO,
    BillingPeriod,
    Entitlements,
    OneTimeCharge,
    OneTimeKind,
    Per,
    Plan,
    RecurringCharge,
    RecurringKind,
    Timing,
    UsageCharge,
)
from monetiot.domain.pricing import Charge, parse_charge
from monetiot.domain.tariffs.reading import (
    child,
    item,
    read_enum,
    read_list,
    read_number,
    read_object,
    read_text,
)

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
METER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")  # as domain.meters accepts
MAX_INSTALMENTS = 1200  # a hundred years of monthly instalments
MAX_TRIAL_DAYS = 3660

_PLAN = frozenset({
    "id", "name", "description", "currency", "billing_period", "trial_days",
    "minimum_commitment", "one_time", "recurring", "usage", "entitlements",
    "progressive_billing_threshold", "business_model",
})
_ONE_TIME = frozenset({"id", "name", "kind", "amount", "per", "instalments"})
_RECURRING = frozenset({"id", "name", "kind", "price", "timing"})
_USAGE = frozenset({"id", "name", "meter", "included", "charge", "alerts"})
_ENTITLEMENTS = frozenset({"features", "limits"})


def parse_plan(document: object) -> Plan:
    """Validate a plan document and return its typed plan; raise `InvalidInput` naming the field
    at fault."""
    doc = read_object(document, "", _PLAN)
    plan_id = read_id(doc.get("id"), "id")
    currency = _currency(doc.get("currency"))
    one_time = tuple(
        _one_time(value, item("one_time", i)) for i, value in enumerate(_list(doc, "one_time"))
    )
    recurring = tuple(
        _recurring(value, item("recurring", i)) for i, value in enumerate(_list(doc, "recurring"))
    )
    usage = tuple(
        _usage(value, item("usage", i), currency) for i, value in enumerate(_list(doc, "usage"))
    )
    _check_unique_ids([("one_time", c.id) for c in one_time]
                      + [("recurring", c.id) for c in recurring]
                      + [("usage", c.id) for c in usage])
    minimum = doc.get("minimum_commitment")
    progressive = doc.get("progressive_billing_threshold")
    model = doc.get("business_model")
    if model is not None and model not in BUSINESS_MODELS:
        raise InvalidInput(f"must be one of {', '.join(BUSINESS_MODELS)}", field="business_model")
    return Plan(
        id=plan_id,
        name=_name(doc, plan_id),
        description=_optional_text(doc, "description", ""),
        currency=currency,
        billing_period=read_enum(_required(doc, "billing_period", ""), "billing_period",
                                 BillingPeriod),
        trial_days=_whole(doc.get("trial_days"), "trial_days", 0, 0, MAX_TRIAL_DAYS),
        minimum_commitment=None if minimum is None else _amount(minimum,
                                                                     "minimum_commitment"),
        progressive_billing_threshold=None if progressive is None else _amount(
            progressive, "progressive_billing_threshold"),
        business_model=None if model is None else str(model),
        one_time=one_time,
        recurring=recurring,
        usage=usage,
        entitlements=_entitlements(doc.get("entitlements")),
    )


def read_id(value: object, field: str, pattern: re.Pattern[str] = ID) -> str:
    if value is None:
        raise InvalidInput("missing", field=field)
    text = read_text(value, field)
    if not pattern.fullmatch(text):
        extra = " :" if pattern is METER_ID else ""
        raise InvalidInput(
            f"{text!r} is not an id: use 1-100 letters, digits or _ . -{extra}, "
            "starting with a letter or digit", field=field)
    return text


def _required(doc: Mapping[str, object], name: str, path: str) -> object:
    value = doc.get(name)
    if value is None:
        raise InvalidInput("missing", field=child(path, name))
    return value


def _list(doc: Mapping[str, object], name: str) -> list[object]:
    value = doc.get(name)
    return [] if value is None else read_list(value, name, non_empty=False)


def _name(doc: Mapping[str, object], default: str, path: str = "") -> str:
    name = _optional_text(doc, "name", default, path)
    return name.strip() or default


def _optional_text(doc: Mapping[str, object], name: str, default: str, path: str = "") -> str:
    value = doc.get(name)
    return default if value is None else read_text(value, child(path, name))


def _currency(value: object) -> str:
    if value is None:
        raise InvalidInput("missing: the plan's ISO 4217 currency, such as EUR", field="currency")
    code = read_text(value, "currency")
    currency_exponent(code)  # raises, naming "currency", when it is not a code
    return code.upper()


def _amount(value: object, field: str) -> Decimal:
    """An exact, finite decimal that is not negative (-0 read as 0)."""
    return read_number(value, field).copy_abs()


def _whole(value: object, field: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    number = _amount(value, field)
    if number != number.to_integral_value():
        raise InvalidInput(f"must be a whole number, got {value}", field=field)
    if not low <= number <= high:
        raise InvalidInput(f"must be between {low} and {high}, got {value}", field=field)
    return int(number)


def _one_time(value: object, path: str) -> OneTimeCharge:
    doc = read_object(value, path, _ONE_TIME)
    charge_id = read_id(doc.get("id"), child(path, "id"))
    return OneTimeCharge(
        id=charge_id,
        name=_name(doc, charge_id, path),
        kind=read_enum(_required(doc, "kind", path), child(path, "kind"), OneTimeKind),
        amount=_amount(_required(doc, "amount", path), child(path, "amount")),
        per=read_enum(_required(doc, "per", path), child(path, "per"), Per),
        instalments=_whole(doc.get("instalments"), child(path, "instalments"), 1, 1,
                           MAX_INSTALMENTS),
    )


def _recurring(value: object, path: str) -> RecurringCharge:
    doc = read_object(value, path, _RECURRING)
    charge_id = read_id(doc.get("id"), child(path, "id"))
    timing = doc.get("timing")
    return RecurringCharge(
        id=charge_id,
        name=_name(doc, charge_id, path),
        kind=read_enum(_required(doc, "kind", path), child(path, "kind"), RecurringKind),
        price=_amount(_required(doc, "price", path), child(path, "price")),
        timing=Timing.IN_ARREARS if timing is None
        else read_enum(timing, child(path, "timing"), Timing),
    )


def _usage(value: object, path: str, currency: str) -> UsageCharge:
    doc = read_object(value, path, _USAGE)
    charge_id = read_id(doc.get("id"), child(path, "id"))
    included = doc.get("included")
    return UsageCharge(
        id=charge_id,
        name=_name(doc, charge_id, path),
        meter=read_id(doc.get("meter"), child(path, "meter"), METER_ID),
        included=ZERO if included is None else _amount(included, child(path, "included")),
        charge=_charge(_required(doc, "charge", path), child(path, "charge"), currency),
        alerts=tuple(sorted(
            _amount(v, f"{child(path, 'alerts')}[{i}]")
            for i, v in enumerate(_list(doc, "alerts"))
        )),
    )


def _charge(value: object, path: str, currency: str) -> Charge:
    """A charge of spec/pricing.md, in the plan's currency (which it inherits when it names
    none)."""
    doc = dict(read_object(value, path, None))
    named = doc.get("currency")
    if named is None:
        doc["currency"] = currency
    elif not isinstance(named, str) or named.upper() != currency:
        raise InvalidInput(f"must be the plan's currency ({currency}) or omitted, got {named!r}",
                           field=child(path, "currency"))
    try:
        return parse_charge(doc)
    except InvalidInput as exc:
        raise InvalidInput(exc.message,
                           field=child(path, exc.field) if exc.field else path) from None


def _check_unique_ids(ids: list[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    counts: dict[str, int] = {}
    for section, charge_id in ids:
        index = counts.get(section, 0)
        counts[section] = index + 1
        here = f"{item(section, index)}.id"
        if charge_id in seen:
            raise InvalidInput(f"charge id {charge_id!r} is already used by {seen[charge_id]}; "
                               "charge ids are unique within a plan", field=here)
        seen[charge_id] = here


def _entitlements(value: object) -> Entitlements:
    if value is None:
        return Entitlements()
    doc = read_object(value, "entitlements", _ENTITLEMENTS)
    features: list[str] = []
    raw_features = doc.get("features")
    for i, feature in enumerate([] if raw_features is None
                                else read_list(raw_features, "entitlements.features",
                                               non_empty=False)):
        path = item("entitlements.features", i)
        name = read_id(feature, path)
        if name in features:
            raise InvalidInput(f"feature {name!r} is listed twice", field=path)
        features.append(name)
    limits: dict[str, Decimal] = {}
    raw_limits = doc.get("limits")
    if raw_limits is not None:
        for key, limit in read_object(raw_limits, "entitlements.limits", None).items():
            path = child("entitlements.limits", str(key))
            name = read_id(key, path)
            if limit is None:
                raise InvalidInput("missing: a number (leave the limit out for no limit)",
                                   field=path)
            limits[name] = _amount(limit, path)
    return Entitlements(features=tuple(sorted(features)),
                        limits={k: limits[k] for k in sorted(limits)})
