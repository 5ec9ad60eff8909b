"""Validating an OCPI 2.2.1 Tariff document and a session document (spec/tariffs.md).

Both functions take a decoded JSON value and return the frozen model, or raise `InvalidInput`
naming the first field at fault (`elements[0].price_components[1].step_size`), prefixed with
`path` when the document sits inside a larger one. The Tariff's descriptive top-level fields
(`country_code`, `party_id`, `tariff_alt_text`, `energy_mix`, ...) are accepted and ignored, as
is anything else at the top of a session; inside elements, price components, restrictions and
periods an unknown key is refused, because a misspelt restriction would silently change a price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monetiot.domain.currencies import currency_code
from monetiot.domain.errors import InvalidInput
from monetiot.domain.tariffs.model import (
    ChargingPeriod,
    DayOfWeek,
    Dimension,
    PeriodState,
    Price,
    PriceComponent,
    ReservationKind,
    Restrictions,
    Session,
    Tariff,
    TariffElement,
)
from monetiot.domain.tariffs.reading import (
    child,
    item,
    read_date,
    read_datetime,
    read_enum,
    read_list,
    read_number,
    read_object,
    read_text,
    read_time_of_day,
    read_whole,
)

_ELEMENT_KEYS = frozenset({"price_components", "restrictions"})
_COMPONENT_KEYS = frozenset({"type", "price", "vat", "step_size"})
_PRICE_KEYS = frozenset({"excl_vat", "incl_vat"})
_RESTRICTION_KEYS = frozenset(f.name for f in fields(Restrictions))
_PERIOD_KEYS = frozenset(
    {"start_date_time", "end_date_time", "state", "energy_kwh", "max_power_kw", "max_current_a"}
)
_END_OF_DAY = 24 * 60

T = TypeVar("T")


def parse_tariff(doc: object, *, path: str = "") -> Tariff:
    """A validated Tariff from an OCPI 2.2.1 Tariff object."""
    obj = read_object(doc, path, None)
    currency = currency_code(read_text(_required(obj, "currency", path),
                                       child(path, "currency")), child(path, "currency"))
    elements_path = child(path, "elements")
    raw_elements = read_list(_required(obj, "elements", path), elements_path, non_empty=True)
    elements = tuple(
        _element(raw, item(elements_path, index)) for index, raw in enumerate(raw_elements)
    )
    min_price = _optional_price(obj, "min_price", path)
    max_price = _optional_price(obj, "max_price", path)
    if min_price and max_price:
        _ordered(min_price.excl_vat, max_price.excl_vat, child(path, "max_price.excl_vat"))
        if min_price.incl_vat is not None and max_price.incl_vat is not None:
            _ordered(min_price.incl_vat, max_price.incl_vat, child(path, "max_price.incl_vat"))
    start = obj.get("start_date_time")
    end = obj.get("end_date_time")
    start_dt = None if start is None else read_datetime(start, child(path, "start_date_time"))
    end_dt = None if end is None else read_datetime(end, child(path, "end_date_time"))
    if start_dt and end_dt and end_dt < start_dt:
        raise InvalidInput("is before start_date_time", field=child(path, "end_date_time"))
    tariff_id = obj.get("id")
    return Tariff(
        currency=currency,
        elements=elements,
        min_price=min_price,
        max_price=max_price,
        start_date_time=start_dt,
        end_date_time=end_dt,
        id=None if tariff_id is None else read_text(tariff_id, child(path, "id")),
    )


def parse_session(doc: object, *, path: str = "") -> Session:
    """A validated session: its asset's time zone and consecutive charging periods."""
    obj = read_object(doc, path, None)
    zone_path = child(path, "time_zone")
    time_zone = read_text(_required(obj, "time_zone", path), zone_path)
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown IANA time zone {time_zone!r}", field=zone_path) from None
    periods_path = child(path, "charging_periods")
    raw_periods = read_list(_required(obj, "charging_periods", path), periods_path, non_empty=True)
    periods: list[ChargingPeriod] = []
    for index, raw in enumerate(raw_periods):
        period_path = item(periods_path, index)
        period = _period(raw, period_path)
        if periods and period.start != periods[-1].end:
            raise InvalidInput(
                "must equal the previous period's end_date_time (periods are consecutive)",
                field=child(period_path, "start_date_time"),
            )
        if period.state.is_reservation and any(not p.state.is_reservation for p in periods):
            raise InvalidInput(
                "a reservation period must come before every CHARGING or PARKING period",
                field=child(period_path, "state"),
            )
        periods.append(period)
    return Session(time_zone=time_zone, periods=tuple(periods))


def _element(raw: object, path: str) -> TariffElement:
    obj = read_object(raw, path, _ELEMENT_KEYS)
    components_path = child(path, "price_components")
    raw_components = read_list(
        _required(obj, "price_components", path), components_path, non_empty=True
    )
    components: list[PriceComponent] = []
    for index, raw_component in enumerate(raw_components):
        component_path = item(components_path, index)
        component = _component(raw_component, component_path)
        if any(c.type is component.type for c in components):
            raise InvalidInput(
                f"a second {component.type} component in one element is ambiguous",
                field=child(component_path, "type"),
            )
        components.append(component)
    raw_restrictions = obj.get("restrictions")
    restrictions = (
        Restrictions()
        if raw_restrictions is None
        else _restrictions(raw_restrictions, child(path, "restrictions"))
    )
    if restrictions.reservation is not None:
        for index, component in enumerate(components):
            if component.type not in (Dimension.FLAT, Dimension.TIME):
                raise InvalidInput(
                    "a reservation element can only price FLAT and TIME",
                    field=child(item(components_path, index), "type"),
                )
    return TariffElement(price_components=tuple(components), restrictions=restrictions)


