"""`monetiot sharing ...` end to end through the real entry point, on SQLite and PostgreSQL:
register a shared charger, book it, see a double booking and an unlock without a booking refused
(exit 2, one line naming the field), cancel, read the owner's statement, sweep."""

from __future__ import annotations

from pathlib import Path

from test_cli_workflow import Cli, cli, hour_now, ok, write  # noqa: F401  (cli is a fixture)

from monetiot.domain.clock import iso_from_ms

HOUR = 3_600_000
TARIFF = {"currency": "EUR", "elements": [{"price_components": [
    {"type": "TIME", "price": "4.00", "step_size": 60}]}]}


def test_sharing_from_the_command_line(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    ok(cli("tenants", "create", "acme"))
    t = ("-t", "acme")
    ok(cli("customers", "create", "c-ann", *t))
    ok(cli("devices", "create", "room-1", *t))
    owner = ok(cli("sharing", "owners", "create", "hall-co", "--fee", "20", *t)).json()
    assert owner["platform_fee_percent"] == "20"
    asset = write(tmp_path, "room.json", {
        "id": "room-1", "name": "Meeting room", "kind": "room", "owner": "hall-co",
        "device": "room-1", "tariff": TARIFF,
        "policy": {"free_cancellation_hours": 0, "cancellation_fee":
                   {"kind": "flat", "value": "3"}}})
    assert ok(cli("sharing", "assets", "create", asset, *t)).json()["kind"] == "room"
    ok(cli("sharing", "members", "create", "ann", "--customer", "c-ann", *t))
    start, end = hour_now() + 2 * HOUR, hour_now() + 3 * HOUR
    slot = ("--asset", "room-1", "--member", "ann", "--start", iso_from_ms(start),
            "--end", iso_from_ms(end))
    booking = ok(cli("sharing", "bookings", "create", *slot, *t)).json()
    assert booking["estimated_price"] == "4.00"
    clash = cli("sharing", "bookings", "create", *slot, *t)
    assert clash.code == 2 and clash.err.startswith("start: ") and clash.out == ""
    refused = cli("sharing", "sessions", "start", "room-1", "--member", "ann", *t)
    assert refused.code == 2 and refused.err.startswith("booking: ")
    cancelled = ok(cli("sharing", "bookings", "cancel", booking["id"], *t)).json()
    assert (cancelled["status"], cancelled["fee"]) == ("cancelled", "0")
    listed = ok(cli("sharing", "bookings", "list", "--json", *t)).json()
    assert [b["status"] for b in listed] == ["cancelled"]
    statement = ok(cli("sharing", "statement", "hall-co", "--from", iso_from_ms(start - HOUR),
                       "--to", iso_from_ms(end), "--json", *t)).json()
    assert statement["items"] == [] and statement["totals"] == []
    assert ok(cli("sharing", "sweep", *t)).json() == {"stopped": [], "no_shows": []}
    table = ok(cli("sharing", "assets", "list", *t)).out
    assert "room-1" in table and "hall-co" in table
