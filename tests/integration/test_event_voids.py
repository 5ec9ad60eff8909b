"""Voiding an accepted event: usage recomputed without it, the event and the void kept.

Device d1 (customer c1), 2026-11-24 UTC, every meter on type `energy`:

| id | time  | kwh | user |
|----|-------|-----|------|
| a1 | 06:00 | 1   | u1   |
| a2 | 06:30 | 5   | u2   |   <- voided: "meter glitch"
| a3 | 07:00 | 2   | u1   |
| a4 | 07:30 | 3   | u3   |

Over 06:00-08:00, before -> after the void: SUM 11 -> 6, COUNT 4 -> 3, MAX 5 -> 3 (hour 06:
5 -> 1), LATEST of hour 06 5 -> 1, UNIQUE_COUNT users 3 -> 2 (hour 06: 2 -> 1), the
TIME_WEIGHTED_SUM of kwh in kWh x h 1 x 0.5 + 5 x 0.5 + 2 x 0.5 + 3 x 0.5 = 5.5 ->
1 x 1 + 2 x 0.5 + 3 x 0.5 = 3.5, connected minutes 4 -> 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_api_support import HOUR, SharedDatabase, World, event, ms, shared_database, values
from typer.testing import CliRunner

H6 = ms("2026-11-24T06:00Z")
METERS = {"sum": ("SUM", "kwh"), "count": ("COUNT", None), "max": ("MAX", "kwh"),
          "last": ("LATEST", "kwh"), "users": ("UNIQUE_COUNT", "user"),
          "tws": ("TIME_WEIGHTED_SUM", "kwh")}
TABLE = [("a1", "06:00", "1", "u1"), ("a2", "06:30", "5", "u2"), ("a3", "07:00", "2", "u1"),
         ("a4", "07:30", "3", "u3")]

db = shared_database()


@pytest.fixture
def world(db: SharedDatabase) -> Iterator[World]:
    w = db.world()
    a = w.a
    a.customer("c1")
    a.device("d1", customer="c1", assigned_from=ms("2026-11-01T00:00Z"))
    for meter_id, (aggregation, prop) in METERS.items():
        a.meter(meter_id, "energy", aggregation, prop)
    a.send([event(i, ms(f"2026-11-24T{t}Z"), kwh=k, user=u) for i, t, k, u in TABLE],
           expect=200)
    yield w


def totals(w: World) -> dict[str, Any]:
    out = {m: str(w.a.total(m, H6, H6 + 2 * HOUR)) for m in METERS}
    out["connected_minutes"] = str(w.a.total("connected_minutes", H6, H6 + 2 * HOUR))
    return out


def hour_06(w: World, meter: str) -> str | None:
    return values(w.a.usage(meter, H6, H6 + 2 * HOUR, window="hour"))[H6]


def test_a_voided_event_no_longer_counts_in_any_usage(world: World) -> None:
    assert totals(world) == {"sum": "11", "count": "4", "max": "5", "last": "3", "users": "3",
                             "tws": "5.5", "connected_minutes": "4"}
    assert (hour_06(world, "max"), hour_06(world, "last"), hour_06(world, "users")) == (
        "5", "5", "2")
    voided = world.a.call("POST", "/v1/events/a2/void", json={"reason": "meter glitch"}).json()
    assert (voided["event"], voided["reason"], voided["device"]) == ("a2", "meter glitch", "d1")
    assert totals(world) == {"sum": "6", "count": "3", "max": "3", "last": "3", "users": "2",
                             "tws": "3.5", "connected_minutes": "3"}
    assert (hour_06(world, "max"), hour_06(world, "last"), hour_06(world, "users")) == (
        "1", "1", "1")


def test_the_event_and_its_void_stay_in_the_record(world: World) -> None:
    world.a.call("POST", "/v1/events/a2/void", json={"reason": "meter glitch"})
    listed = {e["id"]: e for e in world.a.get("/v1/events")["events"]}
    assert set(listed) == {"a1", "a2", "a3", "a4"}  # nothing deleted
    assert listed["a2"]["data"] == {"kwh": "5", "user": "u2"}
    assert listed["a2"]["voided"]["reason"] == "meter glitch"
    assert listed["a2"]["voided"]["actor"].startswith("api-key:")
    assert listed["a1"]["voided"] is None
    # a resend of the voided id is a duplicate: it never counts again
    again = world.a.send([event("a2", ms("2026-11-24T06:30Z"), kwh="5", user="u2")])
    assert again.json()["results"][0]["status"] == "duplicate"
    assert totals(world)["sum"] == "6"


def test_voiding_is_refused_twice_without_a_reason_or_without_admin(world: World) -> None:
    a = world.a
    problem = a.call("POST", "/v1/events/a2/void", json={}, expect=422).json()
    assert problem["field"] == "reason"
    a.call("POST", "/v1/events/nope/void", json={"reason": "x"}, expect=404)
    reader = a.key("read")
    a.call("POST", "/v1/events/a2/void", json={"reason": "x"}, expect=403,
           headers={"Authorization": f"Bearer {reader}"})
    a.call("POST", "/v1/events/a2/void", json={"reason": "glitch"})
    assert a.call("POST", "/v1/events/a2/void", json={"reason": "again"},
                  expect=409).json()["field"] == "event"
    assert totals(world)["sum"] == "6"


def test_the_cli_voids_an_event(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from monetiot.cli import _register, app, context

    monkeypatch.setattr(context, "_platform", world.platform)
    _register()
    result = CliRunner().invoke(app, ["events", "void", "a4", "--reason", "test message",
                                      "--tenant", world.a.id])
    assert result.exit_code == 0, result.output
    assert '"reason": "test message"' in result.stdout
    assert totals(world)["sum"] == "8"
    result = CliRunner().invoke(app, ["events", "void", "a4", "--reason", "twice",
                                      "--tenant", world.a.id])
    assert result.exit_code == 2 and "was voided at" in result.output