def _component(raw: object, path: str) -> PriceComponent:
    obj = read_object(raw, path, _COMPONENT_KEYS)
    vat = obj.get("vat")
    return PriceComponent(
        type=read_enum(_required(obj, "type", path), child(path, "type"), Dimension),
        price=read_number(_required(obj, "price", path), child(path, "price")),
        vat=None if vat is None else read_number(vat, child(path, "vat")),
        step_size=read_whole(_required(obj, "step_size", path), child(path, "step_size")),
    )


def _restrictions(raw: object, path: str) -> Restrictions:
    obj = read_object(raw, path, _RESTRICTION_KEYS)

    def number(name: str) -> Decimal | None:
        value = obj.get(name)
        return None if value is None else read_number(value, child(path, name))

    def whole(name: str) -> int | None:
        value = obj.get(name)
        return None if value is None else read_whole(value, child(path, name))

    start_time = _optional(obj, "start_time", path, read_time_of_day)
    end_time = _optional(obj, "end_time", path, read_time_of_day)
    if end_time == 0:
        end_time = _END_OF_DAY  # "00:00" as an end means the end of the day
    if start_time is not None and start_time == end_time:
        raise InvalidInput(
            "equals start_time: the element would never, or always, apply",
            field=child(path, "end_time"),
        )
    start_date = _optional(obj, "start_date", path, read_date)
    end_date = _optional(obj, "end_date", path, read_date)
    if start_date is not None and end_date is not None and end_date <= start_date:
        raise InvalidInput(
            "must be after start_date (end_date is exclusive)", field=child(path, "end_date")
        )
    restrictions = Restrictions(
        start_time=start_time,
        end_time=end_time,
        start_date=start_date,
        end_date=end_date,
        min_kwh=number("min_kwh"),
        max_kwh=number("max_kwh"),
        min_current=number("min_current"),
        max_current=number("max_current"),
        min_power=number("min_power"),
        max_power=number("max_power"),
        min_duration=whole("min_duration"),
        max_duration=whole("max_duration"),
        day_of_week=_days(obj.get("day_of_week"), child(path, "day_of_week")),
        reservation=_optional(
            obj, "reservation", path, lambda v, f: read_enum(v, f, ReservationKind)
        ),
    )
    for low, high in (
        ("min_kwh", "max_kwh"),
        ("min_current", "max_current"),
        ("min_power", "max_power"),
        ("min_duration", "max_duration"),
    ):
        low_value, high_value = getattr(restrictions, low), getattr(restrictions, high)
        if low_value is not None and high_value is not None and high_value <= low_value:
            raise InvalidInput(
                f"must be above {low} (the range would be empty)", field=child(path, high)
            )
    return restrictions


def _days(raw: object, path: str) -> frozenset[DayOfWeek]:
    if raw is None:
        return frozenset()
    values = read_list(raw, path, non_empty=False)
    return frozenset(read_enum(v, item(path, i), DayOfWeek) for i, v in enumerate(values))


def _period(raw: object, path: str) -> ChargingPeriod:
    obj = read_object(raw, path, _PERIOD_KEYS)
    start = read_datetime(_required(obj, "start_date_time", path), child(path, "start_date_time"))
    end = read_datetime(_required(obj, "end_date_time", path), child(path, "end_date_time"))
    if end <= start:
        raise InvalidInput("must be after start_date_time", field=child(path, "end_date_time"))
    state = read_enum(_required(obj, "state", path), child(path, "state"), PeriodState)
    raw_energy = obj.get("energy_kwh")
    energy_path = child(path, "energy_kwh")
    energy = Decimal(0) if raw_energy is None else read_number(raw_energy, energy_path)
    if state.is_reservation and energy != 0:
        raise InvalidInput(f"a {state} period delivers no energy", field=energy_path)
    power = obj.get("max_power_kw")
    current = obj.get("max_current_a")
    return ChargingPeriod(
        start=start,
        end=end,
        state=state,
        energy_kwh=energy,
        max_power_kw=None if power is None else read_number(power, child(path, "max_power_kw")),
        max_current_a=(
            None if current is None else read_number(current, child(path, "max_current_a"))
        ),
    )


def _optional_price(obj: Mapping[str, object], name: str, path: str) -> Price | None:
    raw = obj.get(name)
    if raw is None:
        return None
    price_path = child(path, name)
    price = read_object(raw, price_path, _PRICE_KEYS)
    incl = price.get("incl_vat")
    excl = _required(price, "excl_vat", price_path)
    return Price(
        excl_vat=read_number(excl, child(price_path, "excl_vat")),
        incl_vat=None if incl is None else read_number(incl, child(price_path, "incl_vat")),
    )


def _ordered(low: Decimal, high: Decimal, field: str) -> None:
    if high < low:
        raise InvalidInput(f"is below min_price ({high} < {low})", field=field)


def _required(obj: Mapping[str, object], name: str, path: str) -> object:
    value = obj.get(name)
    if value is None:
        raise InvalidInput("is required", field=child(path, name))
    return value


def _optional(
    obj: Mapping[str, object], name: str, path: str, read: Callable[[object, str], T]
) -> T | None:
    value = obj.get(name)
    return None if value is None else read(value, child(path, name))
