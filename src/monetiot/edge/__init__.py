"""monetiot.edge: the device SDK. Readings are kept on the device's disk until the server has them.

    from monetiot.edge import Device
    dev = Device(url="mqtt://127.0.0.1:1883", tenant="acme", device="meter-1",
                 password="...", outbox="outbox.db")
    dev.record("energy.reading", {"kwh": "0.125"})
    dev.flush(timeout=30)
    dev.close()

The standard library and paho-mqtt only: this package never imports the server side of monetiot
(a test checks every import), so a device installs it without FastAPI, SQLAlchemy or msgspec.
See docs/edge.md. Verifying signed device licences (issue 21) will be a module of this package,
`monetiot.edge.licence`, exported here beside `Device`.
"""

from monetiot.edge.clock import ClockSample
from monetiot.edge.device import Device, Reading, Stats
from monetiot.edge.outbox import EdgeError, OutboxFull
from monetiot.edge.values import ReadingError

__all__ = ["ClockSample", "Device", "EdgeError", "OutboxFull", "Reading", "ReadingError", "Stats"]
