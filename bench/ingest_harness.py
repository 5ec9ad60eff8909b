"""The processes around the system under test: free ports, RSS and CPU sampling, spawned
servers, and MQTT publishers that cost next to nothing (raw MQTT 3.1.1 on sockets)."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest_load import TENANT, mqtt_body

MQTT_HOST, MQTT_PORT = "127.0.0.1", 1883


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, comm, utime+stime in ticks) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), comm, int(fields[11]) + int(fields[12])


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _proc_stat(int(entry))
            if stat is not None:
                children.setdefault(stat[0], []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _cpu_ticks(pids: list[int]) -> dict[int, int]:
    return {p: s[2] for p in pids if (s := _proc_stat(p)) is not None}


def pids_named(prefix: str, *, cmdline_has: str = "") -> list[int]:
    """Processes whose name starts with `prefix` (and whose command line holds `cmdline_has`:
    a PostgreSQL backend's title names its database)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (s := _proc_stat(int(entry))) and s[1].startswith(prefix):
            if cmdline_has:
                try:
                    cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                except OSError:
                    continue
                if cmdline_has.encode() not in cmdline:
                    continue
            found.append(int(entry))
    return found


def _machine_busy_ticks() -> int:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


class RssSampler:
    """RSS of a process tree (the server and its workers), sampled every `every` seconds."""

    def __init__(self, root: int, every: float = 0.25) -> None:
        self.root, self.every = root, every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def sample(self) -> int:
        kb = sum(_rss_kb(p) for p in process_tree(self.root))
        self.samples.append((time.monotonic(), kb))
        return kb

    def start(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self.sample()
        kbs = [kb for _, kb in self.samples]
        quarters = [kbs[min(len(kbs) - 1, len(kbs) * q // 4)] for q in (1, 2, 3)]
        return {"rss_mb_start": round(kbs[0] / 1024, 1), "rss_mb_end": round(kbs[-1] / 1024, 1),
                "rss_mb_peak": round(max(kbs) / 1024, 1),
                "rss_mb_at_25_50_75_pct": [round(kb / 1024, 1) for kb in quarters],
                "rss_samples": len(kbs)}


class CpuMeter:
    """Cores used by each part of the run (server or worker, its PostgreSQL backends, broker,
    publishers, this process), by the whole machine, and by everything else on it: the machine
    is shared, and "other" says how much of it the measurement did not have."""

    def __init__(self, parts: dict[str, Callable[[], list[int]]]) -> None:
        self.parts = parts
        self.start = {name: _cpu_ticks(pids()) for name, pids in parts.items()}
        self.machine = _machine_busy_ticks()
        self.own = self._own()
        self.t0 = time.monotonic()

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system

    def stop(self) -> dict[str, float]:
        wall, tick = time.monotonic() - self.t0, os.sysconf("SC_CLK_TCK")
        out = {}
        for name, pids in self.parts.items():
            before = self.start[name]
            used = sum(t - before.get(p, 0) for p, t in _cpu_ticks(pids()).items()) / tick
            out[name] = used / wall
        out["bench"] = (self._own() - self.own) / wall
        machine = (_machine_busy_ticks() - self.machine) / tick / wall
        out["other"] = max(0.0, machine - sum(out.values()))
        out["machine"] = machine
        return {f"cpu_cores_{k}": round(v, 2) for k, v in out.items()} | {
            "loadavg_1m": float(Path("/proc/loadavg").read_text().split()[0])}


@contextmanager
def spawned(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def app_env(url: str, **extra: str) -> dict[str, str]:
    return os.environ | {"MONETIOT_DATABASE_URL": url} | extra


# --- MQTT on the wire -------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _mqtt_str(b: bytes) -> bytes:
    return len(b).to_bytes(2, "big") + b


def mqtt_connect_packet(client_id: str) -> bytes:
    """MQTT 3.1.1 CONNECT, clean session, no keepalive."""
    body = _mqtt_str(b"MQTT") + bytes([4, 0x02]) + (0).to_bytes(2, "big")
    body += _mqtt_str(client_id.encode())
    return b"\x10" + _varint(len(body)) + body


def mqtt_publish_packet(topic: bytes, packet_id: int, payload: bytes) -> bytes:
    """PUBLISH at QoS 1."""
    body = _mqtt_str(topic) + packet_id.to_bytes(2, "big") + payload
    return b"\x32" + _varint(len(body)) + body


def _publisher(index: int, publishers: int, prefix: str, devices: list[str], run: str,
               total: int, allowed: Any, acked: Any, go: Any, leave: Any) -> None:
    """One publisher process: messages index, index + publishers, ... at QoS 1 on raw sockets,
    never past `allowed` (the flow control that keeps the broker's queues bounded)."""
    sock = socket.create_connection((MQTT_HOST, MQTT_PORT))
    sock.sendall(mqtt_connect_packet(f"bench-pub-{run}-{index}"))
    if sock.recv(4)[:2] != b"\x20\x02":
        raise RuntimeError("broker refused the publisher")

    def read_acks() -> None:
        pending = b""
        while True:
            data = sock.recv(65536)
            if not data:
                return
            pending += data
            whole = len(pending) // 4  # only PUBACKs (4 bytes) arrive after CONNACK
            pending = pending[whole * 4:]
            with acked.get_lock():
                acked.value += whole

    threading.Thread(target=read_acks, daemon=True).start()
    topics = [f"{prefix}/{TENANT}/{d}/events".encode() for d in devices]
    go.wait()
    out, packet_id = bytearray(), 0
    for n in range(index, total, publishers):
        while n >= allowed.value:
            if out:
                sock.sendall(out)
                out.clear()
            time.sleep(0.001)
        packet_id = packet_id % 65535 + 1
        out += mqtt_publish_packet(topics[n % len(topics)], packet_id, mqtt_body(run, n))
        if len(out) > 32_768:
            sock.sendall(out)
            out.clear()
    if out:
        sock.sendall(out)
    leave.wait()  # stay alive (and measurable) until the run is over
    sock.close()


class Publishers:
    """N publisher processes sharing one flow-control window (`allowed`, in messages)."""

    def __init__(self, count: int, prefix: str, devices: list[str], run: str,
                 total: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.allowed = ctx.Value("q", 0)
        self.acked = ctx.Value("q", 0)
        self.go, self.leave = ctx.Event(), ctx.Event()
        self.procs = [ctx.Process(target=_publisher, daemon=True, args=(
            i, count, prefix, devices, run, total, self.allowed, self.acked, self.go, self.leave))
            for i in range(count)]
        for proc in self.procs:
            proc.start()

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.pid is not None and p.is_alive()]

    def allow(self, upto: int) -> None:
        self.allowed.value = upto

    def close(self) -> None:
        self.leave.set()
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def bare_subscriber(prefix: str, received: Any, last: Any, ready: Any) -> None:
    """The ceiling: a paho (MQTT 5) subscriber at QoS 1 that only counts what it receives."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        received.value += 1
        last.value = time.perf_counter()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-bare-{prefix}",
                         protocol=mqtt.MQTTv5)
    client.on_message = on_message
    client.on_subscribe = lambda *_a: ready.set()
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.ReceiveMaximum = 65_535  # as the worker: the broker may have that many in flight
    client.connect(MQTT_HOST, MQTT_PORT, properties=props)
    client.subscribe(f"{prefix}/#", qos=1)
    client.loop_forever()


def forget_session(client_id: str) -> None:
    """Remove the worker's persistent session from the broker once the run is over."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    props.SessionExpiryInterval = 0
    client.connect(MQTT_HOST, MQTT_PORT, clean_start=True, properties=props)
    client.loop_start()
    time.sleep(0.3)
    client.disconnect()
    client.loop_stop()
