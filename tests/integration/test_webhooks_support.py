"""What the webhook tests share: a real HTTP receiver on 127.0.0.1, and tenants with endpoints.

`Receiver` is an `http.server` in a thread on a free port. It records every POST (path, headers,
raw body) and answers with the status codes it was scripted to give for that path, in turn,
then 200. Nothing is faked between the dispatcher and the socket.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from monetiot.bootstrap import Platform
from monetiot.domain.clock import FixedClock
from monetiot.services import access, webhooks
from monetiot.store import billing as billing_store


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def delivery_id(self) -> str:
        return self.headers["monetiot-delivery-id"]


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # many dispatch threads connect at once
    daemon_threads = True


class Receiver:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.log: list[Received] = []
        self.script: dict[str, list[int]] = {}
        self.delay_s = delay_s
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                with receiver.lock:
                    receiver.log.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    codes = receiver.script.get(self.path, [])
                    status = codes.pop(0) if codes else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str, *codes: int) -> None:
        """Answer the next POSTs to `path` with these statuses, then 200."""
        with self.lock:
            self.script[path] = list(codes)

    def received(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.log if path is None or r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


def tenants(platform: Platform, *ids: str) -> None:
    for tenant in ids:
        with platform.uow() as uow:
            access.create_tenant(uow, platform.clock.now_ms(), tenant, tenant.title())


def endpoint(platform: Platform, tenant: str, url: str,
             types: list[str] | None = None) -> dict[str, Any]:
    with platform.uow() as uow:
        return webhooks.create_endpoint(uow, platform.clock.now_ms(), tenant,
                                        {"url": url, "types": types or []})


def emit(platform: Platform, tenant: str, event_id: str, type_: str,
         payload: dict[str, Any]) -> None:
    with platform.uow() as uow:
        billing_store.emit(uow.conn, tenant, event_id, type_, payload, platform.clock.now_ms())
        uow.commit()


def dispatch(platform: Platform, **kwargs: Any) -> webhooks.DispatchReport:
    return webhooks.dispatch(platform.uow, platform.clock.now_ms(), **kwargs)


def deliveries(platform: Platform, tenant: str, endpoint_id: str) -> list[dict[str, Any]]:
    with platform.uow(readonly=True) as uow:
        return webhooks.list_deliveries(uow, tenant, endpoint_id)


def now_s(clock: FixedClock) -> int:
    return clock.now_ms() // 1000


def test_the_receiver_records_posts_and_answers_as_scripted(receiver: Receiver) -> None:
    import httpx

    receiver.answer("/x", 500)
    assert httpx.post(receiver.url("/x"), content=b"one").status_code == 500
    assert httpx.post(receiver.url("/x"), content=b"two").status_code == 200
    assert [r.body for r in receiver.received("/x")] == [b"one", b"two"]
