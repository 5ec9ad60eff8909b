"""`Device` without a server: recording is local and durable, checks name the field, and an
unreachable server leaves everything in the outbox (nothing listens on the port used here)."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path

import pytest

from monetiot.edge import Device, OutboxFull, Reading, ReadingError


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def device(tmp_path: Path, name: str = "outbox.db", **kwargs: object) -> Device:
    options = {"url": f"mqtt://127.0.0.1:{closed_port()}", "tenant": "acme",
               "device": "meter-1", "password": "pw", "outbox": tmp_path / name,
               "backoff": (0.05, 0.2), **kwargs}
    return Device(**options)  # type: ignore[arg-type]


def test_offline_readings_wait_on_disk_and_ids_continue(tmp_path: Path) -> None:
    dev = device(tmp_path)
    first = dev.record("energy.reading", {"kwh": "0.125"})
    assert dev.record_many([Reading("energy.reading", {"kwh": Decimal("1.5")}),
                            Reading("energy.reading", {"kwh": 2}, device="child-1")])[1] \
        .endswith("-3")
    assert dev.flush(timeout=0.3) == 3
    stats = dev.stats()
    assert (stats.pending, stats.recorded, stats.sent, stats.connected) == (3, 3, 0, False)
    assert "cannot reach the broker" in (stats.last_error or "")
    dev.close()
    again = device(tmp_path)
    assert again.stats().pending == 3
    assert again.record("energy.reading", {"kwh": "1"}) == first[:-1] + "4"
    again.close()
    with pytest.raises(Exception, match="closed"):
        again.record("energy.reading", {"kwh": "1"})


def test_a_full_outbox_refuses_or_drops_as_configured(tmp_path: Path) -> None:
    with device(tmp_path, "a.db", max_records=2) as dev:
        dev.record("t", {"n": 1})
        dev.record("t", {"n": 2})
        with pytest.raises(OutboxFull, match="max_records=2"):
            dev.record("t", {"n": 3})
        assert dev.stats().pending == 2
    with device(tmp_path, "b.db", max_records=2, when_full="drop_oldest") as dev:
        for n in range(5):
            dev.record("t", {"n": n})
        stats = dev.stats()
        assert (stats.pending, stats.dropped, stats.pending_reports) == (2, 3, 1)


def test_bad_readings_are_refused_naming_the_field(tmp_path: Path) -> None:
    with device(tmp_path) as dev:
        with pytest.raises(ReadingError, match=r"data\.kwh: 0\.125 is a binary float"):
            dev.record("energy.reading", {"kwh": 0.125})
        with pytest.raises(ReadingError, match="type: must be 1 to 200"):
            dev.record("", {})
        with pytest.raises(ReadingError, match="device: 1-100 letters"):
            dev.record("t", {}, device="a/b")
        with pytest.raises(ReadingError, match="id: must be 1 to 200"):
            dev.record("t", {}, id="x" * 201)
        assert dev.stats().recorded == 0
    with device(tmp_path, "s.db", encoding="senml+cbor") as dev:
        with pytest.raises(ReadingError, match="type: a SenML device records type 'senml'"):
            dev.record("energy.reading", {"kwh": "1"})
        with pytest.raises(ReadingError, match="id: SenML records carry no id"):
            dev.record("senml", {"kwh": "1"}, id="r-1")
        with pytest.raises(ReadingError, match=r"data\.kw h: not a valid SenML name"):
            dev.record("senml", {"kw h": "1"})
        dev.record("senml", {"kwh": "1"})


def test_a_burst_on_a_coarse_clock_gets_distinct_times(tmp_path: Path) -> None:
    with device(tmp_path, clock=lambda: 1_764_921_855_000_000_000) as dev:
        ids = [dev.record("t", {"n": n}) for n in range(5)]
        rows = dev.outbox.take(10)
    assert [r.id for r in rows] == ids
    assert [r.time_us for r in rows] == [1_764_921_855_000_000 + n for n in range(5)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"url": "ftp://host"}, "url: mqtt://, mqtts://, http:// or https://"),
    ({"url": "mqtt://host", "ca_file": "ca.pem"}, "TLS options need"),
    ({"url": "mqtt://host", "api_key": "mk_x"}, "API key is for HTTP"),
    ({"url": "http://host", "password": None}, "HTTP needs credentials"),
    ({"tenant": "a/b"}, "tenant: 1-100"),
    ({"encoding": "cbor"}, "encoding: one of json, senml\\+cbor"),
    ({"when_full": "drop_newest"}, "when_full: one of refuse, drop_oldest"),
])
def test_bad_options_are_named(tmp_path: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        device(tmp_path, **kwargs)
    assert not (tmp_path / "outbox.db.lock").exists()  # refused before the outbox was taken
