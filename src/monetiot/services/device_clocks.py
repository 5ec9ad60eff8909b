"""Device clocks: each device's last reported skew, and whether it is off by too much.

Devices running monetiot.edge measure their clock against the server and report it as an
`edge.clock` event (docs/edge.md): `{"skew_ms", "uncertainty_ms", "rtt_ms", "method"}`, skew
being device time minus server time. A device is flagged when its clock is off by more than
`limit_ms` for certain: |skew| minus the measurement's uncertainty exceeds the limit.

Invariants:
- read only, scoped by tenant; a report that is not such an object is listed with its skew
  unknown (None) and never flagged, not dropped;
- only reports received within `window_ms` count (the SDK reports at least daily).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from monetiot.domain.clock import iso_from_ms
from monetiot.domain.errors import InvalidInput
from monetiot.store import device_reports
from monetiot.store.engine import UnitOfWork

CLOCK_EVENT = "edge.clock"
DEFAULT_LIMIT_MS = 10_000
DEFAULT_WINDOW_MS = 7 * 86_400_000


@dataclass(frozen=True, slots=True)
class DeviceClock:
    device: str
    skew_ms: int | None
    uncertainty_ms: int | None
    method: str | None
    reported_ms: int  # when the server received the report
    flagged: bool

    def as_dict(self) -> dict[str, Any]:
        return {"device": self.device, "skew_ms": self.skew_ms,
                "uncertainty_ms": self.uncertainty_ms, "method": self.method,
                "reported": iso_from_ms(self.reported_ms), "flagged": self.flagged}


def device_clocks(uow: UnitOfWork, tenant: str, now_ms: int, *,
                  limit_ms: int = DEFAULT_LIMIT_MS,
                  window_ms: int = DEFAULT_WINDOW_MS) -> list[DeviceClock]:
    if limit_ms < 0:
        raise InvalidInput("must be 0 or more milliseconds", field="limit_ms")
    if window_ms <= 0:
        raise InvalidInput("must be a positive number of milliseconds", field="window_ms")
    rows = device_reports.latest_per_device(uow.conn, tenant, CLOCK_EVENT, now_ms - window_ms)
    return [_clock(row, limit_ms) for row in rows]


def _clock(row: dict[str, Any], limit_ms: int) -> DeviceClock:
    data = json.loads(row["data"])
    skew = _integer(data, "skew_ms")
    uncertainty = _integer(data, "uncertainty_ms")
    method = data.get("method") if isinstance(data, dict) else None
    flagged = skew is not None and abs(skew) - (uncertainty or 0) > limit_ms
    return DeviceClock(device=row["device_id"], skew_ms=skew, uncertainty_ms=uncertainty,
                       method=method if isinstance(method, str) else None,
                       reported_ms=int(row["received_ms"]), flagged=flagged)


def _integer(data: object, key: str) -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)
