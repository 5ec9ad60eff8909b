"""The OCPI 2.2.1 tariff and the session it prices, as validated, immutable data.

Invariants (enforced by `parse.py`, relied on by pricing): a tariff has at least one element and
every element at least one price component, never two of the same dimension; prices, VAT rates,
and power, current and energy bounds are finite and not negative; `step_size` is a whole number
>= 0 (0: no rounding); times of day are minutes since local midnight, an `end_time` of "00:00" is
stored as 1440 (the end of the day). A session has at least one period; periods are consecutive
(each starts where the previous ended), each lasts longer than zero, and every reservation period
comes before the first CHARGING or PARKING period and delivers no energy. Datetimes are aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Dimension(StrEnum):
    """What a price component prices: ENERGY per kWh, TIME and PARKING_TIME per hour, FLAT once."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    TIME = "TIME"
    PARKING_TIME = "PARKING_TIME"


class DayOfWeek(StrEnum):
    """Listed in `date.weekday()` order, so `WEEKDAYS[d.weekday()]` names a date's day."""

    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


WEEKDAYS: tuple[DayOfWeek, ...] = tuple(DayOfWeek)


class ReservationKind(StrEnum):
    """The `reservation` restriction: the element prices a reservation (or an expired one)."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


class PeriodState(StrEnum):
    """What the asset was doing during a period of the session."""

    CHARGING = "CHARGING"
    PARKING = "PARKING"
    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"

    @property
    def is_reservation(self) -> bool:
        return self in (PeriodState.RESERVATION, PeriodState.RESERVATION_EXPIRED)


@dataclass(frozen=True)
class PriceComponent:
    """Price per unit excl. VAT; `vat` in percent (None: no VAT); `step_size` in Wh or seconds."""

    type: Dimension
    price: Decimal
    vat: Decimal | None
    step_size: int


@dataclass(frozen=True)
class Restrictions:
    """When an element applies; every field that is set must hold (None or empty: no limit)."""

    start_time: int | None = None  # minutes since local midnight, inclusive
    end_time: int | None = None  # minutes since local midnight, exclusive; 1440 = end of day
    start_date: date | None = None  # local date, inclusive
    end_date: date | None = None  # local date, exclusive
    min_kwh: Decimal | None = None  # energy so far in the session, inclusive
    max_kwh: Decimal | None = None  # exclusive
    min_current: Decimal | None = None  # A, inclusive
    max_current: Decimal | None = None  # A, exclusive
    min_power: Decimal | None = None  # kW, inclusive
    max_power: Decimal | None = None  # kW, exclusive
    min_duration: int | None = None  # seconds since the session start, inclusive
    max_duration: int | None = None  # exclusive
    day_of_week: frozenset[DayOfWeek] = frozenset()
    reservation: ReservationKind | None = None


@dataclass(frozen=True)
class TariffElement:
    price_components: tuple[PriceComponent, ...]
    restrictions: Restrictions

    def component(self, dimension: Dimension) -> PriceComponent | None:
        """This element's price component for `dimension`, if it has one."""
        for component in self.price_components:
            if component.type is dimension:
                return component
        return None


@dataclass(frozen=True)
class Price:
    """A `min_price` or `max_price`; `incl_vat` is optional in OCPI 2.2.1."""

    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class Tariff:
    currency: str
    elements: tuple[TariffElement, ...]
    min_price: Price | None = None
    max_price: Price | None = None
    start_date_time: datetime | None = None  # inclusive
    end_date_time: datetime | None = None  # inclusive
    id: str | None = None


@dataclass(frozen=True)
class ChargingPeriod:
    """`[start, end)`; `energy_kwh` is spread evenly over the period."""

    start: datetime
    end: datetime
    state: PeriodState
    energy_kwh: Decimal
    max_power_kw: Decimal | None = None
    max_current_a: Decimal | None = None


@dataclass(frozen=True)
class Session:
    """A session at an asset whose local zone is `time_zone` (an IANA name)."""

    time_zone: str
    periods: tuple[ChargingPeriod, ...]

    @property
    def start(self) -> datetime:
        return self.periods[0].start
