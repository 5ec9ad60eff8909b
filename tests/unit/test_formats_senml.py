"""SenML (RFC 8428): resolution, validation and the events a pack becomes.

Packs are written as the RFC writes them; `now` is 1700000000 (2023-11-14T22:13:20Z) unless a
test says otherwise.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import cbor2
import pytest

from monetiot.domain.events import Event, Rejected
from monetiot.ingest.formats.senml import (
    PackError,
    ResolvedRecord,
    decode_senml,
    resolve_pack,
    resolve_payload,
)

NOW = Decimal(1_700_000_000)
NOW_MS = 1_700_000_000_000
URN = "urn:dev:ow:10e2073a01080063"


def resolve(pack: Any, now: Decimal = NOW) -> list[dict[str, Any]]:
    """Resolved records of a JSON pack, as the RFC writes them."""
    result = resolve_payload(json.dumps(pack).encode(), cbor=False, now=now)
    assert not isinstance(result, PackError), result.message()
    return [record.to_json() for record in result]


def resolve_text(text: str) -> list[ResolvedRecord] | PackError:
    return resolve_payload(text.encode(), cbor=False, now=NOW)


def error(pack: Any, *, cbor: bool = False) -> str:
    body = cbor2.dumps(pack) if cbor else json.dumps(pack).encode()
    result = resolve_payload(body, cbor=cbor, now=NOW)
    assert isinstance(result, PackError), result
    return result.message()


def events(pack: Any, device: str | None = None) -> list[Event]:
    decoded = decode_senml(json.dumps(pack).encode(), cbor=False, now_ms=NOW_MS, device=device)
    assert all(isinstance(item, Event) for item in decoded), decoded
    return [item for item in decoded if isinstance(item, Event)]


# --- resolution (RFC 8428 section 4.6) ---------------------------------------------------------


def test_multiple_data_types_section_5_1_5() -> None:
    pack = [
        {"bn": f"{URN}:", "n": "temp", "u": "Cel", "v": 23.1},
        {"n": "label", "vs": "Machine Room"},
        {"n": "open", "vb": False},
        {"n": "nfv-reader", "vd": "aGkgCg"},
    ]
    assert resolve(pack) == [
        {"n": f"{URN}:temp", "u": "Cel", "t": NOW, "v": Decimal("23.1")},
        {"n": f"{URN}:label", "t": NOW, "vs": "Machine Room"},
        {"n": f"{URN}:open", "t": NOW, "vb": False},
        {"n": f"{URN}:nfv-reader", "t": NOW, "vd": "aGkgCg"},
    ]


def test_collection_of_resources_section_5_1_6_base_name_changes_base_time_stays() -> None:
    pack = [
        {"bn": "2001:db8::2/", "bt": 1.320078429e09, "n": "temperature", "u": "Cel", "v": 25.2},
        {"n": "humidity", "u": "%RH", "v": 30},
        {"bn": "2001:db8::1/", "n": "temperature", "u": "Cel", "v": 12.3},
        {"n": "humidity", "u": "%RH", "v": 67},
    ]
    resolved = resolve(pack)
    assert [r["n"] for r in resolved] == [
        "2001:db8::2/temperature", "2001:db8::2/humidity",
        "2001:db8::1/temperature", "2001:db8::1/humidity",
    ]
    assert {r["t"] for r in resolved} == {Decimal(1320078429)}


def test_setting_an_actuator_section_5_1_7_base_only_record_yields_no_measurement() -> None:
    pack = [
        {"bn": f"{URN}:"},
        {"n": "temp", "u": "Cel", "v": 23.1},
        {"n": "heat", "u": "/", "v": 1},
        {"n": "fan", "u": "/", "v": 0},
    ]
    assert [(r["n"], r["v"]) for r in resolve(pack)] == [
        (f"{URN}:temp", Decimal("23.1")), (f"{URN}:heat", 1), (f"{URN}:fan", 0),
    ]


def test_lights_off_section_5_1_7_time_added_to_absolute_base_time() -> None:
    pack = [
        {"bt": 1.320078429e09, "bu": "/", "n": "2001:db8::3", "v": 0.5},
        {"n": "2001:db8::3", "t": 0.1, "v": 0},
    ]
    assert [(r["t"], r["u"]) for r in resolve(pack)] == [
        (Decimal("1320078429"), "/"), (Decimal("1320078429.1"), "/"),
    ]


def test_base_unit_applies_where_the_record_has_none() -> None:
    resolved = resolve([{"bn": "d:", "bu": "W", "n": "a", "v": 1}, {"n": "b", "u": "Wh", "v": 2}])
    assert [r["u"] for r in resolved] == ["W", "Wh"]


def test_base_value_and_base_sum_are_added_and_carry_forward() -> None:
    pack = [
        {"bn": "meter:", "bv": 100, "bs": 5000, "n": "p", "v": 1, "s": 10},
        {"n": "p", "v": -0.5},
        {"n": "p", "vs": "offline"},
    ]
    resolved = resolve(pack)
    assert [r.get("v") for r in resolved] == [101, Decimal("99.5"), None]
    # Section 4.5.4: with a base sum but no sum, the sum is the base sum.
    assert [r["s"] for r in resolved] == [5010, 5000, 5000]


def test_a_sum_alone_is_a_record_without_value() -> None:
    assert resolve([{"n": "energy", "u": "J", "s": 1500}]) == [
        {"n": "energy", "u": "J", "t": NOW, "s": 1500}
    ]


@pytest.mark.parametrize(
    ("bt", "t", "expected"),
    [
        (None, None, NOW),
        (None, -5, NOW - 5),
        (None, 0.25, NOW + Decimal("0.25")),
        (-60, 10, NOW - 50),
        (None, 2**28 - 1, NOW + 2**28 - 1),
        (None, 2**28, Decimal(2**28)),
        (1_600_000_000, -30, Decimal(1_599_999_970)),
    ],
)
def test_times_below_2_pow_28_are_relative_to_now(
    bt: int | None, t: float | None, expected: Decimal
) -> None:
    record: dict[str, Any] = {"n": "x", "v": 1}
    if t is not None:
        record["t"] = t
    if bt is not None:
        record["bt"] = bt
    assert resolve([record])[0]["t"] == expected


def test_version_other_than_10_is_kept_on_every_resolved_record() -> None:
    resolved = resolve([{"bver": 5, "bn": "d:", "n": "a", "v": 1}, {"n": "b", "v": 2}])
    assert [r["bver"] for r in resolved] == [5, 5]
    assert "bver" not in resolve([{"bver": 10, "n": "a", "v": 1}])[0]


def test_numbers_keep_every_digit() -> None:
    text = '[{"bn":"d:","bv":0.1000000000000000000001,"n":"x","v":1e-30,"t":1700000000.0000001}]'
    (record,) = resolve_text(text)  # type: ignore[misc]
    assert record.value == Decimal("0.100000000000000000000100000001")
    assert record.time == Decimal("1700000000.0000001")


def test_unknown_labels_are_ignored() -> None:
    assert resolve([{"n": "x", "v": 1, "foo": "bar", "ct": 60}]) == [
        {"n": "x", "t": NOW, "v": 1}
    ]


def test_records_keep_pack_order() -> None:
    resolved = resolve([{"n": "x", "t": -1, "v": 1}, {"n": "x", "t": -5, "v": 2}])
    assert [r["v"] for r in resolved] == [1, 2]


# --- invalid packs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pack", "message"),
    [
        ([{"bver": 11, "n": "x", "v": 1}], "record 0: bver 11: version newer than 10"),
        ([{"bver": 0, "n": "x", "v": 1}], "record 0: bver 0: a version is a positive integer"),
        ([{"bver": 5.5, "n": "x", "v": 1}], "record 0: bver 5.5: a version is a positive"),
        ([{"n": "x", "v": 1}, {"bver": 5, "n": "y", "v": 1}], "record 1: bver 5: every record"),
        ([{"n": "x", "v": 1, "mtu_": 5}], "record 0: unknown label 'mtu_'"),
        ([{"n": "x"}], "record 0: no value"),
        ([{"n": "x", "u": "V", "t": 5}], "record 0: no value"),
        ([{"n": "x", "v": 1, "vs": "a"}], "record 0: two values (v, vs)"),
        ([{"n": "x", "vb": True, "vd": "aGk"}], "record 0: two values (vb, vd)"),
        ([{"v": 1}], "record 0: no name"),
        ([{"n": "", "v": 1}], "record 0: no name"),
        ([{"n": "-x", "v": 1}], "record 0: name '-x': must start with a letter or digit"),
        ([{"n": "a b", "v": 1}], "record 0: name 'a b'"),
        ([{"n": "café", "v": 1}], "record 0: name 'café'"),
        ([{"bn": "dev#1/", "n": "t", "v": 1}], "record 0: name 'dev#1/t'"),
        ([{"n": "x", "v": "1"}], "record 0: v must be a number, not a string"),
        ([{"n": "x", "v": True}], "record 0: v must be a number, not a boolean"),
        ([{"n": "x", "vb": "true"}], "record 0: vb must be true or false"),
        ([{"n": "x", "vs": 5}], "record 0: vs must be a string"),
        ([{"n": "x", "vd": "a+b/"}], "record 0: vd must be binary data"),
        ([{"n": 5, "v": 1}], "record 0: n must be a string"),
        ([{"n": "x", "v": 1, "t": "now"}], "record 0: t must be a number"),
        ([{"bn": "d:"}], "record 0: no value: the pack holds base fields only"),
        ([{"n": "x", "v": 1}, 7], "record 1: a record is an object"),
        ([], "payload: a SenML pack holds one or more records"),
        ({"n": "x", "v": 1}, "payload: a SenML pack is a JSON array of records, not an object"),
    ],
)
def test_invalid_pack_names_the_record_and_reason(pack: Any, message: str) -> None:
    assert error(pack).startswith(message)


def test_one_bad_record_rejects_the_whole_pack_and_keeps_every_record() -> None:
    pack = [{"bn": "d:", "n": "a", "v": 1}, {"n": "b"}, {"n": "c", "v": 3}]
    decoded = decode_senml(json.dumps(pack).encode(), cbor=False, now_ms=NOW_MS)
    bad = decoded[1]
    assert isinstance(bad, Rejected)
    assert decoded == [
        Rejected("record 0", "pack rejected: record 1: " + bad.reason, raw=pack[0]),
        Rejected("record 1", bad.reason, raw={"n": "b"}),
        Rejected("record 2", "pack rejected: record 1: " + bad.reason, raw=pack[2]),
    ]
    assert bad.reason.startswith("no value")


def test_every_bad_record_gets_its_own_reason() -> None:
    decoded = decode_senml(b'[{"n":"a"},{"n":"b","v":1},{"n":"c","v":1,"x_":1}]',
                           cbor=False, now_ms=NOW_MS)
    reasons = [r.reason for r in decoded if isinstance(r, Rejected)]
    assert reasons[0].startswith("no value")
    assert reasons[1].startswith("pack rejected: record 0: no value")
    assert reasons[2].startswith("unknown label 'x_'")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not valid JSON"),
        (b"[{", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"hello"', "a SenML pack is a JSON array of records, not a string"),
    ],
)
def test_unreadable_json_payload_is_one_rejection(body: bytes, reason: str) -> None:
    (rejected,) = decode_senml(body, cbor=False, now_ms=NOW_MS)
    assert isinstance(rejected, Rejected)
    assert rejected.record == "payload" and rejected.reason.startswith(reason)


# --- CBOR (RFC 8428 section 6) -------------------------------------------------------------


def cbor_resolve(data: bytes) -> list[dict[str, Any]]:
    result = resolve_payload(data, cbor=True, now=NOW)
    assert not isinstance(result, PackError), result.message()
    return [record.to_json() for record in result]


def test_cbor_integer_labels() -> None:
    pack = [{-2: "d:", -3: 1_600_000_000, -4: "A", -5: 10, -6: 1, 0: "i", 2: 1.5, 5: 2, 6: -1},
            {0: "s", 3: "on"}, {0: "b", 4: True}, {0: "raw", 8: b"hi \n", 7: 60}]
    assert cbor_resolve(cbor2.dumps(pack)) == [
        {"n": "d:i", "u": "A", "t": Decimal(1_599_999_999), "v": Decimal("11.5"), "s": 3},
        {"n": "d:s", "u": "A", "t": Decimal(1_600_000_000), "vs": "on", "s": 1},
        {"n": "d:b", "u": "A", "t": Decimal(1_600_000_000), "vb": True, "s": 1},
        # ut is read but not printed: the spec's resolved form lists n u t v/vs/vb/vd s bver.
        {"n": "d:raw", "u": "A", "t": Decimal(1_600_000_000), "vd": "aGkgCg", "s": 1},
    ]
    result = resolve_payload(cbor2.dumps(pack), cbor=True, now=NOW)
    assert not isinstance(result, PackError)
    assert result[3].update_time == 60


def test_cbor_version_label() -> None:
    assert cbor_resolve(cbor2.dumps([{-1: 5, 0: "x", 2: 1}]))[0]["bver"] == 5
    assert error([{-1: 11, 0: "x", 2: 1}], cbor=True).startswith("record 0: bver 11")


def test_cbor_half_precision_float_becomes_its_shortest_decimal_at_half_precision() -> None:
    # [{0: "x", 2: half(1.5)}] and [{0: "x", 2: half 0x2e66}]: 0x2e66 is the half nearest 0.1
    # (exactly 0.0999755859375), and "0.1" is the shortest text that reads back to it.
    assert cbor_resolve(bytes.fromhex("81a2006178 02f93e00"))[0]["v"] == Decimal("1.5")
    assert cbor_resolve(bytes.fromhex("81a2006178 02f92e66"))[0]["v"] == Decimal("0.1")


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("fa42f03333", "120.1"),  # float32 nearest 120.1, which is 120.0999984741211 as a double
        ("fa3f99999a", "1.2"),
        ("fa41b8cccd", "23.1"),
        ("fa4e4aa7e2", "8.5E+8"),  # 850000000 is not a single: the nearest is 849999872
        ("fa00000001", "1E-45"),  # the smallest subnormal single
        ("fa7f7fffff", "3.4028235E+38"),  # the largest single
        ("fabf800000", "-1"),
        ("f97bff", "65500"),  # the largest half, 65504: "6.55e+04" reads back to it
        ("f93c00", "1"),
        ("f90001", "6E-8"),  # the smallest subnormal half
        ("fb3ff3333333333333", "1.2"),
        ("fb3ff3333333333334", "1.2000000000000002"),  # a double is its repr, noise and all
    ],
)
def test_cbor_float_is_the_shortest_decimal_at_its_own_width(encoded: str, expected: str) -> None:
    body = bytes.fromhex("81a2006178 02" + encoded)
    value = cbor_resolve(body)[0]["v"]
    assert value == Decimal(expected)


def test_cbor_float32_pack_prints_what_the_device_meant(tmp_path: Any) -> None:
    """Section 5.1.2 (first example) sent with single-precision floats prints like its JSON."""
    # [{-2: "urn:dev:ow:10e2073a01080063:", 0: "voltage", 1: "V", 2: f32(120.1)},
    #  {0: "current", 1: "A", 2: f32(1.2)}]
    body = bytes.fromhex(
        "82a4 21 781c" + b"urn:dev:ow:10e2073a01080063:".hex()
        + "00 67" + b"voltage".hex() + "01 6156 02 fa42f03333"
        + "a3 00 67" + b"current".hex() + "01 6141 02 fa3f99999a"
    )
    assert cbor_resolve(body) == [
        {"n": f"{URN}:voltage", "u": "V", "t": NOW, "v": Decimal("120.1")},
        {"n": f"{URN}:current", "u": "A", "t": NOW, "v": Decimal("1.2")},
    ]


def test_cbor_double_becomes_its_shortest_repr_not_its_binary_expansion() -> None:
    assert cbor_resolve(cbor2.dumps([{0: "x", 2: 23.1}]))[0]["v"] == Decimal("23.1")


def test_cbor_decimal_fraction_is_exact() -> None:
    assert cbor_resolve(cbor2.dumps([{0: "x", 2: Decimal("0.1000000000000000000001")}]))[0][
        "v"
    ] == Decimal("0.1000000000000000000001")


def test_cbor_text_keys_are_extensions() -> None:
    assert cbor_resolve(cbor2.dumps([{0: "x", 2: 1, 99: "ignored", "foo": 1}])) == [
        {"n": "x", "t": NOW, "v": 1}
    ]
    assert error([{0: "x", 2: 1, "foo_": 1}], cbor=True).startswith("record 0: unknown label")
    # "v" as text is not the value label (section 6), so this record has no value.
    assert error([{0: "x", "v": 1}], cbor=True).startswith("record 0: no value")


def test_cbor_data_value_must_be_a_byte_string_and_nan_is_refused() -> None:
    assert error([{0: "x", 8: "aGk"}], cbor=True).startswith("record 0: vd must be binary")
    assert error([{0: "x", 2: float("nan")}], cbor=True).startswith(
        "record 0: v must be a finite number"
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "not valid CBOR"),
        (bytes.fromhex("ff"), "not valid CBOR"),
        (bytes.fromhex("82a1"), "not valid CBOR"),
        (bytes.fromhex("8000"), "not valid CBOR: 1 bytes after the pack"),
        (bytes.fromhex("a10001"), "a SenML pack is a CBOR array of records, not a map"),
        (bytes.fromhex("81a2000102010001"), "not valid CBOR: 2 bytes after the pack"),
        (bytes.fromhex("81a2006178006179"), "not valid CBOR: byte 5: duplicate map key 0"),
        (bytes.fromhex("81a2006178 02fa42f0"), "not valid CBOR: truncated"),
        (bytes.fromhex("9b00000000ffffffff"), "not valid CBOR: truncated: the item at byte 0"),
        (bytes.fromhex("81a2006178 02c11a00000000"), "not valid CBOR: byte 6: CBOR tag 1 is not"),
        (bytes.fromhex("81a2006178 02f7"), "not valid CBOR: byte 6: undefined is not a SenML"),
        (bytes.fromhex("81a2006178 f402"), "not valid CBOR: byte 5: a map key is an integer"),
        (bytes.fromhex("81a2006278ff 0201"), "not valid CBOR: byte 3: a text string that is not"),
        (bytes.fromhex("81a2006178 021c"), "not valid CBOR: byte 6: reserved additional"),
        (bytes.fromhex("81a1ff00"), "not valid CBOR: byte 2: a break (0xff) outside"),
        (bytes.fromhex("81" * 100 + "00"), "not valid CBOR: byte 65: nested deeper than 64"),
    ],
)
def test_unreadable_cbor_payload_is_one_rejection(body: bytes, reason: str) -> None:
    (rejected,) = decode_senml(body, cbor=True, now_ms=NOW_MS)
    assert isinstance(rejected, Rejected)
    assert rejected.record == "payload" and rejected.reason.startswith(reason), rejected


def test_rejected_cbor_record_is_kept_readable() -> None:
    body = cbor2.dumps([{0: "x", 2: 1.5, 8: b"\x00", 42: "?"}])
    (rejected,) = decode_senml(body, cbor=True, now_ms=NOW_MS)
    assert isinstance(rejected, Rejected)
    assert rejected.raw == {"n": "x", "v": Decimal("1.5"), "vd": "AA", "42": "?"}


# --- events ----------------------------------------------------------------------------------


def test_device_is_the_base_name_and_measurement_the_rest() -> None:
    (voltage, current) = events([
        {"bn": f"{URN}:", "n": "voltage", "u": "V", "v": 120.1, "s": 5},
        {"bn": "gw/7/", "n": "current", "u": "A", "v": 1.2},
    ])
    assert (voltage.device, voltage.type) == (URN, "senml.voltage")
    assert voltage.data == {"value": Decimal("120.1"), "unit": "V", "sum": 5}
    assert voltage.time_ms == NOW_MS and voltage.customer is None
    assert (current.device, current.type) == ("gw/7", "senml.current")


def test_base_name_alone_is_the_device_and_the_type_is_senml() -> None:
    (event,) = events([{"bn": URN, "u": "%RH", "v": 20}])
    assert (event.device, event.type) == (URN, "senml")


def test_without_base_name_the_device_is_the_name_up_to_its_last_separator() -> None:
    (a, b, c) = events([{"n": f"{URN}:temp", "v": 1}, {"n": "plug/7/power", "v": 2},
                        {"n": "thermostat", "v": 3}])
    assert (a.device, a.type) == (URN, "senml.temp")
    assert (b.device, b.type) == ("plug/7", "senml.power")
    assert (c.device, c.type) == ("thermostat", "senml")


def test_device_override_uses_the_records_own_name() -> None:
    (a, b) = events([{"bn": "whatever:", "n": "temp", "v": 1}, {"bn": "x", "v": 2}],
                    device="meter-1")
    assert (a.device, a.type) == ("meter-1", "senml.temp")
    assert (b.device, b.type) == ("meter-1", "senml.x")


def test_ids_are_stable_for_a_resent_pack_and_distinct_per_record() -> None:
    pack = [{"bn": URN, "bt": 1.320067464e09, "bu": "%RH", "v": 20},
            {"u": "lon", "v": 24.30621}, {"u": "lat", "v": 60.07965}, {"t": 60, "v": 20.3}]
    first = [e.id for e in events(pack)]
    assert first == [e.id for e in events(pack)]
    assert len(set(first)) == 4
    # The same record written another way (1.320067464e9 vs 1320067464.0) has the same id.
    rewritten = [{"n": URN, "t": 1320067464.0, "u": "%RH", "v": 20}]
    assert events(rewritten)[0].id == first[0]
    assert events(pack, device="d1")[0].id != events(pack, device="d2")[0].id


@pytest.mark.parametrize(
    ("t", "ms"),
    [(1700000000.0005, 1_700_000_000_000), (1700000000.0015, 1_700_000_000_002),
     (1700000000.00151, 1_700_000_000_002), (1.276020076001e9, 1_276_020_076_001)],
)
def test_time_is_rounded_half_even_to_milliseconds(t: float, ms: int) -> None:
    (event,) = events([{"n": "x", "t": t, "v": 1}])
    assert event.time_ms == ms


def test_data_values_of_every_type() -> None:
    text = (b'[{"bn":"d:","n":"a","v":0.1000000000000000000001},{"n":"b","vs":"x"},'
            b'{"n":"c","vb":true},{"n":"e","vd":"aGkgCg=="}]')
    decoded = decode_senml(text, cbor=False, now_ms=NOW_MS)
    values = [e.data["value"] for e in decoded if isinstance(e, Event)]
    assert values == [Decimal("0.1000000000000000000001"), "x", True, "aGkgCg"]


def test_time_out_of_range_is_rejected_per_record() -> None:
    decoded = decode_senml(b'[{"n":"x","t":1e13,"v":1},{"n":"y","v":1}]', cbor=False,
                           now_ms=NOW_MS)
    assert isinstance(decoded[0], Rejected) and "outside" in decoded[0].reason
    assert isinstance(decoded[1], Event)


def test_resolve_pack_takes_label_mappings() -> None:
    result = resolve_pack([{"n": "x", "v": Decimal(1)}], NOW)
    assert isinstance(result, list) and result[0].name == "x"
