"""The server's view of device clocks: the newest `edge.clock` report per device, flagged when
the clock is off by more than the limit beyond the measurement's uncertainty."""

from __future__ import annotations

import json

import pytest
from test_mqtt_support import seed

from monetiot.bootstrap import Platform
from monetiot.domain.clock import iso_from_ms
from monetiot.services.device_clocks import device_clocks
from monetiot.services.ingest import Payload, ingest

DAY = 86_400_000


def report(plat: Platform, device: str, event_id: str, received_ms: int, data: object,
           tenant: str = "acme") -> None:
    body = json.dumps([{"id": event_id, "device": device, "type": "edge.clock",
                        "time": iso_from_ms(received_ms), "data": data}]).encode()
    with plat.uow() as uow:
        (result,) = ingest(uow, plat.settings, [Payload(tenant, "application/json", body,
                                                        received_ms)])
    assert result.summary()["accepted"] == 1, result.records


@pytest.mark.integration
def test_the_newest_report_per_device_decides(platform: Platform) -> None:
    seed(platform, "acme", ("m1", "m2", "m3", "m4"))
    seed(platform, "bolt", ("m1",))
    now = platform.clock.now_ms()
    report(platform, "m1", "a", now - 3000, {"skew_ms": 1_000, "uncertainty_ms": 5})
    report(platform, "m1", "b", now - 2000, {"skew_ms": -15_000, "uncertainty_ms": 5,
                                             "method": "mqtt-time"})
    report(platform, "m2", "c", now - 1000, {"skew_ms": 10_400, "uncertainty_ms": 520,
                                             "method": "http-date"})  # not certainly > 10 s
    report(platform, "m3", "d", now - 1000, {"note": "no skew in it"})
    report(platform, "m4", "e", now - 8 * DAY, {"skew_ms": 99_000})  # outside the window
    report(platform, "m1", "f", now, {"skew_ms": 50_000}, tenant="bolt")
    with platform.uow(readonly=True) as uow:
        clocks = device_clocks(uow, "acme", now)
        strict = device_clocks(uow, "acme", now, limit_ms=0)
        wide = device_clocks(uow, "acme", now, window_ms=9 * DAY)
    assert [(c.device, c.skew_ms, c.method, c.flagged, c.reported_ms) for c in clocks] == [
        ("m1", -15_000, "mqtt-time", True, now - 2000),
        ("m2", 10_400, "http-date", False, now - 1000),
        ("m3", None, None, False, now - 1000)]
    assert [c.flagged for c in strict] == [True, True, False]
    assert [c.device for c in wide] == ["m1", "m2", "m3", "m4"]
    assert clocks[0].as_dict()["reported"] == iso_from_ms(now - 2000)
