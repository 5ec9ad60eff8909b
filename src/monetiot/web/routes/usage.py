"""/v1 routes for meters and usage."""

from __future__ import annotations

from fastapi import Depends, Query

from monetiot.bootstrap import Platform
from monetiot.domain.errors import InvalidInput
from monetiot.domain.pages import PageRequest
from monetiot.services import metering
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import parse_time
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.usage import Meter, MeterCreate, MeterList, Usage

router = ApiRouter()


@router.post("/meters", status_code=201)
def create_meter(body: MeterCreate, who: Principal = Depends(principal),
                 plat: Platform = Depends(platform)) -> Meter:
    who.require("admin")
    with plat.uow() as uow:
        return Meter.of(metering.create_meter(uow, plat.clock.now_ms(), who.tenant, body.doc()))


@router.get("/meters")
def list_meters(who: Principal = Depends(principal), plat: Platform = Depends(platform),
                pages: PageRequest = Depends(page)) -> MeterList:
    who.require("read")
    with plat.uow(readonly=True) as uow:
        found = metering.list_meters(uow, who.tenant, pages)
    return MeterList.page("meters", found)


@router.get("/usage")
def usage(meter: str, start: str = Query(description="RFC 3339 or epoch ms (inclusive)"),
          end: str = Query(description="RFC 3339 or epoch ms (exclusive)"),
          window: str = Query("total", description="hour, day, month or total"),
          tz: str | None = None, customer: str | None = None, device: str | None = None,
          group_by: str = Query("", description="customer, device and/or group, by commas"),
          who: Principal = Depends(principal),
          plat: Platform = Depends(platform)) -> Usage:
    """Usage of `meter` over [start, end) per window (hour, day, month or total).

    Day and month windows follow `tz`, or the customer's time zone when `customer` is given.
    """
    who.require("read")
    start_ms, end_ms = parse_time(start, "start"), parse_time(end, "end")
    if start_ms is None or end_ms is None:
        raise InvalidInput("required", field="start" if start_ms is None else "end")
    with plat.uow(readonly=True) as uow:
        zone = tz
        if zone is None and customer is not None:
            from monetiot.services.fleet import get_customer

            zone = str(get_customer(uow, who.tenant, customer)["timezone"])
        query = metering.UsageQuery(
            meter=meter, start_ms=start_ms, end_ms=end_ms, window=window, tz=zone or "UTC",
            customer=customer, device=device,
            group_by=tuple(g for g in group_by.split(",") if g),
        )
        try:
            rows = metering.usage(uow, who.tenant, query, plat.clock.now_ms())
        except InvalidInput as exc:  # the domain says from/to; this API says start/end
            exc.field = {"from": "start", "to": "end"}.get(exc.field or "", exc.field)
            raise
    return Usage.of({"meter": meter, "window": window, "tz": query.tz, "usage": rows})
