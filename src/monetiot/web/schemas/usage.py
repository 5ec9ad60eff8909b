"""Schemas of meters and of usage per window."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from monetiot.web.schemas.base import Decimal, Document, Paged, Response, Timestamp

AGGREGATIONS = ("SUM, COUNT, MIN, MAX, AVG, UNIQUE_COUNT, LATEST, TIME_WEIGHTED_SUM")


class MeterCreate(Document):
    """A meter definition (docs/ingest.md); checked by the meter parser, which names fields."""

    id: str | None = None
    name: str | None = None
    event_type: str | None = Field(None, description="Events of this type are measured")
    aggregation: str | None = Field(None, description=AGGREGATIONS)
    property: str | None = Field(None, description="Dotted path of the measured property "
                                                   "(not for COUNT)")
    filters: dict[str, Any] | None = Field(None, description="property: value or [values]")
    group_by: list[str] | None = None


class Meter(Response):
    id: str
    name: str
    event_type: str
    aggregation: str = Field(description=AGGREGATIONS)
    property: str | None
    filters: dict[str, list[str]]
    group_by: list[str]


class MeterList(Paged):
    meters: list[Meter]


class UsageRow(Response):
    meter: str
    from_: Timestamp = Field(alias="from")
    from_ms: int
    to: Timestamp = Field(description="Exclusive end of the window")
    to_ms: int
    value: Decimal | None = Field(description="Null when nothing was measured (MIN, MAX, AVG, "
                                              "LATEST)")
    customer: str | None = None
    device: str | None = None
    group: str | None = None


class Usage(Response):
    """Windows of [start, end); not paged: the windows are bounded by the range asked for."""

    meter: str
    window: str = Field(description="hour, day, month or total")
    tz: str
    usage: list[UsageRow]
