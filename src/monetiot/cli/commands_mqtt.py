"""`monetiot ingest-mqtt` (the MQTT ingest worker) and `monetiot mqtt-acl` (broker accounts).

`mqtt-acl` writes what Mosquitto needs so that a device can publish only as itself: a password
file with one `TENANT/DEVICE:$7$...` line per device (the stored hash, never a password), an ACL
file whose patterns expand `%u` to the device's own topics, and a `mosquitto.conf` snippet.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

import typer

from monetiot.cli import app, fail
from monetiot.cli.context import platform, print_json
from monetiot.ingest import mqtt_topics
from monetiot.ingest.mqtt_worker import WorkerOptions, run_workers
from monetiot.services import credentials
from monetiot.settings import Settings
from monetiot.store import registry

DEFAULT_WORKER_USERNAME = "monetiot-ingest"


@app.command("ingest-mqtt")
def ingest_mqtt(
    host: str = typer.Option(None, help="Broker host (default MONETIOT_MQTT_HOST)."),
    port: int = typer.Option(None, help="Broker port (default MONETIOT_MQTT_PORT)."),
    group: str = typer.Option("monetiot-ingest", help="Shared-subscription group."),
    batch_size: int = typer.Option(1000, min=1, help="Messages per transaction, at most."),
    batch_ms: int = typer.Option(50, min=0, help="Wait at most this long to fill a batch."),
    client_id: str = typer.Option(
        None, help="Stable MQTT client id (default monetiot-ingest-GROUP-HOSTNAME); a restarted "
                   "worker must reuse it to resume its session."),
    username: str = typer.Option(None, envvar="MONETIOT_MQTT_USERNAME",
                                 help="The worker's broker account."),
    password: str = typer.Option(None, envvar="MONETIOT_MQTT_PASSWORD", show_default=False),
    workers: int = typer.Option(1, min=1, help="Worker processes (client ids CLIENT_ID-0 ...)."),
) -> None:
    """Consume device messages from MQTT; acknowledge each only after it is committed."""
    settings = Settings.from_env()
    options = WorkerOptions(
        host=host or settings.mqtt_host, port=port or settings.mqtt_port, group=group,
        client_id=client_id or f"monetiot-ingest-{group}-{socket.gethostname()}",
        batch_size=batch_size, batch_ms=batch_ms, username=username, password=password,
    )
    mqtt_topics.subscriptions(settings.mqtt_prefix, group)  # bad prefix or group: exit 2 now
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_workers(options, workers)


@app.command("mqtt-acl")
def mqtt_acl(
    out: Path = typer.Option(..., "--out", help="Directory for passwords, acl, mosquitto.conf."),
    tenant: str = typer.Option(None, "--tenant", "-t", help="Only this tenant's devices."),
    worker_username: str = typer.Option(DEFAULT_WORKER_USERNAME,
                                        help="The ingest worker's broker account."),
    worker_password: bool = typer.Option(
        False, "--worker-password",
        help="Generate a new password for the worker's account and print it (once). Without "
             "it, the account's line in an existing passwords file is kept."),
    port: int = typer.Option(None, help="Listener port in mosquitto.conf (default "
                                        "MONETIOT_MQTT_PORT)."),
    bind: str = typer.Option("", help="Listener address in mosquitto.conf (default: all)."),
) -> None:
    """Write Mosquitto password, ACL and config files: each device may publish only as itself."""
    plat = platform()
    prefix = mqtt_topics.check_prefix(plat.settings.mqtt_prefix)
    if ":" in worker_username or "/" in worker_username or not worker_username:
        fail("--worker-username: must be a name without : or /")
    out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    skipped: list[str] = []
    with plat.uow(readonly=True) as uow:
        tenant_ids = [tenant] if tenant else [t["id"] for t in registry.list_tenants(uow.conn)]
        if tenant and registry.get_tenant(uow.conn, tenant) is None:
            fail(f"tenant: no tenant {tenant!r}")
        for tenant_id in tenant_ids:
            for device in registry.list_devices(uow.conn, tenant_id):
                username = f"{tenant_id}/{device['id']}"
                if not device["secret_hash"] or ":" in username:
                    skipped.append(username)  # no password yet; or Mosquitto cannot parse it
                    continue
                lines.append(f"{username}:{device['secret_hash']}")
    device_count = len(lines)
    shown: dict[str, object] = {}
    if worker_password:
        password, secret_hash = credentials.new_device_password()
        lines.append(f"{worker_username}:{secret_hash}")
        shown = {"worker_username": worker_username, "worker_password": password}
    else:
        kept = _existing_line(out / "passwords", worker_username)
        if kept is None:
            typer.echo(f"note: no password for {worker_username!r} yet; run again with "
                       "--worker-password", err=True)
        else:
            lines.append(kept)
    _write(out / "passwords", "".join(f"{line}\n" for line in lines), private=True)
    _write(out / "acl", mqtt_topics.acl_text(prefix, worker_username))
    _write(out / "mosquitto.conf",
           _conf(out.resolve(), port or plat.settings.mqtt_port, bind))
    print_json({"passwords": str(out / "passwords"), "acl": str(out / "acl"),
                "conf": str(out / "mosquitto.conf"), "devices": device_count,
                "skipped": skipped, **shown})


def _existing_line(path: Path, username: str) -> str | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(f"{username}:"):
            return line
    return None


def _write(path: Path, text: str, *, private: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # the broker never reads a half-written file


def _conf(out: Path, port: int, bind: str) -> str:
    listener = f"listener {port} {bind}".rstrip()
    return "\n".join([
        "# monetiot: written by `monetiot mqtt-acl`. Include it in the broker's configuration.",
        listener,
        "allow_anonymous false",
        f"password_file {out / 'passwords'}",
        f"acl_file {out / 'acl'}",
        "# The ingest worker acknowledges only after commit and may fall behind in bursts:",
        "# let the broker queue for it instead of dropping (the default is 1000 per client).",
        "max_queued_messages 1000000",
        "# Keep `persistence true` so queued messages and sessions survive a broker restart.",
        "",
    ])
