"""/v1/device-clocks: each device's last reported clock skew, flagged when it is too far off."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from monetiot.bootstrap import Platform
from monetiot.services import device_clocks
from monetiot.services.access import Principal
from monetiot.web.deps import platform, principal
from monetiot.web.responses import respond

router = APIRouter(prefix="/v1")


@router.get("/device-clocks")
def list_device_clocks(
    limit_ms: int = Query(device_clocks.DEFAULT_LIMIT_MS, ge=0, le=10**12),
    window_ms: int = Query(device_clocks.DEFAULT_WINDOW_MS, ge=1, le=10**12),
    flagged: bool = False,
    who: Principal = Depends(principal), plat: Platform = Depends(platform),
) -> JSONResponse:
    """Devices that reported `edge.clock` within the window; `flagged=true`: only those off by
    more than `limit_ms` beyond the measurement's uncertainty."""
    who.require("read")
    with plat.uow(readonly=True) as uow:
        clocks = device_clocks.device_clocks(uow, who.tenant, plat.clock.now_ms(),
                                             limit_ms=limit_ms, window_ms=window_ms)
    return respond({"limit_ms": limit_ms, "devices": [
        c.as_dict() for c in clocks if c.flagged or not flagged]})
