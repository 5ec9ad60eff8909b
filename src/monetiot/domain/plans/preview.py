"""Previews: a usage table (parsed JSON or YAML) in, a rating out as JSON.

A usage table describes one period the way `PeriodInputs` does:

    period_index: 0            # default 0
    start: 2026-01-01T00:00:00Z   # optional, with end: RFC 3339 text or epoch ms
    end: 2026-02-01T00:00:00Z
    in_trial: false
    usage: {energy_kwh: "1250"}
    active_devices: "2.5"      # device-periods
    seats: 3
    new_devices: 3
    earlier_new_devices: [2]   # optional, most recent last
    period_factor: "1"         # optional
    advance_period_factor: "1" # optional

Invariants: numbers are read exactly; every problem names its field; with a plan, a meter the
plan does not price is refused (a misspelt meter would otherwise be priced as no usage). JSON
output writes every decimal as exact text and leaves out the fields that do not apply.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from monetiot.domain.errors import InvalidInput
from monetiot.domain.money import decimal_text, to_decimal
from monetiot.domain.plans.model import ONE, ZERO, Plan
from monetiot.domain.plans.rating import PeriodInputs, PeriodRating, RatedLine
from monetiot.domain.pricing.preview import line_json
from monetiot.domain.tariffs.reading import child, item, read_list, read_number, read_object

_FIELDS = frozenset({
    "period_index", "start", "end", "in_trial", "usage", "active_devices", "seats",
    "new_devices", "earlier_new_devices", "period_factor", "advance_period_factor",
})

Json = dict[str, object]


def parse_period_inputs(document: object, plan: Plan | None = None) -> PeriodInputs:
    """Read a usage table; with `plan`, refuse meters the plan does not price."""
    doc = read_object(document, "", _FIELDS)
    start, end = _time(doc.get("start"), "start"), _time(doc.get("end"), "end")
    if (start is None) != (end is None):
        raise InvalidInput("give both start and end, or neither",
                           field="end" if end is None else "start")
    usage = _usage(doc.get("usage"), plan)
    earlier = doc.get("earlier_new_devices")
    in_trial = doc.get("in_trial", False)
    if not isinstance(in_trial, bool):
        raise InvalidInput(f"expected true or false, got {in_trial!r}", field="in_trial")
    return PeriodInputs(
        period_index=_whole(doc.get("period_index"), "period_index"),
        start_ms=start or 0,
        end_ms=end or 0,
        in_trial=in_trial,
        usage=usage,
        active_devices=_number(doc.get("active_devices"), "active_devices", ZERO),
        seats=_whole(doc.get("seats"), "seats"),
        new_devices=_whole(doc.get("new_devices"), "new_devices"),
        earlier_new_devices=tuple(
            _whole(value, item("earlier_new_devices", i)) for i, value in
            enumerate([] if earlier is None else
                      read_list(earlier, "earlier_new_devices", non_empty=False))),
        period_factor=_number(doc.get("period_factor"), "period_factor", ONE),
        advance_period_factor=_number(doc.get("advance_period_factor"),
                                      "advance_period_factor", ONE),
    )


def _usage(value: object, plan: Plan | None) -> dict[str, Decimal]:
    if value is None:
        return {}
    meters = None if plan is None else sorted({charge.meter for charge in plan.usage})
    usage: dict[str, Decimal] = {}
    for meter, quantity in read_object(value, "usage", None).items():
        field = child("usage", str(meter))
        if meters is not None and meter not in meters:
            known = ", ".join(meters) or "none"
            raise InvalidInput(f"the plan prices no meter {meter!r} (its meters: {known})",
                               field=field)
        usage[str(meter)] = to_decimal(quantity, field)
    return usage


def _number(value: object, field: str, default: Decimal) -> Decimal:
    return default if value is None else read_number(value, field).copy_abs()


def _whole(value: object, field: str) -> int:
    if value is None:
        return 0
    number = read_number(value, field)
    if number != number.to_integral_value() or number > 10**12:
        raise InvalidInput(f"must be a whole number up to 10^12, got {value}", field=field)
    return int(number)


def _time(value: object, field: str) -> int | None:
    """RFC 3339 text (a datetime or date YAML already read), or epoch milliseconds."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp() * 1000)
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        try:
            return _time(datetime.fromisoformat(value.strip().replace("Z", "+00:00")), field)
        except ValueError:
            raise InvalidInput(f"expected RFC 3339 (2026-01-01T00:00:00Z) or epoch ms, got "
                               f"{value!r}", field=field) from None
    number = to_decimal(value, field)
    if number != number.to_integral_value() or abs(number) > 10**15:
        raise InvalidInput(f"expected epoch milliseconds, got {value!r}", field=field)
    return int(number)


def rating_to_json(rating: PeriodRating) -> Json:
    """The rating with numbers as exact text; times in epoch milliseconds."""
    return {
        "plan": rating.plan_id,
        "currency": rating.currency,
        "period_index": rating.period_index,
        "start_ms": rating.start_ms,
        "end_ms": rating.end_ms,
        "in_trial": rating.in_trial,
        "lines": [rated_line_json(line) for line in rating.lines],
        "total": decimal_text(rating.total),
    }


def rated_line_json(line: RatedLine) -> Json:
    out: Json = {"kind": line.kind, "charge_id": line.charge_id, "name": line.name,
                 "description": line.description}
    optional: list[tuple[str, object]] = [
        ("timing", None if line.timing is None else line.timing.value),
        ("instalment", line.instalment),
        ("instalments", line.instalments),
        ("meter", line.meter),
    ]
    out.update((k, v) for k, v in optional if v is not None)
    if line.share is not None:  # the exact share of the period: "25/30" reads better than 0.83
        out["share"] = f"{line.share.numerator}/{line.share.denominator}"
    out["quantity"] = decimal_text(line.quantity)
    out["unit"] = line.unit
    for key, value in (("included", line.included), ("billable", line.billable),
                       ("unit_price", line.unit_price), ("minimum", line.minimum),
                       ("counted", line.counted)):
        if value is not None:
            out[key] = decimal_text(value)
    if line.explanation:
        out["explanation"] = [line_json(step) for step in line.explanation]
    out["amount"] = decimal_text(line.amount)
    out["amount_due"] = decimal_text(line.amount_due)
    out["covers_start_ms"] = line.covers_start_ms
    out["covers_end_ms"] = line.covers_end_ms
    return out
