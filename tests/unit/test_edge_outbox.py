"""The device's outbox: durable, stable ids, bounded, and every drop counted in a report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from monetiot.edge import EdgeError, OutboxFull, ReadingError
from monetiot.edge.outbox import NewReading, Outbox, Row


def reading(n: int, device: str = "m1", size: int = 0) -> NewReading:
    return NewReading(device=device, type="energy.reading", time_us=1_700_000_000_000_000 + n,
                      data=json.dumps({"n": n, "pad": "x" * size}), encoding="json")


def readings_in(rows: list[Row]) -> list[int]:
    return [json.loads(r.data)["n"] for r in rows if not r.report]


def test_ids_are_stable_and_never_reused(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    box = Outbox(path)
    ids = box.append([reading(0), reading(1)])
    assert ids == [f"{box.uid}-1", f"{box.uid}-2"]
    taken = box.take(10)
    box.settle(taken, [])
    box.close()
    again = Outbox(path)
    assert again.uid == box.uid and len(again.uid) == 16
    assert again.append([reading(2)]) == [f"{box.uid}-3"]  # 1 and 2 were deleted: not reused
    assert again.counters() == {"recorded": 3, "sent": 2, "dropped": 0, "rejected": 0}
    assert [r.id for r in again.take(10)] == [f"{box.uid}-3"]
    again.close()
    assert Outbox(tmp_path / "other.db").uid != box.uid


def test_a_caller_id_is_kept(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    own = NewReading("m1", "energy.reading", 1, "{}", "json", id="register-77")
    assert box.append([own, reading(1)]) == ["register-77", f"{box.uid}-2"]
    assert [r.id for r in box.take(10)] == ["register-77", f"{box.uid}-2"]


def test_a_reading_is_on_disk_when_append_returns(tmp_path: Path) -> None:
    """The process is SIGKILLed right after `append` returned: the reading is there."""
    path = tmp_path / "o.db"
    code = (
        "import json, os, signal\n"
        "from monetiot.edge.outbox import NewReading, Outbox\n"
        f"box = Outbox({str(path)!r})\n"
        "box.append([NewReading('m1', 't', 5, json.dumps({'kwh': '0.125'}), 'json')])\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
    assert done.returncode == -9
    box = Outbox(path)  # the lock died with the process
    rows = box.take(10)
    assert [(r.id, json.loads(r.data)) for r in rows] == [(f"{box.uid}-1", {"kwh": "0.125"})]


def test_one_process_per_outbox(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    with pytest.raises(EdgeError, match="in use by another process"):
        Outbox(tmp_path / "o.db")
    box.close()
    Outbox(tmp_path / "o.db").close()


def test_refuse_keeps_nothing_of_a_batch_that_does_not_fit(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_records=3, when_full="refuse")
    box.append([reading(0), reading(1)])
    with pytest.raises(OutboxFull, match=r"outbox full \(2 readings.*max_records=3.*2 reading"):
        box.append([reading(2), reading(3)])
    assert box.pending == 2
    box.append([reading(2)])
    with pytest.raises(OutboxFull):
        box.append([reading(3)])
    assert readings_in(box.take(10)) == [0, 1, 2]
    assert box.counters()["dropped"] == 0


def test_drop_oldest_counts_every_drop_in_a_report(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_records=3, when_full="drop_oldest")
    ids = box.append([reading(n) for n in range(5)])  # 0 and 1 make room for 3 and 4
    ids += box.append([reading(5, device="m2")])  # 2 goes
    assert box.pending == 3
    assert box.counters()["dropped"] == 3
    rows = box.take(10)
    reports = {r.device: (r, json.loads(r.data)) for r in rows if r.report}
    assert readings_in(rows) == [3, 4, 5]
    m1, doc = reports["m1"]
    assert m1.type == "edge.dropped" and m1.id == f"{box.uid}-r1"
    assert doc["count"] == 3 and doc["first_id"] == ids[0] and doc["last_id"] == ids[2]
    assert doc["first_time"] == "2023-11-14T22:13:20.000Z"
    assert set(reports) == {"m1"}


def test_readings_in_flight_are_never_dropped(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_records=4, when_full="drop_oldest")
    box.append([reading(n) for n in range(4)])
    in_flight = box.take(2)  # 0 and 1 are on their way
    box.append([reading(4), reading(5)])  # must drop 2 and 3, not 0 and 1
    box.settle(in_flight, [])
    rows = box.take(10)
    assert readings_in(rows) == [4, 5]
    (report,) = [json.loads(r.data) for r in rows if r.report]
    assert report["count"] == 2 and report["first_id"] == f"{box.uid}-3"
    box.append([reading(6), reading(7)])
    assert readings_in(box.take(10)) == [6, 7]
    # everything in flight: the limit is exceeded by what is in flight, nothing is lost
    box.append([reading(8)])
    assert box.pending == 5 and box.counters()["dropped"] == 2


def test_a_report_is_frozen_once_taken(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_records=1, when_full="drop_oldest")
    box.append([reading(0)])
    box.append([reading(1)])  # drops 0
    first = [r for r in box.take(10) if r.report]
    box.append([reading(2)])  # 1 is in flight: nothing droppable, over the limit by one
    box.settle([], first + [r for r in box.take(0)])  # the report failed to send
    again = [r for r in box.take(10) if r.report]
    assert [(r.id, r.data) for r in again] == [(first[0].id, first[0].data)]


def test_bytes_limit(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db", max_bytes=1000, when_full="drop_oldest")
    box.append([reading(n, size=100) for n in range(20)])
    assert box.pending_bytes <= 1000 and box.pending == 1000 // reading(0, size=100).size
    assert box.counters()["dropped"] == 20 - box.pending
    assert len(readings_in(box.take(100))) == 1  # a round takes a quarter of max_bytes at most
    with pytest.raises(ReadingError, match="more than the outbox limit max_bytes=1000"):
        box.append([reading(99, size=2000)])


def test_settle_deletes_the_delivered_and_frees_the_rest(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.append([reading(n) for n in range(4)])
    rows = box.take(10)
    assert box.take(10) == []  # all in flight
    box.settle(rows[:3], rows[3:], rejected=1)
    assert readings_in(box.take(10)) == [3]
    assert box.counters() == {"recorded": 4, "sent": 3, "dropped": 0, "rejected": 1}
    assert box.pending == 1


def test_a_newer_clock_report_replaces_an_unsent_one(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.db")
    box.add_report("clock", "m1", 1, {"skew_ms": 5})
    box.add_report("clock", "m1", 2, {"skew_ms": 9})
    (row,) = box.take(10)
    assert row.type == "edge.clock" and json.loads(row.data) == {"skew_ms": 9}
    box.add_report("clock", "m1", 3, {"skew_ms": 12})  # the one in flight is kept
    assert box.pending_reports() == 2


def test_limits_and_policy_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="when_full"):
        Outbox(tmp_path / "a.db", when_full="drop_newest")
    with pytest.raises(ValueError, match="max_records"):
        Outbox(tmp_path / "b.db", max_records=0)
    assert not os.path.exists(tmp_path / "a.db")
