"""What the edge SDK tests share: a private broker that can be stopped and started again, the real
ingest worker as a process, the real API on a socket, certificates for TLS, a seeded platform.

Every broker here is the test's own (a free port, its config, passwords and persistence in the
test's tmp directory), so stopping it harms no one. The platform uses the system clock: the
readings carry the device's real time, which a fixed clock would call late or early.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from test_mqtt_crash import WorkerProcess
from test_mqtt_support import HOST, free_port, private_broker, seed, wait_until

from monetiot.bootstrap import Platform, bootstrap
from monetiot.settings import Settings
from monetiot.store.schema import events, quarantine

__all__ = ["HOST", "Broker", "WorkerProcess", "free_port", "seed", "wait_until"]


@dataclass
class Broker:
    """A private Mosquitto with persistence: `stop()` saves what it holds, `start()` reloads it."""

    directory: Path
    extra: str = ""  # more configuration lines (accounts, TLS listener)
    port: int = field(default_factory=free_port)
    _stack: ExitStack | None = None
    _proc: subprocess.Popen[bytes] | None = None

    def conf(self) -> str:
        (self.directory / "data").mkdir(parents=True, exist_ok=True)
        return "\n".join([
            f"listener {self.port} {HOST}",
            "persistence true",
            f"persistence_location {self.directory / 'data'}/",
            "max_queued_messages 1000000",
            self.extra or "allow_anonymous true",
            "",
        ])

    def start(self) -> None:
        assert self._stack is None, "already running"
        self._stack = ExitStack()
        self._proc = self._stack.enter_context(
            private_broker(self.directory, self.conf(), self.port))

    def stop(self) -> None:
        """SIGTERM: Mosquitto writes its persistence file (sessions, queued messages) and exits."""
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def reload(self) -> None:
        """SIGHUP: re-read the password and ACL files."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGHUP)


@contextmanager
def broker(directory: Path, extra: str = "") -> Iterator[Broker]:
    b = Broker(directory, extra)
    b.start()
    try:
        yield b
    finally:
        b.stop()


def worker(database_url: str, prefix: str, port: int, client_id: str,
           *args: str) -> WorkerProcess:
    """The real `monetiot ingest-mqtt`, subscribed when this returns."""
    env = {**os.environ, "MONETIOT_DATABASE_URL": database_url, "MONETIOT_MQTT_PREFIX": prefix,
           "MONETIOT_MQTT_HOST": HOST, "MONETIOT_MQTT_PORT": str(port)}
    proc = WorkerProcess(env, "--client-id", client_id, "--batch-ms", "20", *args)
    proc.wait_subscribed()
    return proc


def platform(database_url: str, prefix: str) -> Platform:
    return bootstrap(Settings(database_url=database_url, mqtt_prefix=prefix))


def count(plat: Platform, tenant: str, event_type: str | None = None) -> int:
    stmt = select(func.count()).select_from(events).where(events.c.tenant_id == tenant)
    if event_type is not None:
        stmt = stmt.where(events.c.type == event_type)
    with plat.uow(readonly=True) as uow:
        return int(uow.conn.execute(stmt).scalar_one())


def stored(plat: Platform, tenant: str, event_type: str) -> list[dict[str, Any]]:
    import json

    stmt = (select(events.c.id, events.c.device_id, events.c.time_ms, events.c.data)
            .where(events.c.tenant_id == tenant, events.c.type == event_type)
            .order_by(events.c.time_ms))
    with plat.uow(readonly=True) as uow:
        return [{"id": r.id, "device": r.device_id, "time_ms": r.time_ms,
                 "data": json.loads(r.data, parse_float=Decimal)}
                for r in uow.conn.execute(stmt)]


def quarantine_reasons(plat: Platform, tenant: str) -> list[str]:
    stmt = select(quarantine.c.reason).where(quarantine.c.tenant_id == tenant)
    with plat.uow(readonly=True) as uow:
        return [r[0] for r in uow.conn.execute(stmt)]


@dataclass
class ApiServer:
    url: str
    server: Any
    thread: threading.Thread


@contextmanager
def api_server(plat: Platform, *, certfile: Path | None = None,
               keyfile: Path | None = None) -> Iterator[ApiServer]:
    """The real FastAPI app, served by uvicorn on a free port in a thread."""
    import uvicorn

    from monetiot.web.app import create_app

    port = free_port()
    config = uvicorn.Config(create_app(plat), host=HOST, port=port, log_level="warning",
                            ssl_certfile=str(certfile) if certfile else None,
                            ssl_keyfile=str(keyfile) if keyfile else None)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "uvicorn to start", timeout=15)
        scheme = "https" if certfile else "http"
        yield ApiServer(f"{scheme}://{HOST}:{port}", server, thread)
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path


def certificates(directory: Path) -> Certs:
    """A throwaway CA and a server certificate for 127.0.0.1, made with the openssl command."""
    directory.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True,
                       timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=edge-ca",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
        "server.key", "-out", "server.csr")
    (directory / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
    return Certs(directory / "ca.pem", directory / "server.pem", directory / "server.key")


def device_process(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """`edge_device.py` (beside this file) in a process of its own."""
    script = Path(__file__).with_name("edge_device.py")
    return subprocess.Popen([sys.executable, str(script), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
