"""Never lose a reading: 10,000 readings through a broker outage and a SIGKILL of the device.

A device process (edge_device.py) records 10,000 readings at a meter's pace through
`monetiot.edge` over MQTT to a private Mosquitto, consumed by the real `monetiot ingest-mqtt`
worker on PostgreSQL. The broker is stopped while the device keeps recording (its outbox grows),
started again, and the device process is SIGKILLed while it sends the backlog (rows in flight,
some acknowledged by the broker but not yet deleted). A second process on the same outbox picks
up where the first stopped and flushes. The server ends with exactly the 10,000 readings, each
once, with the exact sum.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from edge_device import kwh
from test_edge_support import (
    broker,
    count,
    device_process,
    platform,
    stored,
    wait_until,
    worker,
)
from test_mqtt_support import forget_session, seed, unique, usage_total

TOTAL = 10_000


class Progress:
    """The JSON lines a device process prints, read as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.recorded = 0
        self.lines: list[dict[str, object]] = []
        self.errors: list[str] = []
        self._threads = [threading.Thread(target=self._read, daemon=True),
                         threading.Thread(target=self._read_errors, daemon=True)]
        for t in self._threads:
            t.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            doc = json.loads(line)
            self.lines.append(doc)
            if "recorded" in doc:
                self.recorded = int(doc["recorded"])

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.errors.append(line.rstrip())

    def wait(self, timeout: float) -> dict[str, object]:
        code = self.proc.wait(timeout)
        for t in self._threads:
            t.join(5)
        assert code == 0, "\n".join(self.errors[-20:])
        return self.lines[-1]


@pytest.mark.integration
def test_ten_thousand_readings_survive_a_broker_outage_and_a_sigkill(pg_url: str,
                                                                     tmp_path: Path) -> None:
    prefix, client_id = unique("edge"), unique("edge-worker-")
    plat = platform(pg_url, prefix)
    outbox = tmp_path / "device" / "outbox.db"
    outbox.parent.mkdir()
    with ExitStack() as stack:
        stack.callback(plat.close)
        mosquitto = stack.enter_context(broker(tmp_path / "broker"))
        stack.callback(forget_session, client_id, "127.0.0.1", mosquitto.port)
        acme = seed(plat, "acme", ("meter-1",))
        began_ms = plat.clock.now_ms()
        ingest = worker(pg_url, prefix, mosquitto.port, client_id)
        stack.callback(ingest.close)
        env = {**os.environ, "EDGE_PASSWORD": acme.passwords["meter-1"]}
        args = ["--url", f"mqtt://127.0.0.1:{mosquitto.port}", "--tenant", "acme", "--device",
                "meter-1", "--outbox", str(outbox), "--prefix", prefix, "--total", str(TOTAL),
                "--rate", "1000"]
        readings = lambda: count(plat, "acme", "energy.reading")  # noqa: E731

        first = Progress(device_process(args, env))
        stack.callback(lambda: first.proc.poll() is None and first.proc.kill())
        wait_until(lambda: readings() >= 1000, "the first 1,000 readings on the server")
        mosquitto.stop()
        at_outage = first.recorded
        wait_until(lambda: first.recorded >= at_outage + 2500, "readings recorded offline")
        mosquitto.start()
        wait_until(lambda: first.recorded >= 6000, "6,000 readings recorded", timeout=30)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
        killed_at = first.recorded
        assert killed_at < TOTAL, "the device finished before it could be killed"

        second = Progress(device_process(args, env))
        stack.callback(lambda: second.proc.poll() is None and second.proc.kill())
        final = second.wait(timeout=120)
        start = int(second.lines[0]["start"])  # type: ignore[call-overload]
        assert killed_at <= start <= killed_at + 100  # what the killed process had committed
        assert final["left"] == 0, final
        wait_until(lambda: readings() >= TOTAL, f"{TOTAL} readings on the server", timeout=60)
        time.sleep(0.5)  # anything still arriving would be a reading counted twice
        assert ingest.terminate() == 0, "\n".join(ingest.lines[-20:])

        rows = stored(plat, "acme", "energy.reading")
        assert len(rows) == TOTAL
        assert sorted(int(r["data"]["n"]) for r in rows) == list(range(TOTAL))
        uid = sqlite3.connect(outbox).execute(
            "SELECT value FROM meta WHERE key = 'uid'").fetchone()[0]
        assert {r["id"] for r in rows} == {f"{uid}-{seq}" for seq in range(1, TOTAL + 1)}
        expected = sum((kwh(i) for i in range(TOTAL)), start=Decimal(0))
        assert usage_total(plat, "acme", "kwh", began_ms) == expected
        print(f"outage at {at_outage} recorded; killed at {killed_at}; second started at "
              f"{start}; worker: {ingest.lines[-1]}; load {os.getloadavg()}")
