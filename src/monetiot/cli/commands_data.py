"""`monetiot send|events|quarantine|meters|usage|db|serve`: data in, usage out, operations."""

from __future__ import annotations

from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.cli.context import JsonOption, TenantOption, platform, print_json, show
from monetiot.domain.errors import InvalidInput
from monetiot.ingest.formats import CONTENT_TYPES
from monetiot.services import metering, quarantine
from monetiot.services.ingest import Payload, ingest
from monetiot.userfiles import read_document
from monetiot.web.responses import parse_time

quarantine_app = typer.Typer(help="Rejected records: list, show, replay, discard.",
                             no_args_is_help=True)
meters_app = typer.Typer(help="Meters: how events become billable quantities.",
                         no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
events_app = typer.Typer(help="Accepted events: void one that should not count.",
                         no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(events_app, name="events")
app.add_typer(meters_app, name="meters")
app.add_typer(db_app, name="db")


@app.command("send")
def send(file: Path, format: str = typer.Option("json", help=", ".join(CONTENT_TYPES)),
         device: str = typer.Option("", help="Send as this device (as MQTT would)."),
         tenant: str = TenantOption) -> None:
    """Ingest a file of events through the same path as POST /v1/events."""
    if format not in CONTENT_TYPES:
        fail(f"--format: must be one of {', '.join(CONTENT_TYPES)}")
    try:
        body = file.read_bytes()
    except OSError as exc:
        fail(f"file: cannot read {file}: {exc.strerror}")
    plat = platform()
    payload = Payload(tenant=tenant, content_type=CONTENT_TYPES[format], body=body,
                      received_ms=plat.clock.now_ms(), source="cli", device=device or None)
    with plat.uow() as uow:
        (result,) = ingest(uow, plat.settings, [payload])
    print_json(result.summary() | {"results": [r.as_dict() for r in result.records]})


@events_app.command("void")
def events_void(event_id: str = typer.Argument(..., help="The accepted event's id."),
                reason: str = typer.Option(..., "--reason", help="Why: kept in the record."),
                tenant: str = TenantOption) -> None:
    """Void an accepted event: it stops counting in usage (invoiced periods get an adjustment
    on the next invoice); the event and the void stay in the record."""
    from monetiot.services import event_voids

    plat = platform()
    with plat.uow() as uow:
        print_json(event_voids.void_event(uow, plat.clock.now_ms(), tenant, event_id, reason,
                                          actor="cli"))


@quarantine_app.command("list")
def q_list(status: str = typer.Option("open", help="open, replayed, discarded or all"),
           limit: int = 100, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = quarantine.list_entries(uow, tenant, None if status == "all" else status, limit)
    show(rows, as_json, "Quarantine", ["id", "received_ms", "source", "record", "reason",
                                       "status"])


@quarantine_app.command("show")
def q_show(entry_id: int, tenant: str = TenantOption) -> None:
    with platform().uow(readonly=True) as uow:
        print_json(quarantine.get_entry(uow, tenant, entry_id))


@quarantine_app.command("replay")
def q_replay(entry_id: int = typer.Argument(0, help="Entry id; 0 with --all."),
             all_open: bool = typer.Option(False, "--all", help="Replay every open entry."),
             fixed: Path | None = typer.Option(None, "--with", help="A corrected payload."),
             content_type: str = typer.Option("", help="Content type of --with."),
             tenant: str = TenantOption) -> None:
    plat = platform()
    if all_open:
        print_json(quarantine.replay_all(plat.uow, plat.settings, plat.clock.now_ms(), tenant))
        return
    if not entry_id:
        fail("entry_id: give an entry id, or --all")
    with plat.uow() as uow:
        print_json(quarantine.replay(uow, plat.settings, plat.clock.now_ms(), tenant, entry_id,
                                     fixed.read_bytes() if fixed else None,
                                     content_type or None))


@quarantine_app.command("discard")
def q_discard(entry_id: int, tenant: str = TenantOption) -> None:
    plat = platform()
    with plat.uow() as uow:
        print_json(quarantine.discard(uow, plat.clock.now_ms(), tenant, entry_id))


@meters_app.command("create")
def meter_create(file: Path = typer.Argument(..., help="Meter definition (JSON)."),
                 tenant: str = TenantOption) -> None:
    plat = platform()
    doc = read_document(file, "meter")
    with plat.uow() as uow:
        print_json(metering.create_meter(uow, plat.clock.now_ms(), tenant, doc))


@meters_app.command("list")
def meter_list(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    with platform().uow(readonly=True) as uow:
        rows = metering.list_meters(uow, tenant)
    show(rows, as_json, "Meters", ["id", "event_type", "property", "aggregation", "group_by"])


@app.command("usage")
def usage(meter: str, start: str = typer.Option(..., "--from"),
          end: str = typer.Option(..., "--to"),
          window: str = typer.Option("total", help="hour, day, month or total"),
          tz: str = typer.Option("", help="Time zone of day/month windows."),
          customer: str = typer.Option(""), device: str = typer.Option(""),
          group_by: str = typer.Option("", help="customer,device,group"),
          tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Usage of a meter per window, from the rollups (exact)."""
    plat = platform()
    start_ms, end_ms = parse_time(start, "from"), parse_time(end, "to")
    if start_ms is None or end_ms is None:
        raise InvalidInput("required", field="from" if start_ms is None else "to")
    with plat.uow(readonly=True) as uow:
        zone = tz
        if not zone and customer:
            from monetiot.services.fleet import get_customer

            zone = str(get_customer(uow, tenant, customer)["timezone"])
        query = metering.UsageQuery(meter, start_ms, end_ms, window, zone or "UTC",
                                    customer or None, device or None,
                                    tuple(g for g in group_by.split(",") if g))
        rows = metering.usage(uow, tenant, query, plat.clock.now_ms())
    show(rows, as_json, f"Usage of {meter}", ["from_ms", "to_ms", *query.group_by, "value"])


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (also done at every start)."""
    platform()
    typer.echo("schema is up to date")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the REST API (and web app) with uvicorn."""
    import uvicorn

    from monetiot.web.app import create_app

    uvicorn.run(create_app(platform()), host=host, port=port, log_level="info")


