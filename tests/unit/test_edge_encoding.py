"""What the SDK writes is what the server reads: exact JSON, CBOR, SenML packs, batches.

The SDK may not import the server, but these tests may: each encoding is read back by the
server's own decoder, so the two sides cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from monetiot.edge import ReadingError, cbor, senml, wire
from monetiot.edge.outbox import Row
from monetiot.edge.values import check_data, from_json, rfc3339, time_us, to_json
from monetiot.ingest.formats import decode
from monetiot.ingest.formats.cbor_reader import loads as server_cbor
from monetiot.ingest.formats.common import read_json
from monetiot.ingest.formats.senml import PackError, resolve_payload

T0 = 1_764_921_855_123_456  # 2025-12-05T08:04:15.123456Z in microseconds


def test_floats_are_refused_naming_the_field() -> None:
    with pytest.raises(ReadingError, match=r"data\.kwh: 0\.1 is a binary float"):
        check_data({"kwh": 0.1})
    with pytest.raises(ReadingError, match=r"data\.phases\[1\]\.v"):
        check_data({"phases": [{"v": "1"}, {"v": 2.5}]})
    with pytest.raises(ReadingError, match="not a finite number"):
        check_data({"kwh": Decimal("NaN")})
    with pytest.raises(ReadingError, match="keys are text"):
        check_data({"a": {1: "x"}})
    with pytest.raises(ReadingError, match="set is not a JSON value"):
        check_data({"a": {1, 2}})


def test_numbers_keep_their_digits_through_the_servers_reader() -> None:
    data = check_data({"kwh": Decimal("0.125"), "big": Decimal("1E+3"), "zeros": Decimal("2.50"),
                       "count": 12345678901234567890, "text": "0.1", "ok": True, "none": None,
                       "nested": {"l": [Decimal("-0.001"), "é"]}})
    text = to_json(data)
    assert text.startswith('{"kwh":0.125,"big":1E+3,"zeros":2.50,')
    assert read_json(text.encode()) == {
        "kwh": Decimal("0.125"), "big": Decimal("1E+3"), "zeros": Decimal("2.50"),
        "count": Decimal(12345678901234567890), "text": "0.1", "ok": True, "none": None,
        "nested": {"l": [Decimal("-0.001"), "é"]}}
    assert str(read_json(text.encode())["zeros"]) == "2.50"  # type: ignore[index]
    assert from_json(text) == {**data, "count": 12345678901234567890}


def test_times() -> None:
    at = datetime(2025, 12, 5, 8, 4, 15, 123456, tzinfo=UTC)
    assert time_us(at) == T0
    assert time_us(at.astimezone(timezone(timedelta(hours=-5)))) == T0
    assert time_us(1_764_921_855_123) == 1_764_921_855_123_000
    assert rfc3339(T0) == "2025-12-05T08:04:15.123Z"
    with pytest.raises(ReadingError, match="time zone"):
        time_us(datetime(2025, 12, 5))
    with pytest.raises(ReadingError, match="epoch milliseconds"):
        time_us(1.5)


@pytest.mark.parametrize(("value", "hex_"), [
    # RFC 8949 appendix A
    (0, "00"), (23, "17"), (24, "1818"), (100, "1864"), (1000, "1903e8"),
    (1_000_000, "1a000f4240"), (1_000_000_000_000, "1b000000e8d4a51000"),
    (18446744073709551615, "1bffffffffffffffff"), (18446744073709551616, "c249010000000000000000"),
    (-18446744073709551616, "3bffffffffffffffff"),
    (-18446744073709551617, "c349010000000000000000"),
    (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
    (False, "f4"), (True, "f5"), (None, "f6"), (b"\x01\x02\x03\x04", "4401020304"),
    ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\u00fc", "62c3bc"),
    ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
    ({}, "a0"), ({1: 2, 3: 4}, "a201020304"), ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    (Decimal("273.15"), "c48221196ab3"),  # section 3.4.4
])
def test_cbor_matches_the_rfc_examples(value: object, hex_: str) -> None:
    assert cbor.dumps(value).hex() == hex_


@pytest.mark.parametrize("value", [
    Decimal("0.125"), Decimal("-7.50"), Decimal("1E+3"), Decimal("12345678901234567890.1"),
    Decimal("1764921855.123456"), Decimal(5), 2**70, -(2**70), {-2: "m1:", 0: ["x", b"\x00"]},
])
def test_cbor_round_trips_through_the_servers_reader(value: object) -> None:
    back = server_cbor(cbor.dumps(value))
    assert back == value
    if isinstance(value, Decimal):
        assert str(back) == str(value)


def test_cbor_refuses_what_it_does_not_know() -> None:
    with pytest.raises(TypeError):
        cbor.dumps(0.5)
    with pytest.raises(TypeError):
        cbor.dumps(Decimal("Infinity"))


def _resolved(body: bytes) -> list[dict[str, object]]:
    resolved = resolve_payload(body, cbor=True, now=Decimal(1_800_000_000))
    assert not isinstance(resolved, PackError), resolved
    return [r.to_json() for r in resolved]


def test_a_senml_pack_resolves_to_exact_values_and_times() -> None:
    readings = [(T0, {"kwh": "0.125", "state": "on", "ok": True}),
                (T0 + 1_500_000, {"kwh": Decimal("1E+3"), "count": 7})]
    body, records = senml.pack("meter-1", readings)  # type: ignore[arg-type]
    assert records == 5
    assert _resolved(body) == [
        {"n": "meter-1:kwh", "t": Decimal("1764921855.123456"), "v": Decimal("0.125")},
        {"n": "meter-1:state", "t": Decimal("1764921855.123456"), "vs": "on"},
        {"n": "meter-1:ok", "t": Decimal("1764921855.123456"), "vb": True},
        {"n": "meter-1:kwh", "t": Decimal("1764921856.623456"), "v": Decimal("1E+3")},
        {"n": "meter-1:count", "t": Decimal("1764921856.623456"), "v": Decimal(7)},
    ]


def test_senml_ids_do_not_depend_on_how_readings_were_batched() -> None:
    readings = [(T0 + i * 7, {"kwh": f"0.{i}"}) for i in range(4)]
    together, _ = senml.pack("m1", readings)  # type: ignore[arg-type]
    apart = [senml.pack("m1", [r])[0] for r in readings]  # type: ignore[list-item]

    def ids(body: bytes, device: str | None) -> list[str]:
        return [e.id for e in decode(senml.CONTENT_TYPE, body, now_ms=T0 // 1000,
                                     device=device)]  # type: ignore[union-attr]

    for device in ("m1", None):  # authenticated device (MQTT, HTTP Basic) or named by the pack
        assert ids(together, device) == [i for body in apart for i in ids(body, device)]
        assert len(set(ids(together, device))) == 4
    events = decode(senml.CONTENT_TYPE, together, now_ms=T0 // 1000, device="m1")
    assert [(e.device, e.type, dict(e.data)) for e in events] == [  # type: ignore[union-attr]
        ("m1", "senml.kwh", {"value": Decimal(f"0.{i}")}) for i in range(4)]


def test_senml_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(ReadingError, match=r"data\.a b: not a valid SenML name"):
        senml.check_fields("m1", {"a b": "1"})
    with pytest.raises(ReadingError, match="device: 'gw@site' is not a valid SenML name"):
        senml.check_fields("gw@site", {"kwh": "1"})
    with pytest.raises(ReadingError, match=r"data\.l: SenML carries"):
        senml.check_fields("m1", {"l": ["1"]})
    with pytest.raises(ReadingError, match="at least one field"):
        senml.check_fields("m1", {})


def row(key: int, device: str = "m1", encoding: str = "json", data: str = '{"kwh":"0.5"}',
        report: bool = False) -> Row:
    return Row(key, report, f"u-{key}", device, "senml" if encoding != "json" else "e.r",
               T0 + key, data, encoding)


def test_messages_group_by_device_and_encoding_in_order() -> None:
    rows = [row(1), row(2, "m2"), row(3), row(4, "m1", "senml+cbor"), row(5), row(6)]
    out = wire.messages(rows, batch_size=2)
    assert [(m.device, m.encoding, [r.key for r in m.rows]) for m in out] == [
        ("m1", "json", [1, 3]), ("m1", "json", [5, 6]), ("m2", "json", [2]),
        ("m1", "senml+cbor", [4])]
    events = decode("application/json", out[0].body, now_ms=T0 // 1000, device="m1")
    assert [(e.id, e.device, e.type, e.time_ms, dict(e.data)) for e in events] == [  # type: ignore[union-attr]
        ("u-1", "m1", "e.r", (T0 + 1) // 1000, {"kwh": "0.5"}),
        ("u-3", "m1", "e.r", (T0 + 3) // 1000, {"kwh": "0.5"})]


def test_rejections_are_matched_to_their_rows() -> None:
    pack = wire.messages([row(1, encoding="senml+cbor", data='{"a":"1","b":"2"}'),
                          row(2, encoding="senml+cbor", data='{"a":"3"}')], 10)[0]
    assert pack.records == (2, 1)
    results = [{"status": "accepted"}, {"status": "duplicate"},
               {"status": "rejected", "reason": "time is 400 s in the future"}]
    assert [(r.key, why) for r, why in wire.rejected_rows(pack, results)] == [
        (2, "time is 400 s in the future")]
    whole = [{"record": "payload", "status": "rejected", "reason": "not valid CBOR"}]
    assert [r.key for r, _ in wire.rejected_rows(pack, whole)] == [1, 2]
    assert wire.rejected_rows(pack, [{"status": "accepted"}] * 3) == []
    assert json.loads(wire.event_json(row(9)))["data"] == {"kwh": "0.5"}
