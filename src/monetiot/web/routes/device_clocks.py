"""/v1/device-clocks: each device's last reported clock skew, flagged when it is too far off."""

from __future__ import annotations

from fastapi import Depends, Query

from monetiot.bootstrap import Platform
from monetiot.domain.pages import PageRequest, page_of
from monetiot.services import device_clocks
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.routing import ApiRouter, page
from monetiot.web.schemas.fleet import DeviceClockList

router = ApiRouter()


@router.get("/device-clocks")
def list_device_clocks(
    limit_ms: int = Query(device_clocks.DEFAULT_LIMIT_MS, ge=0, le=10**12),
    window_ms: int = Query(device_clocks.DEFAULT_WINDOW_MS, ge=1, le=10**12),
    flagged: bool = False,
    who: Principal = Depends(principal), plat: Platform = Depends(platform),
    pages: PageRequest = Depends(page),
) -> DeviceClockList:
    """Devices that reported `edge.clock` within the window; `flagged=true`: only those off by
    more than `limit_ms` beyond the measurement's uncertainty."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        clocks = device_clocks.device_clocks(uow, who.tenant, plat.clock.now_ms(),
                                             limit_ms=limit_ms, window_ms=window_ms)
    shown = page_of([c.as_dict() for c in clocks if c.flagged or not flagged], "device_clocks",
                    lambda c: str(c["device"]), pages)
    return DeviceClockList.page("devices", shown, limit_ms=limit_ms)
